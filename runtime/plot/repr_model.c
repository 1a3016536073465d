// SPDX-License-Identifier: BSD-3-Clause
/* A model as a trailing expression: print(model) as text, and in the
 * notebook a table of its layers with output shapes and parameter counts
 * (what torchsummary prints).  The layers are read from model_fprint's
 * PyTorch-style lines "(1): Linear(in_features=784, ...)"; the weights'
 * shapes give each layer's output size: features after a Linear, channels
 * after a Conv2d (height and width need an input: model_summary(model, 1,
 * 28, 28) prints them), and convolutions and pooling show their kernel,
 * stride and padding in a column of their own. */
#include "cnb.h"
#include "host/object.h"
#include "html.h"
#include "repr_bundle.h"

#include <ctype.h>

enum { MAX_LAYERS = 256 };

typedef struct LayerRow {
    int index;
    char type[48];
    char arguments[160];
    long parameters;
    int in_features, out_features;  /* from the weight [out, in]; 0 if none */
    int out_channels;               /* from a Conv2d's weight [out, in, k, k]; 0 if none */
} LayerRow;

/* After a layer: [B, features], or [B, channels, H, W] for feature maps. */
typedef struct RowShape {
    int size;
    bool maps;
} RowShape;

/* "(3): ReLU()" → index 3, type "ReLU", arguments "" */
static bool parse_layer(const char *line, LayerRow *row)
{
    while (isspace((unsigned char)*line))
        line++;
    int consumed = 0;
    if (sscanf(line, "(%d): %n", &row->index, &consumed) != 1 || consumed == 0)
        return false;
    line += consumed;
    size_t n = 0;
    while ((isalnum((unsigned char)line[n]) || line[n] == '_') && n + 1 < sizeof row->type)
        n++;
    if (n == 0)
        return false;
    memcpy(row->type, line, n);
    row->type[n] = '\0';
    const char *open = line[n] == '(' ? line + n + 1 : NULL;
    const char *close = open ? strrchr(open, ')') : NULL;
    int length = close ? (int)(close - open) : 0;
    snprintf(row->arguments, sizeof row->arguments, "%.*s", length, open ? open : "");
    return true;
}

/* The layer number inside a parameter name: "layers.1.weight" → 1. */
static int layer_of(const char *name)
{
    for (const char *p = name; p && *p; p++)
        if (isdigit((unsigned char)*p) && (p == name || p[-1] == '.')) {
            char *end;
            long index = strtol(p, &end, 10);
            if (*end == '.')
                return (int)index;
        }
    return -1;
}

static void count_parameters(Model *model, LayerRow *rows, int count)
{
    int tensors = model_parameter_tensors(model);
    for (int i = 0; i < tensors; i++) {
        const char *name = NULL;
        Tensor *p = model_parameter(model, i, &name);
        int layer = name ? layer_of(name) : -1;
        for (int r = 0; p && r < count; r++)
            if (rows[r].index == layer) {
                rows[r].parameters += (long)tensor_numel(p);
                if (tensor_ndim(p) == 2)
                    rows[r].out_features = tensor_dim(p, 0), rows[r].in_features = tensor_dim(p, 1);
                else if (tensor_ndim(p) == 4)
                    rows[r].out_channels = tensor_dim(p, 0);
            }
    }
}

/* The shape after each layer: a Linear's weight sets the features, a
 * Conv2d's the channels of its maps; a flatten takes the next weighted
 * layer's input size; anything else (ReLU, pooling, batch norm) keeps it. */
static void output_shapes(const LayerRow *rows, int count, RowShape *shapes)
{
    RowShape current = {0, false};
    for (int r = 0; r < count; r++) {
        if (rows[r].out_features > 0)
            current = (RowShape){rows[r].out_features, false};
        else if (rows[r].out_channels > 0)
            current = (RowShape){rows[r].out_channels, true};
        else if (strcmp(rows[r].type, "Flatten") == 0)
            for (int next = r + 1; next < count; next++)
                if (rows[next].in_features > 0) {
                    current = (RowShape){rows[next].in_features, false};
                    break;
                }
        shapes[r] = current;
    }
}

/* The first number of "name=3" or "name=(3, 3)" in a layer's arguments, or -1. */
static int argument(const char *arguments, const char *name)
{
    const char *at = strstr(arguments, name);
    if (!at)
        return -1;
    at += strlen(name);
    while (*at == '(' || *at == ' ')
        at++;
    return isdigit((unsigned char)*at) ? atoi(at) : -1;
}

