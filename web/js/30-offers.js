/* 30-offers.js - #/offers (the list and the "New offer" form) and #/offers/{id}. */

var OFFER_LISTS = [
  { key: 'value_props', one: 'Value proposition', legend: 'Value propositions', add: 'Add value proposition', start: 1,
    hint: 'What the product does for the buyer.' },
  { key: 'ideal_use_cases', one: 'Ideal use case', legend: 'Ideal use cases', add: 'Add ideal use case', start: 1,
    hint: 'Who it suits best, e.g. "B2B SaaS mid-market".' },
  { key: 'icp_industries', one: 'ICP industry', legend: 'ICP industries (optional)', add: 'Add ICP industry', start: 0,
    hint: 'Industries that count as an exact fit (+20).' },
  { key: 'adjacent_industries', one: 'Adjacent industry', legend: 'Adjacent industries (optional)', add: 'Add adjacent industry', start: 0,
    hint: 'Industries that count as adjacent (+10).' }
];

var OFFERS_PAGE = 50;

route(/^\/offers$/, 'offers', function (ctx) {
  heading(ctx, 'Offers');
  var listBox = el('section', { class: 'card', 'aria-labelledby': 'offers-list-h' }, [
    el('h2', { id: 'offers-list-h' }, 'Saved offers'),
    el('p', { class: 'muted' }, 'Loading…')
  ]);
  var page = Math.max(1, parseInt(ctx.query.get('page'), 10) || 1);
  ctx.root.appendChild(el('div', { class: 'cols' }, [listBox, offerForm(ctx, function () { loadOffers(ctx, listBox, 1); })]));
  loadOffers(ctx, listBox, page);
});

function loadOffers(ctx, box, page) {
  api('GET', '/offers' + qs({ limit: OFFERS_PAGE, offset: (page - 1) * OFFERS_PAGE })).then(function (r) {
    if (!ctx.live) return;
    var d = r.data || {};
    var items = d.items || [];
    var h2 = box.querySelector('h2');
    clear(box).appendChild(h2);
    if (!items.length) {
      box.appendChild(el('p', { class: 'muted' }, page > 1 ? 'No offers on this page.' : 'No offers yet. Create the first one with the form.'));
      return;
    }
    box.appendChild(table('Offers', ['Name', 'Created', 'Current'], items.map(function (o) {
      return [
        el('a', { href: '#/offers/' + Number(o.id), class: 'wrap' }, o.name || 'Offer ' + o.id),
        timeEl(o.created_at),
        o.id === d.current ? el('span', { class: 'chip current' }, 'Current') : ''
      ];
    }), { cls: 'list' }));
    var pages = Math.max(1, Math.ceil((d.total || 0) / OFFERS_PAGE));
    if (pages > 1) box.appendChild(pager(page, pages, function (p) { go(hashFor('/offers', { page: p })); }));
  }, function (e) {
    if (!ctx.live) return;
    box.appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
  });
}

/* "Previous page" / "Page N of M" / "Next page". */
function pager(page, pages, goTo) {
  return el('nav', { class: 'pager', 'aria-label': 'Pages' }, [
    el('button', { type: 'button', class: 'btn', disabled: page <= 1, onclick: function () { goTo(page - 1); } }, 'Previous page'),
    el('span', { class: 'pager-text', 'aria-live': 'polite' }, 'Page ' + page + ' of ' + pages),
    el('button', { type: 'button', class: 'btn', disabled: page >= pages, onclick: function () { goTo(page + 1); } }, 'Next page')
  ]);
}

/* One labelled text input with its own error slot. */
function textField(label, name, attrs) {
  var id = uid('f'), errId = uid('err');
  var input = el('input', Object.assign({ id: id, name: name, type: 'text', autocomplete: 'off' }, attrs || {}));
  var err = el('p', { id: errId, class: 'field-error', role: 'alert', hidden: true });
  var wrap = el('div', { class: 'field' }, [el('label', { for: id }, label), input, err]);
  return { wrap: wrap, input: input, err: err, label: wrap.firstChild };
}

/* A list of inputs "Value proposition 1..n" with add and remove buttons. */
function listField(spec) {
  var items = [];
  var ul = el('ol', { class: 'list-inputs' });
  var errId = uid('err');
  var err = el('p', { id: errId, class: 'field-error', role: 'alert', hidden: true });
  var addBtn = el('button', { type: 'button', class: 'btn small' }, spec.add);
  var hintId = uid('hint');
  var fs = el('fieldset', { class: 'list-field', 'aria-describedby': hintId }, [
    el('legend', null, spec.legend),
    el('p', { id: hintId, class: 'hint' }, spec.hint),
    ul, err, addBtn
  ]);

  function relabel() {
    items.forEach(function (it, i) {
      var n = i + 1;
      it.label.textContent = spec.one + ' ' + n;
      it.remove.setAttribute('aria-label', 'Remove ' + spec.one.toLowerCase() + ' ' + n);
    });
  }
  function add(value, focus) {
    var f = textField(spec.one + ' ' + (items.length + 1), spec.key);
    f.input.value = value || '';
    var it = { input: f.input, err: f.err, label: f.label };
    it.remove = el('button', { type: 'button', class: 'btn small quiet', title: 'Remove' }, '✕');
    it.li = el('li', null, [el('div', { class: 'row' }, [f.wrap, it.remove])]);
    it.remove.addEventListener('click', function () {
      var i = items.indexOf(it);
      items.splice(i, 1);
      ul.removeChild(it.li);
      relabel();
      var next = items[i] || items[i - 1];
      (next ? next.input : addBtn).focus();
    });
    items.push(it);
    ul.appendChild(it.li);
    relabel();
    if (focus) f.input.focus();
  }
  addBtn.addEventListener('click', function () { add('', true); });
  for (var i = 0; i < spec.start; i++) add('', false);

  return {
    spec: spec,
    node: fs,
    items: items,
    err: err,
    addBtn: addBtn,
    /* The non-empty values, and which input each came from. */
    collect: function () {
      var vals = [], from = [];
      items.forEach(function (it) {
        var v = it.input.value.trim();
        if (v) { vals.push(v); from.push(it); }
      });
      return { vals: vals, from: from };
    },
    reset: function () {
      while (items.length) ul.removeChild(items.pop().li);
      for (var j = 0; j < spec.start; j++) add('', false);
    }
  };
}

