/* 15-net.js - the "Cannot reach leadscore" banner.
 * Any network-level failure raises it; /healthz is then tried every 2 s and,
 * once it answers, the banner goes and the current screen is loaded again. */

var net = { down: false, timer: null };

function netDown() {
  if (net.down) return;
  net.down = true;
  var b = byId('net-banner');
  clear(b);
  b.appendChild(el('strong', null, 'Cannot reach leadscore.'));
  b.appendChild(document.createTextNode(' Retrying every 2 seconds; this page reloads itself once the server answers.'));
  b.hidden = false;
  net.timer = setInterval(netProbe, 2000);
}

function netProbe() {
  fetch('/healthz', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
    .then(function () {
      netUp();
    }, function () { /* still down: the banner stays, the next probe is in 2 s */ });
}

function netUp() {
  if (!net.down) return;
  net.down = false;
  clearInterval(net.timer);
  net.timer = null;
  var b = byId('net-banner');
  clear(b);
  b.hidden = true;
  if (typeof reloadScreen === 'function') reloadScreen();
}
