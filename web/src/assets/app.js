// app.js - the dashboard: the session, the hash router and the navigation; pages live in pages/.
import { api, get, setCsrf } from './api.js';
import { clear, h, message } from './dom.js';
import { overviewPage, interfacePage } from './pages/traffic.js';
import { reportsPage } from './pages/reports.js';
import { monitorsPage, monitorPage, linkPage } from './pages/monitors.js';
import { usersPage, accountPage } from './pages/users.js';

const routes = {
  '': ['overview', overviewPage],
  iface: ['overview', interfacePage],
  reports: ['reports', reportsPage],
  monitors: ['monitors', monitorsPage],
  monitor: ['monitors', monitorPage],
  link: ['monitors', linkPage],
  users: ['users', usersPage],
  account: ['', accountPage],
};

const app = document.getElementById('app');
let session = null;
let generation = 0;

async function render() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, query = ''] = hash.split('?');
  const [name, ...rest] = pathPart.split('/');
  const route = routes[name] || null;
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('active', route !== null && a.dataset.nav === route[0]);
  const mine = ++generation;
  clear(app);
  if (!route) {
    app.append(h('h1', {}, 'Not found'), message('No page ' + hash));
    return;
  }
  const ctx = {
    session,
    params: new URLSearchParams(query),
    args: rest.map(decodeURIComponent),
    admin: session.role === 'admin',
    tz: session.timezone || undefined,
    // true while this page is still the one shown (answers of a page left are dropped)
    current: () => mine === generation,
  };
  try {
    await route[1](app, ctx);
  } catch (e) {
    if (mine === generation && e.status !== 401)
      app.append(message(e.message || String(e), 'error'));
  }
}

async function start() {
  try {
    session = await get('/api/session');
  } catch (e) {
    clear(app).append(message(e.message, 'error'));
    return;
  }
  setCsrf(session.csrf);
  document.getElementById('who').textContent = `${session.user} (${session.role})`;
  for (const el of document.querySelectorAll('.admin-only')) el.hidden = session.role !== 'admin';
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout').catch(() => {});
    location.assign('/login');
  });
  window.addEventListener('hashchange', render);
  render();
}

start();
