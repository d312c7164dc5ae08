// api.js - calls to the server's JSON API: the session's CSRF token on every change, errors as
// exceptions carrying the server's message, a lost session sends the browser to the sign-in page.
let csrf = null;

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setCsrf(token) {
  csrf = token;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET') {
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'the server cannot be reached');
  }
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== '/api/login') {
    location.assign('/login?next=' + encodeURIComponent(location.hash || '#/'));
    throw new ApiError(401, data.error || 'sign in first');
  }
  if (!res.ok) throw new ApiError(res.status, data.error || `${method} ${path}: ${res.status}`);
  return data;
}

export const get = (path) => api('GET', path);

// A query string from an object, leaving out empty values.
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? '?' + s : '';
}
