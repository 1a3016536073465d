#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs each fuzz target (tests/fuzz/fuzz.am) for a bounded time, starting
# from its committed seed corpus, then replays every input that once found a
# defect (fuzz/regressions/NAME/*).  Speaks TAP: one line per run with the
# number of executions, one per regression input.
#
#   CNB_FUZZ_SECONDS   seconds per target (default 20)
#   CNB_FUZZ_NAMES     the targets (set by make check)
#   CNB_FUZZ_WHY       why there are no targets, when configure found no libFuzzer
set -u
seconds=${CNB_FUZZ_SECONDS:-20}
src=${CNB_SRCDIR:?}/tests/fuzz
names=${CNB_FUZZ_NAMES:-message requests cells idx safetensors}
if [ ! -x "fuzz/fuzz_${names%% *}" ]; then
    echo "1..0 # SKIP no fuzz targets: ${CNB_FUZZ_WHY:-not built}"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cnb-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
fail=0
for name in $names; do
    n=$((n + 1))
    mkdir -p "$work/$name"
    # New inputs go to the scratch folder; the committed corpus stays as it is.
    # -rss_limit_mb: the readers must not need more memory than this for any input.
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    "fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
        -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$work/$name-" \
        "$work/$name" "$src/corpus/$name" > "$work/$name.log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log")
    corpus=$(ls "$work/$name" | wc -l)
    if [ $status -eq 0 ]; then
        echo "ok $n - fuzz_$name: ${runs:-?} executions in ${seconds} s, no defect ($corpus new inputs)"
    else
        echo "not ok $n - fuzz_$name: defect found after ${runs:-?} executions"
        sed -e 's/^/# /' "$work/$name.log" | tail -60
        for artifact in "$work/$name"-*; do
            [ -f "$artifact" ] || continue
            echo "# input (base64) $(basename "$artifact"): $(base64 -w0 "$artifact")"
        done
        fail=1
    fi
    for input in "$src/regressions/$name"/*; do
        [ -f "$input" ] || continue
        n=$((n + 1))
        if ASAN_OPTIONS=detect_leaks=1 "fuzz/fuzz_$name" -rss_limit_mb=1024 -malloc_limit_mb=1024 \
                "$input" > "$work/replay.log" 2>&1; then
            echo "ok $n - fuzz_$name regression $(basename "$input")"
        else
            echo "not ok $n - fuzz_$name regression $(basename "$input")"
            sed -e 's/^/# /' "$work/replay.log" | tail -40
            fail=1
        fi
    done
done
echo "1..$n"
exit $fail
