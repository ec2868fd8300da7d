/* The daily picture's charts: the series come from a json_script element (no inline
   script, CSP-clean); one Chart.js chart per <canvas data-chart="key">. */
(function () {
  "use strict";
  var COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || typeof Chart === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    charts.forEach(function (chart) {
      var canvas = document.querySelector('canvas[data-chart="' + chart.key + '"]');
      if (!canvas) { return; }
      var stacked = chart.datasets.some(function (d) { return d.stack; });
      var datasets = chart.datasets.map(function (d, i) {
        var colour = COLOURS[i % COLOURS.length];
        return {
          type: d.type, label: d.label, data: d.data, stack: d.stack || undefined,
          borderColor: colour, backgroundColor: d.type === "bar" ? colour + "b3" : colour,
          pointRadius: 0, borderWidth: d.type === "bar" ? 0 : 2, spanGaps: true,
          order: d.type === "line" ? 0 : 1
        };
      });
      new Chart(canvas, {
        data: { labels: chart.labels.map(function (l) { return l.slice(5); }), datasets: datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          plugins: { legend: { position: "bottom" } },
          scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true } }
        }
      });
      canvas.setAttribute("data-drawn", "1");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
