// browser.mjs - what the browser tests share: a line "ok - NAME" or "not ok - NAME" per check
// (the Python side numbers them as TAP), and Debian's Chromium launched headless through
// playwright-core (from SB_NODE_MODULES) with a fresh profile, in Spanish.
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
