/* 25-session.js - who is signed in (GET /session), sign-in and sign-out.
 * The key goes to POST /session once and is never kept: the server answers
 * with an HttpOnly cookie that page script cannot read. */

var session = { ready: false, info: null, needSignIn: false, ended: '' };

function loadSession() {
  return api('GET', '/session', null, { allow401: true }).then(function (r) {
    session.info = r.data || {};
    session.needSignIn = false;
  }, function (e) {
    if (e.status === 401) {
      session.info = null;
      session.needSignIn = true;
    } else if (e.status === 404) {
      session.info = { auth: 'open', role: null, workspace: null }; /* a server without sessions */
      session.needSignIn = false;
    } else {
      throw e;
    }
  }).then(function () {
    session.ready = true;
    renderWho();
  });
}

onUnauthorized = function () {
  if (session.needSignIn) return;
  session.info = null;
  session.needSignIn = true;
  session.ended = 'Your session has ended. Sign in again to continue.';
  renderWho();
  setTimeout(function () { render(true); }, 0);
};

function renderWho() {
  var box = clear(byId('who'));
  var s = session.info;
  if (!s) return;
  var ws = s.workspace && s.workspace.name;
  if (ws) box.appendChild(el('span', { class: 'who-item' }, [el('span', { class: 'who-k' }, 'Workspace '), el('strong', null, ws)]));
  if (s.role) box.appendChild(el('span', { class: 'who-item' }, [el('span', { class: 'who-k' }, 'Role '), el('strong', null, s.role)]));
  if (s.auth === 'open') box.appendChild(el('span', { class: 'who-item muted' }, 'Open mode'));
  if (s.auth === 'session') {
    box.appendChild(el('button', { type: 'button', class: 'btn small', onclick: signOut }, 'Sign out'));
  }
}

function signOut(ev) {
  var btn = ev.currentTarget;
  btn.disabled = true;
  api('DELETE', '/session', null, { allow401: true }).then(function () {
    session.info = null;
    session.needSignIn = true;
    session.ended = 'You are signed out.';
    renderWho();
    render(true);
  }, function (e) {
    btn.disabled = false;
    if (!e.network) alertNear(btn, errText(e));
  });
}

/* A short alert right after node (for actions without a form of their own). */
function alertNear(node, text) {
  var next = node.nextElementSibling;
  if (!next || !next.classList.contains('near-alert')) {
    next = el('span', { class: 'near-alert msg error', role: 'alert' });
    node.parentNode.insertBefore(next, node.nextSibling);
  }
  next.textContent = text;
}

function showSignIn() {
  leaveScreen();
  byId('nav').hidden = true;
  setNav(null);
  var main = clear(byId('main'));
  var root = el('div', { class: 'screen signin' });
  main.appendChild(root);
  var ctx = { root: root };
  heading(ctx, 'Sign in');
  root.appendChild(el('p', null, 'This leadscore server needs an API key. An admin creates one with ' +
    '"leadscore keys create"; it is sent once and the browser keeps only a session cookie.'));
  var note = el('p', { class: 'msg info', role: 'status' }, session.ended || '');
  note.hidden = !session.ended;
  root.appendChild(note);
  var inputId = uid('key'), errId = uid('key-err');
  var input = el('input', { id: inputId, name: 'key', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  var err = el('p', { id: errId, class: 'field-error', role: 'alert', hidden: true });
  var btn = el('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
  var form = el('form', { class: 'card narrow', novalidate: true }, [
    el('div', { class: 'field' }, [el('label', { for: inputId }, 'API key'), input, err]),
    el('div', { class: 'actions' }, btn)
  ]);
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var key = input.value.trim();
    if (!key) {
      showFieldError(input, err, 'Enter your API key.');
      input.focus();
      return;
    }
    btn.disabled = true;
    api('POST', '/session', { key: key }, { allow401: true }).then(function () {
      input.value = '';
      session.ended = '';
      return loadSession().then(function () { render(true); });
    }, function (e) {
      btn.disabled = false;
      showFieldError(input, err, errText(e));
      input.focus();
    });
  });
  root.appendChild(form);
  input.focus();
}

/* The message for one input: role=alert text linked by aria-describedby. */
function showFieldError(input, box, text) {
  box.textContent = text;
  box.hidden = false;
  input.setAttribute('aria-invalid', 'true');
  var ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (ids.indexOf(box.id) < 0) ids.push(box.id);
  input.setAttribute('aria-describedby', ids.join(' '));
}

function clearFieldError(input, box) {
  box.textContent = '';
  box.hidden = true;
  input.removeAttribute('aria-invalid');
  var ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(function (x) { return x && x !== box.id; });
  if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
  else input.removeAttribute('aria-describedby');
}
