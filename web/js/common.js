// Yizhan dashboard: what both pages share — building DOM safely, the API (with the bearer
// token prompt on 401), times, league names, dialogs and toasts.
"use strict";

// el("div", {class: "x", dataset: {k: "v"}, onclick: f}, "text", child, …): strings become text
// nodes, never HTML, so anything from a device or the registry renders as the text it is.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return node;
}

// ---- API ------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const API = {
  token() { try { return sessionStorage.getItem("yizhan.token") || ""; } catch (e) { return ""; } },
  setToken(t) { try { sessionStorage.setItem("yizhan.token", t); } catch (e) { /* ignore */ } },

  async get(path) {
    const r = await API.fetchRead(path, "application/json");
    if (!r.ok) throw new ApiError(r.status, await API.errorText(r));
    return r.json();
  },

  // GET with the bearer token when one is kept (a league's token sees its league only); on 401
  // (the service makes reads need a token) asks for it once and tries again.
  async fetchRead(path, accept) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers = { Accept: accept };
      const token = API.token();
      if (token) headers.Authorization = "Bearer " + token;
      const r = await fetch(path, { headers, cache: "no-store" });
      if (r.status !== 401 || attempt > 0) return r;
      const t = await Dialogs.token();
      if (t === null) return r;
      API.setToken(t);
    }
  },

  async errorText(r) {
    try { const j = await r.json(); return j.error || r.statusText; } catch (e) { return r.statusText || String(r.status); }
  },

  // POST with the bearer token; on 401 asks for the token (kept in sessionStorage) and tries again.
  async post(path, body) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const headers = { "Content-Type": "application/json", Accept: "application/json" };
      const token = API.token();
      if (token) headers.Authorization = "Bearer " + token;
      const r = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
      if (r.status === 401) {
        const t = await Dialogs.token();
        if (t === null) throw new ApiError(401, "cancelled");
        API.setToken(t);
        continue;
      }
      if (!r.ok) throw new ApiError(r.status, await API.errorText(r));
      return r.json();
    }
    throw new ApiError(401, "token refused");
  },

  operator() { try { return localStorage.getItem("yizhan.operator") || ""; } catch (e) { return ""; } },
  setOperator(n) { try { localStorage.setItem("yizhan.operator", n); } catch (e) { /* ignore */ } },

  // One click: the operator's name is asked once and remembered.
  async ack(alertId) {
    let by = API.operator();
    if (!by) {
      by = await Dialogs.operator();
      if (!by) return null;
      API.setOperator(by);
      for (const f of API.operatorListeners) f();
    }
    return API.post("/api/v1/alerts/" + encodeURIComponent(alertId) + "/ack", { by, comment: null });
  },
  operatorListeners: [],

  async silence(station, rule, minutes, reason, maintenance) {
    const from = new Date();
    const to = new Date(from.getTime() + minutes * 60000);
    return API.post("/api/v1/silences", {
      station, rule: rule || null, from: from.toISOString(), to: to.toISOString(), reason,
      maintenance: !!maintenance, created_by: API.operator() || null,
    });
  },
};

// ---- Leagues ---------------------------------------------------------------------------

const Leagues = {
  names: {},   // code → Chinese name (from the service, else the shipped table)
  table: {},   // code → [name, lat, lon]
  async load() {
    try { Leagues.table = await API.get("/static/data/regions.json"); } catch (e) { Leagues.table = {}; }
  },
  remember(code, name) { if (name) Leagues.names[code] = name; },
  name(code) {
    return Leagues.names[code] || (Leagues.table[code] && Leagues.table[code][0]) || code;
  },
};

// ---- Times -----------------------------------------------------------------------------

const Time = {
  parse(s) { return s ? Date.parse(s) : null; },
  pad(n) { return n < 10 ? "0" + n : String(n); },
  // Local (the browser's) time, short: today "14:03:05", else "11-20 14:03".
  short(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) return "—";
    const d = new Date(ms), now = new Date();
    const hms = Time.pad(d.getHours()) + ":" + Time.pad(d.getMinutes()) + ":" + Time.pad(d.getSeconds());
    if (d.toDateString() === now.toDateString()) return hms;
    return Time.pad(d.getMonth() + 1) + "-" + Time.pad(d.getDate()) + " " + hms.slice(0, 5);
  },
  full(ms) {
    if (ms === null || ms === undefined || isNaN(ms)) return "—";
    const d = new Date(ms);
    return d.getFullYear() + "-" + Time.pad(d.getMonth() + 1) + "-" + Time.pad(d.getDate()) + " " +
      Time.pad(d.getHours()) + ":" + Time.pad(d.getMinutes()) + ":" + Time.pad(d.getSeconds());
  },
  ago(ms, now) {
    if (ms === null || ms === undefined || isNaN(ms)) return I18N.t("never");
    const s = Math.max(0, Math.round(((now || Date.now()) - ms) / 1000));
    if (s < 60) return I18N.t("ago.s", { n: s });
    if (s < 3600) return I18N.t("ago.m", { n: Math.floor(s / 60) });
    if (s < 86400) return I18N.t("ago.h", { n: Math.floor(s / 3600) });
    return I18N.t("ago.d", { n: Math.floor(s / 86400) });
  },
  span(ms) {
    const s = Math.round(ms / 1000);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m" + (s % 60 ? " " + (s % 60) + "s" : "");
    if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
    return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
  },
};

