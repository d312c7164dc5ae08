// map.mjs - the map page in headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core: the monitors, links and a route's hops drawn where their places are, each leg
// with its RTT, the hops without a place listed and said to be so, tiles from the test's own tile
// server (SB_TILES) and from nowhere else, and the same map without tiles on a plain background
// (SB_URL_PLAIN). Prints one "ok - ..." / "not ok - ..." line per check (serve_map_browser.py
// numbers them as TAP) and keeps screenshots in SB_ARTIFACTS.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { check, failures, launch, putBy } from './browser.mjs';

const env = process.env;
const want = JSON.parse(env.SB_WANT);

mkdirSync(env.SB_ARTIFACTS, { recursive: true });
const { context, close } = await launch({ viewport: { width: 1280, height: 900 } });
const requests = [];
const errors = [];
context.on('request', (req) => requests.push(req.url()));
const page = context.pages()[0] || await context.newPage();
page.on('pageerror', (e) => errors.push(String(e)));
// the refusal the test asks for (a latitude beyond 90) is the one 400 expected
page.on('console', (m) => { if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text()); });
const shot = (name) => page.screenshot({ path: path.join(env.SB_ARTIFACTS, name), fullPage: true });
const count = (sel) => page.locator(sel).count();
const texts = (sel) => page.locator(sel).allTextContents();

async function signIn(base) {
  await page.goto(base + '/');
  await page.waitForURL(/\/login/);
  await page.fill('#user', env.SB_USER);
  await page.fill('#password', env.SB_PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('#login-button')]);
}

async function openMap(base) {
  await page.goto(base + '/#/map');
  await page.waitForSelector('#map-summary:not(:empty)');
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
}

