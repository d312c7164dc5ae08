// browser.mjs - what the browser tests share: a line "ok - NAME" or "not ok - NAME" per check
// (the Python side numbers them as TAP), Debian's Chromium launched headless through
// playwright-core (from SB_NODE_MODULES) with a fresh profile, in Spanish, and what reads the
// dashboard: signing in, a chart's ink at an instant.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let failed = 0;

// Prints the check's line, with diag under a failed one; returns cond.
export function check(cond, name, diag) {
  console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
  if (!cond) {
    failed++;
    if (diag !== undefined) for (const l of String(typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n').slice(0, 20)) console.log(`#   ${l}`);
  }
  return cond;
}

export const failures = () => failed;

// A browser context (CHROMIUM, else /usr/bin/chromium) with opts added to the defaults
// (viewport, timezoneId, acceptDownloads, ...); close() ends it and removes its profile.
export async function launch(opts = {}) {
  const require = createRequire(path.join(process.env.SB_NODE_MODULES, 'noop.js'));
  const { chromium } = require('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    locale: 'es-ES',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', '--lang=es-ES'],
    timeout: 60000,
    ...opts,
  });
  context.setDefaultTimeout(20000);
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Signs in on the dashboard at base as user.
export async function signInAs(page, base, user, password) {
  await page.goto(base + '/');
  await page.waitForURL(/\/login/);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-button')]);
}

// Clicks sel, a save button, and returns the server's answer to the PUT it sends to path (the
// URL's path): the page's fields hold what was typed before the save is answered, so a check of
// what the save changed waits for this.
export async function putBy(page, sel, path) {
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'PUT' && new URL(r.url()).pathname === path),
    page.click(sel)]);
  return answer;
}

// The unix time of a day's local midnight in the server's zone of the tests, America/Caracas
// (UTC-4 all year).
export const localMidnight = (date) => Date.parse(date + 'T00:00:00-04:00') / 1000;

// Whether a vertical strip of a chart's plot (the uPlot chart in sel, over [start, end]) at unix
// time x holds pixels of a series colour (blue or red strokes): the chart is read as drawn.
export async function inkOf(page, sel, x, start, end) {
  return page.evaluate(([sel, x, start, end]) => {
    const root = document.querySelector(sel);
    const over = root.querySelector('.u-over').getBoundingClientRect();
    const canvas = root.querySelector('canvas');
    const cr = canvas.getBoundingClientRect();
    const scale = canvas.width / cr.width;
    const px = Math.round((over.left - cr.left + ((x - start) / (end - start)) * over.width) * scale);
    const g = canvas.getContext('2d');
    const top = Math.round((over.top - cr.top) * scale), h = Math.round(over.height * scale);
    const d = g.getImageData(Math.max(0, px - 2), top, 5, h).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, gg, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
      if (a > 100 && ((b > 120 && r < 120) || (r > 150 && gg < 110 && b < 110))) ink++;
    }
    return ink;
  }, [sel, x, start, end]);
}