// ---- Alerts ----------------------------------------------------------------------------

const Severity = {
  rank: { critical: 4, major: 3, warning: 2, info: 1 },
  // Most severe first, then newest first.
  compare(a, b) {
    const r = (Severity.rank[b.severity] || 0) - (Severity.rank[a.severity] || 0);
    if (r) return r;
    const ta = Time.parse(a.fired_at || a.pending_since) || 0, tb = Time.parse(b.fired_at || b.pending_since) || 0;
    return tb - ta || (a.id < b.id ? -1 : 1);
  },
};

// One alert as a list item with its actions; `onChanged(alert)` gets the server's new version.
function alertItem(a, opts) {
  const o = opts || {};
  const when = Time.parse(a.fired_at || a.pending_since);
  const tags = [el("span", { class: "badge sev-" + a.severity }, I18N.t("sev." + a.severity))];
  tags.push(el("span", { class: "tag astate-" + a.state }, I18N.t("astate." + a.state)));
  if (a.acked_by) tags.push(el("span", { class: "tag acked" }, I18N.t("alerts.acked_by", { by: a.acked_by })));
  if (a.silenced) tags.push(el("span", { class: "tag muted" }, I18N.t("alerts.silenced")));
  if (a.suppressed) tags.push(el("span", { class: "tag muted" }, I18N.t("alerts.suppressed")));

  const actions = el("div", { class: "alert-actions" });
  const ackButton = el("button", { class: "btn btn-primary btn-sm", type: "button", dataset: { action: "ack" } }, I18N.t("alerts.ack"));
  if (a.state !== "firing" || a.acked_by) ackButton.disabled = true;
  ackButton.addEventListener("click", async () => {
    ackButton.disabled = true;
    try {
      const updated = await API.ack(a.id);
      if (updated) { Toast.show(I18N.t("done.ack")); if (o.onChanged) o.onChanged(updated); }
      else ackButton.disabled = false;
    } catch (e) {
      ackButton.disabled = false;
      if (e.status !== 401) Toast.show(e.status === 409 ? I18N.t("err.conflict") : I18N.t("err.generic", { msg: e.message }), true);
    }
  });
  const silenceButton = el("button", { class: "btn btn-sm", type: "button", dataset: { action: "silence" } }, I18N.t("alerts.silence"));
  if (a.state === "resolved") silenceButton.disabled = true;
  silenceButton.addEventListener("click", () => Dialogs.silence(a.station, a.rule, o.onSilenced));
  actions.append(ackButton, silenceButton);
  if (o.stationLink !== false) {
    actions.append(el("a", { class: "btn btn-sm btn-link", href: "/station/" + encodeURIComponent(a.station) }, I18N.t("alerts.detail") + " →"));
  }

  const title = el("div", { class: "alert-title" },
    el("span", { class: "alert-rule" }, I18N.rule(a.rule)),
    el("span", { class: "alert-station" }, o.stationName ? o.stationName(a.station) : a.station));
  const meta = el("div", { class: "alert-meta" },
    el("span", {}, Leagues.name(a.region)),
    el("span", { title: Time.full(when) }, (a.fired_at ? I18N.t("alerts.fired") : I18N.t("alerts.since")) + " " + Time.short(when) + " · " + Time.ago(when)),
    a.resolved_at ? el("span", {}, I18N.t("alerts.resolved") + " " + Time.short(Time.parse(a.resolved_at))) : null,
    el("span", { class: "mono" }, a.station));
  return el("li", { class: "alert-item sev-border-" + a.severity, dataset: { alertId: a.id, state: a.state, rule: a.rule, station: a.station, acked: a.acked_by ? "1" : "0" } },
    el("div", { class: "alert-tags" }, tags),
    title,
    a.summary ? el("div", { class: "alert-summary" }, a.summary) : null,
    meta,
    actions);
}

// ---- Dialogs -----------------------------------------------------------------------------

