#!/usr/bin/python3
"""Browser tests of the live operations dashboard (GET /) and the station page.

Run by scripts/browser-tests.sh, which starts mosquitto, `yizhan serve` (with an API token)
and `firmware-sim run` on the fleet of Tests/Browser/scenario.json5, then this script with:

  YIZHAN_URL       the service, e.g. http://127.0.0.1:PORT
  YIZHAN_TOKEN     its API token
  YIZHAN_REGISTRY  the registry the service and the simulator share
  LEAK_STATION     the station whose leak fires an alert at once
  SHOT_DIR         where screenshots go (dashboard.png, station.png, …)

Drives Debian's chromium (headless) through Debian's chromedriver with Selenium, and asserts
from the rendered DOM only; every wait is on a condition, never a fixed sleep.
"""
import json
import os
import sys
import urllib.request

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser import make_driver, registry, run, waiter

URL = os.environ["YIZHAN_URL"].rstrip("/")
TOKEN = os.environ["YIZHAN_TOKEN"]
REGISTRY = os.environ["YIZHAN_REGISTRY"]
LEAK = os.environ.get("LEAK_STATION", "xss-01")
SHOTS = os.environ.get("SHOT_DIR", "var/browser-tests")
OPERATOR = "值班员小李"
WAIT = float(os.environ.get("WAIT_SECONDS", "30"))

os.makedirs(SHOTS, exist_ok=True)


STATIONS = [(s["id"], s["name"], s["region"]) for s in registry(REGISTRY)]
PLACES = {s["id"]: (s["lat"], s["lon"]) for s in registry(REGISTRY)}
NAMES = {sid: name for sid, name, _ in STATIONS}
assert STATIONS and LEAK in NAMES, f"registry {REGISTRY} has no station {LEAK}"


def api(path):
    with urllib.request.urlopen(URL + path, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))


d = make_driver(1440)
wait = waiter(d, WAIT)
results = []


def click(css, what=None):
    """Clicks the element that matches `css` now (found afresh until the click lands)."""
    def attempt():
        found = d.find_elements(By.CSS_SELECTOR, css)
        if not found:
            return False
        found[0].click()
        return True
    wait(attempt, what or css)


def text(css):
    """The text of the element that matches `css` now ("" when there is none)."""
    def attempt():
        found = d.find_elements(By.CSS_SELECTOR, css)
        return (found[0].text if found else "",)
    return wait(attempt, css)[0]


def js(script, *args):
    return d.execute_script(script, *args)


def ready():
    return js("return document.body && document.body.dataset.ready === '1'")


def open_page(path):
    d.get(URL + path)
    wait(ready, f"{path} to load")


def shot(name):
    path = os.path.join(SHOTS, name)
    d.save_screenshot(path)
    print(f"  screenshot {path}")


def full_height_shot(name, width=1440):
    """The whole page: the viewport is made as tall as the document (DevTools' device metrics)."""
    height = js("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": min(height, 4000), "deviceScaleFactor": 1, "mobile": False})
    wait(lambda: js("return window.innerHeight") >= min(height, 4000) - 2, "the viewport to grow")
    wait(lambda: js("return document.getElementById('map') === null || +document.getElementById('map').dataset.drawMs >= 0"),
         "the map to redraw")
    shot(name)
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test(fn):
    results.append(fn)
    return fn


def alert_item(station, rule="leak"):
    items = d.find_elements(By.CSS_SELECTOR, f'#alert-list li[data-station="{station}"][data-rule="{rule}"]')
    return items[0] if items else None


# ---- the tests, in order (each builds on the page the previous one left) -------------------

