// users.js - the users page (admins: add, change role, reset password, delete) and one's own account.
import { api, get } from '../api.js';
import { cells, h, table } from '../dom.js';
import { dateTime, t } from '../i18n.js';
import { page } from '../pages.js';

async function users(el, ctx) {
  el.append(h('h1', {}, t('nav.users')));
  if (!ctx.admin) {
    el.append(h('p', { class: 'error' }, t('users.adminOnly')));
    return;
  }
  const data = await get('/api/users');
  if (!ctx.current()) return;
  const err = h('p', { class: 'error', role: 'alert' });
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const act = async (fn) => {
    err.textContent = '';
    try { await fn(); reload(); } catch (e) { err.textContent = e.message; }
  };
  const cols = [{ label: t('users.user') }, { label: t('users.role') }, { label: t('users.since') }, { label: '' }];
  const rows = data.users.map((u) => {
    const role = h('select', { 'aria-label': t('users.role') }, ['viewer', 'admin'].map((r) => h('option', { value: r, selected: r === u.role }, t('role.' + r))));
    role.addEventListener('change', () => act(() => api('PUT', `/api/users/${encodeURIComponent(u.name)}`, { role: role.value })));
    const reset = h('button', { class: 'secondary', type: 'button' }, t('users.setPassword'));
    reset.addEventListener('click', () => {
      const pw = prompt(t('users.newPassword', { name: u.name }));
      if (pw) act(() => api('PUT', `/api/users/${encodeURIComponent(u.name)}`, { password: pw }));
    });
    const del = h('button', { class: 'danger', type: 'button', disabled: u.name === ctx.session.user }, t('delete'));
    del.addEventListener('click', () => {
      if (confirm(t('users.confirmDelete', { name: u.name }))) act(() => api('DELETE', `/api/users/${encodeURIComponent(u.name)}`));
    });
    return h('tr', {}, cells(cols, [u.name, role, dateTime(u.created), h('span', {}, reset, ' ', del)]));
  });
  el.append(h('section', { class: 'card' }, table(cols, rows)));
  const name = h('input', { id: 'new-user-name', autocomplete: 'off' });
  const pw = h('input', { id: 'new-user-password', type: 'password', autocomplete: 'new-password' });
  const role = h('select', { id: 'new-user-role' }, h('option', { value: 'viewer' }, t('role.viewer')), h('option', { value: 'admin' }, t('role.admin')));
  const form = h('form', { class: 'row' }, h('label', {}, t('users.user'), name), h('label', {}, t('users.password'), pw),
    h('label', {}, t('users.role'), role), h('button', { type: 'submit' }, t('users.add')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(() => api('POST', '/api/users', { name: name.value.trim(), password: pw.value, role: role.value }));
  });
  el.append(h('section', { class: 'card' }, h('h2', {}, t('users.addTitle')), form, err));
}

async function account(el, ctx) {
  const old = h('input', { type: 'password', autocomplete: 'current-password', id: 'old-password' });
  const pw = h('input', { type: 'password', autocomplete: 'new-password', id: 'new-password' });
  const msg = h('p', { role: 'alert' });
  const form = h('form', { class: 'row' }, h('label', {}, t('account.current'), old),
    h('label', {}, t('account.new'), pw), h('button', { type: 'submit' }, t('account.change')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', '/api/session/password', { old: old.value, password: pw.value });
      location.assign('/login');
    } catch (e) {
      msg.className = 'error';
      msg.textContent = e.message;
    }
  });
  ctx.title(ctx.session.user);
  el.append(h('h1', {}, ctx.session.user),
    h('p', { class: 'muted' }, t('account.role', { role: t('role.' + ctx.session.role), until: dateTime(ctx.session.expires) })),
    h('section', { class: 'card' }, h('h2', {}, t('account.title')), form, msg,
      h('p', { class: 'muted' }, t('account.note'))));
}

page({ route: 'users', nav: { key: 'nav.users', order: 90, admin: true }, render: users });
page({ route: 'account', section: '', title: 'account.title', render: account });
