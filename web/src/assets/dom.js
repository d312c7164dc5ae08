// dom.js - small helpers to build the pages without innerHTML (text is always text).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function table(headers, rows) {
  return h('div', { class: 'scroll' },
    h('table', {},
      h('thead', {}, h('tr', {}, headers.map((c) => h('th', { class: c.num ? 'num' : null }, c.label ?? c)))),
      h('tbody', {}, rows)));
}

export function fmt(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return Number(v).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// "YYYY-MM-DD" of a date shifted by n days.
export function addDays(date, n) {
  const d = new Date(date + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// A unix time shown in the server's time zone.
export function when(t, tz) {
  if (!t) return 'never';
  return new Date(t * 1000).toLocaleString(undefined, { timeZone: tz || undefined, dateStyle: 'short', timeStyle: 'short' });
}

export function ago(t, now) {
  if (!t) return 'never';
  const s = Math.max(0, (now || Date.now() / 1000) - t);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export function message(text, cls = 'muted') {
  return h('p', { class: cls }, text);
}
