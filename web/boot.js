/* boot.js - loaded before the stylesheet and the main script, so that it runs
 * as soon as it arrives (a blocking script ahead of any stylesheet waits for
 * nothing; async ones may be held back until parsing ends): it starts the GETs the first screen needs (who this
 * is, the latest job, the first results page) while app.js is still loading.
 * app.js takes each answer once, through api() (10-api.js), exactly as if it
 * had asked itself; nothing here reads or shows data. The paths must be the
 * ones app.js asks for (RESULTS_PAGE in 60-results.js is 50). */
(function () {
  'use strict';
  if (window.lsBooted) return; /* app.js ran first and asked for itself */
  var h = location.hash;
  var home = h === '' || h === '#' || h === '#/';
  var paths = ['/session'];
  if (home) paths.push('/jobs?limit=1');
  if (home || h === '#/results') paths.push('/results?limit=50&offset=0');
  var early = {};
  paths.forEach(function (p) {
    var f = fetch(p, { method: 'GET', headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-cache' });
    f.catch(function () {}); /* a failure is app.js's to see when it takes the answer */
    early[p] = { at: Date.now(), f: f };
  });
  window.lsEarly = early;
})();
