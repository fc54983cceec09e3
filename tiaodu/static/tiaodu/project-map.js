// The one map (一张图) of key projects. Wired through data- attributes (the CSP forbids inline
// script); every label comes with the data, so this file holds no UI text.
//
// #project-map data-data-url     the projects (GET with the filter form's query), compact rows
//              data-outline-url  the district outline(s), GeoJSON: the base layer
//              data-tile-url     an optional tile server (L.tileLayer template); none by default
// The container's data-state goes loading → ready (data-count = points on the map) or error.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const box = document.getElementById("project-map");
  if (!box || !window.L || !L.markerClusterGroup) return;
  const form = document.getElementById("map-filters");
  const summary = document.getElementById("map-summary");
  const failure = document.getElementById("map-error");
  const listLink = document.getElementById("map-list-link");
  const lang = document.documentElement.lang || undefined;
  const money = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });

  const map = L.map(box, { minZoom: 3, maxZoom: 18, zoomSnap: 0.5, worldCopyJump: false });
  map.setView([35, 105], 4);
  if (box.dataset.tileUrl) {
    L.tileLayer(box.dataset.tileUrl, { maxZoom: 18, attribution: box.dataset.tileAttribution || "" }).addTo(map);
  }
  const clusterOptions = {
    chunkedLoading: true, // thousands of points are added in slices: the page stays responsive
    chunkInterval: 100,
    chunkDelay: 10,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    maxClusterRadius: 60,
    // No split/merge animation of clusters: with 10,000 points it more than halves the main-thread
    // time of a zoom (bench/bench_map.py); the map's own zoom animation stays.
    animate: false,
  };
  let clusters = null;
  let generation = 0;
  let outlineBounds = null;
  let fitted = false;
  let expected = 0;
  let request = 0;
  let controller = null;

  function emit(name, detail) {
    box.dispatchEvent(new CustomEvent(name, { detail, bubbles: true }));
  }
  map.on("zoomend moveend", () => {
    box.dataset.zoom = String(map.getZoom());
    emit("td-map:view", { zoom: map.getZoom() });
  });

  const icons = new Map();
  function icon(stage, card) {
    const key = stage + "|" + card;
    if (!icons.has(key)) {
      const classes = "td-pin td-pin-" + stage + (card ? " td-pin-card-" + card : "");
      icons.set(key, L.divIcon({ className: classes, iconSize: [14, 14], iconAnchor: [7, 7], popupAnchor: [0, -8] }));
    }
    return icons.get(key);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The project card shown when a pin is clicked (built on demand, with textContent only).
  function card(data, row) {
    const [id, name, stage, level, township, investment, , , cardColour] = row;
    const url = data.detail_url.replace("{id}", String(id));
    const labels = data.labels;
    const root = el("div", "td-map-card");
    root.dataset.projectId = String(id);
    const title = el("h2");
    const link = el("a", "td-map-card-name", name);
    link.href = url;
    title.append(link);
    root.append(title);
    const badges = el("div");
    const stageBadge = el("span", "badge text-bg-light border td-map-card-stage");
    stageBadge.append(el("span", "td-pin td-pin-" + stage), document.createTextNode(" " + (data.stages[stage] || stage)));
    badges.append(stageBadge);
    if (cardColour) badges.append(el("span", "badge td-card-badge-" + cardColour, data.cards[cardColour] || cardColour));
    root.append(badges);
    const facts = el("dl");
    for (const [label, value] of [
      [labels.level, data.levels[level] || level],
      [labels.township, township],
      [labels.investment, money.format(investment)],
    ]) {
      facts.append(el("dt", "", label), el("dd", "", value));
    }
    root.append(facts);
    const open = el("a", "btn btn-sm btn-primary td-map-card-open", labels.open);
    open.href = url;
    root.append(open);
    return root;
  }

  function finished(gen) {
    if (gen !== generation) return;
    box.dataset.count = String(expected);
    box.dataset.state = "ready";
    emit("td-map:ready", { count: expected });
    if (!fitted && !outlineBounds && expected) {
      fitted = true;
      map.fitBounds(clusters.getBounds(), { padding: [20, 20] });
    }
  }

  // A fresh cluster group per answer: a slow chunked load of an earlier answer cannot mix in.
  function show(data) {
    const gen = ++generation;
    const markers = data.rows.map((row) => {
      const marker = L.marker([row[7], row[6]], { icon: icon(row[2], row[8]), title: row[1], alt: row[1] });
      marker.bindPopup(() => card(data, row), { maxWidth: 320 });
      return marker;
    });
    summary.textContent = data.summary;
    expected = markers.length;
    if (clusters) map.removeLayer(clusters);
    clusters = L.markerClusterGroup({
      ...clusterOptions,
      chunkProgress: (done, total) => {
        if (done === total) requestAnimationFrame(() => finished(gen));
      },
    });
    map.addLayer(clusters);
    if (markers.length) clusters.addLayers(markers);
    else requestAnimationFrame(() => finished(gen));
  }

  function query() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value !== "") params.append(name, String(value));
    return params.toString();
  }

  function load() {
    const q = query();
    const mine = ++request;
    if (controller) controller.abort();
    controller = new AbortController();
    box.dataset.state = "loading";
    failure.classList.add("d-none");
    if (listLink) listLink.href = box.dataset.listUrl + (q ? "?" + q : "");
    fetch(box.dataset.dataUrl + (q ? "?" + q : ""), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller.signal,
    })
      .then((response) => response.json().then((body) => ({ ok: response.ok, body })))
      .then(({ ok, body }) => {
        if (mine !== request) return;
        if (!ok) throw new Error([body.message, ...(body.errors || [])].filter(Boolean).join(" "));
        show(body);
      })
      .catch((error) => {
        if (error.name === "AbortError" || mine !== request) return;
        failure.textContent = error.message && !/fetch|json/i.test(error.message) ? error.message : box.dataset.loadError;
        failure.classList.remove("d-none");
        box.dataset.state = "error";
      });
  }

  fetch(box.dataset.outlineUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((outline) => {
      if (!outline || !outline.features || !outline.features.length) return;
      const layer = L.geoJSON(outline, { interactive: false, className: "td-map-outline" });
      layer.addTo(map);
      layer.bringToBack();
      outlineBounds = layer.getBounds();
      box.dataset.outline = outline.features.map((f) => f.properties.code).join(",");
      if (!fitted) {
        fitted = true;
        map.fitBounds(outlineBounds, { padding: [10, 10] });
      }
    })
    .catch(() => {});

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const q = query();
      history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
      load();
    });
    form.addEventListener("change", () => form.requestSubmit());
  }
  load();
});
