// traffic.js - the traffic pages: the layers overview and one interface's chart and days.
import { get, qs } from '../api.js';
import { addDays, fmt, h, message, table } from '../dom.js';
import { timeChart } from '../charts.js';

function useBadge(use, amber, red) {
  if (use === null || use === undefined) return h('span', { class: 'muted' }, '—');
  const cls = use >= red ? 'use-red' : use >= amber ? 'use-amber' : 'use-ok';
  return h('span', { class: `use ${cls}` }, fmt(use, 1) + ' %');
}

function ifaceLink(layer, f, date) {
  return h('a', { href: '#/iface' + qs({ layer, name: f.name, type: f.type, from: addDays(date, -6), to: date }) }, f.name);
}

export async function overviewPage(app, ctx) {
  const date = ctx.params.get('date') || '';
  const data = await get('/api/layers' + qs({ date }));
  if (!ctx.current()) return;
  const picker = h('input', { type: 'date', value: data.date, id: 'overview-date' });
  picker.addEventListener('change', () => { location.hash = '#/' + qs({ date: picker.value }); });
  app.append(h('h1', {}, 'Traffic'),
    h('div', { class: 'row' }, h('label', {}, 'Day', picker),
      h('span', { class: 'muted' }, `${data.expected} samples expected per interface · ${data.backend} store`)));
  const cards = h('div', { class: 'cards' });
  app.append(cards);
  let total = 0;
  for (const L of data.layers) {
    total += L.interfaces.length;
    const card = h('section', { class: 'card', dataset: { layer: L.layer } }, h('h2', {}, `${L.layer} `,
      h('span', { class: 'muted' }, `${L.interfaces.length} interfaces`)));
    if (!L.in_only) {
      card.append(h('h3', {}, 'Top utilisation'));
      card.append(L.top.length === 0 ? message('No utilisation for this day.')
        : table(['Interface', 'Type', { label: 'In max', num: 1 }, { label: 'Out max', num: 1 }, { label: 'Use', num: 1 }],
          L.top.slice(0, 5).map((f) => h('tr', {},
            h('td', {}, ifaceLink(L.layer, f, data.date)), h('td', {}, f.type),
            h('td', { class: 'num' }, fmt(f.in_max_prom)), h('td', { class: 'num' }, fmt(f.out_max_prom)),
            h('td', { class: 'num' }, useBadge(f.use, data.use_amber, data.use_red))))));
    }
    if (L.short.length > 0) {
      card.append(h('h3', {}, 'Short days'),
        table(['Interface', 'Type', { label: 'Samples', num: 1 }, 'Last day'],
          L.short.map((s) => h('tr', { class: 'short' },
            h('td', {}, ifaceLink(L.layer, s, data.date)), h('td', {}, s.type),
            h('td', { class: 'num' }, `${s.samples} / ${data.expected}`), h('td', {}, s.last)))));
    }
    const all = h('details', {}, h('summary', {}, 'All interfaces'),
      table(['Interface', 'Type', { label: 'Capacity', num: 1 }, { label: L.in_only ? 'IPs avg' : 'In avg', num: 1 },
        { label: L.in_only ? 'IPs max' : 'Out avg', num: 1 }, { label: 'Samples', num: 1 }],
      L.interfaces.map((f) => h('tr', {},
        h('td', {}, ifaceLink(L.layer, f, data.date)), h('td', {}, f.type),
        h('td', { class: 'num' }, L.in_only ? '—' : fmt(f.capacity, 0)),
        h('td', { class: 'num' }, fmt(f.in_prom, L.in_only ? 0 : 2)),
        h('td', { class: 'num' }, L.in_only ? fmt(f.in_max_prom, 0) : fmt(f.out_prom)),
        h('td', { class: 'num' }, f.samples ?? '—')))));
    card.append(all);
    cards.append(card);
  }
  if (total === 0)
    app.append(message('No daily summaries in the store for this day or the 30 before. Run the nightly job ' +
      '(scanbackup run) or open another day.'));
}

