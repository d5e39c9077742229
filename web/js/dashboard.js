// The live operations dashboard (GET /): fleet summary per league, the map of every station,
// the alert list with ack and silence, the station list, rejected input and reports.
// Live: polls /api/v1/live with a cursor every 2 s and applies what changed (deltas).
"use strict";

const POLL_MS = 2000;

const S = {
  config: { quota_pct: 15 },
  generation: null,
  cursor: null,
  summary: null,
  alerts: new Map(),     // open alerts by id (pending and firing)
  resolved: new Map(),   // alerts seen resolving while the page is open, and fetched resolved ones
  names: new Map(),      // station id → name
  map: null,             // {count, lat, lon, codes, regions: [{code, name, count, start}], generation}
  league: "",
  view: "overview",
  lastUpdate: null,
  stationsOffset: 0,
};

let leafletMap = null;
let layer = null;
let holeLayer = null;
let holesAt = 0;

// ---- boot ------------------------------------------------------------------------------

async function boot() {
  setupHeader();
  setupFilters();
  window.addEventListener("hashchange", showView);
  I18N.onChange(() => { renderAll(); buildLegend(); renderVisits(); });
  await Leagues.load();
  try { S.config = await API.get("/api/v1/dashboard/config"); } catch (e) { /* defaults */ }
  if (window.L) setupMap();
  else clear(document.getElementById("map")).append(el("p", { class: "empty map-missing" }, I18N.t("map.missing")));
  showView();
  await poll();
  loadVisits();
  document.body.dataset.ready = "1";
}

// Estimated visits per league, today and yesterday (the service's local days); every minute.
async function loadVisits() {
  try {
    const today = await API.get("/api/v1/visits");
    const d = new Date(today.date + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() - 1);
    const yesterday = await API.get("/api/v1/visits?date=" + d.toISOString().slice(0, 10));
    S.visits = { today, yesterday };
    renderVisits();
  } catch (e) { /* next time */ }
  setTimeout(loadVisits, 60000);
}

function renderVisits() {
  if (!S.visits) return;
  const { today, yesterday } = S.visits;
  document.getElementById("visits-today").textContent = I18N.t("visits.today") + " " + today.date.slice(5);
  document.getElementById("visits-yesterday").textContent = I18N.t("visits.yesterday") + " " + yesterday.date.slice(5);
  const before = new Map(yesterday.regions.map((r) => [r.code, r.visits]));
  const body = clear(document.querySelector("#visits-table tbody"));
  for (const r of today.regions) {
    body.append(el("tr", { dataset: { region: r.code } },
      el("td", {}, Leagues.name(r.code), el("span", { class: "muted mono small-code" }, " " + r.code)),
      el("td", { class: "num" }, r.visits.toLocaleString()),
      el("td", { class: "num" }, (before.get(r.code) || 0).toLocaleString())));
  }
  clear(document.querySelector("#visits-table tfoot")).append(el("tr", { class: "total" },
    el("td", {}, I18N.t("leagues.total")), el("td", { class: "num" }, today.total.toLocaleString()),
    el("td", { class: "num" }, yesterday.total.toLocaleString())));
  document.getElementById("visits-table").dataset.total = String(today.total);
}

function setupMap() {
  leafletMap = L.map("map", { preferCanvas: true, zoomControl: true, attributionControl: !!S.config.tile_url, minZoom: 3, maxZoom: 16, worldCopyJump: false });
  leafletMap.setView([43.5, 113], 5);
  leafletMap.createPane("stations").style.zIndex = "650";
  layer = new StationLayer({
    pane: "stations",
    onHover: hoverStation,
    onClick: (i) => openStationByIndex(i),
    onDraw: () => {},
  });
  layer.addTo(leafletMap);
  if (HoleLayer) {
    leafletMap.createPane("holes").style.zIndex = "640";
    holeLayer = new HoleLayer({ pane: "holes" });
    holeLayer.addTo(leafletMap);
  }
  // The map's box changes with the layout (view switches, window size): tell Leaflet.
  new ResizeObserver(() => {
    leafletMap.invalidateSize({ animate: false });
    if (S.needsFit) fitToStations();
  }).observe(document.getElementById("map"));
  buildLegend();
}

