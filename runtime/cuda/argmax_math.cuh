// SPDX-License-Identifier: BSD-3-Clause
/* The predicted class of one row of scores, for nn/predictions.c and the
 * device's argmax, accuracy and confusion counts: torch.max(output, 1)
 * picks the first of equal maxima, and so does this (NaN never wins). */
#ifndef CNB_CUDA_ARGMAX_MATH_CUH
#define CNB_CUDA_ARGMAX_MATH_CUH

#include "cuda/host_device.h"

static inline CNB_HOST_DEVICE int cnb_argmax_row(const float *row, int classes)
{
    int best = 0;
    for (int c = 1; c < classes; c++)
        if (row[c] > row[best])
            best = c;
    return best;
}

#endif
