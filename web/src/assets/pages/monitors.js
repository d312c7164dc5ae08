// monitors.js - the probe pages: the monitors and the state of their links (up, down, stale:
// results stopped coming, unknown) with the boxes gone silent flagged; one monitor's settings
// (links, tests, token) for admins; one link's results test by test, each drawn from the record
// its probe module declares: availability, its value with its spread and loss, a chart per
// number field, the heat map, routes dated from when they began.
import { api, get, qs } from '../api.js';
import { cells, clear, errorBox, h, message, table } from '../dom.js';
import { ago, bps, count, dateTime, duration, ms, num, pct, t } from '../i18n.js';
import { PALETTE, cellState, exportBar, heatMap, holes, holesText, stats, timeChart, timeline } from '../charts.js';
import { page } from '../pages.js';
import { figures, permalink, rangeControls } from './common.js';
import { placesCard } from './map.js';

export function stateBadge(state, title) {
  return h('span', { class: `badge ${state}`, title, dataset: { state } }, t('state.' + state));
}

function boxBadge(m, now) {
  const title = m.interval ? t('box.every', { s: m.interval }) : null;
  return h('span', { class: `badge box-${m.box}`, title, dataset: { box: m.box } },
    t('box.' + m.box), m.box === 'silent' ? ` · ${ago(m.last_seen, now)}` : '');
}

// A value of a record's field, in its unit: ms as µs or ms, bit/s scaled, % and the rest as
// numbers with the field's decimals.
function kindOf(f) {
  return f.unit === 'ms' ? 'ms' : f.unit === 'bit/s' ? 'bps' : f.unit === '%' ? 'pct' : 'count';
}

function fieldValue(f, v) {
  if (v === null || v === undefined) return '—';
  if (f.type === 'bool') return t(v ? 'yes' : 'no');
  if (f.type === 'string') return v;
  if (f.type === 'json') return JSON.stringify(v);
  const k = kindOf(f);
  if (k === 'ms') return ms(v);
  if (k === 'bps') return bps(v);
  if (k === 'pct') return pct(v, f.decimals || 0);
  return num(v, f.type === 'number' ? f.decimals : 0) + (f.unit ? ` ${f.unit}` : '');
}

// The newest result of a link's tests: the test, its headline value, and how long ago.
function lastCell(l, now) {
  const x = l.last;
  if (!x) return h('span', { class: 'muted' }, t('monitors.noResult'));
  const f = { type: 'number', unit: x.unit, decimals: x.decimals };
  return h('span', {}, h('span', { class: 'muted' }, `${x.test} `),
    !x.up ? t('look.noreply') : x.value === null ? t('look.up') : fieldValue(f, x.value), ' ',
    h('span', { class: 'muted' }, ago(x.t, now)));
}

const linkHref = (m, l) => '#/link' + qs({ monitor: m.id, link: l.id });

