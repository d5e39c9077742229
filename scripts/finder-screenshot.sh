#!/usr/bin/env bash
# Screenshots of the public station finder (/find) at phone size, with a small demo registry
# around Hohhot: a private mosquitto, a fresh service, telemetry for most stations (one without
# water, one never heard from), then headless chromium.
#   scripts/finder-screenshot.sh [OUT.png]        (default docs/finder.png; needs a built yizhan)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/finder.png}
bin=${BIN:-.build/debug}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/stations.json5" <<'JSON'
{stations: [
  {id: "hh-xc-01", name: "新城区新华大街工会驿站", region: "150100", lat: 40.8437, lon: 111.6712, unmanned: true,
   address: "新城区新华大街 32 号（人民公园东门）", services: ["rest", "drinking_water", "heating_meal", "charging", "toilet", "first_aid", "air_conditioning", "wifi"]},
  {id: "hh-xc-02", name: "呼和浩特市快递小哥暖心驿站（海东路）", region: "150100", lat: 40.8521, lon: 111.6840, unmanned: false,
   address: "新城区海东路 8 号顺丰营业点", hours: "08:00-21:00", services: ["rest", "drinking_water", "heating_meal", "charging", "battery_swap", "tools"]},
  {id: "hh-hm-03", name: "回民区环卫工人爱心驿站", region: "150100", lat: 40.8302, lon: 111.6556, unmanned: true,
   address: "回民区中山西路 105 号", services: ["rest", "drinking_water", "toilet", "refrigerator", "shelter"]},
  {id: "hh-xc-04", name: "新城区成吉思汗大街 24 小时智能驿站", region: "150100", lat: 40.8650, lon: 111.6911, unmanned: true,
   address: "成吉思汗大街与兴安北路交叉口西北角", services: ["rest", "drinking_water", "heating_meal", "charging", "air_conditioning", "wifi", "first_aid"]},
  {id: "hh-sh-05", name: "赛罕区户外劳动者服务站", region: "150100", lat: 40.8118, lon: 111.7002, unmanned: false,
   address: "赛罕区大学东街 12 号工会服务中心一楼", hours: "07:00-19:00", services: ["rest", "drinking_water", "heating_meal", "reading", "legal_aid", "meals"]},
  {id: "hh-yq-06", name: "玉泉区大召工会驿站", region: "150100", lat: 40.7952, lon: 111.6601, unmanned: true,
   services: ["rest", "drinking_water", "charging", "toilet"]},
  {id: "bt-kd-01", name: "包头市昆都仑区工会户外劳动者驿站", region: "150200", lat: 40.6420, lon: 109.8390, unmanned: true,
   address: "昆都仑区钢铁大街 66 号", services: ["rest", "drinking_water", "heating_meal", "charging"]},
]}
JSON
mosquitto_conf="$work/mosquitto.conf"
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mport" > "$mosquitto_conf"
mosquitto -c "$mosquitto_conf" > "$work/mosquitto.log" 2>&1 &
broker=$!
"$bin/yizhan" serve --config "$work/none.json5" --broker "mqtt://127.0.0.1:$mport" --db "$work/y.db" \
  --stations "$work/stations.json5" --http "127.0.0.1:$port" --client-id finder-shot > "$work/service.log" 2>&1 &
service=$!
cleanup() { kill "$service" "$broker" 2>/dev/null || true; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] && cp "$work/service.log" /tmp/finder-service.log; rm -rf "$work"; }
trap cleanup EXIT
echo '{}' > "$work/none.json5"
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
now=$(($(date +%s) * 1000))
pub() { mosquitto_pub -h 127.0.0.1 -p "$mport" -q 1 -t "yizhan/v1/$1/$2/$3" -m "$4"; }
for s in 150100:hh-xc-01 150100:hh-xc-02 150100:hh-hm-03 150100:hh-xc-04 150100:hh-sh-05 150200:bt-kd-01; do
  region=${s%%:*}; id=${s#*:}
  water=true; [ "$id" = hh-hm-03 ] && water=false
  pub "$region" "$id" status online
  pub "$region" "$id" telemetry "{\"ts\":$now,\"mains\":true,\"water_ok\":$water,\"door_open\":false,\"leak\":false,\"occupancy\":2,\"fridge_c\":4.1,\"battery_pct\":96}"
done
for _ in $(seq 1 100); do
  n=$(curl -s "http://127.0.0.1:$port/api/v1/public/stations" | grep -o "\"status\":\"working\"" | wc -l || true)
  [ "$n" -ge 4 ] && break; sleep 0.1
done
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=${SIZE:-390,844} \
  --virtual-time-budget=5000 --screenshot="$out" "http://127.0.0.1:$port/find?lat=40.8445&lon=111.6760" 2>/dev/null
echo "wrote $out"
