// login.js - the sign-in page: posts the credentials as JSON, then goes to the dashboard; its
// words come from the catalogue of the language chosen (Spanish unless English was).
import { initLang, setLang, t, translate } from './i18n.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
const sel = document.getElementById('lang');

function theme() {
  let v = null;
  try { v = localStorage.getItem('sb-theme'); } catch (e) { /* none kept */ }
  if (v !== 'dark' && v !== 'light') v = matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  document.documentElement.dataset.theme = v;
}

function words() {
  translate(document.body);
  document.title = `${t('login.title')} · scanbackup`;
}

theme();
sel.value = initLang();
words();
sel.addEventListener('change', () => {
  setLang(sel.value);
  words();
});

function show(msg) {
  error.textContent = msg;
  error.hidden = false;
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const button = document.getElementById('login-button');
  button.disabled = true;
  try {
    const res = await fetch('/api/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({
        user: document.getElementById('user').value.trim(),
        password: document.getElementById('password').value,
      }),
    });
    if (res.ok) {
      const next = new URLSearchParams(location.search).get('next');
      location.assign(next && next.startsWith('#/') ? '/' + next : '/');
      return;
    }
    const body = await res.json().catch(() => ({}));
    const key = res.status === 401 ? 'login.wrong' : res.status === 429 ? 'login.wait' : 'login.failed';
    show(body.error ? `${t(key)} (${body.error})` : `${t(key)} (${res.status})`);
  } catch (e) {
    show(t('err.unreachable'));
  } finally {
    button.disabled = false;
  }
});
