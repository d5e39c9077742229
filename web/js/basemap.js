// The map's base layer without any tile server: a graticule, the seats of the leagues and
// cities (shipped table, /static/data/regions.json) and an approximate outline of Inner
// Mongolia (/static/data/inner-mongolia.geojson). With `tile_url` configured, its tiles go under.
"use strict";

const BaseMap = {
  async add(map, config, fleetRegions, weights) {
    const renderer = L.canvas({ padding: 0.3 });
    if (config.tile_url) {
      L.tileLayer(config.tile_url, { attribution: config.tile_attribution || "", maxZoom: 18 }).addTo(map);
      map.getContainer().classList.add("has-tiles");
    }
    BaseMap.graticule(map, renderer);
    const inMongolia = fleetRegions.some((c) => c.startsWith("15"));
    if (inMongolia) {
      try {
        const gj = await API.get("/static/data/inner-mongolia.geojson");
        BaseMap.outline = L.geoJSON(gj, {
          renderer, interactive: false,
          style: { color: "#7b93ad", weight: 1.4, dashArray: "5 4", fillColor: "#ffffff", fillOpacity: config.tile_url ? 0 : 0.55 },
        }).addTo(map);
      } catch (e) { /* the outline is decoration */ }
    }
    BaseMap.labels(map, fleetRegions, weights);
  },

  graticule(map, renderer) {
    const major = [], minor = [];
    for (let lon = -180; lon <= 180; lon += 5) major.push([[-80, lon], [84, lon]]);
    for (let lat = -80; lat <= 80; lat += 5) major.push([[lat, -180], [lat, 180]]);
    // 1° lines over China and its neighbours, from zoom 6.
    for (let lon = 60; lon <= 150; lon += 1) if (lon % 5) minor.push([[0, lon], [60, lon]]);
    for (let lat = 0; lat <= 60; lat += 1) if (lat % 5) minor.push([[lat, 60], [lat, 150]]);
    const minorLayer = L.polyline(minor, { renderer, interactive: false, color: "#c9d3de", weight: 0.5, opacity: 0.7 });
    L.polyline(major, { renderer, interactive: false, color: "#b4c1cf", weight: 0.8, opacity: 0.9 }).addTo(map);
    const sync = () => {
      if (map.getZoom() >= 6) { if (!map.hasLayer(minorLayer)) minorLayer.addTo(map); }
      else if (map.hasLayer(minorLayer)) map.removeLayer(minorLayer);
    };
    map.on("zoomend", sync);
    sync();
  },

  // League and city seats as labels; with many regions (the national fleet) only from zoom 6.
  // Labels that would overlap one already placed (larger fleets first) are hidden.
  labels(map, fleetRegions, weights) {
    const group = L.layerGroup();
    const items = [];
    for (const code of fleetRegions) {
      const row = Leagues.table[code];
      if (!row) continue;
      const icon = L.divIcon({ className: "seat-label", html: "", iconSize: null, iconAnchor: [-10, 8] });
      const m = L.marker([row[1], row[2]], { icon, interactive: false, keyboard: false });
      m.on("add", () => {
        const node = m.getElement();
        if (!node) return;
        clear(node).append(el("span", { class: "seat-name" }, Leagues.name(code)));
      });
      group.addLayer(m);
      items.push({ m, code, latlng: L.latLng(row[1], row[2]), weight: (weights && weights[code]) || 0 });
    }
    items.sort((a, b) => b.weight - a.weight);
    group.addTo(map);
    const many = fleetRegions.length > 40;
    const declutter = () => {
      const placed = [];
      for (const it of items) {
        const node = it.m.getElement();
        if (!node) continue;
        const p = map.latLngToContainerPoint(it.latlng);
        const w = 12.5 * Leagues.name(it.code).length, h = 16;
        const box = [p.x + 8, p.y - 9, p.x + 10 + w, p.y + h - 9];
        const hit = placed.some((b) => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1]);
        node.classList.toggle("seat-hidden", hit);
        if (!hit) placed.push(box);
      }
    };
    const sync = () => {
      map.getContainer().classList.toggle("labels-hidden", many && map.getZoom() < 6);
      declutter();
    };
    map.on("zoomend moveend", sync);
    sync();
  },
};
