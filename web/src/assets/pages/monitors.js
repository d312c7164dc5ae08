// monitors.js - the probe pages: the monitors and the state of their links (up, down, stale:
// results stopped coming, unknown) with the boxes gone silent flagged; one monitor's settings
// (links, tests, token) for admins; one link's availability, RTT spread and loss, heat map,
// HTTP timings and traceroute paths dated from when they began.
import { api, get, qs } from '../api.js';
import { cells, clear, errorBox, h, message, table } from '../dom.js';
import { ago, count, dateTime, duration, ms, num, pct, t } from '../i18n.js';
import { PALETTE, cellState, exportBar, heatMap, holes, holesText, stats, timeChart, timeline } from '../charts.js';
import { page } from '../pages.js';
import { figures, permalink, rangeControls } from './common.js';

export function stateBadge(state, title) {
  return h('span', { class: `badge ${state}`, title, dataset: { state } }, t('state.' + state));
}

function boxBadge(m, now) {
  const title = m.interval ? t('box.every', { s: m.interval }) : null;
  return h('span', { class: `badge box-${m.box}`, title, dataset: { box: m.box } },
    t('box.' + m.box), m.box === 'silent' ? ` · ${ago(m.last_seen, now)}` : '');
}

function lastCell(l, now) {
  if (!l.last) return h('span', { class: 'muted' }, t('monitors.noResult'));
  return h('span', {}, l.last.rtt >= 0 ? ms(l.last.rtt) : t('look.noreply'), ' ',
    h('span', { class: 'muted' }, ago(l.last.t, now)));
}

const linkHref = (m, l) => '#/link' + qs({ monitor: m.id, link: l.id });

async function monitors(el, ctx) {
  el.append(h('h1', {}, t('nav.monitors')));
  if (ctx.admin) {
    const name = h('input', { placeholder: t('monitors.name'), id: 'new-monitor-name', required: true });
    const err = h('span', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'row' }, h('label', {}, t('monitors.new'), name),
      h('button', { type: 'submit', id: 'new-monitor' }, t('add')), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const m = await api('POST', '/api/monitors', { name: name.value.trim() });
        location.hash = `#/monitor/${m.id}`;
      } catch (e) { err.textContent = e.message; }
    });
    el.append(form);
  }
  const data = await get('/api/monitors');
  if (!ctx.current()) return;
  if (data.monitors.length === 0) el.append(message(t('monitors.none')));
  el.append(h('p', { class: 'muted small' }, t('monitors.rule')));
  const cards = h('div', { class: 'cards' });
  el.append(cards);
  for (const m of data.monitors) {
    const by = (s) => m.links.filter((l) => l.status && l.state === s).length;
    const cols = [{ label: t('col.link') }, { label: t('col.ip') }, { label: t('col.state') }, { label: t('col.last') }];
    cards.append(h('section', { class: `card${m.box === 'silent' ? ' flagged' : ''}`, dataset: { monitor: m.id } },
      h('h2', {}, h('a', { href: `#/monitor/${m.id}` }, m.name), ' ', h('span', { class: 'muted' }, `#${m.id}`), ' ', boxBadge(m, data.now)),
      h('p', { class: 'muted' }, t('monitors.counts', { up: by('up'), down: by('down'), stale: by('stale'), unknown: by('unknown'), n: m.links.length }),
        ' · ', t('monitors.contact', { when: ago(m.last_seen, data.now) }),
        m.pulled && m.pulled < m.version ? ' · ' + t('monitors.notPulled') : ''),
      m.links.length === 0 ? message(t('monitors.noLinks'))
        : table(cols, m.links.map((l) => h('tr', { dataset: { link: l.id } }, cells(cols, [
          h('a', { href: linkHref(m, l) }, l.name), l.ip,
          l.status ? stateBadge(l.state, l.last ? dateTime(l.last.t) : null) : h('span', { class: 'badge off' }, t('state.off')),
          lastCell(l, data.now)]))))));
  }
}

function errorLine() {
  return h('p', { class: 'error', role: 'alert' });
}

async function guarded(errEl, fn) {
  errEl.textContent = '';
  try {
    await fn();
    return true;
  } catch (e) {
    errEl.textContent = e.message;
    return false;
  }
}

