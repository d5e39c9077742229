// The coverage holes of stations that are down: each down station's walking circle, minus the
// circles of the working stations around it, filled red on one canvas. The subtraction is the
// canvas's own compositing (destination-out), so the hole on screen is the exact uncovered area
// the service computed, at any zoom. Data: GET /api/v1/coverage/holes.
"use strict";

const HoleLayer = !window.L ? null : CanvasLayer.extend({
  initialize(options) {
    L.setOptions(this, options);
    this._holes = [];
    this._radius = 1000;
  },

  setData(data) {
    this._holes = (data && data.holes) || [];
    this._radius = (data && data.radius_m) || 1000;
    if (this._map) this._map.getContainer().dataset.holes = String(this._holes.length);
    this._draw();
  },

  holes() { return this._holes; },

  onAdd(map) {
    this._map = map;
    this._canvas = L.DomUtil.create("canvas", "hole-canvas leaflet-zoom-animated");
    map.getPane(this.options.pane || "overlayPane").appendChild(this._canvas);
    map.on("moveend zoomend resize viewreset", this._reset, this);
    map.on("zoomanim", this._animateZoom, this);
    this._reset();
  },

  onRemove(map) {
    L.DomUtil.remove(this._canvas);
    map.off("moveend zoomend resize viewreset", this._reset, this);
    map.off("zoomanim", this._animateZoom, this);
  },

  // Container pixel and radius in pixels of a walking circle around lat, lon.
  _circle(lat, lon) {
    const p = this._map.latLngToContainerPoint([lat, lon]);
    const metresPerPixel = (40075016.686 * Math.cos((lat * Math.PI) / 180)) / (256 * Math.pow(2, this._map.getZoom()));
    return [p.x, p.y, this._radius / metresPerPixel];
  },

  _draw() {
    if (!this._map || !this._topLeft) return;
    const ctx = this._canvas.getContext("2d"), ratio = window.devicePixelRatio || 1, size = this._map.getSize();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.globalCompositeOperation = "source-over";
    ctx.clearRect(0, 0, size.x, size.y);
    if (!this._holes.length) return;
    // 1. Every down station's circle, filled.
    ctx.fillStyle = "rgba(214, 45, 32, 0.38)";
    for (const h of this._holes) {
      const [x, y, r] = this._circle(h.lat, h.lon);
      ctx.beginPath(); ctx.arc(x, y, Math.max(r, 2), 0, 2 * Math.PI); ctx.fill();
    }
    // 2. Minus every working circle that reaches into one.
    ctx.globalCompositeOperation = "destination-out";
    ctx.fillStyle = "#000";
    for (const h of this._holes) {
      for (const b of h.borders) {
        const [x, y, r] = this._circle(b[0], b[1]);
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill();
      }
    }
    // 3. The circle's edge and the way to the nearest working station, over it.
    ctx.globalCompositeOperation = "source-over";
    ctx.lineWidth = 1.5;
    for (const h of this._holes) {
      const [x, y, r] = this._circle(h.lat, h.lon);
      ctx.strokeStyle = "rgba(142, 28, 20, 0.9)";
      ctx.setLineDash([5, 4]);
      ctx.beginPath(); ctx.arc(x, y, Math.max(r, 2), 0, 2 * Math.PI); ctx.stroke();
      if (h.alternative && r > 6) {
        const [ax, ay] = this._circle(h.alternative.lat, h.alternative.lon);
        ctx.strokeStyle = "rgba(31, 157, 85, 0.95)";
        ctx.setLineDash([2, 3]);
        ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(ax, ay); ctx.stroke();
      }
    }
    ctx.setLineDash([]);
  },
});
