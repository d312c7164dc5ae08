// charts.js - the charts: time series with uPlot (gaps drawn as gaps, the axis over the range
// asked for, units scaled to the values, 24-hour times in the server's zone, zoom by dragging,
// min-max bands, CSV and PNG of what is shown), the hour x day heat map and the up/down timeline.
// Each chart has a text summary beside it (the pages write it with the stats helpers here).
import uPlot from './vendor/uPlot.esm.js';
import { csv, download, fileSafe, h } from './dom.js';
import {
  bps, bpsUnit, count, date, dateTime, duration, local, ms, msUnit, num, pct, t, time, tz,
} from './i18n.js';

// Colours readable on both themes' backgrounds (each at least 3:1 against them).
export const PALETTE = ['#2b6cb0', '#c53030', '#2f855a', '#b7791f', '#6b46c1', '#00838f', '#ad1457', '#5d6d7e'];

function css(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

// ---- units of an axis ----

// kind: 'bps' (bits/s), 'ms', 'count', 'pct', 'status'. Returns [divisor, unit label] for the
// largest value max.
export function unitOf(kind, max) {
  if (kind === 'bps') return bpsUnit(max);
  if (kind === 'ms') return msUnit(max || 0);
  if (kind === 'pct') return [1, '%'];
  return [1, ''];
}

export function fmtValue(kind, v) {
  if (v === null || v === undefined) return '—';
  if (kind === 'bps') return bps(v);
  if (kind === 'ms') return ms(v);
  if (kind === 'pct') return pct(v, 0);
  return count(v);
}

function tickDecimals(incr) {
  if (!(incr > 0)) return 0;
  return Math.min(3, Math.max(0, -Math.floor(Math.log10(incr) + 1e-9)));
}

// ---- series with their gaps ----

// The time axis of a chart over [start, end]: the samples, a null where two samples are more
// than 1.5 steps apart (a gap is drawn as a gap), and the range's two ends (the axis covers the
// range asked for, whatever the data covers). gap, when given, is per point the longest distance
// from the point before that is no gap. Returns [t, ...series values].
export function withGaps(ts, series, step, start, end, gap) {
  const out = [[]].concat(series.map(() => []));
  const push = (x, i) => {
    out[0].push(x);
    series.forEach((s, k) => out[k + 1].push(i === null ? null : s[i] ?? null));
  };
  if (start !== undefined && (ts.length === 0 || ts[0] > start)) push(start, null);
  for (let i = 0; i < ts.length; i++) {
    const most = gap ? gap[i] : step && 1.5 * step;
    if (i > 0 && most && ts[i] - ts[i - 1] > most) push(ts[i - 1] + Math.min(step || most, most), null);
    push(ts[i], i);
  }
  if (end !== undefined && (ts.length === 0 || ts[ts.length - 1] < end)) push(end, null);
  return out;
}

// The holes of a series of samples (each standing for the step before it, or from from[i] when
// given) within [start, end): [[from, to], ...] longer than 1.5 steps; the part after now is not a
// hole but the future.
export function holes(ts, step, start, end, now, from) {
  const out = [];
  const stop = now !== undefined ? Math.min(end, now) : end;
  let prev = start;
  ts.forEach((x, i) => {
    if (x < start || x > end) return;
    const a = from ? from[i] : x - step;
    if (a - prev > 0.5 * step) out.push([prev, a]);
    prev = Math.max(prev, x);
  });
  if (stop - prev > 1.5 * step) out.push([prev, stop]);
  return out;
}

// The holes in words: how many, and the three longest with their times and lengths.
export function holesText(hs) {
  if (hs.length === 0) return t('summary.noHoles');
  const list = hs.slice().sort((a, b) => (b[1] - b[0]) - (a[1] - a[0])).slice(0, 3)
    .map(([a, b]) => t('summary.holeAt', { from: dateTime(a), to: time(b), len: duration(b - a) })).join('; ');
  return t(hs.length === 1 ? 'summary.hole' : 'summary.holes', { n: hs.length, list });
}

// Minimum, mean and maximum of the values shown between a and b, with the time of the maximum.
export function stats(ts, values, a, b) {
  let n = 0, sum = 0, min = Infinity, max = -Infinity, tmax = null;
  for (let i = 0; i < ts.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || ts[i] < a || ts[i] > b) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) { max = v; tmax = ts[i]; }
  }
  return n ? { n, min, max, mean: sum / n, tmax } : { n: 0 };
}

// ---- the time chart ----

