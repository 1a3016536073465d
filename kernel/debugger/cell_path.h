// SPDX-License-Identifier: BSD-3-Clause
/* The file a cell is known by to the debugger.  JupyterLab computes it
 * itself from the cell's code, with the parameters the kernel gave in its
 * debugInfo reply: tmpFilePrefix + murmur2(code as UTF-8, hashSeed) in
 * decimal + tmpFileSuffix (@jupyterlab/debugger's hash.ts and config.ts,
 * ipykernel's compiler.py).  Breakpoints, stack frames and dumpCell name a
 * cell by exactly that path, so the kernel must compute the same one. */
#ifndef CNB_DEBUGGER_CELL_PATH_H
#define CNB_DEBUGGER_CELL_PATH_H

#include <stddef.h>
#include <stdint.h>

/* The seed ipykernel announces (and JupyterLab then uses). */
#define CELL_PATH_HASH_SEED 0xC70F6907u

/* MurmurHash2, 32 bits, little-endian word reads, as JupyterLab's murmur2. */
uint32_t murmur2_x86(const void *data, size_t size, uint32_t seed);

/* prefix + murmur2(code, seed) + suffix (malloc'd), or NULL without memory. */
char *cell_path(const char *prefix, const char *code, uint32_t seed, const char *suffix);

#endif
