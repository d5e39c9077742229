#!/usr/bin/python3
"""Page load and memory of the dashboard (GET /) and the finder (GET /find) in Chromium.

Run by Benchmarks/dashboard-scale.sh against a running service with a live fleet:

  YIZHAN_URL     the service, e.g. http://127.0.0.1:PORT
  LOADS          how many cold loads per page (default 5); the medians are printed
  FIND_LAT/LON   the finder's position (default Hohhot, 40.8420, 111.7490)
  LABEL          a label for the output (e.g. the fleet)

Each load is a fresh headless Chromium (Debian's, through chromedriver and Selenium; no cache,
a new profile) with --enable-precise-memory-info. Measured per load:

  dashboard  navigation timing (responseEnd, DOMContentLoaded, load), the map payload's fetch
             (bytes, ms), when the map first draws the whole fleet (markers_ms: the first draw
             whose data-marker-count is the fleet's size; first_drawn of them were in view, in
             first_draw_ms of canvas work) and when every station is on screen (all_drawn_ms:
             the first draw whose data-drawn-count is the fleet's size, after the page fits the
             map to the fleet; all_draw_ms of canvas work), observed from the start of the
             document by a MutationObserver injected through DevTools, all in ms since navigation
             start; when the page says it is ready (body data-ready: summary, alerts and the
             first live poll applied); the JS heap
             (performance.memory.usedJSHeapSize after a forced garbage collection, 3 s after the
             markers are drawn) and the RSS of the page's renderer process (/proc/PID/status
             VmRSS and PSS; the largest renderer of this browser) and the PSS of all its processes.
  finder     the same navigation timing with ?lat=&lon=, the near feed's fetch (limit=200), the
             time until the first station card is in the list, heap and renderer RSS.
  feed       the whole public feed (GET /api/v1/public/stations, no query): bytes, gzip -6 bytes
             (what a compressing proxy would send), and time to the last byte, from Python.

Prints one line per load and then the medians, as text and as one JSON line (prefix "JSON ").
"""
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["YIZHAN_URL"].rstrip("/")
LOADS = int(os.environ.get("LOADS", "5"))
LAT = float(os.environ.get("FIND_LAT", "40.8420"))
LON = float(os.environ.get("FIND_LON", "111.7490"))
LABEL = os.environ.get("LABEL", "")
TIMEOUT = float(os.environ.get("TIMEOUT", "180"))

# Installed before any page script runs: notes when the map first reports the whole fleet drawn
# and when the finder's first card appears (performance.now(): ms since navigation start).
OBSERVER = r"""
(function () {
  window.__yz = { markers: [], firstCard: null };
  new MutationObserver(function (records) {
    for (const r of records) {
      const t = r.target;
      if (r.type === "attributes" && t.id === "map" && r.attributeName === "data-drawn-count") {
        window.__yz.markers.push([performance.now(), +t.dataset.markerCount, +(t.dataset.drawnCount || 0), +(t.dataset.drawMs || 0)]);
      }
      if (r.type === "childList" && window.__yz.firstCard === null && document.querySelector("#list li.card")) {
        window.__yz.firstCard = performance.now();
      }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-marker-count", "data-drawn-count"] });
})();
"""


def api(path):
    with urllib.request.urlopen(URL + path, timeout=120) as r:
        return json.loads(r.read().decode("utf-8"))


