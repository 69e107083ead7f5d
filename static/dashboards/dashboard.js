/* Dashboard charts (Apache ECharts) drawn from the JSON the page embeds in #dashboard-data.
 * No inline scripts: the page gives data only. The big screen calls GridgovDashboard.render()
 * again after htmx swaps in fresh figures. */
(function () {
  "use strict";

  const charts = [];

  function readData(root) {
    // A report page (or the big screen's swapped body) carries its own data; the page, #dashboard-data.
    const element = root === document ? document.getElementById("dashboard-data")
      : root.querySelector("#dashboard-data") || root.querySelector('script[type="application/json"]');
    return element ? JSON.parse(element.textContent) : null;
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "%";
  }

  function theme() {
    return document.body.dataset.theme === "dark" ? "dark" : null;
  }

  function textColour() {
    return theme() ? "#e8eef6" : "#333";
  }

  function gauge(data, element) {
    const item = data.gauges[Number(element.dataset.index || 0)];
    return {
      backgroundColor: "transparent",
      series: [{
        type: "gauge", min: 0, max: 100, radius: "95%", center: ["50%", "60%"],
        startAngle: 200, endAngle: -20, progress: { show: true, width: 10 },
        axisLine: { lineStyle: { width: 10 } }, axisTick: { show: false }, splitLine: { show: false },
        axisLabel: { show: false }, pointer: { show: false }, title: { show: false },
        detail: { valueAnimation: false, fontSize: 14, offsetCenter: [0, "10%"], color: textColour(),
          formatter: function () { return percent(item.value); } },
        data: [{ value: item.value === null ? 0 : Math.round(item.value * 1000) / 10 }],
      }],
    };
  }

  function trend(data) {
    const t = data.trend;
    return {
      backgroundColor: "transparent",
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { color: textColour() } },
      grid: { left: 40, right: 45, top: 30, bottom: 30, containLabel: true },
      xAxis: { type: "category", data: t.labels },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 1, axisLabel: { formatter: percent } }],
      series: [
        { name: t.names.filed, type: "line", data: t.filed, smooth: true },
        { name: t.names.concluded, type: "line", data: t.concluded, smooth: true },
        { name: t.names.previous_filed, type: "line", data: t.previous_filed, lineStyle: { type: "dashed" }, smooth: true },
        { name: t.names.in_grid_rate, type: "line", yAxisIndex: 1, data: t.in_grid_rate, smooth: true,
          tooltip: { valueFormatter: percent } },
      ],
    };
  }

  function categories(data) {
    const rows = data.categories.slice().reverse();
    return {
      backgroundColor: "transparent",
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 10, right: 20, top: 10, bottom: 10, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }),
        axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map(function (r) { return r.filed; }), itemStyle: { color: "#c0392b" } }],
    };
  }

  function pie(rows) {
    return {
      backgroundColor: "transparent",
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll", textStyle: { color: textColour() } },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], label: { show: false }, data: rows }],
    };
  }

  const builders = {
    gauge: gauge,
    trend: trend,
    categories: categories,
    channels: function (data) { return pie(data.channels); },
    levels: function (data) { return pie(data.levels); },
  };

  function render(root) {
    root = root || document;
    const data = readData(root);
    if (!data || !window.echarts) { return; }
    root.querySelectorAll(".gg-chart[data-chart]").forEach(function (element) {
      const build = builders[element.dataset.chart];
      if (!build) { return; }
      const existing = window.echarts.getInstanceByDom(element);
      if (existing) { existing.dispose(); }
      const chart = window.echarts.init(element, theme(), { renderer: "canvas" });
      const option = build(data, element);
      option.animation = false; // printed reports and the big screen's refresh draw at once
      chart.setOption(option);
      charts.push(chart);
    });
  }

  function tooltips(root) {
    if (!window.bootstrap) { return; }
    (root || document).querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (element) {
      window.bootstrap.Tooltip.getOrCreateInstance(element);
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { if (!chart.isDisposed()) { chart.resize(); } });
  });

  document.addEventListener("DOMContentLoaded", function () {
    const pages = document.querySelectorAll(".gg-report-page");
    if (pages.length) {
      pages.forEach(function (page) { render(page); });
    } else {
      render(document);
    }
    tooltips(document);
  });

  window.GridgovDashboard = { render: render, tooltips: tooltips };
})();
