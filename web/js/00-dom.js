/* 00-dom.js - building DOM nodes without markup strings.
 * Every piece of data becomes a text node or an attribute value, never parsed HTML. */

var SVG_NS = 'http://www.w3.org/2000/svg';
var PROPS = { value: 1, checked: 1, selected: 1, disabled: 1, hidden: 1, tabIndex: 1 };
var idSeq = 0;

/* A fresh id for label/aria wiring. */
function uid(prefix) {
  idSeq += 1;
  return (prefix || 'id') + '-' + idSeq;
}

function addKids(node, kids) {
  if (kids === null || kids === undefined || kids === false) return;
  if (Array.isArray(kids)) {
    for (var i = 0; i < kids.length; i++) addKids(node, kids[i]);
  } else if (typeof kids === 'string' || typeof kids === 'number') {
    node.appendChild(document.createTextNode(String(kids)));
  } else {
    node.appendChild(kids);
  }
}

function setAttrs(node, attrs) {
  if (!attrs) return;
  Object.keys(attrs).forEach(function (k) {
    var v = attrs[k];
    if (v === null || v === undefined || v === false) return;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'class') node.setAttribute('class', v);
    else if (k.slice(0, 2) === 'on' && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (PROPS[k]) node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  });
}

/* el('p', {class: 'x'}, ['text', child]) - an HTML element. */
function el(tag, attrs, kids) {
  var node = document.createElement(tag);
  setAttrs(node, attrs);
  addKids(node, kids);
  return node;
}

/* svg('rect', {...}) - an SVG element (createElementNS). */
function svg(tag, attrs, kids) {
  var node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  addKids(node, kids);
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

function byId(id) {
  return document.getElementById(id);
}

/* A short, local rendering of an ISO time; '-' when there is none. */
function fmtTime(iso) {
  if (!iso) return '-';
  var d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit'
  });
}

function timeEl(iso) {
  return iso ? el('time', { datetime: iso, title: iso }, fmtTime(iso)) : document.createTextNode('-');
}

/*
 * Numbers with commas between thousands ("1,234,567"), the page being in
 * English. Not Intl.NumberFormat: the first one a fresh page builds loads
 * ICU's number data, 30-40 ms of the first screen on the 2-vCPU bench
 * machine (bench/ui), for one "1,000 leads match".
 */
function fmtNum(n) {
  if (n === null || n === undefined || n === '') return '-';
  var v = Number(n);
  if (!isFinite(v)) return String(n);
  if (!Number.isInteger(v)) v = Math.round(v * 1000) / 1000; /* as Intl's default: 3 decimals */
  var neg = v < 0;
  var parts = String(Math.abs(v)).split('.');
  if (parts[0].indexOf('e') >= 0) return String(v); /* 1e21 and up: no grouping to do */
  var int = parts[0], out = '';
  while (int.length > 3) {
    out = ',' + int.slice(-3) + out;
    int = int.slice(0, -3);
  }
  out = int + out + (parts.length > 1 ? '.' + parts[1] : '');
  return neg ? '-' + out : out;
}

/* 65000 -> "1 min 5 s". */
function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '-';
  var s = Math.round(ms / 1000);
  if (s < 1) return ms < 1000 && ms > 0 ? '< 1 s' : '0 s';
  var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  var out = [];
  if (h) out.push(h + ' h');
  if (m) out.push(m + ' min');
  if (r && !h) out.push(r + ' s');
  return out.join(' ');
}

function plural(n, one, many) {
  return fmtNum(n) + ' ' + (Number(n) === 1 ? one : many);
}

/* A description list from [[term, value], ...]; values may be nodes. */
function dl(pairs, cls) {
  var list = el('dl', { class: cls || 'facts' });
  pairs.forEach(function (p) {
    if (!p) return;
    list.appendChild(el('div', null, [el('dt', null, p[0]), el('dd', null, p[1] === '' || p[1] === null || p[1] === undefined ? '-' : p[1])]));
  });
  return list;
}

/* A table with a caption; rows are arrays of cell contents. */
function table(caption, heads, rows, opts) {
  opts = opts || {};
  var thead = el('thead', null, el('tr', null, heads.map(function (h) {
    return el('th', { scope: 'col' }, h);
  })));
  var tbody = el('tbody');
  rows.forEach(function (r) {
    tbody.appendChild(el('tr', null, r.map(function (c) { return el('td', null, c); })));
  });
  if (!rows.length && opts.empty) {
    tbody.appendChild(el('tr', null, el('td', { colspan: heads.length, class: 'muted' }, opts.empty)));
  }
  var t = el('table', { class: opts.cls || null }, [el('caption', null, caption), thead, tbody]);
  return el('div', { class: 'table-wrap' }, t);
}

var INTENTS = ['High', 'Medium', 'Low'];

/* The intent as a chip: the word carries the meaning, colour is extra. */
function intentChip(intent) {
  var known = INTENTS.indexOf(intent) >= 0;
  return el('span', { class: 'chip intent-' + (known ? intent.toLowerCase() : 'unknown') }, intent || '-');
}

var STATUS_WORDS = {
  queued: 'Queued', running: 'Running', succeeded: 'Succeeded', failed: 'Failed', cancelled: 'Cancelled',
  stopped: 'Stopped at budget'
};

function statusChip(status) {
  var cls = STATUS_WORDS[status] ? status : 'unknown';
  return el('span', { class: 'chip status-' + cls }, STATUS_WORDS[status] || String(status || '-'));
}

/* A polite live region message or an alert, replacing what was in box. */
function say(box, text, kind) {
  clear(box);
  if (!text) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.className = 'msg ' + (kind || 'info');
  box.textContent = text;
}

/* The one modal dialog open at a time ({dialog, back}); a screen change closes it. */
var openDetail = null;

function closeDialogs() {
  if (openDetail) openDetail.dialog.close();
}
