// charts.js - the charts: time series with uPlot, the hour x day heat map and the up/down timeline.
import uPlot from './vendor/uPlot.esm.js';
import { h } from './dom.js';

const palette = ['#1f77b4', '#d62728', '#7fb3e0', '#f2a3a3', '#2ca02c', '#9467bd'];

// A time-series chart in el that follows el's width. series: [{label, values, color, scale, width,
// points}]; t: unix times; tz: IANA zone of the axis; units: {scaleName: label}.
export function timeChart(el, t, series, { tz, units = {}, height = 300 } = {}) {
  const scales = { x: { time: true } };
  const axes = [{}];
  const seen = new Set();
  for (const s of series) {
    const sc = s.scale || 'y';
    if (seen.has(sc)) continue;
    seen.add(sc);
    scales[sc] = { auto: true };
    axes.push({ scale: sc, label: units[sc] || '', side: seen.size === 1 ? 3 : 1,
      grid: { show: seen.size === 1 }, size: 60 });
  }
  const opts = {
    width: Math.max(280, el.clientWidth || 600),
    height,
    tzDate: tz ? (ts) => uPlot.tzDate(new Date(ts * 1e3), tz) : undefined,
    scales,
    axes,
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    series: [{}].concat(series.map((s, i) => ({
      label: s.label,
      scale: s.scale || 'y',
      stroke: s.color || palette[i % palette.length],
      width: s.width || 1.5,
      points: { show: s.points ?? false, size: 4 },
      paths: s.points === 'only' ? () => null : undefined,
      value: (u, v) => (v === null || v === undefined ? '—' : v.toFixed(s.digits ?? 3)),
    }))),
  };
  const data = [t].concat(series.map((s) => s.values));
  const chart = new uPlot(opts, data, el);
  const ro = new ResizeObserver(() => chart.setSize({ width: Math.max(280, el.clientWidth), height }));
  ro.observe(el);
  return chart;
}

// Green to red through amber for a share x in [0, 1].
function heat(x) {
  const stops = [[0, [26, 152, 80]], [0.5, [254, 224, 139]], [1, [215, 48, 39]]];
  let i = 0;
  while (i < stops.length - 2 && x > stops[i + 1][0]) i++;
  const [a, ca] = stops[i];
  const [b, cb] = stops[i + 1];
  const f = Math.min(1, Math.max(0, (x - a) / (b - a)));
  const c = ca.map((v, k) => Math.round(v + (cb[k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// The RTT heat map: one row per day, one column per hour; cells without data are grey. The
// color scale runs from the lowest to the highest median RTT shown.
export function heatMap(el, days, rows, { unit = 'ms' } = {}) {
  const values = rows.flat().filter((v) => v !== null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const canvas = h('canvas', { class: 'heatmap', role: 'img', 'aria-label': 'RTT by hour and day' });
  const info = h('p', { class: 'muted' }, 'Touch or hover a cell for its value.');
  const legend = h('div', { class: 'legend' },
    h('span', {}, `${lo.toFixed(1)} ${unit}`), h('span', { class: 'heat-scale' }), h('span', {}, `${hi.toFixed(1)} ${unit}`),
    h('span', {}, h('i', { class: 'none-cell' }), 'no reply'));
  el.append(canvas, legend, info);
  const scale = legend.querySelector('.heat-scale');
  scale.style.display = 'inline-block';
  scale.style.width = '120px';
  scale.style.height = '.8rem';
  scale.style.background = `linear-gradient(90deg, ${heat(0)}, ${heat(0.5)}, ${heat(1)})`;
  const none = legend.querySelector('.none-cell');
  none.style.background = '#d5dae1';
  const left = 78, top = 18;
  function draw() {
    const width = Math.max(300, el.clientWidth);
    const cw = (width - left) / 24;
    const ch = Math.max(10, Math.min(26, cw));
    const height = top + ch * days.length;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    canvas.style.height = height + 'px';
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#667085';
    for (let hr = 0; hr < 24; hr += cw < 22 ? 3 : 1) g.fillText(String(hr), left + hr * cw + 2, 12);
    days.forEach((d, i) => {
      g.fillStyle = '#667085';
      g.fillText(d.slice(5), 4, top + i * ch + ch * 0.7);
      rows[i].forEach((v, hr) => {
        g.fillStyle = v === null ? '#d5dae1' : heat(hi > lo ? (v - lo) / (hi - lo) : 0);
        g.fillRect(left + hr * cw + 0.5, top + i * ch + 0.5, cw - 1, ch - 1);
      });
    });
    canvas.onpointermove = (ev) => {
      const r = canvas.getBoundingClientRect();
      const hr = Math.floor((ev.clientX - r.left - left) / cw);
      const di = Math.floor((ev.clientY - r.top - top) / ch);
      if (hr >= 0 && hr < 24 && di >= 0 && di < days.length) {
        const v = rows[di][hr];
        info.textContent = `${days[di]} ${String(hr).padStart(2, '0')}:00–${String(hr + 1).padStart(2, '0')}:00: ` +
          (v === null ? 'no reply' : `${v.toFixed(2)} ${unit}`);
      }
    };
  }
  draw();
  new ResizeObserver(draw).observe(el);
}

// The availability timeline: periods [{start, end, state}] between start and end.
export function timeline(el, periods, start, end, tz) {
  const bar = h('div', { class: 'timeline', role: 'img', 'aria-label': 'up and down periods' });
  const span = Math.max(1, end - start);
  let cursor = start;
  const add = (from, to, state, label) => {
    if (to <= from) return;
    const s = h('span', { class: state, title: label });
    s.style.width = `${((to - from) / span) * 100}%`;
    bar.append(s);
  };
  const fmt = (t) => new Date(t * 1000).toLocaleString(undefined, { timeZone: tz || undefined, dateStyle: 'short', timeStyle: 'short' });
  for (const p of periods) {
    const a = Math.max(start, p.start), b = Math.min(end, p.end);
    if (a > cursor) add(cursor, a, 'none', 'no data');
    add(Math.max(a, cursor), b, p.state, `${p.state}: ${fmt(p.start)} – ${fmt(p.end)}`);
    cursor = Math.max(cursor, b);
  }
  if (cursor < end) add(cursor, end, 'none', 'no data');
  el.append(bar, h('div', { class: 'legend' },
    h('span', {}, h('i', { class: 'lg-up' }), 'up'), h('span', {}, h('i', { class: 'lg-down' }), 'down'),
    h('span', {}, h('i', { class: 'lg-none' }), 'no data'),
    h('span', {}, `${fmt(start)} → ${fmt(end)}`)));
  el.querySelector('.lg-up').style.background = '#1a7f37';
  el.querySelector('.lg-down').style.background = '#c62828';
  el.querySelector('.lg-none').style.background = '#9aa4b2';
}
