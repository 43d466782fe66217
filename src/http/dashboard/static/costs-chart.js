// The costs chart: cost per day for each workflow, their total, and the daily budget line
// (LLM_DAILY_BUDGET_USD, per workflow). The numbers come from the page (data-chart), the same
// numbers the table below shows; uPlot is served from node_modules.
/* global document, window, uPlot */
(function () {
  'use strict';
  var el = document.getElementById('costs-chart');
  if (!el || typeof uPlot === 'undefined') return;
  var data;
  try {
    data = JSON.parse(el.getAttribute('data-chart'));
  } catch {
    return;
  }
  var xs = data.days.map(function (d) {
    return Date.parse(d + 'T00:00:00Z') / 1000;
  });
  var colors = ['#0b5cad', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0969da', '#57606a'];
  var series = [{}];
  var columns = [xs];
  Object.keys(data.workflows).forEach(function (name, i) {
    series.push({ label: name, stroke: colors[i % colors.length], width: 2, value: function (_u, v) { return v == null ? '-' : '$' + v.toFixed(4); } });
    columns.push(data.workflows[name]);
  });
  series.push({ label: 'total', stroke: '#1d232a', width: 2, dash: [4, 3], value: function (_u, v) { return v == null ? '-' : '$' + v.toFixed(4); } });
  columns.push(data.total);
  series.push({ label: 'daily budget', stroke: '#cf222e', width: 1.5, dash: [8, 4], value: function (_u, v) { return '$' + v.toFixed(2); } });
  columns.push(xs.map(function () { return data.budget; }));
  var width = function () { return Math.max(320, el.clientWidth - 32); };
  var plot = new uPlot({ width: width(), height: 300, series: series, scales: { x: { time: true } }, axes: [{}, { values: function (_u, vals) { return vals.map(function (v) { return '$' + v; }); } }] }, columns, el);
  window.addEventListener('resize', function () { plot.setSize({ width: width(), height: 300 }); });
  el.setAttribute('data-drawn', 'true');
})();