@test
def dashboard_shows_fleet_map_and_the_firing_alert():
    open_page("/")
    n = len(STATIONS)
    wait(lambda: js("return document.getElementById('map').dataset.markerCount") == str(n),
         f"the map to hold {n} markers")
    wait(lambda: text("#kpi-stations .kpi-value") == str(n), "the station count")
    # Every league of the fleet has a row in the summary, with its Chinese name.
    regions = sorted({r for _, _, r in STATIONS})
    wait(lambda: [r.get_attribute("data-region") for r in d.find_elements(By.CSS_SELECTOR, "#league-table tbody tr")]
         == regions, "one row per league")
    assert "呼和浩特市" in text("#league-table tbody tr")
    # Stations come online as the simulator's samples arrive.
    wait(lambda: int(text("#kpi-online .kpi-value").replace(",", "").replace("—", "") or 0) >= n - 1,
         "the stations to be online")
    # The leak fires at once: it is in the list, and its station is red on the map.
    wait(lambda: alert_item(LEAK) and alert_item(LEAK).get_attribute("data-state") == "firing", "the leak alert in the list")
    wait(lambda: NAMES[LEAK] in alert_item(LEAK).text, "the station's name, shown as text")
    wait(lambda: int(js("return document.getElementById('map').dataset.countCritical") or 0) >= 1,
         "a critical marker on the map")
    wait(lambda: int(text("#kpi-critical .kpi-value").replace("—", "") or 0) >= 1, "the critical count")


@test
def device_and_registry_text_is_never_markup():
    # The station named "<script>alert(1)</script><img …>" is on the page as text: no alert
    # opened (Selenium would raise), no element made from it.
    assert NAMES[LEAK].startswith("<script>")
    wait(lambda: alert_item(LEAK).find_element(By.CSS_SELECTOR, ".alert-station").text == NAMES[LEAK], "the name as text")
    assert js("return document.querySelectorAll('#alert-list img, #alert-list script').length") == 0
    assert js("return document.querySelectorAll('script').length") == js(
        "return document.querySelectorAll('script[src]').length"), "only the page's own scripts"


@test
def screenshot_of_the_dashboard():
    wait(lambda: js("return document.getElementById('live-status').dataset.state") == "ok", "the live indicator")
    full_height_shot("dashboard.png")


@test
def hovering_a_marker_names_the_station_and_clicking_opens_it():
    # The leak's station: the critical marker nearest its registered place (other stations of
    # the fleet turn critical too while the tests run, e.g. the finder's mains cut after 60 s).
    n_index = js("""
        const [lat, lon] = arguments;
        const s = S.map; if (!s) return -1;
        let best = -1, bestD = Infinity;
        for (let i = 0; i < s.count; i++) {
          if (s.codes[i] !== 3) continue;
          const d = (s.lat[i] - lat) ** 2 + (s.lon[i] - lon) ** 2;
          if (d < bestD) { best = i; bestD = d; }
        }
        return best;""", *PLACES[LEAK])
    assert n_index >= 0, "a critical station on the map"
    # Zoom onto it, so it is alone under the pointer, then move the pointer there.
    js("leafletMap.setView([S.map.lat[arguments[0]], S.map.lon[arguments[0]]], 10, {animate: false});", n_index)
    wait(lambda: js("return +document.getElementById('map').dataset.drawnCount") >= 1, "the redraw")
    point = js("""
        const p = leafletMap.latLngToContainerPoint([S.map.lat[arguments[0]], S.map.lon[arguments[0]]]);
        const r = document.getElementById('map').getBoundingClientRect();
        return [p.x - r.width / 2, p.y - r.height / 2];""", n_index)
    m = d.find_element(By.ID, "map")
    ActionChains(d).move_to_element_with_offset(m, int(point[0]), int(point[1])).perform()
    tip = d.find_element(By.ID, "map-tip")
    wait(lambda: tip.is_displayed() and NAMES[LEAK] in tip.text, "the tooltip with the station's name")
    assert LEAK in tip.text
    ActionChains(d).click().perform()
    wait(lambda: d.current_url.endswith("/station/" + LEAK), "the station page")


