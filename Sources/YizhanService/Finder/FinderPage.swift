import YizhanCore
import YizhanHTTP

/// The public station finder at `GET /find`: one HTML page, its stylesheet and its script,
/// compiled into the binary (no `web/` folder, no CDN), served with the strict
/// Content-Security-Policy (no inline script or style: the page loads `/find/finder.js` and
/// `/find/finder.css`). Registry text reaches the page only as JSON and is put in with
/// `textContent`.
enum FinderPage {
    static func response(_ name: String?) -> HTTPResponse {
        switch name {
        case nil, "index.html"?:
            return .html(200, html, headers: [("Cache-Control", "no-cache")])
        case "finder.js"?:
            return .asset(script, contentType: "text/javascript; charset=utf-8", maxAgeSeconds: 300)
        case "finder.css"?:
            return .asset(css, contentType: "text/css; charset=utf-8", maxAgeSeconds: 300)
        case "services.json"?:
            return .asset(servicesJSON, contentType: "application/json", maxAgeSeconds: 300)
        default:
            return .json(404, JSONText.error("no such file: /find/\(name ?? "")"))
        }
    }

    /// The vocabulary with labels and the one-character badge the page draws for each service.
    static let servicesJSON: String = {
        var j = JSONText()
        j.raw("[")
        for (i, s) in StationService.allCases.enumerated() {
            if i > 0 { j.raw(",") }
            j.raw("{\"id\":"); j.string(s.rawValue)
            j.raw(",\"zh\":"); j.string(s.chinese)
            j.raw(",\"en\":"); j.string(s.english)
            j.raw(",\"badge\":"); j.string(badge(s))
            j.raw("}")
        }
        j.raw("]")
        return j.text
    }()

    /// One CJK character per service: readable at a glance and drawn by any Chinese font
    /// (no emoji font or icon file needed).
    static func badge(_ s: StationService) -> String {
        switch s {
        case .rest: return "歇"
        case .drinkingWater: return "水"
        case .heatingMeal: return "热"
        case .charging: return "电"
        case .toilet: return "厕"
        case .firstAid: return "药"
        case .airConditioning: return "温"
        case .shelter: return "雨"
        case .wifi: return "网"
        case .refrigerator: return "冰"
        case .reading: return "书"
        case .batterySwap: return "换"
        case .tools: return "修"
        case .legalAid: return "法"
        case .meals: return "餐"
        }
    }

    static let html = #"""
    <!DOCTYPE html>
    <html lang="zh-CN">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="theme-color" content="#b3122a">
    <title>找驿站 · Find a rest station</title>
    <link rel="stylesheet" href="/find/finder.css">
    <script src="/find/finder.js" defer></script>
    </head>
    <body>
    <header class="top">
      <h1>附近的户外劳动者驿站</h1>
      <p class="en">Rest stations near you for outdoor workers</p>
      <p class="tagline">喝水 · 热饭 · 充电 · 歇脚 · 如厕 <span class="en">water, a hot meal, charging, a rest, a toilet</span></p>
    </header>
    <main>
      <section class="where" aria-labelledby="where-title">
        <h2 id="where-title" class="visually-hidden">位置 Position</h2>
        <button id="locate" type="button" class="locate">
          <span class="zh">使用我的位置</span><span class="en">Use my location</span>
        </button>
        <label for="place" class="place-label">或选择所在地 <span class="en">or pick where you are</span></label>
        <select id="place">
          <option value="">选择盟市或城区 · City or district</option>
        </select>
        <p id="where-status" class="where-status" role="status"></p>
      </section>

      <details class="filters" id="filters">
        <summary>按服务筛选 <span class="en">Filter by service</span> <span id="filter-count" class="filter-count"></span></summary>
        <div id="service-filters" class="service-filters"></div>
      </details>