try {
  // ---- with tiles and the geolocation database ----
  const base = env.SB_URL;
  await signIn(base);
  await page.waitForSelector('#nav a[data-nav="map"]');
  check((await page.textContent('#nav a[data-nav="map"]')).trim() === 'Mapa', 'the navigation has the map, in Spanish');
  await page.click('#nav a[data-nav="map"]');
  await page.waitForSelector('#map-summary:not(:empty)');
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300);
  check((await page.title()).startsWith('Mapa de monitores y enlaces'), 'the page has its title', await page.title());
  check(await count('#map path.sb-monitor') === want.monitors, `${want.monitors} monitor drawn at its place`, await count('#map path.sb-monitor'));
  check(await count('#map path.sb-link') === want.links, `${want.links} links drawn at their places`, await count('#map path.sb-link'));
  check(await count('#map path.sb-hop') === want.hops, `${want.hops} hops drawn where the database places them`, await count('#map path.sb-hop'));
  check(await count('#map path.sb-route') === want.legs, `the route drawn hop to hop: ${want.legs} legs`, await count('#map path.sb-route'));
  const rtts = (await texts('#map .sb-rtt')).map((s) => s.trim());
  check(JSON.stringify(rtts) === JSON.stringify(want.rtts), 'each leg labelled with the RTT of the hop it reaches', rtts);
  // the drawn points are where the places are: the monitor west of and above the link
  const box = async (sel) => page.locator(sel).first().boundingBox();
  const mon = await box('#map path.sb-monitor'), lnk = await box('#map path.sb-link');
  check(mon && lnk && mon.y < lnk.y && mon.x > lnk.x, 'Caracas drawn north-east of Lima', { mon, lnk });
  const tiles = await count('#map img.leaflet-tile-loaded');
  check(tiles > 0, `tiles shown from the test's tile server (${tiles})`);
  const tileReqs = requests.filter((u) => u.startsWith(env.SB_TILES));
  const elsewhere = requests.filter((u) => !u.startsWith(base) && !u.startsWith(env.SB_TILES) && !/^(data|blob):/.test(u));
  check(tileReqs.length > 0 && elsewhere.length === 0, 'nothing fetched but the dashboard and the configured tiles', elsewhere);
  check(/Teselas de prueba/.test(await page.textContent('#map .leaflet-control-attribution')), 'the tiles credited');
  const summary = await page.textContent('#map-summary');
  check(/1 monitores, 1 enlaces, 1 rutas con 2 saltos ubicados/.test(summary) && /scanbackup-test-City/.test(summary),
    'a text summary of what the map shows, and which database placed the hops', summary);
  check(/lejos \(198\.51\.100\.7\)/.test(await page.textContent('#map-unplaced')), 'a link without a place is listed, not drawn');
  await page.click('details.route summary');
  const kinds = await page.$$eval('details.route tbody tr', (rows) => rows.map((r) => [r.dataset.kind, r.cells[1].textContent, r.cells[5].textContent]));
  check(JSON.stringify(kinds) === JSON.stringify(want.table), 'every hop listed, private, silent and unknown ones said so in Spanish', kinds);
  await shot('map-tiles.png');
  await page.hover('#map path.sb-hop >> nth=0');
  await page.waitForSelector('.leaflet-tooltip:not(.sb-rtt)');
  const tip = await page.textContent('.leaflet-tooltip:not(.sb-rtt)');
  check(/Salto 4 · 198\.51\.100\.20/.test(tip) && /Bogotá, CO/.test(tip), 'a hop tells its number, address, RTT and place', tip);
  await page.click('#map path.sb-link');
  await page.waitForURL(/#\/link\?/);
  check(/monitor=1&link=1/.test(page.url()), 'a link on the map opens its page', page.url());

  // ---- places set on a monitor's page ----
  await page.goto(base + '/#/monitor/1');
  await page.waitForSelector('#places tr[data-place="link-2"] input.place-lat');
  const row = '#places tr[data-place="link-2"]';
  await page.fill(`${row} input.place-lat`, '95');
  await page.fill(`${row} input.place-lon`, '-74.08');
  await page.click(`${row} button.place-save`);
  await page.waitForSelector('#places .error:not(:empty)');
  check(/expected degrees/.test(await page.textContent('#places .error')), 'a latitude beyond 90 is refused with the server\'s words',
    await page.textContent('#places .error'));
  await page.fill(`${row} input.place-lat`, '4.6');
  const saved = await putBy(page, `${row} button.place-save`, '/api/monitors/1/links/2');
  check(saved.ok() && !(await page.textContent('#places .error')), 'a place within bounds is saved', saved.status());
  await openMap(base);
  // the map draws what its answers hold once they are in: on a busy machine later than the page's
  // summary, so wait (bounded) for the link before judging
  await page.waitForFunction((n) => document.querySelectorAll('#map path.sb-link').length === n,
    want.links + 1, { timeout: 10000 }).catch(() => {});
  check(await count('#map path.sb-link') === want.links + 1 && await count('#map-unplaced') === 0,
    'a place set on the monitor\'s page puts the link on the map', await count('#map path.sb-link'));

  // ---- English ----
  await page.goto(base + '/#/map');
  await page.selectOption('#lang', 'en');
  await page.waitForSelector('#map-summary:not(:empty)');
  await page.waitForTimeout(300);
  check(/On the map: 1 monitors/.test(await page.textContent('#map-summary')) && (await page.textContent('#nav a[data-nav="map"]')).trim() === 'Map',
    'the map speaks English when asked', await page.textContent('#map-summary'));
  await page.selectOption('#lang', 'es');

  // ---- no tiles, no database: a plain background ----
  requests.length = 0;
  await signIn(env.SB_URL_PLAIN);
  await openMap(env.SB_URL_PLAIN);
  check(await count('#map.plain') === 1 && await count('#map img.leaflet-tile') === 0 && await count('#map path.sb-grid') > 10,
    'without SERVE_MAP_TILES: no tile at all, a grid of degrees on a plain background');
  check(await count('#map path.sb-monitor') === want.monitors && await count('#map path.sb-link') === want.links
    && await count('#map path.sb-hop') === 0, 'monitors and links still at their places; no hop placed without a database');
  const plainRtts = (await texts('#map .sb-rtt')).map((s) => s.trim());
  check(await count('#map path.sb-route') === 1 && JSON.stringify(plainRtts) === JSON.stringify([want.rtts[want.rtts.length - 1]]),
    'the route straight to the link, with the RTT of its last hop, the link itself', plainRtts);
  check(/Sin base de geolocalización/.test(await page.textContent('#map-summary')), 'the summary says why no hop is placed');
  const plainOut = requests.filter((u) => !u.startsWith(env.SB_URL_PLAIN) && !/^(data|blob):/.test(u));
  check(plainOut.length === 0, 'nothing fetched from outside', plainOut);
  await shot('map-plain.png');
  check(errors.length === 0, 'no script error, no refused content (CSP) in the console', errors.join('\n'));
} catch (e) {
  check(false, 'the map script ran to its end', e.stack || String(e));
} finally {
  await close();
}
process.exit(failures() ? 1 : 0);
