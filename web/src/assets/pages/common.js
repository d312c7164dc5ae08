// common.js - pieces several pages share: the use badge, links to an interface and to a search,
// the range controls of a chart, a permalink, the figures row, a summary's resolution.
import { qs } from '../api.js';
import { addDays, h } from '../dom.js';
import { bps, count, pct, t } from '../i18n.js';

// The use of a port, coloured by the report thresholds (USE_AMBER, USE_RED).
export function useBadge(use, amber, red) {
  if (use === null || use === undefined) return h('span', { class: 'muted' }, '—');
  const cls = use >= red ? 'use-red' : use >= amber ? 'use-amber' : 'use-ok';
  return h('span', { class: `use ${cls}` }, pct(use, 1));
}

// A traffic figure of a daily summary (Gbps as stored; IPBRAS: active IPs).
export function gbps(v, inOnly) {
  if (v === null || v === undefined) return '—';
  return inOnly ? count(Math.round(v)) : bps(v * 1e9);
}

// The resolution of a summary or of MRTG's lines, in words ("5 min", "30 min", "2 h", "1 día").
export function resLabel(res) {
  const k = 'res.' + (res || 300);
  const s = t(k);
  return s === k ? `${res} s` : s;
}

// A daily summary's completeness: its samples (of the day's expected, when given), or for a day
// summarised from MRTG's coarser lines their resolution (its samples count the intervals they
// cover, which would read as a whole day of 5-minute samples).
export function completeness(f, expected) {
  if (f.resolution > 300) return h('span', { class: 'res', dataset: { resolution: f.resolution }, title: t('res.title') }, resLabel(f.resolution));
  if (f.samples === null || f.samples === undefined) return '—';
  return expected === undefined ? count(f.samples) : `${count(f.samples)} / ${count(expected)}`;
}

// A capacity in Gbps (0: unknown).
export function capacity(v) {
  return v > 0 ? bps(v * 1e9) : t('capacity.unknown');
}

// The link to an interface's page over the 7 days up to date.
export function ifaceHref(layer, f, date) {
  return '#/iface' + qs({ layer, name: f.name, type: f.type, from: addDays(date, -6), to: date });
}

export function ifaceLink(layer, f, date) {
  return h('a', { href: ifaceHref(layer, f, date) }, f.name);
}

export const findHref = (params) => '#/find' + qs(params);

// From, To and the 1/7/30-day buttons; go(from, to) shows that range.
export function rangeControls(from, to, go, last) {
  const f = h('input', { type: 'date', value: from || '', id: 'range-from' });
  const tt = h('input', { type: 'date', value: to || '', id: 'range-to' });
  const end = () => tt.value || to || last;
  return h('form', { class: 'row', onsubmit: (ev) => { ev.preventDefault(); go(f.value, tt.value); } },
    h('label', {}, t('range.from'), f), h('label', {}, t('range.to'), tt),
    h('button', { type: 'submit', id: 'range-apply' }, t('range.show')),
    h('button', { class: 'secondary', type: 'button', dataset: { days: 1 }, onclick: () => go(end(), end()) }, t('range.days', { n: 1 })),
    h('button', { class: 'secondary', type: 'button', dataset: { days: 7 }, onclick: () => go(addDays(end(), -6), end()) }, t('range.days', { n: 7 })),
    h('button', { class: 'secondary', type: 'button', dataset: { days: 30 }, onclick: () => go(addDays(end(), -29), end()) }, t('range.days', { n: 30 })));
}

// The page's address with everything it shows, and a button copying it.
export function permalink() {
  const out = h('span', { class: 'muted', role: 'status' });
  const b = h('button', {
    class: 'secondary', type: 'button', id: 'permalink',
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(location.href);
        out.textContent = t('link.copied');
      } catch (e) {
        out.textContent = location.href;
      }
    },
  }, t('link.copy'));
  return h('span', { class: 'permalink' }, b, ' ', out);
}

// A row of labelled figures: [[label, value, id], ...].
export function figures(list) {
  return h('div', { class: 'figures' }, list.filter(Boolean).map(([label, value, id]) =>
    h('div', {}, h('span', { class: 'muted' }, label), h('b', { id }, value))));
}

