/* The big screen: htmx swaps in fresh figures every minute; redraw the charts and reload the map. */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "screen-body") { return; }
    window.GridgovDashboard.render(event.detail.target);
    document.querySelectorAll(".gg-map").forEach(function (element) {
      if (window.GridgovMap) { window.GridgovMap.refresh(element); }
    });
  });
})();