async function monitors(el, ctx) {
  el.append(h('h1', {}, t('nav.monitors')));
  { // every account may add a monitor of its own
    const name = h('input', { placeholder: t('monitors.name'), id: 'new-monitor-name', required: true });
    const err = h('span', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'row' }, h('label', {}, t('monitors.new'), name),
      h('button', { type: 'submit', id: 'new-monitor' }, t('add')), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const m = await api('POST', '/api/monitors', { name: name.value.trim() });
        location.hash = `#/monitor/${m.id}`;
      } catch (e) { err.textContent = e.message; }
    });
    el.append(form);
  }
  const data = await get('/api/monitors');
  if (!ctx.current()) return;
  if (data.monitors.length === 0) el.append(message(t('monitors.none')));
  el.append(h('p', { class: 'muted small' }, t('monitors.rule')));
  const cards = h('div', { class: 'cards' });
  el.append(cards);
  for (const m of data.monitors) {
    const by = (s) => m.links.filter((l) => l.status && l.state === s).length;
    const cols = [{ label: t('col.link') }, { label: t('col.ip') }, { label: t('col.state') }, { label: t('col.last') }];
    // a monitor whose results reached the store without being registered here: by the names
    // its monitor.json gives, without a page of settings
    const name = m.name || t('monitors.unnamed', { id: m.id });
    cards.append(h('section', { class: `card${m.box === 'silent' ? ' flagged' : ''}`, dataset: { monitor: m.id, registered: m.registered } },
      h('h2', {}, m.registered ? h('a', { href: `#/monitor/${m.id}` }, name) : name, ' ', h('span', { class: 'muted' }, `#${m.id}`), ' ', boxBadge(m, data.now)),
      h('p', { class: 'muted' }, t('monitors.counts', { up: by('up'), down: by('down'), stale: by('stale'), unknown: by('unknown'), n: m.links.length }),
        m.registered ? ' · ' + t('monitors.contact', { when: ago(m.last_seen, data.now) }) : ' · ' + t('monitors.unregistered'),
        m.registered ? h('span', { class: 'owner' }, ' · ', t('monitor.owner'), ' ', m.owner || t('monitor.admins'),
          m.manage ? '' : ' · ' + t('monitors.sharedWithYou')) : '',
        m.pulled && m.pulled < m.version ? ' · ' + t('monitors.notPulled') : ''),
      m.links.length === 0 ? message(t('monitors.noLinks'))
        : table(cols, m.links.map((l) => h('tr', { dataset: { link: l.id } }, cells(cols, [
          h('a', { href: linkHref(m, l) }, l.name), l.ip,
          l.status ? stateBadge(l.state, l.last ? dateTime(l.last.t) : null) : h('span', { class: 'badge off' }, t('state.off')),
          lastCell(l, data.now)]))))));
  }
}

function errorLine() {
  return h('p', { class: 'error', role: 'alert' });
}

async function guarded(errEl, fn) {
  errEl.textContent = '';
  try {
    await fn();
    return true;
  } catch (e) {
    errEl.textContent = e.message;
    return false;
  }
}

