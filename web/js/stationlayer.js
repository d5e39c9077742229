// A Leaflet layer that draws every station as a dot on one canvas: 186,000 stations are one
// canvas and a few typed arrays, never DOM nodes or Leaflet objects. Positions are projected to
// Web Mercator once; a redraw is a loop over the visible range. Hover finds the nearest dot
// through a grid built lazily after each draw.
"use strict";

const STATE_NAMES = ["ok", "warning", "major", "critical", "offline", "nodata"];
const STATE_COLORS = {
  ok: "#1f9d55", warning: "#d9a400", major: "#ee7a14", critical: "#d62d20", offline: "#4b5563", nodata: "#b8c0cc",
};
const STATE_RIMS = { warning: "#7a5c00", major: "#9a4a05", critical: "#8e1c14", offline: "#1f2937" };
// Drawn last = on top: what needs a person.
const DRAW_ORDER = [5, 0, 1, 2, 4, 3];

// What every layer drawn on one canvas of the map's size shares (the stations here, the
// coverage holes in holelayer.js): the canvas follows pans, resizes and zoom animations; the
// layer supplies _draw().
const CanvasLayer = !window.L ? null : L.Layer.extend({
  _reset() {
    const map = this._map;
    const size = map.getSize();
    const ratio = window.devicePixelRatio || 1;
    this._topLeft = map.containerPointToLayerPoint([0, 0]);
    L.DomUtil.setPosition(this._canvas, this._topLeft);
    this._center = map.getCenter();
    this._zoom = map.getZoom();
    this._canvas.width = Math.round(size.x * ratio);
    this._canvas.height = Math.round(size.y * ratio);
    this._canvas.style.width = size.x + "px";
    this._canvas.style.height = size.y + "px";
    this._draw();
  },

  // As Leaflet's own renderers do: scale and shift the last frame while the zoom animates.
  _animateZoom(e) {
    const map = this._map;
    const scale = map.getZoomScale(e.zoom, this._zoom);
    const position = L.DomUtil.getPosition(this._canvas);
    const viewHalf = map.getSize().multiplyBy(0.5);
    const currentCenter = map.project(this._center, e.zoom);
    const destCenter = map.project(e.center, e.zoom);
    const topLeftOffset = viewHalf.multiplyBy(-scale).add(position).add(viewHalf).subtract(destCenter.subtract(currentCenter));
    L.DomUtil.setTransform(this._canvas, topLeftOffset, scale);
  },
});

