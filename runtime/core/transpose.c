// SPDX-License-Identifier: BSD-3-Clause
/* Matrix transposes, dst[c][r] (+)= src[r][c], in 8x8 tiles.  With AVX2 a
 * tile is 8 loads, 24 shuffles and 8 stores (the classic unpack / shuffle /
 * permute sequence); without it, plain loops over the same tiles.  Used by
 * the sparse-input path of linear layers (nn/linear_sparse.c), where a
 * 784x256 transpose per step must cost microseconds, not a tenth of a
 * millisecond (a scalar loop takes ~150 us here; OpenBLAS's somatcopy too).
 * The transposes are bound by the shuffles, not by memory (in L1 they cost
 * about as much as from L3); 16x16 tiles with AVX-512 shuffles (64 per 256
 * values instead of 96) were slower on this Zen 4 (53 us instead of 32 us
 * for 256x784). */
#include "core/vector_ops.h"

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2")))
static void tile8_avx2(const float *src, size_t lds, float *dst, size_t ldd, bool accumulate)
{
    __m256 r0 = _mm256_loadu_ps(src + 0 * lds), r1 = _mm256_loadu_ps(src + 1 * lds);
    __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
    __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
    __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    __m256 c[8] = {
        _mm256_permute2f128_ps(s0, s4, 0x20), _mm256_permute2f128_ps(s1, s5, 0x20),
        _mm256_permute2f128_ps(s2, s6, 0x20), _mm256_permute2f128_ps(s3, s7, 0x20),
        _mm256_permute2f128_ps(s0, s4, 0x31), _mm256_permute2f128_ps(s1, s5, 0x31),
        _mm256_permute2f128_ps(s2, s6, 0x31), _mm256_permute2f128_ps(s3, s7, 0x31),
    };
    for (int i = 0; i < 8; i++) {
        if (accumulate)
            c[i] = _mm256_add_ps(c[i], _mm256_loadu_ps(dst + (size_t)i * ldd));
        _mm256_storeu_ps(dst + (size_t)i * ldd, c[i]);
    }
}

static bool have_avx2(void)
{
    return __builtin_cpu_supports("avx2");   /* a load from libgcc's cpu model */
}
#else
static void tile8_avx2(const float *src, size_t lds, float *dst, size_t ldd, bool accumulate)
{
    (void)src; (void)lds; (void)dst; (void)ldd; (void)accumulate;
}

static bool have_avx2(void)
{
    return false;
}
#endif

static void tile_plain(const float *src, size_t lds, float *dst, size_t ldd, int rows, int cols,
                       bool accumulate)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            float v = src[(size_t)r * lds + (size_t)c];
            float *d = dst + (size_t)c * ldd + (size_t)r;
            *d = accumulate ? *d + v : v;
        }
}

void vec_transpose(const float *src, int rows, int cols, float *dst, bool accumulate)
{
    vec_transpose_strided(src, (size_t)cols, rows, cols, dst, (size_t)rows, accumulate);
}

void vec_transpose_strided(const float *src, size_t lds, int rows, int cols, float *dst,
                           size_t ldd, bool accumulate)
{
    bool simd = have_avx2();
    /* column blocks outside: consecutive tiles fill the same destination
     * lines, which then leave the cache complete */
    for (int c0 = 0; c0 < cols; c0 += 8)
        for (int r0 = 0; r0 < rows; r0 += 8) {
            const float *s = src + (size_t)r0 * lds + (size_t)c0;
            float *d = dst + (size_t)c0 * ldd + (size_t)r0;
            int h = rows - r0 < 8 ? rows - r0 : 8, w = cols - c0 < 8 ? cols - c0 : 8;
            if (simd && h == 8 && w == 8)
                tile8_avx2(s, lds, d, ldd, accumulate);
            else
                tile_plain(s, lds, d, ldd, h, w, accumulate);
        }
}
