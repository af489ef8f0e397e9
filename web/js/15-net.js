/* 15-net.js - the "Cannot reach leadscore" banner.
 * Any network-level failure raises it; /healthz is then tried every 2 s and,
 * once it answers, the banner goes and the current screen is loaded again. */

var net = { down: false, timer: null, tries: 0 };

function netDown() {
  if (net.down) return;
  net.down = true;
  net.tries = 0;
  var b = byId('net-banner');
  clear(b);
  b.appendChild(el('strong', null, 'Cannot reach leadscore.'));
  b.appendChild(document.createTextNode(' Retrying every 2 seconds'));
  b.appendChild(el('span', { id: 'net-tries' }, ''));
  b.hidden = false;
  net.timer = setInterval(netProbe, 2000);
}

function netProbe() {
  fetch('/healthz', { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
    .then(function () {
      netUp();
    }, function () {
      net.tries += 1;
      var t = byId('net-tries');
      if (t) t.textContent = ' (' + plural(net.tries, 'attempt', 'attempts') + ' so far)…';
    });
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
