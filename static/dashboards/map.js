// Region maps for the dashboards: child regions coloured by a figure, cases as clustered points.
//
// No inline script is needed (the site's Content-Security-Policy forbids it): everything comes from
// the element's data- attributes and a <script type="application/json"> element.
//
//   <script type="application/json" id="map-config">
//     {"tileUrl": "", "attribution": "", "labels": {"zoomIn": "放大", "zoomOut": "缩小", "noTiles": "无底图"}}
//   </script>
//   <div class="gg-map" data-config="map-config" data-regions-url="…" data-points-url="…"></div>
//
// Optional attributes: data-scale-min / data-scale-max fix the colour scale (otherwise it spans the
// values received), data-scale-unit is appended to the legend's ranges (e.g. "%").
// Optional labels: noData (legend entry of regions without a value), overdue (popup of an overdue case),
// attributionPrefix (shown before the tile credit when there are tiles).
//
// grids.mapconfig gives the configuration: {**map_config(), "labels": map_labels()} through json_script.
// The page loads leaflet.js and leaflet.markercluster.js before this file, and leaflet.css,
// MarkerCluster.css and then map.css (which styles the clusters; MarkerCluster.Default.css is not needed). GridgovMap.mount(element) draws a map (every .gg-map is mounted on
// DOMContentLoaded and when htmx swaps one in); GridgovMap.refresh(element) fetches its data again.
(() => {
  "use strict";

  const STEPS = 5; // colour steps, red (low) to green (high); the colours live in map.css as well
  const COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];
  const NO_DATA = "#bdbdbd";
  const POINT_SIZE = 14;
  const MAX_ZOOM = 19;
  const FALLBACK_VIEW = { centre: [35.0, 105.0], zoom: 4 }; // no data at all: mainland China
  const DEFAULT_LABELS = {
    zoomIn: "Zoom in",
    zoomOut: "Zoom out",
    noTiles: "No base map",
    noData: "No data",
    overdue: "Overdue",
  };

  const maps = new WeakMap(); // element -> state of its map

  const escapeHtml = (text) =>
    String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  const readConfig = (element) => {
    const id = element.dataset.config;
    const source = id ? document.getElementById(id) : null;
    let config = {};
    if (source) {
      try {
        config = JSON.parse(source.textContent) || {};
      } catch (error) {
        console.warn("GridgovMap: the configuration in #" + id + " is not valid JSON", error);
      }
    }
    return {
      tileUrl: typeof config.tileUrl === "string" ? config.tileUrl.trim() : "",
      attribution: typeof config.attribution === "string" ? config.attribution : "",
      labels: Object.assign({}, DEFAULT_LABELS, config.labels || {}),
    };
  };

  const toNumber = (value) => {
    if (value === null || value === undefined || value === "") return null;
    const number = Number(value);
    return Number.isFinite(number) ? number : null;
  };

  // ------------------------------------------------------------------ the colour scale

  // The scale: fixed by data-scale-min/max, else the range of the values; equal values sit in the middle.
  const makeScale = (element, values) => {
    let min = toNumber(element.dataset.scaleMin);
    let max = toNumber(element.dataset.scaleMax);
    const known = values.filter((v) => v !== null);
    if (min === null) min = known.length ? Math.min.apply(null, known) : null;
    if (max === null) max = known.length ? Math.max.apply(null, known) : null;
    if (min === null || max === null) return null;
    if (max <= min) {
      min -= 1;
      max = min + 2;
    }
    return { min: min, max: max, width: (max - min) / STEPS };
  };

  const stepOf = (scale, value) => {
    if (scale === null || value === null) return -1;
    const step = Math.floor((value - scale.min) / scale.width);
    return Math.max(0, Math.min(STEPS - 1, step));
  };

  const colourOf = (scale, value) => {
    const step = stepOf(scale, value);
    return step < 0 ? NO_DATA : COLOURS[step];
  };

  // ------------------------------------------------------------------ the legend

  // Built on first use: Leaflet may be loaded after this file.
  let LegendControl = null;
  const legendControl = () => {
    const L = window.L;
    if (LegendControl) return LegendControl;
    LegendControl = L.Control.extend({
      options: { position: "bottomright" },
      onAdd() {
        this._div = L.DomUtil.create("div", "gg-map-legend");
        L.DomEvent.disableClickPropagation(this._div);
        return this._div;
      },
      update(scale, labels, unit, hasNull) {
        const div = this._div;
        if (!div) return;
        div.textContent = "";
        const row = (swatchClass, text) => {
          const line = L.DomUtil.create("div", "gg-map-legend-row", div);
          L.DomUtil.create("span", "gg-map-swatch " + swatchClass, line);
          const label = L.DomUtil.create("span", "gg-map-legend-label", line);
          label.textContent = text;
        };
        if (scale !== null) {
          const digits = scale.max - scale.min < 10 ? 1 : 0;
          const format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
            maximumFractionDigits: digits,
            minimumFractionDigits: digits,
          });
          // Highest first, as a reader expects of a legend beside a map.
          for (let step = STEPS - 1; step >= 0; step -= 1) {
            const low = scale.min + step * scale.width;
            const high = step === STEPS - 1 ? scale.max : low + scale.width;
            row("gg-map-swatch--" + step, format.format(low) + "–" + format.format(high) + unit);
          }
        }
        if (hasNull) row("gg-map-swatch--none", labels.noData);
        div.hidden = scale === null && !hasNull;
      },
    });
    return LegendControl;
  };

  // ------------------------------------------------------------------ drawing

  const regionStyle = (scale) => (feature) => ({
    color: "#ffffff",
    weight: 1.5,
    fillColor: colourOf(scale, toNumber((feature.properties || {}).value)),
    fillOpacity: 0.72,
  });

  const tooltipContent = (properties) => {
    const box = document.createElement("div");
    const name = document.createElement("strong");
    name.textContent = properties.name || properties.code || "";
    box.appendChild(name);
    if (properties.label) {
      const label = document.createElement("div");
      label.textContent = properties.label;
      box.appendChild(label);
    }
    return box;
  };

  const drawRegions = (state, data) => {
    const features = (data && Array.isArray(data.features) ? data.features : []).filter(
      (f) => f && f.geometry && (f.geometry.type === "Polygon" || f.geometry.type === "MultiPolygon"),
    );
    const values = features.map((f) => toNumber((f.properties || {}).value));
    const scale = makeScale(state.element, values);
    state.regions.clearLayers();
    state.regions.options.style = regionStyle(scale);
    state.regions.addData({ type: "FeatureCollection", features: features });
    state.regions.eachLayer((layer) => {
      const properties = layer.feature.properties || {};
      layer.bindTooltip(tooltipContent(properties), { sticky: true, direction: "top" });
      layer.on("mouseover", () => layer.setStyle({ weight: 3 }));
      layer.on("mouseout", () => layer.setStyle({ weight: 1.5 }));
      if (properties.url) layer.on("click", () => window.location.assign(properties.url));
    });
    state.legend.update(scale, state.config.labels, state.element.dataset.scaleUnit || "", values.includes(null));
    return features.length;
  };

  const pointPopup = (properties, labels) => {
    const box = document.createElement("div");
    box.className = "gg-map-popup";
    const head = document.createElement("div");
    const number = properties.number || "";
    if (properties.url) {
      const link = document.createElement("a");
      link.href = properties.url;
      link.textContent = number;
      head.appendChild(link);
    } else {
      head.textContent = number;
    }
    box.appendChild(head);
    if (properties.title) {
      const title = document.createElement("div");
      title.textContent = properties.title;
      box.appendChild(title);
    }
    if (properties.overdue) {
      const overdue = document.createElement("div");
      overdue.className = "gg-map-popup-overdue";
      overdue.textContent = labels.overdue;
      box.appendChild(overdue);
    }
    return box;
  };

  const drawPoints = (state, data) => {
    const L = window.L;
    const markers = [];
    const features = data && Array.isArray(data.features) ? data.features : [];
    features.forEach((feature) => {
      const geometry = feature && feature.geometry;
      if (!geometry || geometry.type !== "Point" || !Array.isArray(geometry.coordinates)) return;
      const lng = toNumber(geometry.coordinates[0]);
      const lat = toNumber(geometry.coordinates[1]);
      if (lat === null || lng === null) return;
      const properties = feature.properties || {};
      const overdue = properties.overdue === true;
      const marker = L.marker([lat, lng], {
        icon: L.divIcon({
          className: "gg-map-point " + (overdue ? "gg-map-point--overdue" : "gg-map-point--open"),
          iconSize: [POINT_SIZE, POINT_SIZE],
        }),
        title: [properties.number, properties.title].filter(Boolean).join(" "),
        keyboard: true,
        overdue: overdue,
      });
      marker.bindPopup(pointPopup(properties, state.config.labels));
      markers.push(marker);
    });
    state.points.clearLayers();
    state.points.addLayers(markers);
    return markers.length;
  };

  // A cluster turns red when any case in it is overdue.
  const clusterIcon = (cluster) => {
    const L = window.L;
    const children = cluster.getAllChildMarkers();
    const overdue = children.some((m) => m.options.overdue);
    const count = cluster.getChildCount();
    const size = count < 10 ? 32 : count < 100 ? 38 : 44;
    return L.divIcon({
      html: "<div><span>" + escapeHtml(count) + "</span></div>",
      className: "marker-cluster gg-map-cluster " + (overdue ? "gg-map-cluster--overdue" : "gg-map-cluster--open"),
      iconSize: L.point(size, size),
    });
  };

  // ------------------------------------------------------------------ loading

  const fetchJson = async (url, signal) => {
    const response = await fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
      signal: signal,
    });
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  };

  const fitToData = (state) => {
    const regionBounds = state.regions.getBounds();
    const pointBounds = state.points.getBounds();
    if (regionBounds.isValid()) {
      state.map.fitBounds(regionBounds, { padding: [12, 12] });
    } else if (pointBounds.isValid()) {
      state.map.fitBounds(pointBounds, { padding: [24, 24], maxZoom: 16 });
    } else {
      state.map.setView(FALLBACK_VIEW.centre, FALLBACK_VIEW.zoom);
    }
  };

  const load = async (state) => {
    const element = state.element;
    if (state.controller) state.controller.abort(); // a refresh overtakes a slow earlier one
    const controller = new AbortController();
    state.controller = controller;
    element.dataset.mapState = "loading";
    const regionsUrl = element.dataset.regionsUrl;
    const pointsUrl = element.dataset.pointsUrl;
    try {
      const [regions, points] = await Promise.all([
        regionsUrl ? fetchJson(regionsUrl, controller.signal) : null,
        pointsUrl ? fetchJson(pointsUrl, controller.signal) : null,
      ]);
      const counts = { regions: drawRegions(state, regions), points: drawPoints(state, points) };
      if (!state.fitted) {
        fitToData(state);
        state.fitted = true;
      }
      element.classList.remove("gg-map--failed");
      element.dataset.mapState = "ready";
      element.dispatchEvent(new CustomEvent("gg-map:loaded", { bubbles: true, detail: counts }));
      return counts;
    } catch (error) {
      if (error && error.name === "AbortError") return null;
      // What was drawn before stays on the map: a big screen keeps its last good picture.
      element.classList.add("gg-map--failed");
      element.dataset.mapState = "failed";
      element.dispatchEvent(new CustomEvent("gg-map:error", { bubbles: true, detail: { error: error } }));
      console.warn("GridgovMap: loading the map data failed", error);
      return null;
    } finally {
      if (state.controller === controller) state.controller = null;
    }
  };

  // ------------------------------------------------------------------ public API

  const mount = (element) => {
    const L = window.L;
    if (!element) return null;
    if (maps.has(element)) return maps.get(element).map;
    if (!L || typeof L.markerClusterGroup !== "function") {
      console.warn("GridgovMap: load leaflet.js and leaflet.markercluster.js before map.js");
      return null;
    }
    const config = readConfig(element);
    const labels = config.labels;
    // maxZoom is set on the map itself: without a tile layer to lend one, clustering cannot work.
    const map = L.map(element, {
      zoomControl: false,
      attributionControl: false,
      scrollWheelZoom: false,
      maxZoom: MAX_ZOOM,
    });
    L.control.zoom({ zoomInTitle: labels.zoomIn, zoomOutTitle: labels.zoomOut }).addTo(map);
    if (config.tileUrl) {
      const prefix = labels.attributionPrefix ? escapeHtml(labels.attributionPrefix) : false;
      L.control.attribution({ prefix: prefix }).addTo(map);
      L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: MAX_ZOOM }).addTo(map);
    } else {
      element.classList.add("gg-map--plain");
      L.control.attribution({ prefix: escapeHtml(labels.noTiles) }).addTo(map);
    }
    const state = {
      element: element,
      map: map,
      config: config,
      regions: L.geoJSON(null).addTo(map),
      points: L.markerClusterGroup({
        showCoverageOnHover: false,
        maxClusterRadius: 48,
        iconCreateFunction: clusterIcon,
      }).addTo(map),
      legend: new (legendControl())().addTo(map),
      controller: null,
      fitted: false,
    };
    state.legend.update(null, labels, "", false);
    maps.set(element, state);
    if (typeof ResizeObserver === "function") {
      // A map mounted while hidden (a tab, a collapsed panel) learns its size when it is shown.
      new ResizeObserver(() => map.invalidateSize()).observe(element);
    }
    load(state);
    return map;
  };

  const refresh = (element) => {
    const state = maps.get(element);
    return state ? load(state) : Promise.resolve(null);
  };

  const mountAll = (root) => {
    const scope = root && root.querySelectorAll ? root : document;
    if (scope.classList && scope.classList.contains("gg-map")) mount(scope);
    scope.querySelectorAll(".gg-map").forEach((element) => mount(element));
  };

  window.GridgovMap = { mount: mount, refresh: refresh, mountAll: mountAll, colours: COLOURS.slice() };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => mountAll(document));
  } else {
    mountAll(document);
  }
  document.addEventListener("htmx:load", (event) => mountAll(event.target));
})();
