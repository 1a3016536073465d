// SPDX-License-Identifier: BSD-3-Clause
/* Gathering the nonzeros of a row (for the sparse-input path of linear
 * layers).  With AVX-512 a compare and two in-register compresses handle 16
 * values at a time (compress straight to memory is microcoded on AMD Zen 4
 * and slower than the plain loop); the full-width stores write up to 15
 * entries past the found ones, so the caller leaves 16 entries of room
 * beyond `room`.  Without AVX-512, a plain loop. */
#include "core/vector_ops.h"

#include <stdint.h>

static size_t nonzeros_plain(const float *x, int n, int *index, float *value, size_t room)
{
    size_t count = 0;
    for (int k = 0; k < n; k++) {
        if (x[k] == 0.0f)
            continue;
        if (count == room)
            return SIZE_MAX;
        index[count] = k;
        value[count++] = x[k];
    }
    return count;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static size_t nonzeros_avx512(const float *x, int n, int *index, float *value, size_t room)
{
    size_t count = 0;
    __m512i at = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_set1_epi32(16);
    int k = 0;
    for (; k + 16 <= n; k += 16) {
        __m512 v = _mm512_loadu_ps(x + k);
        __mmask16 m = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
        size_t found = (size_t)__builtin_popcount(m);
        if (count + found > room)
            return SIZE_MAX;
        _mm512_storeu_ps(value + count, _mm512_maskz_compress_ps(m, v));
        _mm512_storeu_si512(index + count, _mm512_maskz_compress_epi32(m, at));
        count += found;
        at = _mm512_add_epi32(at, step);
    }
    size_t rest = nonzeros_plain(x + k, n - k, index + count, value + count, room - count);
    if (rest == SIZE_MAX)
        return SIZE_MAX;
    for (size_t i = count; i < count + rest; i++)
        index[i] += k;
    return count + rest;
}

static bool have_avx512(void)
{
    return __builtin_cpu_supports("avx512f");   /* a load from libgcc's cpu model */
}
#else
static size_t nonzeros_avx512(const float *x, int n, int *index, float *value, size_t room)
{
    return nonzeros_plain(x, n, index, value, room);
}

static bool have_avx512(void)
{
    return false;
}
#endif

size_t vec_nonzeros(const float *x, int n, int *index, float *value, size_t room)
{
    return have_avx512() ? nonzeros_avx512(x, n, index, value, room)
                         : nonzeros_plain(x, n, index, value, room);
}

/* Blocks of 1024: a loop GCC vectorizes, and a check between blocks. */
size_t vec_count_nonzeros(const float *x, size_t n, size_t stop)
{
    size_t count = 0;
    for (size_t start = 0; start < n && count <= stop; start += 1024) {
        size_t end = n - start < 1024 ? n : start + 1024;
        unsigned block = 0;
        for (size_t i = start; i < end; i++)
            block += x[i] != 0.0f;
        count += block;
    }
    return count;
}