function buildLegend() {
  const box = clear(document.getElementById("map-legend"));
  for (const st of ["ok", "warning", "major", "critical", "offline", "nodata"]) {
    const dot = el("span", { class: "legend-dot state-bg-" + st });
    box.append(el("span", { class: "legend-item", dataset: { state: st } }, dot, I18N.t("state." + st), el("span", { class: "legend-count", id: "legend-" + st })));
  }
  if (holeLayer) box.append(el("span", { class: "legend-item legend-hole", title: I18N.t("map.hole.tip") }, el("span", { class: "legend-dot hole-swatch" }), I18N.t("map.hole")));
  updateLegendCounts();
}

function updateLegendCounts() {
  if (!layer || !S.map) return;
  const c = layer.counts();
  STATE_NAMES.forEach((name, k) => {
    const n = document.getElementById("legend-" + name);
    if (n) n.textContent = " " + c[k].toLocaleString();
    leafletMap.getContainer().dataset["count" + name[0].toUpperCase() + name.slice(1)] = String(c[k]);
  });
}

// ---- live updates --------------------------------------------------------------------------

async function poll() {
  let next = POLL_MS;
  try {
    const q = S.cursor === null ? "" : "?since=" + S.cursor + "&generation=" + encodeURIComponent(S.generation);
    const live = await API.get("/api/v1/live" + q);
    if (live.reset) await applyReset(live); else applyDelta(live);
    // Coverage holes follow the stations' states: again when any changed, else every 10 s.
    if (holeLayer && (live.reset || (live.map && live.map.i.length) || Date.now() - holesAt > 10000)) refreshHoles();
    S.cursor = live.cursor;
    S.generation = live.generation;
    S.lastUpdate = Date.now();
    setLive("ok");
  } catch (e) {
    setLive("lost");
    next = POLL_MS * 2;
  }
  if (S.view === "overview" && Date.now() - (S.incidentsAt || 0) >= 10000) { S.incidentsAt = Date.now(); loadIncidents(); }
  // A tab nobody looks at polls less often; it catches up at once when shown again.
  pollTimer = setTimeout(poll, document.hidden ? Math.max(next, 15000) : next);
}

async function refreshHoles() {
  holesAt = Date.now();
  try { holeLayer.setData(await API.get("/api/v1/coverage/holes")); } catch (e) { /* next time */ }
}

let pollTimer = null;
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && pollTimer !== null) { clearTimeout(pollTimer); pollTimer = null; poll(); }
});

function setLive(state) {
  const box = document.getElementById("live-status");
  box.dataset.state = state;
  const text = box.querySelector(".live-text");
  text.textContent = state === "ok" ? I18N.t("live.ok") + " · " + I18N.t("live.updated") + " " + Time.short(S.lastUpdate) : I18N.t("live.lost");
}

async function applyReset(live) {
  S.alerts.clear();
  for (const a of live.alerts) rememberAlert(a);
  S.summary = live.summary;
  rememberLeagueNames();
  await loadMap();
  renderAll();
}

function applyDelta(live) {
  if (live.map && live.map.i.length && S.map) {
    // S.map.codes is the layer's own array: one write updates both.
    for (let k = 0; k < live.map.i.length; k++) S.map.codes[live.map.i[k]] = live.map.s[k];
    if (layer) { layer.redraw(); updateLegendCounts(); }
  }
  let alertsChanged = false;
  for (const a of live.alerts || []) { rememberAlert(a); alertsChanged = true; }
  if (live.summary) { S.summary = live.summary; rememberLeagueNames(); renderSummary(); }
  if (alertsChanged) renderAlerts();
  if (live.summary && S.view === "stations") scheduleStations();
}

