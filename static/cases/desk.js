// Desktop case pages: swap conflict and refusal answers too (they carry the refreshed case and
// the message), draw the case's place on a tile-less Leaflet map, and the print button.
(() => {
  "use strict";

  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Tiles cannot be fetched offline: the marker sits on the grid-lines background of the box.
  const drawMap = (element) => {
    if (element.dataset.mapReady || typeof window.L === "undefined") return;
    const lat = Number.parseFloat(element.dataset.lat);
    const lng = Number.parseFloat(element.dataset.lng);
    if (!Number.isFinite(lat) || !Number.isFinite(lng)) return;
    element.dataset.mapReady = "1";
    const map = window.L.map(element, { attributionControl: false, scrollWheelZoom: false }).setView([lat, lng], 17);
    window.L.circleMarker([lat, lng], { radius: 9, color: "#b71c1c", weight: 3, fillOpacity: 0.5 })
      .addTo(map)
      .bindTooltip(element.dataset.label || "", { permanent: false });
  };

  const drawMaps = (root) => {
    root.querySelectorAll("[data-case-map]").forEach(drawMap);
  };

  if (window.htmx) {
    window.htmx.onLoad(drawMaps);
  } else {
    document.addEventListener("DOMContentLoaded", () => drawMaps(document));
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });
})();
