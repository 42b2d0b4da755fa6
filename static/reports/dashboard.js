/* Dashboard charts (Apache ECharts, served locally) from the JSON the page embeds; print buttons. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];

  var trendNode = document.getElementById("chart-trend");
  if (trendNode && data.trend.months.length) {
    var chart = echarts.init(trendNode);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 36, bottom: 30 },
      xAxis: { type: "category", data: data.trend.months },
      // Counts are whole numbers: no 0.2, 0.4 ... ticks on a count axis.
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: data.trend.series.map(function (s) {
        return { name: s.name, type: s.rate ? "line" : "bar", yAxisIndex: s.rate ? 1 : 0, data: s.values, connectNulls: false };
      })
    });
    charts.push(chart);
  }
  data.breakdowns.forEach(function (b) {
    var node = document.getElementById("chart-" + b.key);
    if (!node) { return; }
    var chart = echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 20, top: 10, bottom: 20 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: b.labels, inverse: true },
      series: [{ type: "bar", data: b.values, name: b.title }]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