function rememberAlert(a) {
  if (a.removed) { S.alerts.delete(a.id); return; }
  if (a.station_name) S.names.set(a.station, a.station_name);
  if (a.state === "resolved") { S.alerts.delete(a.id); S.resolved.set(a.id, a); }
  else S.alerts.set(a.id, a);
}

function rememberLeagueNames() {
  for (const r of (S.summary && S.summary.regions) || []) Leagues.remember(r.code, r.name);
}

// The binary map payload (see MapPayload.swift): header JSON, u16 lat, u16 lon, 4-bit states.
async function loadMap() {
  const r = await API.fetchRead("/api/v1/map", "application/vnd.yizhan.map");
  if (!r.ok) throw new Error("map: " + r.status);
  const buf = await r.arrayBuffer();
  const magic = new TextDecoder().decode(new Uint8Array(buf, 0, 4));
  if (magic !== "YZM1") throw new Error("map: not a yizhan map payload");
  const hlen = new DataView(buf).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, hlen)));
  const n = header.count;
  let off = 8 + hlen;
  const qa = new Uint16Array(buf, off, n); off += 2 * n;
  const qo = new Uint16Array(buf, off, n); off += 2 * n;
  const packed = new Uint8Array(buf, off, (n + 1) >> 1);
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) codes[i] = (packed[i >> 1] >> ((i & 1) << 2)) & 15;
  const [lat0, lon0, lat1, lon1] = header.bbox;
  const lat = new Float64Array(n), lon = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lat[i] = lat0 + (qa[i] * (lat1 - lat0)) / header.quant;
    lon[i] = lon0 + (qo[i] * (lon1 - lon0)) / header.quant;
  }
  let start = 0;
  const regions = header.regions.map((g) => { const r2 = { ...g, start }; start += g.count; return r2; });
  for (const g of regions) Leagues.remember(g.code, g.name);
  const first = !S.map;
  S.map = { count: n, lat, lon, codes, regions, generation: header.generation, bytes: buf.byteLength };
  S.tips = new Map();
  if (first) fillLeagueSelect();
  if (!leafletMap) { applyLeague(false); return; }
  const c = leafletMap.getContainer();
  c.dataset.payloadBytes = String(buf.byteLength);
  c.dataset.stationCount = String(n);
  layer.setData(lat, lon, codes);
  if (first) await BaseMap.add(leafletMap, S.config, regions.map((g) => g.code), Object.fromEntries(regions.map((g) => [g.code, g.count])));
  applyLeague(false);
  if (first) fitToStations();
}

// ---- map interaction -------------------------------------------------------------------------

function leagueRange() {
  if (!S.map) return [0, 0];
  if (!S.league) return [0, S.map.count];
  const g = S.map.regions.find((r) => r.code === S.league);
  return g ? [g.start, g.start + g.count] : [0, 0];
}

function fitToStations() {
  // A hidden map (another view is open) has no size to fit into: fit when it is shown.
  const box = document.getElementById("map");
  S.needsFit = box.clientWidth === 0 || box.clientHeight === 0;
  if (S.needsFit) return;
  const [from, to] = leagueRange();
  if (to <= from) return;
  let a0 = 90, a1 = -90, o0 = 180, o1 = -180;
  for (let i = from; i < to; i++) {
    const a = S.map.lat[i], o = S.map.lon[i];
    if (a < a0) a0 = a; if (a > a1) a1 = a; if (o < o0) o0 = o; if (o > o1) o1 = o;
  }
  const pad = Math.max(0.3, (a1 - a0) * 0.08);
  leafletMap.fitBounds([[a0 - pad, o0 - pad], [a1 + pad, o1 + pad]], { maxZoom: 11, animate: false });
}

async function stationInfo(i) {
  if (!S.tips) S.tips = new Map();
  if (S.tips.has(i)) return S.tips.get(i);
  const p = API.get("/api/v1/map/stations/" + i + "?generation=" + encodeURIComponent(S.map.generation));
  S.tips.set(i, p);
  try { return await p; } catch (e) { S.tips.delete(i); throw e; }
}