async function monitor(el, ctx) {
  const id = ctx.args[0];
  const m = await get(`/api/monitors/${encodeURIComponent(id)}`);
  if (!ctx.current()) return;
  ctx.title(m.name);
  const reload = () => { if (ctx.current()) window.dispatchEvent(new HashChangeEvent('hashchange')); };
  el.append(h('h1', {}, m.name, ' ', h('span', { class: 'muted' }, `#${m.id}`), ' ', boxBadge(m)),
    h('p', { class: 'muted' }, t('monitor.version', { v: m.version }),
      m.pulled ? ' ' + t('monitor.pulled', { v: m.pulled }) : ' ' + t('monitor.neverPulled'),
      ' · ', t('monitors.contact', { when: ago(m.last_seen) }), ' · ', t('monitor.results', { n: count(m.results) }), ' · ',
      h('a', { href: `/api/monitors/${m.id}/config`, target: '_blank' }, 'monitor.json')));
  const cards = h('div', { class: 'cards' });
  el.append(cards);

  const linksCard = h('section', { class: 'card wide', id: 'links' }, h('h2', {}, t('monitor.links')));
  cards.append(linksCard);
  const lerr = errorLine();
  const vcols = [{ label: t('col.id') }, { label: t('col.link') }, { label: t('col.ip') }, { label: t('col.state') }, { label: t('col.last') }];
  const acols = [{ label: t('col.id') }, { label: t('col.name') }, { label: t('col.ip') }, { label: t('col.on') }, { label: t('col.state') }, { label: '' }];
  const rows = m.links.map((l) => {
    if (!ctx.admin)
      return h('tr', { dataset: { link: l.id } }, cells(vcols, [l.id, h('a', { href: linkHref(m, l) }, l.name), l.ip,
        l.status ? stateBadge(l.state) : h('span', { class: 'badge off' }, t('state.off')), lastCell(l)]));
    const name = h('input', { value: l.name, 'aria-label': t('col.name'), class: 'link-name' });
    const ip = h('input', { value: l.ip, 'aria-label': t('col.ip'), class: 'link-ip', size: 15 });
    const on = h('input', { type: 'checkbox', 'aria-label': t('col.on'), class: 'link-status' });
    on.checked = l.status;
    const save = h('button', { class: 'link-save', type: 'button' }, t('save'));
    save.addEventListener('click', () => guarded(lerr, async () => {
      await api('PUT', `/api/monitors/${m.id}/links/${l.id}`, { name: name.value.trim(), ip: ip.value.trim(), status: on.checked });
      reload();
    }));
    const del = h('button', { class: 'danger link-del', type: 'button' }, t('delete'));
    del.addEventListener('click', () => guarded(lerr, async () => {
      if (!confirm(t('monitor.confirmLink', { name: l.name }))) return;
      await api('DELETE', `/api/monitors/${m.id}/links/${l.id}`);
      reload();
    }));
    return h('tr', { dataset: { link: l.id } }, cells(acols, [l.id, name, ip, on,
      h('a', { href: linkHref(m, l) }, stateBadge(l.state)), h('span', {}, save, ' ', del)]));
  });
  linksCard.append(rows.length ? table(ctx.admin ? acols : vcols, rows) : message(t('monitor.noLinks')), lerr);
  if (ctx.admin) {
    const name = h('input', { placeholder: t('col.name'), id: 'add-link-name' });
    const ip = h('input', { placeholder: '192.0.2.1', id: 'add-link-ip', size: 15 });
    const add = h('form', { class: 'row' }, h('label', {}, t('col.link'), name), h('label', {}, t('col.ip'), ip),
      h('button', { type: 'submit', id: 'add-link' }, t('monitor.addLink')));
    add.addEventListener('submit', (ev) => {
      ev.preventDefault();
      guarded(lerr, async () => {
        await api('POST', `/api/monitors/${m.id}/links`, { name: name.value.trim(), ip: ip.value.trim() });
        reload();
      });
    });
    linksCard.append(add);
  }

  const testsCard = h('section', { class: 'card', id: 'tests' }, h('h2', {}, t('monitor.tests')));
  cards.append(testsCard);
  const terr = errorLine();
  for (const tst of m.tests) {
    const text = h('textarea', { rows: 3, readonly: !ctx.admin, 'aria-label': t('monitor.params', { name: tst.name }) });
    text.value = JSON.stringify(tst.params, null, 1);
    const box = h('div', { dataset: { test: tst.name } }, h('h3', {}, tst.name), text);
    if (ctx.admin) {
      const save = h('button', { type: 'button' }, t('save'));
      save.addEventListener('click', () => guarded(terr, async () => {
        let params;
        try { params = JSON.parse(text.value); } catch (e) { throw new Error(t('monitor.badJson')); }
        await api('PUT', `/api/monitors/${m.id}/tests/${tst.name}`, params);
        reload();
      }));
      const del = h('button', { class: 'danger', type: 'button' }, t('remove'));
      del.addEventListener('click', () => guarded(terr, async () => {
        await api('DELETE', `/api/monitors/${m.id}/tests/${tst.name}`);
        reload();
      }));
      box.append(h('div', { class: 'row' }, save, del));
    }
    testsCard.append(box);
  }
  if (m.tests.length === 0) testsCard.append(message(t('monitor.noTests')));
  if (ctx.admin) {
    const free = m.modules.filter((mod) => !m.tests.some((x) => x.name === mod.name));
    if (free.length > 0) {
      const sel = h('select', { id: 'add-test-name', 'aria-label': t('monitor.addTest') }, free.map((mod) => h('option', { value: mod.name }, mod.name)));
      const params = h('textarea', { rows: 2, id: 'add-test-params', 'aria-label': t('monitor.params', { name: '' }) });
      params.value = '{"interval": 60}';
      const help = h('p', { class: 'muted' });
      const showHelp = () => {
        const mod = free.find((x) => x.name === sel.value);
        help.textContent = mod ? `${(mod.description || '').replace(/\.?$/, '.')} ${t('monitor.paramsAre')} ` +
          (mod.params.map((pp) => `${pp.name} (${pp.type}${pp.default !== null ? ', ' + t('monitor.default') + ' ' + pp.default : ''})`).join(', ') || 'interval') : '';
      };
      sel.addEventListener('change', showHelp);
      showHelp();
      const add = h('button', { id: 'add-test', type: 'button' }, t('monitor.addTest'));
      add.addEventListener('click', () => guarded(terr, async () => {
        let pp;
        try { pp = JSON.parse(params.value); } catch (e) { throw new Error(t('monitor.badJson')); }
        await api('PUT', `/api/monitors/${m.id}/tests/${sel.value}`, pp);
        reload();
      }));
      testsCard.append(h('h3', {}, t('monitor.addTest')), h('div', { class: 'row' }, sel, add), params, help);
    }
  }
  testsCard.append(terr);

  const boxCard = h('section', { class: 'card', id: 'box' }, h('h2', {}, t('monitor.box')));
  cards.append(boxCard);
  boxCard.append(h('p', {}, m.has_token ? t('monitor.token', { when: dateTime(m.token_created) }) : t('monitor.noToken')));
  if (ctx.admin) {
    const berr = errorLine();
    const out = h('div');
    const issue = h('button', { id: 'issue-token', type: 'button' }, m.has_token ? t('monitor.replaceToken') : t('monitor.issueToken'));
    issue.addEventListener('click', () => guarded(berr, async () => {
      const tk = await api('POST', `/api/monitors/${m.id}/token`);
      clear(out).append(h('p', {}, t('monitor.tokenLines')),
        h('pre', { class: 'note', id: 'token-lines' }, `MONITOR_CENTRAL_URL=${location.origin}\nMONITOR_TOKEN=${tk.token}`));
    }));
    const revoke = h('button', { class: 'danger', id: 'revoke-token', type: 'button', disabled: !m.has_token }, t('monitor.revoke'));
    revoke.addEventListener('click', () => guarded(berr, async () => {
      await api('DELETE', `/api/monitors/${m.id}/token`);
      reload();
    }));
    const name = h('input', { value: m.name, id: 'monitor-name' });
    const sleep = h('input', { type: 'number', min: 1, step: 1, value: m.sleep_time, id: 'monitor-sleep' });
    const save = h('button', { type: 'button' }, t('save'));
    save.addEventListener('click', () => guarded(berr, async () => {
      await api('PUT', `/api/monitors/${m.id}`, { name: name.value.trim(), sleep_time: Number(sleep.value) });
      reload();
    }));
    const del = h('button', { class: 'danger', type: 'button' }, t('monitor.delete'));
    del.addEventListener('click', () => guarded(berr, async () => {
      if (!confirm(t('monitor.confirmDelete', { name: m.name }))) return;
      await api('DELETE', `/api/monitors/${m.id}`);
      location.hash = '#/monitors';
    }));
    boxCard.append(h('div', { class: 'row' }, issue, revoke), out,
      h('div', { class: 'row' }, h('label', {}, t('col.name'), name), h('label', {}, t('monitor.sleep'), sleep), save),
      h('div', { class: 'row' }, del), berr);
  }
}

