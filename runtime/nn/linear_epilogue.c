// SPDX-License-Identifier: BSD-3-Clause
/* The end of a linear layer's forward on a block of its output, while the
 * block is in cache: the bias, then the fused activation.  Shared by the
 * dense path (linear.c) and the sparse-input path (linear_sparse.c). */
#include "nn/layer.h"
#include "core/vector_ops.h"

void linear_epilogue(const Layer *layer, float *y, int ld, int rows, int c0, int c1)
{
    bool relu = layer->fused == ACT_RELU;
    vec_bias_rows(y + c0, ld, layer->bias->data + c0, rows, c1 - c0, relu);
    if (layer->fused != ACT_NONE && !relu)
        for (int r = 0; r < rows; r++)
            activation_forward(layer->fused, y + (size_t)r * (size_t)ld + c0,
                               y + (size_t)r * (size_t)ld + c0, (size_t)(c1 - c0));
}
