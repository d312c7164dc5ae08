// find.js - finding a port among every layer's interfaces: the server's search (words and
// fields, natural order), columns that sort, pages, a CSV of the list, and ports picked to be
// drawn together (#/compare). Everything shown is in the address: the words, the filters, the
// sort, the page and the ports picked.
import { get, qs } from '../api.js';
import { cells, clear, errorBox, h, message, table } from '../dom.js';
import { count, t } from '../i18n.js';
import { page } from '../pages.js';
import { capacity, completeness, gbps, ifaceHref, permalink, useBadge } from './common.js';

const PAGE = 50;
const LAYERS = ['BORDE', 'BRAS', 'CACHING', 'RAI', 'IXP', 'IPBRAS'];

// A port picked for the chart: "LAYER\tTYPE\tNAME" (a name never holds a tab).
export const portKey = (f) => `${f.layer}\t${f.type}\t${f.name}`;
export function portOf(key) {
  const [layer, type, ...name] = key.split('\t');
  return { layer, type, name: name.join('\t') };
}

async function find(el, ctx) {
  const p = new URLSearchParams(ctx.params);
  const state = {
    q: p.get('q') || '', layer: p.get('layer') || '', router: p.get('router') || '', type: p.get('type') || '',
    date: p.get('date') || '', sort: p.get('sort') || 'name', dir: p.get('dir') || '',
    page: Math.max(0, parseInt(p.get('page') || '0', 10) || 0), of_day: p.get('of_day') === '1',
    sel: p.getAll('sel'),
  };
  const params = () => {
    const o = new URLSearchParams();
    for (const k of ['q', 'layer', 'router', 'type', 'date', 'sort', 'dir']) if (state[k]) o.set(k, state[k]);
    if (state.page) o.set('page', state.page);
    if (state.of_day) o.set('of_day', '1');
    for (const s of state.sel) o.append('sel', s);
    return o;
  };
  const q = h('input', { type: 'search', id: 'find-q', value: state.q, placeholder: t('find.placeholder'), 'aria-label': t('find.label'), autocomplete: 'off' });
  const layer = h('select', { id: 'find-layer', 'aria-label': t('col.layer') },
    h('option', { value: '' }, t('find.allLayers')), LAYERS.map((l) => h('option', { value: l, selected: l === state.layer }, l)));
  const day = h('input', { type: 'date', id: 'find-date', value: state.date });
  const ofDay = h('input', { type: 'checkbox', id: 'find-of-day', checked: state.of_day });
  const results = h('div', { id: 'find-results', 'aria-live': 'polite' });
  const picked = h('div', { class: 'row picked', id: 'picked' });
  el.append(h('h1', {}, t('find.title')),
    h('form', { class: 'row search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); update(true); } },
      h('label', { class: 'grow' }, t('find.label'), q), h('label', {}, t('col.layer'), layer),
      h('label', {}, t('overview.day'), day), h('label', { class: 'check' }, ofDay, t('find.ofDay')),
      h('button', { type: 'submit', id: 'find-go' }, t('find.go'))),
    h('p', { class: 'muted small' }, t('find.help')),
    picked, results);
  if (state.router || state.type)
    el.insertBefore(h('p', { class: 'filters' }, state.router ? `${t('col.router')}: ${state.router} ` : '', state.type ? `${t('col.type')}: ${state.type} ` : '',
      h('button', { class: 'link', type: 'button', onclick: () => { state.router = ''; state.type = ''; state.page = 0; ctx.go(params()); } }, t('find.clearFilters'))), picked);
  let timer = null;
  let seq = 0;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => update(true), 250); });
  layer.addEventListener('change', () => update(true));
  day.addEventListener('change', () => update(true));
  ofDay.addEventListener('change', () => update(true));

  function drawPicked() {
    clear(picked);
    if (state.sel.length === 0) return;
    const c = new URLSearchParams();
    for (const s of state.sel) c.append('p', s);
    if (state.date) c.set('to', state.date);
    picked.append(h('span', {}, t('find.picked', { n: state.sel.length })),
      ...state.sel.map((s) => h('span', { class: 'chip' }, portOf(s).name, ' ',
        h('button', { class: 'link', type: 'button', 'aria-label': t('find.unpick', { name: portOf(s).name }), onclick: () => toggle(s, false) }, '×'))),
      h('a', { class: 'button', href: '#/compare?' + c, id: 'compare' }, t('find.compare', { n: state.sel.length })));
  }
  function toggle(key, on) {
    state.sel = state.sel.filter((s) => s !== key);
    if (on) state.sel.push(key);
    ctx.keep(params());
    drawPicked();
    for (const box of results.querySelectorAll('input[data-port]')) box.checked = state.sel.includes(box.dataset.port);
  }

  async function update(fromControls) {
    if (fromControls) {
      state.q = q.value.trim();
      state.layer = layer.value;
      state.date = day.value;
      state.of_day = ofDay.checked;
      state.page = 0;
      ctx.keep(params());
    }
    const mine = ++seq;
    let data;
    try {
      data = await get('/api/find' + qs({
        q: state.q, layer: state.layer, router: state.router, type: state.type, date: state.date,
        sort: state.sort, dir: state.dir, of_day: state.of_day ? 1 : '', offset: state.page * PAGE, limit: PAGE,
      }));
    } catch (e) {
      if (mine === seq) clear(results).append(errorBox(e));
      if (!fromControls) throw e;
      return;
    }
    if (mine !== seq || !ctx.current()) return;
    if (!day.value) day.value = data.date;
    draw(data);
  }

  function draw(data) {
    clear(results);
    ctx.title(state.q ? `${t('find.title')}: ${state.q}` : t('find.title'));
    const first = data.total ? data.offset + 1 : 0, last = data.offset + data.items.length;
    const csvHref = '/api/find' + qs({ q: state.q, layer: state.layer, router: state.router, type: state.type, date: data.date,
      sort: data.sort, dir: data.dir, of_day: state.of_day ? 1 : '', format: 'csv' });
    results.append(h('div', { class: 'row' },
      h('span', { id: 'find-count' }, t('find.count', { first: count(first), last: count(last), total: count(data.total), all: count(data.interfaces), date: data.date })),
      h('a', { class: 'button secondary', href: csvHref, download: '', id: 'find-csv' }, t('export.csv')), permalink()));
    if (data.total === 0) {
      results.append(message(t('find.none')));
      return;
    }
    const cols = [
      { key: 'pick', label: t('col.pick'), cls: 'pick' },
      { key: 'name', label: t('col.interface'), sort: 1 },
      { key: 'layer', label: t('col.layer'), sort: 1 },
      { key: 'router', label: t('col.router'), sort: 1 },
      { key: 'type', label: t('col.type'), sort: 1 },
      { key: 'capacity', label: t('col.capacity'), num: 1, sort: 1 },
      { key: 'in_prom', label: t('col.inPromU'), num: 1, sort: 1 },
      { key: 'in_max_prom', label: t('col.inMaxU'), num: 1, sort: 1 },
      { key: 'out_prom', label: t('col.outPromU'), num: 1, sort: 1 },
      { key: 'out_max_prom', label: t('col.outMaxU'), num: 1, sort: 1 },
      { key: 'use', label: t('col.use'), num: 1, sort: 1 },
      { key: 'samples', label: t('col.samples'), num: 1, sort: 1 },
      { key: 'date', label: t('col.lastDay'), sort: 1 },
    ];
    const rows = data.items.map((f) => {
      const key = portKey(f);
      const box = h('input', { type: 'checkbox', dataset: { port: key }, checked: state.sel.includes(key), 'aria-label': t('find.pick', { name: f.name }) });
      box.addEventListener('change', () => toggle(key, box.checked));
      const io = f.in_only;
      return h('tr', { class: f.of_day ? null : 'stale-row', dataset: { name: f.name } }, cells(cols, [
        box, h('a', { href: ifaceHref(f.layer, f, data.date) }, f.name), f.layer, f.router, f.type,
        io ? '—' : capacity(f.capacity), gbps(f.in_prom, io), gbps(f.in_max_prom, io),
        io ? '—' : gbps(f.out_prom), io ? '—' : gbps(f.out_max_prom),
        io ? '—' : useBadge(f.use, data.use_amber, data.use_red),
        completeness(f, data.expected),
        f.of_day ? f.date : h('span', { class: 'look-stale', title: t('find.notOfDay') }, f.date),
      ]));
    });
    results.append(table(cols, rows, {
      id: 'find-table',
      sort: { key: data.sort, dir: data.dir, onSort: (key, dir) => { state.sort = key; state.dir = dir; state.page = 0; ctx.go(params()); } },
    }));
    const pages = Math.ceil(data.total / PAGE);
    if (pages > 1) {
      results.append(h('nav', { class: 'row pager', 'aria-label': t('find.pages') },
        h('button', { class: 'secondary', type: 'button', id: 'page-prev', disabled: state.page === 0, onclick: () => { state.page--; ctx.go(params()); } }, t('find.prev')),
        h('span', {}, t('find.page', { n: state.page + 1, of: pages })),
        h('button', { class: 'secondary', type: 'button', id: 'page-next', disabled: state.page + 1 >= pages, onclick: () => { state.page++; ctx.go(params()); } }, t('find.next'))));
    }
  }

  drawPicked();
  await update(false);
}

page({ route: 'find', nav: { key: 'nav.find', order: 20 }, title: 'find.title', section: 'find', refresh: 300, render: find });