function xValues(u, splits) {
  const span = (u.scales.x.max || 0) - (u.scales.x.min || 0);
  return splits.map((x) => {
    const p = local(x);
    if (span > 2 * 86400) return p.H === '00' && p.M === '00' ? `${p.m}-${p.d}` : `${p.m}-${p.d} ${p.H}:${p.M}`;
    return p.H === '00' && p.M === '00' ? `${p.m}-${p.d}` : `${p.H}:${p.M}`;
  });
}

// A time-series chart in el that follows el's width.
//   t, series [{label, values, color, scale, kind, width, dash, points, fill}]: the data;
//   start, end, step: the range asked for and the sample step (for gaps); gap: per point, the
//   longest distance from the point before that is no gap (instead of 1.5 steps); drawOnly: per
//   point, true when it is only drawn (the start of a level segment), not exported;
//   scales {name: kind}: the kind of each y scale ('bps', 'ms', 'pct', 'count', 'status');
//   bands [[upper series index, lower series index, fill]]: shaded between two series;
//   zoom [a, b]: the part shown; onZoom(a, b) (null, null when the whole range is shown again);
//   name, title: the file names and the heading of exports; aria: the chart's short label.
// Returns {u, shown() -> [a, b], csv(), png()}.
export function timeChart(el, o) {
  const height = o.height || 300;
  const data = withGaps(o.t, o.series.map((s) => s.values), o.step, o.start, o.end, o.gap);
  const axisColor = css('--chart-axis', '#4a5568');
  const gridColor = css('--chart-grid', 'rgba(0,0,0,.08)');
  const scales = { x: { time: true } };
  const axes = [{
    stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor },
    values: xValues, space: 60,
  }];
  const seen = [];
  for (const s of o.series) {
    const sc = s.scale || 'y';
    if (seen.includes(sc)) continue;
    seen.push(sc);
    const kind = (o.scales || {})[sc] || 'count';
    scales[sc] = kind === 'pct' ? { range: [0, 100] } : { range: (u, min, max) => [Math.min(0, min ?? 0), max > 0 ? max * 1.05 : 1] };
    const axis = {
      scale: sc, side: seen.length === 1 ? 3 : 1, stroke: axisColor, size: 64,
      grid: { show: seen.length === 1, stroke: gridColor }, ticks: { stroke: gridColor },
      label: '', labelSize: 18,
      values: (u, splits) => {
        const [div, unit] = unitOf(kind, Math.max(Math.abs(u.scales[sc].max || 0), Math.abs(u.scales[sc].min || 0)));
        const ax = u.axes.find((a) => a.scale === sc);
        if (ax) ax.label = unit;
        const d = tickDecimals((splits[1] - splits[0]) / div);
        return splits.map((v) => num(v / div, d));
      },
    };
    axes.push(axis);
  }
  const opts = {
    width: Math.max(280, el.clientWidth || 600),
    height,
    tzDate: tz() ? (x) => uPlot.tzDate(new Date(x * 1e3), tz()) : undefined,
    scales,
    axes,
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    bands: (o.bands || []).map(([a, b, fill]) => ({ series: [a + 1, b + 1], fill })),
    series: [{ label: t('csv.time'), value: (u, v) => (v === null || v === undefined ? '—' : dateTime(v)) }].concat(o.series.map((s, i) => ({
      label: s.label,
      scale: s.scale || 'y',
      stroke: s.color || PALETTE[i % PALETTE.length],
      width: s.width || 1.5,
      dash: s.dash,
      fill: s.fill,
      spanGaps: false,
      points: { show: s.points ?? false, size: 4 },
      paths: s.points === 'only' ? () => null : undefined,
      value: (u, v) => fmtValue(s.kind || (o.scales || {})[s.scale || 'y'] || 'count', v),
    }))),
    hooks: {
      setScale: [(u, key) => {
        if (key !== 'x' || !o.onZoom || !ready) return;
        const a = Math.round(u.scales.x.min), b = Math.round(u.scales.x.max);
        const full = a <= data[0][0] && b >= data[0][data[0].length - 1];
        o.onZoom(full ? null : a, full ? null : b);
      }],
    },
  };
  let ready = false;
  const u = new uPlot(opts, data, el);
  if (o.zoom && o.zoom[0] < o.zoom[1]) u.setScale('x', { min: o.zoom[0], max: o.zoom[1] });
  ready = true;
  const canvas = el.querySelector('canvas');
  if (canvas) {
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', o.aria || o.title || '');
  }
  const ro = new ResizeObserver(() => {
    const w = Math.max(280, el.clientWidth);
    if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
  });
  ro.observe(el);
  const shown = () => [u.scales.x.min, u.scales.x.max];
  const period = () => {
    const [a, b] = shown();
    const whole = (o.end - o.start) % 86400 === 0 && Math.abs(a - o.start) < 1 && Math.abs(b - o.end) < 1;
    const p = (x) => { const l = local(x); return `${l.y}-${l.m}-${l.d}_${l.H}${l.M}`; };
    if (whole) {
      const d1 = date(o.start), d2 = date(o.end - 1);
      return d1 === d2 ? d1 : `${d1}_${d2}`;
    }
    return `${p(a)}_${p(b)}`;
  };
  return {
    u,
    shown,
    period,
    // the samples shown, in base units (bits/s, ms, %): time, then one column per series
    csv() {
      const [a, b] = shown();
      const head = [t('csv.time'), t('csv.unix')].concat(o.series.map((s) => `${s.label} (${s.unitName || s.kind || ''})`.replace(' ()', '')));
      const rows = [head];
      for (let i = 0; i < o.t.length; i++) {
        if (o.t[i] < a || o.t[i] > b || (o.drawOnly && o.drawOnly[i])) continue;
        rows.push([`${date(o.t[i])} ${time(o.t[i])}`, o.t[i]].concat(o.series.map((s) => s.values[i] ?? null)));
      }
      download(new Blob([csv(rows)], { type: 'text/csv;charset=utf-8' }), `${fileSafe(o.name)}_${period()}.csv`);
    },
    // the chart as shown, with its title and legend
    png() {
      const [a, b] = shown();
      const title = `${o.title || ''} · ${dateTime(a)} – ${dateTime(b)} · ${t('status.zone', { zone: tz() || '' })}`;
      downloadPng(u.ctx.canvas, title, `${fileSafe(o.name)}_${period()}.png`, 0.5 + Math.ceil(o.series.length / 3), (g, f) => {
        o.series.forEach((s, i) => {
          const x = f.pad + (i % 3) * (f.width - 2 * f.pad) / 3, y = f.bottom + f.line * (1 + Math.floor(i / 3));
          g.fillStyle = s.color || PALETTE[i % PALETTE.length];
          g.fillRect(x, y - 10 * f.dpr, 12 * f.dpr, 12 * f.dpr);
          g.fillStyle = css('--ink', '#1b2430');
          g.font = `${12 * f.dpr}px system-ui, sans-serif`;
          g.fillText(s.label, x + 18 * f.dpr, y);
        });
      });
    },
  };
}