// The spread of the RTT around each record: the lowest and highest RTT of the record itself when
// the records carry them (rtt_min, rtt_max), else of the records within a window around it.
function spread(ts, rtt, step, span, ping) {
  if (Array.isArray(ping.rtt_min) && Array.isArray(ping.rtt_max))
    return { lo: ping.rtt_min.map((v) => (v >= 0 ? v : null)), hi: ping.rtt_max.map((v) => (v >= 0 ? v : null)), per: 'record' };
  const w = Math.max(5 * step, span / 300);
  const lo = [], hi = [];
  let a = 0, b = 0;
  for (let i = 0; i < ts.length; i++) {
    while (ts[a] < ts[i] - w / 2) a++;
    while (b + 1 < ts.length && ts[b + 1] <= ts[i] + w / 2) b++;
    let mn = null, mx = null;
    for (let k = a; k <= b; k++) {
      const v = rtt[k];
      if (v === null) continue;
      if (mn === null || v < mn) mn = v;
      if (mx === null || v > mx) mx = v;
    }
    lo.push(rtt[i] === null ? null : mn);
    hi.push(rtt[i] === null ? null : mx);
  }
  return { lo, hi, per: 'window', w };
}

async function link(el, ctx) {
  const p = ctx.params;
  const monitorId = p.get('monitor'), linkId = p.get('link');
  const from = p.get('from') || '', to = p.get('to') || '';
  const base = () => new URLSearchParams(Object.entries({ monitor: monitorId, link: linkId }).filter(([, v]) => v));
  const go = (a, b) => { const o = base(); if (a) o.set('from', a); if (b) o.set('to', b); ctx.go(o); };
  el.append(h('h1', {}, t('link.title')), rangeControls(from, to, go, to));
  let data;
  try {
    data = await get('/api/probes/link' + qs({ monitor: monitorId, link: linkId, from, to }));
  } catch (e) {
    if (e.status === 404) {
      ctx.title(t('link.notFound'));
      el.querySelector('h1').textContent = t('link.notFound');
      el.append(errorBox(e), h('p', {}, h('a', { href: '#/monitors' }, t('link.back'))));
      return;
    }
    throw e;
  }
  if (!ctx.current()) return;
  el.querySelector('#range-from').value = data.from;
  el.querySelector('#range-to').value = data.to;
  const title = data.name || t('link.unnamed', { id: data.link });
  ctx.title(title);
  el.querySelector('h1').textContent = title;
  const last = data.ping.t.length ? data.ping.t[data.ping.t.length - 1] : null;
  el.querySelector('h1').after(h('p', { class: 'muted', id: 'link-state' }, data.ip ? `${data.ip} · ` : '',
    h('a', { href: `#/monitor/${data.monitor}` }, data.monitor_name || t('link.monitor', { id: data.monitor })), ' · ',
    data.state ? stateBadge(data.state) : '', ' ',
    last ? t('link.newest', { when: dateTime(last), ago: ago(last, data.now) }) : t('monitors.noResult'),
    data.interval ? ' · ' + t('link.interval', { s: data.interval }) : '',
    data.configured ? '' : ' · ' + t('link.notConfigured')));
  const av = data.availability;
  const cards = h('div', { class: 'cards' });
  el.append(cards);
  const avCard = h('section', { class: 'card wide', id: 'availability' }, h('h2', {}, t('link.availability')),
    figures([
      [t('link.available'), av.pct === null ? '—' : pct(av.pct, 2), 'availability-pct'],
      [t('link.records'), `${count(av.up)} / ${count(av.records)}`],
      [t('link.longestUp'), duration(av.longest_up)],
      [t('link.longestDown'), duration(av.longest_down)],
      [t('link.active'), `${count(data.heatmap.active_hours)} h / ${count(data.heatmap.active_days)} d`],
    ]));
  cards.append(avCard);
  timeline(avCard, av.periods, data.start, data.end, data.now);

  // RTT with its spread, and loss
  const rttCard = h('section', { class: 'card wide' }, h('h2', {}, t('link.rtt')));
  cards.append(rttCard);
  const ts = data.ping.t;
  if (ts.length === 0) {
    rttCard.append(message(t('link.noPing')));
  } else {
    const rtt = data.ping.rtt.map((v) => (v >= 0 ? v : null));
    const sp = spread(ts, rtt, av.step, data.end - data.start, data.ping);
    const series = [
      { label: t('series.rttMax'), values: sp.hi, color: '#8fb3de', width: 1, kind: 'ms' },
      { label: t('series.rttMin'), values: sp.lo, color: '#8fb3de', width: 1, kind: 'ms' },
      { label: t('series.rttMedian'), values: rtt, color: PALETTE[0], width: 1.5, kind: 'ms', points: ts.length < 400 },
      { label: t('series.loss'), values: data.ping.loss, color: PALETTE[1], scale: 'pct', width: 1, kind: 'pct' },
    ];
    const chartEl = h('div', { class: 'chart', id: 'rtt-chart', 'aria-describedby': 'rtt-summary' });
    const summary = h('p', { class: 'summary', id: 'rtt-summary' });
    rttCard.append(chartEl);
    let bar = null;
    const text = (a, b) => {
      const st = stats(ts, rtt, a, b), lo = stats(ts, sp.lo, a, b), hi = stats(ts, sp.hi, a, b), ls = stats(ts, data.ping.loss, a, b);
      const noreply = ts.filter((x, i) => x >= a && x <= b && rtt[i] === null).length;
      const hs = holes(ts, av.step, Math.max(a, data.start), Math.min(b, data.end), data.now);
      return [st.n ? t('summary.rtt', { mean: ms(st.mean), min: ms(lo.min), max: ms(hi.max), when: dateTime(hi.tmax) }) : t('look.noreply') + '.',
        t('summary.loss', { mean: pct(ls.mean, 1), noreply: count(noreply), n: count(ls.n) }),
        sp.per === 'record' ? t('summary.spreadRecord') : t('summary.spreadWindow', { w: duration(sp.w) }),
        holesText(hs)].join(' ');
    };
    const chart = timeChart(chartEl, {
      t: ts, series, start: data.start, end: data.end, step: av.step, scales: { y: 'ms', pct: 'pct' },
      bands: [[0, 1, 'rgba(43,108,176,0.18)']], zoom: (() => { const m = /^(\d+)-(\d+)$/.exec(p.get('zoom') || ''); return m ? [+m[1], +m[2]] : null; })(),
      name: `${title}_rtt`, title: `${title} RTT`, aria: t('link.rttAria', { name: title }),
      onZoom: (a, b) => {
        const o = new URLSearchParams(ctx.params);
        if (a === null) o.delete('zoom'); else o.set('zoom', `${a}-${b}`);
        ctx.params = o;
        ctx.keep(o);
        const un = bar && bar.querySelector('[data-action="unzoom"]');
        if (un) un.hidden = a === null;
        summary.textContent = text(...chart.shown());
      },
    });
    bar = exportBar(chart, { zoomed: p.has('zoom'), onReset: () => chart.u.setScale('x', { min: data.start, max: data.end }) });
    summary.textContent = text(...chart.shown());
    rttCard.append(summary, bar, permalink());
  }

  // the heat map: median or highest RTT of each hour, its loss, and the three looks of no value
  const mode = p.get('heat') === 'max' ? 'max' : 'median';
  const heatCard = h('section', { class: 'card wide', id: 'heat' }, h('h2', {}, t('link.heat')));
  cards.append(heatCard);
  const pick = h('div', { class: 'row', role: 'radiogroup', 'aria-label': t('heat.mode') }, ['median', 'max'].map((m) =>
    h('label', { class: 'check' }, h('input', {
      type: 'radio', name: 'heat-mode', value: m, checked: m === mode, dataset: { heat: m },
      onchange: () => { const o = new URLSearchParams(ctx.params); if (m === 'max') o.set('heat', 'max'); else o.delete('heat'); ctx.go(o); },
    }), t('heat.' + m))));
  const hm = data.heatmap;
  const heatEl = h('div', { 'aria-describedby': 'heat-summary' });
  heatCard.append(pick, heatEl);
  heatMap(heatEl, hm, { mode });
  const rows = mode === 'max' ? hm.rtt_max : hm.rtt;
  let withRtt = 0, noreply = 0, none = 0, lossy = 0, worst = null;
  hm.days.forEach((d, i) => { for (let hr = 0; hr < 24; hr++) {
    const s = cellState(hm, i, hr, rows);
    if (s === 'rtt') { withRtt++; if (!worst || rows[i][hr] > rows[worst[0]][worst[1]]) worst = [i, hr]; }
    else if (s === 'noreply') noreply++;
    else if (s === 'none') none++;
    if (s !== 'future' && hm.loss[i][hr] > 0) lossy++;
  } });
  heatCard.append(h('p', { class: 'summary', id: 'heat-summary' }, t('summary.heat', {
    rtt: withRtt, noreply, none, lossy, mode: t('heat.' + mode).toLowerCase(),
    worst: worst ? `${hm.days[worst[0]]} ${String(worst[1]).padStart(2, '0')}:00 (${ms(rows[worst[0]][worst[1]])})` : '—',
  })));

  if (data.http.t.length > 0) {
    const httpCard = h('section', { class: 'card wide' }, h('h2', {}, t('link.http')));
    cards.append(httpCard);
    const chartEl = h('div', { class: 'chart', id: 'http-chart', 'aria-describedby': 'http-summary' });
    httpCard.append(chartEl);
    const total = data.http.total.map((v) => (v >= 0 ? v : null));
    const chart = timeChart(chartEl, {
      t: data.http.t, series: [
        { label: t('series.httpTotal'), values: total, color: PALETTE[2], points: true, kind: 'ms' },
        { label: t('series.httpStatus'), values: data.http.status, color: PALETTE[4], scale: 'status', width: 1, kind: 'count' },
      ], start: data.start, end: data.end, scales: { y: 'ms', status: 'count' }, name: `${title}_http`, title: `${title} HTTP`, aria: t('link.http'),
    });
    const st = stats(data.http.t, total, data.start, data.end);
    const bad = data.http.status.filter((s) => s < 200 || s >= 400).length;
    httpCard.append(h('p', { class: 'summary', id: 'http-summary' }, st.n ? t('summary.http', { n: count(data.http.t.length), mean: ms(st.mean), max: ms(st.max), bad: count(bad) })
      : t('look.noreply')), exportBar(chart, {}));
  }

  const tr = data.traceroute;
  const trCard = h('section', { class: 'card wide', id: 'traceroute' }, h('h2', {}, t('link.trace')));
  cards.append(trCard);
  if (!tr.last) {
    trCard.append(message(t('link.noTrace')));
  } else {
    trCard.append(h('p', { class: 'muted' }, t('link.lastRun', { when: dateTime(tr.last.t) })));
    const cols = [{ label: t('col.hop'), num: 1 }, { label: t('col.address') }, { label: t('col.name') }, { label: t('col.rtt'), num: 1 }];
    const rows2 = (tr.last.hops || []).map((hop, i) => {
      const probes = Array.isArray(hop) ? hop : [];
      const addrs = [...new Set(probes.map((x) => x && (x.ipaddr || '*')).filter(Boolean))];
      const names = [...new Set(probes.map((x) => x && x.name).filter(Boolean))];
      const rtts = probes.map((x) => (x && typeof x.rtt === 'number' ? ms(x.rtt) : '*'));
      return h('tr', {}, cells(cols, [num(i + 1, 0), addrs.join(' ') || '*', names.join(' '), rtts.join(' / ')]));
    });
    trCard.append(table(cols, rows2, { id: 'hops' }));
    const ccols = [{ label: t('col.since') }, { label: t('col.until') }, { label: t('col.runs'), num: 1 }, { label: t('col.path') }];
    trCard.append(h('h3', {}, t('link.changes')),
      tr.changes.length <= 1 ? message(t('link.noChange'))
        : table(ccols, tr.changes.slice().reverse().map((c) => h('tr', {}, cells(ccols, [
          h('span', { dataset: { since: c.t } }, dateTime(c.t), c.from_start ? h('span', { class: 'muted' }, ' ' + t('link.fromStart')) : ''),
          dateTime(c.until), count(c.runs), c.path.split(',').join(' → ')]))), { id: 'changes' }));
  }
}

page({ route: 'monitors', nav: { key: 'nav.monitors', order: 40 }, refresh: 30, render: monitors });
page({ route: 'monitor', section: 'monitors', title: 'nav.monitors', refresh: 0, render: monitor });
page({ route: 'link', section: 'monitors', title: 'link.title', refresh: 60, render: link });
