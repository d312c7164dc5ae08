// dashboard.mjs - the dashboard end to end in headless Chromium (Debian's /usr/bin/chromium)
// driven by playwright-core, in one browser session: finding ports (search, natural order, sorts,
// top list with its tie-break, totals, ports drawn together, permalinks, CSV and PNG named after
// their period, the reports' newest day), trusting what is shown (gaps as gaps, the axis over the
// range asked for, no data / no reply / stale / not yet each their look, the page refreshing
// itself and saying when, 404 pages, an error message instead of a blank page), reading it (units
// per value named in the headers, 24-hour times, the zone, one locale, traceroute paths dated
// from when they began, the heat map's loss and median or highest, the RTT band), Spanish first
// with English selectable from one catalogue each, a phone screen, the dark theme, text contrast,
// a text summary per chart and a title per page; then the admin's and the viewer's rights.
// Prints one "ok - ..." / "not ok - ..." line per check (serve_browser.py numbers them as TAP)
// and keeps screenshots in SB_ARTIFACTS.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  check, failures, inkOf, launch, localMidnight, putBy, signInAs,
} from './browser.mjs';

const env = process.env;
const base = env.SB_URL;
const D = env.SB_DATE;
const artifacts = env.SB_ARTIFACTS;

mkdirSync(artifacts, { recursive: true });
const DESK = { width: 1440, height: 900 }, PHONE = { width: 390, height: 844 };
const { context, close } = await launch({ viewport: DESK, timezoneId: 'Europe/Madrid', acceptDownloads: true });

const outside = [];
const errors = [];
context.on('request', (req) => {
  if (!req.url().startsWith(base) && !req.url().startsWith('data:') && !req.url().startsWith('blob:')) outside.push(req.url());
});
const page = context.pages()[0] || await context.newPage();
const watch = (p) => {
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => {
    if (m.type() === 'error' && !/status of (400|401|403|404)/.test(m.text())) errors.push(m.text());
  });
};
watch(page);
const shot = (name, p = page) => p.screenshot({ path: path.join(artifacts, name), fullPage: true });
const text = (sel) => page.textContent(sel);
const settle = async (p = page) => { await p.waitForLoadState('networkidle'); await p.waitForTimeout(150); };
async function open(hash, ready, p = page) {
  await p.goto(base + '/' + hash);
  if (ready) await p.waitForSelector(ready);
  await settle(p);
}
async function download(click, p = page) {
  const [dl] = await Promise.all([p.waitForEvent('download'), click()]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), body: file ? readFileSync(file) : Buffer.alloc(0) };
}

// Text contrast of every visible text on the page against what is behind it (WCAG 2 ratio;
// 3:1 for large text); disabled controls are exempt.
async function contrast(p = page) {
  return p.evaluate(() => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c || '');
      if (!m) return null;
      const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
    };
    const lum = (c) => {
      const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
    const behind = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (cs.backgroundImage && cs.backgroundImage !== 'none') return null;
        const c = parse(cs.backgroundColor);
        if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
      }
      let b = { r: 255, g: 255, b: 255, a: 1 };
      for (let i = layers.length - 1; i >= 0; i--) b = over(layers[i], b);
      return b;
    };
    const bad = [];
    let n = 0;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const el = node.parentElement;
      if (!el || el.closest('[hidden], option, script, style, .sr, .skip, :disabled, button[disabled]')) continue;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') continue;
      const bg = behind(el);
      if (!bg) continue;
      const fg = over(parse(cs.color), bg);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
      const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
      n++;
      if (ratio < need) bad.push(`${ratio.toFixed(2)} < ${need}: "${node.textContent.trim().slice(0, 40)}" (${cs.color} on rgb(${Math.round(bg.r)},${Math.round(bg.g)},${Math.round(bg.b)}))`);
    }
    return { n, bad };
  });
}

