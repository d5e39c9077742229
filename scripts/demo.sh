#!/usr/bin/env bash
# The demo: the service with its embedded (private) mosquitto and a simulated fleet playing the
# demo scenario (firmware-sim/scenarios/demo.json5: 90 stations over the 12 leagues in real time,
# a leak 20 s in, a mains cut, a water cut, a door left open, a network loss with its Will, so
# the dashboard has red stations and firing alerts within a minute).
# Ctrl-C stops both. Data goes to var/demo.db; the API and the dashboard are on http://127.0.0.1:8080.
#
#   STATIONS=300 scripts/demo.sh      # another fleet size (30 or more: the first faults need Hohhot and Baotou)
#   INTERVAL=10s scripts/demo.sh      # another sample interval (the scenario's is 5 s)
#   SCENARIO=firmware-sim/scenarios/quiet-day.json5 scripts/demo.sh   # any real-time scenario
#   HTTP=0.0.0.0:8080 scripts/demo.sh # listen elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release
scenario=${SCENARIO:-firmware-sim/scenarios/demo.json5}
http=${HTTP:-127.0.0.1:8080}
fleet=()
[ -n "${STATIONS:-}" ] && fleet+=(--stations "$STATIONS")
mkdir -p var
# The registry first, from the scenario itself, so the service knows exactly the stations the
# simulator runs (with the address, hours and services the finder shows).
"$bin/firmware-sim" plan --scenario "$scenario" "${fleet[@]}" --write-registry var/demo-stations.json5 > var/demo-plan.txt
log=var/demo-service.log
: > "$log"
"$bin/yizhan" serve --broker embedded --db var/demo.db --stations var/demo-stations.json5 \
  --http "$http" --client-id yizhan-demo 2> >(tee -a "$log" >&2) &
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
echo "demo: service ready, embedded broker at $broker" >&2
echo "demo: $(head -1 var/demo-plan.txt)" >&2
echo "demo: the first faults (var/demo-plan.txt has them all; the truth goes to var/demo.truth.jsonl):" >&2
sed -n '2,8p' var/demo-plan.txt | sed 's/^/demo:   /' >&2
echo "demo: the dashboard is on http://$http/ and the station finder on http://$http/find (open them in a browser)" >&2
echo "demo: try  curl -s 'http://$http/api/v1/alerts?state=firing' | head -c 600" >&2
"$bin/firmware-sim" run --scenario "$scenario" --broker "$broker" "${fleet[@]}" ${INTERVAL:+--interval "$INTERVAL"} \
  --truth var/demo.truth.jsonl --progress 60s &
sim=$!
wait "$sim"
