// reports.js - the period reports, downloaded as the same xlsx workbooks the CLI writes.
import { get, qs } from '../api.js';
import { h, message, table } from '../dom.js';

export async function reportsPage(app, ctx) {
  const data = await get('/api/reports');
  if (!ctx.current()) return;
  const date = h('input', { type: 'date', value: ctx.params.get('date') || data.date, id: 'report-date' });
  const literal = h('input', { type: 'checkbox', id: 'report-literal' });
  app.append(h('h1', {}, 'Reports'),
    h('p', { class: 'muted' }, 'Each report is written by its Lua script over the store, exactly as ' +
      '`scanbackup report NAME --date D` writes it.'),
    h('div', { class: 'row' }, h('label', {}, 'Last day covered', date),
      h('label', {}, h('span', {}, literal, ' literal period (7/15/30 days ending that day)'))));
  const rows = data.reports.map((r) => {
    const a = h('a', { class: 'button', download: '', dataset: { report: r.name } }, 'Download xlsx');
    const update = () => { a.href = `/api/reports/${encodeURIComponent(r.name)}` + qs({ date: date.value, literal: literal.checked ? 1 : '' }); };
    update();
    date.addEventListener('change', update);
    literal.addEventListener('change', update);
    return h('tr', {}, h('td', {}, h('b', {}, r.name)), h('td', {}, r.title), h('td', {}, a));
  });
  app.append(h('section', { class: 'card' }, rows.length === 0 ? message('No report scripts found.')
    : table(['Report', 'What it holds', ''], rows)));
}
