#!/usr/bin/env bash
# A month of history by hand (firmware-sim/HISTORY.md): a private mosquitto, `yizhan serve` on a
# clock file, `firmware-sim history` driving both, and this script as the harness that stops and
# restarts the service when the simulator asks (PATH.stop / PATH.start next to the clock).
# Leaves the simulator's truth and the service's reports side by side in $OUT (var/history).
#
#   firmware-sim/scripts/history-month.sh [SCENARIO]
#   BIN=.build/debug RULES=config/rules.json5 BROKER_PORT=18830 HTTP_PORT=18081 OUT=var/history …
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release}
SCENARIO=${1:-firmware-sim/scenarios/month-history.json5}
RULES=${RULES:-firmware-sim/scenarios/rules/history-heartbeat-15m.json5}
OUT=${OUT:-var/history}
BROKER_PORT=${BROKER_PORT:-18830}
HTTP_PORT=${HTTP_PORT:-18081}
rm -rf "$OUT" && mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CLOCK=$OUT/clock

BROKER_PID= SERVICE_PID= SIM_PID=
cleanup() {
  for pid in $SIM_PID $SERVICE_PID $BROKER_PID; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

cat > "$OUT/mosquitto.conf" <<CONF
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
log_dest file $OUT/mosquitto.log
CONF
[ "$(id -u)" = 0 ] && echo "user root" >> "$OUT/mosquitto.conf"
mosquitto -c "$OUT/mosquitto.conf" & BROKER_PID=$!

"$BIN/firmware-sim" history --scenario "$SCENARIO" --clock-file "$CLOCK" --init --write-registry "$OUT/stations.json5"
echo '{}' > "$OUT/none.json5"

ready_lines() { local n; n=$(grep -c ' ready: ' "$OUT/service.log" 2>/dev/null) || true; echo "${n:-0}"; }
serve() {
  local before; before=$(ready_lines)
  "$BIN/yizhan" serve --config "$OUT/none.json5" --clock "file:$CLOCK" --rules "$RULES" --stations "$OUT/stations.json5" \
    --db "$OUT/yizhan.db" --broker "mqtt://127.0.0.1:$BROKER_PORT" --http "127.0.0.1:$HTTP_PORT" --client-id yizhan-history \
    >> "$OUT/service.log" 2>&1 & SERVICE_PID=$!
  for _ in $(seq 600); do
    [ "$(ready_lines)" -gt "$before" ] && return 0
    kill -0 "$SERVICE_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "the service did not get ready:" >&2; tail -5 "$OUT/service.log" >&2; exit 1
}
serve

"$BIN/firmware-sim" history --scenario "$SCENARIO" --clock-file "$CLOCK" --broker "mqtt://127.0.0.1:$BROKER_PORT" \
  --service "http://127.0.0.1:$HTTP_PORT" --truth-report "$OUT/truth.json" --rules "$RULES" & SIM_PID=$!
while kill -0 "$SIM_PID" 2>/dev/null; do
  if [ -e "$CLOCK.stop" ]; then
    kill -TERM "$SERVICE_PID"; wait "$SERVICE_PID" || true; SERVICE_PID=
    rm "$CLOCK.stop"; echo "history-month: service stopped at $(cat "$CLOCK")"
  elif [ -e "$CLOCK.start" ]; then
    serve
    rm "$CLOCK.start"; echo "history-month: service started again at $(cat "$CLOCK")"
  else
    sleep 0.02
  fi
done
status=0; wait "$SIM_PID" || status=$?; SIM_PID=
[ "$status" = 0 ] || { echo "firmware-sim history failed ($status)" >&2; exit "$status"; }

n=0
for period in $(grep -o '{"from":"[^"]*","to":"[^"]*"' "$OUT/truth.json" | sed 's/{"from":"\([^"]*\)","to":"\([^"]*\)"/\1,\2/'); do
  n=$((n + 1))
  curl -sf "http://127.0.0.1:$HTTP_PORT/api/v1/reports/uptime?from=${period%,*}&to=${period#*,}&format=json" \
    > "$OUT/report-$n.json" || echo "history-month: no report for ${period/,/ → } (HTTP error)" >&2
  echo "history-month: period ${period/,/ → }: the service's report in $OUT/report-$n.json"
done
echo "history-month: the truth in $OUT/truth.json (reports[0..$((n - 1))]); the service's clock stays at $(cat "$CLOCK")"
