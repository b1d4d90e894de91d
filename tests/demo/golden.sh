#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo-golden: lagfx-demo's frames 1, 31 and 61 at 640x400 (caret on, off by a damage-limited
# redraw, on again; the cursor elsewhere each time; every shader of the demo drawn) match the
# golden PNGs in tests/golden/demo. Tolerance: at most 64 pixels (0.025 %) may differ by more
# than 2 in a channel. Goldens are lavapipe's: on another device the test skips.
# LAGFX_UPDATE_GOLDEN=1 rewrites them. usage: golden.sh LAGFX-DEMO PNGCMP GOLDEN_DIR
set -euo pipefail
demo=$1 pngcmp=$2 golden=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$demo" --mode 640x400@60 --frames 61 --every 30 --fast --png "$tmp" 2>"$tmp/log"; then
    cat "$tmp/log"
    exit 1
fi
if ! grep -q ' on llvmpipe' "$tmp/log"; then
    echo "SKIP: not running on llvmpipe (goldens are lavapipe's)"
    exit 77
fi
if grep -q 'validation:' "$tmp/log"; then
    grep 'validation:' "$tmp/log" | head -5
    echo "FAIL: Vulkan validation messages"
    exit 1
fi
rc=0
for f in d0-000001 d0-000031 d0-000061; do
    if [ "${LAGFX_UPDATE_GOLDEN:-}" = 1 ]; then
        cp "$tmp/$f.png" "$golden/$f.png"
        echo "updated $golden/$f.png"
        continue
    fi
    "$pngcmp" --tolerance 2 --max-pixels 64 "$golden/$f.png" "$tmp/$f.png" || rc=1
done
exit $rc