let hoverSeq = 0;
function hoverStation(i, point, same) {
  const tip = document.getElementById("map-tip");
  if (i < 0) { tip.hidden = true; return; }
  const mapBox = document.getElementById("map");
  const place = () => {
    const x = Math.min(point.x + 14, mapBox.clientWidth - tip.offsetWidth - 6);
    const y = point.y + 14 + tip.offsetHeight > mapBox.clientHeight ? point.y - tip.offsetHeight - 10 : point.y + 14;
    tip.style.left = x + mapBox.offsetLeft + "px";
    tip.style.top = y + mapBox.offsetTop + "px";
  };
  if (same) { place(); return; }
  const seq = ++hoverSeq;
  const code = S.map.codes[i];
  clear(tip).append(el("div", { class: "tip-state" }, el("span", { class: "legend-dot state-bg-" + STATE_NAMES[code] }), I18N.t("state." + STATE_NAMES[code])), el("div", { class: "muted" }, "…"));
  tip.hidden = false;
  place();
  stationInfo(i).then((st) => {
    if (seq !== hoverSeq) return;
    clear(tip).append(
      el("div", { class: "tip-name" }, st.name),
      el("div", { class: "tip-line mono" }, st.id),
      el("div", { class: "tip-line" }, Leagues.name(st.region), " · ", st.unmanned ? I18N.t("stations.unmanned") : I18N.t("stations.staffed")),
      el("div", { class: "tip-state" }, el("span", { class: "legend-dot state-bg-" + STATE_NAMES[S.map.codes[i]] }), I18N.t("state." + STATE_NAMES[S.map.codes[i]]),
        st.firing.length ? " · " + st.firing.map((r) => I18N.rule(r)).join("、") : ""),
      el("div", { class: "tip-line muted" }, I18N.t("st.last_seen") + ": " + Time.ago(Time.parse(st.last_seen))),
      el("div", { class: "tip-hint" }, I18N.t("map.open")));
    place();
  }).catch(() => {});
}

async function openStationByIndex(i) {
  try {
    const st = await stationInfo(i);
    location.href = "/station/" + encodeURIComponent(st.id);
  } catch (e) { /* the map will reload with the next generation */ }
}

// ---- filters -------------------------------------------------------------------------------

function setupFilters() {
  const league = document.getElementById("league-filter");
  league.addEventListener("change", () => { S.league = league.value; applyLeague(true); });
  const sev = document.getElementById("alert-severity");
  const st = document.getElementById("alert-state");
  sev.addEventListener("change", renderAlerts);
  st.addEventListener("change", async () => {
    if (st.value === "resolved") await loadResolved();
    renderAlerts();
  });
  fillAlertFilters();
  I18N.onChange(() => { fillAlertFilters(); fillLeagueSelect(); fillStationStateSelect(); });

  const search = document.getElementById("station-search");
  let timer = null;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { S.stationsOffset = 0; loadStations(); }, 250); });
  fillStationStateSelect();
  document.getElementById("station-state").addEventListener("change", () => { S.stationsOffset = 0; loadStations(); });
  document.getElementById("station-prev").addEventListener("click", () => { S.stationsOffset = Math.max(0, S.stationsOffset - 50); loadStations(); });
  document.getElementById("station-next").addEventListener("click", () => { S.stationsOffset += 50; loadStations(); });
  document.getElementById("reject-refresh").addEventListener("click", loadRejects);
  const rs = document.getElementById("reject-station");
  let rtimer = null;
  rs.addEventListener("input", () => { clearTimeout(rtimer); rtimer = setTimeout(loadRejects, 300); });
}

function fillSelect(select, options) {
  const value = select.value;
  clear(select);
  for (const [v, label] of options) select.append(el("option", { value: v }, label));
  if (options.some(([v]) => v === value)) select.value = value;
}