async function monitor(el, ctx) {
  const id = ctx.args[0];
  const m = await get(`/api/monitors/${encodeURIComponent(id)}`);
  if (!ctx.current()) return;
  ctx.title(m.name);
  const manage = m.manage; // its owner or an admin: the rest see it as it is
  const reload = () => { if (ctx.current()) window.dispatchEvent(new HashChangeEvent('hashchange')); };
  el.append(h('h1', {}, m.name, ' ', h('span', { class: 'muted' }, `#${m.id}`), ' ', boxBadge(m)),
    h('p', { class: 'muted' }, t('monitor.version', { v: m.version }),
      m.pulled ? ' ' + t('monitor.pulled', { v: m.pulled }) : ' ' + t('monitor.neverPulled'),
      ' · ', t('monitors.contact', { when: ago(m.last_seen) }), ' · ', t('monitor.results', { n: count(m.results) }), ' · ',
      h('a', { href: `/api/monitors/${m.id}/config`, target: '_blank' }, 'monitor.json')));
  const cards = h('div', { class: 'cards' });
  el.append(cards);

  const linksCard = h('section', { class: 'card wide', id: 'links' }, h('h2', {}, t('monitor.links')));
  cards.append(linksCard);
  const lerr = errorLine();
  const vcols = [{ label: t('col.id') }, { label: t('col.link') }, { label: t('col.ip') }, { label: t('col.state') }, { label: t('col.last') }];
  const acols = [{ label: t('col.id') }, { label: t('col.name') }, { label: t('col.ip') }, { label: t('col.on') }, { label: t('col.state') }, { label: '' }];
  const rows = m.links.map((l) => {
    if (!manage)
      return h('tr', { dataset: { link: l.id } }, cells(vcols, [l.id, h('a', { href: linkHref(m, l) }, l.name), l.ip,
        l.status ? stateBadge(l.state) : h('span', { class: 'badge off' }, t('state.off')), lastCell(l)]));
    const name = h('input', { value: l.name, 'aria-label': t('col.name'), class: 'link-name' });
    const ip = h('input', { value: l.ip, 'aria-label': t('col.ip'), class: 'link-ip', size: 15 });
    const on = h('input', { type: 'checkbox', 'aria-label': t('col.on'), class: 'link-status' });
    on.checked = l.status;
    const save = h('button', { class: 'link-save', type: 'button' }, t('save'));
    save.addEventListener('click', () => guarded(lerr, async () => {
      await api('PUT', `/api/monitors/${m.id}/links/${l.id}`, { name: name.value.trim(), ip: ip.value.trim(), status: on.checked });
      reload();
    }));
    const del = h('button', { class: 'danger link-del', type: 'button' }, t('delete'));
    del.addEventListener('click', () => guarded(lerr, async () => {
      if (!confirm(t('monitor.confirmLink', { name: l.name }))) return;
      await api('DELETE', `/api/monitors/${m.id}/links/${l.id}`);
      reload();
    }));
    return h('tr', { dataset: { link: l.id } }, cells(acols, [l.id, name, ip, on,
      h('a', { href: linkHref(m, l) }, stateBadge(l.state)), h('span', {}, save, ' ', del)]));
  });
  linksCard.append(rows.length ? table(manage ? acols : vcols, rows) : message(t('monitor.noLinks')), lerr);
  if (manage) {
    const name = h('input', { placeholder: t('col.name'), id: 'add-link-name' });
    const ip = h('input', { placeholder: '192.0.2.1', id: 'add-link-ip', size: 15 });
    const add = h('form', { class: 'row' }, h('label', {}, t('col.link'), name), h('label', {}, t('col.ip'), ip),
      h('button', { type: 'submit', id: 'add-link' }, t('monitor.addLink')));
    add.addEventListener('submit', (ev) => {
      ev.preventDefault();
      guarded(lerr, async () => {
        await api('POST', `/api/monitors/${m.id}/links`, { name: name.value.trim(), ip: ip.value.trim() });
        reload();
      });
    });
    linksCard.append(add);
  }

  const testsCard = h('section', { class: 'card', id: 'tests' }, h('h2', {}, t('monitor.tests')));
  cards.append(testsCard);
  cards.append(placesCard(m, { ...ctx, admin: manage }, reload));
  const terr = errorLine();
  for (const tst of m.tests) {
    const text = h('textarea', { rows: 3, readonly: !manage, 'aria-label': t('monitor.params', { name: tst.name }) });
    text.value = JSON.stringify(tst.params, null, 1);
    const box = h('div', { dataset: { test: tst.name } }, h('h3', {}, tst.name), text);
    if (manage) {
      const save = h('button', { type: 'button' }, t('save'));
      save.addEventListener('click', () => guarded(terr, async () => {
        let params;
        try { params = JSON.parse(text.value); } catch (e) { throw new Error(t('monitor.badJson')); }
        await api('PUT', `/api/monitors/${m.id}/tests/${tst.name}`, params);
        reload();
      }));
      const del = h('button', { class: 'danger', type: 'button' }, t('remove'));
      del.addEventListener('click', () => guarded(terr, async () => {
        await api('DELETE', `/api/monitors/${m.id}/tests/${tst.name}`);
        reload();
      }));
      box.append(h('div', { class: 'row' }, save, del));
    }
    testsCard.append(box);
  }
  if (m.tests.length === 0) testsCard.append(message(t('monitor.noTests')));
  if (manage) {
    const free = m.modules.filter((mod) => !m.tests.some((x) => x.name === mod.name));
    if (free.length > 0) {
      const sel = h('select', { id: 'add-test-name', 'aria-label': t('monitor.addTest') }, free.map((mod) => h('option', { value: mod.name }, mod.name)));
      const params = h('textarea', { rows: 2, id: 'add-test-params', 'aria-label': t('monitor.params', { name: '' }) });
      params.value = '{"interval": 60}';
      const help = h('p', { class: 'muted' });
      const showHelp = () => {
        const mod = free.find((x) => x.name === sel.value);
        help.textContent = mod ? `${(mod.description || '').replace(/\.?$/, '.')} ${t('monitor.paramsAre')} ` +
          (mod.params.map((pp) => `${pp.name} (${pp.type}${pp.default !== null ? ', ' + t('monitor.default') + ' ' + pp.default : ''})`).join(', ') || 'interval') : '';
      };
      sel.addEventListener('change', showHelp);
      showHelp();
      const add = h('button', { id: 'add-test', type: 'button' }, t('monitor.addTest'));
      add.addEventListener('click', () => guarded(terr, async () => {
        let pp;
        try { pp = JSON.parse(params.value); } catch (e) { throw new Error(t('monitor.badJson')); }
        await api('PUT', `/api/monitors/${m.id}/tests/${sel.value}`, pp);
        reload();
      }));
      testsCard.append(h('h3', {}, t('monitor.addTest')), h('div', { class: 'row' }, sel, add), params, help);
    }
  }
  testsCard.append(terr);

  cards.append(accessCard(m, manage, ctx.admin ? reload : () => { location.hash = '#/monitors'; }));

  const boxCard = h('section', { class: 'card', id: 'box' }, h('h2', {}, t('monitor.box')));
  cards.append(boxCard);
  boxCard.append(h('p', {}, m.has_token ? t('monitor.token', { when: dateTime(m.token_created) }) : t('monitor.noToken')));
  if (manage) {
    const berr = errorLine();
    const out = h('div');
    const issue = h('button', { id: 'issue-token', type: 'button' }, m.has_token ? t('monitor.replaceToken') : t('monitor.issueToken'));
    issue.addEventListener('click', () => guarded(berr, async () => {
      const tk = await api('POST', `/api/monitors/${m.id}/token`);
      clear(out).append(h('p', {}, t('monitor.tokenLines')),
        h('pre', { class: 'note', id: 'token-lines' }, `MONITOR_CENTRAL_URL=${location.origin}\nMONITOR_TOKEN=${tk.token}`));
    }));
    const revoke = h('button', { class: 'danger', id: 'revoke-token', type: 'button', disabled: !m.has_token }, t('monitor.revoke'));
    revoke.addEventListener('click', () => guarded(berr, async () => {
      await api('DELETE', `/api/monitors/${m.id}/token`);
      reload();
    }));
    const name = h('input', { value: m.name, id: 'monitor-name' });
    const sleep = h('input', { type: 'number', min: 1, step: 1, value: m.sleep_time, id: 'monitor-sleep' });
    const save = h('button', { type: 'button' }, t('save'));
    save.addEventListener('click', () => guarded(berr, async () => {
      await api('PUT', `/api/monitors/${m.id}`, { name: name.value.trim(), sleep_time: Number(sleep.value) });
      reload();
    }));
    const del = h('button', { class: 'danger', type: 'button' }, t('monitor.delete'));
    del.addEventListener('click', () => guarded(berr, async () => {
      if (!confirm(t('monitor.confirmDelete', { name: m.name }))) return;
      await api('DELETE', `/api/monitors/${m.id}`);
      location.hash = '#/monitors';
    }));
    boxCard.append(h('div', { class: 'row' }, issue, revoke), out,
      h('div', { class: 'row' }, h('label', {}, t('col.name'), name), h('label', {}, t('monitor.sleep'), sleep), save),
      h('div', { class: 'row' }, del), berr);
  }
}

