#!/usr/bin/env bash
# Installs the Debian packages Yizhan builds and tests with, when any is missing: the C libraries,
# mosquitto, Prometheus' promtool and Alertmanager, Leaflet for the dashboard's map, and chromium,
# its WebDriver and Selenium for the dashboard's browser tests (fonts-noto-cjk renders Chinese).
set -euo pipefail
packages=(mosquitto mosquitto-clients libmosquitto-dev libsqlite3-dev sqlite3 libmicrohttpd-dev prometheus prometheus-alertmanager pkg-config
  libjs-leaflet chromium chromium-driver python3-selenium fonts-noto-cjk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
