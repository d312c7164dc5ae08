// overview.js - the traffic of a day at a glance: per layer its totals, its busiest ports (ties
// broken by the peak, then the name), its capacity forecast, its routers' totals and its short
// days; a search box over every layer; a day summarised from MRTG's coarser lines says their
// resolution.
import { get, qs } from '../api.js';
import { cells, errorBox, h, message, table } from '../dom.js';
import { bps, count, num, pct, t } from '../i18n.js';
import { page } from '../pages.js';
import { capacity, completeness, findHref, gbps, ifaceLink, resLabel, useBadge } from './common.js';

function searchBox(ctx, date) {
  const q = h('input', { type: 'search', id: 'overview-search', placeholder: t('find.placeholder'), 'aria-label': t('find.label') });
  return h('form', { class: 'row search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); ctx.go(new URLSearchParams({ q: q.value.trim(), date }), 'find'); } },
    h('label', { class: 'grow' }, t('find.label'), q), h('button', { type: 'submit' }, t('find.go')));
}

function totalsLine(L, T) {
  const parts = [t('totals.interfaces', { n: count(T.interfaces), day: count(T.of_day) })];
  if (L.in_only) {
    parts.push(t('totals.ips', { avg: count(Math.round(T.in_prom)), max: count(Math.round(T.in_max_prom)) }));
  } else {
    parts.push(`${t('col.capacity')} ${capacity(T.capacity)}`,
      `${t('col.inProm')} ${gbps(T.in_prom)}`, `${t('col.outProm')} ${gbps(T.out_prom)}`,
      `${t('totals.useMax')} ${T.use_max === null ? '—' : pct(T.use_max, 1)}`);
  }
  return h('p', { class: 'totals', dataset: { totals: L.layer } }, parts.join(' · '));
}

function routersTable(L, data) {
  const io = L.in_only;
  const cols = [
    { key: 'router', label: t('col.router') },
    { key: 'interfaces', label: t('col.interfaces'), num: 1 },
    ...(io ? [{ key: 'in_prom', label: t('col.ipsAvg'), num: 1 }, { key: 'in_max_prom', label: t('col.ipsMax'), num: 1 }]
      : [{ key: 'in_prom', label: t('col.inPromU'), num: 1 }, { key: 'out_prom', label: t('col.outPromU'), num: 1 },
        { key: 'use_max', label: t('col.useMax'), num: 1 }]),
  ];
  const rows = L.routers.map((r) => h('tr', { dataset: { router: r.router } }, cells(cols, [
    h('a', { href: findHref({ layer: L.layer, router: r.router, date: data.date, sort: 'use' }) }, r.router),
    `${count(r.of_day)} / ${count(r.interfaces)}`,
    ...(io ? [gbps(r.in_prom, 1), gbps(r.in_max_prom, 1)]
      : [gbps(r.in_prom), gbps(r.out_prom), useBadge(r.use_max, data.use_amber, data.use_red)]),
  ])));
  return table(cols, rows, { cls: 'routers' });
}

// The capacity forecast of a layer (/api/forecast, docs/forecast.md), fetched when opened: the
// soonest crossing first; each column sorts.
const FORECAST_KEYS = {
  name: (f) => f.name,
  p95: (f) => f.p95.last,
  slope: (f) => f.p95.slope,
  r2: (f) => f.p95.r2,
  cross: (f) => f.cross,
};

function forecastStatus(f) {
  if (f.cross) return t('forecast.in', { n: count(f.until) });
  if (f.capacity === null && f.p95.status === 'far') return t('forecast.nocap');
  return t(`forecast.${f.p95.status}`);
}

function forecastTable(L, fc, sort, onSort) {
  const cols = [
    { key: 'name', label: `${t('col.interface')} · ${t('col.type')}`, sort: 1 },
    { key: 'p95', label: t('forecast.p95'), num: 1, sort: 1 },
    { key: 'slope', label: t('forecast.slope'), num: 1, sort: 1 },
    { key: 'r2', label: t('forecast.r2'), num: 1, sort: 1 },
    { key: 'cross', label: t('forecast.cross', { pct: num(fc.threshold, 0) }), sort: 1 },
  ];
  const keyOf = FORECAST_KEYS[sort.key];
  const list = fc.interfaces.slice();
  if (sort.key !== 'cross' || sort.dir !== 'asc') {
    list.sort((a, b) => {
      const x = keyOf(a), y = keyOf(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * (sort.dir === 'asc' ? 1 : -1);
    });
  }
  const rows = list.map((f) => h('tr', { dataset: { name: f.name, status: f.p95.status } }, cells(cols, [
    h('span', {}, ifaceLink(L.layer, f, fc.to), h('br'), h('span', { class: 'muted small' }, f.type)),
    gbps(f.p95.last), f.p95.slope === null ? '—' : bps(f.p95.slope * 1e9), num(f.p95.r2, 2),
    f.cross ? h('span', {}, f.cross, h('br'), h('span', { class: 'muted small' }, forecastStatus(f)))
      : h('span', { class: 'muted small' }, forecastStatus(f))])));
  return table(cols, rows, { cls: 'forecast', sort: { key: sort.key, dir: sort.dir, onSort } });
}

function forecastDetails(L, data) {
  const box = h('div', {});
  const details = h('details', { dataset: { forecast: L.layer } }, h('summary', {}, t('forecast.title')), box);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    let fc;
    try {
      fc = await get('/api/forecast' + qs({ layer: L.layer, date: data.date }));
    } catch (e) {
      box.append(errorBox(e));
      return;
    }
    box.append(h('p', { class: 'muted small' }, t('forecast.intro', {
      from: fc.from, to: fc.to, pct: num(fc.threshold, 0), min: count(fc.min_days), r2: num(fc.min_r2, 2), horizon: count(fc.horizon),
    })));
    if (fc.interfaces.length === 0) {
      box.append(message(t('forecast.none')));
      return;
    }
    const holder = h('div', {});
    const draw = (key, dir) => holder.replaceChildren(forecastTable(L, fc, { key, dir }, draw));
    draw('cross', 'asc');
    box.append(holder);
  });
  return details;
}

