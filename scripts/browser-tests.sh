#!/usr/bin/env bash
# Browser tests of the live operations dashboard (Tests/Browser/dashboard_test.py) and the public
# station finder (Tests/Browser/finder_test.py): a real headless chromium (Debian's, driven by
# Debian's chromedriver through python3-selenium) against the real service, with a private
# mosquitto and a small simulated fleet (Tests/Browser/scenario.json5: one leak, one garbage
# message, and around the finder's fixed position a mains cut and a water cut). Part of
# `make test`; fails loudly when anything it needs is missing.
#
#   scripts/browser-tests.sh                 # screenshots to var/browser-tests/
#   SHOT_DIR=docs scripts/browser-tests.sh   # refresh docs/dashboard.png, docs/station.png, …
#
# Needs the debug build (swift build) and the Debian packages of scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-.build/debug}
scenario=${SCENARIO:-Tests/Browser/scenario.json5}
shots=${SHOT_DIR:-var/browser-tests}
out=var/browser-run
py=/usr/bin/python3   # Debian's python, which python3-selenium is installed for

missing=()
[ -x /usr/bin/chromium ] || missing+=("chromium (Debian package chromium)")
[ -x /usr/bin/chromedriver ] || missing+=("chromedriver (Debian package chromium-driver)")
[ -x "$py" ] && "$py" -c 'import selenium' 2>/dev/null || missing+=("selenium for $py (Debian package python3-selenium)")
[ -f /usr/share/javascript/leaflet/leaflet.js ] || missing+=("Leaflet (Debian package libjs-leaflet)")
command -v mosquitto >/dev/null || missing+=("mosquitto (Debian package mosquitto)")
for b in yizhan firmware-sim; do [ -x "$bin/$b" ] || missing+=("$bin/$b (swift build)"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "browser tests: FAILED, missing: ${missing[*]}" >&2
  echo "  run scripts/install-deps.sh and swift build" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out" "$shots"
port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mqtt=$(port)
http=$(port)
token="browser-$RANDOM$RANDOM"
cat > "$out/mosquitto.conf" <<CONF
listener $mqtt 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
CONF
[ "$(id -u)" -eq 0 ] && echo "user root" >> "$out/mosquitto.conf"

broker="" service="" sim=""
cleanup() {
  [ -n "$sim" ] && kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null || true
  [ -n "$service" ] && kill "$service" 2>/dev/null && wait "$service" 2>/dev/null || true
  [ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

mosquitto -c "$out/mosquitto.conf" > "$out/mosquitto.log" 2>&1 &
broker=$!
"$bin/firmware-sim" plan --scenario "$scenario" --write-registry "$out/stations.json5" > "$out/plan.txt"
echo '{}' > "$out/empty.json5"
"$bin/yizhan" serve --config "$out/empty.json5" --broker "mqtt://127.0.0.1:$mqtt" --db "$out/yizhan.db" \
  --stations "$out/stations.json5" --rules config/rules.json5 --http "127.0.0.1:$http" \
  --client-id "browser-tests-$$" --api-token "$token" 2> "$out/service.log" &
service=$!
for _ in $(seq 1 300); do
  grep -qs "ready: subscribed" "$out/service.log" && break
  kill -0 "$service" 2>/dev/null || { echo "browser tests: FAILED, the service did not start:" >&2; cat "$out/service.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "ready: subscribed" "$out/service.log" || { echo "browser tests: FAILED, the service never became ready" >&2; cat "$out/service.log" >&2; exit 1; }
"$bin/firmware-sim" run --scenario "$scenario" --broker "mqtt://127.0.0.1:$mqtt" --progress 60s > "$out/sim.log" 2>&1 &
sim=$!
echo "browser tests: service on 127.0.0.1:$http, broker on 127.0.0.1:$mqtt, files in $out, screenshots in $shots" >&2

status=0
YIZHAN_URL="http://127.0.0.1:$http" YIZHAN_TOKEN="$token" YIZHAN_REGISTRY="$out/stations.json5" \
  LEAK_STATION="${LEAK_STATION:-xss-01}" SHOT_DIR="$shots" \
  "$py" Tests/Browser/dashboard_test.py || status=$?
# Coverage holes on the map: fd-01's mains cut leaves part of its walking circle uncovered.
YIZHAN_URL="http://127.0.0.1:$http" YIZHAN_REGISTRY="$out/stations.json5" SHOT_DIR="$shots" \
  "$py" Tests/Browser/coverage_test.py || status=$?
# The public finder: a fixed geolocation through the browser's own API, nearest working station first.
YIZHAN_URL="http://127.0.0.1:$http" YIZHAN_REGISTRY="$out/stations.json5" SHOT_DIR="$shots" \
  "$py" Tests/Browser/finder_test.py || status=$?
if [ "$status" -ne 0 ]; then
  echo "browser tests: FAILED (exit $status); the service's log:" >&2
  tail -n 40 "$out/service.log" >&2
fi
exit "$status"
