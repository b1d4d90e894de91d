#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library exports exactly the header's lagfx_* functions, all at LAGFX_1.0, and
# has the soname libapplegfx-vulkan.so.1 (spec/api.md §9). Usage: check_exports.sh ROOT LIB
set -eu
root="$1"
lib="$2"
want=$(grep -o 'lagfx_[a-z_0-9]*(' "$root/include/libapplegfx-vulkan.h" | tr -d '(' | sort -u)
have=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDB]$/ {print $3}' | sed 's/@.*//' | sort -u)
if [ "$want" != "$have" ]; then
    echo "export list differs from the header:"
    echo "want: $want"; echo "have: $have"
    exit 1
fi
n=$(echo "$have" | wc -l)
[ "$n" -eq 40 ] || { echo "expected 40 functions, have $n"; exit 1; }
nm -D --defined-only "$lib" | grep -q ' lagfx_device_new@@LAGFX_1.0$' || { echo "no LAGFX_1.0 version node"; exit 1; }
objdump -p "$lib" | grep -q 'SONAME *libapplegfx-vulkan.so.1$' || { echo "wrong soname"; exit 1; }
echo "exports OK: $n functions"
