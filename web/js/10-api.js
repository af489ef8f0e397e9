/* 10-api.js - the JSON API, same-origin only.
 * api() resolves {status, data, headers} for 2xx and rejects with an ApiError
 * ({status, code, message, field, details}) otherwise; a failure to reach the
 * server rejects with {network: true} and raises the "Cannot reach" banner. */

function ApiError(status, body, fallback) {
  body = body && typeof body === 'object' ? body : {};
  this.status = status;
  this.code = typeof body.code === 'string' ? body.code : '';
  this.message = typeof body.error === 'string' && body.error ? body.error : fallback;
  this.details = body.details && typeof body.details === 'object' ? body.details : null;
  this.field = typeof body.field === 'string' ? body.field
    : (this.details && typeof this.details.field === 'string' ? this.details.field : '');
  this.body = body;
  this.network = false;
}

function NetError() {
  this.network = true;
  this.status = 0;
  this.code = 'network';
  this.message = 'Cannot reach leadscore.';
}

/* Set by 20-router: what to do on a 401 outside sign-in (the session ended). */
var onUnauthorized = null;

function qs(params) {
  var u = new URLSearchParams();
  Object.keys(params || {}).forEach(function (k) {
    var v = params[k];
    if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  });
  var s = u.toString();
  return s ? '?' + s : '';
}

function parseBody(text) {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    return null;
  }
}

/*
 * GETs started before the screen that needs them: boot.js asks for the first
 * screen's data before this script has loaded (window.lsEarly), and boot()
 * asks beside /session for what boot.js did not. The next api('GET', path)
 * takes the answer, once, when it is under EARLY_MS old. A failed one is
 * asked again, so a 401 or an outage is handled exactly as without it.
 */
var EARLY_MS = 10000;
var early = {};
var bootEarly = window.lsEarly || {};
window.lsBooted = true; /* boot.js, if it runs after this, asks for nothing */
window.lsEarly = null;

function prefetch(path) {
  if (early[path]) return;
  var p = api('GET', path, null, { allow401: true, fresh: true });
  p.catch(function () {});
  early[path] = { at: Date.now(), p: p };
}

function requestInit(method, body) {
  var init = {
    method: method,
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
    cache: 'no-cache'
  };
  if (body !== undefined && body !== null) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return init;
}

/* opts: {allow401: true} leaves a 401 to the caller (sign-in). */
function api(method, path, body, opts) {
  opts = opts || {};
  var pre = method === 'GET' && !opts.fresh ? early[path] : null;
  if (pre) {
    delete early[path];
    if (Date.now() - pre.at < EARLY_MS) {
      return pre.p.catch(function () {
        return api(method, path, body, opts);
      });
    }
  }
  var sent = null;
  var boot = method === 'GET' ? bootEarly[path] : null;
  if (boot) {
    delete bootEarly[path];
    if (Date.now() - boot.at < EARLY_MS) sent = boot.f;
  }
  return (sent || fetch(path, requestInit(method, body))).then(function (res) {
    return res.text().then(function (text) {
      var data = parseBody(text);
      if (res.ok) {
        netUp();
        return { status: res.status, data: data, headers: res.headers };
      }
      netUp();
      var err = new ApiError(res.status, data, 'The server answered ' + res.status + ' ' + (res.statusText || '') + '.');
      if (res.status === 401 && !opts.allow401 && onUnauthorized) onUnauthorized(err);
      throw err;
    });
  }, function () {
    if (sent) return api(method, path, body, opts); /* boot.js's try failed: ask again, once */
    netDown();
    throw new NetError();
  });
}

/* POST /uploads with the raw file; XMLHttpRequest for upload progress.
 * onProgress(sentBytes, totalBytes). */
function apiUpload(file, onProgress) {
  return new Promise(function (resolve, reject) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/uploads' + qs({ filename: file.name || 'upload.csv' }));
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = function (e) {
      onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    };
    xhr.onload = function () {
      var data = parseBody(xhr.responseText);
      netUp();
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ status: xhr.status, data: data });
        return;
      }
      var err = new ApiError(xhr.status, data, 'The upload failed with HTTP ' + xhr.status + '.');
      if (xhr.status === 401 && onUnauthorized) onUnauthorized(err);
      reject(err);
    };
    xhr.onerror = function () {
      netDown();
      reject(new NetError());
    };
    xhr.send(file);
  });
}

/* The message to show for any rejection (never raw JSON). */
function errText(e) {
  if (!e) return 'Something went wrong.';
  if (e.network) return 'Cannot reach leadscore; retrying.';
  if (typeof e.message === 'string' && e.message) return e.message;
  return 'Something went wrong.';
}