// Who owns the monitor and who else sees it; its owner or an admin gives it to another account
// and shares it (a shared monitor is seen, not changed). given: what follows a transfer (an owner
// who is no admin no longer sees the monitor).
function accessCard(m, manage, given) {
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const card = h('section', { class: 'card', id: 'access' }, h('h2', {}, t('monitor.access')));
  const err = errorLine();
  card.append(h('p', { id: 'owner' }, t('monitor.ownerIs'), ' ', h('strong', {}, m.owner || t('monitor.admins'))));
  if (manage) {
    const to = h('input', { id: 'transfer-to', placeholder: t('monitor.account'), 'aria-label': t('monitor.transferTo') });
    const give = h('button', { id: 'transfer', type: 'button' }, t('monitor.transfer'));
    give.addEventListener('click', () => guarded(err, async () => {
      const owner = to.value.trim();
      if (!confirm(t('monitor.confirmTransfer', { name: m.name, owner: owner || t('monitor.admins') }))) return;
      await api('PUT', `/api/monitors/${m.id}/owner`, { owner: owner || null });
      given();
    }));
    card.append(h('div', { class: 'row' }, h('label', {}, t('monitor.transferTo'), to), give));
  }
  card.append(h('h3', {}, t('monitor.shares')));
  if (m.shares.length === 0) card.append(message(t('monitor.noShares')));
  const list = h('ul', { id: 'shares' });
  for (const u of m.shares) {
    const li = h('li', { dataset: { share: u } }, u);
    if (manage) {
      const del = h('button', { class: 'danger', type: 'button' }, t('remove'));
      del.addEventListener('click', () => guarded(err, async () => {
        await api('DELETE', `/api/monitors/${m.id}/shares/${encodeURIComponent(u)}`);
        reload();
      }));
      li.append(' ', del);
    }
    list.append(li);
  }
  card.append(list);
  if (manage) {
    const user = h('input', { id: 'share-user', placeholder: t('monitor.account'), 'aria-label': t('monitor.shareWith') });
    const add = h('form', { class: 'row' }, h('label', {}, t('monitor.shareWith'), user),
      h('button', { type: 'submit', id: 'share-add' }, t('monitor.share')));
    add.addEventListener('submit', (ev) => {
      ev.preventDefault();
      guarded(err, async () => {
        await api('POST', `/api/monitors/${m.id}/shares`, { user: user.value.trim() });
        reload();
      });
    });
    card.append(add);
  }
  card.append(err);
  return card;
}

