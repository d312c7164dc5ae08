// alerts.mjs - the Alerts page in headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core: the alerts firing now and the changes of a period as /api/alerts gives them
// (SB_WANT: rule, subject and states), Spanish first, the state filter kept in the URL, English
// from the same catalogue. Prints one "ok - ..." / "not ok - ..." line per check (alerts.py
// numbers them as TAP) and keeps a screenshot in SB_ARTIFACTS.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { check, failures, launch } from './browser.mjs';

const env = process.env;
const want = JSON.parse(env.SB_WANT);
const base = env.SB_URL;

mkdirSync(env.SB_ARTIFACTS, { recursive: true });
const { context, close } = await launch({ viewport: { width: 1280, height: 900 } });
const errors = [];
const page = context.pages()[0] || await context.newPage();
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
const states = (sel) => page.locator(`${sel} tbody tr`).evaluateAll((rows) => rows.map((r) => r.dataset.state));
const cellsOf = (sel) => page.locator(`${sel} tbody tr`).allTextContents();

try {
  await page.goto(base + '/');
  await page.waitForURL(/\/login/);
  await page.fill('#user', env.SB_USER);
  await page.fill('#password', env.SB_PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-button')]);

  await page.goto(`${base}/#/alerts?from=${want.from}&to=${want.to}&rule=${want.rule}`);
  await page.waitForSelector('#alerts-changes');
  await page.waitForLoadState('networkidle');
  check((await page.textContent('#nav a.active')).trim() === 'Alertas', 'the Alerts page has its entry in the bar, in Spanish',
    await page.textContent('#nav'));
  const all = await states('#alerts-changes');
  check(JSON.stringify(all) === JSON.stringify(want.states), 'every change of the period, newest first, as the API gives them',
    JSON.stringify(all));
  const rows = await cellsOf('#alerts-changes');
  check(rows.length > 0 && rows.every((r) => r.includes(want.rule) && r.includes(want.subject)),
    'each row names the rule and the subject', rows[0]);
  check(rows.some((r) => r.includes('activa')) && rows.some((r) => r.includes('resuelta')),
    'both states shown, in Spanish', rows.join(' | '));
  const firing = await states('#alerts-firing');
  check(firing.length === want.firing, 'the alerts firing now', JSON.stringify(firing));
  await page.screenshot({ path: path.join(env.SB_ARTIFACTS, 'alerts.png'), fullPage: true });

  await page.selectOption('#alerts-state', 'resolved');
  await Promise.all([page.waitForURL(/state=resolved/), page.click('#alerts-filters button[type=submit]')]);
  await page.waitForSelector('#alerts-changes');
  await page.waitForLoadState('networkidle');
  const resolved = await states('#alerts-changes');
  check(resolved.length === want.states.filter((s) => s === 'resolved').length && resolved.every((s) => s === 'resolved'),
    'the state filter: resolved changes only, kept in the URL', JSON.stringify(resolved));

  await page.evaluate(() => localStorage.setItem('sb-lang', 'en'));
  await page.reload();
  await page.waitForSelector('#alerts-changes');
  await page.waitForLoadState('networkidle');
  const en = await page.textContent('#alerts-changes');
  check(/Changes of state from/.test(en) && /resolved/.test(en), 'the page in English from its catalogue', en.slice(0, 200));
  check(errors.length === 0, 'no error in the page', errors.join('\n'));
} catch (e) {
  check(false, 'the page ran to its end', String(e && e.stack || e));
} finally {
  await close();
}
process.exit(failures() ? 1 : 0);
