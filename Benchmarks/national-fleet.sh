#!/usr/bin/env bash
# The national fleet against one service on this machine: firmware-sim's `national` scenario
# (186,000 stations, a sample every 10 s: 18,600 messages and 130,000 readings a second), a
# private mosquitto and `yizhan serve`, all on the same cores, for DURATION (default 30m).
# Every SAMPLE seconds it prints what the service has committed against what the simulator
# published, the ingest lag, each process's RSS and CPU, and the store's size; at the end the
# alert latency (webhook receipt − the alert's startsAt, for firing pages) and a verdict.
#
#   Benchmarks/national-fleet.sh [DURATION] [OUT_DIR]        e.g. Benchmarks/national-fleet.sh 30m var/national
#
# Needs a release build (make release) and the Debian packages (scripts/install-deps.sh).
set -euo pipefail
DURATION=${1:-30m}
OUT=${2:-var/national}
BIN=${BIN:-.build/release}
SAMPLE=${SAMPLE:-15}
for b in yizhan firmware-sim; do
  [[ -x "$BIN/$b" ]] || { echo "national-fleet: $BIN/$b not found; run make release (or set BIN)" >&2; exit 2; }
done
case "$DURATION" in
  *m) SECONDS_TOTAL=$(( ${DURATION%m} * 60 ));;
  *s) SECONDS_TOTAL=${DURATION%s};;
  *) echo "national-fleet: DURATION takes 30m or 90s, got $DURATION" >&2; exit 2;;
esac
rm -rf "$OUT" && mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
BROKER_PORT=$(free_port); HTTP_PORT=$(free_port); HOOK_PORT=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cat > "$OUT/mosquitto.conf" <<CONF
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
max_queued_messages 2000000
max_inflight_messages 0
CONF
mosquitto -c "$OUT/mosquitto.conf" > "$OUT/mosquitto.log" 2>&1 & BROKER=$!; pids+=($BROKER)

# Webhook receiver: one line per firing alert, "latency_ms rule station".
python3 - "$HOOK_PORT" "$OUT/webhook.txt" > "$OUT/webhook.log" 2>&1 <<'PY' & HOOK=$!
import json, sys, time, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
port, out = int(sys.argv[1]), open(sys.argv[2], "a", buffering=1)
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        now = time.time()
        for a in body.get("alerts", []):
            if a.get("status") == "firing" and a.get("startsAt"):
                t = datetime.datetime.fromisoformat(a["startsAt"].replace("Z", "+00:00")).timestamp()
                out.write("%d %s %s\n" % ((now - t) * 1000, a.get("labels", {}).get("alertname", "?"), a.get("labels", {}).get("station", "?")))
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
pids+=($HOOK)

"$BIN/firmware-sim" plan --scenario firmware-sim/scenarios/national.json5 --write-registry "$OUT/stations.json5" > "$OUT/plan.txt"
echo "{}" > "$OUT/config.json5"
"$BIN/yizhan" serve --config "$OUT/config.json5" --broker "mqtt://127.0.0.1:$BROKER_PORT" --db "$OUT/yizhan.db" \
  --http "127.0.0.1:$HTTP_PORT" --stations "$OUT/stations.json5" --rules config/rules.json5 \
  --webhook "http://127.0.0.1:$HOOK_PORT/" > "$OUT/service.log" 2>&1 & SERVICE=$!; pids+=($SERVICE)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$HTTP_PORT/readyz" > /dev/null && break; sleep 1; done
"$BIN/firmware-sim" run --scenario firmware-sim/scenarios/national.json5 --broker "mqtt://127.0.0.1:$BROKER_PORT" \
  --truth "$OUT/truth.jsonl" --duration "$DURATION" --progress 15s > "$OUT/sim.log" 2>&1 & SIM=$!; pids+=($SIM)

metric() { curl -s "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU share since the last sample; a process that has exited reads 0, not negative.
share() { local d=$(( $1 - $2 )); (( d < 0 )) && d=0; echo $(( d * 100 / HZ / dt )); }
rss_mib() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)
printf "%6s %10s %10s %8s %9s %9s %9s %7s %7s %7s %9s\n" elapsed committed msg/s lag_s queue svc_MiB mosq_MiB svc_cpu mosq_cpu sim_cpu store_MiB | tee "$OUT/samples.txt"
start=$(date +%s); last_msgs=0; last_t=$start
declare -A last_ticks=([s]=$(cpu_ticks $SERVICE) [b]=$(cpu_ticks $BROKER) [f]=$(cpu_ticks $SIM))
peak_rss=0; max_lag=0
while kill -0 $SIM 2>/dev/null; do
  sleep "$SAMPLE"
  now=$(date +%s); dt=$(( now - last_t )); [[ $dt -gt 0 ]] || dt=1
  msgs=$(metric yizhan_messages_received_total); msgs=${msgs%.*}; msgs=${msgs:-0}
  lag=$(metric yizhan_ingest_lag_seconds); queue=$(metric yizhan_ingest_queue_messages); store=$(metric yizhan_store_bytes)
  rss=$(rss_mib $SERVICE); [[ $rss -gt $peak_rss ]] && peak_rss=$rss
  awk -v l="${lag:-0}" -v m="$max_lag" 'BEGIN { exit !(l > m) }' && max_lag=${lag:-0}
  t=$(cpu_ticks $SERVICE); s_cpu=$(share "$t" "${last_ticks[s]}"); last_ticks[s]=$t
  t=$(cpu_ticks $BROKER); b_cpu=$(share "$t" "${last_ticks[b]}"); last_ticks[b]=$t
  t=$(cpu_ticks $SIM); f_cpu=$(share "$t" "${last_ticks[f]}"); last_ticks[f]=$t
  printf "%6d %10d %10d %8s %9s %9d %9d %6d%% %6d%% %6d%% %9.0f\n" $(( now - start )) "$msgs" $(( (msgs - last_msgs) / dt )) \
    "${lag:-?}" "${queue:-?}" "$rss" "$(rss_mib $BROKER)" "$s_cpu" "$b_cpu" "$f_cpu" "$(awk -v b="${store:-0}" 'BEGIN { print b / 1048576 }')" | tee -a "$OUT/samples.txt"
  last_msgs=$msgs; last_t=$now
  [[ $(( now - start )) -gt $(( SECONDS_TOTAL + 600 )) ]] && break
done
sleep 20
final=$(metric yizhan_messages_received_total); final=${final%.*}
echo
echo "simulator: $(tail -1 "$OUT/sim.log")"
echo "service committed $final messages; peak service RSS $peak_rss MiB; max ingest lag ${max_lag} s"
if [[ -s "$OUT/webhook.txt" ]]; then
  sort -n "$OUT/webhook.txt" | awk '{ a[NR] = $1 } END { i = int(NR * 0.5); if (i < 1) i = 1; j = int(NR * 0.99); if (j < 1) j = 1
    printf "alert latency (webhook receipt − startsAt), %d firing pages: p50 %d ms, p99 %d ms, max %d ms\n", NR, a[i], a[j], a[NR] }'
fi
echo "store: $(du -h "$OUT/yizhan.db" | cut -f1) database, $(du -sh "$OUT/yizhan.db.journal" 2>/dev/null | cut -f1) journal; machine: $(uname -m), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
