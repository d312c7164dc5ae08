// link_names.mjs - the Monitors page and the link page show the names a monitor gives its links,
// for a monitor nobody registered on the dashboard (marked "no registrado") too. Driven by
// link_names.py, which stored the results and names first.
import { session } from './session.mjs';

const env = process.env;
await session(async ({ page, check, signIn, open, shot }) => {
  await signIn(env.SB_USER, env.SB_PASSWORD);
  await open('#/monitors', 'section[data-monitor="7"]');
  const card = page.locator('section[data-monitor="7"]');
  check(await card.getAttribute('data-registered') === 'false', 'the unregistered monitor has its card');
  const head = await card.locator('h2').textContent();
  check(head.includes('Caracas') && head.includes('no registrado'), 'named as its monitor.json says, marked «no registrado»', head);
  check(await card.locator('h2 a').count() === 0, 'without a link to settings it does not have here');
  const names = await card.locator('tbody tr td:first-child').allTextContents();
  check(JSON.stringify(names) === JSON.stringify(['RESIDE Caracas', 'Valencia: troncal/2']), 'its links by name', names);
  await shot('names-monitors.png');
  await card.locator('tbody tr td:first-child a').first().click();
  await page.waitForSelector('#link-state');
  await page.waitForLoadState('networkidle');
  const h1 = await page.textContent('h1');
  check(h1 === 'RESIDE Caracas', 'the link page is titled with the link\'s name', h1);
  const line = await page.textContent('#link-state');
  check(line.includes('127.0.0.1') && line.includes('Caracas') && line.includes('no registrado'),
    'with its address and its monitor, not registered', line);
  await shot('names-link.png');
});
