// alerts.js - the alerts (docs/alerts.md): those firing now, and every change of state in a period
// (ALERT_HISTORY through /api/alerts), filtered by state, severity, rule and text; the filters
// live in the URL.
import { get, qs } from '../api.js';
import { addDays, cells, h, message, table } from '../dom.js';
import { dateTime, num, t } from '../i18n.js';
import { page } from '../pages.js';

const FILTERS = ['from', 'to', 'state', 'severity', 'rule', 'q'];

function badge(ev) {
  return h('span', { class: `badge alert-${ev.state} sev-${ev.severity}` }, t(`alerts.state.${ev.state}`));
}

function value(ev) {
  if (ev.value === null) return '';
  return ev.threshold === null ? num(ev.value, 2) : `${num(ev.value, 2)} / ${num(ev.threshold, 2)}`;
}

function rows(cols, list) {
  return list.map((ev) => h('tr', { dataset: { state: ev.state, rule: ev.rule } }, cells(cols, [
    dateTime(ev.ts), badge(ev), t(`alerts.sev.${ev.severity}`), ev.rule, ev.subject, value(ev), ev.message])));
}

async function alerts(el, ctx) {
  el.append(h('h1', {}, t('nav.alerts')));
  const p = ctx.params;
  const today = new Date().toISOString().slice(0, 10);
  const f = {
    from: h('input', { type: 'date', id: 'alerts-from', value: p.get('from') || addDays(today, -29) }),
    to: h('input', { type: 'date', id: 'alerts-to', value: p.get('to') || today }),
    state: h('select', { id: 'alerts-state' }, ['', 'firing', 'resolved'].map((s) =>
      h('option', { value: s, selected: (p.get('state') || '') === s }, s ? t(`alerts.state.${s}`) : t('alerts.any')))),
    severity: h('select', { id: 'alerts-severity' }, ['', 'warning', 'critical'].map((s) =>
      h('option', { value: s, selected: (p.get('severity') || '') === s }, s ? t(`alerts.sev.${s}`) : t('alerts.any')))),
    rule: h('input', { id: 'alerts-rule', value: p.get('rule') || '', autocomplete: 'off' }),
    q: h('input', { id: 'alerts-q', type: 'search', value: p.get('q') || '', autocomplete: 'off' }),
  };
  const apply = (e) => {
    if (e) e.preventDefault();
    const params = new URLSearchParams();
    for (const k of FILTERS) if (f[k].value) params.set(k, f[k].value);
    ctx.go(params);
  };
  const form = h('form', { class: 'row', id: 'alerts-filters' },
    h('label', {}, t('alerts.from'), f.from), h('label', {}, t('alerts.to'), f.to),
    h('label', {}, t('alerts.stateLabel'), f.state), h('label', {}, t('alerts.severity'), f.severity),
    h('label', {}, t('alerts.rule'), f.rule), h('label', {}, t('alerts.search'), f.q),
    h('button', { type: 'submit' }, t('alerts.apply')));
  form.addEventListener('submit', apply);
  el.append(form);
  const args = {};
  for (const k of FILTERS) if (f[k].value) args[k] = f[k].value;
  const data = await get('/api/alerts' + qs(args));
  if (!ctx.current()) return;
  const cols = [{ label: t('alerts.when') }, { label: t('alerts.stateLabel') }, { label: t('alerts.severity') },
    { label: t('alerts.rule') }, { label: t('alerts.subject') }, { label: t('alerts.value') }, { label: t('alerts.message') }];
  el.append(h('section', { class: 'card', id: 'alerts-firing' }, h('h2', {}, t('alerts.firingNow', { n: data.firing.length })),
    data.firing.length ? table(cols, rows(cols, data.firing)) : message(t('alerts.noneFiring'))));
  el.append(h('section', { class: 'card', id: 'alerts-changes' },
    h('h2', {}, t('alerts.changes', { n: data.total, from: data.from, to: data.to })),
    data.changes.length ? table(cols, rows(cols, data.changes)) : message(t('alerts.none')),
    data.truncated ? message(t('alerts.truncated')) : null));
}

page({ route: 'alerts', nav: { key: 'nav.alerts', order: 35 }, refresh: 60, render: alerts });
