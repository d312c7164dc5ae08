// owners.mjs - monitors have owners, in the browser: a viewer adds a monitor of her own from the
// Monitors page and shares it; the account it is shared with sees it without the controls to
// change it, and not the monitors of others; its owner gives it away. Driven by serve_owners.py
// (accounts ana, admin; vic, olga, viewers; SB_SHARED, a monitor of the admins shared with vic).
import { session } from './session.mjs';

const env = process.env;
const shared = env.SB_SHARED;
await session(async ({ page, check, signIn, open, shot }) => {
  page.on('dialog', (d) => d.accept());
  await signIn('olga', 'viewer-secret-3');
  await open('#/monitors', '#new-monitor-name');
  check(await page.locator('section[data-monitor]').count() === 0, 'olga sees no monitor of others');
  await page.fill('#new-monitor-name', 'caja de olga');
  await page.click('#new-monitor');
  await page.waitForSelector('#access #owner');
  const mine = page.url().split('#/monitor/')[1];
  check((await page.textContent('#access #owner')).includes('olga'), 'her new monitor is hers', await page.textContent('#access #owner'));
  check(await page.locator('#add-link-name').count() === 1 && await page.locator('#issue-token').count() === 1,
    'and she manages it: links, token');
  check((await page.textContent('#access h2')) === 'Propietario y acceso', 'the access card speaks Spanish');
  await page.fill('#share-user', 'vic');
  await page.click('#share-add');
  await page.waitForSelector('#shares li[data-share="vic"]');
  check(true, 'she shares it with vic');
  await shot('owners-olga.png');

  await signIn('vic', 'viewer-secret-2');
  await open('#/monitors', `section[data-monitor="${mine}"]`);
  const ids = await page.locator('section[data-monitor]').evaluateAll((els) => els.map((e) => e.dataset.monitor).sort());
  check(JSON.stringify(ids) === JSON.stringify([shared, mine].sort()), 'vic lists the two monitors shared with him, no other', ids);
  const line = await page.textContent(`section[data-monitor="${mine}"] .owner`);
  check(line.includes('olga') && line.includes('compartido con usted'), 'each says whose it is and that it is shared with him', line);
  await open(`#/monitor/${mine}`, '#access #owner');
  check(await page.locator('#add-link-name').count() === 0 && await page.locator('#issue-token').count() === 0 &&
    await page.locator('#transfer').count() === 0 && await page.locator('#share-user').count() === 0,
  'on its page: nothing to change, give or share');
  await shot('owners-vic-shared.png');
  await open('#/monitor/5', '.errorbox');
  check((await page.textContent('main')).includes('no monitor 5'), 'a monitor not shared with him is not found', await page.textContent('main'));

  await signIn('olga', 'viewer-secret-3');
  await open(`#/monitor/${mine}`, '#transfer-to');
  await page.fill('#transfer-to', 'vic');
  await Promise.all([page.waitForURL(/#\/monitors$/), page.click('#transfer')]);
  await page.waitForLoadState('networkidle');
  check(await page.locator(`section[data-monitor="${mine}"]`).count() === 0, 'olga gives it to vic and no longer sees it');

  await signIn('vic', 'viewer-secret-2');
  await open(`#/monitor/${mine}`, '#access #owner');
  check((await page.textContent('#access #owner')).includes('vic') && await page.locator('#transfer').count() === 1,
    'vic owns it now and manages it');
  await shot('owners-vic-owner.png');

  await signIn('ana', 'admin-secret-1');
  await open('#/monitors', `section[data-monitor="${mine}"]`);
  check(await page.locator('section[data-monitor="5"]').count() === 1, 'the admin sees every monitor, those of before too');
});
