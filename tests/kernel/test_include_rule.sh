#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The include rule of kernel/README.md, as a test (TAP): a folder's files run
# in one process.  The front process is front/, interpreter/, compiler/,
# assistants/, files/ and debugger/; the worker process is worker/; wire/ is what both
# share.
#   - front-process folders include no worker/ header;
#   - worker/ includes no front/, interpreter/, compiler/, assistants/ or
#     files/ header;
#   - compiler/ is text to shared object: it includes no other kernel folder;
#   - wire/ includes nothing of either side;
#   - a folder's own headers are included by bare name, another folder's by
#     folder/name.h, so a grep of the #include lines sees every crossing;
#   - interpreter/ never calls assistants/ (they register with it);
#   - the front reaches the code side only through interpreter/interpreter.h;
#   - main.c is the only file that includes both a front and a worker header.
kernel="${CNB_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/kernel"
n=0
failed=0

check() {  # check DESCRIPTION OFFENDING-LINES
    n=$((n + 1))
    if [ -z "$2" ]; then
        echo "ok $n - $1"
    else
        failed=1
        echo "not ok $n - $1"
        printf '%s\n' "$2" | sed 's/^/# /'
    fi
}

includes() {  # includes FOLDER...: "file:line:#include ..." of quoted includes
    for folder in "$@"; do
        grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$kernel/$folder"/*.[ch] 2>/dev/null
    done | sed "s|^$kernel/||"
}

for folder in front interpreter compiler assistants files debugger worker wire; do
    n=$((n + 1))
    if ls "$kernel/$folder"/*.c >/dev/null 2>&1; then
        echo "ok $n - kernel/$folder has sources"
    else
        failed=1
        echo "not ok $n - kernel/$folder has sources"
    fi
done

check "the front process includes no worker header" \
    "$(includes front interpreter compiler assistants files debugger | grep '"worker/')"
check "the worker includes no front-process header" \
    "$(includes worker | grep '"\(front\|interpreter\|compiler\|assistants\|files\|debugger\)/')"
check "compiler/ includes no other kernel folder" \
    "$(includes compiler | grep '"\(front\|interpreter\|assistants\|files\|debugger\|worker\|wire\)/')"
check "wire/ includes neither side" \
    "$(includes wire | grep '"\(front\|interpreter\|compiler\|assistants\|files\|debugger\|worker\)/')"

# The assistants attach to the interpreter (interpreter_state.h); the
# interpreter never calls them by name, so the two do not form a circle.
check "interpreter/ includes no assistants/ header" \
    "$(includes interpreter | grep '"assistants/')"
check "interpreter/ calls no assistant by name" \
    "$(grep -Hn 'interpreter_\(complete\|inspect\)\|clang_context_\|assistants_clang' "$kernel"/interpreter/*.c | sed "s|^$kernel/||")"
check "the front reaches the code side only through interpreter.h" \
    "$(includes front | grep '"\(interpreter\|compiler\|assistants\)/' | grep -v '"interpreter/interpreter.h"')"

check "the debugger reaches the code side only through interpreter.h" \
    "$(includes debugger | grep '"\(interpreter\|compiler\|assistants\|front\)/' | grep -v '"interpreter/interpreter.h"')"

# A bare name must be the folder's own header (no -I trick reaches across).
bare=""
for folder in front interpreter compiler assistants files debugger worker wire; do
    for line in $(includes "$folder" | grep -v '"[a-z_]*/' | sed 's/[[:space:]]//g'); do
        header=$(printf '%s\n' "$line" | sed 's/.*#include"\([^"]*\)".*/\1/')
        case "$header" in *.inc) continue ;; esac
        [ -f "$kernel/$folder/$header" ] || bare="$bare$line
"
    done
done
check "a bare include names the folder's own header" "$bare"

check "main.c includes the front's and the worker's entry points" \
    "$( (grep -q '"front/cli.h"' "$kernel/main.c" && grep -q '"worker/worker_main.h"' "$kernel/main.c") ||
        echo 'main.c lacks front/cli.h or worker/worker_main.h')"
check "interpreter.h does not declare the worker's entry point" \
    "$(grep -n 'worker_main' "$kernel/interpreter/interpreter.h")"

echo "1..$n"
exit $failed