/* "3×3 · 1 · 1" (kernel, stride, padding) for convolutions and pooling. */
static void window_column(FILE *out, const LayerRow *row)
{
    int kernel = argument(row->arguments, "kernel_size=");
    if (kernel < 0) {
        fputs("–", out);
        return;
    }
    int stride = argument(row->arguments, "stride=");
    int padding = argument(row->arguments, "padding=");
    fprintf(out, "%d×%d · %d · ", kernel, kernel, stride < 0 ? 1 : stride);
    if (strstr(row->arguments, "padding=same"))
        fputs("same", out);
    else
        fprintf(out, "%d", padding < 0 ? 0 : padding);
}

static void grouped(FILE *out, long n)
{
    /* Thousands separated by a thin space: readable in German and English. */
    if (n >= 1000) {
        grouped(out, n / 1000);
        fprintf(out, "\u202f%03ld", n % 1000);
    } else {
        fprintf(out, "%ld", n);
    }
}

static void layer_table(FILE *out, Model *model, const LayerRow *rows, int count)
{
    RowShape shapes[MAX_LAYERS];
    output_shapes(rows, count, shapes);
    bool windows = false;
    for (int r = 0; r < count; r++)
        windows |= argument(rows[r].arguments, "kernel_size=") >= 0;
    fputs("<table><thead><tr><th>#</th><th style=\"text-align:left\">Schicht</th>", out);
    if (windows)
        fputs("<th style=\"text-align:left\">Kernel · Stride · Padding</th>", out);
    fputs("<th style=\"text-align:left\">Ausgabe</th><th style=\"text-align:right\">Parameter</th>"
          "</tr></thead><tbody>", out);
    for (int r = 0; r < count; r++) {
        fprintf(out, "<tr><td>%d</td><td style=\"text-align:left\"><b>", rows[r].index);
        html_escape(out, rows[r].type);
        fputs("</b>(", out);
        html_escape(out, rows[r].arguments);
        fputs(")</td>", out);
        if (windows) {
            fputs("<td style=\"text-align:left\">", out);
            window_column(out, &rows[r]);
            fputs("</td>", out);
        }
        fputs("<td style=\"text-align:left;font-family:monospace\">", out);
        if (shapes[r].size > 0 && shapes[r].maps)
            fprintf(out, "[B, %d, H, W]", shapes[r].size);
        else if (shapes[r].size > 0)
            fprintf(out, "[B, %d]", shapes[r].size);
        else
            fputs("–", out);
        fputs("</td><td style=\"text-align:right\">", out);
        grouped(out, rows[r].parameters);
        fputs("</td></tr>", out);
    }
    fprintf(out, "</tbody><tfoot><tr><td></td><td style=\"text-align:left\" colspan=\"%d\">Summe · ", windows ? 3 : 2);
    fprintf(out, "%s · %s</td><td style=\"text-align:right\"><b>", device_name(model_device(model)),
            model_is_training(model) ? "Trainingsmodus" : "Auswertungsmodus");
    grouped(out, (long)model_parameter_count(model));
    fputs("</b></td></tr></tfoot></table>", out);
}

static char *model_html(Model *model, const char *plain)
{
    LayerRow *rows = calloc(MAX_LAYERS, sizeof *rows);
    if (!rows)
        return NULL;
    int count = 0;
    for (const char *line = plain; line && *line && count < MAX_LAYERS;) {
        const char *end = strchr(line, '\n');
        char buffer[256];
        snprintf(buffer, sizeof buffer, "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
        rows[count] = (LayerRow){0};
        if (parse_layer(buffer, &rows[count]))
            count++;
        line = end ? end + 1 : NULL;
    }
    char *html = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&html, &size);
    if (!out) {
        free(rows);
        return NULL;
    }
    if (count > 0) {
        fputs("<div><b>", out);
        html_escape(out, model_name(model));
        fputs("</b></div>", out);
        count_parameters(model, rows, count);
        layer_table(out, model, rows, count);
    } else {
        fputs("<pre>", out);
        html_escape(out, plain);
        fputs("</pre>", out);
    }
    fclose(out);
    free(rows);
    return html;
}

static void print_model(FILE *out, const void *model)
{
    model_fprint(out, model);
}

CnbBundle *cnb_repr_model(const Model *model)
{
    if (object_dead(model, OBJECT_MODEL, "cnb_repr_model"))
        return NULL;
    if (!model)
        return repr_bundle(strdup("NULL"), NULL);
    char *plain = repr_printed(print_model, model);
    if (!plain)
        return NULL;
    /* Reading parameters does not change the model; the API just takes it mutable. */
    return repr_bundle(plain, model_html((Model *)model, plain));
}