// A JSON list of hops, each a list of probes {ipaddr, name, rtt, anno}: a route.
function isRoute(v) {
  return Array.isArray(v) && v.length > 0 && v.every((hop) => Array.isArray(hop)) &&
    v.some((hop) => hop.some((x) => x && typeof x === 'object' && 'ipaddr' in x));
}

const routePath = (hops) => hops.map((hop) => (hop.find((x) => x && x.ipaddr) || {}).ipaddr || '*').join(',');

// A JSON field of a test: its newest value; a route as its hops and the paths it took, each dated
// by its first run (the server's runs where the field's shape changed, joined by path).
function jsonField(card, x, f) {
  const value = x.last[f.name];
  const id = `${x.test}-${f.name}`;
  card.append(h('h3', {}, f.name, f.help ? h('span', { class: 'muted' }, ` — ${f.help}`) : ''));
  if (!isRoute(value)) {
    card.append(h('pre', { class: 'note json', id: `json-${id}` }, JSON.stringify(value, null, 1)));
    return;
  }
  card.append(h('p', { class: 'muted' }, t('link.lastRun', { when: dateTime(x.last.t) })));
  const cols = [{ label: t('col.hop'), num: 1 }, { label: t('col.address') }, { label: t('col.name') }, { label: t('col.rtt'), num: 1 }];
  const rows = value.map((hop, i) => {
    const probes = Array.isArray(hop) ? hop : [];
    const addrs = [...new Set(probes.map((p) => p && (p.ipaddr || '*')).filter(Boolean))];
    const names = [...new Set(probes.map((p) => p && p.name).filter(Boolean))];
    const rtts = probes.map((p) => (p && typeof p.rtt === 'number' ? ms(p.rtt) : '*'));
    return h('tr', {}, cells(cols, [num(i + 1, 0), addrs.join(' ') || '*', names.join(' '), rtts.join(' / ')]));
  });
  card.append(table(cols, rows, { id: `hops-${id}` }));
  const paths = [];
  for (const c of x.changes[f.name] || []) {
    if (!isRoute(c.value)) continue;
    const path = routePath(c.value);
    const last = paths[paths.length - 1];
    if (last && last.path === path) {
      last.until = c.until;
      last.runs += c.runs;
    } else {
      paths.push({ t: c.t, until: c.until, runs: c.runs, from_start: c.from_start, path });
    }
  }
  const ccols = [{ label: t('col.since') }, { label: t('col.until') }, { label: t('col.runs'), num: 1 }, { label: t('col.path') }];
  card.append(h('h3', {}, t('link.changes')),
    paths.length <= 1 ? message(t('link.noChange'))
      : table(ccols, paths.slice().reverse().map((c) => h('tr', {}, cells(ccols, [
        h('span', { dataset: { since: c.t } }, dateTime(c.t), c.from_start ? h('span', { class: 'muted' }, ' ' + t('link.fromStart')) : ''),
        dateTime(c.until), count(c.runs), c.path.split(',').join(' → ')]))), { id: `changes-${id}` }));
}

