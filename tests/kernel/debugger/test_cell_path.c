// SPDX-License-Identifier: BSD-3-Clause
/* A cell's debugger path must be the one JupyterLab computes.  The expected
 * hashes were computed with ipykernel 7.4's compiler.murmur2_x86 (which
 * hashes the UTF-8 bytes, as JupyterLab's hash.ts does) and agree with
 * JupyterLab 4's bundled murmur2 run under node. */
#include <stdlib.h>

#include "debugger/cell_path.h"
#include "tap.h"

typedef struct Known {
    const char *code;
    uint32_t with_seed, with_zero;
} Known;

static const Known known[] = {
    {"", 3990065800u, 0u},
    {"a", 2167009006u, 2456313694u},
    {"ab", 2805137849u, 446775395u},
    {"abc", 3350977461u, 324500635u},
    {"abcd", 804720481u, 646393889u},
    {"int x = 1;", 1721718547u, 1195740490u},
    {"int f(int a)\n{\n    return a + 1;\n}", 3547903488u, 1550767167u},
    {"printf(\"%d\\n\", f(2));", 477073300u, 2296393592u},
    {"gr\xc3\xb6\xc3\x9f" "e = 3; // \xc3\xbc", 1710387943u, 2673907385u},
    {"\xe2\x82\xac\xf0\x9d\x84\x9e", 2894916131u, 3661130038u},
};

int main(void)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const char *code = known[i].code;
        is_int(murmur2_x86(code, strlen(code), CELL_PATH_HASH_SEED), known[i].with_seed,
               "murmur2 of case %zu with ipykernel's seed", i);
        is_int(murmur2_x86(code, strlen(code), 0), known[i].with_zero, "murmur2 of case %zu with seed 0", i);
    }
    char *path = cell_path("/tmp/cnb-kernel-x/debug/", "int x = 1;", CELL_PATH_HASH_SEED, ".c");
    is_str(path, "/tmp/cnb-kernel-x/debug/1721718547.c", "prefix, the hash in decimal, suffix");
    free(path);
    path = cell_path("", "", CELL_PATH_HASH_SEED, "");
    is_str(path, "3990065800", "an empty cell still has a name (the seed's hash of nothing)");
    free(path);
    printf("1..%d\n", tap_count);
    return tap_failed != 0;
}
