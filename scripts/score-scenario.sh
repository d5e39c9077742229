#!/usr/bin/env bash
# Runs a firmware-sim scenario against a fresh yizhan service (private mosquitto, default
# rules, its own SQLite file) and prints the score: what was injected, detected, missed,
# falsely alerted, and how fast.
#   scripts/score-scenario.sh firmware-sim/scenarios/regional-blackout.json5 [--speed 12] [more run flags]
# Needs a release build (make release). Output and data go to var/score-NAME/.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: scripts/score-scenario.sh SCENARIO.json5 [firmware-sim run flags]}
shift
name=$(basename "$scenario" .json5)
bin=.build/release
out=var/score-$name
rm -rf "$out"
mkdir -p "$out"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
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
service=""
cleanup() {
  [ -n "$service" ] && kill "$service" 2>/dev/null && wait "$service" 2>/dev/null || true
  kill "$broker" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
"$bin/firmware-sim" plan --scenario "$scenario" --write-registry "$out/stations.json5" > "$out/plan.txt"
# Accelerated runs: a Last Will pages at once (the 1 s wall-clock grace is minutes of station time).
echo '{will_grace: "0s"}' > "$out/empty.json5"
"$bin/yizhan" serve --config "$out/empty.json5" --broker "mqtt://127.0.0.1:$mqtt" --db "$out/yizhan.db" \
  --stations "$out/stations.json5" --rules config/rules.json5 --http "127.0.0.1:$http" \
  --client-id "score-$name" 2> "$out/service.log" &
service=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$http/readyz" >/dev/null && break
  sleep 0.1
done
echo "scoring $name: service on 127.0.0.1:$http, broker on 127.0.0.1:$mqtt, files in $out" >&2
"$bin/firmware-sim" run --scenario "$scenario" --broker "mqtt://127.0.0.1:$mqtt" --truth "$out/truth.jsonl" "$@"
# Wait until the service has committed everything it was sent.
last=-1
while true; do
  now=$(curl -s "http://127.0.0.1:$http/metrics" | awk '/^yizhan_messages_received_total /{print $2}')
  queue=$(curl -s "http://127.0.0.1:$http/metrics" | awk '/^yizhan_ingest_queue_messages /{print $2}')
  [ "$now" = "$last" ] && [ "$queue" = "0" ] && break
  last=$now
  sleep 1
done
"$bin/firmware-sim" score --truth "$out/truth.jsonl" --service "http://127.0.0.1:$http" | tee "$out/score.txt"
"$bin/firmware-sim" score --truth "$out/truth.jsonl" --service "http://127.0.0.1:$http" --format json > "$out/score.json"
