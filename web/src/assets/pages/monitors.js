// monitors.js - the probe pages: monitors and their links, one monitor's settings (links, tests,
// token) for admins, and one link's RTT, loss, heat map, availability and traceroute.
import { api, get, qs } from '../api.js';
import { addDays, ago, clear, fmt, h, message, table, when } from '../dom.js';
import { heatMap, timeChart, timeline } from '../charts.js';

function stateBadge(state) {
  return h('span', { class: `badge ${state}` }, state);
}

function lastCell(l, now) {
  if (!l.last) return h('span', { class: 'muted' }, 'no result in 24 h');
  return h('span', {}, l.last.rtt >= 0 ? `${fmt(l.last.rtt, 1)} ms` : 'no reply', ' ',
    h('span', { class: 'muted' }, ago(l.last.t, now)));
}

function linkHref(m, l) {
  return '#/link' + qs({ monitor: m.id, link: l.id });
}

export async function monitorsPage(app, ctx) {
  const data = await get('/api/monitors');
  if (!ctx.current()) return;
  app.append(h('h1', {}, 'Monitors'));
  if (ctx.admin) {
    const name = h('input', { placeholder: 'name', id: 'new-monitor-name', required: true });
    const err = h('span', { class: 'error' });
    const form = h('form', { class: 'row' }, h('label', {}, 'New monitor', name),
      h('button', { type: 'submit', id: 'new-monitor' }, 'Add'), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const m = await api('POST', '/api/monitors', { name: name.value.trim() });
        location.hash = `#/monitor/${m.id}`;
      } catch (e) { err.textContent = e.message; }
    });
    app.append(form);
  }
  if (data.monitors.length === 0) app.append(message('No monitors yet.'));
  const cards = h('div', { class: 'cards' });
  app.append(cards);
  for (const m of data.monitors) {
    const up = m.links.filter((l) => l.state === 'up').length;
    cards.append(h('section', { class: 'card', dataset: { monitor: m.id } },
      h('h2', {}, h('a', { href: `#/monitor/${m.id}` }, `${m.name}`), ' ', h('span', { class: 'muted' }, `#${m.id}`)),
      h('p', { class: 'muted' }, `${up} of ${m.links.length} links up · last contact ${ago(m.last_seen, data.now)}` +
        (m.pulled && m.pulled < m.version ? ' · config change not yet pulled' : '')),
      m.links.length === 0 ? message('No links.') :
        table(['Link', 'IP', 'State', 'Last result'], m.links.map((l) => h('tr', {},
          h('td', {}, h('a', { href: linkHref(m, l) }, l.name)), h('td', {}, l.ip),
          h('td', {}, l.status ? stateBadge(l.state) : h('span', { class: 'badge' }, 'off')),
          h('td', {}, lastCell(l, data.now)))))));
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

export async function monitorPage(app, ctx) {
  const id = ctx.args[0];
  const m = await get(`/api/monitors/${encodeURIComponent(id)}`);
  if (!ctx.current()) return;
  const reload = () => { if (ctx.current()) window.dispatchEvent(new HashChangeEvent('hashchange')); };
  app.append(h('h1', {}, m.name, ' ', h('span', { class: 'muted' }, `monitor #${m.id}`)),
    h('p', { class: 'muted' }, `config version ${m.version}` +
      (m.pulled ? `, pulled: version ${m.pulled}` : ', never pulled') +
      ` · last contact ${ago(m.last_seen)} · ${m.results} results received · `,
      h('a', { href: `/api/monitors/${m.id}/config`, target: '_blank' }, 'monitor.json')));
  const cards = h('div', { class: 'cards' });
  app.append(cards);

  // links
  const linksCard = h('section', { class: 'card wide', id: 'links' }, h('h2', {}, 'Links'));
  cards.append(linksCard);
  const lerr = errorLine();
  const rows = m.links.map((l) => {
    if (!ctx.admin)
      return h('tr', { dataset: { link: l.id } }, h('td', {}, l.id), h('td', {}, h('a', { href: linkHref(m, l) }, l.name)),
        h('td', {}, l.ip), h('td', {}, l.status ? stateBadge(l.state) : 'off'), h('td', {}, lastCell(l)));
    const name = h('input', { value: l.name, 'aria-label': 'name', class: 'link-name' });
    const ip = h('input', { value: l.ip, 'aria-label': 'ip', class: 'link-ip', size: 15 });
    const on = h('input', { type: 'checkbox', 'aria-label': 'enabled', class: 'link-status' });
    on.checked = l.status;
    const save = h('button', { class: 'link-save' }, 'Save');
    save.addEventListener('click', () => guarded(lerr, async () => {
      await api('PUT', `/api/monitors/${m.id}/links/${l.id}`, { name: name.value.trim(), ip: ip.value.trim(), status: on.checked });
      reload();
    }));
    const del = h('button', { class: 'danger link-del' }, 'Delete');
    del.addEventListener('click', () => guarded(lerr, async () => {
      if (!confirm(`Delete link ${l.name}? Its stored results stay.`)) return;
      await api('DELETE', `/api/monitors/${m.id}/links/${l.id}`);
      reload();
    }));
    return h('tr', { dataset: { link: l.id } }, h('td', {}, l.id), h('td', {}, name), h('td', {}, ip), h('td', {}, on),
      h('td', {}, h('a', { href: linkHref(m, l) }, stateBadge(l.state))), h('td', {}, save, ' ', del));
  });
  linksCard.append(rows.length ? table(ctx.admin ? ['Id', 'Name', 'IP', 'On', 'State', '']
    : ['Id', 'Name', 'IP', 'State', 'Last result'], rows) : message('No links yet.'), lerr);
  if (ctx.admin) {
    const name = h('input', { placeholder: 'name', id: 'add-link-name' });
    const ip = h('input', { placeholder: '192.0.2.1', id: 'add-link-ip', size: 15 });
    const add = h('form', { class: 'row' }, h('label', {}, 'Link', name), h('label', {}, 'IP', ip),
      h('button', { type: 'submit', id: 'add-link' }, 'Add link'));
    add.addEventListener('submit', (ev) => {
      ev.preventDefault();
      guarded(lerr, async () => {
        await api('POST', `/api/monitors/${m.id}/links`, { name: name.value.trim(), ip: ip.value.trim() });
        reload();
      });
    });
    linksCard.append(add);
  }

  // tests
  const testsCard = h('section', { class: 'card', id: 'tests' }, h('h2', {}, 'Tests'));
  cards.append(testsCard);
  const terr = errorLine();
  for (const t of m.tests) {
    const text = h('textarea', { rows: 3, readonly: !ctx.admin, 'aria-label': `${t.name} parameters` });
    text.value = JSON.stringify(t.params, null, 1);
    const box = h('div', { dataset: { test: t.name } }, h('h3', {}, t.name), text);
    if (ctx.admin) {
      const save = h('button', {}, 'Save');
      save.addEventListener('click', () => guarded(terr, async () => {
        let params;
        try { params = JSON.parse(text.value); } catch (e) { throw new Error('the parameters are not valid JSON'); }
        await api('PUT', `/api/monitors/${m.id}/tests/${t.name}`, params);
        reload();
      }));
      const del = h('button', { class: 'danger' }, 'Remove');
      del.addEventListener('click', () => guarded(terr, async () => {
        await api('DELETE', `/api/monitors/${m.id}/tests/${t.name}`);
        reload();
      }));
      box.append(h('div', { class: 'row' }, save, del));
    }
    testsCard.append(box);
  }
  if (m.tests.length === 0) testsCard.append(message('No tests: the monitor runs nothing.'));
  if (ctx.admin) {
    const free = m.modules.filter((mod) => !m.tests.some((t) => t.name === mod.name));
    if (free.length > 0) {
      const sel = h('select', { id: 'add-test-name' }, free.map((mod) => h('option', { value: mod.name }, mod.name)));
      const params = h('textarea', { rows: 2, id: 'add-test-params' });
      params.value = '{"interval": 60}';
      const help = h('p', { class: 'muted' });
      const showHelp = () => {
        const mod = free.find((x) => x.name === sel.value);
        help.textContent = mod ? `${(mod.description || '').replace(/\.?$/, '.')} Parameters: ` +
          (mod.params.map((p) => `${p.name} (${p.type}${p.default !== null ? ', default ' + p.default : ''})`).join(', ') || 'interval only') : '';
      };
      sel.addEventListener('change', showHelp);
      showHelp();
      const add = h('button', { id: 'add-test' }, 'Add test');
      add.addEventListener('click', () => guarded(terr, async () => {
        let p;
        try { p = JSON.parse(params.value); } catch (e) { throw new Error('the parameters are not valid JSON'); }
        await api('PUT', `/api/monitors/${m.id}/tests/${sel.value}`, p);
        reload();
      }));
      testsCard.append(h('h3', {}, 'Add a test'), h('div', { class: 'row' }, sel, add), params, help);
    }
  }
  testsCard.append(terr);

  // the box: token and settings
  const boxCard = h('section', { class: 'card', id: 'box' }, h('h2', {}, 'The monitor box'));
  cards.append(boxCard);
  boxCard.append(h('p', {}, m.has_token ? `Token issued ${when(m.token_created, ctx.tz)}.` : 'No token: the box cannot connect.'));
  if (ctx.admin) {
    const berr = errorLine();
    const out = h('div');
    const issue = h('button', { id: 'issue-token' }, m.has_token ? 'Replace the token' : 'Issue a token');
    issue.addEventListener('click', () => guarded(berr, async () => {
      const t = await api('POST', `/api/monitors/${m.id}/token`);
      clear(out).append(h('p', {}, 'Put these lines in the .env of the monitor box (shown once):'),
        h('pre', { class: 'note', id: 'token-lines' }, `MONITOR_CENTRAL_URL=${location.origin}\nMONITOR_TOKEN=${t.token}`));
    }));
    const revoke = h('button', { class: 'danger', id: 'revoke-token', disabled: !m.has_token }, 'Revoke');
    revoke.addEventListener('click', () => guarded(berr, async () => {
      await api('DELETE', `/api/monitors/${m.id}/token`);
      reload();
    }));
    const name = h('input', { value: m.name, id: 'monitor-name' });
    const sleep = h('input', { type: 'number', min: 1, step: 1, value: m.sleep_time, id: 'monitor-sleep' });
    const save = h('button', {}, 'Save');
    save.addEventListener('click', () => guarded(berr, async () => {
      await api('PUT', `/api/monitors/${m.id}`, { name: name.value.trim(), sleep_time: Number(sleep.value) });
      reload();
    }));
    const del = h('button', { class: 'danger' }, 'Delete monitor');
    del.addEventListener('click', () => guarded(berr, async () => {
      if (!confirm(`Delete monitor ${m.name}? Its stored results stay.`)) return;
      await api('DELETE', `/api/monitors/${m.id}`);
      location.hash = '#/monitors';
    }));
    boxCard.append(h('div', { class: 'row' }, issue, revoke), out,
      h('div', { class: 'row' }, h('label', {}, 'Name', name), h('label', {}, 'Checks config every (s)', sleep), save),
      h('div', { class: 'row' }, del), berr);
  }
}

export async function linkPage(app, ctx) {
  const p = ctx.params;
  const monitor = p.get('monitor'), link = p.get('link');
  const data = await get('/api/probes/link' + qs({ monitor, link, from: p.get('from'), to: p.get('to') }));
  if (!ctx.current()) return;
  app.append(h('h1', {}, data.name || `link ${data.link}`, ' ', h('span', { class: 'muted' }, data.ip || '')),
    h('p', { class: 'muted' }, h('a', { href: `#/monitor/${data.monitor}` }, data.monitor_name || `monitor #${data.monitor}`)));
  const f = h('input', { type: 'date', value: data.from, id: 'range-from' });
  const t = h('input', { type: 'date', value: data.to, id: 'range-to' });
  const go = (a, b) => { location.hash = '#/link' + qs({ monitor, link, from: a, to: b }); };
  app.append(h('div', { class: 'row' }, h('label', {}, 'From', f), h('label', {}, 'To', t),
    h('button', { onclick: () => go(f.value, t.value) }, 'Show'),
    h('button', { class: 'secondary', onclick: () => go(data.to, data.to) }, '1 day'),
    h('button', { class: 'secondary', onclick: () => go(addDays(data.to, -6), data.to) }, '7 days'),
    h('button', { class: 'secondary', onclick: () => go(addDays(data.to, -29), data.to) }, '30 days')));
  const av = data.availability;
  const cards = h('div', { class: 'cards' });
  app.append(cards);
  const hours = (s) => (s >= 3600 ? `${fmt(s / 3600, 1)} h` : `${Math.round(s / 60)} min`);
  const avCard = h('section', { class: 'card wide', id: 'availability' }, h('h2', {}, 'Availability'),
    h('div', { class: 'figures' },
      h('div', {}, h('span', { class: 'muted' }, 'Available'), h('b', { id: 'availability-pct' }, av.pct === null ? '—' : `${fmt(av.pct, 2)} %`)),
      h('div', {}, h('span', { class: 'muted' }, 'Ping records'), h('b', {}, `${av.up} / ${av.records}`)),
      h('div', {}, h('span', { class: 'muted' }, 'Longest up'), h('b', {}, hours(av.longest_up))),
      h('div', {}, h('span', { class: 'muted' }, 'Longest down'), h('b', {}, hours(av.longest_down))),
      h('div', {}, h('span', { class: 'muted' }, 'Active hours / days'),
        h('b', {}, `${data.heatmap.active_hours} h / ${data.heatmap.active_days} d`))));
  cards.append(avCard);
  timeline(avCard, av.periods, data.start, data.end, ctx.tz);
  const rttCard = h('section', { class: 'card wide' }, h('h2', {}, 'RTT and loss'));
  cards.append(rttCard);
  if (data.ping.t.length === 0) {
    rttCard.append(message('No ping results in this range.'));
  } else {
    const chart = h('div', { class: 'chart', id: 'rtt-chart' });
    rttCard.append(chart);
    timeChart(chart, data.ping.t, [
      { label: 'RTT', values: data.ping.rtt.map((v) => (v >= 0 ? v : null)), color: '#1f77b4', points: true },
      { label: 'loss', values: data.ping.loss, color: '#d62728', scale: 'pct', width: 1, digits: 0 },
    ], { tz: ctx.tz, units: { y: 'ms', pct: 'loss %' } });
  }
  const heatCard = h('section', { class: 'card wide' }, h('h2', {}, 'RTT by hour and day'));
  cards.append(heatCard);
  heatMap(heatCard, data.heatmap.days, data.heatmap.rtt);
  if (data.http.t.length > 0) {
    const httpCard = h('section', { class: 'card wide' }, h('h2', {}, 'HTTP'));
    cards.append(httpCard);
    const chart = h('div', { class: 'chart' });
    httpCard.append(chart);
    timeChart(chart, data.http.t, [
      { label: 'total', values: data.http.total.map((v) => (v >= 0 ? v : null)), color: '#2ca02c', points: true },
      { label: 'status', values: data.http.status, color: '#9467bd', scale: 'status', width: 1, digits: 0 },
    ], { tz: ctx.tz, units: { y: 'ms', status: 'status' } });
  }
  const tr = data.traceroute;
  const trCard = h('section', { class: 'card wide', id: 'traceroute' }, h('h2', {}, 'Traceroute'));
  cards.append(trCard);
  if (!tr.last) {
    trCard.append(message('No traceroute in this range.'));
  } else {
    trCard.append(h('p', { class: 'muted' }, `Last run ${when(tr.last.t, ctx.tz)}`));
    const rows = (tr.last.hops || []).map((hop, i) => {
      const probes = Array.isArray(hop) ? hop : [];
      const addrs = [...new Set(probes.map((x) => x && (x.ipaddr || '*')).filter(Boolean))];
      const names = [...new Set(probes.map((x) => x && x.name).filter(Boolean))];
      const rtts = probes.map((x) => (x && typeof x.rtt === 'number' ? fmt(x.rtt, 1) : '*'));
      return h('tr', {}, h('td', { class: 'num' }, i + 1), h('td', {}, addrs.join(' ') || '*'),
        h('td', {}, names.join(' ')), h('td', { class: 'num' }, rtts.join(' / ')));
    });
    trCard.append(table([{ label: 'Hop', num: 1 }, 'Address', 'Name', { label: 'RTT ms', num: 1 }], rows));
    trCard.append(h('h3', {}, 'When the path changed'),
      tr.changes.length <= 1 ? message('The path did not change in this range.')
        : table(['Since', 'Path'], tr.changes.slice().reverse().map((c) =>
          h('tr', {}, h('td', {}, when(c.t, ctx.tz)), h('td', {}, c.path.split(',').join(' → '))))));
  }
}
