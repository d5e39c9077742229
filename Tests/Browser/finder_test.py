#!/usr/bin/python3
"""Browser test of the public station finder (GET /find) with a fixed geolocation.

Run by scripts/browser-tests.sh after the dashboard's tests, against the same service and
simulated fleet (Tests/Browser/scenario.json5), with:

  YIZHAN_URL       the service, e.g. http://127.0.0.1:PORT
  YIZHAN_REGISTRY  the registry the service and the simulator share
  SHOT_DIR         where screenshots go (finder-located.png)
  FINDER_LAT/LON   the position the browser reports (default 40.7000, 111.6000: the scenario's
                   fd-01 … fd-04 are around it, the two nearest not working)

The position reaches the page through the real browser API: DevTools'
Emulation.setGeolocationOverride, with the geolocation permission granted for the service's
origin (Browser.grantPermissions), then a click on 使用我的位置 (navigator.geolocation). Every
assertion is on the rendered DOM; the public feed is read only to wait until the simulator's
faults have reached the service. Every wait is on a condition, never a fixed sleep.
"""
import json
import math
import os
import sys
import urllib.request

from selenium.webdriver.common.by import By

from browser import make_driver, registry, run, waiter

URL = os.environ["YIZHAN_URL"].rstrip("/")
REGISTRY = os.environ["YIZHAN_REGISTRY"]
SHOTS = os.environ.get("SHOT_DIR", "var/browser-tests")
LAT = float(os.environ.get("FINDER_LAT", "40.7000"))
LON = float(os.environ.get("FINDER_LON", "111.6000"))
WAIT = float(os.environ.get("WAIT_SECONDS", "30"))
os.makedirs(SHOTS, exist_ok=True)


# {id: (name, lat, lon, unmanned)}
STATIONS = {s["id"]: (s["name"], s["lat"], s["lon"], s["unmanned"]) for s in registry(REGISTRY)}


def haversine(lat1, lon1, lat2, lon2):
    r, rad = 6_371_008.8, math.pi / 180
    a = (math.sin((lat2 - lat1) * rad / 2) ** 2
         + math.cos(lat1 * rad) * math.cos(lat2 * rad) * math.sin((lon2 - lon1) * rad / 2) ** 2)
    return 2 * r * math.asin(min(1, math.sqrt(a)))


def distance(sid):
    _, lat, lon, _ = STATIONS[sid]
    return haversine(LAT, LON, lat, lon)


def feed():
    """The public feed around the position: {id: properties}."""
    with urllib.request.urlopen(f"{URL}/api/v1/public/stations?lat={LAT}&lon={LON}&limit=50", timeout=10) as r:
        return {f["id"]: f["properties"] for f in json.loads(r.read().decode("utf-8"))["features"]}


d = make_driver(1000)
wait = waiter(d, WAIT)
results = []


def js(script, *args):
    return d.execute_script(script, *args)


def cards(list_id):
    """(station id, status class, text) of the cards of one list, in order, as rendered."""
    return js("""return Array.from(document.querySelectorAll('#' + arguments[0] + ' > li.card'))
                   .map(li => [li.dataset.station, li.dataset.status, li.innerText]);""", list_id)


def test(fn):
    results.append(fn)
    return fn


# The scenario's finder stations, by distance from the position.
NEAR = sorted((sid for sid in STATIONS if sid.startswith("fd-")), key=distance)
assert NEAR == ["fd-01", "fd-02", "fd-03", "fd-04"], f"the scenario's finder stations around the position: {NEAR}"


@test
def the_service_knows_which_nearby_stations_work():
    # Only a wait: the simulator's first samples (and its faults at +1 s) reach the service.
    def ready():
        f = feed()
        return (f.get("fd-01", {}).get("power") is False and f.get("fd-02", {}).get("water") is False
                and f.get("fd-03", {}).get("working") is True and f.get("fd-04", {}).get("working") is True)
    wait(ready, "the feed to show fd-01 without power, fd-02 without water, fd-03 and fd-04 working")


