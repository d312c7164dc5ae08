// pages.js - the registry of the dashboard's pages. A page module calls page({...}) once; the
// router (app.js) finds pages by route and builds the navigation from those with a nav entry, in
// their order. A new page is a module under pages/ that registers itself, imported once by app.js,
// with its words in each catalogue (i18n/*.js).
//
//   route    the first segment of the hash: '' (#/), 'find' (#/find?q=...), 'iface', ...
//   nav      {key: catalogue key of its label, order: place in the bar, admin: admins only};
//            pages without nav are reached by links (a navigation entry stays lit for them when
//            they name it in `section`)
//   section  the nav route lit while this page is shown (default: its own route)
//   refresh  seconds between the page's own refreshes (0: never); it redraws from the URL, which
//            holds everything the page shows (range, zoom, selection, sort)
//   render   async (el, ctx): builds the page in el; its controls first, so an answer refused by
//            the server leaves them usable under the error
const registry = new Map();

export function page(def) {
  if (registry.has(def.route)) throw new Error(`page ${def.route} registered twice`);
  registry.set(def.route, { refresh: 0, section: def.route, ...def });
}

export const pageOf = (route) => registry.get(route) || null;

export function navPages(admin) {
  return [...registry.values()].filter((p) => p.nav && (admin || !p.nav.admin))
    .sort((a, b) => a.nav.order - b.nav.order);
}
