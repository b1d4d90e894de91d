#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo-replay: a run recorded with lagfx-demo --trace and re-run by lagfx-replay --png gives
# the same frames, byte for byte (same PNG names: d<display>-<sequence>.png), on two
# displays. (--verify is not asked for: the replay completes display-pipe stamps in other
# turns than the live run did, so their cells differ mid-run; see docs/demo.md.)
# usage: replay.sh LAGFX-DEMO LAGFX-REPLAY
set -euo pipefail
demo=$1 replay=$2
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
