// session.mjs - what the shorter browser checks share: headless Chromium (Debian's) driven by
// playwright-core from the build tree's web/node_modules, one "ok - ..." / "not ok - ..." line per
// check (the Python side numbers them as TAP), signing in, opening a page of the dashboard and
// screenshots into SB_ARTIFACTS. The environment: SB_URL, SB_NODE_MODULES, CHROMIUM, SB_ARTIFACTS.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const env = process.env;
const require = createRequire(path.join(env.SB_NODE_MODULES, 'noop.js'));
const { chromium } = require('playwright-core');

export async function session(run) {
  let failed = 0;
  const check = (cond, name, diag) => {
    console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
    if (!cond) {
      failed++;
      if (diag !== undefined) for (const l of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n').slice(0, 20)) console.log(`#   ${l}`);
    }
    return cond;
  };
  mkdirSync(env.SB_ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    viewport: { width: 1280, height: 900 },
    locale: 'es-ES',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--lang=es-ES'],
    timeout: 60000,
  });
  context.setDefaultTimeout(20000);
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
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}
