// The choropleth of a composite index over the city's county units (dashboard). Wired through
// data- attributes (the CSP forbids inline script); the labels come from the page.
//
// #index-map data-url        GeoJSON FeatureCollection, properties {code, name, value, rank}
//            data-highlight  the code of the region shown on the dashboard (drawn with a thick edge)
// data-state goes loading → ready (data-count = units drawn) or error.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  const box = document.getElementById("index-map");
  if (!box || !window.L) return;
  const legend = document.getElementById("map-legend");
  const colours = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  const map = L.map(box, { minZoom: 5, maxZoom: 12, zoomSnap: 0.5 });
  map.setView([30.0, 107.8], 7);
  fetch(box.dataset.url, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
    .then((data) => {
      const values = data.features.map((f) => f.properties.value).filter((v) => v !== null).sort((a, b) => a - b);
      const breaks = [0.2, 0.4, 0.6, 0.8].map((q) => values[Math.min(values.length - 1, Math.floor(q * values.length))]);
      const colour = (v) => (v === null ? "#e9ecef" : colours[breaks.filter((b) => v >= b).length]);
      const layer = L.geoJSON(data, {
        style: (f) => ({
          color: f.properties.code === box.dataset.highlight ? "#dc3545" : "#495057",
          weight: f.properties.code === box.dataset.highlight ? 3 : 0.8,
          fillColor: colour(f.properties.value),
          fillOpacity: 0.85,
        }),
        onEachFeature: (f, l) => {
          const p = f.properties;
          const rank = p.rank === null ? "" : box.dataset.rankWord.replace("{rank}", p.rank);
          // A withheld figure (统计保密) shows "—" and the note, never 无数据 or 0.
          const shown = p.suppressed ? "— " + (p.note || "") : p.value === null ? box.dataset.missing : p.value;
          // The tooltip is an element filled with textContent: names never become HTML.
          const tip = document.createElement("span");
          tip.textContent = (p.name + " " + shown + " " + rank).trim();
          l.bindTooltip(tip, { sticky: true });
          l.getElement && l.on("add", () => l.getElement() && l.getElement().setAttribute("data-code", p.code));
        },
      }).addTo(map);
      if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
      if (legend && values.length) {
        legend.textContent = [values[0]].concat(breaks, [values[values.length - 1]]).map((v) => v.toFixed(2)).join(" · ");
      }
      box.dataset.count = String(data.features.length);
      box.dataset.state = "ready";
    })
    .catch(() => {
      box.dataset.state = "error";
    });
});
