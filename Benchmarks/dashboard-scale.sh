#!/usr/bin/env bash
# The dashboard (GET /) and the finder (GET /find) at scale, in Chromium: page load, time until
# the map has drawn every station, JS heap and renderer memory, and the public feed's size.
#
#   Benchmarks/dashboard-scale.sh                    # 3,000 and 186,000 stations, 5 cold loads each
#   FLEETS=3000 LOADS=3 Benchmarks/dashboard-scale.sh
#
# For each fleet: a private mosquitto, a fresh `yizhan serve` (release build, default rules, its
# own SQLite file), the fleet's registry from its scenario (`firmware-sim plan --write-registry`)
# and the scenario running live while the pages are measured, so every station has state and
# the page's live polling has work:
#   3000    firmware-sim/scenarios/quiet-day.json5 (3,000 Inner Mongolia stations, 10 s)
#   186000  firmware-sim/scenarios/national.json5 (186,000 stations over China) at a 60 s
#           interval (3,100 msg/s instead of 18,600: the broker, simulator and service share
#           the machine with the browser being measured; 60 s stays inside the 90 s heartbeat)
# The measurement starts once every station has been heard from and the service's ingest queue
# is empty. Then Benchmarks/dashboard_scale.py (Selenium + Debian's chromium) loads each page
# LOADS times, each time in a fresh browser, and prints every load, the medians and a JSON line.
# Prints the machine first. Needs `make release` (or swift build -c release) and the Debian
# packages of scripts/install-deps.sh. Files go to var/dashboard-scale/N/.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
py=/usr/bin/python3
fleets=${FLEETS:-3000 186000}
fleets=${fleets//,/ }
export LOADS=${LOADS:-5}
for b in yizhan firmware-sim; do
  [ -x "$bin/$b" ] || { echo "dashboard-scale: $bin/$b missing: run make release" >&2; exit 1; }
done
for t in /usr/bin/chromium /usr/bin/chromedriver; do
  [ -x "$t" ] || { echo "dashboard-scale: $t missing (scripts/install-deps.sh)" >&2; exit 1; }
done

echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
  "$(. /etc/os-release && echo "$PRETTY_NAME"), Linux $(uname -r)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), $(/usr/bin/chromium --version 2>/dev/null), yizhan release build of $(git rev-parse --short HEAD 2>/dev/null || echo '?') (+ working tree)"

port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
broker="" service="" sim=""
stop_all() {
  [ -n "$sim" ] && kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null || true
  [ -n "$service" ] && kill "$service" 2>/dev/null && wait "$service" 2>/dev/null || true
  [ -n "$broker" ] && kill "$broker" 2>/dev/null && wait "$broker" 2>/dev/null || true
  sim="" service="" broker=""
}
trap stop_all EXIT INT TERM

metric() { curl -s "http://127.0.0.1:$http/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

for n in $fleets; do
  case "$n" in
    3000) scenario=firmware-sim/scenarios/quiet-day.json5; run_flags=() ;;
    186000) scenario=firmware-sim/scenarios/national.json5; run_flags=(--interval 60s) ;;
    *) scenario=firmware-sim/scenarios/national.json5; run_flags=(--stations "$n" --interval 60s) ;;
  esac
  out=var/dashboard-scale/$n
  rm -rf "$out"
  mkdir -p "$out"
  mqtt=$(port)
  http=$(port)
  cat > "$out/mosquitto.conf" <<CONF
listener $mqtt 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
CONF
  [ "$(id -u)" -eq 0 ] && echo "user root" >> "$out/mosquitto.conf"
  mosquitto -c "$out/mosquitto.conf" > "$out/mosquitto.log" 2>&1 &
  broker=$!
  plan_flags=()
  [ "$n" != 3000 ] && [ "$n" != 186000 ] && plan_flags=(--stations "$n")
  "$bin/firmware-sim" plan --scenario "$scenario" "${plan_flags[@]}" --write-registry "$out/stations.json5" > "$out/plan.txt"
  echo '{}' > "$out/empty.json5"
  "$bin/yizhan" serve --config "$out/empty.json5" --broker "mqtt://127.0.0.1:$mqtt" --db "$out/yizhan.db" \
    --stations "$out/stations.json5" --rules config/rules.json5 --http "127.0.0.1:$http" \
    --client-id "dashboard-scale-$n" 2> "$out/service.log" &
  service=$!
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$http/readyz" >/dev/null && break
    kill -0 "$service" 2>/dev/null || { echo "dashboard-scale: the service did not start; see $out/service.log" >&2; exit 1; }
    sleep 0.1
  done
  "$bin/firmware-sim" run --scenario "$scenario" --broker "mqtt://127.0.0.1:$mqtt" "${run_flags[@]}" \
    --progress 30s > "$out/sim.log" 2>&1 &
  sim=$!
  # Every station heard from, and the service caught up.
  start=$(date +%s)
  while true; do
    nodata=$(curl -s "http://127.0.0.1:$http/api/v1/dashboard/summary" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["total"]["nodata"])' 2>/dev/null || echo x)
    queue=$(metric yizhan_ingest_queue_messages)
    [ "$nodata" = 0 ] && [ "${queue:-1}" = 0 ] && break
    [ $(( $(date +%s) - start )) -gt 600 ] && { echo "dashboard-scale: stations still without data after 10 min ($nodata)" >&2; exit 1; }
    sleep 2
  done
  echo "fleet $n: $(head -1 "$out/plan.txt"); every station heard after $(( $(date +%s) - start )) s" \
    "(run flags: ${run_flags[*]:-none}); service RSS $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$service/status")"
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the machine's other work competes with the browser)"
  YIZHAN_URL="http://127.0.0.1:$http" LABEL="fleet $n" "$py" Benchmarks/dashboard_scale.py | tee "$out/result.txt"
  echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "  while measured: $(tail -1 "$out/sim.log")"
  echo "  service RSS after: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$service/status")"
  stop_all
done