function fillAlertFilters() {
  fillSelect(document.getElementById("alert-severity"), [["", I18N.t("alerts.severity.all")],
    ...["critical", "major", "warning", "info"].map((s) => [s, I18N.t("sev." + s)])]);
  const st = document.getElementById("alert-state");
  const had = st.value;
  fillSelect(st, ["open", "firing", "unacked", "acked", "pending", "silenced", "resolved"].map((s) => [s, I18N.t("alerts.state." + s)]));
  if (!had) st.value = "open";
}

function fillStationStateSelect() {
  fillSelect(document.getElementById("station-state"), [["", I18N.t("stations.all")], ["critical,major,warning,offline", I18N.t("alerts.state.open")],
    ...STATE_NAMES.map((s) => [s, I18N.t("state." + s)])]);
}

function fillLeagueSelect() {
  const select = document.getElementById("league-filter");
  const regions = (S.map && S.map.regions) || [];
  fillSelect(select, [["", I18N.t("league.all")], ...regions.map((g) => [g.code, Leagues.name(g.code) + " (" + g.count.toLocaleString() + ")"])]);
  select.value = S.league;
}

function applyLeague(fit) {
  if (layer) {
    const [from, to] = leagueRange();
    layer.setRange(from, to);
    updateLegendCounts();
    if (fit) fitToStations();
  }
  renderAll();
  if (S.view === "stations") { S.stationsOffset = 0; loadStations(); }
}

// ---- rendering -----------------------------------------------------------------------------

function renderAll() {
  document.title = I18N.t("app.title") + " · Yizhan";
  renderSummary();
  renderAlerts();
  renderIncidents();
  setLive(document.getElementById("live-status").dataset.state === "lost" ? "lost" : "ok");
}

function tallyFor(code) {
  if (!S.summary) return null;
  if (!code) return S.summary.total;
  return S.summary.regions.find((r) => r.code === code) || null;
}

function renderSummary() {
  const t = tallyFor(S.league);
  if (!t) return;
  const set = (id, value, sub) => {
    const card = document.getElementById(id);
    card.querySelector(".kpi-value").textContent = value;
    card.querySelector(".kpi-sub").textContent = sub || "";
  };
  const pctOf = (n) => (t.stations ? ((100 * n) / t.stations).toFixed(1) + "%" : "—");
  set("kpi-stations", t.stations.toLocaleString(), S.league ? Leagues.name(S.league) : I18N.t("league.all"));
  set("kpi-online", t.online.toLocaleString(), pctOf(t.online));
  set("kpi-offline", t.offline.toLocaleString(), t.nodata ? I18N.t("kpi.nodata") + " " + t.nodata.toLocaleString() : pctOf(t.offline));
  set("kpi-critical", t.firing.critical.toLocaleString(), I18N.t("state.critical") + " · " + t.critical.toLocaleString() + " " + I18N.t("map.stations"));
  set("kpi-major", t.firing.major.toLocaleString(), I18N.t("state.major") + " · " + t.major.toLocaleString() + " " + I18N.t("map.stations"));
  set("kpi-warning", (t.firing.warning + t.firing.info).toLocaleString(), I18N.t("state.warning") + " · " + t.warning.toLocaleString() + " " + I18N.t("map.stations"));
  const q = S.summary.quota_pct;
  set("kpi-share", t.unmanned_share_pct.toFixed(1) + "%", I18N.t("kpi.target") + " " + q + "% · " + I18N.t("kpi.unmanned_online") + " " + t.unmanned_online_share_pct.toFixed(1) + "%");
  document.getElementById("kpi-share").title = I18N.t("kpi.unmanned") + " " + t.unmanned_share_pct.toFixed(2) + "% (" + t.unmanned + " / " + t.stations + "), " + I18N.t("kpi.target") + " " + q + "%";
  const share = document.getElementById("kpi-share");
  share.classList.toggle("below", !t.meets_quota);
  shareBar(share.querySelector(".share-bar"), t.unmanned_share_pct, q);
  renderLeagueTable();
}

