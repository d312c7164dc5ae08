// reports.js - the period reports, downloaded as the same xlsx workbooks the command line writes,
// each named after its period; the day offered first is the newest one with data. A period
// without data gives no empty workbook: the server's words are shown instead.
import { ApiError, get, qs } from '../api.js';
import { cells, clear, errorBox, h, message, table } from '../dom.js';
import { t } from '../i18n.js';
import { page } from '../pages.js';

// Fetches the workbook of link a and hands it to the browser under the server's file name; a
// refusal (no data in the period, a bad option) goes into status, the server's message with it.
async function fetchReport(a, status) {
  clear(status);
  let res;
  try {
    res = await fetch(a.href, { credentials: 'same-origin' });
  } catch (e) {
    status.append(errorBox(new ApiError(0, ''), a.dataset.report));
    return;
  }
  if (res.status === 401) {
    location.assign('/login?next=' + encodeURIComponent(location.hash || '#/'));
    return;
  }
  if (!res.ok) {
    const data = await res.json().catch(() => ({}));
    status.append(errorBox(new ApiError(res.status, data.error || String(res.status)), a.dataset.report));
    return;
  }
  const named = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
  const url = URL.createObjectURL(await res.blob());
  const save = h('a', { href: url, download: named ? named[1] : `${a.dataset.report}.xlsx` });
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

async function reports(el, ctx) {
  el.append(h('h1', {}, t('nav.reports')));
  const data = await get('/api/reports');
  if (!ctx.current()) return;
  const date = h('input', { type: 'date', value: ctx.params.get('date') || data.date, id: 'report-date' });
  const literal = h('input', { type: 'checkbox', id: 'report-literal' });
  const second = h('input', { type: 'checkbox', id: 'report-segunda' });
  const status = h('div', { id: 'report-status', 'aria-live': 'polite' });
  el.append(h('p', { class: 'muted' }, t('reports.what')),
    h('div', { class: 'row' }, h('label', {}, t('reports.last'), date),
      h('label', { class: 'check' }, literal, t('reports.literal')),
      data.reports.some((r) => r.segunda) ? h('label', { class: 'check' }, second, t('reports.segunda')) : null),
    data.date ? h('p', { class: 'muted small', id: 'report-newest' }, t('reports.newest', { date: data.date })) : null);
  const cols = [{ label: t('reports.name') }, { label: t('reports.holds') }, { label: '' }];
  const rows = data.reports.map((r) => {
    const a = h('a', { class: 'button', download: '', dataset: { report: r.name } }, t('reports.download'));
    const update = () => {
      const two = r.segunda && second.checked;
      a.href = `/api/reports/${encodeURIComponent(r.name)}` +
        qs({ date: date.value, literal: literal.checked && !two ? 1 : '', segunda: two ? 1 : '' });
    };
    update();
    for (const input of [date, literal, second]) input.addEventListener('change', update);
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      fetchReport(a, status);
    });
    return h('tr', {}, cells(cols, [h('b', {}, r.name), r.title, a]));
  });
  el.append(status, h('section', { class: 'card' }, rows.length === 0 ? message(t('reports.none')) : table(cols, rows)));
}

page({ route: 'reports', nav: { key: 'nav.reports', order: 30 }, render: reports });
