// SPDX-License-Identifier: BSD-3-Clause
/* A cell's debugger path (see cell_path.h). */
#include "cell_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t murmur2_x86(const void *data, size_t size, uint32_t seed)
{
    const uint32_t m = 0x5BD1E995u;
    const unsigned char *bytes = data;
    /* JupyterLab's hash starts from seed ^ length (a 32-bit length). */
    uint32_t h = seed ^ (uint32_t)size;
    size_t rounded = size & ~(size_t)3;
    for (size_t i = 0; i < rounded; i += 4) {
        uint32_t k = (uint32_t)bytes[i] | (uint32_t)bytes[i + 1] << 8 |
                     (uint32_t)bytes[i + 2] << 16 | (uint32_t)bytes[i + 3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (size & 3) {
    case 3:
        h ^= (uint32_t)bytes[rounded + 2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)bytes[rounded + 1] << 8;
        /* fall through */
    case 1:
        h ^= bytes[rounded];
        h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

char *cell_path(const char *prefix, const char *code, uint32_t seed, const char *suffix)
{
    char *path = NULL;
    uint32_t hash = murmur2_x86(code, strlen(code), seed);
    if (asprintf(&path, "%s%lu%s", prefix, (unsigned long)hash, suffix) < 0)
        return NULL;
    return path;
}