// The share bar's scale: 0 … twice the target, so the target mark sits in the middle.
function shareBar(bar, pct, target) {
  const max = Math.max(target * 2, pct, 1);
  bar.querySelector(".share-fill").style.width = Math.min(100, (100 * pct) / max) + "%";
  bar.querySelector(".share-target").style.left = (100 * target) / max + "%";
  bar.classList.toggle("below", pct < target);
}

function renderLeagueTable() {
  const q = S.summary.quota_pct;
  document.getElementById("share-head").textContent = I18N.t("leagues.share", { q });
  const body = clear(document.querySelector("#league-table tbody"));
  const row = (r, isTotal) => {
    const bar = el("div", { class: "share-bar small" }, el("span", { class: "share-fill" }), el("span", { class: "share-target" }));
    shareBar(bar, r.unmanned_share_pct, q);
    const alerts = el("span", { class: "alert-counts" },
      el("span", { class: r.firing.critical ? "c-critical" : "zero" }, String(r.firing.critical)), " / ",
      el("span", { class: r.firing.major ? "c-major" : "zero" }, String(r.firing.major)), " / ",
      el("span", { class: r.firing.warning + r.firing.info ? "c-warning" : "zero" }, String(r.firing.warning + r.firing.info)));
    const tr = el("tr", { class: (isTotal ? "total" : "") + (r.code && r.code === S.league ? " selected" : ""), dataset: { region: r.code || "" } },
      el("td", {}, isTotal ? I18N.t("leagues.total") : Leagues.name(r.code), isTotal ? null : el("span", { class: "muted mono small-code" }, " " + r.code)),
      el("td", { class: "num" }, r.stations.toLocaleString()),
      el("td", { class: "num" }, r.online.toLocaleString()),
      el("td", { class: "num" + (r.offline ? " c-offline" : "") }, r.offline.toLocaleString()),
      el("td", { class: "num" }, alerts),
      el("td", { class: "num" }, r.unmanned.toLocaleString()),
      el("td", { class: "share-cell" }, bar, el("span", { class: r.meets_quota ? "share-num ok" : "share-num below" }, r.unmanned_share_pct.toFixed(1) + "%")));
    if (!isTotal) tr.addEventListener("click", () => {
      S.league = S.league === r.code ? "" : r.code;
      document.getElementById("league-filter").value = S.league;
      applyLeague(true);
    });
    return tr;
  };
  for (const r of S.summary.regions) body.append(row(r, false));
  const foot = clear(document.querySelector("#league-table tfoot"));
  foot.append(row(S.summary.total, true));
}

async function loadResolved() {
  try {
    const list = await API.get("/api/v1/alerts?state=resolved&limit=200");
    for (const a of list) if (!S.resolved.has(a.id)) S.resolved.set(a.id, a);
  } catch (e) { /* keep what we have */ }
}

const MAX_ALERTS_SHOWN = 200;

function filteredAlerts() {
  const sev = document.getElementById("alert-severity").value;
  const st = document.getElementById("alert-state").value || "open";
  const pool = st === "resolved" ? [...S.resolved.values()] : [...S.alerts.values()];
  return pool.filter((a) => {
    if (S.league && a.region !== S.league) return false;
    if (sev && a.severity !== sev) return false;
    switch (st) {
      case "firing": return a.state === "firing";
      case "unacked": return a.state === "firing" && !a.acked_by;
      case "acked": return !!a.acked_by;
      case "pending": return a.state === "pending";
      case "silenced": return a.silenced;
      default: return true;
    }
  }).sort(Severity.compare);
}