const Dialogs = {
  // A modal with fields; resolves to the values, or null when cancelled.
  form(title, text, fields) {
    return new Promise((resolve) => {
      const dlg = el("dialog", { class: "dialog" });
      const form = el("form", { method: "dialog" });
      form.append(el("h3", {}, title));
      if (text) form.append(el("p", { class: "muted" }, text));
      const inputs = {};
      for (const f of fields) {
        let input;
        if (f.type === "select") {
          input = el("select", { name: f.name, id: "dlg-" + f.name });
          for (const [v, label] of f.options) input.append(el("option", { value: v }, label));
          if (f.value !== undefined) input.value = f.value;
        } else if (f.type === "checkbox") {
          input = el("input", { type: "checkbox", name: f.name, id: "dlg-" + f.name });
          input.checked = !!f.value;
        } else {
          input = el("input", { type: f.type || "text", name: f.name, id: "dlg-" + f.name, autocomplete: "off" });
          if (f.value) input.value = f.value;
          if (f.required) input.required = true;
        }
        inputs[f.name] = input;
        if (f.type === "checkbox") form.append(el("label", { class: "check" }, input, " ", f.label));
        else form.append(el("label", { for: "dlg-" + f.name }, f.label), input);
      }
      const ok = el("button", { class: "btn btn-primary", value: "ok", type: "submit", id: "dlg-ok" }, I18N.t("dlg.ok"));
      const cancel = el("button", { class: "btn", value: "cancel", type: "button", id: "dlg-cancel" }, I18N.t("dlg.cancel"));
      cancel.addEventListener("click", () => dlg.close("cancel"));
      form.append(el("div", { class: "dialog-buttons" }, cancel, ok));
      dlg.append(form);
      document.body.append(dlg);
      dlg.addEventListener("close", () => {
        const values = {};
        for (const [k, input] of Object.entries(inputs)) values[k] = input.type === "checkbox" ? input.checked : input.value.trim();
        dlg.remove();
        resolve(dlg.returnValue === "ok" ? values : null);
      });
      dlg.showModal();
      const first = Object.values(inputs)[0];
      if (first) first.focus();
    });
  },

  async token() {
    const v = await Dialogs.form(I18N.t("dlg.token.title"), I18N.t("dlg.token.text"),
      [{ name: "token", label: I18N.t("dlg.token.label"), type: "password", required: true }]);
    return v ? v.token : null;
  },

  async operator() {
    const v = await Dialogs.form(I18N.t("dlg.name.title"), I18N.t("dlg.name.text"),
      [{ name: "name", label: I18N.t("dlg.name.label"), value: API.operator(), required: true }]);
    return v ? v.name : null;
  },

  async silence(station, rule, onDone) {
    const durations = [[60, "1 h"], [240, "4 h"], [720, "12 h"], [1440, "24 h"], [4320, "3 d"]];
    const ruleOptions = [["", I18N.t("dlg.silence.all_rules")]];
    if (rule) ruleOptions.unshift([rule, I18N.rule(rule) + " (" + rule + ")"]);
    const v = await Dialogs.form(I18N.t("dlg.silence.title"), I18N.t("dlg.silence.station") + ": " + station, [
      { name: "rule", label: I18N.t("dlg.silence.rule"), type: "select", options: ruleOptions, value: rule || "" },
      { name: "minutes", label: I18N.t("dlg.silence.duration"), type: "select", options: durations, value: "240" },
      { name: "reason", label: I18N.t("dlg.silence.reason"), required: true },
      { name: "maintenance", label: I18N.t("dlg.silence.maintenance"), type: "checkbox" },
    ]);
    if (!v) return;
    try {
      await API.silence(station, v.rule, Number(v.minutes), v.reason, v.maintenance);
      Toast.show(I18N.t("done.silence"));
      if (onDone) onDone();
    } catch (e) {
      if (e.status !== 401) Toast.show(I18N.t("err.generic", { msg: e.message }), true);
    }
  },
};

const Toast = {
  show(text, isError) {
    let box = document.getElementById("toasts");
    if (!box) { box = el("div", { id: "toasts", class: "toasts", role: "status" }); document.body.append(box); }
    const t = el("div", { class: "toast" + (isError ? " toast-error" : "") }, text);
    box.append(t);
    setTimeout(() => t.remove(), isError ? 6000 : 3000);
  },
};

// The header's shared controls: language switch and the operator's name.
function setupHeader() {
  const lang = document.getElementById("lang-switch");
  if (lang) lang.addEventListener("click", () => I18N.set(I18N.lang === "zh" ? "en" : "zh"));
  const op = document.getElementById("operator");
  const showOperator = () => {
    if (!op) return;
    const name = API.operator();
    clear(op).append(el("span", { class: "muted" }, I18N.t("operator") + ": "), el("span", { class: "op-name" }, name || I18N.t("operator.none")));
  };
  if (op) op.addEventListener("click", async () => {
    const n = await Dialogs.operator();
    if (n) { API.setOperator(n); showOperator(); }
  });
  API.operatorListeners.push(showOperator);
  I18N.onChange(showOperator);
  showOperator();
  I18N.apply(document);
}