export async function interfacePage(app, ctx) {
  const p = ctx.params;
  const layer = p.get('layer'), name = p.get('name'), type = p.get('type') || '';
  const to = p.get('to') || '', from = p.get('from') || '';
  const data = await get('/api/interface' + qs({ layer, name, type, from, to }));
  if (!ctx.current()) return;
  const unit = data.unit;
  const scale = (v) => (v === null ? null : v * data.factor);
  app.append(h('h1', {}, data.name),
    h('p', { class: 'muted' }, `${data.layer} · ${data.type || 'every type'}` +
      (data.in_only ? '' : ` · capacity ${fmt(data.capacity, 0)} Gbps`)));
  const f = h('input', { type: 'date', value: data.from, id: 'range-from' });
  const t = h('input', { type: 'date', value: data.to, id: 'range-to' });
  const go = (a, b) => { location.hash = '#/iface' + qs({ layer, name, type, from: a, to: b }); };
  app.append(h('div', { class: 'row' }, h('label', {}, 'From', f), h('label', {}, 'To', t),
    h('button', { onclick: () => go(f.value, t.value), id: 'range-apply' }, 'Show'),
    h('button', { class: 'secondary', onclick: () => go(data.to, data.to) }, '1 day'),
    h('button', { class: 'secondary', onclick: () => go(addDays(data.to, -6), data.to) }, '7 days'),
    h('button', { class: 'secondary', onclick: () => go(addDays(data.to, -29), data.to) }, '30 days')));
  const card = h('section', { class: 'card wide' });
  app.append(card);
  const n = data.t.length;
  const p95 = data.p95;
  card.append(h('div', { class: 'figures' },
    h('div', {}, h('span', { class: 'muted' }, 'Samples'), h('b', {}, `${n} / ${data.expected}`)),
    h('div', {}, h('span', { class: 'muted' }, `95th percentile in`), h('b', { id: 'p95-in' }, `${fmt(scale(p95.in))} ${unit}`)),
    data.in_only ? null : h('div', {}, h('span', { class: 'muted' }, '95th percentile out'), h('b', {}, `${fmt(scale(p95.out))} ${unit}`)),
    data.in_only ? null : h('div', {}, h('span', { class: 'muted' }, '95th percentile (billing)'), h('b', {}, `${fmt(scale(p95.max))} ${unit}`))));
  if (n === 0) {
    card.append(message('No samples in this range.'));
  } else {
    const chart = h('div', { class: 'chart', id: 'traffic-chart' });
    card.append(chart);
    const series = [
      { label: 'in avg', values: data.in_avg.map(scale), color: '#1f77b4' },
      { label: 'in max', values: data.in_max.map(scale), color: '#9ec5ea', width: 1 },
    ];
    if (!data.in_only) {
      series.push({ label: 'out avg', values: data.out_avg.map(scale), color: '#d62728' });
      series.push({ label: 'out max', values: data.out_max.map(scale), color: '#f2a3a3', width: 1 });
    }
    series.push({ label: 'p95 in', values: data.t.map(() => scale(p95.in)), color: '#555', width: 1 });
    timeChart(chart, data.t, series, { tz: ctx.tz, units: { y: unit } });
  }
  const days = h('section', { class: 'card wide' }, h('h2', {}, 'Daily summaries'));
  app.append(days);
  days.append(data.daily.length === 0 ? message('No daily summaries in this range.')
    : table(['Day', { label: 'In avg', num: 1 }, { label: 'In max', num: 1 },
      ...(data.in_only ? [] : [{ label: 'Out avg', num: 1 }, { label: 'Out max', num: 1 }, { label: 'Use', num: 1 }]),
      { label: 'Samples', num: 1 }],
    data.daily.map((d) => h('tr', {}, h('td', {}, d.date),
      h('td', { class: 'num' }, fmt(d.in_prom, data.in_only ? 0 : 2)),
      h('td', { class: 'num' }, fmt(d.in_max_prom, data.in_only ? 0 : 2)),
      data.in_only ? null : h('td', { class: 'num' }, fmt(d.out_prom)),
      data.in_only ? null : h('td', { class: 'num' }, fmt(d.out_max_prom)),
      data.in_only ? null : h('td', { class: 'num' }, d.use === null ? '—' : fmt(d.use, 1) + ' %'),
      h('td', { class: 'num' }, d.samples ?? '—')))));
  days.append(h('p', {}, h('a', { href: '#/reports' + qs({ date: data.to }) }, 'Period reports (xlsx) for this range →')));
}
