#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo-args: --help and bad arguments for every tool. --help exits 0 and prints a usage line;
# an unknown option exits 2 with a message on stderr (never a crash or a silent success). For
# lagfx-demo also: a bad mode, out-of-range counts, an unwritable --png directory, an
# unwritable --trace path and a stray argument, each exit 2 with a message naming the problem;
# all of these fail before any device is created. usage: args.sh TOOL...
set -uo pipefail
fail=0
expect() { # expect CODE PATTERN CMD...
    local code=$1 pat=$2
    shift 2
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$code" ] || ! grep -qi -- "$pat" <<<"$out"; then
        echo "FAIL: $* -> exit $rc (want $code), output:"
        echo "$out" | head -5
        fail=1
    fi
}
demo=""
for tool in "$@"; do
    expect 0 usage "$tool" --help
    expect 2 . "$tool" --no-such-option
    case "$tool" in */lagfx-demo) demo=$tool ;; esac
done
if [ -z "$demo" ]; then
    echo "FAIL: lagfx-demo not among the tools"
    exit 1
fi
expect 2 "bad mode" "$demo" --mode 1280x800@0
expect 2 "bad mode" "$demo" --mode 100x100@60
expect 2 "bad mode" "$demo" --mode huge
expect 2 "--frames" "$demo" --frames 0
expect 2 "--frames" "$demo" --frames -5
expect 2 "--every" "$demo" --every 0
expect 2 "--displays" "$demo" --displays 9
expect 2 "--vnc" "$demo" --vnc 70000
expect 2 "--seconds" "$demo" --seconds -1
expect 2 "not a writable directory" "$demo" --png /nonexistent-lagfx-dir
expect 2 "--trace" "$demo" --trace /nonexistent-lagfx-dir/x.trace
expect 2 "unexpected argument" "$demo" stray
[ "$fail" -eq 0 ] && echo "all argument checks passed"
exit $fail
