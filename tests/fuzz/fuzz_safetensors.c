// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer target: the safetensors checkpoint reader (model_load,
 * runtime/nn/checkpoint_load.c) on a hostile or damaged file, loaded into
 * the model the seeds were saved from (linear(4, 3), relu, linear(3, 2)).
 * A failed load says why and leaves the model exactly as it was. */
#include <stdlib.h>
#include <string.h>

#include <cnb.h>

#include "core/tensor_impl.h"
#include "fuzz_file.h"
#include "nn/model_impl.h"

static Model *model;
static float *snapshot;
static size_t floats;

static void take_snapshot(void)
{
    floats = 0;
    for (int p = 0; p < model->param_count; p++)
        floats += model->params[p]->numel;
    snapshot = malloc(floats * sizeof *snapshot);
    size_t k = 0;
    for (int p = 0; p < model->param_count; p++)
        for (size_t i = 0; i < model->params[p]->numel; i++)
            snapshot[k++] = model->params[p]->data[i];
}

static int unchanged(void)
{
    size_t k = 0;
    for (int p = 0; p < model->param_count; p++)
        for (size_t i = 0; i < model->params[p]->numel; i++)
            if (memcmp(&snapshot[k++], &model->params[p]->data[i], sizeof(float)) != 0)
                return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model) {
        manual_seed(1);
        model = sequential(linear(4, 3), relu(), linear(3, 2));
        take_snapshot();
    }
    const char *path = fuzz_file(data, size);
    fuzz_error_clear();
    if (model_load(model, path) == 0) {
        /* Loaded: the next input is compared with these weights. */
        free(snapshot);
        take_snapshot();
    } else if (!*fuzz_error() || !unchanged()) {
        abort();
    }
    return 0;
}
