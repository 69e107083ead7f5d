// Desktop case pages: swap conflict and refusal answers too (they carry the refreshed case and
// the message), draw the case's place on a Leaflet map (tiles only when MAP_TILE_URL is set), and the print button.
(() => {
  "use strict";

  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 409 || status === 403) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The map reads its configuration from <script type="application/json"> elements named by
  // data-config ({tileUrl, attribution, labels} from grids.mapconfig) and data-outline (the GeoJSON
  // boundary of the case's grid, when one is recorded). With no tile URL it draws the place and the
  // outline on a plain background and fetches nothing from outside, as the dashboards' maps do.
  const readJson = (id) => {
    const source = id ? document.getElementById(id) : null;
    if (!source) return null;
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      console.warn("case map: #" + id + " is not valid JSON", error);
      return null;
    }
  };

  const drawMap = (element) => {
    const L = window.L;
    if (element.dataset.mapReady || typeof L === "undefined") return;
    const lat = Number.parseFloat(element.dataset.lat);
    const lng = Number.parseFloat(element.dataset.lng);
    if (!Number.isFinite(lat) || !Number.isFinite(lng)) return;
    element.dataset.mapReady = "1";
    const config = readJson(element.dataset.config) || {};
    const labels = config.labels || {};
    const tileUrl = typeof config.tileUrl === "string" ? config.tileUrl.trim() : "";
    const map = L.map(element, { zoomControl: false, attributionControl: false, scrollWheelZoom: false, maxZoom: 19 });
    L.control.zoom({ zoomInTitle: labels.zoomIn || "Zoom in", zoomOutTitle: labels.zoomOut || "Zoom out" }).addTo(map);
    if (tileUrl) {
      L.control.attribution({ prefix: false }).addTo(map);
      L.tileLayer(tileUrl, { attribution: config.attribution || "", maxZoom: 19 }).addTo(map);
    } else {
      element.classList.add("case-map--plain");
      const credit = document.createElement("span");
      credit.textContent = labels.noTiles || "";
      L.control.attribution({ prefix: credit.innerHTML }).addTo(map);
    }
    const outline = readJson(element.dataset.outline);
    let bounds = null;
    if (outline && (outline.type === "Polygon" || outline.type === "MultiPolygon")) {
      const layer = L.geoJSON(outline, {
        interactive: false,
        style: { color: "#b71c1c", weight: 2, dashArray: "6 4", fillColor: "#b71c1c", fillOpacity: 0.06 },
      }).addTo(map);
      bounds = layer.getBounds();
    }
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds.extend([lat, lng]), { padding: [16, 16], maxZoom: 17 });
    } else {
      map.setView([lat, lng], 17);
    }
    L.circleMarker([lat, lng], { radius: 9, color: "#b71c1c", weight: 3, fillOpacity: 0.5 })
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