def make_driver():
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1000",
              "--lang=zh-CN", "--enable-precise-memory-info", "--disable-extensions"]:
        o.add_argument(a)
    o.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def descendants(pid):
    """Every process below pid (from /proc)."""
    children = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid):
    """Proportional set size: shared pages divided among their users, so a sum over processes
    does not count the shared libraries once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def memory(d):
    """{renderer_rss_mib, renderer_pss_mib, chromium_pss_mib}: the page's renderer (the largest
    renderer of this driver's browser) and the PSS of all the browser's processes."""
    procs = [p for p in descendants(d.service.process.pid) if "chromium" in cmdline(p) or "chrome" in cmdline(p)]
    renderers = [p for p in procs if "--type=renderer" in cmdline(p)]
    page = max(renderers, key=rss_kib, default=None)
    return {"renderer_rss_mib": rss_kib(page) / 1024 if page else 0, "renderer_pss_mib": pss_kib(page) / 1024 if page else 0,
            "chromium_pss_mib": sum(pss_kib(p) for p in procs) / 1024}


def heap_after_gc(d):
    d.execute_cdp_cmd("HeapProfiler.enable", {})
    d.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    return d.execute_script("return performance.memory.usedJSHeapSize") / 2**20


def wait(d, cond, what):
    try:
        return WebDriverWait(d, TIMEOUT, poll_frequency=0.05).until(lambda _: cond())
    except TimeoutException:
        raise SystemExit(f"timed out waiting for {what}")


def navigation(d):
    n = d.execute_script("return performance.getEntriesByType('navigation')[0].toJSON()")
    return {"response_ms": n["responseEnd"], "dcl_ms": n["domContentLoadedEventEnd"], "load_ms": n["loadEventEnd"]}


def resource(d, fragment):
    r = d.execute_script("""return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0]))
                            .map(e => e.toJSON())[0] || null""", fragment)
    return (r["duration"], r["encodedBodySize"]) if r else (None, None)


def load_dashboard(count):
    d = make_driver()
    try:
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVER})
        d.get(URL + "/")
        wait(d, lambda: d.execute_script("return document.body.dataset.ready === '1'"), "the dashboard to be ready")
        ready_ms = d.execute_script("return performance.now()")
        wait(d, lambda: any(m[1] == count for m in d.execute_script("return window.__yz.markers")), f"{count} markers drawn")
        # Every station on screen: the page fits the map to the fleet after its first draw.
        try:
            WebDriverWait(d, 20, poll_frequency=0.05).until(
                lambda _: any(m[2] == count for m in d.execute_script("return window.__yz.markers")))
        except TimeoutException:
            pass
        marks = d.execute_script("return window.__yz.markers")
        first = next(m for m in marks if m[1] == count)
        full = next((m for m in marks if m[2] == count), None)
        time.sleep(3)
        row = navigation(d)
        map_ms, map_bytes = resource(d, "/api/v1/map")
        row.update({"ready_ms": ready_ms, "markers_ms": first[0], "first_drawn": first[2], "first_draw_ms": first[3],
                    "all_drawn_ms": full[0] if full else None, "all_draw_ms": full[3] if full else None,
                    "map_fetch_ms": map_ms, "map_bytes": map_bytes})
        row["heap_mib"] = heap_after_gc(d)
        row.update(memory(d))
        return row
    finally:
        d.quit()


def load_finder():
    d = make_driver()
    try:
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": OBSERVER})
        d.get(f"{URL}/find?lat={LAT}&lon={LON}")
        wait(d, lambda: d.execute_script("return window.__yz.firstCard !== null"), "the first station card")
        time.sleep(2)
        row = navigation(d)
        feed_ms, feed_bytes = resource(d, "/api/v1/public/stations")
        row.update({"first_card_ms": d.execute_script("return window.__yz.firstCard"),
                    "cards": d.execute_script("return document.querySelectorAll('li.card').length"),
                    "near_feed_fetch_ms": feed_ms, "near_feed_bytes": feed_bytes})
        row["heap_mib"] = heap_after_gc(d)
        row.update(memory(d))
        return row
    finally:
        d.quit()


def whole_feed():
    t0 = time.perf_counter()
    with urllib.request.urlopen(URL + "/api/v1/public/stations", timeout=300) as r:
        first = time.perf_counter()
        body = r.read()
    t1 = time.perf_counter()
    n = body.count(b'"type":"Feature"')
    return {"feed_bytes": len(body), "feed_gzip_bytes": len(gzip.compress(body, 6)), "feed_features": n,
            "feed_first_byte_ms": (first - t0) * 1000, "feed_ms": (t1 - t0) * 1000}


def median_row(rows):
    out = {}
    for k in rows[0]:
        vals = [r[k] for r in rows if isinstance(r.get(k), (int, float))]
        if vals:
            out[k] = statistics.median(vals)
    return out


def show(name, row):
    def f(v):
        return f"{v:,.1f}" if isinstance(v, float) else f"{v:,}"
    print(f"  {name}: " + ", ".join(f"{k} {f(v)}" for k, v in row.items()), flush=True)


def main():
    summary = api("/api/v1/dashboard/summary")
    count = summary["total"]["stations"]
    print(f"{LABEL or URL}: {count:,} stations ({summary['total']['nodata']:,} never heard, "
          f"{summary['total']['online']:,} online), {LOADS} cold loads per page", flush=True)
    version = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    version = version.replace(" built on Debian GNU/Linux 12 (bookworm)", "")
    print(f"  browser: {version}, headless, 1440×1000", flush=True)

    dash = []
    for i in range(LOADS):
        dash.append(load_dashboard(count))
        show(f"/ load {i + 1}", dash[-1])
    find = []
    for i in range(LOADS):
        find.append(load_finder())
        show(f"/find load {i + 1}", find[-1])
    feeds = []
    for i in range(LOADS):
        feeds.append(whole_feed())
        show(f"feed {i + 1}", feeds[-1])
        time.sleep(1.1)   # past the feed's 1 s cache: each request renders it afresh

    result = {"label": LABEL, "stations": count, "loads": LOADS, "browser": version,
              "dashboard": median_row(dash), "finder": median_row(find), "feed": median_row(feeds)}
    print("medians:")
    show("/", result["dashboard"])
    show("/find", result["finder"])
    show("feed", result["feed"])
    print("JSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
