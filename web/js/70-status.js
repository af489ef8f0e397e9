/* 70-status.js - #/status: what the server says about itself and about the caller. */

route(/^\/status$/, 'status', function (ctx) {
  heading(ctx, 'Status');
  var box = el('section', { class: 'card', 'aria-label': 'Server' }, el('p', { class: 'muted' }, 'Loading…'));
  ctx.root.appendChild(box);
  ctx.root.appendChild(el('section', { class: 'card', 'aria-labelledby': 'links-h' }, [
    el('h2', { id: 'links-h' }, 'For machines'),
    el('ul', { class: 'plain' }, [
      el('li', null, [el('a', { href: '/openapi.json' }, 'OpenAPI document (/openapi.json)'), ' - every route, parameter and reply']),
      el('li', null, [el('a', { href: '/metrics' }, 'Metrics (/metrics)'), ' - Prometheus text format'])
    ])
  ]));

  function show(h, problem) {
    var ai = h.ai || {};
    var s = session.info || {};
    clear(box);
    if (problem) box.appendChild(el('p', { class: 'msg error', role: 'alert' }, problem));
    box.appendChild(dl([
      ['Status', h.status || '-'],
      ['Version', h.version],
      ['Provider', ai.provider],
      ['Model', ai.model || (ai.provider === 'offline' ? 'none (built-in judge)' : '-')],
      ['Store', h.store],
      ['Store status', h.store_status],
      ['Auth mode', authText(h.auth, s.auth)],
      ['Workspace', s.workspace ? s.workspace.name + ' (id ' + s.workspace.id + ')' : '-'],
      ['Role', s.role || '-'],
      s.expires_at ? ['Session expires', timeEl(s.expires_at)] : null,
      h.uptime_s !== undefined ? ['Up for', fmtDuration(h.uptime_s * 1000)] : null
    ]));
  }

  function load() {
    api('GET', '/healthz').then(function (r) {
      if (ctx.live) show(r.data || {});
    }, function (e) {
      if (!ctx.live || e.network) return;
      show(e.body || {}, errText(e));
    });
  }
  load();
  ctx.every(5000, load);
});

function authText(server, mine) {
  var a = server === 'open' ? 'open (no key needed on this loopback server)' : server === 'keys' ? 'keys required' : String(server || '-');
  if (mine === 'session') a += '; you are signed in with a session';
  else if (mine === 'key') a += '; you use an API key';
  return a;
}