      <section class="results" aria-labelledby="results-title">
        <h2 id="results-title" class="results-title">
          <span id="results-zh">最近的驿站</span> <span class="en" id="results-en">Nearest stations</span>
        </h2>
        <p id="summary" class="summary" role="status"></p>
        <div id="map" class="map" aria-hidden="true"></div>
        <ol id="list" class="list"></ol>
        <p id="empty" class="empty" hidden></p>
        <h3 id="down-title" class="down-title" hidden>附近暂时不能正常使用的驿站 <span class="en">Nearby, but not working right now</span></h3>
        <ol id="list-down" class="list list-down"></ol>
      </section>
    </main>

    <template id="card-template">
      <li class="card">
        <div class="card-head">
          <span class="num"></span>
          <h3 class="name"></h3>
          <span class="distance"></span>
        </div>
        <p class="status"><span class="dot" aria-hidden="true"></span><span class="status-zh"></span> <span class="status-en en"></span></p>
        <dl class="facts">
          <div><dt>开放时间 <span class="en">Hours</span></dt><dd class="hours"></dd></div>
          <div class="address-row"><dt>地址 <span class="en">Address</span></dt><dd class="address"></dd></div>
        </dl>
        <ul class="services"></ul>
        <p class="actions">
          <a class="go geo">导航 <span class="en">Navigate</span></a>
          <a class="go amap" rel="noopener noreferrer" target="_blank">高德地图 <span class="en">Amap</span></a>
        </p>
      </li>
    </template>

    <noscript><p class="noscript">此页面需要启用 JavaScript。 This page needs JavaScript.
      数据 Data: <a href="/api/v1/public/stations">/api/v1/public/stations</a></p></noscript>

