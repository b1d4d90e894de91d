#!/bin/sh
# SPDX-License-Identifier: MIT
# The public header compiles alone as C11 (gcc, clang) and as C++11 and C++17 (g++), with
# every warning an error (spec/api.md §9). Usage: check_header.sh SOURCE_ROOT
set -eu
root="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <libapplegfx-vulkan.h>\nint main(void) { return (int)lagfx_get_version() == 0; }\n' >"$tmp/t.c"
cp "$tmp/t.c" "$tmp/t.cpp"
flags="-I$root/include -Wall -Wextra -Werror -pedantic -fsyntax-only"
gcc -std=c11 $flags "$tmp/t.c"
clang -std=c11 $flags "$tmp/t.c"
g++ -std=c++11 $flags "$tmp/t.cpp"
g++ -std=c++17 $flags "$tmp/t.cpp"
# Only <stdint.h>, <stddef.h> and, in C, <stdbool.h> are included.
incs=$(grep '^#include' "$root/include/libapplegfx-vulkan.h" | sort | tr '\n' ' ')
[ "$incs" = "#include <stdbool.h> #include <stddef.h> #include <stdint.h> " ] || {
    echo "unexpected includes: $incs"; exit 1; }
echo "header OK"
