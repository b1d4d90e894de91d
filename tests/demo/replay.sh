#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo-replay: a run recorded with lagfx-demo --trace and re-run by lagfx-replay --png gives
# the same frames, byte for byte (same PNG names: d<display>-<sequence>.png), on two
# displays. (--verify is not asked for: the replay completes display-pipe stamps in other
# turns than the live run did, so their cells differ mid-run; see docs/demo.md.)
# Then lagfx-replay --vnc serves the replayed display: a small RFB client (rfb_grab.py) reads
# display 0's framebuffer, which must equal the last replayed frame exactly.
# usage: replay.sh LAGFX-DEMO LAGFX-REPLAY PNGCMP RFB_GRAB.PY
set -euo pipefail
demo=$1 replay=$2 pngcmp=$3 grab=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/run" "$tmp/replay"
"$demo" --mode 480x300@60 --displays 2 --frames 40 --every 3 --fast --quiet \
    --png "$tmp/run" --trace "$tmp/demo.trace" 2>"$tmp/log" || { cat "$tmp/log"; exit 1; }
if grep -q 'validation:' "$tmp/log"; then
    head -5 "$tmp/log"
    echo "FAIL: Vulkan validation messages"
    exit 1
fi
"$replay" "$tmp/demo.trace" --png "$tmp/replay"
n=0
for f in "$tmp"/run/*.png; do
    n=$((n + 1))
    b=$(basename "$f")
    if ! cmp -s "$f" "$tmp/replay/$b"; then
        echo "FAIL: $b differs between the run and its replay"
        exit 1
    fi
done
[ "$n" -ge 20 ] || { echo "FAIL: only $n frames written"; exit 1; }
# Identical black frames would pass the comparison: both displays must show the scene (a flat
# frame compresses to a few hundred bytes, the scene to tens of kilobytes).
for d in d0 d1; do
    size=$(stat -c %s "$tmp/run/$d-000001.png")
    [ "$size" -gt 20000 ] || { echo "FAIL: $d-000001.png is only $size bytes: no scene"; exit 1; }
done
echo "$n frames identical after replay"

port=$((20000 + $$ % 20000))
"$replay" "$tmp/demo.trace" --vnc "$port" --hold 60 2>"$tmp/vnc.log" &
pid=$!
if ! python3 "$grab" "$port" "$tmp/vnc.png"; then
    kill "$pid" 2>/dev/null || true
    cat "$tmp/vnc.log"
    echo "FAIL: no frame from lagfx-replay --vnc"
    exit 1
fi
kill -TERM "$pid"
wait "$pid" || { cat "$tmp/vnc.log"; echo "FAIL: lagfx-replay --vnc did not exit cleanly"; exit 1; }
last=$(ls "$tmp"/replay/d0-*.png | sort | tail -1)
"$pngcmp" --tolerance 0 --max-pixels 0 "$last" "$tmp/vnc.png" ||
    { echo "FAIL: the VNC framebuffer differs from the last replayed frame"; exit 1; }
echo "lagfx-replay --vnc serves the last frame"
