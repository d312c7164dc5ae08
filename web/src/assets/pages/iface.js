// iface.js - one interface over a range (its 5-minute samples drawn with their gaps over the
// whole range asked for, MRTG's coarser lines as level segments where the samples are gone, the
// 95th percentile, its days and their resolution), and several ports drawn on one chart
// (#/compare). The range, the zoom and the ports are in the address.
import { get, qs } from '../api.js';
import { cells, errorBox, h, message, table } from '../dom.js';
import { count, dateTime, pct, t } from '../i18n.js';
import { PALETTE, exportBar, fmtValue, holes, holesText, stats, timeChart } from '../charts.js';
import { page } from '../pages.js';
import { capacity, completeness, figures, findHref, gbps, permalink, rangeControls, resLabel } from './common.js';
import { portKey, portOf } from './find.js';

// The zoom of the address ("a-b", unix seconds) or null.
function zoomOf(params) {
  const m = /^(\d+)-(\d+)$/.exec(params.get('zoom') || '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

// Keeps the chart's zoom in the address, and shows the button back to the whole range.
function zoomKeeper(ctx, bar) {
  return (a, b) => {
    const p = new URLSearchParams(ctx.params);
    if (a === null) p.delete('zoom');
    else p.set('zoom', `${a}-${b}`);
    ctx.params = p;
    ctx.keep(p);
    const un = bar() && bar().querySelector('[data-action="unzoom"]');
    if (un) un.hidden = a === null;
  };
}

// The start of the span an MRTG line stamped x at resolution res stands for: the resolution
// before it, or for a section's partial line (off the multiples, UTC) the time since the multiple
// below it (docs/web-api.md).
const spanStart = (x, res) => x - (x % res || res);

// The chart's points: the 5-minute samples, and each of MRTG's coarser lines (where the 5-minute
// samples are gone) as a level segment over its span, from a point a second after its start (only
// drawn) to its stamp. Returns {t, gap, drawOnly, at: [[k, i]], cover: {t, from}}: the time axis,
// the longest distance from the point before that is no gap, the segments' starts, where each
// point comes from (k -1: the samples, else data.coarse[k]; i its index), and the spans drawn.
function points(data) {
  const pts = data.t.map((x, i) => [x, 1.5 * data.step, -1, i, false]);
  const cover = data.t.map((x) => [x - data.step, x]);
  (data.coarse || []).forEach((c, k) => c.t.forEach((x, i) => {
    const a = spanStart(x, c.resolution);
    pts.push([a + 1, 1, k, i, true], [x, c.resolution, k, i, false]);
    cover.push([a, x]);
  }));
  pts.sort((p, q) => p[0] - q[0]);
  cover.sort((p, q) => p[1] - q[1]);
  return {
    t: pts.map((p) => p[0]), gap: pts.map((p) => p[1]), drawOnly: pts.map((p) => p[4]), at: pts.map((p) => [p[2], p[3]]),
    cover: { t: cover.map((c) => c[1]), from: cover.map((c) => c[0]) },
  };
}

// The chart's words: each series' lowest, mean and highest (a line of MRTG's counted once), the
// samples and the holes.
function summaryText(series, pt, a, b, kind, n, expected, data) {
  const parts = [];
  for (const s of series) {
    if (s.summary === false) continue;
    const st = stats(pt.t, s.values.map((v, i) => (pt.drawOnly[i] ? null : v)), a, b);
    if (!st.n) continue;
    parts.push(t('summary.series', {
      label: s.label, min: fmtValue(kind, st.min), mean: fmtValue(kind, st.mean), max: fmtValue(kind, st.max), when: dateTime(st.tmax),
    }));
  }
  parts.push(t('summary.samples', { n: count(n), expected: count(expected) }));
  parts.push(holesText(holes(pt.cover.t, data.step, Math.max(a, data.start), Math.min(b, data.end), Date.now() / 1000, pt.cover.from)));
  return parts.join(' ');
}

async function iface(el, ctx) {
  const p = ctx.params;
  const layer = p.get('layer'), name = p.get('name'), type = p.get('type') || '';
  const from = p.get('from') || '', to = p.get('to') || '';
  const go = (a, b) => ctx.go(new URLSearchParams(Object.entries({ layer, name, type, from: a, to: b }).filter(([, v]) => v)));
  el.append(h('h1', {}, name || t('iface.title')), rangeControls(from, to, go, to));
  if (!layer || !name) {
    el.append(errorBox({ status: 400, message: t('iface.needs') }));
    return;
  }
  ctx.title(name);
  let data;
  try {
    data = await get('/api/interface' + qs({ layer, name, type, from, to }));
  } catch (e) {
    if (e.status === 404) {
      ctx.title(t('iface.notFound'));
      el.querySelector('h1').textContent = t('iface.notFound');
      el.append(errorBox(e), h('p', {}, h('a', { href: findHref({ q: name }) }, t('iface.searchFor', { name }))));
      return;
    }
    throw e;
  }
  if (!ctx.current()) return;
  el.querySelector('#range-from').value = data.from;
  el.querySelector('#range-to').value = data.to;
  const io = data.in_only;
  const router = data.name.split(' ')[0];
  el.querySelector('h1').after(h('p', { class: 'muted' }, `${data.layer} · ${data.type || t('iface.anyType')} · `,
    h('a', { href: findHref({ layer: data.layer, router, date: data.to }) }, `${t('col.router')} ${router}`),
    io ? '' : ` · ${t('col.capacity')} ${capacity(data.capacity)}`));
  const kind = io ? 'count' : 'bps';
  const scale = (v) => (v === null ? null : io ? v : v * data.factor * 1e9);
  const n = data.t.length;
  const p95 = data.p95;
  const coarse = data.coarse || [];
  const pt = points(data);
  const hs = holes(pt.cover.t, data.step, data.start, data.end, Date.now() / 1000, pt.cover.from);
  const drawn = [...(n ? [300] : []), ...coarse.map((c) => c.resolution)];
  const card = h('section', { class: 'card wide', 'aria-labelledby': 'chart-title' }, h('h2', { id: 'chart-title' }, io ? t('iface.ips') : t('iface.traffic')));
  el.append(card);
  card.append(figures([
    [t('col.samples'), `${count(n)} / ${count(data.expected)}`, 'samples'],
    [t('iface.holes'), count(hs.length), 'holes'],
    [t('iface.p95in'), n ? fmtValue(kind, scale(p95.in)) : '—', 'p95-in'],
    io ? null : [t('iface.p95out'), n ? fmtValue(kind, scale(p95.out)) : '—', 'p95-out'],
    io ? null : [t('iface.p95max'), n ? fmtValue(kind, scale(p95.max)) : '—', 'p95-max'],
    [t('iface.resolution'), drawn.length ? drawn.map(resLabel).join(' · ') : '—', 'resolution'],
  ]));
  if (data.truncated) card.append(message(t('iface.truncated'), 'error'));
  // one series per field and resolution, on the merged time axis (null where another one is)
  const along = (k, src) => pt.at.map(([pk, i]) => (pk === k ? scale(src[i]) : null));
  const series = [];
  const fields = [['in_avg', 'series.inAvg', PALETTE[0], 1.5], ['in_max', 'series.inMax', '#6b9bd1', 1],
    ...(io ? [] : [['out_avg', 'series.outAvg', PALETTE[1], 1.5], ['out_max', 'series.outMax', '#d98080', 1]])];
  [{ k: -1, d: data }, ...coarse.map((c, k) => ({ k, d: c }))].forEach(({ k, d }) => {
    if (k === -1 && !n) return;
    for (const [f, label, color, width] of fields) {
      series.push({
        label: k === -1 ? t(label) : `${t(label)} · ${resLabel(d.resolution)}`, values: along(k, d[f]), color, width, kind,
        dash: k === -1 ? undefined : [8, 2], resolution: k === -1 ? 300 : d.resolution,
      });
    }
  });
  const p95v = scale(io ? p95.in : p95.max);
  if (n) series.push({ label: t('series.p95'), values: pt.at.map(([k]) => (k === -1 ? p95v : null)), color: '#718096', width: 1, dash: [6, 4], kind, summary: false });
  const chartEl = h('div', { class: 'chart', id: 'traffic-chart', 'aria-describedby': 'traffic-summary' });
  const summary = h('p', { class: 'summary', id: 'traffic-summary' });
  card.append(chartEl);
  let bar = null;
  const chart = timeChart(chartEl, {
    t: pt.t, gap: pt.gap, drawOnly: pt.drawOnly, series, start: data.start, end: data.end, step: data.step, scales: { y: kind },
    zoom: zoomOf(p), name: `${data.name}`, title: `${data.name} (${data.layer})`, aria: t('iface.aria', { name: data.name }),
    onZoom: (a, b) => {
      zoomKeeper(ctx, () => bar)(a, b);
      const [x, y] = chart.shown();
      summary.textContent = summaryText(series, pt, x, y, kind, n, data.expected, data);
    },
  });
  bar = exportBar(chart, { zoomed: !!zoomOf(p), onReset: () => chart.u.setScale('x', { min: data.start, max: data.end }) });
  const [x0, x1] = chart.shown();
  summary.textContent = pt.t.length === 0 ? t('iface.noSamples') : summaryText(series, pt, x0, x1, kind, n, data.expected, data);
  if (coarse.length) {
    card.append(h('p', { class: 'res-note', id: 'coarse-note' }, t('iface.coarse', { res: coarse.map((c) => resLabel(c.resolution)).join(', ') })));
  }
  const c = new URLSearchParams();
  c.append('p', portKey({ layer: data.layer, type: data.type || '', name: data.name }));
  c.set('from', data.from);
  c.set('to', data.to);
  card.append(summary, bar, h('div', { class: 'row' }, permalink(),
    h('a', { href: '#/compare?' + c, id: 'compare-with' }, t('iface.compare'))));

  const days = h('section', { class: 'card wide' }, h('h2', {}, t('iface.days')));
  el.append(days);
  const cols = [{ label: t('col.day') }, { label: io ? t('col.ipsAvg') : t('col.inPromU'), num: 1 }, { label: io ? t('col.ipsMax') : t('col.inMaxU'), num: 1 },
    ...(io ? [] : [{ label: t('col.outPromU'), num: 1 }, { label: t('col.outMaxU'), num: 1 }, { label: t('col.use'), num: 1 }]),
    { label: t('col.completeness'), num: 1 }];
  days.append(data.daily.length === 0 ? message(t('iface.noDays'))
    : table(cols, data.daily.map((d) => h('tr', { dataset: { date: d.date, resolution: d.resolution } }, cells(cols, [d.date, gbps(d.in_prom, io), gbps(d.in_max_prom, io),
      ...(io ? [] : [gbps(d.out_prom), gbps(d.out_max_prom), d.use === null ? '—' : pct(d.use, 1)]),
      completeness(d)])))));
  if (data.daily.some((d) => d.resolution > 300)) days.append(h('p', { class: 'res-note', id: 'coarse-days' }, t('iface.coarseDays')));
  days.append(h('p', {}, h('a', { href: '#/reports' + qs({ date: data.to }) }, t('iface.reports'))));
}

const METRICS = ['avg', 'in_avg', 'out_avg', 'in_max', 'out_max'];

async function compare(el, ctx) {
  const p = ctx.params;
  const ports = p.getAll('p').map(portOf).slice(0, 8);
  const from = p.get('from') || '', to = p.get('to') || '';
  const metric = METRICS.includes(p.get('m')) ? p.get('m') : 'avg';
  const withPorts = (extra) => {
    const o = new URLSearchParams();
    for (const x of ports) o.append('p', portKey(x));
    for (const [k, v] of Object.entries({ from, to, m: metric === 'avg' ? '' : metric, ...extra })) if (v) o.set(k, v);
    return o;
  };
  const go = (a, b) => ctx.go(withPorts({ from: a, to: b }));
  const msel = h('select', { id: 'compare-metric', 'aria-label': t('compare.metric') },
    METRICS.map((m) => h('option', { value: m, selected: m === metric }, t('compare.m.' + m))));
  msel.addEventListener('change', () => ctx.go(withPorts({ m: msel.value === 'avg' ? '' : msel.value })));
  el.append(h('h1', {}, t('compare.title')), rangeControls(from, to, go, to),
    h('div', { class: 'row' }, h('label', {}, t('compare.metric'), msel), h('a', { href: '#/find' }, t('compare.add'))));
  ctx.title(t('compare.title'));
  if (ports.length === 0) {
    el.append(message(t('compare.none')));
    return;
  }
  const answers = await Promise.all(ports.map((x) => get('/api/interface' + qs({ layer: x.layer, name: x.name, type: x.type, from, to }))
    .then((d) => ({ port: x, d }), (e) => ({ port: x, e }))));
  if (!ctx.current()) return;
  const ok = answers.filter((a) => a.d);
  for (const a of answers.filter((x) => x.e)) el.append(errorBox(a.e, a.port.name));
  if (ok.length === 0) return;
  const ref = ok[0].d;
  el.querySelector('#range-from').value = ref.from;
  el.querySelector('#range-to').value = ref.to;
  const kinds = new Set(ok.map((a) => (a.d.in_only ? 'count' : 'bps')));
  const kind = kinds.size === 1 ? [...kinds][0] : 'bps';
  // one time axis for every port: the union of their samples
  const all = [...new Set(ok.flatMap((a) => a.d.t))].sort((x, y) => x - y);
  const series = [];
  const want = metric === 'avg' ? ['in_avg', 'out_avg'] : [metric];
  ok.forEach((a, i) => {
    const d = a.d;
    const at = new Map(d.t.map((x, k) => [x, k]));
    for (const m of want) {
      if (d.in_only && m.startsWith('out')) continue;
      const src = d[m];
      const f = d.in_only ? 1 : d.factor * 1e9;
      series.push({
        label: `${d.name}${want.length > 1 || !d.in_only ? ' · ' + t('compare.m.' + m) : ''}`,
        values: all.map((x) => (at.has(x) ? src[at.get(x)] * f : null)),
        color: PALETTE[i % PALETTE.length], dash: m.startsWith('out') ? [5, 3] : undefined, kind,
      });
    }
  });
  const card = h('section', { class: 'card wide' }, h('h2', {}, t('compare.chart', { n: ok.length })));
  el.append(card);
  const chartEl = h('div', { class: 'chart', id: 'compare-chart', 'aria-describedby': 'compare-summary' });
  const summary = h('p', { class: 'summary', id: 'compare-summary' });
  card.append(chartEl);
  let bar = null;
  const expected = ref.expected;
  const text = (a, b) => series.map((s) => {
    const st = stats(all, s.values, a, b);
    return st.n ? t('summary.series', { label: s.label, min: fmtValue(kind, st.min), mean: fmtValue(kind, st.mean), max: fmtValue(kind, st.max), when: dateTime(st.tmax) })
      : `${s.label}: ${t('look.nodata')}.`;
  }).join(' ');
  const chart = timeChart(chartEl, {
    t: all, series, start: ref.start, end: ref.end, step: ref.step, scales: { y: kind }, zoom: zoomOf(p),
    name: `compare_${ok.length}`, title: ok.map((a) => a.d.name).join(', '), aria: t('compare.aria', { n: ok.length }),
    onZoom: (a, b) => { zoomKeeper(ctx, () => bar)(a, b); summary.textContent = text(...chart.shown()); },
  });
  bar = exportBar(chart, { zoomed: !!zoomOf(p), onReset: () => chart.u.setScale('x', { min: ref.start, max: ref.end }) });
  summary.textContent = text(...chart.shown());
  card.append(summary, bar, permalink());
  const cols = [{ label: t('col.interface') }, { label: t('col.layer') }, { label: t('col.samples'), num: 1 },
    { label: t('iface.p95in'), num: 1 }, { label: t('iface.p95out'), num: 1 }, { label: '' }];
  card.append(table(cols, ok.map((a) => {
    const d = a.d, f = d.in_only ? 1 : d.factor * 1e9, k = d.in_only ? 'count' : 'bps';
    const rest = withPorts({});
    rest.delete('p');
    for (const x of ports) if (portKey(x) !== portKey(a.port)) rest.append('p', portKey(x));
    return h('tr', {}, cells(cols, [h('a', { href: '#/iface' + qs({ layer: d.layer, name: d.name, type: d.type, from: d.from, to: d.to }) }, d.name), d.layer,
      `${count(d.t.length)} / ${count(expected)}`, d.t.length ? fmtValue(k, d.p95.in * f) : '—',
      d.in_only || !d.t.length ? '—' : fmtValue(k, d.p95.out * f),
      h('a', { href: '#/compare?' + rest }, t('compare.remove'))]));
  })));
}

page({ route: 'iface', section: 'find', title: 'iface.title', refresh: 300, render: iface });
page({ route: 'compare', section: 'find', title: 'compare.title', refresh: 300, render: compare });