// Null when Leaflet is missing (libjs-leaflet not installed): the page works on without a map.
const StationLayer = !window.L ? null : CanvasLayer.extend({
  initialize(options) {
    L.setOptions(this, options);
    this._count = 0;
    this._x = new Float64Array(0);
    this._y = new Float64Array(0);
    this._codes = new Uint8Array(0);
    this._range = [0, 0];
    this._grid = null;
    this._drawn = 0;
    this._pending = false;
  },

  // Positions in degrees (Float64Array lat, lon) and state codes (Uint8Array).
  setData(lat, lon, codes) {
    const n = codes.length;
    this._count = n;
    this._x = new Float64Array(n);
    this._y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this._x[i] = (lon[i] + 180) / 360;
      const s = Math.sin((Math.max(-85, Math.min(85, lat[i])) * Math.PI) / 180);
      this._y[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    this._codes = codes;
    this._range = [0, n];
    this.redraw();
  },

  // Only stations [from, to) are drawn (a league is a contiguous range of the payload).
  setRange(from, to) { this._range = [from, to]; this.redraw(); },

  setState(i, code) { if (i >= 0 && i < this._count) this._codes[i] = code; },

  counts() {
    const c = [0, 0, 0, 0, 0, 0];
    for (let i = this._range[0]; i < this._range[1]; i++) c[this._codes[i]]++;
    return c;
  },

  onAdd(map) {
    this._map = map;
    const c = (this._canvas = L.DomUtil.create("canvas", "station-canvas leaflet-zoom-animated"));
    map.getPane(this.options.pane || "overlayPane").appendChild(c);
    map.on("moveend zoomend resize viewreset", this._reset, this);
    map.on("zoomanim", this._animateZoom, this);
    map.on("mousemove", this._onMove, this);
    map.on("click", this._onClick, this);
    map.getContainer().addEventListener("mouseleave", (this._leave = () => this._hover(-1, null)));
    this._reset();
  },

  onRemove(map) {
    L.DomUtil.remove(this._canvas);
    map.off("moveend zoomend resize viewreset", this._reset, this);
    map.off("zoomanim", this._animateZoom, this);
    map.off("mousemove", this._onMove, this);
    map.off("click", this._onClick, this);
    map.getContainer().removeEventListener("mouseleave", this._leave);
  },

  redraw() {
    if (!this._map || this._pending) return;
    this._pending = true;
    L.Util.requestAnimFrame(() => { this._pending = false; this._draw(); });
  },

  _radius(code) {
    const z = this._map.getZoom();
    // A small fleet can afford bigger dots.
    const base = (z <= 4 ? 1.8 : z <= 5 ? 2.4 : z <= 6 ? 2.8 : z <= 8 ? 3.4 : z <= 10 ? 4.5 : 5.5) + (this._count <= 2000 ? 1.2 : 0);
    return code === 0 || code === 5 ? base : base + (z <= 5 ? 1.2 : 1.6);
  },

  _draw() {
    if (!this._map || !this._topLeft) return;
    const t0 = performance.now();
    const map = this._map;
    const ctx = this._canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const size = map.getSize();
    ctx.clearRect(0, 0, size.x, size.y);
    const scale = 256 * Math.pow(2, map.getZoom());
    const origin = map.getPixelOrigin();
    const ox = origin.x + this._topLeft.x, oy = origin.y + this._topLeft.y;
    const w = size.x, h = size.y;
    const [from, to] = this._range;
    const x = this._x, y = this._y, codes = this._codes;
    const px = new Float32Array(to - from), py = new Float32Array(to - from);
    const visible = new Uint8Array(to - from);
    let drawn = 0;
    for (let i = from; i < to; i++) {
      const sx = x[i] * scale - ox, sy = y[i] * scale - oy;
      px[i - from] = sx; py[i - from] = sy;
      if (sx > -8 && sy > -8 && sx < w + 8 && sy < h + 8) { visible[i - from] = 1; drawn++; }
    }
    // Halos under what needs a person, so one red dot stands out among thousands of green ones.
    for (const code of [2, 4, 3]) {
      const r = this._radius(code) + 3.5;
      ctx.beginPath();
      let any = false;
      for (let k = 0; k < px.length; k++) {
        if (!visible[k] || codes[from + k] !== code) continue;
        any = true;
        ctx.moveTo(px[k] + r, py[k]); ctx.arc(px[k], py[k], r, 0, 2 * Math.PI);
      }
      if (!any) continue;
      ctx.fillStyle = code === 3 ? "rgba(214,45,32,0.22)" : code === 2 ? "rgba(238,122,20,0.2)" : "rgba(75,85,99,0.2)";
      ctx.fill();
    }
    const dense = drawn > 40000;
    for (const code of DRAW_ORDER) {
      const r = this._radius(code);
      ctx.beginPath();
      let any = false;
      for (let k = 0; k < px.length; k++) {
        if (!visible[k] || codes[from + k] !== code) continue;
        any = true;
        if (dense && r <= 2.1) ctx.rect(px[k] - r, py[k] - r, 2 * r, 2 * r);
        else { ctx.moveTo(px[k] + r, py[k]); ctx.arc(px[k], py[k], r, 0, 2 * Math.PI); }
      }
      if (!any) continue;
      ctx.fillStyle = STATE_COLORS[STATE_NAMES[code]];
      ctx.fill();
      // Quiet dots get a white rim only when zoomed in (rims of a dense cluster would wash it out).
      if (code === 0 || code === 5) {
        if (r >= 4.5) { ctx.lineWidth = 1; ctx.strokeStyle = "rgba(255,255,255,0.85)"; ctx.stroke(); }
      } else if (r > 2.1) {
        // A darker rim of the same hue: a pile of overlapping alarms stays saturated.
        ctx.lineWidth = 1.1;
        ctx.strokeStyle = STATE_RIMS[STATE_NAMES[code]];
        ctx.stroke();
      }
    }
    this._px = px; this._py = py; this._visible = visible; this._grid = null;
    this._drawn = drawn;
    const ms = performance.now() - t0;
    const c = map.getContainer();
    c.dataset.markerCount = String(to - from);
    c.dataset.drawnCount = String(drawn);
    c.dataset.drawMs = ms.toFixed(1);
    if (this.options.onDraw) this.options.onDraw(drawn, ms);
  },

  _buildGrid() {
    const grid = new Map();
    const cell = 12, from = this._range[0];
    for (let k = 0; k < this._px.length; k++) {
      if (!this._visible[k]) continue;
      const key = Math.floor(this._px[k] / cell) * 8192 + Math.floor(this._py[k] / cell);
      let list = grid.get(key);
      if (!list) grid.set(key, (list = []));
      list.push(from + k);
    }
    this._grid = grid;
  },

  // The station under a container point, preferring the most urgent one among close hits.
  stationAt(point) {
    if (!this._px) return -1;
    if (!this._grid) this._buildGrid();
    // The canvas may have moved (pan) since it was drawn: convert to canvas coordinates.
    const layer = this._map.containerPointToLayerPoint(point);
    const cx = layer.x - this._topLeft.x, cy = layer.y - this._topLeft.y;
    const cell = 12, gx = Math.floor(cx / cell), gy = Math.floor(cy / cell);
    let best = -1, bestScore = Infinity;
    const from = this._range[0];
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) {
      const list = this._grid.get((gx + dx) * 8192 + (gy + dy));
      if (!list) continue;
      for (const i of list) {
        const code = this._codes[i];
        const r = this._radius(code) + 3;
        const d2 = (this._px[i - from] - cx) ** 2 + (this._py[i - from] - cy) ** 2;
        if (d2 > r * r) continue;
        const score = d2 - (DRAW_ORDER.indexOf(code) * 4);
        if (score < bestScore) { bestScore = score; best = i; }
      }
    }
    return best;
  },

  _onMove(e) {
    const i = this.stationAt(e.containerPoint);
    this._map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
    this._hover(i, e.containerPoint);
  },

  _hover(i, point) {
    if (i === this._hovered) { if (i >= 0 && this.options.onHover) this.options.onHover(i, point, true); return; }
    this._hovered = i;
    if (this.options.onHover) this.options.onHover(i, point, false);
  },

  _onClick(e) {
    const i = this.stationAt(e.containerPoint);
    if (i >= 0 && this.options.onClick) this.options.onClick(i);
  },
});
