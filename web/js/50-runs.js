/* 50-runs.js - #/runs (start a run, the live list) and #/runs/{id} (one run, live). */

var RUNS_PAGE = 50;
var FINAL = { succeeded: 1, failed: 1, cancelled: 1, stopped: 1 }; // stopped: at rest until resumed

route(/^\/runs$/, 'runs', function (ctx) {
  heading(ctx, 'Runs');
  var page = Math.max(1, parseInt(ctx.query.get('page'), 10) || 1);
  ctx.root.appendChild(startRunForm(ctx, Number(ctx.query.get('offer')) || 0, Number(ctx.query.get('upload')) || 0));
  var listBox = el('section', { class: 'card', 'aria-labelledby': 'runs-h' }, [
    el('h2', { id: 'runs-h' }, 'All runs'), el('p', { class: 'muted' }, 'Loading…')
  ]);
  ctx.root.appendChild(listBox);
  var tbody = null, lastKey = '', pagerBox = el('div'), errBox = el('div', { class: 'msg error', role: 'alert', hidden: true });

  function load() {
    api('GET', '/jobs' + qs({ limit: RUNS_PAGE, offset: (page - 1) * RUNS_PAGE })).then(function (r) {
      if (!ctx.live) return;
      errBox.hidden = true;
      var d = r.data || {};
      var items = d.items || [];
      if (!tbody) {
        var h2 = listBox.querySelector('h2');
        clear(listBox).appendChild(h2);
        listBox.appendChild(el('p', { class: 'muted small' }, 'This list refreshes every 2 seconds.'));
        var t = table('Runs', ['Run', 'Status', 'Done / total', 'Offer', 'Upload', 'Provider', 'Created'], [], { cls: 'list' });
        tbody = t.querySelector('tbody');
        listBox.appendChild(t);
        listBox.appendChild(pagerBox);
        listBox.appendChild(errBox);
      }
      var key = JSON.stringify(d);
      if (key === lastKey) return; /* nothing moved: keep the rows (and the focus in them) */
      lastKey = key;
      var focused = tbody.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
      clear(tbody);
      if (!items.length) {
        tbody.appendChild(el('tr', null, el('td', { colspan: 7, class: 'muted' }, 'No runs yet.')));
      }
      items.forEach(function (j) {
        var id = Number(j.id);
        tbody.appendChild(el('tr', null, [
          el('td', null, el('a', { href: '#/runs/' + id }, 'Run ' + id)),
          el('td', null, statusChip(j.status)),
          el('td', { class: 'num' }, fmtNum(j.done) + ' / ' + fmtNum(j.total)),
          el('td', null, j.offer_id ? el('a', { href: '#/offers/' + Number(j.offer_id) }, 'Offer ' + j.offer_id) : '-'),
          el('td', null, j.upload_id ? el('a', { href: '#/leads/' + Number(j.upload_id) }, 'Upload ' + j.upload_id) : '-'),
          el('td', null, providerText(j)),
          el('td', null, timeEl(j.created_at))
        ]));
      });
      if (focused) {
        var again = tbody.querySelector('a[href="' + focused + '"]');
        if (again) again.focus();
      }
      var pages = Math.max(1, Math.ceil((d.total || 0) / RUNS_PAGE));
      clear(pagerBox);
      if (pages > 1) pagerBox.appendChild(pager(page, pages, function (p) { go(hashFor('/runs', { page: p })); }));
    }, function (e) {
      if (!ctx.live || e.network) return;
      if (!tbody) clear(listBox).appendChild(errBox);
      say(errBox, errText(e), 'error');
    });
  }
  load();
  ctx.every(2000, load);
});

function providerText(j) {
  if (!j.provider) return '-';
  return j.model ? j.provider + ' / ' + j.model : j.provider;
}

