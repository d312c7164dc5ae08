// map.js - the map: each monitor and link at the place its configuration gives, and each link's
// newest route drawn hop by hop, every leg labelled with the RTT of the hop it reaches. A hop is
// drawn only where the server's geolocation database places its address; private, unknown and
// silent hops are listed under the map, said to be so, never guessed. Tiles only from the
// server's SERVE_MAP_TILES; without it the map is a plain background with a grid of degrees.
// Leaflet (npm, built into vendor/ by build.mjs) is loaded with the page, not before.
import { api, get, qs } from '../api.js';
import { cells, errorBox, h, message, table } from '../dom.js';
import { count, dateTime, ms, num, t } from '../i18n.js';
import { page } from '../pages.js';

let leaflet = null;
const loadLeaflet = async () => (leaflet ||= await import('../vendor/leaflet.esm.js'));

const placed = (x) => x && x.lat !== null && x.lat !== undefined && x.lon !== null && x.lon !== undefined;
const where = (x) => [x.lat, x.lon];
const linkHref = (m, l) => '#/link' + qs({ monitor: m.id, link: l.id });

// Where a hop is, in words: its city and country, or why it has no place.
function hopPlace(x) {
  if (x.kind === 'place') return [x.city, x.country].filter(Boolean).join(', ') || `${num(x.lat, 4)}, ${num(x.lon, 4)}`;
  if (x.kind === 'unknown' && x.country) return t('map.kind.unknownIn', { country: x.country });
  return t('map.kind.' + x.kind);
}

function hopTitle(x) {
  return [t('map.hop', { n: x.hop }), x.ip, x.name, ms(x.rtt), hopPlace(x)].filter(Boolean).join(' · ');
}

// A grid of degrees on the plain background, so the map has its bearings without tiles.
function graticule(L, map) {
  const style = { className: 'sb-grid', weight: 1, interactive: false };
  for (let lat = -75; lat <= 75; lat += 15) L.polyline([[lat, -180], [lat, 180]], style).addTo(map);
  for (let lon = -180; lon <= 180; lon += 15) L.polyline([[-85, lon], [85, lon]], style).addTo(map);
}

// The route of link l of monitor m: from the monitor's place through each placed hop to the
// link's place (when it has one and the last hop is not already there), each leg labelled with
// the RTT of the hop it reaches (the leg to the link's place, with the last hop's when that hop
// is the link's address). Returns the points drawn.
function drawRoute(L, map, m, l) {
  const pts = [];
  if (placed(m)) pts.push({ at: where(m), label: null });
  for (const x of l.route.hops)
    if (x.kind === 'place') pts.push({ at: where(x), label: ms(x.rtt), hop: x });
  if (placed(l)) {
    const last = pts[pts.length - 1];
    // the leg to the link's own place: the RTT of the last hop when that hop is the link
    const end = l.route.hops[l.route.hops.length - 1];
    if (!last || last.at[0] !== l.lat || last.at[1] !== l.lon)
      pts.push({ at: where(l), label: end && end.ip === l.ip ? ms(end.rtt) : null });
  }
  for (let i = 1; i < pts.length; i++) {
    const leg = L.polyline([pts[i - 1].at, pts[i].at], { className: 'sb-route', weight: 3 }).addTo(map);
    if (pts[i].label) leg.bindTooltip(pts[i].label, { permanent: true, direction: 'center', className: 'sb-rtt' });
  }
  // the hops over their legs
  for (const p of pts)
    if (p.hop) L.circleMarker(p.at, { radius: 5, className: 'sb-hop', weight: 2 }).bindTooltip(hopTitle(p.hop)).addTo(map);
  return pts.map((p) => p.at);
}

function routeTable(m, l) {
  const cols = [{ label: t('map.col.hop'), num: 1 }, { label: t('map.col.ip') }, { label: t('map.col.name') },
    { label: t('map.col.rtt'), num: 1 }, { label: t('map.col.replies'), num: 1 }, { label: t('map.col.place') }];
  const rows = l.route.hops.map((x) => h('tr', { dataset: { kind: x.kind } }, cells(cols, [
    x.hop, x.ip || '*', x.name || '', ms(x.rtt), `${count(x.replies)} / ${count(x.sent)}`,
    h('span', { class: x.kind === 'place' ? null : 'muted' }, hopPlace(x))])));
  return h('details', { class: 'route', dataset: { monitor: m.id, link: l.id } },
    h('summary', {}, t('map.routeOf', { monitor: m.name, link: l.name, when: dateTime(l.route.t), n: l.route.hops.length })),
    table(cols, rows, { id: `route-${m.id}-${l.id}` }));
}

