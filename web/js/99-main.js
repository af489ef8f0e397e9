/* 99-main.js - start: who is this, then the screen the hash names. */

function boot() {
  var h = location.hash;
  if (h === '' || h === '#' || h === '#/') {
    /* A 401 here is the sign-in's to handle (loadSession); the router asks again after it. */
    latestJobEarly = api('GET', '/jobs' + qs({ limit: 1 }), null, { allow401: true });
    latestJobEarly.catch(function () { latestJobEarly = null; });
  }
  if (h === '' || h === '#' || h === '#/' || h === '#/results') {
    /* The first page of the latest results, as the results screen asks for it. */
    prefetch('/results' + qs({ limit: RESULTS_PAGE, offset: 0 }));
  }
  loadSession().then(function () {
    render(true);
  }, function (e) {
    if (e.network) return; /* the banner is up; reloadScreen() boots again once the server answers */
    var main = clear(byId('main'));
    main.appendChild(el('h1', null, 'leadscore'));
    main.appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
  });
}

byId('skip').addEventListener('click', function (ev) {
  ev.preventDefault();
  byId('main').focus();
});

boot();
