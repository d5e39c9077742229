#!/usr/bin/env bash
# Soak: the 3,000-station quiet-day scenario (firmware-sim) against yizhan serve, with faults
# injected at random: SIGKILL of the service (restarted at once), broker restarts (persistence
# on), and a minute of full disk under the service's database and journal (a tmpfs; skipped,
# and said so, where mounting is not permitted).
#
# A witness (mosquitto_sub with its own persistent session) records every telemetry message the
# broker accepted, i.e. acknowledged to a station. At the end every (station, seq) it saw must be
# in the store, once: a stored reading of that station at that sample's ts, and no sample the
# witness saw missing. Prints the verdict and the figures; exit 0 only on PASS.
#
#   scripts/soak.sh [MINUTES] [STATIONS]      default 2 minutes, 3000 stations
#   BIN=.build/release scripts/soak.sh 60     a longer run on a release build
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-2}
stations=${2:-3000}
bin=${BIN:-.build/debug}
[ -x "$bin/yizhan" ] && [ -x "$bin/firmware-sim" ] || { echo "soak: $bin/yizhan and $bin/firmware-sim needed (swift build)" >&2; exit 2; }
out=$(mktemp -d /tmp/yizhan-soak.XXXXXX)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mqtt=$(port)
http=$(port)
log() { echo "soak $(date -u +%H:%M:%S): $*" >&2; }
# GET a URL; fails unless the answer is 200 (python3 is there for the browser tests; curl may not be).
get() { python3 -c 'import sys, urllib.request
try:
    sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
except Exception:
    sys.exit(1)' "$1"; }

mkdir -p "$out/broker" "$out/disk"
cat > "$out/mosquitto.conf" <<CONF
listener $mqtt 127.0.0.1
allow_anonymous true
persistence true
persistence_location $out/broker/
autosave_interval 5
max_queued_messages 0
max_inflight_messages 0
CONF
[ "$(id -u)" -eq 0 ] && echo "user root" >> "$out/mosquitto.conf"
diskfull=yes
if ! mount -t tmpfs -o size=1024m tmpfs "$out/disk" 2>/dev/null; then
  diskfull="skipped (mounting a tmpfs is not permitted here)"
  log "full-disk fault $diskfull"
fi

broker="" service="" sim="" witness=""
start_broker() { mosquitto -c "$out/mosquitto.conf" >> "$out/mosquitto.log" 2>&1 & broker=$!; }
start_service() {
  "$bin/yizhan" serve --config "$out/empty.json5" --broker "mqtt://127.0.0.1:$mqtt" --db "$out/disk/yizhan.db" \
    --stations "$out/stations.json5" --rules config/rules.json5 --http "127.0.0.1:$http" \
    --client-id soak-service >> "$out/service.log" 2>&1 &
  service=$!
}
cleanup() {
  for p in $sim $service $witness $broker; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$out/disk/filler"
  mountpoint -q "$out/disk" && umount -l "$out/disk"
  true
}
trap cleanup EXIT INT TERM

echo '{}' > "$out/empty.json5"
scenario=firmware-sim/scenarios/quiet-day.json5
"$bin/firmware-sim" plan --scenario "$scenario" --stations "$stations" --write-registry "$out/stations.json5" > "$out/plan.txt"
start_broker
for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$mqtt) 2>/dev/null && break; sleep 0.1; done
# The witness: a persistent session (-c) at QoS 1, so what the broker accepted while it was away
# (or across a broker restart) still reaches it.
mosquitto_sub -h 127.0.0.1 -p "$mqtt" -i soak-witness -c -q 1 -t 'yizhan/v1/+/+/telemetry' -v > "$out/witness.txt" 2>> "$out/witness.log" &
witness=$!
start_service
for _ in $(seq 1 600); do get "http://127.0.0.1:$http/readyz" >/dev/null && break; sleep 0.1; done
log "broker 127.0.0.1:$mqtt, service 127.0.0.1:$http, $stations stations, $minutes min, files in $out"
"$bin/firmware-sim" run --scenario "$scenario" --stations "$stations" --broker "mqtt://127.0.0.1:$mqtt" \
  --duration "${minutes}m" > "$out/sim.log" 2>&1 &
sim=$!

kills=0 restarts=0 fulls=0
end=$(( $(date +%s) + minutes * 60 ))
full_done=no
# One fault every 15–40 s, at random; the disk fills once, a third of the way in, for a minute.
while kill -0 "$sim" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
  sleep $(( 15 + RANDOM % 26 ))
  kill -0 "$sim" 2>/dev/null || break
  if [ "$diskfull" = yes ] && [ "$full_done" = no ] && [ "$(date +%s)" -ge $(( end - minutes * 40 )) ]; then
    full_done=yes
    log "fault: disk full for 60 s"
    dd if=/dev/zero of="$out/disk/filler" bs=1M 2>/dev/null || true
    fulls=$((fulls + 1))
    sleep 60
    rm -f "$out/disk/filler"
    log "disk space back"
    continue
  fi
  if [ $((RANDOM % 2)) -eq 0 ]; then
    log "fault: SIGKILL service (pid $service)"
    kill -9 "$service" 2>/dev/null || true
    wait "$service" 2>/dev/null || true
    start_service
    kills=$((kills + 1))
  else
    log "fault: broker restart"
    kill "$broker" 2>/dev/null || true
    wait "$broker" 2>/dev/null || true
    sleep $(( 1 + RANDOM % 5 ))
    start_broker
    restarts=$((restarts + 1))
  fi
