#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# examples-triangle: the example writes a PNG matching the golden triangle (at most 16 pixels,
# along the edges, may differ by more than 2 in a channel); LAGFX_UPDATE_GOLDEN=1 rewrites it.
# usage: triangle.sh TRIANGLE PNGCMP GOLDEN.png
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$1" "$tmp/triangle.png" 2>"$tmp/log" || { cat "$tmp/log"; exit 1; }
if grep -q 'validation:' "$tmp/log"; then
    head -5 "$tmp/log"
    echo "FAIL: Vulkan validation messages"
    exit 1
fi
if [ "${LAGFX_UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$tmp/triangle.png" "$3"
    echo "updated $3"
    exit 0
fi
"$2" --tolerance 2 --max-pixels 16 "$3" "$tmp/triangle.png"