/* Selects "Offer" and "Upload" (the current ones by default), the provider line, "Start run". */
function startRunForm(ctx, wantOffer, wantUpload) {
  var offerSel = el('select', { id: uid('offer'), name: 'offer' }, el('option', { value: '' }, 'Loading…'));
  var uploadSel = el('select', { id: uid('upload'), name: 'upload' }, el('option', { value: '' }, 'Loading…'));
  var provider = el('p', { class: 'muted' }, 'Checking the scoring provider…');
  var btn = el('button', { type: 'submit', class: 'btn primary', disabled: true }, 'Start run');
  var err = el('p', { class: 'msg error', role: 'alert', hidden: true });
  var hint = el('p', { class: 'muted', hidden: true });
  /* What the run will cost, asked of the server (a dry run: no model call) for the pair chosen. */
  var estimate = el('p', { class: 'muted estimate', 'aria-live': 'polite' });
  /* The dry run builds every request body, about 10 s for a million leads: large uploads
   * are estimated on request, not on every visit. */
  var AUTO_ESTIMATE_MAX = 50000;
  var leadCounts = {};
  var estimateBtn = el('button', { type: 'button', class: 'btn small quiet', hidden: true }, 'Estimate the cost');
  var budgetIn = el('input', { id: uid('budget'), name: 'budget_usd', type: 'number', min: 0, step: 'any', inputmode: 'decimal', placeholder: 'none' });
  var budgetErr = el('p', { class: 'field-error', role: 'alert', hidden: true });
  budgetErr.id = uid('budget-err');
  var form = el('form', { class: 'card', 'aria-labelledby': 'start-h' }, [
    el('h2', { id: 'start-h' }, 'Start a run'),
    el('div', { class: 'row wrap-row' }, [
      el('div', { class: 'field' }, [el('label', { for: offerSel.id }, 'Offer'), offerSel]),
      el('div', { class: 'field' }, [el('label', { for: uploadSel.id }, 'Upload'), uploadSel]),
      el('div', { class: 'field' }, [el('label', { for: budgetIn.id }, 'Budget (USD, optional)'), budgetIn, budgetErr])
    ]),
    provider, el('div', { class: 'estimate-row' }, [estimate, estimateBtn]), hint,
    el('div', { class: 'actions' }, [btn]), err
  ]);

  function fill(sel, d, want, label) {
    clear(sel);
    var items = (d && d.items) || [];
    items.forEach(function (x) {
      var text = label(x);
      sel.appendChild(el('option', { value: String(x.id) }, text + (x.id === d.current ? ' (current)' : '')));
    });
    var pick = want && items.some(function (x) { return x.id === want; }) ? want : (d && d.current) || (items[0] && items[0].id);
    if (pick) sel.value = String(pick);
    return items.length;
  }

  Promise.all([
    api('GET', '/offers' + qs({ limit: 200 })),
    api('GET', '/uploads' + qs({ limit: 200 }))
  ]).then(function (rs) {
    if (!ctx.live) return;
    var nOffers = fill(offerSel, rs[0].data, wantOffer, function (o) { return '#' + o.id + ' ' + (o.name || ''); });
    ((rs[1].data && rs[1].data.items) || []).forEach(function (u) { leadCounts[u.id] = Number(u.count) || 0; });
    var nUploads = fill(uploadSel, rs[1].data, wantUpload, function (u) {
      return '#' + u.id + ' ' + (u.filename || 'upload') + ' (' + plural(u.count, 'lead', 'leads') + ')';
    });
    clear(hint);
    if (!nOffers || !nUploads) {
      hint.hidden = false;
      if (!nOffers) hint.appendChild(el('span', null, ['No offer yet: ', el('a', { href: '#/offers' }, 'create an offer'), '. ']));
      if (!nUploads) hint.appendChild(el('span', null, ['No leads yet: ', el('a', { href: '#/leads' }, 'upload a CSV'), '.']));
      if (!nOffers) offerSel.appendChild(el('option', { value: '' }, 'No offers'));
      if (!nUploads) uploadSel.appendChild(el('option', { value: '' }, 'No uploads'));
    }
    btn.disabled = !(nOffers && nUploads);
    if (nOffers && nUploads) showEstimate();
  }, function (e) {
    if (!ctx.live) return;
    say(err, errText(e), 'error');
  });

  api('GET', '/healthz').then(function (r) {
    if (!ctx.live) return;
    var ai = (r.data && r.data.ai) || {};
    provider.textContent = 'Scoring uses provider ' + (ai.provider || 'unknown') +
      (ai.model ? ', model ' + ai.model : ai.provider === 'offline' ? ' (the built-in judge, no model)' : ', no model named') + '.';
  }, function (e) {
    if (!ctx.live) return;
    provider.textContent = 'The scoring provider is unknown: ' + errText(e);
  });

  var estSeq = 0;
  function showEstimate(force) {
    var my = ++estSeq;
    estimateBtn.hidden = true;
    if (!offerSel.value || !uploadSel.value) { estimate.textContent = ''; return; }
    var n = leadCounts[Number(uploadSel.value)] || 0;
    if (force !== true && n > AUTO_ESTIMATE_MAX) {
      estimate.textContent = 'This upload has ' + plural(n, 'lead', 'leads') + ': estimating its cost takes a few seconds.';
      estimateBtn.hidden = false;
      return;
    }
    estimate.textContent = 'Estimating the cost…';
    api('POST', '/jobs', { offer_id: Number(offerSel.value), upload_id: Number(uploadSel.value), dry_run: true }).then(function (r) {
      if (!ctx.live || my !== estSeq) return;
      var e = (r.data && r.data.estimate) || {};
      var t = e.tokens || {};
      var cost = e.cost_usd === null || e.cost_usd === undefined ? 'the price of this model is unknown' : 'about $' + Number(e.cost_usd).toFixed(4);
      estimate.textContent = 'Estimate: ' + plural(e.to_send || 0, 'lead', 'leads') + ' to send (' +
        fmtNum(e.cache_hits || 0) + ' from the cache, ' + fmtNum(e.duplicates || 0) + ' duplicates), ' +
        plural(e.requests || 0, 'model request', 'model requests') + ', ' + fmtNum(t.input || 0) + ' input and ' +
        fmtNum(t.output || 0) + ' output tokens, ' + cost + ', ' + (e.wall_ms ? 'about ' + fmtDuration(e.wall_ms) : 'no model time') + '.';
    }, function (e) {
      if (!ctx.live || my !== estSeq || e.network) return;
      estimate.textContent = 'No estimate: ' + errText(e);
    });
  }
  offerSel.addEventListener('change', showEstimate);
  uploadSel.addEventListener('change', showEstimate);
  estimateBtn.addEventListener('click', function () { showEstimate(true); });

  function budgetProblem(text) {
    budgetErr.textContent = text;
    budgetErr.hidden = !text;
    if (text) {
      budgetIn.setAttribute('aria-invalid', 'true');
      budgetIn.setAttribute('aria-describedby', budgetErr.id);
    } else {
      budgetIn.removeAttribute('aria-invalid');
      budgetIn.removeAttribute('aria-describedby');
    }
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    err.hidden = true;
    budgetProblem('');
    var body = {};
    if (offerSel.value) body.offer_id = Number(offerSel.value);
    if (uploadSel.value) body.upload_id = Number(uploadSel.value);
    if (budgetIn.value !== '') body.budget_usd = Number(budgetIn.value);
    btn.disabled = true;
    api('POST', '/jobs', body).then(function (r) {
      btn.disabled = false;
      var id = r.data && r.data.id;
      if (id) go('#/runs/' + Number(id));
    }, function (e) {
      btn.disabled = false;
      if (!ctx.live) return;
      if (e.field === 'budget_usd' || /budget_usd/.test(String(e.message || ''))) budgetProblem(errText(e));
      else say(err, errText(e), 'error');
    });
  });
  return form;
}