function renderAlerts() {
  const list = filteredAlerts();
  const ul = clear(document.getElementById("alert-list"));
  const shown = list.slice(0, MAX_ALERTS_SHOWN);
  for (const a of shown) {
    ul.append(alertItem(a, {
      stationName: (id) => S.names.get(id) || a.station_name || id,
      onChanged: (updated) => { rememberAlert(updated); renderAlerts(); },
    }));
  }
  document.getElementById("alert-empty").hidden = list.length > 0;
  document.getElementById("alert-count").textContent = String([...S.alerts.values()].filter((a) => a.state === "firing" && (!S.league || a.region === S.league)).length);
  document.getElementById("alert-shown").textContent = list.length > MAX_ALERTS_SHOWN ? I18N.t("alerts.shown", { n: shown.length, total: list.length }) : "";
}

// ---- incidents ---------------------------------------------------------------------------

const INCIDENT_MEMBERS_SHOWN = 8;

// Regional events and flapping alerts (GET /api/v1/incidents): open ones first, then the
// latest resolved, each with its member stations.
async function loadIncidents() {
  let list = [];
  try { list = await API.get("/api/v1/incidents?limit=50"); } catch (e) { return; }
  S.incidents = list;
  renderIncidents();
}

function renderIncidents() {
  const list = (S.incidents || []).filter((i) => !S.league || i.region === S.league)
    .sort((a, b) => (a.state === b.state ? 0 : a.state === "open" ? -1 : 1));
  const body = clear(document.querySelector("#incident-table tbody"));
  for (const inc of list) {
    const stations = [...new Set(inc.members.map((m) => m.station))];
    const members = el("span", { class: "incident-members" });
    for (const id of stations.slice(0, INCIDENT_MEMBERS_SHOWN)) {
      members.append(el("a", { class: "mono small", href: "/station/" + encodeURIComponent(id), title: S.names.get(id) || id }, id), " ");
    }
    if (stations.length > INCIDENT_MEMBERS_SHOWN) members.append(el("span", { class: "muted" }, I18N.t("incidents.more", { n: stations.length })));
    const opened = Time.parse(inc.opened_at);
    body.append(el("tr", {},
      el("td", {}, el("span", { class: "tag" + (inc.state === "open" ? " astate-firing" : "") }, I18N.t("incidents." + inc.state))),
      el("td", {}, I18N.t("incidents." + inc.kind)),
      el("td", {}, Leagues.name(inc.region), inc.station ? el("span", { class: "mono small" }, " " + inc.station) : null),
      el("td", { class: "mono" }, inc.rule),
      el("td", { class: "num" }, inc.state === "open" ? inc.firing + " / " + inc.stations : String(inc.stations)),
      el("td", { class: "nowrap", title: Time.full(opened) }, Time.short(opened)),
      el("td", {}, members)));
  }
  document.getElementById("incident-empty").hidden = list.length > 0;
  document.getElementById("incident-count").textContent = String(list.filter((i) => i.state === "open").length);
}

// ---- views -------------------------------------------------------------------------------

function showView() {
  const name = (location.hash || "#overview").slice(1).split("?")[0];
  S.view = ["overview", "stations", "rejects", "reports"].includes(name) ? name : "overview";
  for (const v of document.querySelectorAll(".view")) v.hidden = v.id !== "view-" + S.view;
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.view === S.view);
  if (S.view === "overview" && leafletMap) setTimeout(() => leafletMap.invalidateSize(), 0);
  if (S.view === "stations") loadStations();
  if (S.view === "rejects") loadRejects();
  if (S.view === "reports") loadReports();
}

let stationsTimer = null;
function scheduleStations() { clearTimeout(stationsTimer); stationsTimer = setTimeout(loadStations, 1000); }

