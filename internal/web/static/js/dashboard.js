// Draws the assessment dashboard's charts with ECharts from the JSON the page carries. The
// tables beside each chart hold the same figures, so the page is complete without this script.
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var t = data.text;
  var charts = [];

  function stacked(id, s, horizontal) {
    var el = document.getElementById(id);
    if (!el || !s.labels) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    var cat = { type: "category", data: s.labels, axisLabel: { interval: 0 } };
    var val = { type: "value", minInterval: 1 };
    chart.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: horizontal ? 160 : 40, right: 20, bottom: 30, top: 40 },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign({}, cat, { inverse: true }) : val,
      series: [
        { name: t.completed, type: "bar", stack: "s", data: s.completed, itemStyle: { color: "#1e6b34" } },
        { name: t.in_progress, type: "bar", stack: "s", data: s.in_progress, itemStyle: { color: "#0b4f8a" } },
        { name: t.not_started, type: "bar", stack: "s", data: s.not_started, itemStyle: { color: "#9aa3ae" } }
      ]
    });
    charts.push(chart);
  }

  stacked("chart-sections", data.sections, false);
  stacked("chart-units", data.units, true);

  var tEl = document.getElementById("chart-targets");
  if (tEl && data.targets.labels) {
    var tc = echarts.init(tEl, null, { renderer: "svg" });
    tc.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      grid: { left: 220, right: 30, bottom: 30, top: 20 },
      xAxis: { type: "value", max: function (v) { return Math.max(100, v.max); } },
      yAxis: { type: "category", data: data.targets.labels, inverse: true },
      series: [{ name: t.reached, type: "bar", data: data.targets.reached, itemStyle: { color: "#0b4f8a" },
        markLine: { symbol: "none", data: [{ xAxis: 100, name: t.planned }], lineStyle: { color: "#b3261e" } } }]
    });
    charts.push(tc);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
