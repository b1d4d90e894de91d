#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo-errors: lagfx-demo's runtime failures are clear and distinct: no usable Vulkan device
# (LAGFX_VK_DEVICE names none) exits 3 with a hint; a VNC port already taken (by another
# lagfx-demo) exits 4 naming the port; a normal short run exits 0. usage: errors.sh LAGFX-DEMO
set -uo pipefail
demo=$1
fail=0
out=$(LAGFX_VK_DEVICE=no-such-gpu-anywhere "$demo" --frames 1 --quiet 2>&1)
rc=$?
if [ $rc -ne 3 ] || ! grep -q "no usable Vulkan device" <<<"$out"; then
    echo "FAIL: no device -> exit $rc: $out"
    fail=1
fi
port=$((20000 + $$ % 20000))
"$demo" --vnc "$port" --seconds 20 --quiet &
holder=$!
sleep 1
out=$("$demo" --vnc "$port" --frames 1 --quiet 2>&1)
rc=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
if [ $rc -ne 4 ] || ! grep -q "VNC port $port" <<<"$out"; then
    echo "FAIL: port in use -> exit $rc: $out"
    fail=1
fi
out=$("$demo" --frames 2 --fast --quiet 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
    echo "FAIL: plain run -> exit $rc: $out"
    fail=1
fi
[ $fail -eq 0 ] && echo "error paths as documented"
exit $fail
