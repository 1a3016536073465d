// SPDX-License-Identifier: BSD-3-Clause
/* A tensor as a trailing expression: PyTorch's printed form as text, and in
 * the notebook its shape, statistics and (for one or two dimensions) a
 * table of the values, shortened with … in the middle like pandas does. */
#include "cnb.h"
#include "host/object.h"
#include "html.h"
#include "repr_bundle.h"

enum { EDGE = 6 };              /* rows/columns shown at each end */

static void shape_text(FILE *out, const Tensor *t)
{
    fputc('[', out);
    for (int i = 0; i < tensor_ndim(t); i++)
        fprintf(out, "%s%d", i ? ", " : "", tensor_dim(t, i));
    fputc(']', out);
}

static bool all_whole(const float *data, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (data[i] != floorf(data[i]) || fabsf(data[i]) > 1e7f)
            return false;
    return true;
}

/* Positions shown along an axis of length n: all, or EDGE at each end. */
static int shown(int n, int k)
{
    return n <= 2 * EDGE ? k : k < EDGE ? k : n - 2 * EDGE + k;
}

static void value_table(FILE *out, const Tensor *t, const float *data)
{
    int rows = tensor_ndim(t) == 2 ? tensor_dim(t, 0) : 1;
    int cols = tensor_dim(t, -1);
    const char *format = all_whole(data, tensor_numel(t)) ? "%.0f" : "%.4f";
    int shown_rows = rows <= 2 * EDGE ? rows : 2 * EDGE, shown_cols = cols <= 2 * EDGE ? cols : 2 * EDGE;
    fputs("<table style=\"font-family:monospace;font-size:12px\">", out);
    for (int r = 0; r < shown_rows; r++) {
        if (rows > 2 * EDGE && r == EDGE)
            fprintf(out, "<tr><td colspan=\"%d\" style=\"text-align:center\">⋮</td></tr>",
                    shown_cols + (cols > 2 * EDGE));
        fputs("<tr>", out);
        for (int c = 0; c < shown_cols; c++) {
            if (cols > 2 * EDGE && c == EDGE)
                fputs("<td>…</td>", out);
            fputs("<td style=\"text-align:right\">", out);
            fprintf(out, format, data[(size_t)shown(rows, r) * cols + shown(cols, c)]);
            fputs("</td>", out);
        }
        fputs("</tr>", out);
    }
    fputs("</table>", out);
}

static char *tensor_html(const Tensor *t, const char *plain)
{
    char *html = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&html, &size);
    if (!out)
        return NULL;
    fputs("<div><b>Tensor</b> ", out);
    shape_text(out, t);
    fprintf(out, " · float32 · %s", device_name(tensor_device(t)));
    const float *data = tensor_numel(t) > 0 ? tensor_cdata(t) : NULL;
    if (data && tensor_numel(t) > 1)
        fprintf(out, " · min %.4g · mean %.4g · max %.4g", tensor_min(t), tensor_mean(t), tensor_max(t));
    fputs("</div>", out);
    if (data && tensor_ndim(t) >= 1 && tensor_ndim(t) <= 2) {
        value_table(out, t, data);
    } else {
        fputs("<pre>", out);
        html_escape(out, plain);
        fputs("</pre>", out);
    }
    fclose(out);
    return html;
}

static void print_tensor(FILE *out, const void *tensor)
{
    tensor_fprint(out, tensor);
}

CnbBundle *cnb_repr_tensor(const Tensor *tensor)
{
    if (object_dead(tensor, OBJECT_TENSOR, "cnb_repr_tensor"))
        return NULL;
    if (!tensor)
        return repr_bundle(strdup("NULL"), NULL);
    char *plain = repr_printed(print_tensor, tensor);
    if (!plain)
        return NULL;
    return repr_bundle(plain, tensor_html(tensor, plain));
}
