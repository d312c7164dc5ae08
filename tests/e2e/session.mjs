// session.mjs - one signed-in walk through the dashboard, over browser.mjs (its checks and its
// Chromium): signing in as an account, opening a page of the dashboard, screenshots into
// SB_ARTIFACTS; the walk ends with a check that no script error happened. The environment:
// SB_URL, SB_NODE_MODULES, CHROMIUM, SB_ARTIFACTS.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { check, failures, launch } from './browser.mjs';

const env = process.env;

export async function session(run) {
  mkdirSync(env.SB_ARTIFACTS, { recursive: true });
  const { context, close } = await launch({ viewport: { width: 1280, height: 900 } });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const b = {
    page,
    check,
    async signIn(user, password) {
      await page.context().clearCookies();
      await page.goto(env.SB_URL + '/');
      await page.waitForURL(/\/login/);
      await page.fill('#user', user);
      await page.fill('#password', password);
      await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-button')]);
    },
    async open(hash, ready) {
      await page.goto(env.SB_URL + '/' + hash);
      if (ready) await page.waitForSelector(ready);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(150);
    },
    shot: (name) => page.screenshot({ path: path.join(env.SB_ARTIFACTS, name), fullPage: true }),
  };
  try {
    await run(b);
    check(errors.length === 0, 'no script error in the browser', errors.join('\n'));
  } catch (e) {
    check(false, 'the browser run went to its end', e.stack || e);
  } finally {
    await close();
  }
  process.exit(failures() ? 1 : 0);
}
