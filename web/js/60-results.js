/* 60-results.js - #/results (the latest run) and #/results/{jobId}: filters in the
 * hash query, a page of 50 ranked leads, intent counts, the score chart, exports. */

var RESULTS_PAGE = 50;
var SORTS = [
  ['-score', 'Score, highest first'],
  ['score', 'Score, lowest first'],
  ['name', 'Name, A to Z'],
  ['company', 'Company, A to Z']
];

/* The filter as it stands in the hash (names as the API's). */
function readFilter(q) {
  var f = {
    intent: q.get('intent') || '',
    min_score: q.get('min_score') || '',
    max_score: q.get('max_score') || '',
    q: q.get('q') || '',
    sort: q.get('sort') || '',
    page: Math.max(1, parseInt(q.get('page'), 10) || 1)
  };
  if (f.sort === '-score') f.sort = '';
  return f;
}

function filterParams(f) {
  return { intent: f.intent, min_score: f.min_score, max_score: f.max_score, q: f.q };
}

route(/^\/results(?:\/(\d+))?$/, 'results', function (ctx) {
  var fixedJob = ctx.params[1] ? Number(ctx.params[1]) : 0;
  var base = fixedJob ? '/results/' + fixedJob : '/results';
  var jobLine = el('p', { class: 'muted job-line' }, fixedJob ? 'Run ' + fixedJob : 'The latest run');
  heading(ctx, 'Results', jobLine);

  /* Filters */
  var ids = { intent: uid('intent'), min: uid('min'), max: uid('max'), q: uid('q'), sort: uid('sort') };
  var intentSel = el('select', { id: ids.intent, name: 'intent' }, [
    el('option', { value: '' }, 'All'), el('option', { value: 'High' }, 'High'),
    el('option', { value: 'Medium' }, 'Medium'), el('option', { value: 'Low' }, 'Low')
  ]);
  var minIn = el('input', { id: ids.min, name: 'min_score', type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric' });
  var maxIn = el('input', { id: ids.max, name: 'max_score', type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric' });
  var qIn = el('input', { id: ids.q, name: 'q', type: 'search', autocomplete: 'off', placeholder: 'Name, company or role' });
  var sortSel = el('select', { id: ids.sort, name: 'sort' }, SORTS.map(function (s) {
    return el('option', { value: s[0] === '-score' ? '' : s[0] }, s[1]);
  }));
  var resetBtn = el('button', { type: 'button', class: 'btn small quiet' }, 'Clear filters');
  var filterErr = el('p', { class: 'msg error', role: 'alert', hidden: true });
  var filters = el('form', { class: 'filters card', role: 'search', 'aria-label': 'Filter results' }, [
    field('Intent', intentSel), field('Minimum score', minIn), field('Maximum score', maxIn),
    field('Search', qIn, 'grow'), field('Sort', sortSel, 'sort'),
    el('div', { class: 'field end' }, resetBtn), filterErr
  ]);
  function field(label, input, cls) {
    return el('div', { class: 'field' + (cls ? ' ' + cls : '') }, [el('label', { for: input.id }, label), input]);
  }

  /* Summary: counts, chart, exports */
  var counts = el('div', { class: 'counts', 'aria-live': 'polite' });
  var csvLink = el('a', { class: 'btn', download: 'lead_scores.csv' }, 'Export CSV');
  var jsonlLink = el('a', { class: 'btn', download: 'lead_scores.jsonl' }, 'Export JSONL');
  var chartBox = el('figure', { class: 'chart' }, [el('figcaption', null, 'Score distribution')]);
  var note = el('p', { class: 'msg info', hidden: true });
  var summary = el('section', { class: 'card summary', 'aria-label': 'Summary' }, [
    el('div', { class: 'summary-top' }, [counts, el('div', { class: 'exports' }, [csvLink, jsonlLink])]),
    chartBox
  ]);

  /* Table and pager */
  var tbody = el('tbody');
  var tbl = el('table', { class: 'data results', 'aria-label': 'Ranked leads' }, [
    el('caption', null, 'Ranked leads'),
    el('thead', null, el('tr', null, ['Rank', 'Name', 'Role', 'Company', 'Industry', 'Intent', 'Score', 'Rules', 'AI'].map(function (h) {
      return el('th', { scope: 'col', class: ['Rank', 'Score', 'Rules', 'AI'].indexOf(h) >= 0 ? 'num' : null }, h);
    }))),
    tbody
  ]);
  var tableWrap = el('div', { class: 'table-wrap' }, tbl);
  var pagerBox = el('div');
  var tableErr = el('div', { class: 'msg error', role: 'alert', hidden: true });
  var main = el('section', { class: 'card', 'aria-label': 'Ranked leads' }, [tableWrap, tableErr, pagerBox]);

  var empty = el('div', { hidden: true });
  ctx.root.appendChild(empty);
  ctx.root.appendChild(note);
  ctx.root.appendChild(filters);
  ctx.root.appendChild(summary);
  ctx.root.appendChild(main);

  var f = readFilter(ctx.query);
  var seq = 0, jobId = fixedJob, jobStatus = '', timer = null;

  function syncInputs() {
    if (f.intent && !Array.prototype.some.call(intentSel.options, function (o) { return o.value === f.intent; })) {
      intentSel.appendChild(el('option', { value: f.intent }, f.intent.split(',').join(' or ')));
    }
    intentSel.value = f.intent;
    if (document.activeElement !== minIn || minIn.value !== f.min_score) minIn.value = f.min_score;
    if (document.activeElement !== maxIn || maxIn.value !== f.max_score) maxIn.value = f.max_score;
    if (document.activeElement !== qIn) qIn.value = f.q;
    sortSel.value = f.sort;
  }

  /* The inputs into the hash (a new history entry), page 1 unless keepPage. */
  function push(keepPage) {
    var next = {
      intent: intentSel.value, min_score: minIn.value.trim(), max_score: maxIn.value.trim(),
      q: qIn.value.trim(), sort: sortSel.value, page: keepPage && f.page > 1 ? f.page : ''
    };
    var h = hashFor(base, next);
    if (location.hash !== h) location.hash = h;
  }
  var debounce = null;
  function later() {
    clearTimeout(debounce);
    debounce = setTimeout(function () { push(false); }, 250);
  }
  ctx.onLeave(function () { clearTimeout(debounce); clearTimeout(timer); });
  intentSel.addEventListener('change', function () { push(false); });
  sortSel.addEventListener('change', function () { push(false); });
  [minIn, maxIn, qIn].forEach(function (i) { i.addEventListener('input', later); });
  filters.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearTimeout(debounce);
    push(false);
  });
  resetBtn.addEventListener('click', function () {
    intentSel.value = ''; minIn.value = ''; maxIn.value = ''; qIn.value = ''; sortSel.value = '';
    push(false);
  });

  ctx.onQuery = function (q) {
    f = readFilter(q);
    syncInputs();
    load();
  };

  function setExports() {
    if (!jobId) return;
    var p = filterParams(f);
    p.format = 'csv';
    csvLink.setAttribute('href', '/jobs/' + jobId + '/results/export' + qs(p));
    p.format = 'jsonl';
    jsonlLink.setAttribute('href', '/jobs/' + jobId + '/results/export' + qs(p));
  }

  function load() {
    var my = ++seq;
    clearTimeout(timer);
    rowsGen++; /* the page before's rest, if still to come, is not wanted */
    tbl.setAttribute('aria-busy', 'true');
    var p = filterParams(f);
    p.sort = f.sort;
    p.limit = RESULTS_PAGE;
    p.offset = (f.page - 1) * RESULTS_PAGE;
    api('GET', (fixedJob ? '/jobs/' + fixedJob + '/results' : '/results') + qs(p)).then(function (r) {
      if (my !== seq || !ctx.live) return;
      tbl.removeAttribute('aria-busy');
      filterErr.hidden = true;
      unmarkFilters();
      tableErr.hidden = true;
      var rows = Array.isArray(r.data) ? r.data : [];
      var total = Number(r.headers.get('X-Total-Count')) || 0;
      jobId = fixedJob || Number(r.headers.get('X-Job-Id')) || 0;
      jobStatus = r.headers.get('X-Job-Status') || jobStatus;
      var pages = Math.max(1, Math.ceil(total / RESULTS_PAGE));
      if (f.page > pages && total > 0) {
        location.replace(hashFor(base, Object.assign({}, f, { page: pages })));
        return;
      }
      empty.hidden = true;
      [filters, summary, main].forEach(function (n) { n.hidden = false; });
      showJobLine();
      renderRows(rows, p.offset, total);
      clear(pagerBox).appendChild(pager(f.page, pages, function (n) {
        location.hash = hashFor(base, Object.assign({}, f, { page: n > 1 ? n : '' }));
      }));
      setExports();
      /* After the rows are painted: the counts and the chart (and the first
       * number formatter, which loads the locale's data) come second. */
      requestAnimationFrame(function () { setTimeout(function () { loadSummary(my); }, 0); });
      if (jobStatus === 'running' || jobStatus === 'queued') {
        timer = setTimeout(refreshIfIdle, 2000);
      }
    }, function (e) {
      if (my !== seq || !ctx.live) return;
      tbl.removeAttribute('aria-busy');
      if (e.network) return;
      if (e.status === 404 || (e.status === 409 && !fixedJob)) {
        showEmpty(e);
        return;
      }
      if (e.status === 400) {
        say(filterErr, errText(e), 'error');
        markFilter(e);
      } else {
        say(tableErr, errText(e), 'error');
      }
      rowsGen++; /* no late rows from the page before */
      clear(tbody);
    });
  }

  /* A running job's page moves: refresh it unless someone is reading a lead. */
  function refreshIfIdle() {
    if (!ctx.live) return;
    var busy = openDetail || tbl.contains(document.activeElement) || document.visibilityState !== 'visible';
    if (busy) timer = setTimeout(refreshIfIdle, 2000);
    else load();
  }

  /* The input a 400 names (details.parameter, or the message's first word) gets the message. */
  function markFilter(e) {
    var name = (e.details && e.details.parameter) || String(e.message || '').split(/[^a-z_]/)[0];
    var byName = { min_score: minIn, max_score: maxIn, q: qIn, intent: intentSel, sort: sortSel };
    unmarkFilters();
    filterErr.id = filterErr.id || uid('filter-err');
    Object.keys(byName).forEach(function (k) {
      var input = byName[k];
      if (k === name || (name === 'min_score' && k === 'max_score' && /greater than max_score/.test(e.message))) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', filterErr.id);
      }
    });
  }

  function unmarkFilters() {
    [minIn, maxIn, qIn, intentSel, sortSel].forEach(function (input) {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
    });
  }

  function showJobLine() {
    clear(jobLine);
    if (!jobId) return;
    jobLine.appendChild(el('a', { href: '#/runs/' + jobId }, 'Run ' + jobId));
    if (jobStatus) {
      jobLine.appendChild(document.createTextNode(' · '));
      jobLine.appendChild(statusChip(jobStatus));
    }
    if (!fixedJob) jobLine.appendChild(document.createTextNode(' · the latest run'));
    if (jobStatus === 'running' || jobStatus === 'queued') {
      say(note, 'This run is still scoring; the results so far are shown and refresh every 2 seconds.', 'info');
    } else {
      note.hidden = true;
    }
  }

  function showEmpty(e) {
    [filters, summary, main].forEach(function (n) { n.hidden = true; });
    clear(empty);
    empty.hidden = false;
    empty.className = 'card';
    if (e.status === 409) {
      empty.appendChild(el('p', null, ['Nothing has been scored yet. ', el('a', { href: '#/runs' }, 'Start a run'), ' to see ranked leads here.']));
    } else {
      empty.appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
      empty.appendChild(el('p', null, el('a', { href: '#/runs' }, 'All runs')));
    }
  }

  /*
   * The rows that fill a screen go in at once, the rest of the page one frame
   * later: a fresh page pays about 1.5 ms a row for its first style, layout
   * and paint on the 2-vCPU bench machine (bench/ui), and at 1280x800 only
   * the first four or five rows of the table are on screen (at 390x844, two).
   * Until the rest is in, the table has data-rows-pending (not aria-busy,
   * which dims it: the rows shown are final).
   */
  var FIRST_ROWS = 12;
  var rowsGen = 0; /* which renderRows() the pending rest belongs to */

  function rowFor(res, n) {
    var open = el('button', { type: 'button', class: 'linklike wrap' }, res.name || '(no name)');
    var tr = el('tr', { class: 'clickable' }, [
      el('td', { class: 'num' }, String(n)),
      el('td', { class: 'name' }, open),
      el('td', { class: 'wrap' }, res.role || ''),
      el('td', { class: 'wrap' }, res.company || ''),
      el('td', { class: 'wrap' }, res.industry || ''),
      el('td', null, intentChip(res.intent)),
      el('td', { class: 'num strong' }, fmtNum(res.score)),
      el('td', { class: 'num' }, fmtNum(res.rule_score)),
      el('td', { class: 'num' }, fmtNum(res.ai_score))
    ]);
    open.addEventListener('click', function (ev) {
      ev.stopPropagation();
      showDetail(res, open);
    });
    tr.addEventListener('click', function (ev) {
      if (window.getSelection && String(window.getSelection()) !== '') return; /* selecting text */
      if (ev.target.closest('a,button')) return;
      showDetail(res, open);
    });
    return tr;
  }

  function appendRows(rows, from, to, offset) {
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) frag.appendChild(rowFor(rows[i], offset + i + 1));
    tbody.appendChild(frag);
  }

  function renderRows(rows, offset, total) {
    var gen = ++rowsGen;
    tbl.removeAttribute('data-rows-pending');
    clear(tbody);
    if (!rows.length) {
      tbody.appendChild(el('tr', null, el('td', { colspan: 9, class: 'muted' },
        total ? 'No results on this page.' : 'No results match these filters.')));
      return;
    }
    var first = Math.min(rows.length, FIRST_ROWS);
    appendRows(rows, 0, first, offset);
    if (first === rows.length) return;
    tbl.setAttribute('data-rows-pending', String(rows.length - first));
    requestAnimationFrame(function () {
      setTimeout(function () {
        if (gen !== rowsGen || !ctx.live) return; /* loading or rendered again, or left */
        appendRows(rows, first, rows.length, offset);
        tbl.removeAttribute('data-rows-pending');
      }, 0);
    });
  }

  function loadSummary(my) {
    if (!jobId) return;
    api('GET', '/jobs/' + jobId + '/results/summary' + qs(filterParams(f))).then(function (r) {
      if (my !== seq || !ctx.live) return;
      var s = r.data || {};
      showCounts(s.total, s.counts || {});
      drawChart(chartBox, s.bins || []);
    }, function (e) {
      if (my !== seq || !ctx.live || e.network) return;
      clear(counts);
      clear(chartBox).appendChild(el('figcaption', null, 'Score distribution'));
      chartBox.appendChild(el('p', { class: 'muted' }, 'Unavailable: ' + errText(e)));
    });
  }

  function showCounts(total, c) {
    clear(counts);
    counts.appendChild(el('span', { class: 'count-total' }, plural(total || 0, 'lead matches', 'leads match')));
    INTENTS.forEach(function (k) {
      counts.appendChild(el('span', { class: 'count' }, [intentChip(k), ' ', el('strong', null, fmtNum(c[k] || 0))]));
    });
  }

  syncInputs();
  load();
});
