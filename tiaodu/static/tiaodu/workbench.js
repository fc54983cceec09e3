// The workbench's charts: every element with data-echart="ID" is drawn with ECharts from the
// option in <script type="application/json" id="ID"> (no inline script: the CSP forbids it).
(function () {
  "use strict";
  var charts = [];

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-echart"));
    if (!source || !window.echarts) return;
    var option;
    try {
      option = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    // Tooltips drawn on the canvas: the HTML tooltip writes style attributes the CSP refuses.
    option.tooltip = Object.assign({ trigger: "axis" }, option.tooltip || {}, { renderMode: "richText" });
    option.textStyle = Object.assign(
      { fontFamily: "'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif" },
      option.textStyle || {}
    );
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    el.setAttribute("data-echart-ready", "1");
    charts.push(chart);
  }

  function init() {
    var nodes = document.querySelectorAll("[data-echart]");
    for (var i = 0; i < nodes.length; i++) draw(nodes[i]);
    if (charts.length) {
      window.addEventListener("resize", function () {
        for (var j = 0; j < charts.length; j++) charts[j].resize();
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
