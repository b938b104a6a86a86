// Draws the published rating statistics as stacked bars with ECharts, from the JSON the page
// carries. The table below the chart holds the same figures, so the page is complete without it.
(function () {
  "use strict";
  var node = document.getElementById("ratings-stats-data");
  var el = document.getElementById("ratings-chart");
  if (!node || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    aria: { enabled: true },
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 180, right: 20, bottom: 30, top: 40 },
    xAxis: { type: "value", minInterval: 1, name: data.text.count },
    yAxis: { type: "category", data: data.labels, inverse: true },
    series: data.levels.map(function (name, i) {
      return { name: name, type: "bar", stack: "levels", data: data.series[i], itemStyle: { color: data.colors[i] } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
