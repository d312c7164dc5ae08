// login.js - the sign-in page: posts the credentials as JSON, then goes to the dashboard.
const form = document.getElementById('login-form');
const error = document.getElementById('login-error');

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
    show(body.error || `sign-in failed (${res.status})`);
  } catch (e) {
    show('the server cannot be reached');
  } finally {
    button.disabled = false;
  }
});
