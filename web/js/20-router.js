/* 20-router.js - hash routing (#/offers, #/results/3?intent=High ...).
 * Each screen renders into a fresh root and gets a context whose timers and
 * streams are stopped when it is left; a screen that sets ctx.onQuery handles
 * changes of its own query (filters, pages) in place, keeping focus. */

var routes = [];
var cur = null; /* {path, ctx} of the screen on show */
var rendered = false;

function route(re, nav, render) {
  routes.push({ re: re, nav: nav, render: render });
}

/* The route part of location.hash, or null for a plain fragment (#main). */
function parseHash() {
  var h = location.hash || '';
  if (h === '' || h === '#') h = '#/';
  if (h.slice(0, 2) !== '#/') return null;
  var body = h.slice(1);
  var q = body.indexOf('?');
  var path = (q >= 0 ? body.slice(0, q) : body).replace(/\/+$/, '') || '/';
  return { path: path, query: new URLSearchParams(q >= 0 ? body.slice(q + 1) : '') };
}

function Ctx(root, params, query) {
  this.root = root;
  this.params = params;
  this.query = query;
  this.live = true;
  this.onQuery = null;
  this.cleanups = [];
}
Ctx.prototype.onLeave = function (fn) {
  this.cleanups.push(fn);
};
/* fn every ms while the screen is shown and the tab visible. */
Ctx.prototype.every = function (ms, fn) {
  var t = setInterval(function () {
    if (document.visibilityState === 'visible' && !net.down) fn();
  }, ms);
  this.onLeave(function () { clearInterval(t); });
};
Ctx.prototype.leave = function () {
  this.live = false;
  this.cleanups.forEach(function (fn) {
    try { fn(); } catch (e) { /* a cleanup must not stop the others */ }
  });
  this.cleanups = [];
};

function setNav(name) {
  var links = document.querySelectorAll('#nav a');
  for (var i = 0; i < links.length; i++) {
    var on = name && links[i].getAttribute('href') === '#/' + name;
    if (on) links[i].setAttribute('aria-current', 'page');
    else links[i].removeAttribute('aria-current');
  }
}

/* A screen's h1 (focus target after navigation) and the document title. */
function heading(ctx, text, sub) {
  document.title = text + ' - leadscore';
  var h = el('h1', { tabindex: '-1' }, text);
  ctx.root.appendChild(sub ? el('div', { class: 'page-head' }, [h, sub]) : h);
  return h;
}

function leaveScreen() {
  if (cur) cur.ctx.leave();
  cur = null;
  closeDialogs();
}

function render(force) {
  var h = parseHash();
  if (!h) return; /* a fragment such as the skip link's */
  if (!session.ready) return;
  if (session.needSignIn) {
    showSignIn();
    return;
  }
  if (!force && cur && cur.path === h.path && cur.ctx.onQuery) {
    cur.ctx.query = h.query;
    cur.ctx.onQuery(h.query);
    return;
  }
  leaveScreen();
  byId('nav').hidden = false;
  var main = byId('main');
  clear(main);
  var root = el('div', { class: 'screen' });
  main.appendChild(root);
  var r = null, m = null;
  for (var i = 0; i < routes.length && !m; i++) {
    m = routes[i].re.exec(h.path);
    if (m) r = routes[i];
  }
  if (!r) {
    r = { nav: null, render: screenNotFound };
    m = [h.path];
  }
  var ctx = new Ctx(root, m, h.query);
  cur = { path: h.path, ctx: ctx };
  setNav(r.nav);
  r.render(ctx);
  if (rendered && !force) {
    var h1 = root.querySelector('h1');
    if (h1) h1.focus();
  }
  rendered = true;
}

function reloadScreen() {
  if (!session.ready) boot();
  else render(true);
}

/* The hash for path with query params (empty values left out). */
function hashFor(path, params) {
  return '#' + path + qs(params);
}

function go(hash) {
  if (location.hash === hash) reloadScreen();
  else location.hash = hash;
}

function screenNotFound(ctx) {
  heading(ctx, 'Page not found');
  ctx.root.appendChild(el('p', null, ['There is no screen at this address. ', el('a', { href: '#/' }, 'Go to the dashboard')]));
}

/*
 * '#/': the results when a job exists, else the offers. boot.js and boot()
 * ask for the latest job beside /session, so the first screen waits one round
 * trip less.
 */
var latestJobEarly = null;

route(/^\/$/, null, function (ctx) {
  ctx.root.appendChild(el('p', { class: 'muted' }, 'Loading…'));
  var latest = latestJobEarly || api('GET', '/jobs' + qs({ limit: 1 }));
  latestJobEarly = null;
  latest.then(function (r) {
    if (!ctx.live) return;
    var has = r.data && r.data.total > 0;
    /* Straight to that screen, in this task: a location.replace would wait for
     * its hashchange event, after the browser has painted "Loading…". */
    history.replaceState(history.state, '', has ? '#/results' : '#/offers');
    render(true); /* the page's first screen: focus stays where loading left it */
  }, function (e) {
    if (!ctx.live) return;
    clear(ctx.root);
    heading(ctx, 'leadscore');
    ctx.root.appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
  });
});

window.addEventListener('hashchange', function () { render(false); });