// Nothing wider than the screen: the page does not scroll sideways and no element pokes out.
async function fits(p = page) {
  return p.evaluate(() => {
    const w = window.innerWidth;
    const over = [];
    for (const el of document.querySelectorAll('main *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > w + 1 || r.left < -1) && !el.closest('.scroll') && getComputedStyle(el).position !== 'absolute') over.push(`${el.tagName}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
    return { scroll: document.documentElement.scrollWidth - w, over: over.slice(0, 5) };
  });
}

const inkAt = (sel, x, start, end, p = page) => inkOf(p, sel, x, start, end);
const signIn = (user, password) => signInAs(page, base, user, password);

try {
  // ---- sign in: Spanish by default ----
  await page.goto(base + '/');
  check(page.url().startsWith(base + '/login'), 'without a session the dashboard sends the browser to /login', page.url());
  await page.waitForSelector('#login-button');
  check((await text('#login-button')).trim() === 'Entrar' && await page.getAttribute('html', 'lang') === 'es',
    'the sign-in page speaks Spanish by default', await text('#login-button'));
  await page.fill('#user', env.SB_ADMIN);
  await page.fill('#password', 'not the password');
  await page.click('#login-button');
  await page.waitForSelector('#login-error:not([hidden])');
  check(/incorrect/.test(await text('#login-error')), 'a wrong password is said in Spanish, with the server\'s words', await text('#login-error'));
  await shot('01-login.png');
  await page.fill('#password', env.SB_ADMIN_PW);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-button')]);
  await page.waitForSelector('section.card[data-layer="BORDE"]');
  await settle();

  // ---- the overview ----
  const layers = await page.$$eval('section.card[data-layer]', (els) => els.map((e) => e.dataset.layer));
  check(['BORDE', 'BRAS', 'CACHING', 'RAI', 'IXP', 'IPBRAS'].every((l) => layers.includes(l)), 'every layer has its card', layers);
  check((await text('#nav a.active')).trim() === 'Tráfico' && (await page.title()).startsWith('Tráfico ' + D),
    'the navigation and the title are Spanish and name the page and its day', await page.title());
  const topNames = await page.$$eval('section[data-layer="BORDE"] table.toplist tbody tr', (els) => els.map((e) => e.dataset.name));
  const cut = async () => page.$$eval('section[data-layer] table td, section[data-layer] table th', (els) => els.filter((e) => {
    const card = e.closest('section').getBoundingClientRect(), r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > card.right + 1 || r.left < card.left - 1);
  }).map((e) => e.textContent.trim()).slice(0, 5));
  check(JSON.stringify(topNames.slice(0, 3)) === JSON.stringify(JSON.parse(env.SB_TOP)), 'the top list breaks the tie at 99.8 % by peak, then name', { got: topNames, want: env.SB_TOP });
  check(/con datos del día/.test(await text('[data-totals="BORDE"]')) && /Gbps/.test(await text('[data-totals="BORDE"]')),
    'each layer shows its totals', await text('[data-totals="BORDE"]'));
  await page.click('section[data-layer="BORDE"] details summary');
  const routers = await page.$$eval('section[data-layer="BORDE"] table.routers tbody tr', (els) => els.map((e) => e.textContent));
  check(routers.some((r) => r.includes('TST-R1') && r.includes('60 / 60')), 'and the totals of each of its routers', routers);
  check(await page.isVisible('tr.short'), 'the short day is listed');
  await page.click('section[data-layer="BORDE"] details[data-forecast] summary');
  await page.waitForSelector('section[data-layer="BORDE"] table.forecast tbody tr');
  const fc = await page.$$eval('section[data-layer="BORDE"] table.forecast tbody tr', (els) => els.map((e) => e.textContent));
  check(fc.length > 0 && fc.every((r) => r.includes('pocos días')),
    'the capacity forecast lists the layer\'s interfaces with samples, in Spanish: one night is too few days for a line', fc.slice(0, 3));
  await page.click('section[data-layer="BORDE"] table.forecast th button[data-sort="name"]');
  const fcNames = await page.$$eval('section[data-layer="BORDE"] table.forecast tbody tr', (els) => els.map((e) => e.dataset.name));
  check(fcNames.length === fc.length && fcNames.every((n, i) => i === 0 || fcNames[i - 1] <= n), 'and sorts by a column', fcNames.slice(0, 3));
  let clipped = await cut();
  check(clipped.length === 0, 'every column of the layers\' tables, Use % included, is inside its card', clipped);
  await shot('02-overview.png');
  const status = await text('#status');
  check(/Actualizado a las \d\d:\d\d:\d\d/.test(status) && /America\/Caracas \(UTC−04:00\)/.test(status) && !/\b[AP]M\b|a\. ?m\.|p\. ?m\./i.test(status),
    'the page says when it was updated, in 24-hour time, and the time zone', status);

  // ---- find: search, natural order, sorts, pages, CSV, picking ports ----
  await page.fill('#overview-search', 'trunk1');
  await page.press('#overview-search', 'Enter');
  await page.waitForSelector('#find-table');
  await settle();
  check(page.url().includes('#/find?') && page.url().includes('q=trunk1'), 'the overview\'s search box opens the search', page.url());
  let names = await page.$$eval('#find-table tbody tr', (els) => els.map((e) => e.dataset.name));
  const nat = names.filter((n) => n.startsWith('TST-R1'));
  check(nat.slice(0, 3).join('|') === 'TST-R1 TRUNK1|TST-R1 TRUNK10|TST-R1 TRUNK11' && nat.length === 11,
    'the search finds the eleven TRUNK1x ports, TRUNK1 first', nat);
  await page.fill('#find-q', 'tst-r1');
  await page.waitForFunction(() => document.querySelector('#find-count') && /de 60 /.test(document.querySelector('#find-count').textContent));
  check(page.url().includes('q=tst-r1'), 'typing searches as it goes and keeps the words in the address', page.url());
  names = await page.$$eval('#find-table tbody tr', (els) => els.map((e) => e.dataset.name));
  check(names.indexOf('TST-R1 TRUNK2') < names.indexOf('TST-R1 TRUNK10'), 'TRUNK2 comes before TRUNK10', names.slice(0, 12));
  await page.click('#find-table th button[data-sort="use"]');
  await page.waitForFunction(() => location.hash.includes('sort=use'));
  await page.waitForSelector('#find-table th[aria-sort="descending"] button[data-sort="use"]');
  await settle();
  names = await page.$$eval('#find-table tbody tr', (els) => els.map((e) => e.dataset.name));
  check(JSON.stringify(names.slice(0, 3)) === JSON.stringify(JSON.parse(env.SB_TOP)), 'a column header sorts by it, ties broken by peak then name', names.slice(0, 4));
  const heads = await page.$$eval('#find-table thead th', (els) => els.map((e) => e.textContent));
  check(heads.some((x) => x.includes('In Prom (bit/s)')) && heads.some((x) => x.includes('Uso (%)')), 'column headers name their units', heads);
  await page.click('#page-next');
  await page.waitForFunction(() => /51–60 de 60/.test(document.querySelector('#find-count')?.textContent || ''));
  check(page.url().includes('page=1'), 'the second page of 50, in the address', page.url());
  const csv = await download(() => page.click('#find-csv'));
  const csvRows = csv.body.toString().trim().split(/\r?\n/);
  check(csv.name === `interfaces_${D}.csv` && csvRows.length === 61 && csvRows[1].includes('TST-R1 TRUNK10'),
    'the CSV holds every match in the list\'s order, named after its day', [csv.name, csvRows.length, csvRows[1]]);
  await page.click('#page-prev');
  await page.waitForFunction(() => /1–50 de 60/.test(document.querySelector('#find-count')?.textContent || ''));
  await page.check('#find-table tr[data-name="TST-R1 TRUNK10"] input[type=checkbox]');
  await page.fill('#find-q', 'rai-ccs');
  await page.waitForSelector('#find-table tr[data-name^="RAI-CCS-01"]');
  await page.check('#find-table tr[data-name^="RAI-CCS-01"] input[type=checkbox]');
  check((await page.$$('#picked .chip')).length === 2 && new URL(page.url()).hash.split('sel=').length === 3, 'two ports picked, kept in the address', page.url());
  const oneG = await page.$eval('#find-table tr[data-name^="RAI-CCS-01"]', (e) => e.textContent);
  const want1g = `${(Number(env.SB_ONE_G) * 1000).toLocaleString('es-VE', { maximumFractionDigits: 0 })} Mbps`;
  check(oneG.includes(want1g), `a 1 Gbps port's average reads in Mbps (${want1g}), not 0,xx Gbps`, oneG);
  const findUrl = page.url();
  await shot('03-find.png');
  await page.setViewportSize(PHONE);
  await settle();
  let f = await fits();
  check(f.scroll <= 0 && f.over.length === 0, 'on a phone the search results fit the screen (rows become blocks)', f);
  await shot('04-find-phone.png');
  await page.setViewportSize(DESK);
  await page.goto('about:blank');
  await page.goto(findUrl);
  await page.waitForSelector('#find-table');
  await settle();
  check(await page.inputValue('#find-q') === 'rai-ccs' && (await page.$$('#picked .chip')).length === 2,
    'the permalink of the search brings back its words and its picked ports', page.url());

  // ---- ports on one chart ----
  await page.click('#compare');
  await page.waitForSelector('#compare-chart canvas');
  await settle();
  let legend = await page.$$eval('#compare-chart .u-legend .u-label', (els) => els.map((e) => e.textContent));
  check(legend.filter((l) => l.includes('TST-R1 TRUNK10') || l.includes('RAI-CCS-01')).length === 4, 'two ports, in and out each, on one chart', legend);
  check((await text('#compare-summary')).includes('RAI-CCS-01'), 'the joint chart has its text summary', await text('#compare-summary'));
  const png = await download(() => page.click('[data-export="png"]'));
  check(/^compare_2_\d{4}-\d\d-\d\d(_\d{4}-\d\d-\d\d)?\.png$/.test(png.name) && png.body.slice(1, 4).toString() === 'PNG',
    'the chart downloads as a PNG named after its period', png.name);
  await shot('05-compare.png');

  // ---- an interface: the hole drawn as a hole, the axis over the range asked for ----
  const bqt = 'RAI-BQT-01 XGEI-0/1/0/3 - CLIENTE UNIVERSIDAD CENTRAL';
  const prev = new Date(Date.parse(D + 'T12:00:00Z') - 86400e3).toISOString().slice(0, 10);
  const ifaceHash = '#/iface?' + new URLSearchParams({ layer: 'RAI', name: bqt, type: 'ZTE', from: prev, to: D });
  await open(ifaceHash, '#traffic-chart canvas');
  const start = localMidnight(prev), end = localMidnight(D) + 86400;
  const noon = localMidnight(D) + 11 * 3600, six = localMidnight(D) + 6 * 3600, before = localMidnight(prev) + 12 * 3600;
  const inkHole = await inkAt('#traffic-chart', noon, start, end), inkSix = await inkAt('#traffic-chart', six, start, end);
  check(inkSix > 0 && inkHole === 0, `the 3.5-hour hole is drawn as a hole (ink at 06:00: ${inkSix}, at 11:00: ${inkHole})`);
  check(await inkAt('#traffic-chart', before, start, end) === 0 && (await text('#samples')).includes('246 / 576'),
    'the axis covers the two days asked for, though only the second has data', await text('#samples'));
  check(/2 huecos/.test(await text('#traffic-summary')) && /de 2026-11-20 09:25 a 12:55 \(3 h 30 min\)/.test(await text('#traffic-summary')),
    'the chart\'s summary names the holes: the day without data and the 3.5 hours', await text('#traffic-summary'));
  check((await page.title()).startsWith(bqt), 'the page title is the interface', await page.title());
  check(/Capacidad 10 Gbps/.test(await text('main')), 'its capacity in its unit');
  const body = await page.textContent('main');
  check(!/\d\.\d+ (Gbps|Mbps|kbps|ms|µs)/.test(body) && /\d,\d+ (Gbps|Mbps)/.test(body), 'numbers in one locale: decimal commas only', body.match(/\d[.,]\d+ [GMk]bps/g));
  // zoom by dragging: the address keeps it
  const over = await page.$eval('#traffic-chart .u-over', (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; });
  await page.mouse.move(over[0] + over[2] * 0.55, over[1] + over[3] / 2);
  await page.mouse.down();
  await page.mouse.move(over[0] + over[2] * 0.8, over[1] + over[3] / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => location.hash.includes('zoom='));
  const zoomed = page.url();
  check(await page.isVisible('[data-action="unzoom"]'), 'dragging zooms in, and offers the whole range back');
  const csv2 = await download(() => page.click('[data-export="csv"]'));
  const z = /zoom=(\d+)-(\d+)/.exec(zoomed);
  const lines = csv2.body.toString().trim().split(/\r?\n/).slice(1).map((l) => Number(l.split(',')[1]));
  check(/^RAI-BQT-01_XGEI-0_1_0_3_-_CLIENTE_UNIVERSIDAD_CENTRAL_\d{4}-\d\d-\d\d_\d{4}_\d{4}-\d\d-\d\d_\d{4}\.csv$/.test(csv2.name) &&
    lines.length > 10 && lines.every((x) => x >= Number(z[1]) && x <= Number(z[2])),
    'the CSV holds the samples shown (the zoom), named after their period', [csv2.name, lines.length]);
  await page.goto('about:blank');
  await page.goto(zoomed);
  await page.waitForSelector('#traffic-chart canvas');
  await settle();
  check(await page.isVisible('[data-action="unzoom"]') && (await page.inputValue('#range-from')) === prev,
    'the permalink brings back the range and the zoom');
  await shot('06-interface.png');
  await page.setViewportSize(PHONE);
  await settle();
  f = await fits();
  check(f.scroll <= 0 && f.over.length === 0, 'on a phone the interface page fits the screen', f);
  await shot('07-interface-phone.png');
  await page.setViewportSize(DESK);

  // ---- 404 and errors ----
  await open('#/iface?layer=BORDE&name=NO-SUCH-ROUTER%20XE-9%2F9', '.errorbox');
  check((await text('h1')) === 'Interfaz no encontrada' && !/Capacidad/.test(await text('main')) && (await page.title()).startsWith('Interfaz no encontrada'),
    'an unknown interface gets a not-found page, no "capacity 0"', await text('main'));
  await shot('08-interface-404.png');
  await open(`#/iface?layer=RAI&name=${encodeURIComponent(bqt)}&from=${D}&to=${prev}`, '.errorbox');
  check(await page.isVisible('#range-from') && /from is after to/.test(await text('.errorbox')),
    'a refused range shows the server\'s message under the range controls, not a blank page', await text('.errorbox'));
  await open('#/link?monitor=1&link=99', '.errorbox');
  check((await text('h1')) === 'Enlace no encontrado', 'an unknown link gets a not-found page', await text('h1'));
  await open('#/nowhere', '.errorbox');
  check((await text('h1')) === 'Página no encontrada' && (await page.title()).startsWith('Página no encontrada'), 'an unknown page too');

  // ---- reports ----
  await open('#/reports', 'a[data-report="diario"]');
  check(await page.inputValue('#report-date') === D, 'the reports page offers the newest day with data', await page.inputValue('#report-date'));
  const xlsx = await download(() => page.click('a[data-report="diario"]'));
  check(xlsx.name === `Data_Diario_BBIP_${D}.xlsx` && xlsx.body.slice(0, 2).toString() === 'PK', 'the workbook downloads named after its period', xlsx.name);
  await page.fill('#report-date', '2020-01-01');
  await page.click('a[data-report="diario"]');
  await page.waitForSelector('#report-status .errorbox');
  check(/no data for 2020-01-01/.test(await text('#report-status')),
    'a day without data: the server\'s words on the page, no empty workbook', await text('#report-status'));
  await page.fill('#report-date', D);
  await page.check('#report-segunda');
  const [dy, dm] = D.split('-').map(Number);
  const monthEnd = new Date(Date.UTC(dy, dm, 0)).toISOString().slice(0, 10);
  check(!/segunda/.test(await page.getAttribute('a[data-report="diario"]', 'href')),
    'the second fortnight is asked of quincenal only', await page.getAttribute('a[data-report="diario"]', 'href'));
  const fortnight = await download(() => page.click('a[data-report="quincenal"]'));
  check(fortnight.name === `Data_Quincenal_Segunda_BBIP_${D.slice(0, 8)}16_${monthEnd}.xlsx` && fortnight.body.slice(0, 2).toString() === 'PK',
    'the second fortnight downloads under its own name, days 16 to the month\'s end', fortnight.name);
  check(await text('#report-status') === '', 'a good download clears the last refusal', await text('#report-status'));
  await shot('09-reports.png');

  // ---- monitors: stale, silent, the page refreshing itself ----
  await open('#/monitors', 'section[data-monitor="1"]');
  const states = await page.$$eval('section[data-monitor="1"] tr[data-link]', (els) => els.map((e) => e.querySelector('[data-state]')?.dataset.state));
  check(JSON.stringify(states) === '["up","stale","up"]', 'a link whose results stopped 20 minutes ago (ping every 5) is stale, not up', states);
  check(await page.getAttribute('section[data-monitor="2"] [data-box]', 'data-box') === 'silent' && await page.isVisible('section[data-monitor="2"].flagged'),
    'a box silent for an hour (interval 1 min) is flagged');
  check((await text('section[data-monitor="1"] tr[data-link="3"]')).match(/(^|\D)45(,0)? µs/), 'a loopback RTT reads 45 µs, not 0.0 ms', await text('section[data-monitor="1"] tr[data-link="3"]'));
  const looks = await page.$eval('[data-state="stale"]', (e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderStyle]);
  const upLook = await page.$eval('[data-state="up"]', (e) => getComputedStyle(e).backgroundColor);
  check(looks[0] !== upLook && looks[1] === 'dashed', 'stale looks unlike up', [looks, upLook]);
  await shot('10-monitors.png');
  // a second tab with a fake clock: the page refreshes itself and picks up the link's new result
  const tab = await context.newPage();
  watch(tab);
  await tab.clock.install();
  await open('#/monitors', 'section[data-monitor="1"]', tab);
  const first = await tab.textContent('#updated');
  const now = Math.floor(Date.now() / 1000);
  const stamp = new Date(now * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const res = await fetch(`${base}/api/monitors/1/results`, {
    method: 'POST', headers: { Authorization: 'Bearer ' + env.SB_TOKEN, 'Content-Type': 'text/plain' },
    body: `2\t${stamp}\tping\t192.0.2.2\t7\t0\t3\t3\n`,
  });
  check(res.status === 200, 'the box pushes a new result of the stale link');
  await tab.clock.fastForward(31000);
  await tab.waitForFunction(() => document.querySelector('tr[data-link="2"] [data-state]')?.dataset.state === 'up');
  const second = await tab.textContent('#updated');
  check(first !== second, `the monitors page refreshed itself after 30 s and says when (${first} → ${second})`);
  await tab.close();

  // ---- a link: the three looks, loss per cell, median or highest, the RTT band, paths ----
  await open('#/link?monitor=1&link=1&' + env.SB_LINK_RANGE, '#chart-ping canvas');
  check(await page.isVisible('.timeline span.down') && await page.isVisible('.timeline span.none') && await page.isVisible('.timeline span.future'),
    'the timeline shows down, no data and what is still to come, each its own look');
  const legendRtt = await page.$$eval('#chart-ping .u-legend .u-label', (els) => els.map((e) => e.textContent));
  check(['min (ms)', 'max (ms)', 'rtt (ms)', 'loss (%)'].every((l) => legendRtt.includes(l)), 'the RTT chart draws the spread band (ping\'s min and max) and the loss', legendRtt);
  check(/La banda va de min a max/.test(await text('#summary-ping')), 'and says what the band is', await text('#summary-ping'));
  check(await page.isVisible('#chart-ping-jitter canvas') && await page.isVisible('#chart-ping-sent canvas'),
    'a chart for each other number field of the ping record (jitter, sent)');
  check(await page.$('#test-traceroute .availability-pct') === null && await page.isVisible('#test-traceroute #chart-traceroute canvas'),
    'a test without an up field shows no availability, but its value (the hop count)');
  // the heat map, read as drawn: a cell of the down hour, one of the hole, one of the future
  const heat = await page.evaluate(async () => ({ heatmap: (await (await fetch(location.hash.replace('#/link', '/api/probes/link'))).json()).tests.find((x) => x.test === 'ping').heatmap }));
  const find = (state) => {
    for (let d = heat.heatmap.days.length - 1; d >= 0; d--) for (let h = 0; h < 24; h++) {
      const idx = d * 24 + h, loss = heat.heatmap.loss[d][h], rtt = heat.heatmap.value[d][h];
      const st = idx > heat.heatmap.now_cell ? 'future' : loss === null ? 'none' : rtt === null ? 'noreply' : 'rtt';
      if (st === state) return [d, h];
    }
    return null;
  };
  const pix = async (cell) => page.evaluate(([d, h]) => {
    const c = document.querySelector('canvas.heatmap');
    const w = c.getBoundingClientRect().width, cw = (w - 78) / 24, ch = Math.max(12, Math.min(26, cw)), dpr = c.width / w;
    const x = Math.round((78 + h * cw + cw * 0.15) * dpr), y = Math.round((18 + d * ch + ch / 2) * dpr);
    const p = c.getContext('2d').getImageData(x, y, 1, 1).data;
    return [p[0], p[1], p[2], p[3]];
  }, cell);
  const none = find('none'), noreply = find('noreply'), future = find('future');
  const pn = none && await pix(none), pr = noreply && await pix(noreply), pf = future && await pix(future);
  check(none && noreply && future && pr[0] < 80 && pr[1] < 40 && pf[3] === 0 && pn[3] === 255 && pn[0] > 120,
    'in the heat map "no data" (hatched), "no reply" (dark) and "not yet" (empty) look different', { none: pn, noreply: pr, future: pf });
  const lossy = heat.heatmap.loss.flatMap((r, d) => r.map((v, h) => [v, d, h])).find(([v, d, h]) => v > 0 && v < 100 && heat.heatmap.value[d][h] !== null);
  const bottom = lossy && await page.evaluate(([d, h]) => {
    const c = document.querySelector('canvas.heatmap');
    const w = c.getBoundingClientRect().width, cw = (w - 78) / 24, ch = Math.max(12, Math.min(26, cw)), dpr = c.width / w;
    const x = Math.round((78 + h * cw + cw / 2) * dpr), y = Math.round((18 + d * ch + ch - 2) * dpr);
    return [...c.getContext('2d').getImageData(x, y, 1, 1).data];
  }, [lossy[1], lossy[2]]);
  check(lossy && bottom[0] > 90 && bottom[1] < 30, 'an hour with some loss shows it as a red bar in its cell', { lossy, bottom });
  const img1 = await page.$eval('#heat-ping canvas.heatmap', (c) => c.toDataURL());
  await page.click('input[data-heat="max"][data-test="ping"]');
  await page.waitForFunction(() => location.hash.includes('heat-ping=max'));
  await page.waitForSelector('#heat-ping canvas.heatmap');
  await settle();
  const img2 = await page.$eval('#heat-ping canvas.heatmap', (c) => c.toDataURL());
  const differ = heat.heatmap.value.some((r, d) => r.some((v, h) => v !== null && v !== heat.heatmap.max[d][h]));
  check(differ && img1 !== img2 && /rtt \(máximo\)/.test(await text('#heat-summary-ping')) &&
    await page.isChecked('input[data-heat="max"][data-test="ping"]'),
    'the heat map offers the highest RTT of each hour instead of the median', await text('#heat-summary-ping'));
  // its exports: a row per hour begun with the API's figures, and the picture
  const heatCsv = await download(() => page.click('[data-export="heat-csv"][data-test="ping"]'));
  const hrows = heatCsv.body.toString().trim().split(/\r?\n/).map((l) => l.split(','));
  const hm = heat.heatmap, begun = Math.min(hm.days.length * 24, hm.now_cell + 1);
  const rowOf = (d, hr) => hrows.find((r) => r[0] === hm.days[d] && r[1] === `${String(hr).padStart(2, '0')}:00`);
  const lr = lossy && rowOf(lossy[1], lossy[2]), nr = noreply && rowOf(noreply[0], noreply[1]), fr = future && rowOf(future[0], future[1]);
  check(/_ping_rtt_max_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv$/.test(heatCsv.name) && hrows.length === begun + 1 &&
    hrows[0].join(',') === 'Fecha,Hora,Estado,Mediana (ms),Máximo (ms),pérdida (%)' &&
    lr && Number(lr[3]) === hm.value[lossy[1]][lossy[2]] && Number(lr[4]) === hm.max[lossy[1]][lossy[2]] && Number(lr[5]) === lossy[0] &&
    nr && nr[2] === 'sin respuesta' && nr[3] === '' && !fr,
  'the heat map downloads as CSV: a row per hour begun, its median, highest and loss as the API gives them, "no reply" said',
  { name: heatCsv.name, rows: hrows.length, begun, head: hrows[0], lossy: lr, noreply: nr });
  const heatPng = await download(() => page.click('[data-export="heat-png"][data-test="ping"]'));
  check(/_ping_rtt_max_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.png$/.test(heatPng.name) && heatPng.body.slice(1, 4).toString() === 'PNG',
    'and as a PNG named after its days', heatPng.name);
  const since = await page.$$eval('#changes-traceroute-hops [data-since]', (els) => els.map((e) => Number(e.dataset.since)));
  const runs = JSON.parse(env.SB_RUNS);
  check(JSON.stringify(since) === JSON.stringify([runs[2][0], runs[0][0]]), 'traceroute paths dated by their first run, not their last', { since, runs });
  const hopsText = await text('#hops-traceroute-hops');
  check(/800 µs/.test(hopsText) && /5,2 ms/.test(hopsText), 'hop RTTs in µs or ms as each needs', hopsText);
  await shot('11-link.png');
  await page.setViewportSize(PHONE);
  await settle();
  f = await fits();
  check(f.scroll <= 0 && f.over.length === 0, 'on a phone the link page (traceroute RTTs included) fits the screen', f);
  await shot('12-link-phone.png');
  await page.setViewportSize(DESK);

  // ---- every chart has a text summary; contrast in both themes ----
  for (const [hash, ready] of [[ifaceHash, '#traffic-chart canvas'], ['#/link?monitor=1&link=1&' + env.SB_LINK_RANGE, '#chart-ping canvas']]) {
    await open(hash, ready);
    const missing = await page.$$eval('.chart, canvas.heatmap', (els) => els.filter((e) => {
      const holder = e.closest('[aria-describedby]') || e;
      const id = holder.getAttribute('aria-describedby');
      const s = id && document.getElementById(id);
      return !s || s.textContent.trim().length < 20;
    }).length);
    check(missing === 0, `every chart of ${hash.split('?')[0]} has a text summary`, missing);
  }
  let worst = [];
  for (const hash of ['#/', '#/find?q=tst&sort=use', ifaceHash, '#/monitors', '#/link?monitor=1&link=1', '#/reports']) {
    await open(hash, 'main h1');
    const c = await contrast();
    worst = worst.concat(c.bad.map((b) => `${hash}: ${b}`));
  }
  check(worst.length === 0, 'light theme: every text at least 4.5:1 (3:1 when large)', worst.slice(0, 10).join('\n'));
  await page.click('#theme');
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  worst = [];
  for (const hash of ['#/', '#/find?q=tst&sort=use', ifaceHash, '#/monitors', '#/link?monitor=1&link=1', '#/reports']) {
    await open(hash, 'main h1');
    if (hash === '#/') await shot('13-overview-dark.png');
    if (hash.startsWith('#/link')) await shot('14-link-dark.png');
    const c = await contrast();
    worst = worst.concat(c.bad.map((b) => `${hash}: ${b}`));
  }
  check(await page.evaluate(() => document.documentElement.dataset.theme) === 'dark' && worst.length === 0,
    'dark theme: kept across pages, every text at least 4.5:1', worst.slice(0, 10).join('\n'));
  await page.setViewportSize(PHONE);
  for (const hash of ['#/', '#/monitors', '#/reports']) {
    await open(hash, 'main h1');
    f = await fits();
    check(f.scroll <= 0 && f.over.length === 0, `on a phone ${hash} fits the screen`, f);
  }
  await shot('15-reports-phone-dark.png');
  await open('#/', 'section[data-layer="BORDE"] table.toplist');
  clipped = await cut();
  check(clipped.length === 0, 'on a phone too the layers\' tables keep every column on screen', clipped);
  await shot('15-overview-phone-dark.png');
  await page.setViewportSize(DESK);
  await page.click('#theme');

  // ---- titles, and the one catalogue per language ----
  const titles = [];
  for (const hash of ['#/', '#/find', ifaceHash, '#/reports', '#/monitors', '#/link?monitor=1&link=1', '#/users', '#/account']) {
    await open(hash, 'main h1');
    titles.push(await page.title());
  }
  check(new Set(titles).size === titles.length && titles.every((x) => x.endsWith(' · scanbackup')), 'each page has its own title', titles);
  const cats = await page.evaluate(async () => {
    const es = (await import('/assets/i18n/es.js')).default.strings, en = (await import('/assets/i18n/en.js')).default.strings;
    return { es: Object.keys(es), en: Object.keys(en) };
  });
  check(cats.es.length > 200 && JSON.stringify([...cats.es].sort()) === JSON.stringify([...cats.en].sort()), 'the Spanish and English catalogues hold the same keys', cats.es.length);
  await page.selectOption('#lang', 'en');
  await open('#/monitors', 'section[data-monitor="1"]');
  const enText = await text('body');
  check((await text('#nav a.active')).trim() === 'Monitors' && /stale/.test(enText) && /Updated at \d\d:\d\d:\d\d/.test(enText) &&
    await page.getAttribute('html', 'lang') === 'en', 'English is selectable: the same page in English', (await text('#nav')).trim());
  const dotted = cats.es.filter((k) => k.includes('.') && enText.includes(k));
  check(dotted.length === 0, 'no untranslated key shows', dotted);
  await open(ifaceHash, '#traffic-chart canvas');
  const enBody = await text('main');
  check(/\d\.\d+ (Gbps|Mbps)/.test(enBody) && !/\d,\d+ (Gbps|Mbps)/.test(enBody), 'in English the numbers use decimal points, all of them');
  await shot('16-interface-english.png');
  await page.selectOption('#lang', 'es');
  await settle();

  // ---- the admin edits a link ----
  await open('#/monitor/1', 'tr[data-link="1"] .link-name');
  await page.fill('tr[data-link="1"] .link-name', 'gateway edited');
  await page.fill('tr[data-link="1"] .link-ip', '192.0.2.77');
  const saved = await putBy(page, 'tr[data-link="1"] .link-save', '/api/monitors/1/links/1');
  check(saved.ok(), 'the link\'s save is accepted', saved.status());
  const conf = await page.evaluate(async () => (await fetch('/api/monitors/1/config')).json());
  check(conf.links['gateway edited'] && conf.links['gateway edited'].ip === '192.0.2.77',
    'the admin edits a link and the monitor\'s config follows', JSON.stringify(conf.links));
  await shot('17-monitor-admin.png');

  // ---- sign out, the viewer is refused ----
  await Promise.all([page.waitForURL(/\/login/), page.click('#logout')]);
  check(true, 'signing out goes back to the login page');
  await signIn(env.SB_VIEWER, env.SB_VIEWER_PW);
  await open('#/monitor/1', 'tr[data-link="1"]');
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
  await open('#/users', 'p.error');
  check((await text('main')).includes('requiere el rol de administrador'), 'the users page tells the viewer no');
  await shot('18-viewer-refused.png');

  check(outside.length === 0, 'no request left the server (no CDN, no external asset)', outside.join('\n'));
  check(errors.length === 0, 'no script error in the browser', errors.join('\n'));
} catch (e) {
  check(false, 'the browser run went to its end', e.stack || e);
  await shot('99-failure.png').catch(() => {});
} finally {
  await close();
}
process.exit(failures() ? 1 : 0);
