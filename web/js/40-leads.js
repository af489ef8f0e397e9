/* 40-leads.js - #/leads (upload a CSV, its summary, earlier uploads) and #/leads/{id}. */

route(/^\/leads(?:\/(\d+))?$/, 'leads', function (ctx) {
  var shownId = ctx.params[1] ? Number(ctx.params[1]) : 0;
  heading(ctx, 'Leads');

  var fileId = uid('file');
  var input = el('input', { id: fileId, type: 'file', accept: '.csv,text/csv', class: 'file-input' });
  var zone = el('div', { class: 'dropzone' }, [
    el('p', { class: 'dz-title' }, 'Drag a CSV file here'),
    el('p', { class: 'muted' }, 'Columns: name, role, company, industry, location, linkedin_bio. The upload becomes the current lead set.'),
    el('div', { class: 'field inline' }, [input, el('label', { for: fileId, class: 'btn primary' }, 'Choose a CSV file')])
  ]);
  var progId = uid('prog');
  var prog = el('progress', { id: progId, max: 100, value: 0 });
  var progText = el('span', { class: 'muted' });
  var progBox = el('div', { class: 'progress-row', hidden: true }, [
    el('label', { for: progId }, 'Upload progress'), prog, progText
  ]);
  var msg = el('div', { class: 'msg', role: 'alert', hidden: true });
  var summaryBox = el('div', { class: 'summary-slot', 'aria-live': 'polite' });
  var earlier = el('section', { class: 'card', 'aria-labelledby': 'earlier-h' }, [el('h2', { id: 'earlier-h' }, 'Earlier uploads'), el('p', { class: 'muted' }, 'Loading…')]);

  ctx.root.appendChild(el('section', { class: 'card', 'aria-labelledby': 'upload-h' }, [
    el('h2', { id: 'upload-h' }, 'Upload leads'), zone, progBox, msg
  ]));
  ctx.root.appendChild(summaryBox);
  ctx.root.appendChild(earlier);

  var busy = false;
  function start(file) {
    if (!file || busy) return;
    busy = true;
    input.disabled = true;
    say(msg, '');
    clear(summaryBox);
    prog.value = 0;
    prog.max = file.size || 1;
    progText.textContent = 'Sending ' + file.name + '…';
    progBox.hidden = false;
    zone.classList.add('busy');
    apiUpload(file, function (sent, total) {
      prog.max = total || 1;
      prog.value = sent;
      var pct = total ? Math.floor((sent / total) * 100) : 0;
      progText.textContent = pct + '% of ' + fmtBytes(total) + (sent >= total ? ' sent; reading the rows…' : '');
    }).then(function (r) {
      if (!ctx.live) return;
      done();
      var d = r.data || {};
      say(msg, d.message || 'Upload stored.', 'ok');
      msg.setAttribute('role', 'status');
      showUpload(ctx, summaryBox, { id: d.upload_id, filename: d.filename || file.name, count: d.count, rejected: d.rejected, encoding: d.encoding, errors: d.errors || [] });
      loadEarlier(ctx, earlier, d.upload_id);
    }, function (e) {
      if (!ctx.live) return;
      done();
      msg.setAttribute('role', 'alert');
      say(msg, (file.name ? file.name + ': ' : '') + errText(e), 'error');
    });
  }
  function done() {
    busy = false;
    input.disabled = false;
    input.value = '';
    zone.classList.remove('busy');
    progBox.hidden = true;
  }

  input.addEventListener('change', function () { start(input.files && input.files[0]); });
  zone.addEventListener('dragover', function (ev) {
    ev.preventDefault();
    if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', function (ev) {
    if (!zone.contains(ev.relatedTarget)) zone.classList.remove('over');
  });
  zone.addEventListener('drop', function (ev) {
    ev.preventDefault();
    zone.classList.remove('over');
    var files = ev.dataTransfer && ev.dataTransfer.files;
    if (!files || !files.length) return;
    if (files.length > 1) {
      say(msg, 'Drop one CSV file at a time.', 'error');
      return;
    }
    start(files[0]);
  });
  /* A file dropped beside the zone must not make the browser leave the dashboard. */
  function stray(ev) {
    if (!zone.contains(ev.target)) ev.preventDefault();
  }
  document.addEventListener('dragover', stray);
  document.addEventListener('drop', stray);
  ctx.onLeave(function () {
    document.removeEventListener('dragover', stray);
    document.removeEventListener('drop', stray);
  });

  if (shownId) {
    summaryBox.appendChild(el('p', { class: 'muted' }, 'Loading upload ' + shownId + '…'));
    api('GET', '/uploads/' + shownId).then(function (r) {
      if (!ctx.live) return;
      showUpload(ctx, summaryBox, r.data || {});
    }, function (e) {
      if (!ctx.live) return;
      clear(summaryBox).appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
    });
  }
  loadEarlier(ctx, earlier, shownId);
});