// The places of a monitor and its links on its settings page: each a latitude and a longitude
// (degrees; both empty: no place), saved through the API, which checks them as monitor.json
// does. Who manages the monitor (ctx.admin: its owner or an admin) edits them; others read them.
// done() runs after a save.
export function placesCard(m, ctx, done) {
  const card = h('section', { class: 'card', id: 'places' }, h('h2', {}, t('map.places')),
    h('p', { class: 'muted' }, t('map.placesHelp'), ' ', h('a', { href: '#/map' }, t('map.see'))));
  const err = h('p', { class: 'error', role: 'alert' });
  const cols = [{ label: t('map.col.what') }, { label: t('map.col.lat'), num: 1 }, { label: t('map.col.lon'), num: 1 }, { label: '' }];
  const row = (label, x, path, key) => {
    if (!ctx.admin)
      return h('tr', {}, cells(cols, [label, placed(x) ? num(x.lat, 4) : '—', placed(x) ? num(x.lon, 4) : '—', '']));
    const input = (v, lim, what) => h('input', {
      type: 'number', step: 'any', min: -lim, max: lim, value: placed(x) ? v : '', size: 9,
      class: `place-${what}`, 'aria-label': `${label}: ${t('map.col.' + what)}`,
    });
    const lat = input(x.lat, 90, 'lat'), lon = input(x.lon, 180, 'lon');
    const save = h('button', { type: 'button', class: 'place-save' }, t('save'));
    save.addEventListener('click', async () => {
      err.textContent = '';
      const empty = lat.value.trim() === '' && lon.value.trim() === '';
      try {
        await api('PUT', path, empty ? { lat: null, lon: null } : { lat: Number(lat.value), lon: Number(lon.value) });
        done();
      } catch (e) {
        err.textContent = e.message;
      }
    });
    return h('tr', { dataset: { place: key } }, cells(cols, [label, lat, lon, save]));
  };
  const rows = [row(`${t('map.legend.monitor')} ${m.name}`, m, `/api/monitors/${m.id}`, 'monitor'),
    ...m.links.map((l) => row(l.name, l, `/api/monitors/${m.id}/links/${l.id}`, `link-${l.id}`))];
  card.append(table(cols, rows), err);
  return card;
}

async function mapPage(el, ctx) {
  el.append(h('h1', {}, t('map.title')));
  let data;
  try {
    [data] = await Promise.all([get('/api/map'), loadLeaflet()]);
  } catch (e) {
    el.append(errorBox(e));
    return;
  }
  if (!ctx.current()) return;
  const L = leaflet;
  const box = h('div', { id: 'map', class: data.tiles ? 'map' : 'map plain', role: 'region', 'aria-label': t('map.title'), 'aria-describedby': 'map-summary' });
  const summary = h('p', { class: 'summary', id: 'map-summary' });
  const legend = h('p', { class: 'legend' },
    h('span', { class: 'sw sw-monitor' }), t('map.legend.monitor'),
    h('span', { class: 'sw sw-link' }), t('map.legend.link'),
    h('span', { class: 'sw sw-hop' }), t('map.legend.hop'),
    h('span', { class: 'sw sw-route' }), t('map.legend.route'));
  el.append(box, legend, summary);
  const map = L.map(box, { worldCopyJump: true, minZoom: 1, attributionControl: !!data.tiles });
  if (data.tiles) {
    L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution || '', maxZoom: 19 }).addTo(map);
  } else {
    graticule(L, map);
  }
  const bounds = [];
  const unplaced = [];
  let nlinks = 0, nroutes = 0, nhops = 0;
  const tables = h('div', { class: 'routes' });
  const markers = []; // drawn last, over the routes
  for (const m of data.monitors) {
    if (placed(m)) {
      markers.push(() => L.circleMarker(where(m), { radius: 9, className: 'sb-monitor', weight: 2 })
        .bindTooltip(`${t('map.legend.monitor')} ${m.name}`).addTo(map));
      bounds.push(where(m));
    } else {
      unplaced.push(t('map.legend.monitor') + ' ' + m.name);
    }
    for (const l of m.links) {
      if (placed(l)) {
        nlinks++;
        markers.push(() => L.circleMarker(where(l), { radius: 7, className: 'sb-link', weight: 2 })
          .bindTooltip(`${l.name} · ${l.ip}`)
          .on('click', () => { location.hash = linkHref(m, l); })
          .addTo(map));
        bounds.push(where(l));
        if (placed(m) && !l.route)
          L.polyline([where(m), where(l)], { className: 'sb-tie', weight: 1, dashArray: '4 6', interactive: false }).addTo(map);
      } else {
        unplaced.push(`${m.name} · ${l.name} (${l.ip})`);
      }
      if (l.route) {
        nroutes++;
        nhops += l.route.hops.filter((x) => x.kind === 'place').length;
        bounds.push(...drawRoute(L, map, m, l));
        tables.append(routeTable(m, l));
      }
    }
  }
  for (const draw of markers) draw();
  if (bounds.length > 1) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 8 });
  else if (bounds.length === 1) map.setView(bounds[0], 6);
  else map.setView([0, 0], 1);
  summary.textContent = t('map.summary', {
    monitors: count(data.monitors.filter(placed).length), links: count(nlinks), routes: count(nroutes), hops: count(nhops),
  }) + ' ' + (data.geoip ? t('map.geoip', { type: data.geoip.type, built: dateTime(data.geoip.built) }) : t('map.noGeoip'));
  if (data.monitors.length === 0) el.append(message(t('monitors.none')));
  if (unplaced.length) el.append(h('p', { class: 'muted', id: 'map-unplaced' }, t('map.unplaced', { list: unplaced.join('; ') })));
  el.append(tables);
  // the box got its size only once in the page: let Leaflet measure it again
  setTimeout(() => map.invalidateSize(), 0);
}

page({ route: 'map', nav: { key: 'nav.map', order: 45 }, title: 'map.title', refresh: 300, render: mapPage });