// Downloads as name a PNG of canvas src on the card's colour under a line of title, with room for
// `below` more lines under it that drawBelow(g, {pad, line, bottom, width, dpr}) draws (bottom:
// where src ends).
function downloadPng(src, title, name, below = 0, drawBelow = null) {
  const dpr = window.devicePixelRatio || 1;
  const pad = 12 * dpr, line = 20 * dpr;
  const out = document.createElement('canvas');
  out.width = src.width + 2 * pad;
  out.height = src.height + 2 * pad + line * (1.5 + below);
  const g = out.getContext('2d');
  g.fillStyle = css('--card', '#fff');
  g.fillRect(0, 0, out.width, out.height);
  g.fillStyle = css('--ink', '#1b2430');
  g.font = `${14 * dpr}px system-ui, sans-serif`;
  g.fillText(title, pad, pad + 14 * dpr);
  g.drawImage(src, pad, pad + line * 1.5);
  if (drawBelow) drawBelow(g, { pad, line, bottom: pad + line * 1.5 + src.height, width: out.width, dpr });
  out.toBlob((blob) => download(blob, name), 'image/png');
}

// The buttons under a chart: CSV, PNG, and back to the whole range when zoomed.
export function exportBar(chart, { onReset, zoomed, id } = {}) {
  return h('div', { class: 'row exports', id },
    h('button', { class: 'secondary', type: 'button', dataset: { export: 'csv' }, onclick: () => chart.csv() }, t('export.csv')),
    h('button', { class: 'secondary', type: 'button', dataset: { export: 'png' }, onclick: () => chart.png() }, t('export.png')),
    h('button', { class: 'secondary', type: 'button', dataset: { action: 'unzoom' }, hidden: !zoomed, onclick: onReset }, t('zoom.reset')),
    h('span', { class: 'muted hint' }, t('zoom.hint')));
}

// ---- the heat map ----

