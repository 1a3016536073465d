// SPDX-License-Identifier: BSD-3-Clause
/* Denormal flushing around runtime kernels (see compute.h). */
#include <stdbool.h>
#include "core/compute.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define CSR_FTZ 0x8000u         /* flush results that would be denormal */
#define CSR_DAZ 0x0040u         /* treat denormal inputs as zero */

unsigned compute_enter(void)
{
    unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | CSR_FTZ | CSR_DAZ);
    return saved;
}

void compute_leave(unsigned saved)
{
    _mm_setcsr(saved);
}
#else
unsigned compute_enter(void)
{
    return 0;
}

void compute_leave(unsigned saved)
{
    (void)saved;
}
#endif
