// SPDX-License-Identifier: BSD-3-Clause
/* print(model) as PyTorch shows the lesson's class (the Sequential kept in
 * self.layers), plus the number of parameters PyTorch users count by hand. */
#include "nn/model_impl.h"
#include "host/error_internal.h"

#include <stdarg.h>
#include <string.h>

static void print_count(FILE *out, size_t n)
{
    /* 242762 -> "242,762" */
    if (n >= 1000) {
        print_count(out, n / 1000);
        fprintf(out, ",%03zu", n % 1000);
    } else {
        fprintf(out, "%zu", n);
    }
}

void model_fprint(FILE *out, const Model *model)
{
    if (model_dead(model, "model_summary"))
        return;
    if (!out)
        out = stdout;
    if (!model) {
        cnb_error("model_summary", "model is NULL");
        return;
    }
    fprintf(out, "%s(\n  (layers): Sequential(\n", model->name);
    for (int i = 0; i < model->count; i++) {
        fprintf(out, "    (%d): ", i);
        layer_describe(model->layers[i], out);
        fputc('\n', out);
    }
    fputs("  )\n)\nTrainable parameters: ", out);
    print_count(out, model_parameter_count(model));
    fputc('\n', out);
}

/* Parameters of layer i (all its state_dict entries with a gradient). */
static size_t layer_parameters(const Model *model, int i)
{
    const Layer *l = model->layers[i];
    return (l->weight ? l->weight->numel : 0) + (l->bias ? l->bias->numel : 0);
}

static void shape_cell(char *text, size_t size, const int *shape, int ndim)
{
    size_t used = (size_t)snprintf(text, size, "[-1");
    for (int d = 1; d < ndim && used < size; d++)
        used += (size_t)snprintf(text + used, size - used, ", %d", shape[d]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

static void count_text(char *text, size_t size, size_t n)
{
    if (n >= 1000) {
        count_text(text, size, n / 1000);
        size_t used = strlen(text);
        snprintf(text + used, size - used, ",%03zu", n % 1000);
    } else {
        snprintf(text, size, "%zu", n);
    }
}

int model_fprint_shapes(FILE *out, const Model *model, const int *dims, int ndim)
{
    if (model_dead(model, "model_summary"))
        return -1;
    if (!model)
        return cnb_error("model_summary", "model is NULL");
    if (ndim < 1 || ndim + 1 > CNB_MAX_DIMS)
        return cnb_error_of(CNB_SHAPE_ERROR, "model_summary", "the input shape (without the "
                            "batch dimension) needs 1 to %d sizes; got %d", CNB_MAX_DIMS - 1,
                            ndim);
    Tensor x = { .ndim = ndim + 1, .shape = { 1 } };
    for (int d = 0; d < ndim; d++) {
        if (dims[d] <= 0)
            return cnb_error_of(CNB_SHAPE_ERROR, "model_summary", "input size %d is not "
                                "positive", dims[d]);
        x.shape[d + 1] = dims[d];
    }
    const char *rule = "----------------------------------------------------------------\n";
    const char *double_rule = "================================================================\n";
    fputs(rule, out);
    fprintf(out, "%20s  %25s %15s\n", "Layer (type)", "Output Shape", "Param #");
    fputs(double_rule, out);
    for (int i = 0; i < model->count; i++) {
        Tensor y = { 0 };
        if (layer_output_shape(model->layers[i], i, &x, y.shape, &y.ndim) < 0)
            return -1;
        char name[48], shape[64], count[32];
        snprintf(name, sizeof name, "%s-%d", layer_type_name(model->layers[i]), i + 1);
        shape_cell(shape, sizeof shape, y.shape, y.ndim);
        count_text(count, sizeof count, layer_parameters(model, i));
        fprintf(out, "%20s  %25s %15s\n", name, shape, count);
        x = y;
    }
    fputs(double_rule, out);
    char total[32];
    count_text(total, sizeof total, model_parameter_count(model));
    fprintf(out, "Total params: %s\nTrainable params: %s\nNon-trainable params: 0\n", total,
            total);
    fputs(rule, out);
    return 0;
}

void model_summary_dims(const Model *model, ...)
{
    if (model_dead(model, "model_summary"))
        return;
    int dims[CNB_MAX_DIMS + 1], ndim = 0;
    va_list sizes;
    va_start(sizes, model);
    for (int d = va_arg(sizes, int); d != -1; d = va_arg(sizes, int))
        if (ndim <= CNB_MAX_DIMS)
            dims[ndim++] = d;
    va_end(sizes);
    model_fprint(stdout, model);
    if (model && ndim > 0)
        model_fprint_shapes(stdout, model, dims, ndim);
    fflush(stdout);
}
