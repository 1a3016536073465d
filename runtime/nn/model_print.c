/* print(model) as PyTorch shows the lesson's class (the Sequential kept in
 * self.layers), plus the number of parameters PyTorch users count by hand. */
#include "nn/model_impl.h"
#include "host/error_internal.h"

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

void model_summary(const Model *model)
{
    model_fprint(stdout, model);
    fflush(stdout);
}
