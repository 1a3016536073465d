// SPDX-License-Identifier: BSD-3-Clause
/* The end-of-cell heap check: a walk over glibc's main arena that finds a
 * chunk header a cell overwrote (the most common student bug: writing past
 * malloc(16)), so the cell that did the damage is blamed, not the next one. */
#ifndef CNB_WORKER_HEAP_CHECK_H
#define CNB_WORKER_HEAP_CHECK_H

#include <stddef.h>

enum heap_check_result {
    HEAP_CHECK_OK = 0,          /* every chunk header of the main arena is sane */
    HEAP_CHECK_DAMAGED = 1,     /* one is not: `why` says which and how */
    HEAP_CHECK_UNAVAILABLE = 2, /* cannot check here (AddressSanitizer's allocator, no [heap]) */
};

/* Walks the main arena's chunks from the start of [heap] (/proc/self/maps)
 * to sbrk(0): each size must be at least the minimum, aligned and inside the
 * heap, and a chunk whose successor says "previous free" must match the
 * successor's prev_size. Allocates nothing, so it runs on a damaged heap.
 * `why` (may be NULL) receives a one-line description when damaged.
 * Not safe against other threads allocating from the main arena meanwhile:
 * call it when the cell's own threads are done (a cell's end). */
enum heap_check_result heap_check(char *why, size_t why_size);

#endif
