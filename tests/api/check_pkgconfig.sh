#!/bin/sh
# SPDX-License-Identifier: MIT
# `meson install` into a staging prefix, then a program outside the tree builds and runs
# against it with `pkg-config --cflags --libs libapplegfx-vulkan`.
# Usage: check_pkgconfig.sh BUILD [SANITIZERS]  (a sanitized library needs a sanitized program)
set -eu
build="$1"
san="${2:-none}"
sanflags=""
[ "$san" = "none" ] || sanflags="-fsanitize=$san"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --destdir "$tmp/stage" --no-rebuild --quiet >/dev/null
pcdir=$(dirname "$(find "$tmp/stage" -name libapplegfx-vulkan.pc | head -1)")
[ -f "$pcdir/libapplegfx-vulkan.pc" ] || { echo "no .pc installed"; exit 1; }
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$tmp/stage"
cat >"$tmp/user.c" <<'C'
#include <libapplegfx-vulkan.h>
#include <stdio.h>
int main(void)
{
    lagfx_device_descriptor_t d;
    lagfx_device_descriptor_init(&d);
    printf("%s %u %s\n", lagfx_get_version_string(), (unsigned)d.mmio_length,
           lagfx_status_string(LAGFX_ERROR_BUSY));
    return lagfx_get_version() >> 16 == LAGFX_VERSION_MAJOR ? 0 : 1;
}
C
cc -std=c11 -Wall -Werror $sanflags -o "$tmp/user" "$tmp/user.c" $(pkg-config --cflags --libs libapplegfx-vulkan)
libdir=$(dirname "$(find "$tmp/stage" -name 'libapplegfx-vulkan.so.1' | head -1)")
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/user")
[ "$out" = "1.0.0 (vulkan) 16384 LAGFX_ERROR_BUSY" ] || { echo "unexpected output: $out"; exit 1; }
echo "pkg-config OK"
