#!/usr/bin/env bash
# The demo: the service with its embedded (private) mosquitto and a simulated fleet.
# Ctrl-C stops both. Data goes to var/demo.db; the API is on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
stations=${STATIONS:-60}
mkdir -p var
"$bin/firmware-sim" registry --stations "$stations" --seed 7 --out var/demo-stations.json5
log=var/demo-service.log
: > "$log"
"$bin/yizhan" serve --broker embedded --db var/demo.db --stations var/demo-stations.json5 \
  --http "${HTTP:-127.0.0.1:8080}" --client-id yizhan-demo 2> >(tee -a "$log" >&2) &
service=$!
sim=""
cleanup() {
  [ -n "$sim" ] && kill "$sim" 2>/dev/null || true
  kill "$service" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in $(seq 1 300); do
  grep -q "ready: subscribed" "$log" && break
  kill -0 "$service" 2>/dev/null || { echo "the service did not start; see $log" >&2; exit 1; }
  sleep 0.1
done
broker=$(grep -o 'listening on mqtt://[0-9.:]*' "$log" | head -1 | sed 's/listening on //')
echo "demo: service ready, embedded broker at $broker; starting $stations simulated stations" >&2
echo "demo: the dashboard is on http://${HTTP:-127.0.0.1:8080}/ (open it in a browser)" >&2
echo "demo: try  curl -s http://${HTTP:-127.0.0.1:8080}/api/v1/stations | head -c 600" >&2
"$bin/firmware-sim" run --broker "$broker" --registry var/demo-stations.json5 --interval "${INTERVAL:-2s}" --seed 7 &
sim=$!
wait "$sim"
