#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# browser-novnc: the live view works in a real browser. lagfx-demo --vnc serves the login scene
# at 640x400; noVNC (Debian's novnc package) is served on loopback by a static HTTP server;
# headless Chromium, driven by chromedriver, opens noVNC, which connects straight to the
# demo's websocket port; the canvas it draws is compared with the golden frame 1 of
# demo-golden. Tolerance: at most 1280 pixels (0.5 %) may differ by more than 4 in a channel:
# noVNC asks for Tight encoding, which libvncserver sends as JPEG (quality 9 here: errors up to
# 4), the cursor is a VNC cursor (in the golden, not in the canvas) and the caret blinks.
# Needs chromium, chromium-driver, novnc, python3-selenium (scripts/install-deps).
# usage: browser.sh LAGFX-DEMO PNGCMP GOLDEN.png
set -uo pipefail
demo=$1 pngcmp=$2 golden=$3
for need in /usr/bin/chromium /usr/bin/chromedriver /usr/share/novnc/vnc.html; do
    if [ ! -e "$need" ]; then
        echo "SKIP: $need missing (run scripts/install-deps)"
        exit 77
    fi
done
if ! /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
    echo "SKIP: python3-selenium missing (run scripts/install-deps)"
    exit 77
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
base=$((30000 + ($$ % 1000) * 20))
vnc=$base http=$((base + 1))
"$demo" --mode 640x400@60 --vnc "$vnc" --seconds 120 --quiet 2>"$tmp/demo.log" &
pids+=($!)
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory /usr/share/novnc "$http" \
    >"$tmp/http.log" 2>&1 &
pids+=($!)
sleep 2
if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "FAIL: lagfx-demo exited early:"
    cat "$tmp/demo.log"
    exit 1
fi
if ! /usr/bin/python3 "$(dirname "$0")/novnc_canvas.py" "$http" "$vnc" 640 400 \
    "$tmp/canvas.png" "$tmp/profile"; then
    cat "$tmp/demo.log"
    exit 1
fi
"$pngcmp" --tolerance 4 --max-pixels 1280 "$golden" "$tmp/canvas.png"
