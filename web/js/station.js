// One station (/station/{id}): latest values, open alerts with ack and silence, charts of each
// metric over a chosen window (the series endpoint's `step`), alert history with transitions
// and evidence, and the station's rejected input. Refreshes every 5 s.
"use strict";

const STATION_ID = decodeURIComponent(location.pathname.replace(/^\/station\//, "").replace(/\/$/, ""));
// Steps are whole minutes or hours and charts start on a step boundary, so the service answers
// from its minute and hour rollups (a year's chart in milliseconds, also after raw retention).
const WINDOWS = [
  { key: "6h", ms: 6 * 3600e3, step: "2m", stepMs: 120e3 },
  { key: "24h", ms: 24 * 3600e3, step: "5m", stepMs: 300e3 },
  { key: "7d", ms: 7 * 86400e3, step: "1h", stepMs: 3600e3 },
  { key: "30d", ms: 30 * 86400e3, step: "3h", stepMs: 3 * 3600e3 },
  { key: "1y", ms: 365 * 86400e3, step: "24h", stepMs: 86400e3 },
];
const BOOL_METRICS = new Set(["door_open", "mains", "water_ok", "leak"]);
// A value that needs a person, for highlighting the latest values.
const BAD = {
  mains: (v) => v === false, water_ok: (v) => v === false, leak: (v) => v === true,
  fridge_c: (v) => v > 8, battery_pct: (v) => v < 20,
};

// `?window=1y` in the address opens that chart window, so a link can share it.
const P = { station: null, row: null, alerts: [], metrics: [], expanded: new Set(), chartsAt: 0,
  window: WINDOWS.find((w) => w.key === new URLSearchParams(location.search).get("window")) || WINDOWS[1] };

async function bootStation() {
  setupHeader();
  I18N.onChange(() => { renderStation(); renderAlertsSection(); drawCharts(); renderWindowButtons(); loadRejects(); });
  await Leagues.load();
  document.getElementById("silence-station").addEventListener("click", () => Dialogs.silence(STATION_ID, null, refresh));
  renderWindowButtons();
  await refresh();
  await loadRejects();
  loadVisits();
  document.body.dataset.ready = "1";
  setInterval(refresh, 5000);
}

// The station's estimated visits today and yesterday (the service's local days); every minute.
async function loadVisits() {
  try {
    const q = "/api/v1/visits?station=" + encodeURIComponent(STATION_ID);
    const today = await API.get(q);
    const d = new Date(today.date + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() - 1);
    const yesterday = await API.get(q + "&date=" + d.toISOString().slice(0, 10));
    P.visits = { today: today.total, yesterday: yesterday.total };
    renderStation();
  } catch (e) { /* next time */ }
  setTimeout(loadVisits, 60000);
}

async function refresh() {
  const box = document.getElementById("live-status");
  try {
    const [station, row, alerts] = await Promise.all([
      API.get("/api/v1/stations/" + encodeURIComponent(STATION_ID)),
      API.get("/api/v1/dashboard/stations/" + encodeURIComponent(STATION_ID)).catch(() => null),
      API.get("/api/v1/alerts?station=" + encodeURIComponent(STATION_ID) + "&limit=200"),
    ]);
    const alertsChanged = JSON.stringify(alerts) !== JSON.stringify(P.alerts);
    P.station = station; P.row = row; P.alerts = alerts;
    box.dataset.state = "ok";
    box.querySelector(".live-text").textContent = I18N.t("live.ok") + " · " + I18N.t("live.updated") + " " + Time.short(Date.now());
    renderStation();
    // Rebuilt only when something changed, so an open history row or a button under the
    // pointer is not replaced every 5 s.
    if (alertsChanged) renderAlertsSection();
    const metrics = Object.keys(station.latest || {}).sort(metricOrder);
    const metricsChanged = metrics.join() !== P.metrics.join();
    P.metrics = metrics;
    if (metricsChanged || Date.now() - P.chartsAt > 60000) await loadCharts();
  } catch (e) {
    if (e.status === 404) {
      document.getElementById("station-name").textContent = I18N.t("st.unknown") + ": " + STATION_ID;
      box.dataset.state = "lost";
      return;
    }
    box.dataset.state = "lost";
    box.querySelector(".live-text").textContent = I18N.t("live.lost");
  }
}

function metricOrder(a, b) {
  const order = ["mains", "water_ok", "leak", "door_open", "fridge_c", "battery_pct", "occupancy"];
  const ia = order.indexOf(a), ib = order.indexOf(b);
  return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : 1);
}

function stationState() {
  if (P.row) return P.row.state;
  const s = P.station;
  if (!s.online) return s.last_seen ? "offline" : "nodata";
  const firing = P.alerts.filter((a) => a.state === "firing").map((a) => a.severity);
  for (const sev of ["critical", "major", "warning"]) if (firing.includes(sev)) return sev;
  return firing.includes("info") ? "warning" : "ok";
}

function renderStation() {
  const s = P.station;
  if (!s) return;
  document.title = s.name + " · " + I18N.t("app.title");
  document.getElementById("station-name").textContent = s.name;
  const state = stationState();
  const facts = clear(document.getElementById("station-facts"));
  facts.append(
    el("span", { class: "state-pill state-bg-" + state, id: "station-state", dataset: { state } }, I18N.t("state." + state)),
    el("span", { class: "mono" }, s.id),
    el("span", {}, Leagues.name(s.region) + " (" + s.region + ")"),
    el("span", {}, s.unmanned ? I18N.t("stations.unmanned") : I18N.t("stations.staffed")),
    el("span", { title: Time.full(Time.parse(s.last_seen)) }, I18N.t("st.last_seen") + ": " + Time.ago(Time.parse(s.last_seen))));
  if (P.row) facts.append(el("span", {}, I18N.t("st.location") + ": " + P.row.lat.toFixed(4) + ", " + P.row.lon.toFixed(4)));
  if (P.visits) facts.append(el("span", { id: "station-visits", dataset: { today: String(P.visits.today) } },
    I18N.t("visits.title") + ": " + I18N.t("visits.today") + " " + P.visits.today.toLocaleString() + " · "
    + I18N.t("visits.yesterday") + " " + P.visits.yesterday.toLocaleString()));

  const box = clear(document.getElementById("latest"));
  const latest = s.latest || {};
  const names = Object.keys(latest).sort(metricOrder);
  for (const m of names) {
    const { value, ts } = latest[m];
    const bad = BAD[m] ? BAD[m](value) : false;
    box.append(el("div", { class: "metric", dataset: { metric: m } },
      el("div", { class: "metric-name" }, I18N.metric(m), el("span", { class: "mono muted" }, " " + m)),
      el("div", { class: "metric-value" + (bad ? " bad" : "") }, formatValue(m, value)),
      el("div", { class: "metric-ts", title: Time.full(Time.parse(ts)) }, Time.ago(Time.parse(ts)))));
  }
  document.getElementById("latest-empty").hidden = names.length > 0;
}

function formatValue(metric, v) {
  if (typeof v === "boolean") return I18N.boolText(metric, v);
  if (typeof v !== "number") return String(v);
  const unit = YZ_UNITS[metric] || "";
  const text = Number.isInteger(v) ? String(v) : v.toFixed(1);
  return unit ? text + " " + unit : text;
}

function renderAlertsSection() {
  if (!P.station) return;
  const open = P.alerts.filter((a) => a.state !== "resolved").sort(Severity.compare);
  const ul = clear(document.getElementById("open-alerts"));
  for (const a of open) {
    ul.append(alertItem(a, {
      stationLink: false,
      stationName: () => "",
      onChanged: () => refresh(),
      onSilenced: () => refresh(),
    }));
  }
  document.getElementById("open-empty").hidden = open.length > 0;
  document.getElementById("open-count").textContent = String(open.filter((a) => a.state === "firing").length);

  const hist = clear(document.getElementById("history"));
  for (const a of P.alerts) {
    const started = Time.parse(a.pending_since);
    const ended = Time.parse(a.resolved_at);
    const row = el("div", { class: "history-row", role: "button", tabindex: "0" },
      el("span", {}, el("span", { class: "badge sev-" + a.severity }, I18N.t("sev." + a.severity))),
      el("span", {}, el("strong", {}, I18N.rule(a.rule)), " ", el("span", { class: "muted small" }, a.summary || "")),
      el("span", {}, el("span", { class: "tag astate-" + a.state }, I18N.t("astate." + a.state)), a.acked_by ? el("span", { class: "tag acked" }, I18N.t("alerts.acked_by", { by: a.acked_by })) : null),
      el("span", { class: "small", title: Time.full(started) }, Time.full(started)),
      el("span", { class: "small muted" }, ended ? Time.span(ended - started) : "…"));
    const li = el("li", { dataset: { alertId: a.id } }, row);
    const toggle = () => { if (P.expanded.has(a.id)) P.expanded.delete(a.id); else P.expanded.add(a.id); renderAlertsSection(); };
    row.addEventListener("click", toggle);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") toggle(); });
    if (P.expanded.has(a.id)) {
      const detail = el("div", { class: "history-detail" }, el("span", { class: "muted" }, "…"));
      li.append(detail);
      loadDetail(a.id, detail);
    }
    hist.append(li);
  }
  document.getElementById("history-empty").hidden = P.alerts.length > 0;
}

const detailCache = new Map();
async function loadDetail(id, box) {
  let d = detailCache.get(id);
  try {
    if (!d) { d = await API.get("/api/v1/alerts/" + encodeURIComponent(id)); if (d.state === "resolved") detailCache.set(id, d); }
  } catch (e) { clear(box).append(I18N.t("err.generic", { msg: e.message })); return; }
  const table = el("table", {}, el("thead", {}, el("tr", {},
    el("th", {}, I18N.t("st.transitions")), el("th", {}, I18N.t("rejects.ts")), el("th", {}, I18N.t("st.reason")), el("th", {}, I18N.t("st.evidence")))));
  const body = el("tbody");
  for (const t of d.transitions) {
    const ev = el("div");
    for (const r of t.evidence) {
      ev.append(el("div", { class: "mono" }, r.metric + " = " + JSON.stringify(r.value) + "  @ " + Time.full(Time.parse(r.ts))));
    }
    body.append(el("tr", {},
      el("td", { class: "nowrap" }, I18N.t("astate." + t.from) + " → " + I18N.t("astate." + t.to)),
      el("td", { class: "nowrap" }, Time.full(Time.parse(t.at))),
      el("td", {}, t.reason),
      el("td", {}, ev)));
  }
  table.append(body);
  clear(box).append(el("div", { class: "mono muted small" }, "id " + d.id), table);
  if (d.comment) box.append(el("p", {}, I18N.t("st.comment") + ": ", d.comment));
}

// ---- charts -------------------------------------------------------------------------------

function renderWindowButtons() {
  const box = clear(document.getElementById("window-buttons"));
  for (const w of WINDOWS) {
    const b = el("button", { type: "button", class: w === P.window ? "active" : "", dataset: { window: w.key } }, w.key);
    b.addEventListener("click", () => {
      P.window = w;
      const url = new URL(location.href);
      url.searchParams.set("window", w.key);
      history.replaceState(null, "", url);
      renderWindowButtons();
      loadCharts();
    });
    box.append(b);
  }
}

P.series = {};
async function loadCharts() {
  P.chartsAt = Date.now();
  const to = new Date(), from = new Date(Math.floor((to.getTime() - P.window.ms) / P.window.stepMs) * P.window.stepMs);
  const results = await Promise.all(P.metrics.map((m) => API.get("/api/v1/stations/" + encodeURIComponent(STATION_ID) +
    "/series?metric=" + encodeURIComponent(m) + "&from=" + encodeURIComponent(from.toISOString()) + "&to=" + encodeURIComponent(to.toISOString()) +
    "&step=" + P.window.step).catch(() => null)));
  P.series = {};
  P.metrics.forEach((m, k) => { P.series[m] = results[k]; });
  P.range = [from.getTime(), to.getTime()];
  drawCharts();
}

function drawCharts() {
  const box = clear(document.getElementById("charts"));
  if (!P.range) return;
  for (const m of P.metrics) {
    const chart = el("div", { class: "chart", dataset: { metric: m } });
    box.append(chart);
    const series = P.series[m];
    const points = series ? series.points.map(([ts, v]) => [Time.parse(ts), typeof v === "boolean" ? (v ? 1 : 0) : v]) : [];
    const last = points.length ? points[points.length - 1][1] : null;
    chart.append(el("div", { class: "chart-title" },
      el("span", {}, I18N.metric(m), el("span", { class: "mono muted" }, " " + m)),
      el("span", { class: "muted" }, points.length ? points.length + " × " + P.window.step : "")));
    chart.append(lineChart(m, points, chart.clientWidth - 20 || 420));
    void last;
  }
}

function lineChart(metric, points, width) {
  const W = Math.max(300, width), H = 150, L = 44, R = 8, T = 8, B = 22;
  const [t0, t1] = P.range;
  const isBool = BOOL_METRICS.has(metric);
  let lo = 0, hi = 1;
  if (!isBool && points.length) {
    lo = Math.min(...points.map((p) => p[1])); hi = Math.max(...points.map((p) => p[1]));
    if (hi === lo) { hi += 1; lo -= 1; }
    const pad = (hi - lo) * 0.08; lo -= pad; hi += pad;
  }
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": metric });
  // Alert episodes of this station inside the window, shaded.
  for (const a of P.alerts) {
    const s = Time.parse(a.fired_at || a.pending_since), e = Time.parse(a.resolved_at) || Date.now();
    if (e < t0 || s > t1) continue;
    root.append(svg("rect", { class: "alert-band", x: x(Math.max(s, t0)), y: T, width: Math.max(1, x(Math.min(e, t1)) - x(Math.max(s, t0))), height: H - T - B }));
  }
  // Grid and ticks.
  const ticks = isBool ? [0, 1] : niceTicks(lo, hi, 4);
  // As many decimals as the tick step has, so neighbouring labels never read the same
  // (99.995 and 100 were both "100").
  const stepText = ticks.length > 1 ? String(+(ticks[1] - ticks[0]).toPrecision(6)) : "1";
  const places = stepText.includes(".") ? Math.min(6, stepText.length - stepText.indexOf(".") - 1) : 0;
  for (const v of ticks) {
    root.append(svg("line", { class: "grid", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
    const label = isBool ? I18N.boolText(metric, v === 1) : String(+v.toFixed(places));
    root.append(svg("text", { class: "tick y-tick", x: L - 6, y: y(v) + 3.5, "text-anchor": "end" }, label));
  }
  const span = t1 - t0;
  const nx = 5;
  for (let k = 0; k <= nx; k++) {
    const t = t0 + (span * k) / nx;
    const d = new Date(t);
    const label = span > 2 * 86400e3 ? Time.pad(d.getMonth() + 1) + "-" + Time.pad(d.getDate()) : Time.pad(d.getHours()) + ":" + Time.pad(d.getMinutes());
    root.append(svg("text", { class: "tick", x: x(t), y: H - 6, "text-anchor": k === 0 ? "start" : k === nx ? "end" : "middle" }, label));
  }
  root.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: H - B, y2: H - B }));
  if (!points.length) {
    root.append(svg("text", { class: "tick", x: (L + W) / 2, y: H / 2, "text-anchor": "middle" }, I18N.t("st.no_points")));
    return root;
  }
  // Gaps longer than three steps break the line.
  const stepMs = P.window.stepMs;
  let d = "", area = "", prev = null, segStart = null;
  const closeArea = (lastX) => { if (segStart !== null) area += "L" + lastX.toFixed(1) + "," + y(lo) + "L" + segStart.toFixed(1) + "," + y(lo) + "Z"; };
  for (const [t, v] of points) {
    const px = x(t), py = y(v);
    if (prev === null || t - prev[0] > 3 * stepMs) {
      if (prev !== null) closeArea(x(prev[0]));
      d += "M" + px.toFixed(1) + "," + py.toFixed(1);
      area += "M" + px.toFixed(1) + "," + y(lo) + "L" + px.toFixed(1) + "," + py.toFixed(1);
      segStart = px;
    } else if (isBool) {
      d += "H" + px.toFixed(1) + "V" + py.toFixed(1);
      area += "H" + px.toFixed(1) + "V" + py.toFixed(1);
    } else {
      d += "L" + px.toFixed(1) + "," + py.toFixed(1);
      area += "L" + px.toFixed(1) + "," + py.toFixed(1);
    }
    prev = [t, v];
  }
  closeArea(x(prev[0]));
  root.append(svg("path", { class: "area", d: area }));
  root.append(svg("path", { class: "line", d }));
  // Few points: mark each, so a single reading is visible.
  if (points.length <= 60) for (const [t, v] of points) root.append(svg("circle", { class: "point", cx: x(t), cy: y(v), r: 2.4 }));
  return root;
}

function niceTicks(lo, hi, n) {
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

async function loadRejects() {
  let rows = [];
  try { rows = await API.get("/api/v1/rejects?station=" + encodeURIComponent(STATION_ID) + "&limit=100"); } catch (e) { rows = []; }
  const body = clear(document.querySelector("#reject-table tbody"));
  for (const r of rows) {
    body.append(el("tr", {},
      el("td", { class: "nowrap" }, Time.full(Time.parse(r.ts))),
      el("td", {}, el("span", { class: "tag" }, I18N.reason(r.reason))),
      el("td", { class: "mono small" }, r.topic),
      el("td", { class: "detail" }, r.detail)));
  }
  document.getElementById("reject-empty").hidden = rows.length > 0;
}

window.addEventListener("resize", () => { clearTimeout(window.__rz); window.__rz = setTimeout(drawCharts, 150); });
bootStation();