const numeric = (f) => f.type === 'int' || f.type === 'number' || f.type === 'bool';

// One test's card, drawn from the record its module declares: the availability from its up field,
// its headline value over time (with the band of fields min and max when the record has them, and
// its loss field), a chart of each other field of a number type, the heat map of the headline,
// its JSON fields (a route as hops and paths) and its newest record. Each chart with its summary.
function testCard(cards, x, data, ctx, title) {
  const p = ctx.params;
  const field = (name) => x.fields.find((f) => f.name === name);
  const card = h('section', { class: 'card wide test', id: `test-${x.test}`, dataset: { test: x.test } },
    h('h2', {}, x.test, ' ', x.state ? stateBadge(x.state) : ''),
    h('p', { class: 'muted' }, t('link.records', { n: count(x.records), table: x.table }),
      x.interval ? ' · ' + t('link.interval', { s: x.interval }) : ''));
  cards.append(card);
  const av = x.availability;
  if (av) {
    card.append(h('h3', {}, t('link.availability'), h('span', { class: 'muted' }, ` (${x.up})`)),
      figures([
        [t('link.available'), av.pct === null ? '—' : pct(av.pct, 2), `availability-pct-${x.test}`],
        [t('link.upRecords'), `${count(av.up)} / ${count(av.records)}`],
        [t('link.longestUp'), duration(av.longest_up)],
        [t('link.longestDown'), duration(av.longest_down)],
        x.heatmap ? [t('link.active'), `${count(x.heatmap.active_hours)} h / ${count(x.heatmap.active_days)} d`] : null,
      ]));
    timeline(card, av.periods, data.start, data.end, data.now);
  }
  const step = av ? av.step : undefined;
  const ts = x.t;
  // the headline value over time: the min-max band of the record when it has both, its loss
  const head = field(x.headline);
  const lo = field('min'), hi = field('max');
  const band = head && lo && hi && lo.unit === head.unit && hi.unit === head.unit && numeric(lo) && numeric(hi);
  const loss = field(x.loss);
  const used = new Set([x.headline, band ? 'min' : null, band ? 'max' : null, x.loss].filter(Boolean));
  const chartOf = (id, fields, primary) => {
    const chartEl = h('div', { class: 'chart', id: `chart-${id}`, 'aria-describedby': `summary-${id}` });
    const summary = h('p', { class: 'summary', id: `summary-${id}` });
    card.append(chartEl);
    const kind = kindOf(primary);
    // the headline's negative values mean "none" (ping's -1 when nothing came back)
    const values = (f) => (x.values[f.name] || []).map((v) => (v === null || (f.name === x.headline && v < 0) ? null : v));
    const series = fields.map((f, i) => ({
      label: f.name + (f.unit ? ` (${f.unit})` : ''), values: values(f), kind: kindOf(f),
      scale: kindOf(f) === 'pct' && kind !== 'pct' ? 'pct' : 'y',
      color: f === lo || f === hi ? '#8fb3de' : PALETTE[i % PALETTE.length], width: f === primary ? 1.5 : 1,
      points: f === primary && ts.length < 400,
    }));
    const scales = { y: kind };
    if (series.some((s) => s.scale === 'pct')) scales.pct = 'pct';
    const chart = timeChart(chartEl, {
      t: ts, series, start: data.start, end: data.end, step, scales,
      bands: band && fields[0] === hi ? [[0, 1, 'rgba(43,108,176,0.18)']] : undefined,
      name: `${title}_${id}`, title: `${title} ${x.test} ${primary.name}`,
      aria: t('link.chartAria', { test: x.test, field: primary.name, name: title }),
    });
    const text = (a, b) => {
      const parts = fields.map((f) => {
        const st = stats(ts, values(f), a, b);
        return st.n ? t('summary.series', { label: f.name, min: fieldValue(f, st.min), mean: fieldValue(f, st.mean), max: fieldValue(f, st.max), when: dateTime(st.tmax) })
          : t('summary.noValue', { label: f.name });
      });
      if (band && fields[0] === hi) parts.push(t('summary.spreadFields', { lo: lo.name, hi: hi.name }));
      if (step) parts.push(holesText(holes(ts, step, Math.max(a, data.start), Math.min(b, data.end), data.now)));
      return parts.join(' ');
    };
    summary.textContent = text(data.start, data.end);
    card.append(summary, exportBar(chart, {}));
  };
  if (head) {
    card.append(h('h3', {}, head.name, head.help ? h('span', { class: 'muted' }, ` — ${head.help}`) : ''));
    chartOf(x.test, [band ? hi : null, band ? lo : null, head, loss].filter(Boolean), head);
  }
  for (const f of x.fields.filter((g) => numeric(g) && !used.has(g.name))) {
    card.append(h('h3', {}, f.name, f.help ? h('span', { class: 'muted' }, ` — ${f.help}`) : ''));
    chartOf(`${x.test}-${f.name}`, [f], f);
  }
  if (x.heatmap && head) {
    // the heat map: median or highest headline value of each hour, its loss, the three looks of no value
    const mode = p.get(`heat-${x.test}`) === 'max' ? 'max' : 'median';
    const heatCard = h('div', { class: 'heat', id: `heat-${x.test}` }, h('h3', {}, t('link.heat', { field: head.name })));
    card.append(heatCard);
    const pick = h('div', { class: 'row', role: 'radiogroup', 'aria-label': t('heat.mode') }, ['median', 'max'].map((m) =>
      h('label', { class: 'check' }, h('input', {
        type: 'radio', name: `heat-mode-${x.test}`, value: m, checked: m === mode, dataset: { heat: m, test: x.test },
        onchange: () => { const o = new URLSearchParams(ctx.params); if (m === 'max') o.set(`heat-${x.test}`, 'max'); else o.delete(`heat-${x.test}`); ctx.go(o); },
      }), t('heat.' + m))));
    const hm = x.heatmap;
    const heatEl = h('div', { 'aria-describedby': `heat-summary-${x.test}` });
    heatCard.append(pick, heatEl);
    const fmt = (v) => fieldValue(head, v);
    const heatExports = heatMap(heatEl, hm, {
      mode, fmt, label: t('link.heat', { field: head.name }), title: `${title} ${t('link.heat', { field: head.name })}`, name: `${title}_${x.test}_${head.name}_${mode}`, unit: head.unit || '',
    });
    heatCard.append(h('div', { class: 'row exports' },
      h('button', { class: 'secondary', type: 'button', dataset: { export: 'heat-csv', test: x.test }, onclick: () => heatExports.csv() }, t('export.csv')),
      h('button', { class: 'secondary', type: 'button', dataset: { export: 'heat-png', test: x.test }, onclick: () => heatExports.png() }, t('export.png'))));
    const rows = mode === 'max' ? hm.max : hm.value;
    let with_ = 0, noreply = 0, none = 0, lossy = 0, worst = null;
    hm.days.forEach((d, i) => { for (let hr = 0; hr < 24; hr++) {
      const st = cellState(hm, i, hr, rows);
      if (st === 'rtt') { with_++; if (!worst || rows[i][hr] > rows[worst[0]][worst[1]]) worst = [i, hr]; }
      else if (st === 'noreply') noreply++;
      else if (st === 'none') none++;
      if (st !== 'future' && hm.loss[i][hr] > 0) lossy++;
    } });
    heatCard.append(h('p', { class: 'summary', id: `heat-summary-${x.test}` }, t('summary.heatField', {
      field: head.name, with: with_, noreply, none, lossy, mode: t('heat.' + mode).toLowerCase(),
      worst: worst ? `${hm.days[worst[0]]} ${String(worst[1]).padStart(2, '0')}:00 (${fmt(rows[worst[0]][worst[1]])})` : '—',
    })));
  }
  for (const f of x.fields.filter((g) => g.type === 'json')) jsonField(card, x, f);
  const ncols = [{ label: t('col.field') }, { label: t('col.value') }];
  card.append(h('h3', {}, t('link.newestRecord', { when: dateTime(x.last.t) })),
    table(ncols, x.fields.filter((f) => f.type !== 'json').map((f) => h('tr', {}, cells(ncols, [f.name, fieldValue(f, x.last[f.name])]))),
      { id: `newest-${x.test}` }));
}