function heat(x) {
  const stops = [[0, [26, 152, 80]], [0.5, [230, 190, 60]], [1, [215, 48, 39]]];
  let i = 0;
  while (i < stops.length - 2 && x > stops[i + 1][0]) i++;
  const [a, ca] = stops[i];
  const [b, cb] = stops[i + 1];
  const f = Math.min(1, Math.max(0, (x - a) / (b - a)));
  const c = ca.map((v, k) => Math.round(v + (cb[k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// The look of "no data": light grey with diagonal strokes.
function hatch(g) {
  const p = document.createElement('canvas');
  p.width = p.height = 6;
  const q = p.getContext('2d');
  q.fillStyle = css('--nodata', '#c9d0da');
  q.fillRect(0, 0, 6, 6);
  q.strokeStyle = css('--nodata-hatch', '#8d97a5');
  q.beginPath();
  q.moveTo(0, 6);
  q.lineTo(6, 0);
  q.stroke();
  return g.createPattern(p, 'repeat');
}

// What a cell of the heat map holds: 'future' (its hour has not begun), 'none' (no record),
// 'noreply' (records, none answered), else 'rtt'.
export function cellState(hm, d, hr, rtt) {
  if (d * 24 + hr > hm.now_cell) return 'future';
  if (hm.loss[d][hr] === null) return 'none';
  if (rtt[d][hr] === null) return 'noreply';
  return 'rtt';
}

// The heat map of a test's headline value on a link (ping: the RTT): a row per day, a column per
// hour, each cell coloured by the median or the highest value of its hour (mode; fmt writes a
// value) with its loss as a red bar from the bottom; "no data", "no reply" and "not yet" each
// look their own way. Returns its exports: csv() (a row per hour begun: its state, median,
// highest and loss, in the field's unit) and png() (the map under title, its days, its mode and
// the time zone), both named name_DAY1_DAYN.
export function heatMap(el, hm, { mode = 'median', fmt = ms, label = t('heat.aria'), title = label, name = 'heatmap', unit = '' } = {}) {
  const rows = mode === 'max' ? hm.max : hm.value;
  const values = rows.flat().filter((v) => v !== null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const canvas = h('canvas', { class: 'heatmap', role: 'img', 'aria-label': label });
  const info = h('p', { class: 'muted', id: 'heat-info' }, t('heat.hover'));
  const scale = h('span', { class: 'heat-scale' });
  scale.style.background = `linear-gradient(90deg, ${heat(0)}, ${heat(0.5)}, ${heat(1)})`;
  const swatch = (cls) => h('i', { class: `sw ${cls}` });
  const legend = h('div', { class: 'legend' },
    h('span', {}, fmt(lo)), scale, h('span', {}, fmt(hi)),
    h('span', {}, swatch('sw-loss'), t('heat.loss')),
    h('span', {}, swatch('sw-noreply'), t('look.noreply')),
    h('span', {}, swatch('sw-none'), t('look.nodata')),
    h('span', {}, swatch('sw-future'), t('look.future')));
  el.append(canvas, legend, info);
  const left = 78, top = 18;
  const ink = css('--muted', '#5a6473');
  function draw() {
    const width = Math.max(300, el.clientWidth);
    const cw = (width - left) / 24;
    const ch = Math.max(12, Math.min(26, cw));
    const height = top + ch * hm.days.length;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    canvas.style.height = height + 'px';
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = ink;
    for (let hr = 0; hr < 24; hr += cw < 22 ? 3 : 1) g.fillText(String(hr).padStart(2, '0'), left + hr * cw + 2, 12);
    hm.days.forEach((d, i) => {
      g.fillStyle = ink;
      g.fillText(d.slice(5), 4, top + i * ch + ch * 0.7);
      for (let hr = 0; hr < 24; hr++) {
        const x = left + hr * cw + 0.5, y = top + i * ch + 0.5, w = cw - 1, hh = ch - 1;
        const st = cellState(hm, i, hr, rows);
        if (st === 'future') {
          g.strokeStyle = css('--line', '#d9dee7');
          g.setLineDash([2, 2]);
          g.strokeRect(x + 0.5, y + 0.5, w - 1, hh - 1);
          g.setLineDash([]);
        } else if (st === 'none') {
          g.fillStyle = hatch(g);
          g.fillRect(x, y, w, hh);
        } else if (st === 'noreply') {
          g.fillStyle = css('--noreply', '#3d0d0d');
          g.fillRect(x, y, w, hh);
          g.strokeStyle = '#ffffff';
          g.beginPath();
          g.moveTo(x + w * 0.3, y + hh * 0.3); g.lineTo(x + w * 0.7, y + hh * 0.7);
          g.moveTo(x + w * 0.7, y + hh * 0.3); g.lineTo(x + w * 0.3, y + hh * 0.7);
          g.stroke();
        } else {
          const v = rows[i][hr];
          g.fillStyle = heat(hi > lo ? (v - lo) / (hi - lo) : 0);
          g.fillRect(x, y, w, hh);
          const loss = hm.loss[i][hr] || 0;
          if (loss > 0) {
            const lh = Math.max(2, (hh * loss) / 100);
            g.fillStyle = css('--loss', '#7b0000');
            g.fillRect(x, y + hh - lh, w, lh);
          }
        }
      }
    });
    canvas.onpointermove = (ev) => {
      const r = canvas.getBoundingClientRect();
      const hr = Math.floor((ev.clientX - r.left - left) / cw);
      const di = Math.floor((ev.clientY - r.top - top) / ch);
      if (hr >= 0 && hr < 24 && di >= 0 && di < hm.days.length) info.textContent = cellText(hm, di, hr, fmt);
    };
  }
  draw();
  new ResizeObserver(draw).observe(el);
  const file = (ext) => `${fileSafe(name)}_${hm.days[0]}_${hm.days[hm.days.length - 1]}.${ext}`;
  return {
    csv() {
      const u = unit ? ` (${unit})` : '';
      const rows = [[t('csv.date'), t('csv.hour'), t('csv.state'), t('heat.median') + u, t('heat.max') + u, `${t('heat.loss')} (%)`]];
      const words = { none: t('look.nodata'), noreply: t('look.noreply'), rtt: '' };
      hm.days.forEach((d, i) => { for (let hr = 0; hr < 24; hr++) {
        const st = cellState(hm, i, hr, hm.value);
        if (st === 'future') continue;
        rows.push([d, `${String(hr).padStart(2, '0')}:00`, words[st], hm.value[i][hr], hm.max[i][hr], hm.loss[i][hr]]);
      } });
      download(new Blob([csv(rows)], { type: 'text/csv;charset=utf-8' }), file('csv'));
    },
    png() {
      downloadPng(canvas, `${title} · ${hm.days[0]} – ${hm.days[hm.days.length - 1]} · ${t('heat.' + mode)} · ${t('status.zone', { zone: tz() || '' })}`, file('png'));
    },
  };
}

// One cell in words: "2026-11-20 14:00–15:00: median 12.3 ms, highest 20 ms, loss 5 %".
export function cellText(hm, d, hr, fmt = ms) {
  const when = `${hm.days[d]} ${String(hr).padStart(2, '0')}:00–${String(hr + 1).padStart(2, '0')}:00`;
  const st = cellState(hm, d, hr, hm.value);
  if (st === 'future') return `${when}: ${t('look.future')}`;
  if (st === 'none') return `${when}: ${t('look.nodata')}`;
  if (st === 'noreply') return `${when}: ${t('look.noreply')} (${t('heat.loss')} ${pct(hm.loss[d][hr], 0)})`;
  return `${when}: ${t('heat.median')} ${fmt(hm.value[d][hr])}, ${t('heat.max')} ${fmt(hm.max[d][hr])}, ${t('heat.loss')} ${pct(hm.loss[d][hr], 0)}`;
}

// ---- the availability timeline ----

// periods [{start, end, state}] over [start, end); the part after now is still to come.
export function timeline(el, periods, start, end, now) {
  const bar = h('div', { class: 'timeline', role: 'img', 'aria-label': t('avail.aria') });
  const span = Math.max(1, end - start);
  let cursor = start;
  const add = (from, to, state, label) => {
    if (to <= from) return;
    const s = h('span', { class: state, title: label });
    s.style.width = `${((to - from) / span) * 100}%`;
    bar.append(s);
  };
  const names = { up: t('look.up'), down: t('look.down'), none: t('look.nodata') };
  const stop = Math.min(end, now || end);
  for (const p of periods) {
    const a = Math.max(start, p.start), b = Math.min(stop, p.end);
    if (a > cursor) add(cursor, Math.min(a, stop), 'none', names.none);
    add(Math.max(a, cursor), b, p.state, `${names[p.state] || p.state}: ${dateTime(p.start)} – ${dateTime(p.end)}`);
    cursor = Math.max(cursor, b);
  }
  if (cursor < stop) add(cursor, stop, 'none', names.none);
  if (stop < end) add(stop, end, 'future', t('look.future'));
  el.append(bar, h('div', { class: 'legend' },
    h('span', {}, h('i', { class: 'sw sw-up' }), names.up), h('span', {}, h('i', { class: 'sw sw-down' }), names.down),
    h('span', {}, h('i', { class: 'sw sw-none' }), names.none), h('span', {}, h('i', { class: 'sw sw-future' }), t('look.future')),
    h('span', {}, `${dateTime(start)} → ${dateTime(end)}`)));
}
