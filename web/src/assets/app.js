// app.js - the dashboard: the session, the hash router over the page registry (pages.js), the
// navigation, language and theme, each page's own refresh and the line saying when it last did.
import { api, get, setCsrf } from './api.js';
import { clear, errorBox, h } from './dom.js';
import { initLang, lang, setLang, setZone, t, timeSec, translate, zoneLabel } from './i18n.js';
import { navPages, pageOf } from './pages.js';
import './pages/overview.js';
import './pages/find.js';
import './pages/iface.js';
import './pages/reports.js';
import './pages/monitors.js';
import './pages/map.js';
import './pages/alerts.js';
import './pages/users.js';

const app = document.getElementById('app');
const nav = document.getElementById('nav');
const status = document.getElementById('status');
let session = null;
let generation = 0;
let shown = null; // {def, route, at (ms), busy, view}

// ---- theme ----

const THEME = 'sb-theme';
function theme() {
  let v = null;
  try { v = localStorage.getItem(THEME); } catch (e) { /* none kept */ }
  if (v !== 'dark' && v !== 'light') v = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  return v;
}
function applyTheme(v) {
  document.documentElement.dataset.theme = v;
}

// ---- the route ----

function parse() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, query = ''] = hash.split('?');
  const [name, ...rest] = pathPart.split('/');
  return { name, args: rest.map(decodeURIComponent), params: new URLSearchParams(query), hash };
}

function buildNav(active) {
  clear(nav);
  for (const p of navPages(session.role === 'admin')) {
    nav.append(h('a', {
      href: '#/' + p.route, dataset: { nav: p.route },
      class: p.route === active ? 'active' : null, 'aria-current': p.route === active ? 'page' : null,
    }, t(p.nav.key)));
  }
}

function showStatus(extra, cls) {
  clear(status);
  const def = shown && shown.def;
  if (shown && shown.at) {
    status.append(h('span', { id: 'updated' }, t('status.updated', { time: timeSec(shown.at / 1000) })));
    if (def && def.refresh) status.append(h('span', {}, ' · ' + t('status.every', { s: def.refresh })));
    status.append(' · ', h('button', { class: 'link', id: 'refresh-now', onclick: () => render(true) }, t('status.now')));
  }
  status.append(h('span', { class: 'zone' }, t('status.zone', { zone: zoneLabel() })));
  if (extra) status.append(h('span', { class: cls || 'error', role: cls ? null : 'alert', id: 'status-error' }, extra));
}

// Renders the page of the URL into a new view; a refresh (again) keeps the old one shown until
// the new one is ready, and keeps it when the new one fails (saying so).
async function render(again) {
  const r = parse();
  const def = pageOf(r.name);
  const mine = ++generation;
  buildNav(def ? def.section : null);
  const view = h('div', { class: 'view' });
  const old = shown && shown.view && shown.view.isConnected ? shown.view : null;
  const ctx = {
    session,
    params: r.params,
    args: r.args,
    admin: session.role === 'admin',
    again: !!again,
    current: () => mine === generation,
    title: (s) => { if (mine === generation) document.title = `${s} · scanbackup`; },
    // a new state of the page in the URL: go() shows it, keep() only records it (zoom, selection)
    go: (params, route = r.name) => { location.hash = `#/${route}${params && [...params].length ? '?' + params : ''}`; },
    keep: (params) => { history.replaceState(null, '', `#/${r.name}${[...params].length ? '?' + params : ''}`); },
  };
  if (again && old) {
    view.classList.add('pending');
    app.append(view);
  } else {
    clear(app).append(view);
  }
  shown = { def, at: shown && again ? shown.at : 0, busy: true, view: again && old ? old : view };
  let failed = null;
  if (!def) {
    ctx.title(t('notfound.title'));
    view.append(h('h1', {}, t('notfound.title')), errorBox({ status: 404, message: t('notfound.page', { page: r.hash }) }));
  } else {
    ctx.title(t(def.title || (def.nav && def.nav.key) || 'app'));
    try {
      await def.render(view, ctx);
    } catch (e) {
      failed = e;
    }
  }
  if (mine !== generation) {
    if (view !== shown.view) view.remove();
    return;
  }
  if (failed && failed.status === 401) return;
  if (failed && again && old) {
    view.remove();
    shown = { def, at: shown.at, busy: false, view: old };
    showStatus(t('status.failed', { msg: failed.message || String(failed) }));
    return;
  }
  if (failed) view.append(errorBox(failed));
  if (old && old !== view) old.remove();
  view.classList.remove('pending');
  shown = { def, at: Date.now(), busy: false, view };
  showStatus();
}

// Each page refreshes itself every def.refresh seconds while the tab is visible and nobody is
// typing in it.
setInterval(() => {
  if (!shown || shown.busy || !shown.def || !shown.def.refresh || document.hidden) return;
  const a = document.activeElement;
  if (a && app.contains(a) && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName)) return;
  if (Date.now() - shown.at >= shown.def.refresh * 1000) render(true);
}, 1000);

function tools() {
  const sel = document.getElementById('lang');
  sel.value = lang();
  sel.addEventListener('change', () => {
    setLang(sel.value);
    translate(document.body);
    document.getElementById('who').textContent = `${session.user} (${t('role.' + session.role)})`;
    render(false);
  });
  const th = document.getElementById('theme');
  const label = () => {
    const dark = document.documentElement.dataset.theme === 'dark';
    th.textContent = dark ? t('theme.light') : t('theme.dark');
    th.setAttribute('aria-pressed', dark ? 'true' : 'false');
  };
  label();
  th.addEventListener('click', () => {
    const v = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    try { localStorage.setItem(THEME, v); } catch (e) { /* none kept */ }
    applyTheme(v);
    label();
    render(false);
  });
  document.getElementById('lang').addEventListener('change', label);
}

async function start() {
  applyTheme(theme());
  initLang();
  translate(document.body);
  try {
    session = await get('/api/session');
  } catch (e) {
    clear(app).append(errorBox(e));
    return;
  }
  setCsrf(session.csrf);
  setZone(session.timezone);
  const who = document.getElementById('who');
  who.textContent = `${session.user} (${t('role.' + session.role)})`;
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout').catch(() => {});
    location.assign('/login');
  });
  tools();
  window.addEventListener('hashchange', () => render(false));
  render(false);
}

start();
