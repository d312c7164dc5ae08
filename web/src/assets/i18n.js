// i18n.js - the dashboard's words and numbers: one catalogue per language (i18n/es.js,
// i18n/en.js; Spanish unless the user chose English), and every number, unit, date and time
// written through the catalogue's one locale, in 24-hour time and the server's time zone.
import es from './i18n/es.js';
import en from './i18n/en.js';

export const catalogues = { es, en };
const KEY = 'sb-lang';
let cat = es;
let zone;

function stored() {
  try { return localStorage.getItem(KEY); } catch (e) { return null; }
}

// The language chosen (stored in the browser), else Spanish.
export function initLang() {
  const l = stored();
  cat = catalogues[l] || es;
  document.documentElement.lang = cat.lang;
  return cat.lang;
}

export function setLang(l) {
  if (!catalogues[l]) return;
  try { localStorage.setItem(KEY, l); } catch (e) { /* a private window keeps no choice */ }
  cat = catalogues[l];
  document.documentElement.lang = cat.lang;
}

export const lang = () => cat.lang;
export const locale = () => cat.locale;

// The text of key, its {placeholders} filled from vars. A missing key shows as itself, so a
// test can find it.
export function t(key, vars) {
  let s = cat.strings[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

// Elements marked data-i18n="key" get that text (data-i18n-attr="placeholder" sets that attribute).
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    const attr = el.dataset.i18nAttr;
    if (attr) el.setAttribute(attr, t(el.dataset.i18n));
    else el.textContent = t(el.dataset.i18n);
  }
}

// ---- numbers ----

const nf = new Map();
function numFormat(min, max) {
  const k = `${cat.locale}|${min}|${max}`;
  if (!nf.has(k)) nf.set(k, new Intl.NumberFormat(cat.locale, { minimumFractionDigits: min, maximumFractionDigits: max }));
  return nf.get(k);
}

export const DASH = '—';

// At most digits decimals, trailing zeros left out.
function upTo(v, digits) {
  return numFormat(0, digits).format(v);
}

// A number with digits decimals (fixed), or a dash.
export function num(v, digits = 0) {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
  return numFormat(digits, digits).format(v);
}

// Three significant figures at most, never more than two decimals: 0.0602, 6.02, 60.2, 602.
function sig(v) {
  const a = Math.abs(v);
  return a === 0 ? 0 : a < 10 ? 2 : a < 100 ? 1 : 0;
}

export const BPS_UNITS = [[1e9, 'Gbps'], [1e6, 'Mbps'], [1e3, 'kbps'], [1, 'bps']];

// The unit of a bit rate: the largest whose value is at least 1.
export function bpsUnit(v) {
  const a = Math.abs(v || 0);
  for (const u of BPS_UNITS) if (a >= u[0]) return u;
  return BPS_UNITS[BPS_UNITS.length - 1];
}

// A bit rate in its own unit: "602 Mbps", "1.24 Gbps", "0 bps".
export function bps(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
  const [div, unit] = bpsUnit(v);
  const x = v / div;
  return `${upTo(x, sig(x))} ${unit}`;
}

// A time in ms in its own unit: "45 µs", "12.3 ms", "1.24 s".
export function ms(v) {
  if (v === null || v === undefined || Number.isNaN(v) || v < 0) return DASH;
  if (v < 1) return `${upTo(v * 1000, sig(v * 1000))} µs`;
  if (v >= 1000) return `${upTo(v / 1000, sig(v / 1000))} s`;
  return `${upTo(v, sig(v))} ms`;
}

// The unit of an axis of times in ms, by its largest value: [divisor from ms, label].
export function msUnit(max) {
  if (max < 1) return [1e-3, 'µs'];
  if (max >= 1000) return [1e3, 's'];
  return [1, 'ms'];
}

export const pct = (v, digits = 1) => (v === null || v === undefined ? DASH : `${num(v, digits)} %`);
export const count = (v) => (v === null || v === undefined ? DASH : num(v, 0));

// ---- dates and times, in the server's zone ----

export function setZone(tz) {
  zone = tz || undefined;
}
export const tz = () => zone;

const df = new Map();
function parts(t, opts) {
  const k = JSON.stringify([zone, opts]);
  if (!df.has(k)) df.set(k, new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', ...opts }));
  const o = {};
  for (const p of df.get(k).formatToParts(new Date(t * 1000))) o[p.type] = p.value;
  return o;
}

const ALL = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' };

// The local fields of a unix time: {y, m, d, H, M, S} as strings.
export function local(t) {
  const p = parts(t, ALL);
  return { y: p.year, m: p.month, d: p.day, H: p.hour === '24' ? '00' : p.hour, M: p.minute, S: p.second };
}

export const date = (t) => { const p = local(t); return `${p.y}-${p.m}-${p.d}`; };
export const time = (t) => { const p = local(t); return `${p.H}:${p.M}`; };
export const timeSec = (t) => { const p = local(t); return `${p.H}:${p.M}:${p.S}`; };
export const dateTime = (u) => (u ? `${date(u)} ${time(u)}` : t('never'));

// "America/Caracas (UTC−04:00)"
export function zoneLabel() {
  const p = parts(Date.now() / 1000, { timeZoneName: 'longOffset' });
  const off = (p.timeZoneName || 'GMT').replace('GMT', 'UTC').replace('-', '−');
  return `${zone || Intl.DateTimeFormat().resolvedOptions().timeZone} (${off === 'UTC' ? 'UTC±00:00' : off})`;
}

// A duration in seconds: "3 h 30 min", "45 min", "2 d 4 h".
export function duration(s) {
  s = Math.max(0, Math.round(s));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const hh = Math.floor(m / 60), mm = m % 60;
  if (hh < 48) return mm ? `${hh} h ${mm} min` : `${hh} h`;
  const d = Math.floor(hh / 24), rh = hh % 24;
  return rh ? `${d} d ${rh} h` : `${d} d`;
}

// How long ago, in words of the catalogue.
export function ago(then, now) {
  if (!then) return t('never');
  return t('ago', { d: duration((now || Date.now() / 1000) - then) });
}
