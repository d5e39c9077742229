#!/usr/bin/env bash
# Renders the sample uptime report (12 leagues, 42 stations, October 2026; built by hand in
# Tests/YizhanReportsTests/ReportFixtures.swift) in every form, and screenshots the HTML page
# with headless Chromium into docs/uptime-report.png.
#
#   scripts/render-sample-report.sh [OUTDIR]     (default /tmp/yizhan-sample-report)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/yizhan-sample-report}
mkdir -p "$out" docs
swift build --build-tests >/dev/null
for ext in html csv json txt; do
  YIZHAN_SAMPLE_REPORT="$out/report.$ext" swift test --skip-build --filter 'ReportFormatTests/writeSample' >/dev/null
done
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out/report.png" \
  --window-size=1240,1754 "file://$out/report.html" 2>/dev/null
cp "$out/report.png" docs/uptime-report.png
echo "$out/report.{html,csv,json,txt}; screenshot docs/uptime-report.png"
