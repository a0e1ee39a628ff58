/* Draw the charts of a dataset page with Chart.js from each figure's data-chart attribute.
   The figures are also in a table under each chart, so the page is complete without this. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var palette = ["#0b57a4", "#b35900", "#2e7d32", "#6a1b9a", "#c62828"];
  var dashes = [[], [6, 4], [2, 3]];
  function draw(box) {
    var data = JSON.parse(box.getAttribute("data-chart"));
    var locale = document.documentElement.lang === "en" ? "en-GB" : "bg-BG";
    var kind = data.kind === "line" ? "line" : "bar";
    var datasets = data.series.map(function (s, i) {
      var colour = palette[i % palette.length];
      return { label: s.name, data: s.values, backgroundColor: colour, borderColor: colour,
               borderDash: kind === "line" ? dashes[i % dashes.length] : undefined,
               pointStyle: ["circle", "rectRot", "triangle"][i % 3], pointRadius: 4,
               stack: data.kind === "stacked" ? "all" : undefined };
    });
    var number = new Intl.NumberFormat(locale);
    new window.Chart(box.querySelector("canvas"), {
      type: kind,
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, locale: locale,
        scales: { x: { stacked: data.kind === "stacked" },
                  y: { stacked: data.kind === "stacked", beginAtZero: true,
                       ticks: { callback: function (v) { return number.format(v); } } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
    box.setAttribute("data-drawn", "true");
  }
  function start() {
    if (!window.Chart) { document.documentElement.classList.remove("js"); return; }
    document.querySelectorAll("[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
