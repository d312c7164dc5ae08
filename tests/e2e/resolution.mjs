// resolution.mjs - the dashboard over days whose 5-minute samples are gone, in headless Chromium
// (browser.mjs launches it): an interface's week across the end of MRTG's 30-minute section and a month
// across its 2-hour and 1-day sections, drawn with the lines of each resolution as level segments
// labelled with it, the days' completeness given as their resolution, and the search and the
// overview of a day summarised at 30 minutes saying so. SB_NAME, SB_TYPE: a BORDE interface;
// SB_WEEK, SB_MONTH: JSON {from, to, resolutions: [seconds drawn], coarse: {day: resolution of its
// summary}, whole: [days the coarser lines drawn cover whole]}.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  check, failures, inkOf, launch, localMidnight, signInAs,
} from './browser.mjs';

const env = process.env;
const base = env.SB_URL;
mkdirSync(env.SB_ARTIFACTS, { recursive: true });
const { context, close } = await launch({ viewport: { width: 1440, height: 900 }, timezoneId: 'Europe/Madrid' });
const outside = [];
const errors = [];
context.on('request', (req) => { if (!req.url().startsWith(base) && !req.url().startsWith('data:')) outside.push(req.url()); });
const page = context.pages()[0] || await context.newPage();
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
const shot = (name) => page.screenshot({ path: path.join(env.SB_ARTIFACTS, name), fullPage: true });
const text = (sel) => page.textContent(sel);
async function open(hash, ready) {
  await page.goto(base + '/' + hash);
  await page.waitForSelector(ready);
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(150);
}

const label = { 300: '5 min', 1800: '30 min', 7200: '2 h', 86400: '1 día' };

async function range(what, want, file) {
  const hash = '#/iface?' + new URLSearchParams({ layer: 'BORDE', name: env.SB_NAME, type: env.SB_TYPE, from: want.from, to: want.to });
  await open(hash, '#traffic-chart canvas');
  check((await text('#resolution')) === want.resolutions.map((r) => label[r]).join(' · '),
    `${what}: the figures name the resolutions drawn`, await text('#resolution'));
  check((await page.isVisible('#coarse-note')) && (await text('#coarse-note')).includes(label[want.resolutions[want.resolutions.length - 1]]),
    `${what}: a note says the coarser lines are drawn as segments, and which`, await page.isVisible('#coarse-note') && await text('#coarse-note'));
  const legend = await page.$$eval('#traffic-chart .u-legend .u-series th', (els) => els.map((e) => e.textContent.trim()));
  const coarse = want.resolutions.filter((r) => r > 300);
  check(coarse.every((r) => legend.some((l) => l.endsWith('· ' + label[r]))), `${what}: the legend labels each coarser series with its resolution`, legend);
  const start = localMidnight(want.from), end = localMidnight(want.to) + 86400;
  const ink = [];
  for (const day of want.whole) ink.push([day, await inkOf(page, '#traffic-chart', localMidnight(day) + 13 * 3600, start, end)]);
  check(ink.length > 3 && ink.every(([, n]) => n > 0), `${what}: the days held whole by MRTG's coarser lines are drawn`, ink);
  const rows = await page.$$eval('main table tbody tr[data-resolution]', (els) => els.map((e) => [e.dataset.date, Number(e.dataset.resolution), e.lastElementChild.textContent.trim()]));
  const coarseRows = rows.filter(([d]) => d in want.coarse);
  check(coarseRows.length === Object.keys(want.coarse).length && coarseRows.every(([d, r, c]) => r === want.coarse[d] && c === label[r]),
    `${what}: each day summarised from coarser lines shows its resolution as its completeness`, rows);
  check(rows.filter(([d]) => !(d in want.coarse)).every(([, r, c]) => r === 300 && /^\d+$/.test(c.replace(/\D/g, '')) && c !== label[300]),
    `${what}: the 5-minute days keep their count of samples`, rows);
  check(await page.isVisible('#coarse-days') && /picos/.test(await text('#coarse-days')),
    `${what}: the days table says their peaks are the coarser resolution's`);
  await shot(file);
}

try {
  await signInAs(page, base, env.SB_USER, env.SB_PW);
  await range('a week across the end of the 30-minute section', JSON.parse(env.SB_WEEK), 'r1-interface-30min.png');
  await range('a month across the 2-hour and 1-day sections', JSON.parse(env.SB_MONTH), 'r2-interface-2h-1d.png');

  await open('#/find?' + new URLSearchParams({ q: 'borde', date: env.SB_COARSE_DAY }), '#find-table');
  const cells = await page.$$eval('#find-table tbody tr', (els) => els.map((e) => {
    const td = [...e.children].find((c) => c.querySelector('.res'));
    return td ? td.textContent.trim() : null;
  }));
  check(cells.length > 0 && cells.every((c) => c === '30 min'), 'the search shows a day summarised at 30 minutes as "30 min", not as its samples', cells);
  await shot('r3-find-30min.png');
  await open('#/?' + new URLSearchParams({ date: env.SB_COARSE_DAY }), 'section.card[data-layer="BORDE"]');
  const notes = await page.$$eval('section.card[data-layer] .res-note', (els) => els.map((e) => [e.closest('section').dataset.layer, e.dataset.resolution]));
  check(notes.length === 6 && notes.every(([, r]) => r === '1800'), 'each layer\'s card of that day says its summaries are at 30 minutes', notes);
  await shot('r4-overview-30min.png');
  check(outside.length === 0, 'no request left the server', outside.join('\n'));
  check(errors.length === 0, 'no script error in the browser', errors.join('\n'));
} catch (e) {
  check(false, 'the browser run went to its end', e.stack || e);
  await shot('r9-failure.png').catch(() => {});
} finally {
  await close();
}
process.exit(failures() ? 1 : 0);
