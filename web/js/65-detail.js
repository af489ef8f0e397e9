/* 65-detail.js - the lead detail panel: a modal <dialog role="dialog"
 * aria-label="Lead detail">; Escape or "Close" shut it and focus goes back to the row. */

var FACTOR_NAMES = { role: 'Role', industry: 'Industry', completeness: 'Completeness' };

function showDetail(res, back) {
  closeDialogs();
  var d = el('dialog', { class: 'detail', role: 'dialog', 'aria-label': 'Lead detail' });
  var closeBtn = el('button', { type: 'button', class: 'btn', onclick: function () { d.close(); } }, 'Close');
  var ai = res.ai || {};
  var bio = res.linkedin_bio !== undefined ? res.linkedin_bio : res.bio;

  d.appendChild(el('div', { class: 'detail-head' }, [el('h2', { class: 'wrap' }, res.name || '(no name)'), closeBtn]));
  d.appendChild(el('p', { class: 'score-line' }, [
    intentChip(res.intent), ' ',
    el('strong', null, 'Score ' + fmtNum(res.score) + ' of 100'),
    el('span', { class: 'muted' }, ' = rules ' + fmtNum(res.rule_score) + ' + AI ' + fmtNum(res.ai_score))
  ]));
  d.appendChild(dl([
    ['Role', res.role], ['Company', res.company], ['Industry', res.industry], ['Location', res.location],
    bio === undefined ? null : ['Bio', bio] /* results carry the bio from issue #9 on */
  ]));

  identity(d, res);

  d.appendChild(table('Rule breakdown (' + fmtNum(res.rule_score) + ' of 50)', ['Factor', 'Points', 'Matched', 'Why'], factorRows(res), { cls: 'narrow-table' }));

  d.appendChild(el('h3', null, 'AI verdict'));
  d.appendChild(el('p', null, [intentChip(res.intent), ' ', 'AI score ' + fmtNum(res.ai_score) + ' of 50']));
  d.appendChild(el('p', { class: 'reasoning wrap' }, res.reasoning || 'No reasoning given.'));
  d.appendChild(dl([
    ['Provider', ai.provider || '-'],
    ['Model', ai.model || '-'],
    ['Status', ai.status || '-'],
    ai.error ? [ai.status === 'blocked' ? 'Blocked by the provider' : 'Fallback error', el('span', { class: 'wrap' }, String(ai.error))] : null
  ]));
  if (ai.status === 'duplicate') {
    d.appendChild(el('p', { class: 'msg info' }, 'This lead repeats lead ' + String(res.duplicate_of || '') + ' of the same upload; that lead\'s verdict was reused, without asking the model again.'));
  } else if (ai.status === 'blocked') {
    d.appendChild(el('p', { class: 'msg info' }, 'The provider\'s content filter refused this lead, so the model never judged it; the built-in judge gave this verdict.'));
  } else if (ai.status && ai.status !== 'ok') {
    d.appendChild(el('p', { class: 'msg info' }, 'The model\'s verdict was not used for this lead; the built-in judge gave this one.'));
  }

  d.addEventListener('close', function () {
    if (d.parentNode) d.parentNode.removeChild(d);
    var back2 = openDetail && openDetail.back;
    openDetail = null;
    if (back2 && document.body.contains(back2)) back2.focus();
    else if (byId('main').querySelector('h1')) byId('main').querySelector('h1').focus();
  });
  /* A click on the backdrop (outside the panel's box) closes it too. */
  d.addEventListener('click', function (ev) {
    if (ev.target !== d) return;
    var r = d.getBoundingClientRect();
    if (ev.clientX < r.left || ev.clientX > r.right || ev.clientY < r.top || ev.clientY > r.bottom) d.close();
  });
  document.body.appendChild(d);
  openDetail = { dialog: d, back: back };
  d.showModal();
  closeBtn.focus();
}

/* One row per factor: points, the matched term, why. Older results carry only points. */
function factorRows(res) {
  if (Array.isArray(res.factors) && res.factors.length) {
    return res.factors.map(function (f) {
      return [
        FACTOR_NAMES[f.factor] || String(f.factor || '-'),
        fmtNum(f.points),
        f.matched === null || f.matched === undefined || f.matched === '' ? el('span', { class: 'muted' }, 'none') : el('span', { class: 'wrap' }, String(f.matched)),
        el('span', { class: 'wrap' }, f.why || '')
      ];
    });
  }
  var b = res.breakdown || {};
  return ['role', 'industry', 'completeness'].map(function (k) {
    return [FACTOR_NAMES[k], fmtNum(b[k] || 0), el('span', { class: 'muted' }, '-'), el('span', { class: 'muted' }, '-')];
  });
}

/*
 * What the row came with (issue #9): its ids, email and profile URL, and the
 * file's other columns. All of it is lead text, so untrusted: text nodes only,
 * and the profile URL is a link only when it is plainly a LinkedIn https URL.
 */
var LINKEDIN_URL = /^https:\/\/www\.linkedin\.com\/[^\s]*$/;

function profileLink(url) {
  var s = String(url || '');
  var ok = LINKEDIN_URL.test(s);
  if (ok) {
    try {
      var u = new URL(s);
      ok = u.protocol === 'https:' && u.hostname === 'www.linkedin.com' && !u.username && !u.password;
    } catch (e) {
      ok = false;
    }
  }
  if (!ok) return el('span', { class: 'wrap' }, s);
  return el('a', { href: s, class: 'wrap', target: '_blank', rel: 'noopener noreferrer nofollow' }, s);
}

function identity(d, res) {
  var rows = [
    res.email ? ['Email', el('span', { class: 'wrap' }, String(res.email))] : null,
    res.linkedin_url ? ['LinkedIn', profileLink(res.linkedin_url)] : null,
    res.external_id ? ['External ID', el('span', { class: 'wrap' }, String(res.external_id))] : null,
    res.lead_id ? ['Lead ID', String(res.lead_id)] : null,
    res.line ? ['Line in the file', fmtNum(res.line)] : null,
    res.duplicate_of ? ['Duplicate of', String(res.duplicate_of)] : null
  ].filter(Boolean);
  if (rows.length) d.appendChild(dl(rows));
  var extra = res.extra && typeof res.extra === 'object' ? res.extra : {};
  var keys = Object.keys(extra);
  if (!keys.length) return;
  d.appendChild(el('h3', null, 'Other columns'));
  d.appendChild(dl(keys.map(function (k) {
    return [el('span', { class: 'wrap' }, k), el('span', { class: 'wrap' }, String(extra[k]))];
  })));
}