async function loadStations() {
  const q = new URLSearchParams();
  if (S.league) q.set("region", S.league);
  const state = document.getElementById("station-state").value;
  if (state) q.set("state", state);
  const text = document.getElementById("station-search").value.trim();
  if (text) q.set("q", text);
  q.set("offset", String(S.stationsOffset));
  q.set("limit", "50");
  let res;
  try { res = await API.get("/api/v1/dashboard/stations?" + q); } catch (e) { return; }
  const body = clear(document.querySelector("#station-table tbody"));
  for (const st of res.stations) {
    const tr = el("tr", { class: "clickable", dataset: { station: st.id } },
      el("td", {}, el("span", { class: "state-pill state-bg-" + st.state }, I18N.t("state." + st.state))),
      el("td", { class: "mono" }, el("a", { href: "/station/" + encodeURIComponent(st.id) }, st.id)),
      el("td", {}, st.name),
      el("td", {}, Leagues.name(st.region)),
      el("td", {}, st.unmanned ? I18N.t("stations.unmanned") : I18N.t("stations.staffed")),
      el("td", {}, st.firing.map((r) => I18N.rule(r)).join("、")),
      el("td", { title: Time.full(Time.parse(st.last_seen)) }, Time.ago(Time.parse(st.last_seen))));
    tr.addEventListener("click", (e) => { if (e.target.tagName !== "A") location.href = "/station/" + encodeURIComponent(st.id); });
    body.append(tr);
  }
  const from = res.total ? res.offset + 1 : 0, to = res.offset + res.stations.length;
  document.getElementById("station-page").textContent = I18N.t("stations.page", { from: from.toLocaleString(), to: to.toLocaleString(), total: res.total.toLocaleString() });
  document.getElementById("station-prev").disabled = res.offset === 0;
  document.getElementById("station-next").disabled = to >= res.total;
}

async function loadRejects() {
  const since = new Date(Date.now() - 86400000).toISOString();
  const station = document.getElementById("reject-station").value.trim();
  const q = new URLSearchParams({ since, limit: "500" });
  if (station) q.set("station", station);
  let rows = [];
  try { rows = await API.get("/api/v1/rejects?" + q); } catch (e) { rows = []; }
  const body = clear(document.querySelector("#reject-table tbody"));
  for (const r of rows) {
    body.append(el("tr", {},
      el("td", { class: "nowrap", title: r.ts }, Time.short(Time.parse(r.ts))),
      el("td", { class: "mono" }, r.station ? el("a", { href: "/station/" + encodeURIComponent(r.station) }, r.station) : "—"),
      el("td", {}, el("span", { class: "tag" }, I18N.reason(r.reason))),
      el("td", { class: "mono small" }, r.topic),
      el("td", { class: "detail" }, r.detail)));
  }
  document.getElementById("reject-empty").hidden = rows.length > 0;
}

async function loadReports() {
  const q = S.summary ? S.summary.quota_pct : S.config.quota_pct;
  document.getElementById("reports-intro").textContent = I18N.t("reports.intro", { q });
  const now = new Date();
  const monthStart = new Date(now.getFullYear(), now.getMonth(), 1);
  document.getElementById("report-current").href = "/api/v1/reports/uptime?format=html&from=" + encodeURIComponent(monthStart.toISOString()) + "&to=" + encodeURIComponent(now.toISOString());
  const last = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  document.getElementById("report-last").href = "/api/v1/reports/uptime?format=html&month=" + last.getFullYear() + "-" + Time.pad(last.getMonth() + 1);
  let list = [];
  try { list = await API.get("/api/v1/reports"); } catch (e) { list = []; }
  const body = clear(document.querySelector("#report-table tbody"));
  for (const r of list.slice().reverse()) {
    const links = el("span", { class: "format-links" });
    for (const f of Object.keys(r.formats || {})) {
      links.append(el("a", { class: "btn btn-sm", href: "/api/v1/reports/" + encodeURIComponent(r.month) + "?format=" + encodeURIComponent(f) }, f.toUpperCase()));
    }
    body.append(el("tr", {}, el("td", {}, r.month), el("td", {}, links)));
  }
  document.getElementById("report-empty").hidden = list.length > 0;
}

// Refresh relative times now and then without refetching anything.
setInterval(() => { if (S.view === "overview" && S.summary) renderAlerts(); }, 30000);

boot();