    <footer class="foot">
      <p>驿站状态每分钟更新：绿色＝正常开放（联网、有电、有水）。<span class="en">Updated every minute. Green = working: online, power and water on.</span></p>
      <p>免费开放，无需登记。遇到问题请拨打工会服务热线 12351。<span class="en">Free, no sign-up. Problems? Call the union hotline 12351.</span></p>
    </footer>
    </body>
    </html>
    """#

    static let css = #"""
    *, *::before, *::after { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
    body {
      margin: 0; background: #f4f1ec; color: #1d1d1f;
      font: 16px/1.45 "Noto Sans CJK SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Source Han Sans SC", system-ui, sans-serif;
    }
    .en { color: #5b5b60; font-size: .82em; font-weight: normal; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    .top { background: #b3122a; color: #fff; padding: 14px 16px 12px; }
    .top h1 { margin: 0; font-size: 1.3rem; line-height: 1.3; }
    .top .en { color: #ffe3e6; display: block; }
    .top p { margin: 2px 0 0; }
    .top .tagline { margin-top: 6px; font-size: .95rem; }
    .top .tagline .en { display: inline; }
    main { max-width: 720px; margin: 0 auto; padding: 12px 12px 8px; }
    .where { background: #fff; border-radius: 12px; padding: 12px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
    .locate {
      display: flex; flex-direction: column; align-items: center; justify-content: center; width: 100%;
      min-height: 52px; border: 0; border-radius: 10px; background: #0b5cad; color: #fff;
      font: inherit; font-size: 1.1rem; font-weight: bold; cursor: pointer;
    }
    .locate .en { color: #dbe9fb; font-size: .8rem; }
    .locate:active { background: #094a8b; }
    .locate[disabled] { background: #7d8a99; }
    .place-label { display: block; margin: 12px 0 4px; font-weight: bold; }
    select {
      width: 100%; min-height: 46px; font: inherit; padding: 8px; border-radius: 10px;
      border: 1px solid #8a8a8f; background: #fff; color: inherit;
    }
    .where-status { margin: 8px 0 0; min-height: 1.2em; font-size: .92rem; color: #3c3c41; }
    .where-status.error { color: #a3001b; font-weight: bold; }
    .filters { margin-top: 10px; background: #fff; border-radius: 12px; padding: 0 12px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
    .filters summary { min-height: 44px; display: flex; align-items: center; gap: 6px; cursor: pointer; font-weight: bold; }
    .filter-count { color: #0b5cad; }
    .service-filters { display: flex; flex-wrap: wrap; gap: 6px; padding-bottom: 12px; }
    .service-filters button {
      min-height: 40px; border-radius: 20px; border: 1px solid #9a9aa0; background: #fff; color: inherit;
      font: inherit; font-size: .9rem; padding: 4px 10px 4px 4px; display: inline-flex; align-items: center; gap: 4px;
    }
    .service-filters button[aria-pressed="true"] { background: #0b5cad; border-color: #0b5cad; color: #fff; }
    .service-filters button[aria-pressed="true"] .badge { background: #fff; color: #0b5cad; }
    .results-title { font-size: 1.1rem; margin: 16px 2px 2px; }
    .summary { margin: 0 2px 8px; font-size: .9rem; color: #3c3c41; }
    .map { background: #fff; border-radius: 12px; margin-bottom: 10px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
    .map:empty { display: none; }
    .map svg { display: block; width: 100%; height: auto; }
    .list { list-style: none; margin: 0; padding: 0; }
    .card {
      background: #fff; border-radius: 12px; padding: 12px; margin-bottom: 10px;
      border-left: 8px solid #8a8a8f; box-shadow: 0 1px 2px rgba(0,0,0,.08);
    }
    .card.working { border-left-color: #1a7f37; }
    .card.limited { border-left-color: #c25e00; }
    .card.offline, .card.closed { border-left-color: #6e7781; }
    .card-head { display: flex; align-items: baseline; gap: 8px; }
    .num {
      flex: none; width: 26px; height: 26px; border-radius: 13px; background: #1d1d1f; color: #fff;
      font-size: .85rem; font-weight: bold; display: inline-flex; align-items: center; justify-content: center;
    }
    .name { flex: 1; margin: 0; font-size: 1.05rem; line-height: 1.35; overflow-wrap: anywhere; }
    .distance { flex: none; font-weight: bold; white-space: nowrap; font-size: .95rem; }
    .status { margin: 8px 0 6px; font-weight: bold; display: flex; flex-wrap: wrap; align-items: center; gap: 2px 6px; }
    .status .dot { width: 14px; height: 14px; border-radius: 7px; background: #8a8a8f; flex: none; }
    .working .status { color: #116329; } .working .dot { background: #1a7f37; }
    .limited .status { color: #9a4700; } .limited .dot { background: #e07000; border-radius: 2px; }
    .offline .status, .closed .status { color: #4a525a; } .offline .dot, .closed .dot { background: #fff; border: 3px solid #6e7781; }
    .facts { margin: 0; }
    .facts div { display: flex; gap: 8px; margin: 2px 0; }
    .facts dt { flex: none; width: 6.6em; color: #4a4a50; font-size: .9rem; }
    .facts dt .en { display: block; font-size: .75rem; }
    .facts dd { margin: 0; overflow-wrap: anywhere; }
    .services { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
    .services li {
      display: inline-flex; align-items: center; gap: 4px; background: #eef3f8; border-radius: 16px;
      padding: 2px 9px 2px 2px; font-size: .88rem;
    }
    .services li .en { font-size: .75rem; }
    .badge {
      flex: none; width: 26px; height: 26px; border-radius: 13px; background: #0b5cad; color: #fff;
      display: inline-flex; align-items: center; justify-content: center; font-size: .85rem; font-weight: bold;
    }
    .actions { margin: 10px 0 0; display: flex; gap: 8px; }
    .go {
      flex: 1; min-height: 44px; display: flex; flex-direction: column; align-items: center; justify-content: center;
      border-radius: 10px; border: 1px solid #0b5cad; color: #0b5cad; text-decoration: none; font-weight: bold;
    }
    .go .en { color: #0b5cad; font-size: .75rem; }
    .empty { background: #fff; border-radius: 12px; padding: 16px; text-align: center; }
    .down-title { font-size: 1rem; margin: 18px 2px 8px; padding-top: 12px; border-top: 2px dashed #b9b2a6; color: #4a4a50; }
    .down-title .en { display: block; }
    .list-down .card { background: #f7f6f3; }
    .list-down .name { color: #3c3c41; }
    .noscript { margin: 12px; padding: 12px; background: #fff3cd; }
    .foot { max-width: 720px; margin: 0 auto; padding: 4px 14px 28px; font-size: .85rem; color: #3c3c41; }
    .foot p { margin: 6px 0; }
    @media (min-width: 600px) { .top { padding: 18px 24px; } .top h1 { font-size: 1.6rem; } }
    """#

    static let script = #"""
    // Yizhan station finder: nearest rest stations, their status and services.
    // Everything from the registry is inserted with textContent, never as HTML.
    (function () {
      "use strict";
      var LIMIT_FETCH = 200, LIMIT_SHOW = 30, LIMIT_DOWN = 10, NEAR_M = 3000, REFRESH_MS = 60000, STORE_KEY = "yizhan.finder.place";
      var services = [], serviceById = {}, places = [], position = null, stations = [], wanted = {};
      var refreshTimer = null;

      function $(id) { return document.getElementById(id); }
      function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text != null) e.textContent = text;
        return e;
      }
      function getJSON(url) {
        return fetch(url, { headers: { "Accept": "application/json" }, cache: "no-cache" }).then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        });
      }
      function setWhere(zh, en, isError) {
        var s = $("where-status");
        s.textContent = "";
        s.className = "where-status" + (isError ? " error" : "");
        s.appendChild(document.createTextNode(zh + " "));
        s.appendChild(el("span", "en", en));
      }
      function distanceText(m) {
        if (m == null) return "";
        if (m < 1000) return Math.round(m / 10) * 10 + " 米 m";
        var km = m / 1000;
        return (km < 10 ? km.toFixed(1).replace(/\.0$/, "") : Math.round(km)) + " 公里 km";
      }

      // A station's state for a worker: what colour, what words.
      function describe(p) {
        if (p.open_now === false) return { cls: "closed", zh: "现在不在开放时间", en: "Closed at this hour" };
        if (p.status === "working" && p.open_now == null) {
          return p.hours == null
            ? { cls: "working", zh: "设施正常，开放时间未知", en: "Working; opening hours unknown" }
            : { cls: "working", zh: "设施正常，请留意开放时间", en: "Working; check the opening hours" };
        }
        if (p.status === "working") return { cls: "working", zh: "正常开放", en: "Open and working" };
        if (p.status === "limited") {
          var zh = [], en = [];
          if (p.power !== true) { zh.push("停电"); en.push("no power"); }
          if (p.water !== true) { zh.push("停水"); en.push("no water"); }
          return { cls: "limited", zh: "可进入，但" + zh.join("、"), en: "Open, but " + en.join(" and ") };
        }
        return { cls: "offline", zh: "暂无信号，状态未知", en: "No signal: status unknown" };
      }

      function card(f, index) {
        var p = f.properties, c = f.geometry.coordinates, lon = c[0], lat = c[1];
        var node = $("card-template").content.firstElementChild.cloneNode(true);
        var d = describe(p);
        node.classList.add(d.cls);
        node.dataset.station = p.id;
        node.dataset.status = d.cls;
        node.querySelector(".num").textContent = String(index + 1);
        node.querySelector(".name").textContent = p.name;
        node.querySelector(".distance").textContent = distanceText(p.distance_m);
        node.querySelector(".status-zh").textContent = d.zh;
        node.querySelector(".status-en").textContent = d.en;
        var hours = node.querySelector(".hours");
        if (p.hours == null) {
          // A staffed station that gave no hours: unknown, never "24 h".
          hours.textContent = "开放时间未知 ";
          hours.appendChild(el("span", "en", "hours unknown"));
        } else {
          hours.textContent = p.hours + (p.open_24h ? " " : "");
          if (p.open_24h) hours.appendChild(el("span", "en", "open 24 h"));
        }
        hours.appendChild(document.createTextNode(" · " + (p.unattended ? "无人值守" : "有人值守") + " "));
        hours.appendChild(el("span", "en", p.unattended ? "unattended" : "staffed"));
        if (p.address) node.querySelector(".address").textContent = p.address;
        else node.querySelector(".address-row").remove();
        var list = node.querySelector(".services");
        (p.services || []).forEach(function (id) {
          var s = serviceById[id];
          if (!s) return;
          var li = el("li");
          li.appendChild(el("span", "badge", s.badge));
          li.appendChild(document.createTextNode(s.zh + " "));
          li.appendChild(el("span", "en", s.en));
          list.appendChild(li);
        });
        if (!list.children.length) list.remove();
        var label = encodeURIComponent(p.name);
        node.querySelector(".geo").href = "geo:" + lat + "," + lon + "?q=" + lat + "," + lon + "(" + label + ")";
        node.querySelector(".amap").href = "https://uri.amap.com/marker?position=" + lon + "," + lat +
          "&name=" + label + "&coordinate=wgs84&callnative=1";
        return node;
      }

      // A north-up sketch of the shown stations around the position (no map tiles offline).
      function drawMap(shown) {
        var box = $("map");
        box.textContent = "";
        if (!position || !shown.length) return;
        shown = shown.slice().sort(function (a, b) { return (a.f.properties.distance_m || 0) - (b.f.properties.distance_m || 0); });
        var NS = "http://www.w3.org/2000/svg", W = 340, H = 150, pad = 14;
        var cosLat = Math.cos(position.lat * Math.PI / 180), maxR = 1;
        // Far-away stations would squash the near ones into a dot: keep those within three
        // times the distance of the fifth nearest (and at least 1 km).
        var near = shown.map(function (s) { return s.f.properties.distance_m || 0; });
        var reach = Math.max(1000, 3 * near[Math.min(4, near.length - 1)]);
        var pts = shown.map(function (s) {
          var c = s.f.geometry.coordinates;
          var x = (c[0] - position.lon) * 111320 * cosLat, y = (c[1] - position.lat) * 110540;
          return { x: x, y: y, f: s.f, n: s.n };
        }).filter(function (p) { return (p.f.properties.distance_m || 0) <= reach; });
        maxR = 1;
        pts.forEach(function (p) { maxR = Math.max(maxR, Math.abs(p.x) / (W / 2 - pad), Math.abs(p.y) / (H / 2 - pad)); });
        var svg = document.createElementNS(NS, "svg");
        svg.setAttribute("viewBox", "0 0 " + W + " " + H);
        svg.setAttribute("role", "img");
        function add(tag, attrs, parent) {
          var e = document.createElementNS(NS, tag);
          for (var k in attrs) e.setAttribute(k, attrs[k]);
          (parent || svg).appendChild(e);
          return e;
        }
        // A ring at a round distance.
        var steps = [200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000];
        var ring = steps[0];
        for (var s = 0; s < steps.length; s++) if (steps[s] / maxR <= H / 2 - pad) ring = steps[s];
        add("rect", { x: 0, y: 0, width: W, height: H, rx: 12, fill: "#fbfaf7" });
        add("circle", { cx: W / 2, cy: H / 2, r: ring / maxR, fill: "none", stroke: "#c9c4ba", "stroke-dasharray": "4 4" });
        var t = add("text", { x: W / 2 + 4, y: H / 2 - ring / maxR - 4, "font-size": 11, fill: "#6b665e" });
        t.textContent = distanceText(ring);
        var n = add("text", { x: W - 18, y: 20, "font-size": 12, fill: "#6b665e", "text-anchor": "middle" });
        n.textContent = "北 N";
        add("circle", { cx: W / 2, cy: H / 2, r: 7, fill: "#0b5cad", stroke: "#fff", "stroke-width": 3 });
        var you = add("text", { x: W / 2 + 10, y: H / 2 + 16, "font-size": 11, fill: "#0b5cad", "font-weight": "bold" });
        you.textContent = "你 You";
        // Highest number first, so the first stations of the list are drawn on top.
        pts.slice().sort(function (a, b) { return b.n - a.n; }).forEach(function (p) {
          var cls = describe(p.f.properties).cls;
          var fill = { working: "#1a7f37", limited: "#e07000", offline: "#6e7781", closed: "#6e7781" }[cls];
          var cx = W / 2 + p.x / maxR, cy = H / 2 - p.y / maxR;
          add("circle", { cx: cx, cy: cy, r: 9, fill: fill, stroke: "#fff", "stroke-width": 2 });
          var label = add("text", { x: cx, y: cy + 4, "font-size": 10, "font-weight": "bold", fill: "#fff", "text-anchor": "middle" });
          label.textContent = String(p.n);
        });
        box.appendChild(svg);
      }

      function render() {
        var list = $("list"), empty = $("empty");
        list.textContent = "";
        var ids = Object.keys(wanted).filter(function (k) { return wanted[k]; });
        $("filter-count").textContent = ids.length ? "(" + ids.length + ")" : "";
        if (!position) {
          $("summary").textContent = "";
          $("list-down").textContent = "";
          $("down-title").hidden = true;
          drawMap([]);
          empty.hidden = false;
          empty.textContent = "请先使用定位，或选择所在地。 Use your location or pick a place first.";
          return;
        }
        var matching = stations.filter(function (f) {
          var have = f.properties.services || [];
          return ids.every(function (id) { return have.indexOf(id) >= 0; });
        });
        // Working stations come first, nearest first: a worker walks to the first card. A nearer
        // station that is down, without power or water, or closed now is never above one that
        // works; it is listed after them, under its own heading and marked, so nobody walks to
        // it in the belief that it works (and a worker who only needs shelter can still see it).
        // Only those nearer than the farthest working station shown, or within NEAR_M, are
        // listed (at most LIMIT_DOWN); with no working station at all, the nearest LIMIT_SHOW.
        var usable = [], down = [];
        matching.forEach(function (f) { (describe(f.properties).cls === "working" ? usable : down).push(f); });
        usable = usable.slice(0, LIMIT_SHOW);
        if (usable.length) {
          var reach = Math.max(NEAR_M, usable[usable.length - 1].properties.distance_m);
          down = down.filter(function (f) { return f.properties.distance_m <= reach; }).slice(0, LIMIT_DOWN);
        } else {
          down = down.slice(0, LIMIT_SHOW);
        }
        $("summary").textContent = "";
        $("summary").appendChild(document.createTextNode(usable.length
          ? "最近的 " + usable.length + " 个正常开放的驿站排在前面" + (down.length ? "；附近另有 " + down.length + " 个暂时不能正常使用，列在后面。" : "。") + " "
          : "附近没有正常开放的驿站。 "));
        $("summary").appendChild(el("span", "en", usable.length
          ? usable.length + " nearest working stations first" + (down.length ? "; " + down.length + " nearby not working now are listed after them." : ".")
          : "No working station nearby."));
        var items = usable.map(function (f, i) { return { f: f, n: i + 1 }; })
          .concat(down.map(function (f, i) { return { f: f, n: usable.length + i + 1 }; }));
        // The sketch: the ten nearest working stations and up to six of the others, same numbers.
        drawMap(items.slice(0, Math.min(10, usable.length)).concat(items.slice(usable.length, usable.length + 6)));
        usable.forEach(function (f, i) { list.appendChild(card(f, i)); });
        var listDown = $("list-down");
        listDown.textContent = "";
        down.forEach(function (f, i) { listDown.appendChild(card(f, usable.length + i)); });
        $("down-title").hidden = down.length === 0;
        empty.hidden = matching.length > 0;
        if (!matching.length) empty.textContent = "附近没有符合条件的驿站。 No station nearby offers all of these.";
      }

      function load() {
        if (!position) { render(); return; }
        var url = "/api/v1/public/stations?lat=" + position.lat.toFixed(5) + "&lon=" + position.lon.toFixed(5) + "&limit=" + LIMIT_FETCH;
        getJSON(url).then(function (fc) {
          stations = fc.features || [];
          render();
        }).catch(function () {
          setWhere("暂时连不上服务器，稍后自动重试。", "Cannot reach the server; retrying shortly.", true);
        });
        clearTimeout(refreshTimer);
        refreshTimer = setTimeout(load, REFRESH_MS);
      }

      function setPosition(lat, lon, zh, en) {
        position = { lat: lat, lon: lon };
        setWhere(zh, en, false);
        load();
      }

      function usePlace(index) {
        var p = places[index];
        if (!p) return;
        try { localStorage.setItem(STORE_KEY, p.name); } catch (e) {}
        setPosition(p.lat, p.lon, "位置：" + p.name + "（大致中心）", "Position: centre of " + p.name);
      }

      function locate() {
        if (!navigator.geolocation || !window.isSecureContext) {
          setWhere("此网址无法定位，请在下方选择所在地。", "Location is not available on this address; pick a place below.", true);
          return;
        }
        var button = $("locate");
        button.disabled = true;
        setWhere("正在定位…", "Finding you…", false);
        navigator.geolocation.getCurrentPosition(function (pos) {
          button.disabled = false;
          $("place").value = "";
          setPosition(pos.coords.latitude, pos.coords.longitude,
            "已按你的位置排序（精度约 " + Math.round(pos.coords.accuracy) + " 米）。",
            "Sorted by your location (±" + Math.round(pos.coords.accuracy) + " m).");
        }, function (err) {
          button.disabled = false;
          setWhere(err.code === 1 ? "未获得定位权限，请在下方选择所在地。" : "定位失败，请在下方选择所在地。",
            err.code === 1 ? "Location permission denied; pick a place below." : "Could not find you; pick a place below.", true);
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      }

      function buildFilters() {
        var box = $("service-filters");
        services.forEach(function (s) {
          var b = el("button");
          b.type = "button";
          b.setAttribute("aria-pressed", "false");
          b.appendChild(el("span", "badge", s.badge));
          b.appendChild(document.createTextNode(s.zh + " "));
          b.appendChild(el("span", "en", s.en));
          b.addEventListener("click", function () {
            wanted[s.id] = !wanted[s.id];
            b.setAttribute("aria-pressed", wanted[s.id] ? "true" : "false");
            render();
          });
          box.appendChild(b);
        });
      }

      function buildPlaces() {
        var select = $("place");
        places.forEach(function (p, i) {
          var o = el("option", null, (p.district ? "　· " : "") + p.name);
          o.value = String(i);
          select.appendChild(o);
        });
        select.addEventListener("change", function () { if (select.value !== "") usePlace(Number(select.value)); });
      }

      function start() {
        $("locate").addEventListener("click", locate);
        Promise.all([getJSON("/find/services.json"), getJSON("/api/v1/public/places")]).then(function (r) {
          services = r[0]; places = r[1];
          services.forEach(function (s) { serviceById[s.id] = s; });
          buildFilters();
          buildPlaces();
          var q = new URLSearchParams(location.search);
          var lat = parseFloat(q.get("lat")), lon = parseFloat(q.get("lon"));
          if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
            setPosition(lat, lon, "位置：链接中给定的坐标。", "Position: from the link.");
            return;
          }
          var saved = null;
          try { saved = localStorage.getItem(STORE_KEY); } catch (e) {}
          var i = places.findIndex(function (p) { return p.name === saved; });
          if (i >= 0) { $("place").value = String(i); usePlace(i); return; }
          setWhere("点上方按钮定位，或选择所在地。", "Tap the button to use your location, or pick a place.", false);
          render();
        }).catch(function () {
          setWhere("暂时连不上服务器，请稍后刷新。", "Cannot reach the server; reload in a moment.", true);
        });
      }

      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
      else start();
    })();
    """#
}