route(/^\/runs\/(\d+)$/, 'runs', function (ctx) {
  var id = Number(ctx.params[1]);
  heading(ctx, 'Run ' + id);
  ctx.root.appendChild(el('p', null, el('a', { href: '#/runs' }, '← All runs')));
  var box = el('div', { class: 'card' }, el('p', { class: 'muted' }, 'Loading…'));
  ctx.root.appendChild(box);
  var view = null, es = null, poll = null;

  function stopLive() {
    if (es) { es.close(); es = null; }
    if (poll) { clearInterval(poll); poll = null; }
  }
  ctx.onLeave(stopLive);

  function update(j) {
    if (!ctx.live || !j) return;
    if (!view) {
      clear(box);
      view = runView(ctx, id, box);
      view.onResume(function () { stopLive(); startLive(); }); /* queued again: follow it */
    }
    view.update(j);
    if (FINAL[j.status]) stopLive();
  }

  function startPolling() {
    if (poll || !ctx.live) return;
    poll = setInterval(function () {
      api('GET', '/jobs/' + id).then(function (r) { update(r.data); }, function (e) {
        if (!e.network && ctx.live) view && view.problem(errText(e));
      });
    }, 1000);
  }

  function startLive() {
    if (typeof EventSource !== 'function') { startPolling(); return; }
    es = new EventSource('/jobs/' + id + '/events');
    es.addEventListener('job', function (ev) {
      var j = parseBody(ev.data);
      if (j) update(j);
    });
    es.addEventListener('end', function () { stopLive(); });
    es.onerror = function () {
      /* Reconnects would hide a lasting problem: poll instead (it also raises the banner). */
      if (es) { es.close(); es = null; }
      startPolling();
    };
  }

  api('GET', '/jobs/' + id).then(function (r) {
    update(r.data);
    if (ctx.live && r.data && !FINAL[r.data.status]) startLive();
  }, function (e) {
    if (!ctx.live) return;
    clear(box).appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
  });
});

