// dashboard.mjs - the dashboard end to end in headless Chromium (Debian's /usr/bin/chromium) driven
// by playwright-core: sign in, open an interface chart, edit a link as admin, see a viewer refused,
// on a desktop and on a phone screen. Prints one "ok - ..." / "not ok - ..." line per check (the
// Python wrapper serve_browser.py numbers them as TAP) and keeps screenshots in SB_ARTIFACTS.
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const env = process.env;
const base = env.SB_URL;
const artifacts = env.SB_ARTIFACTS;
const require = createRequire(path.join(env.SB_NODE_MODULES, 'noop.js'));
const { chromium } = require('playwright-core');

let failed = 0;
function check(cond, name, diag) {
  console.log(`${cond ? 'ok' : 'not ok'} - ${name}`);
  if (!cond) {
    failed++;
    if (diag !== undefined) for (const l of String(diag).split('\n').slice(0, 20)) console.log(`#   ${l}`);
  }
  return cond;
}

mkdirSync(artifacts, { recursive: true });
const profile = mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  chromiumSandbox: false,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  timeout: 60000,
});
context.setDefaultTimeout(20000);

const outside = [];
const errors = [];
context.on('request', (req) => {
  if (!req.url().startsWith(base) && !req.url().startsWith('data:')) outside.push(req.url());
});
const page = context.pages()[0] || await context.newPage();
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => {
  if (m.type() === 'error' && !/status of (401|403)/.test(m.text())) errors.push(m.text());
});
const shot = (name) => page.screenshot({ path: path.join(artifacts, name), fullPage: true });

async function signIn(user, password) {
  await page.goto(base + '/');
  await page.waitForURL(/\/login/);
  await page.fill('#user', user);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-button')]);
}

try {
  // ---- sign in ----
  await page.goto(base + '/');
  check(page.url().startsWith(base + '/login'), 'without a session the dashboard sends the browser to /login', page.url());
  await page.fill('#user', env.SB_ADMIN);
  await page.fill('#password', 'not the password');
  await page.click('#login-button');
  await page.waitForSelector('#login-error:not([hidden])');
  check((await page.textContent('#login-error')).includes('wrong'), 'a wrong password shows the server\'s message');
  await shot('01-login.png');
  await page.fill('#password', env.SB_ADMIN_PW);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-button')]);
  await page.waitForSelector('section.card[data-layer="BORDE"]');
  check(true, 'the admin signs in and sees the layers overview');
  const layers = await page.$$eval('section.card[data-layer]', (els) => els.map((e) => e.dataset.layer));
  check(['BORDE', 'BRAS', 'CACHING', 'RAI', 'IXP', 'IPBRAS'].every((l) => layers.includes(l)),
    'every layer of the example night has its card', layers.join(','));
  check(await page.isVisible('tr.short'), 'the short day is listed');
  await shot('02-overview.png');

  // ---- an interface chart ----
  await Promise.all([page.waitForSelector('#traffic-chart canvas'),
    page.click('section.card[data-layer="BORDE"] table a')]);
  const legend = await page.$$eval('#traffic-chart .u-legend .u-label', (els) => els.map((e) => e.textContent));
  check(['in avg', 'in max', 'out avg', 'out max'].every((s) => legend.includes(s)),
    'the interface chart draws in/out avg and max', legend.join(','));
  const p95 = await page.textContent('#p95-in');
  check(/\d/.test(p95) && p95.includes('Gbps'), `the 95th percentile is shown (${p95})`);
  const box = await page.$eval('#traffic-chart canvas', (c) => [c.clientWidth, c.clientHeight]);
  check(box[0] > 600 && box[1] > 200, `the chart fills the card (${box})`);
  await page.click('button:has-text("30 days")');
  await page.waitForFunction(() => document.querySelector('#range-from') &&
    document.querySelector('#range-from').value !== document.querySelector('#range-to').value);
  await page.waitForSelector('#traffic-chart canvas');
  check(true, 'the range buttons reload the chart');
  await shot('03-interface.png');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `on a phone screen nothing is wider than the screen (${overflow}px over)`);
  await shot('04-interface-phone.png');
  await page.setViewportSize({ width: 1280, height: 900 });

  // ---- reports ----
  await page.goto(base + '/#/reports');
  await page.waitForSelector('a[data-report="diario"]');
  const href = await page.getAttribute('a[data-report="diario"]', 'href');
  const xlsx = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return [r.status, r.headers.get('content-disposition')];
  }, href);
  check(xlsx[0] === 200 && xlsx[1].includes('Data_Diario_BBIP.xlsx'), 'the daily report downloads as xlsx', xlsx);

  // ---- edit a link as admin ----
  await page.goto(base + '/#/monitor/1');
  await page.waitForSelector('tr[data-link="1"] .link-name');
  await page.fill('tr[data-link="1"] .link-name', 'gateway edited');
  await page.fill('tr[data-link="1"] .link-ip', '192.0.2.77');
  await page.click('tr[data-link="1"] .link-save');
  await page.waitForFunction(() => {
    const el = document.querySelector('tr[data-link="1"] .link-name');
    return el && el.value === 'gateway edited' && document.querySelector('tr[data-link="1"] .link-ip').value === '192.0.2.77';
  });
  const conf = await page.evaluate(async () => (await fetch('/api/monitors/1/config')).json());
  check(conf.links['gateway edited'] && conf.links['gateway edited'].ip === '192.0.2.77',
    'the admin edits a link and the monitor\'s config follows', JSON.stringify(conf.links));
  await shot('05-monitor-admin.png');

  // ---- a link's probe page ----
  await page.goto(base + '/#/link?monitor=1&link=1');
  await page.waitForSelector('#rtt-chart canvas');
  check(await page.isVisible('canvas.heatmap'), 'the link page draws the RTT heat map');
  const pct = await page.textContent('#availability-pct');
  check(/%/.test(pct), `availability is shown (${pct})`);
  check(await page.isVisible('.timeline span.down'), 'the timeline shows the down period');
  check((await page.textContent('#traceroute')).includes('When the path changed'), 'traceroute hops and path changes');
  await shot('06-link.png');

  // ---- sign out, the viewer is refused ----
  await Promise.all([page.waitForURL(/\/login/), page.click('#logout')]);
  check(true, 'signing out goes back to the login page');
  await signIn(env.SB_VIEWER, env.SB_VIEWER_PW);
  await page.goto(base + '/#/monitor/1');
  await page.waitForSelector('tr[data-link="1"]');
  check(await page.$('tr[data-link="1"] .link-name') === null, 'the viewer sees the links without edit fields');
  check(!(await page.isVisible('nav a[data-nav="users"]')), 'the viewer has no Users entry');
  const refused = await page.evaluate(async () => {
    const s = await (await fetch('/api/session')).json();
    const r = await fetch('/api/monitors/1/links/1', {
      method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
      body: JSON.stringify({ name: 'viewer was here' }),
    });
    return [r.status, (await r.json()).error];
  });
  check(refused[0] === 403 && /admin/.test(refused[1]), 'a viewer\'s change is refused by the server (403)', refused);
  await page.goto(base + '/#/users');
  await page.waitForSelector('p.error');
  check((await page.textContent('#app')).includes('needs the admin role'), 'the users page tells the viewer no');
  await shot('07-viewer-refused.png');

  check(outside.length === 0, 'no request left the server (no CDN, no external asset)', outside.join('\n'));
  check(errors.length === 0, 'no script error in the browser', errors.join('\n'));
} catch (e) {
  check(false, 'the browser run went to its end', e.stack || e);
  await shot('99-failure.png').catch(() => {});
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
