// users.js - the users page (admins: add, change role, reset password, delete) and one's own account.
import { api, get } from '../api.js';
import { h, table, when } from '../dom.js';

export async function usersPage(app, ctx) {
  if (!ctx.admin) {
    app.append(h('h1', {}, 'Users'), h('p', { class: 'error' }, 'This page needs the admin role.'));
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
  app.append(h('h1', {}, 'Users'));
  const rows = data.users.map((u) => {
    const role = h('select', { 'aria-label': 'role' }, ['viewer', 'admin'].map((r) => h('option', { value: r, selected: r === u.role }, r)));
    role.addEventListener('change', () => act(() => api('PUT', `/api/users/${encodeURIComponent(u.name)}`, { role: role.value })));
    const reset = h('button', { class: 'secondary' }, 'Set password');
    reset.addEventListener('click', () => {
      const pw = prompt(`New password for ${u.name} (8 characters at least)`);
      if (pw) act(() => api('PUT', `/api/users/${encodeURIComponent(u.name)}`, { password: pw }));
    });
    const del = h('button', { class: 'danger', disabled: u.name === ctx.session.user }, 'Delete');
    del.addEventListener('click', () => {
      if (confirm(`Delete ${u.name}?`)) act(() => api('DELETE', `/api/users/${encodeURIComponent(u.name)}`));
    });
    return h('tr', {}, h('td', {}, u.name), h('td', {}, role), h('td', {}, when(u.created, ctx.tz)), h('td', {}, reset, ' ', del));
  });
  app.append(h('section', { class: 'card' }, table(['User', 'Role', 'Since', ''], rows)));
  const name = h('input', { id: 'new-user-name', autocomplete: 'off' });
  const pw = h('input', { id: 'new-user-password', type: 'password', autocomplete: 'new-password' });
  const role = h('select', { id: 'new-user-role' }, h('option', { value: 'viewer' }, 'viewer'), h('option', { value: 'admin' }, 'admin'));
  const form = h('form', { class: 'row' }, h('label', {}, 'User', name), h('label', {}, 'Password', pw),
    h('label', {}, 'Role', role), h('button', { type: 'submit' }, 'Add user'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(() => api('POST', '/api/users', { name: name.value.trim(), password: pw.value, role: role.value }));
  });
  app.append(h('section', { class: 'card' }, h('h2', {}, 'Add a user'), form, err));
}

export async function accountPage(app, ctx) {
  const old = h('input', { type: 'password', autocomplete: 'current-password', id: 'old-password' });
  const pw = h('input', { type: 'password', autocomplete: 'new-password', id: 'new-password' });
  const msg = h('p', { role: 'alert' });
  const form = h('form', { class: 'row' }, h('label', {}, 'Current password', old),
    h('label', {}, 'New password', pw), h('button', { type: 'submit' }, 'Change'));
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
  app.append(h('h1', {}, ctx.session.user),
    h('p', { class: 'muted' }, `Role ${ctx.session.role}; session until ${when(ctx.session.expires, ctx.tz)}.`),
    h('section', { class: 'card' }, h('h2', {}, 'Change your password'), form, msg,
      h('p', { class: 'muted' }, 'Changing it signs you out everywhere.')));
}