function fmtBytes(n) {
  if (!n && n !== 0) return '-';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

/* The summary of one upload: counts, encoding, rejected rows, a preview of 10 leads. */
function showUpload(ctx, box, u) {
  clear(box);
  var id = Number(u.id);
  var card = el('section', { class: 'card', 'aria-labelledby': 'sum-h' });
  card.appendChild(el('h2', { id: 'sum-h', class: 'wrap' }, 'Upload ' + id + (u.filename ? ': ' + u.filename : '')));
  card.appendChild(el('div', { class: 'stats' }, [
    stat('Accepted', fmtNum(u.count)),
    stat('Rejected', fmtNum(u.rejected)),
    stat('Encoding', u.encoding || '-'),
    u.created_at ? stat('Uploaded', timeEl(u.created_at)) : null
  ]));
  var errors = Array.isArray(u.errors) ? u.errors : [];
  card.appendChild(table('Rejected rows', ['Line', 'Reason'], errors.map(function (x) {
    return [String(x.line), el('span', { class: 'wrap' }, x.error || '')];
  }), { empty: 'No rows were rejected.', cls: 'narrow-table' }));
  if (u.rejected > errors.length) {
    card.appendChild(el('p', { class: 'muted' }, 'The first ' + errors.length + ' of ' + fmtNum(u.rejected) + ' rejected rows are listed.'));
  }
  var prev = el('div', null, el('p', { class: 'muted' }, 'Loading the preview…'));
  card.appendChild(prev);
  card.appendChild(el('p', null, el('a', { href: '#/runs?upload=' + id, class: 'btn' }, 'Start a run with these leads')));
  box.appendChild(card);
  if (!id) return;
  api('GET', '/uploads/' + id + '/leads' + qs({ limit: 10 })).then(function (r) {
    if (!ctx.live) return;
    var items = (r.data && r.data.items) || [];
    clear(prev).appendChild(table('Preview', ['Line', 'Name', 'Role', 'Company', 'Industry', 'Location', 'Bio'], items.map(function (l) {
      return [String(l.line), cell(l.name), cell(l.role), cell(l.company), cell(l.industry), cell(l.location), cell(l.linkedin_bio, 'clip')];
    }), { empty: 'No leads.', cls: 'data' }));
    if (r.data && r.data.total > items.length) {
      prev.appendChild(el('p', { class: 'muted' }, 'The first ' + items.length + ' of ' + fmtNum(r.data.total) + ' leads.'));
    }
  }, function (e) {
    if (!ctx.live) return;
    clear(prev).appendChild(el('p', { class: 'msg error', role: 'alert' }, 'Preview: ' + errText(e)));
  });
}

function stat(label, value) {
  return el('div', { class: 'stat' }, [el('span', { class: 'stat-k' }, label), el('span', { class: 'stat-v' }, value)]);
}

/* A table cell's text; long values wrap (or clip, with the whole text as a tooltip). */
function cell(text, cls) {
  var s = text === null || text === undefined ? '' : String(text);
  return el('span', { class: cls || 'wrap', title: cls === 'clip' && s ? s : null }, s);
}

function loadEarlier(ctx, box, currentId) {
  api('GET', '/uploads' + qs({ limit: 50 })).then(function (r) {
    if (!ctx.live) return;
    var d = r.data || {};
    var items = d.items || [];
    var h2 = box.querySelector('h2');
    clear(box).appendChild(h2);
    if (!items.length) {
      box.appendChild(el('p', { class: 'muted' }, 'No uploads yet.'));
      return;
    }
    box.appendChild(el('ul', { class: 'uploads' }, items.map(function (u) {
      var a = el('a', { href: '#/leads/' + Number(u.id), class: 'wrap' }, u.filename || 'Upload ' + u.id);
      if (Number(u.id) === Number(currentId)) a.setAttribute('aria-current', 'true');
      return el('li', null, [
        a,
        el('span', { class: 'muted' }, ' — ' + plural(u.count, 'lead', 'leads') + ', ' + fmtNum(u.rejected) + ' rejected, ' + (u.encoding || '') + ', '),
        timeEl(u.created_at),
        u.id === d.current ? el('span', { class: 'chip current' }, 'Current') : null
      ]);
    })));
    if (d.total > items.length) box.appendChild(el('p', { class: 'muted' }, 'The newest ' + items.length + ' of ' + fmtNum(d.total) + ' uploads.'));
  }, function (e) {
    if (!ctx.live) return;
    box.appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
  });
}