function offerForm(ctx, onSaved) {
  var name = textField('Name', 'name', { required: true, maxlength: 500 });
  var lists = OFFER_LISTS.map(listField);
  var formErr = el('p', { class: 'msg error', role: 'alert', hidden: true });
  var ok = el('p', { class: 'msg ok', role: 'status', hidden: true });
  var submit = el('button', { type: 'submit', class: 'btn primary' }, 'Create offer');
  var form = el('form', { class: 'card', 'aria-labelledby': 'new-offer-h', novalidate: true }, [
    el('h2', { id: 'new-offer-h' }, 'New offer'),
    name.wrap
  ].concat(lists.map(function (l) { return l.node; })).concat([
    el('div', { class: 'actions' }, [submit]), formErr, ok
  ]));

  function clearErrors() {
    clearFieldError(name.input, name.err);
    lists.forEach(function (l) {
      l.err.hidden = true;
      l.err.textContent = '';
      l.node.removeAttribute('aria-invalid');
      l.items.forEach(function (it) { clearFieldError(it.input, it.err); });
    });
    formErr.hidden = true;
  }

  /* Shows e.message next to the field e.field names ("name", "value_props[1]"). */
  function showError(e, sent) {
    var f = e.field || '';
    var m = /^([a-z_]+)(?:\[(\d+)\])?/.exec(f);
    if (m && m[1] === 'name') {
      showFieldError(name.input, name.err, e.message);
      name.input.focus();
      return;
    }
    for (var i = 0; m && i < lists.length; i++) {
      if (lists[i].spec.key !== m[1]) continue;
      var it = m[2] !== undefined ? sent[m[1]].from[Number(m[2])] : null;
      if (it) {
        showFieldError(it.input, it.err, e.message);
        it.input.focus();
      } else {
        var l = lists[i];
        l.err.textContent = e.message;
        l.err.hidden = false;
        l.node.setAttribute('aria-invalid', 'true');
        if (l.items[0]) {
          showFieldError(l.items[0].input, l.err, e.message);
          l.items[0].input.focus();
        } else {
          l.addBtn.setAttribute('aria-describedby', l.err.id);
          l.addBtn.focus();
        }
      }
      return;
    }
    formErr.textContent = errText(e);
    formErr.hidden = false;
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrors();
    ok.hidden = true;
    var sent = {};
    var body = { name: name.input.value.trim() };
    lists.forEach(function (l) {
      var c = l.collect();
      sent[l.spec.key] = c;
      if (c.vals.length || l.spec.start) body[l.spec.key] = c.vals;
    });
    submit.disabled = true;
    api('POST', '/offers', body).then(function (r) {
      submit.disabled = false;
      if (!ctx.live) return;
      var id = r.data && r.data.offer_id;
      name.input.value = '';
      lists.forEach(function (l) { l.reset(); });
      clear(ok);
      ok.appendChild(document.createTextNode('Offer saved; it is now the current offer. '));
      if (id) ok.appendChild(el('a', { href: '#/offers/' + Number(id) }, 'Open offer ' + id));
      ok.hidden = false;
      onSaved();
    }, function (e) {
      submit.disabled = false;
      if (!ctx.live) return;
      showError(e, sent);
    });
  });
  return form;
}

route(/^\/offers\/(\d+)$/, 'offers', function (ctx) {
  var id = Number(ctx.params[1]);
  var h = heading(ctx, 'Offer ' + id);
  ctx.root.appendChild(el('p', null, el('a', { href: '#/offers' }, '← All offers')));
  var body = el('div', { class: 'card' }, el('p', { class: 'muted' }, 'Loading…'));
  ctx.root.appendChild(body);
  api('GET', '/offers/' + id).then(function (r) {
    if (!ctx.live) return;
    var o = (r.data && r.data.offer) || {};
    h.textContent = o.name || 'Offer ' + id;
    document.title = (o.name || 'Offer ' + id) + ' - leadscore';
    clear(body);
    var pairs = [['Offer', String(id)], ['Name', o.name]];
    OFFER_LISTS.forEach(function (l) {
      var v = o[l.key];
      pairs.push([l.legend.replace(' (optional)', ''), Array.isArray(v) && v.length
        ? el('ul', { class: 'plain' }, v.map(function (x) { return el('li', null, String(x)); }))
        : el('span', { class: 'muted' }, 'none')]);
    });
    if (r.data && r.data.created_at) pairs.push(['Created', timeEl(r.data.created_at)]);
    body.appendChild(dl(pairs));
    body.appendChild(el('p', null, el('a', { href: '#/runs?offer=' + id, class: 'btn' }, 'Start a run with this offer')));
  }, function (e) {
    if (!ctx.live) return;
    clear(body).appendChild(el('p', { class: 'msg error', role: 'alert' }, errText(e)));
  });
});