done
wait "$sim" || log "firmware-sim exited with $?"
log "simulation over; waiting for the service to commit everything"
for _ in $(seq 1 600); do get "http://127.0.0.1:$http/readyz" >/dev/null && break; sleep 0.5; done
last=-1 stable=0
for _ in $(seq 1 600); do
  m=$(get "http://127.0.0.1:$http/metrics" || true)
  now=$(awk '/^yizhan_messages_received_total /{print $2}' <<< "$m")
  queue=$(awk '/^yizhan_ingest_queue_messages /{print $2}' <<< "$m")
  if [ -n "$now" ] && [ "$now" = "$last" ] && [ "$queue" = "0" ]; then stable=$((stable + 1)); else stable=0; fi
  [ "$stable" -ge 5 ] && break
  last=$now
  sleep 1
done
kill "$witness" 2>/dev/null || true
# The check reads the store through the running service's series endpoint: readings of an hour
# that ended more than seal_after ago live in compressed chunks, not in the `readings` table.
set +e
python3 - "$out/witness.txt" "$out/disk/yizhan.db" "$kills" "$restarts" "$fulls" "$diskfull" "$minutes" "$stations" "$http" <<'PY'
import datetime, json, sqlite3, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
witness, db, kills, restarts, fulls, diskfull, minutes, stations, http = sys.argv[1:]
seen = {}          # (station, seq, ts) -> times the witness saw it
for line in open(witness, encoding="utf-8", errors="replace"):
    topic, _, payload = line.rstrip("\n").partition(" ")
    parts = topic.split("/")
    if len(parts) != 5:
        continue
    station = parts[3]
    try:
        data = json.loads(payload)
    except ValueError:
        continue
    for s in (data if isinstance(data, list) else [data]):
        if isinstance(s, dict) and isinstance(s.get("ts"), int) and isinstance(s.get("seq"), int):
            key = (station, s["seq"], s["ts"])
            seen[key] = seen.get(key, 0) + 1
con = sqlite3.connect(db)
iso = lambda ms: datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
parse = lambda text: round(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
first, last = min(k[2] for k in seen), max(k[2] for k in seen)
metrics = ["door_open", "mains", "water_ok", "leak", "fridge_c", "battery_pct", "occupancy"]
def series(job):
    station, metric = job
    url = f"http://127.0.0.1:{http}/api/v1/stations/{station}/series?metric={metric}&from={iso(first)}&to={iso(last + 1)}"
    with urllib.request.urlopen(url, timeout=60) as r:
        body = json.loads(r.read().decode())
    assert not body.get("truncated"), url
    return station, [parse(p[0]) for p in body["points"]]
stored = {}        # (station, ts) -> readings, head and sealed chunks alike
series_dups = 0    # a ts twice in one series: a reading stored twice
with ThreadPoolExecutor(8) as pool:
    for station, tss in pool.map(series, [(st, m) for st in sorted({k[0] for k in seen}) for m in metrics]):
        series_dups += len(tss) - len(set(tss))
        for ts in tss:
            stored[(station, ts)] = stored.get((station, ts), 0) + 1
missing = [k for k in seen if (k[0], k[2]) not in stored]
# A (station, ts) is one row per metric by the store's primary key; two samples of one station
# with one ts but different seq would be a collision the check cannot tell apart: count them.
by_station_ts = {}
for (station, seq, ts) in seen:
    by_station_ts.setdefault((station, ts), set()).add(seq)
collisions = sum(1 for v in by_station_ts.values() if len(v) > 1)
dup_rows = series_dups + con.execute("SELECT count(*) FROM (SELECT series_id, ts, count(*) c FROM readings GROUP BY series_id, ts HAVING c > 1)").fetchone()[0]
sealed = con.execute("SELECT count(*) FROM chunks").fetchone()[0]
redelivered = sum(1 for n in seen.values() if n > 1)
offline = con.execute("SELECT count(*) FROM alerts WHERE rule = 'station_offline'").fetchone()[0]
print(f"soak: {minutes} min, {stations} stations; faults: {kills} service SIGKILLs, {restarts} broker restarts, "
      f"{fulls} minute(s) of full disk (full-disk fault: {diskfull})")
print(f"soak: {len(seen)} samples (station, seq) acknowledged by the broker (witnessed; {redelivered} of them delivered to "
      f"the witness more than once), {len(stored)} (station, ts) stored, {sum(stored.values())} readings "
      f"({sealed} sealed chunks among them)")
print(f"soak: missing {len(missing)}, duplicate rows {dup_rows}, same-ts collisions {collisions}, station_offline alerts {offline}")
for k in sorted(missing)[:10]:
    print(f"soak:   missing {k}")
ok = len(seen) > 0 and not missing and dup_rows == 0
print("soak: VERDICT " + ("PASS: every acknowledged sample stored exactly once" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
verdict=$?
set -e
kill "$service" 2>/dev/null && wait "$service" 2>/dev/null || true
service=""
exit $verdict
