// dom.js - small helpers to build the pages without innerHTML (text is always text): elements,
// tables whose columns sort and whose rows become labelled blocks on a phone, messages, downloads.
import { t } from './i18n.js';

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

export function message(text, cls = 'muted') {
  return h('p', { class: cls }, text);
}

// An error box: what failed, in the catalogue's words, and the server's own message.
export function errorBox(e, what) {
  const status = e && e.status;
  const head = status === 404 ? t('err.notFound') : status === 0 ? t('err.unreachable')
    : status === 400 ? t('err.refused') : status === 503 ? t('err.unavailable') : t('err.failed');
  return h('div', { class: 'errorbox', role: 'alert' }, h('b', {}, what ? `${what}: ${head}` : head),
    e && e.message ? h('span', { class: 'detail' }, e.message) : null);
}

// A table. columns: [{key, label, num, sort, cls}] (label as shown, with its unit; sort: this
// column can sort the list; cls: its cells' class). rows: [tr] built by the caller with cells()
// so each cell knows its column's label (shown beside the value on a phone). sort: {key, dir,
// onSort(key, dir)} makes the headers buttons.
export function table(columns, rows, { sort, caption, id, cls } = {}) {
  const heads = columns.map((c) => {
    const attrs = { class: [c.num ? 'num' : null, c.cls].filter(Boolean).join(' ') || null, scope: 'col' };
    if (!sort || !c.sort) return h('th', attrs, c.label);
    const active = sort.key === c.key;
    attrs['aria-sort'] = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';
    const next = active ? (sort.dir === 'asc' ? 'desc' : 'asc') : (c.num ? 'desc' : 'asc');
    return h('th', attrs, h('button', {
      class: 'sort', type: 'button', dataset: { sort: c.key },
      title: t('sortBy', { col: c.label }), onclick: () => sort.onSort(c.key, next),
    }, c.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : '')));
  });
  return h('div', { class: 'scroll' }, h('table', { class: ['stack', cls].filter(Boolean).join(' '), id },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, heads)), h('tbody', {}, rows)));
}

// The cells of one row: values in column order, each a node or text; a cell of a num column is
// right-aligned; each carries its column's label for the phone layout.
export function cells(columns, values) {
  return values.map((v, i) => {
    const c = columns[i] || {};
    return h('td', { class: [c.num ? 'num' : null, c.cls].filter(Boolean).join(' ') || null, 'data-label': c.label }, v);
  });
}

// "YYYY-MM-DD" of a date shifted by n days.
export function addDays(date, n) {
  const d = new Date(date + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// A file name part: letters, digits, '-', '_' and '.', the rest as '_'.
export function fileSafe(s) {
  return String(s).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'data';
}

// Offers blob as a download named name.
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// CSV text of rows (arrays), RFC 4180 quoting; a text starting with = + - @ gets a leading ' so
// no spreadsheet reads it as a formula.
export function csv(rows) {
  const cell = (v) => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    let s = String(v);
    if (/^[=+\-@]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