async function link(el, ctx) {
  const p = ctx.params;
  const monitorId = p.get('monitor'), linkId = p.get('link');
  const from = p.get('from') || '', to = p.get('to') || '';
  const base = () => new URLSearchParams(Object.entries({ monitor: monitorId, link: linkId }).filter(([, v]) => v));
  const go = (a, b) => { const o = base(); if (a) o.set('from', a); if (b) o.set('to', b); ctx.go(o); };
  el.append(h('h1', {}, t('link.title')), rangeControls(from, to, go, to));
  let data;
  try {
    data = await get('/api/probes/link' + qs({ monitor: monitorId, link: linkId, from, to }));
  } catch (e) {
    if (e.status === 404) {
      ctx.title(t('link.notFound'));
      el.querySelector('h1').textContent = t('link.notFound');
      el.append(errorBox(e), h('p', {}, h('a', { href: '#/monitors' }, t('link.back'))));
      return;
    }
    throw e;
  }
  if (!ctx.current()) return;
  el.querySelector('#range-from').value = data.from;
  el.querySelector('#range-to').value = data.to;
  const title = data.name || t('link.unnamed', { id: data.link });
  ctx.title(title);
  el.querySelector('h1').textContent = title;
  const last = data.tests.reduce((a, x) => Math.max(a, x.last ? x.last.t : 0), 0) || null;
  el.querySelector('h1').after(h('p', { class: 'muted', id: 'link-state' }, data.ip ? `${data.ip} · ` : '',
    data.registered ? h('a', { href: `#/monitor/${data.monitor}` }, data.monitor_name || t('link.monitor', { id: data.monitor }))
      : h('span', {}, data.monitor_name || t('link.monitor', { id: data.monitor }), ' ', h('span', { class: 'badge box-unregistered' }, t('box.unregistered'))),
    ' · ',
    data.state ? stateBadge(data.state) : '', ' ',
    last ? t('link.newest', { when: dateTime(last), ago: ago(last, data.now) }) : t('monitors.noResult'),
    data.interval ? ' · ' + t('link.interval', { s: data.interval }) : '',
    data.configured || !data.registered ? '' : ' · ' + t('link.notConfigured')));
  const cards = h('div', { class: 'cards' });
  el.append(cards);
  if (data.tests.length === 0) cards.append(message(t('link.noResults')));
  for (const x of data.tests) testCard(cards, x, data, ctx, title);
  cards.append(permalink());
}

page({ route: 'monitors', nav: { key: 'nav.monitors', order: 40 }, refresh: 30, render: monitors });
page({ route: 'monitor', section: 'monitors', title: 'nav.monitors', refresh: 0, render: monitor });
page({ route: 'link', section: 'monitors', title: 'link.title', refresh: 60, render: link });