@test
def use_my_location_lists_the_nearest_working_station_first():
    origin = URL
    d.execute_cdp_cmd("Browser.grantPermissions", {"origin": origin, "permissions": ["geolocation"]})
    d.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": LAT, "longitude": LON, "accuracy": 20})
    d.get(URL + "/find")
    js("localStorage.clear()")   # no remembered place: the page waits for the button
    d.get(URL + "/find")
    wait(lambda: "定位" in d.find_element(By.ID, "where-status").text and d.find_elements(By.CSS_SELECTOR, "#place option[value='0']"),
         "the page to be ready for a position")
    assert not cards("list"), "no list before a position"
    d.find_element(By.ID, "locate").click()
    wait(lambda: "已按你的位置排序" in d.find_element(By.ID, "where-status").text, "the position from navigator.geolocation")
    assert "±20 m" in d.find_element(By.ID, "where-status").text
    wait(lambda: len(cards("list")) >= 2 and len(cards("list-down")) >= 2, "both lists")

    working = cards("list")
    down = cards("list-down")
    nearest = NEAR[0]
    nearest_working = next(sid for sid in NEAR if sid in ("fd-03", "fd-04"))
    # The first card: the nearest station that works, not the nearest station.
    first_id, first_status, first_text = working[0]
    assert first_id == nearest_working == "fd-03", f"first listed: {first_id}, expected fd-03: {working[:3]}"
    assert first_status == "working" and "正常开放" in first_text, first_text
    assert STATIONS["fd-03"][0] in first_text
    assert first_id != nearest and distance(nearest) < distance(first_id)
    # Its distance as the page writes it (haversine from the position): ~1.0 km.
    shown = d.find_element(By.CSS_SELECTOR, "#list > li.card .distance").text
    assert shown == "1 公里 km", f"distance shown: {shown!r} for {distance('fd-03'):.0f} m"
    # Every card of the first list works, nearest first.
    assert all(status == "working" for _, status, _ in working), working
    ids = [sid for sid, _, _ in working]
    assert ids[:2] == ["fd-03", "fd-04"], ids[:4]
    assert [distance(s) for s in ids] == sorted(distance(s) for s in ids), "nearest first"
    # The nearer stations that do not work are not in it: they follow, under their own heading,
    # marked with what is wrong.
    assert "fd-01" not in ids and "fd-02" not in ids
    assert d.find_element(By.ID, "down-title").is_displayed()
    assert "暂时不能正常使用" in d.find_element(By.ID, "down-title").text
    by_id = {sid: (status, text) for sid, status, text in down}
    assert [sid for sid, _, _ in down][:2] == ["fd-01", "fd-02"], down
    assert by_id["fd-01"][0] == "limited" and "停电" in by_id["fd-01"][1], by_id["fd-01"]
    assert by_id["fd-02"][0] == "limited" and "停水" in by_id["fd-02"][1], by_id["fd-02"]
    # Numbered after the working ones, on the cards and the sketch map alike.
    nums = js("return Array.from(document.querySelectorAll('#list > li .num, #list-down > li .num')).map(e => +e.textContent)")
    assert nums == list(range(1, len(nums) + 1)), nums
    labels = js("return Array.from(document.querySelectorAll('#map svg text')).map(e => e.textContent).filter(t => /^[0-9]+$/.test(t)).map(Number)")
    assert 1 in labels and set(labels) <= set(nums), labels
    summary = d.find_element(By.ID, "summary").text
    assert "正常开放的驿站排在前面" in summary and "列在后面" in summary, summary


@test
def hours_are_24h_only_for_unattended_stations():
    def hours(sid):
        return js("""const li = document.querySelector('li.card[data-station="' + arguments[0] + '"]');
                     return li ? li.querySelector('.hours').innerText : null;""", sid)
    assert "24小时" in hours("fd-03"), hours("fd-03")          # unattended
    # fd-04 is staffed and its registry entry gives no hours: unknown, never "24 h".
    h = hours("fd-04")
    assert "开放时间未知" in h and "24" not in h, h
    assert "开放时间未知" in js("""return document.querySelector('li.card[data-station="fd-04"] .status').innerText""")


@test
def screenshot_on_a_phone():
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 1700, "deviceScaleFactor": 1, "mobile": True})
    wait(lambda: js("return window.innerWidth") == 390, "the phone's width")
    path = os.path.join(SHOTS, "finder-located.png")
    d.save_screenshot(path)
    print(f"  screenshot {path}")
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@test
def nothing_from_elsewhere_and_no_console_errors():
    origins = set(js("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"))
    assert origins <= {URL}, f"requests outside the service: {origins - {URL}}"
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"console errors: {errors}"


sys.exit(run("finder", results, d, SHOTS))
