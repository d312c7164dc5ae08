// reports.js - the period reports, downloaded as the same xlsx workbooks the command line writes,
// each named after its period; the day offered first is the newest one with data.
import { get, qs } from '../api.js';
import { cells, h, message, table } from '../dom.js';
import { t } from '../i18n.js';
import { page } from '../pages.js';

async function reports(el, ctx) {
  el.append(h('h1', {}, t('nav.reports')));
  const data = await get('/api/reports');
  if (!ctx.current()) return;
  const date = h('input', { type: 'date', value: ctx.params.get('date') || data.date, id: 'report-date' });
  const literal = h('input', { type: 'checkbox', id: 'report-literal' });
  el.append(h('p', { class: 'muted' }, t('reports.what')),
    h('div', { class: 'row' }, h('label', {}, t('reports.last'), date),
      h('label', { class: 'check' }, literal, t('reports.literal'))),
    data.date ? h('p', { class: 'muted small', id: 'report-newest' }, t('reports.newest', { date: data.date })) : null);
  const cols = [{ label: t('reports.name') }, { label: t('reports.holds') }, { label: '' }];
  const rows = data.reports.map((r) => {
    const a = h('a', { class: 'button', download: '', dataset: { report: r.name } }, t('reports.download'));
    const update = () => { a.href = `/api/reports/${encodeURIComponent(r.name)}` + qs({ date: date.value, literal: literal.checked ? 1 : '' }); };
    update();
    date.addEventListener('change', update);
    literal.addEventListener('change', update);
    return h('tr', {}, cells(cols, [h('b', {}, r.name), r.title, a]));
  });
  el.append(h('section', { class: 'card' }, rows.length === 0 ? message(t('reports.none')) : table(cols, rows)));
}

page({ route: 'reports', nav: { key: 'nav.reports', order: 30 }, render: reports });
