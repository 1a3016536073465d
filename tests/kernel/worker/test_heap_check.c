// SPDX-License-Identifier: BSD-3-Clause
/* The end-of-cell heap walker (kernel/worker/heap_check.c): a sane heap
 * passes, with free chunks among used ones; the overflow (64 bytes
 * into malloc(16)) and other broken size fields are found; restoring the
 * bytes makes the heap pass again. */
#include "../../tap.h"
#include "worker/heap_check.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Many chunks of mixed sizes, every third freed (the large ones go to
 * glibc's unsorted bin, so the walker meets real free chunks). */
static void *blocks[3000];
static void fill_heap(void)
{
    for (int i = 0; i < 3000; i++)
        blocks[i] = malloc((size_t)(16 + (i % 7) * 24 + (i % 5 == 0 ? 2000 : 0)));
    for (int i = 0; i < 3000; i += 3) {
        free(blocks[i]);
        blocks[i] = NULL;
    }
}

/* Byte copies through volatile pointers: the test reads and writes past a
 * malloc(16) on purpose, which the compiler must not reason about. */
static void copy_bytes(uintptr_t dst, uintptr_t src, size_t n)
{
    volatile unsigned char *d = (volatile unsigned char *)dst;
    const volatile unsigned char *s = (const volatile unsigned char *)src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

/* The size field of the chunk whose user memory starts at p. */
static size_t *size_field(void *p)
{
    return (size_t *)((uintptr_t)p - sizeof(size_t));
}

static void check_broken(void *neighbour, size_t value, const char *what)
{
    volatile size_t *field = size_field(neighbour);
    size_t saved = *field;
    *field = value;
    char why[200] = "";
    enum heap_check_result r = heap_check(why, sizeof why);
    *field = saved;
    is_int(r, HEAP_CHECK_DAMAGED, "%s is found", what);
    ok(why[0] != '\0', "the reason is said: %s", why);
}

int main(void)
{
    printf("# heap walker\n");   /* stdout's buffer is allocated before any damage */
#ifdef UNDER_ASAN
    skip("AddressSanitizer's allocator has no glibc chunks to walk");
    is_int(heap_check(NULL, 0), HEAP_CHECK_UNAVAILABLE, "under ASan the check says it cannot run");
    return tap_done();
#else
    char why[200] = "";
    enum heap_check_result r;
    is_int(heap_check(NULL, 0), HEAP_CHECK_OK, "a fresh heap passes");
    fill_heap();
    is_int(heap_check(NULL, 0), HEAP_CHECK_OK, "a heap with free chunks among used ones passes");

    /* The cell: 64 bytes written into malloc(16), with a neighbour. */
    char *buf = malloc(16), *other = malloc(16), *after = malloc(16);
    unsigned char saved[64];
    copy_bytes((uintptr_t)saved, (uintptr_t)buf, sizeof saved);
    volatile char *p = (volatile char *)(uintptr_t)buf;
    for (int i = 0; i < 64; i++)
        p[i] = 'x';
    r = heap_check(why, sizeof why);
    copy_bytes((uintptr_t)buf, (uintptr_t)saved, sizeof saved);
    is_int(r, HEAP_CHECK_DAMAGED, "64 bytes written into malloc(16) are found");
    ok(strstr(why, "0x7878787878787878") != NULL, "the reason names the overwritten size: %s", why);
    is_int(heap_check(NULL, 0), HEAP_CHECK_OK, "the restored heap passes again");

    check_broken(other, 8 | 1, "a size below the minimum");
    check_broken(other, 40 | 1, "a misaligned size");
    check_broken(other, ((size_t)1 << 40) | 1, "a size past the heap's end");
    check_broken(other, *size_field(other) | 2, "the mmapped bit on a heap chunk");

    /* A free chunk whose successor's prev_size was overwritten. */
    void *big = malloc(4000), *guard = malloc(4000);
    uintptr_t big_end = (uintptr_t)big - 2 * sizeof(size_t) + (*size_field(big) & ~(size_t)7);
    uintptr_t guard_chunk = (uintptr_t)guard - 2 * sizeof(size_t);
    ok(big_end == guard_chunk, "two fresh 4000-byte chunks are neighbours");
    free(big);   /* too large for the tcache: the guard's PREV_INUSE is cleared */
    volatile size_t *prev_size = (volatile size_t *)guard_chunk;
    size_t saved_prev = *prev_size;
    *prev_size = saved_prev + 16;
    r = heap_check(why, sizeof why);
    *prev_size = saved_prev;
    is_int(r, HEAP_CHECK_DAMAGED, "a free chunk's prev_size that does not match is found");
    is_int(heap_check(NULL, 0), HEAP_CHECK_OK, "and passes once restored");

    free(guard);
    free(after);
    free(other);
    free(buf);
    for (int i = 0; i < 3000; i++)
        free(blocks[i]);
    is_int(heap_check(NULL, 0), HEAP_CHECK_OK, "the heap passes after everything is freed");
    return tap_done();
#endif
}
