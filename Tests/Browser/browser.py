"""What the browser suites share: the registry they run against, a headless Debian chromium
driven through chromedriver, waiting on conditions, and the loop that runs the tests in order
and prints the closing line `SUITE: N passed, M failed`."""
import json
import os
import re
import traceback

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait


def registry(path):
    """Every station of the JSON5 registry file the simulator wrote: dicts with id, name, region,
    lat, lon and unmanned."""
    text = open(path, encoding="utf-8").read()
    out = []
    for m in re.finditer(r'\{id: "([^"]+)", name: "((?:[^"\\]|\\.)*)", region: "(\d{6})", lat: ([-0-9.e]+), '
                         r'lon: ([-0-9.e]+)(?:, unmanned: (true|false))?', text):
        out.append({"id": m.group(1), "name": json.loads('"' + m.group(2) + '"'), "region": m.group(3),
                    "lat": float(m.group(4)), "lon": float(m.group(5)), "unmanned": m.group(6) == "true"})
    return out


def make_driver(width):
    o = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              f"--window-size={width},1000", "--lang=zh-CN", "--force-device-scale-factor=1"]:
        o.add_argument(a)
    o.binary_location = "/usr/bin/chromium"
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def waiter(d, default_timeout):
    """wait(cond, what, timeout=None): until cond() is truthy. The pages re-render live data, so
    an element found a moment ago may be gone, or not there yet: both just mean "look again"."""
    def wait(cond, what, timeout=None):
        try:
            return WebDriverWait(d, timeout or default_timeout, poll_frequency=0.1,
                                 ignored_exceptions=[StaleElementReferenceException, NoSuchElementException]
                                 ).until(lambda _: cond())
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}")
    return wait


def run(suite, tests, d, shots):
    """Runs the tests in order (each may build on the page the previous one left); a failure
    leaves a screenshot. Returns the exit code."""
    passed = failed = 0
    try:
        for fn in tests:
            try:
                fn()
                passed += 1
                print(f"ok   {fn.__name__}")
            except Exception as e:  # noqa: BLE001 — any failure is the test's, reported and counted
                failed += 1
                print(f"FAIL {fn.__name__}: {e}")
                traceback.print_exc()
                try:
                    d.save_screenshot(os.path.join(shots, f"failed-{fn.__name__}.png"))
                except Exception:  # noqa: BLE001
                    pass
    finally:
        d.quit()
    print(f"{suite}: {passed} passed, {failed} failed")
    return 1 if failed else 0
