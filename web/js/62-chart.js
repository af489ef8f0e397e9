/* 62-chart.js - the "Score distribution" chart: an SVG built node by node.
 * Ten bins, each a bar stacked by intent, with its count as text above it and
 * a <title> per part; the same numbers as a table for screen readers. */

var CHART = { w: 760, h: 170, left: 36, right: 8, top: 18, bottom: 34 }; /* short, so the table starts on the first screen */
var STACK = ['Low', 'Medium', 'High']; /* bottom to top */

function drawChart(box, bins) {
  clear(box).appendChild(el('figcaption', null, 'Score distribution'));
  if (!bins.length) {
    box.appendChild(el('p', { class: 'muted' }, 'No scores to show.'));
    return;
  }
  var maxCount = 0, total = 0;
  bins.forEach(function (b) {
    maxCount = Math.max(maxCount, Number(b.count) || 0);
    total += Number(b.count) || 0;
  });
  var top = niceCeil(maxCount);
  var plotW = CHART.w - CHART.left - CHART.right;
  var plotH = CHART.h - CHART.top - CHART.bottom;
  var slot = plotW / bins.length, barW = Math.max(4, slot * 0.7);
  var label = 'Score distribution: ' + plural(total, 'lead', 'leads') + ' in ' + bins.length + ' score bands';
  var chart = svg('svg', {
    viewBox: '0 0 ' + CHART.w + ' ' + CHART.h, class: 'chart-svg', role: 'img', 'aria-label': label,
    preserveAspectRatio: 'xMidYMid meet'
  });
  chart.appendChild(svg('title', null, label));

  /* The y axis: 0, half and the top, as gridlines. */
  [0, top / 2, top].forEach(function (v) {
    var y = CHART.top + plotH - (top ? (v / top) * plotH : 0);
    chart.appendChild(svg('line', { x1: CHART.left, x2: CHART.w - CHART.right, y1: y, y2: y, class: 'grid' }));
    chart.appendChild(svg('text', { x: CHART.left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, fmtNum(Math.round(v))));
  });

  bins.forEach(function (b, i) {
    var x = CHART.left + i * slot + (slot - barW) / 2;
    var count = Number(b.count) || 0;
    var range = binLabel(b);
    var g = svg('g', { class: 'bin' });
    g.appendChild(svg('title', null, 'Scores ' + range + ': ' + plural(count, 'lead', 'leads') +
      ' (High ' + (b.High || 0) + ', Medium ' + (b.Medium || 0) + ', Low ' + (b.Low || 0) + ')'));
    var y = CHART.top + plotH;
    STACK.forEach(function (k) {
      var n = Number(b[k]) || 0;
      if (!n || !top) return;
      var hgt = (n / top) * plotH;
      y -= hgt;
      g.appendChild(svg('rect', { x: x, y: y, width: barW, height: Math.max(hgt, 1), class: 'bar bar-' + k.toLowerCase() },
        svg('title', null, k + ': ' + n + ' in ' + range)));
    });
    g.appendChild(svg('text', { x: x + barW / 2, y: y - 4, class: 'count', 'text-anchor': 'middle' }, fmtNum(count)));
    g.appendChild(svg('text', { x: x + barW / 2, y: CHART.h - CHART.bottom + 16, class: 'axis', 'text-anchor': 'middle' }, range));
    chart.appendChild(g);
  });
  chart.appendChild(svg('text', { x: CHART.left + plotW / 2, y: CHART.h - 4, class: 'axis', 'text-anchor': 'middle' }, 'Score'));
  box.appendChild(chart);

  box.appendChild(el('ul', { class: 'legend', 'aria-label': 'Legend' }, STACK.slice().reverse().map(function (k) {
    return el('li', null, [el('span', { class: 'swatch bar-' + k.toLowerCase(), 'aria-hidden': 'true' }), k]);
  })));

  var details = el('details', { class: 'chart-table' }, [el('summary', null, 'Show the distribution as a table')]);
  details.appendChild(table('Score distribution', ['Scores', 'Leads', 'High', 'Medium', 'Low'], bins.map(function (b) {
    return [binLabel(b), fmtNum(b.count || 0), fmtNum(b.High || 0), fmtNum(b.Medium || 0), fmtNum(b.Low || 0)];
  }), { cls: 'narrow-table' }));
  box.appendChild(details);
}

function binLabel(b) {
  return String(b.min) + '–' + String(b.max);
}

/* 0 -> 1, 7 -> 8, 43 -> 50, 180 -> 200: a round top for the axis. */
function niceCeil(n) {
  if (n <= 0) return 1;
  if (n <= 10) return n % 2 ? n + 1 : n;
  var p = Math.pow(10, Math.floor(Math.log10(n)));
  var steps = [1, 2, 2.5, 5, 10];
  for (var i = 0; i < steps.length; i++) if (steps[i] * p >= n) return steps[i] * p;
  return 10 * p;
}
