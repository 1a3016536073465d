// SPDX-License-Identifier: BSD-3-Clause
/* A model as a trailing expression: print(model) as text, and in the
 * notebook a table of its layers with output shapes and parameter counts
 * (what torchsummary prints).  The layers are read from model_fprint's
 * PyTorch-style lines "(1): Linear(in_features=784, ...)"; the weights'
 * shapes give each layer's output size. */
#include "cnb.h"
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
} LayerRow;

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
            }
    }
}

/* Features after each layer: a weight sets them; a flatten takes the next
 * weighted layer's input size; anything else keeps them. */
static void output_shapes(const LayerRow *rows, int count, int *features)
{
    int current = 0;
    for (int r = 0; r < count; r++) {
        if (rows[r].out_features > 0)
            current = rows[r].out_features;
        else if (strcmp(rows[r].type, "Flatten") == 0)
            for (int next = r + 1; next < count; next++)
                if (rows[next].in_features > 0) {
                    current = rows[next].in_features;
                    break;
                }
        features[r] = current;
    }
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
    int features[MAX_LAYERS];
    output_shapes(rows, count, features);
    fputs("<table><thead><tr><th>#</th><th style=\"text-align:left\">Schicht</th>"
          "<th style=\"text-align:left\">Ausgabe</th><th style=\"text-align:right\">Parameter</th>"
          "</tr></thead><tbody>", out);
    for (int r = 0; r < count; r++) {
        fprintf(out, "<tr><td>%d</td><td style=\"text-align:left\"><b>", rows[r].index);
        html_escape(out, rows[r].type);
        fputs("</b>(", out);
        html_escape(out, rows[r].arguments);
        fputs(")</td><td style=\"text-align:left;font-family:monospace\">", out);
        if (features[r] > 0)
            fprintf(out, "[B, %d]", features[r]);
        else
            fputs("–", out);
        fputs("</td><td style=\"text-align:right\">", out);
        grouped(out, rows[r].parameters);
        fputs("</td></tr>", out);
    }
    fputs("</tbody><tfoot><tr><td></td><td style=\"text-align:left\" colspan=\"2\">Summe · ", out);
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
    if (!model)
        return repr_bundle(strdup("NULL"), NULL);
    char *plain = repr_printed(print_model, model);
    if (!plain)
        return NULL;
    /* Reading parameters does not change the model; the API just takes it mutable. */
    return repr_bundle(plain, model_html((Model *)model, plain));
}