/* The run's detail, built once and updated in place (focus stays where it is). */
function runView(ctx, id, box) {
  var status = el('span');
  var statusLine = el('p', { class: 'status-line', role: 'status' }, ['Status: ', status]);
  var progId = uid('prog');
  var prog = el('progress', { id: progId, max: 1, value: 0 });
  var progText = el('span', { class: 'prog-text' });
  var rate = el('span'), eta = el('span');
  var cancelBtn = el('button', { type: 'button', class: 'btn danger' }, 'Cancel run');
  var cancelErr = el('p', { class: 'msg error', role: 'alert', hidden: true });
  /* A run stopped at its budget goes on with a higher one (POST /jobs/{id}/resume). */
  var resumeIn = el('input', { id: uid('resume-budget'), name: 'budget_usd', type: 'number', min: 0, step: 'any', inputmode: 'decimal' });
  var resumeBtn = el('button', { type: 'submit', class: 'btn primary' }, 'Resume with this budget');
  var resumeErr = el('p', { class: 'msg error', role: 'alert', hidden: true });
  var resumeForm = el('form', { class: 'resume', hidden: true, 'aria-label': 'Resume the run' }, [
    el('div', { class: 'field' }, [el('label', { for: resumeIn.id }, 'New budget (USD)'), resumeIn]),
    el('div', { class: 'actions' }, [resumeBtn]), resumeErr
  ]);
  var failBox = el('div', { class: 'msg error', role: 'alert', hidden: true });
  var resultsBox = el('p', { hidden: true });
  var facts = el('div');
  box.appendChild(statusLine);
  box.appendChild(el('div', { class: 'progress-row' }, [el('label', { for: progId }, 'Scoring progress'), prog, progText]));
  box.appendChild(el('p', { class: 'muted' }, ['Rate: ', rate, ' · ETA: ', eta]));
  box.appendChild(failBox);
  box.appendChild(resultsBox);
  box.appendChild(el('div', { class: 'actions' }, [cancelBtn]));
  box.appendChild(cancelErr);
  box.appendChild(resumeForm);
  box.appendChild(facts);

  resumeForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    resumeErr.hidden = true;
    var body = resumeIn.value !== '' ? { budget_usd: Number(resumeIn.value) } : {};
    resumeBtn.disabled = true;
    api('POST', '/jobs/' + id + '/resume', body).then(function (r) {
      resumeBtn.disabled = false;
      if (r.data && r.data.id) view_update(r.data);
      if (onResume) onResume();
    }, function (e) {
      resumeBtn.disabled = false;
      say(resumeErr, errText(e), 'error');
    });
  });
  var last = null;

  cancelBtn.addEventListener('click', function () {
    cancelBtn.disabled = true;
    cancelErr.hidden = true;
    cancelBtn.textContent = 'Cancelling…';
    api('DELETE', '/jobs/' + id).then(function (r) {
      cancelBtn.textContent = 'Cancel run';
      if (r.data && r.data.id) view_update(r.data);
    }, function (e) {
      cancelBtn.textContent = 'Cancel run';
      cancelBtn.disabled = false;
      say(cancelErr, errText(e), 'error');
    });
  });

  function view_update(j) {
    if (!last || last.status !== j.status) clear(status).appendChild(statusChip(j.status));
    last = j;
    var total = Number(j.total) || 0, done = Number(j.done) || 0;
    prog.max = total || 1;
    prog.value = Math.min(done, total || 1);
    if (!total && FINAL[j.status]) prog.value = prog.max;
    var pct = total ? Math.floor((done / total) * 100) : (FINAL[j.status] ? 100 : 0);
    progText.textContent = fmtNum(done) + ' / ' + fmtNum(total) + ' leads (' + pct + '%)';
    var secs = (Number(j.elapsed_ms) || 0) / 1000;
    rate.textContent = secs > 0 && done > 0 ? (done / secs).toFixed(done / secs >= 10 ? 0 : 1) + ' leads/s' : '-';
    eta.textContent = FINAL[j.status] ? 'finished' : (j.eta_ms !== null && j.eta_ms !== undefined ? fmtDuration(j.eta_ms) : 'estimating…');
    var active = j.status === 'queued' || j.status === 'running';
    if (j.status === 'stopped' && resumeForm.hidden && j.budget_usd) resumeIn.value = String(Math.round(Number(j.budget_usd) * 200) / 100);
    resumeForm.hidden = j.status !== 'stopped';
    cancelBtn.hidden = !active;
    if (!active) cancelBtn.disabled = true;
    else if (cancelBtn.textContent === 'Cancel run') cancelBtn.disabled = false;

    if (j.status === 'failed') {
      clear(failBox);
      failBox.appendChild(el('strong', null, 'This run failed. '));
      failBox.appendChild(document.createTextNode(j.error ? String(j.error) : 'The server gave no reason.'));
      failBox.hidden = false;
    } else if (j.status === 'stopped') {
      say(failBox, 'This run stopped at its budget' + (j.error ? ': ' + j.error : '.') + ' Results scored before that are kept; raise the budget below to go on.', 'info');
    } else if (j.status === 'cancelled') {
      say(failBox, 'This run was cancelled' + (j.error ? ': ' + j.error : '.') + ' Results scored before that are kept.', 'info');
    } else {
      failBox.hidden = true;
    }
    clear(resultsBox);
    resultsBox.hidden = !(j.status === 'succeeded' || ((j.status === 'cancelled' || j.status === 'stopped') && done > 0));
    if (!resultsBox.hidden) resultsBox.appendChild(el('a', { href: '#/results/' + id, class: 'btn primary' }, 'View results'));

    var t = j.tokens || {};
    var c = j.counts || {};
    clear(facts).appendChild(dl([
      ['Offer', j.offer_id ? el('a', { href: '#/offers/' + Number(j.offer_id) }, 'Offer ' + j.offer_id) : '-'],
      ['Upload', j.upload_id ? el('a', { href: '#/leads/' + Number(j.upload_id) }, 'Upload ' + j.upload_id) : '-'],
      ['Provider', j.provider || '-'],
      ['Model', j.model || '-'],
      ['Intent so far', 'High ' + fmtNum(c.High || 0) + ' · Medium ' + fmtNum(c.Medium || 0) + ' · Low ' + fmtNum(c.Low || 0)],
      ['Failed leads', fmtNum(j.failed)],
      ['Fallbacks', fmtNum(j.fallbacks)],
      ['Blocked by the provider', fmtNum(j.blocked || 0)],
      ['Answer format', j.ai && j.ai.mode ? j.ai.mode : '-'],
      ['Cache hits', fmtNum(j.cache_hits)],
      ['Model calls', fmtNum(j.model_calls)],
      ['Retries', fmtNum(j.retries)],
      ['Tokens', fmtNum(t.prompt || 0) + ' prompt · ' + fmtNum(t.output || 0) + ' output'],
      ['Cost', (j.cost_usd === null || j.cost_usd === undefined ? 'price unknown' : '$' + Number(j.cost_usd).toFixed(4)) + (j.budget_usd ? ' of $' + Number(j.budget_usd).toFixed(4) : '')],
      ['Created', timeEl(j.created_at)],
      ['Started', timeEl(j.started_at)],
      ['Finished', timeEl(j.finished_at)],
      ['Elapsed', fmtDuration(j.elapsed_ms)]
    ]));
  }

  var onResume = null;
  return {
    update: view_update,
    onResume: function (fn) { onResume = fn; },
    problem: function (text) { say(cancelErr, text, 'error'); },
    last: function () { return last; }
  };
}
