#!/usr/bin/python3
"""Browser test of the dashboard's coverage holes (issue 11, item 3).

Run by scripts/browser-tests.sh against the fleet of Tests/Browser/scenario.json5, where fd-01
(Hohhot, Yuquan district) loses mains from the start: after mains_lost's 60 s it is down, and
the map must show the part of its 1 km walking circle no working station covers. Environment as
for dashboard_test.py (YIZHAN_URL, YIZHAN_REGISTRY, SHOT_DIR).

The check is on the canvas the layer draws: red inside fd-01's circle where no working circle
reaches (points chosen here with the same great-circle distances), transparent where a working
station's circle covers, and transparent outside the circle.
"""
import json
import math
import os
import sys
import urllib.request

from browser import make_driver, registry, run, waiter

URL = os.environ["YIZHAN_URL"].rstrip("/")
REGISTRY = os.environ["YIZHAN_REGISTRY"]
SHOTS = os.environ.get("SHOT_DIR", "var/browser-tests")
DOWN = os.environ.get("DOWN_STATION", "fd-01")
WAIT = float(os.environ.get("WAIT_SECONDS", "30"))
os.makedirs(SHOTS, exist_ok=True)
PLACES = {s["id"]: (s["lat"], s["lon"]) for s in registry(REGISTRY)}
assert DOWN in PLACES, f"registry {REGISTRY} has no station {DOWN}"


def api(path):
    with urllib.request.urlopen(URL + path, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))


def metres(a, b):
    """Great-circle distance, as the service computes it."""
    r = 6371008.8
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1, math.sqrt(h)))


def offset(p, north, east):
    return (p[0] + north / 111194.93, p[1] + east / (111194.93 * math.cos(math.radians(p[0]))))


d = make_driver(1280)
wait = waiter(d, WAIT)
results = []
hole = {}


def js(script, *args):
    return d.execute_script(script, *args)


def alpha(lat, lon):
    """The hole canvas's alpha at a place (0 to 255)."""
    return js("""
        const p = leafletMap.latLngToContainerPoint([arguments[0], arguments[1]]);
        const c = document.querySelector('canvas.hole-canvas');
        const r = window.devicePixelRatio || 1;
        return c.getContext('2d').getImageData(Math.round(p.x * r), Math.round(p.y * r), 1, 1).data[3];
    """, lat, lon)


def test(fn):
    results.append(fn)
    return fn


@test
def the_service_reports_the_hole_of_the_station_that_is_down():
    def found():
        for h in api("/api/v1/coverage/holes")["holes"]:
            if h["id"] == DOWN:
                hole.update(h)
                return True
        return False
    wait(found, f"{DOWN} down (mains_lost fires 60 s after the cut)", timeout=WAIT + 120)
    assert hole["uncovered_m2"] > 0, hole
    assert hole["alternative"] is not None, hole


@test
def the_map_shows_the_hole_and_not_the_covered_part():
    d.get(URL + "/")
    wait(lambda: js("return document.body && document.body.dataset.ready === '1'"), "the dashboard to load")
    centre = PLACES[DOWN]
    js("leafletMap.setView([arguments[0], arguments[1]], 14, {animate: false})", *centre)
    wait(lambda: int(js("return +document.getElementById('map').dataset.holes || 0")) >= 1, "the hole layer's data")
    radius = 1000.0

    def probes():
        """(uncovered, covered) points of the circle, 30 m clear of every edge, from the hole as
        the service has it now (another station may go down meanwhile)."""
        now = next((h for h in api("/api/v1/coverage/holes")["holes"] if h["id"] == DOWN), None)
        if now is None:
            return None
        hole.update(now)
        borders = [tuple(b) for b in now["borders"]]
        open_points, covered_points = [], []
        for ring in range(1, 10):
            for k in range(24):
                t = 2 * math.pi * k / 24
                p = offset(centre, ring * 100 * math.cos(t), ring * 100 * math.sin(t))
                if metres(p, centre) > radius - 30:
                    continue
                nearest = min((metres(p, b) for b in borders), default=1e9)
                if nearest > radius + 30:
                    open_points.append(p)
                elif nearest < radius - 30:
                    covered_points.append(p)
        return open_points, covered_points

    def drawn():
        found = probes()
        if not found or not found[0]:
            return False
        open_points, covered_points = found
        if all(alpha(*p) > 40 for p in open_points) and all(alpha(*p) == 0 for p in covered_points):
            return found
        return False
    open_points, covered_points = wait(drawn, "red exactly where no working circle reaches", timeout=WAIT + 20)
    assert covered_points or not hole["borders"], "some probes fall where a working station covers"
    outside = [offset(centre, 1300 * math.cos(t), 1300 * math.sin(t)) for t in (0.3, 1.9, 3.5, 5.1)]
    assert all(alpha(*p) == 0 for p in outside), "nothing drawn outside the circle"
    print(f"  {len(open_points)} probes red, {len(covered_points)} covered probes clear, hole {hole['uncovered_m2']:.0f} m², "
          f"nearest working {hole['alternative']['id']} at {hole['alternative']['distance_m']:.0f} m")
    d.save_screenshot(os.path.join(SHOTS, "coverage-hole.png"))
    print(f"  screenshot {os.path.join(SHOTS, 'coverage-hole.png')}")


@test
def the_overview_shows_todays_visits_per_league():
    # The card under the league table: one row per league, today's total as the API has it.
    def shown():
        rows = js("return [...document.querySelectorAll('#visits-table tbody tr')].map(r => r.dataset.region)")
        total = js("return document.getElementById('visits-table').dataset.total")
        return rows and total is not None and (rows, int(total))
    rows, total = wait(shown, "the visits card")
    api_today = api("/api/v1/visits")
    assert rows == [r["code"] for r in api_today["regions"]], rows
    # The page polls once a minute; the API's running count only grows.
    assert 0 <= total <= api_today["total"], (total, api_today["total"])
    d.execute_script("document.getElementById('visits-table').scrollIntoView()")
    d.save_screenshot(os.path.join(SHOTS, "visits-card.png"))


@test
def the_station_page_shows_its_visits():
    station = "fd-03"
    d.get(URL + "/station/" + station)
    wait(lambda: js("return document.body && document.body.dataset.ready === '1'"), "the station page to load")
    shown = wait(lambda: js("const e = document.getElementById('station-visits'); return e && e.dataset.today"),
                 "the station's visits")
    assert 0 <= int(shown) <= api("/api/v1/visits?station=" + station)["total"], shown


sys.exit(run("coverage", results, d, SHOTS))