@test
def station_page_shows_values_alerts_history_and_charts():
    wait(ready, "the station page to load")
    wait(lambda: text("#station-name") == NAMES[LEAK], "the station's name as the title")
    wait(lambda: d.find_element(By.ID, "station-state").get_attribute("data-state") == "critical", "the critical badge")
    wait(lambda: text('#latest .metric[data-metric="leak"] .metric-value') == "漏水", "the latest leak value")
    wait(lambda: d.find_elements(By.CSS_SELECTOR, '#open-alerts li[data-rule="leak"]'), "the open alert")
    wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "#charts .chart svg path.line")) >= 4, "charts of the metrics")
    # The history expands to the transitions and their evidence.
    click("#history li .history-row", "the history row")
    wait(lambda: "leak = true" in text("#history li .history-detail"), "the evidence of the leak")
    # Another window (the series endpoint's step).
    click('#window-buttons button[data-window="6h"]')
    wait(lambda: "2m" in text("#charts .chart .chart-title"), "the 6 h window")
    assert "window=6h" in d.current_url, d.current_url
    full_height_shot("station.png")
    # Each window joins buckets one step apart into a line (a gap is more than three of its
    # steps): the 7 d, 30 d and 1 y windows once drew each point as a gap of its own, so nothing.
    for key in ("6h", "24h", "7d", "30d", "1y"):
        path = js("""const w = WINDOWS.find((w) => w.key === arguments[0]), saved = [P.window, P.range];
            P.window = w; P.range = [0, 10 * w.stepMs];
            const d = lineChart("fridge_c", [[0, 1], [w.stepMs, 2], [2 * w.stepMs, 3], [7 * w.stepMs, 2]], 400)
                .querySelector("path.line").getAttribute("d");
            [P.window, P.range] = saved;
            return d;""", key)
        assert path.count("L") == 2 and path.count("M") == 2, f"{key}: {path}"
    # Value labels on the y axis are all different, also for a series that hardly moves.
    for values in ([99.99, 100, 100], [3.9, 4.1, 4.0], [0, 7.5, 2], [1200, 1350, 1300]):
        labels = js("""const w = WINDOWS[0], saved = [P.window, P.range];
            P.window = w; P.range = [0, 10 * w.stepMs];
            const pts = arguments[0].map((v, k) => [k * w.stepMs, v]);
            const out = [...lineChart("battery_pct", pts, 400).querySelectorAll("text.y-tick")].map((t) => t.textContent);
            [P.window, P.range] = saved;
            return out;""", values)
        assert len(labels) >= 2 and len(set(labels)) == len(labels), f"{values}: {labels}"


@test
def acknowledging_in_place_asks_name_and_token_and_reaches_the_server():
    open_page("/")
    alert_id = wait(lambda: alert_item(LEAK) and alert_item(LEAK).get_attribute("data-alert-id"), "the leak alert")
    assert api(f"/api/v1/alerts/{alert_id}")["acked_by"] is None
    click(f'#alert-list li[data-alert-id="{alert_id}"] button[data-action="ack"]', "the ack button")
    # First the operator's name (asked once, kept), then the API answers 401: the token.
    name = wait(lambda: d.find_elements(By.ID, "dlg-name") or None, "the name prompt")[0]
    name.send_keys(OPERATOR)
    d.find_element(By.ID, "dlg-ok").click()
    token = wait(lambda: d.find_elements(By.ID, "dlg-token") or None, "the token prompt")[0]
    token.send_keys(TOKEN)
    d.find_element(By.ID, "dlg-ok").click()
    wait(lambda: api(f"/api/v1/alerts/{alert_id}")["acked_by"] == OPERATOR, "acked_by on the server")
    wait(lambda: alert_item(LEAK).get_attribute("data-acked") == "1", "the list to show the ack")
    wait(lambda: OPERATOR in alert_item(LEAK).text, "the operator's name in the list")
    assert js("return sessionStorage.getItem('yizhan.token')") == TOKEN, "the token is kept for the tab"


@test
def silencing_in_place():
    click(f'#alert-list li[data-station="{LEAK}"][data-rule="leak"] button[data-action="silence"]', "the silence button")
    reason = wait(lambda: d.find_elements(By.ID, "dlg-reason") or None, "the silence dialog")[0]
    reason.send_keys("维修人员已出发")
    d.find_element(By.ID, "dlg-ok").click()
    wait(lambda: any("已静默" in t.text for t in d.find_elements(By.CSS_SELECTOR, ".toast")), "the silence to be confirmed")