async function overview(el, ctx) {
  const date = ctx.params.get('date') || '';
  const picker = h('input', { type: 'date', value: date, id: 'overview-date' });
  picker.addEventListener('change', () => ctx.go(new URLSearchParams(picker.value ? { date: picker.value } : {})));
  const head = h('div', { class: 'row' }, h('label', {}, t('overview.day'), picker));
  el.append(h('h1', {}, t('nav.traffic')), head);
  let data;
  try {
    data = await get('/api/layers' + qs({ date, list: 0 }));
  } catch (e) {
    el.append(searchBox(ctx, date), errorBox(e));
    return;
  }
  if (!ctx.current()) return;
  picker.value = data.date;
  ctx.title(`${t('nav.traffic')} ${data.date}`);
  head.append(h('span', { class: 'muted' }, t('overview.expected', { n: data.expected, store: data.backend })));
  el.append(searchBox(ctx, data.date));
  const cards = h('div', { class: 'cards' });
  el.append(cards);
  let total = 0;
  for (const L of data.layers) {
    const T = L.totals;
    total += T.interfaces;
    const card = h('section', { class: 'card', dataset: { layer: L.layer }, 'aria-labelledby': `layer-${L.layer}` },
      h('h2', { id: `layer-${L.layer}` }, L.layer, ' ', h('span', { class: 'muted' }, t('overview.count', { n: count(T.interfaces) }))),
      totalsLine(L, T));
    if (L.resolution > 300) card.append(h('p', { class: 'res-note', dataset: { resolution: L.resolution } }, t('overview.coarse', { res: resLabel(L.resolution) })));
    if (!L.in_only) {
      const cols = [{ label: `${t('col.interface')} · ${t('col.type')}` }, { label: t('col.inMaxU'), num: 1 },
        { label: t('col.outMaxU'), num: 1 }, { label: t('col.use'), num: 1 }];
      card.append(h('h3', {}, t('overview.top')),
        L.top.length === 0 ? message(t('overview.noUse'))
          : table(cols, L.top.slice(0, 5).map((f) => h('tr', { dataset: { name: f.name } }, cells(cols, [
            h('span', {}, ifaceLink(L.layer, f, data.date), h('br'), h('span', { class: 'muted small' }, f.type)),
            gbps(f.in_max_prom), gbps(f.out_max_prom),
            useBadge(f.use, data.use_amber, data.use_red)]))), { cls: 'toplist' }),
        h('p', { class: 'muted small' }, t('overview.tieBreak')));
    }
    if (L.short.length > 0) {
      const cols = [{ label: t('col.interface') }, { label: t('col.type') }, { label: t('col.samples'), num: 1 }, { label: t('col.lastDay') }];
      card.append(h('h3', {}, t('overview.short')),
        table(cols, L.short.map((s) => h('tr', { class: 'short' }, cells(cols, [
          ifaceLink(L.layer, s, data.date), s.type, completeness(s, data.expected), s.last])))));
    }
    if (L.routers.length > 0)
      card.append(h('details', {}, h('summary', {}, t('overview.routers', { n: count(L.routers.length) })), routersTable(L, data)));
    if (!L.in_only) card.append(forecastDetails(L, data));
    card.append(h('p', {}, h('a', { href: findHref({ layer: L.layer, date: data.date, sort: L.in_only ? 'in_prom' : 'use' }), dataset: { all: L.layer } },
      t('overview.all', { layer: L.layer }))));
    cards.append(card);
  }
  if (total === 0) el.append(message(t('overview.empty')));
}

page({ route: '', nav: { key: 'nav.traffic', order: 10 }, refresh: 300, render: overview });