@test
def filters_by_league_severity_and_state():
    league = Select(d.find_element(By.ID, "league-filter"))
    league.select_by_value("150200")
    baotou = len([s for s in STATIONS if s[2] == "150200"])
    wait(lambda: js("return document.getElementById('map').dataset.markerCount") == str(baotou), "Baotou's markers")
    wait(lambda: alert_item(LEAK) is None, "Hohhot's alert to be filtered out")
    league.select_by_value("150100")
    wait(lambda: alert_item(LEAK) is not None, "Hohhot's alert")
    Select(d.find_element(By.ID, "alert-severity")).select_by_value("warning")
    wait(lambda: alert_item(LEAK) is None, "only warnings")
    Select(d.find_element(By.ID, "alert-severity")).select_by_value("")
    Select(d.find_element(By.ID, "alert-state")).select_by_value("unacked")
    wait(lambda: alert_item(LEAK) is None, "acked alerts hidden from 'unacknowledged'")
    Select(d.find_element(By.ID, "alert-state")).select_by_value("acked")
    wait(lambda: alert_item(LEAK) is not None, "acked alerts")
    league.select_by_value("")
    Select(d.find_element(By.ID, "alert-state")).select_by_value("open")


@test
def station_list_rejects_and_reports():
    click('#tabs a[data-view="stations"]')

    def leak_among_the_critical_first():
        # Most urgent first: the leak's station with the critical ones at the top (another
        # station of the fleet may be critical by now too: the finder's mains cut).
        rows = [(r.get_attribute("data-station"), r.find_element(By.CSS_SELECTOR, ".state-pill").get_attribute("class"))
                for r in d.find_elements(By.CSS_SELECTOR, "#station-table tbody tr")]
        ids = [sid for sid, _ in rows]
        return LEAK in ids and all("state-bg-critical" in cls for _, cls in rows[:ids.index(LEAK) + 1])
    wait(leak_among_the_critical_first, "the critical station first in the list")
    wait(lambda: NAMES[LEAK] in text(f'#station-table tbody tr[data-station="{LEAK}"]'), "its name as text")
    box = d.find_element(By.ID, "station-search")
    box.send_keys("包头")
    wait(lambda: {r.get_attribute("data-station") for r in d.find_elements(By.CSS_SELECTOR, "#station-table tbody tr")}
         == {s for s, _, r in STATIONS if r == "150200"}, "the search")
    click('#tabs a[data-view="rejects"]')
    wait(lambda: d.find_elements(By.CSS_SELECTOR, "#reject-table tbody tr"), "the rejected input")
    shot("rejects.png")
    click('#tabs a[data-view="reports"]')
    link = wait(lambda: "from=" in (d.find_element(By.ID, "report-current").get_attribute("href") or "")
                and d.find_element(By.ID, "report-current").get_attribute("href"), "the report link")
    assert "/api/v1/reports/uptime?format=html" in link
    with urllib.request.urlopen(link, timeout=30) as r:
        assert r.status == 200 and "text/html" in r.headers.get("Content-Type", "")


@test
def english_is_one_click_away_and_remembered():
    click('#tabs a[data-view="overview"]')
    click("#lang-switch")
    wait(lambda: text(".brand-text strong") == "Yizhan Operations", "English")
    open_page("/")
    assert d.find_element(By.CSS_SELECTOR, ".brand-text strong").text == "Yizhan Operations", "kept in localStorage"
    wait(lambda: alert_item(LEAK) and "Leak" in alert_item(LEAK).text, "the alert in English")
    shot("dashboard-en.png")
    click("#lang-switch")
    wait(lambda: text(".brand-text strong") == "驿站运维监控", "Chinese again")


@test
def the_page_fetched_nothing_from_elsewhere_and_logged_no_errors():
    origins = set(js("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"))
    assert origins <= {URL}, f"requests outside the service: {origins - {URL}}"
    # The one 401 is the ack before the token was given (the page then asks for it).
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"
              and not ("/ack" in e["message"] and "401" in e["message"])]
    assert not errors, f"console errors: {errors}"


sys.exit(run("browser", results, d, SHOTS))
