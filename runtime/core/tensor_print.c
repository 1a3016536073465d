// SPDX-License-Identifier: BSD-3-Clause
/* Printing a tensor the way PyTorch does (torch/_tensor_str.py): 4 decimals,
 * a common width per tensor, integer mode ("1.") when every value is whole,
 * scientific mode for wide ranges, lines wrapped at 80 columns, and tensors
 * of more than 1000 elements summarized with "..." (first and last 3).
 * Summarized tensors also show their size, which "..." would hide. */
#include "core/tensor_impl.h"
#include "host/error_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PRINT_PRECISION 4
#define PRINT_THRESHOLD 1000
#define PRINT_EDGEITEMS 3
#define PRINT_LINEWIDTH 80

typedef struct Formatter {
    bool int_mode, sci_mode;
    int max_width;
} Formatter;

/* Calls visit(value) for every element that will be printed. */
typedef struct Walk {
    const Tensor *t;
    bool summarize;
    void (*visit)(void *ctx, float value);
    void *ctx;
} Walk;

static bool skip_index(const Walk *w, int axis, int i)
{
    int n = w->t->shape[axis];
    return w->summarize && n > 2 * PRINT_EDGEITEMS && i >= PRINT_EDGEITEMS && i < n - PRINT_EDGEITEMS;
}

static void walk(const Walk *w, int axis, size_t offset)
{
    if (axis == w->t->ndim) {
        w->visit(w->ctx, w->t->data[offset]);
        return;
    }
    for (int i = 0; i < w->t->shape[axis]; i++)
        if (!skip_index(w, axis, i))
            walk(w, axis + 1, offset * (size_t)w->t->shape[axis] + (size_t)i);
}

typedef struct Scan {
    bool any, int_mode;
    double min_abs, max_abs;
} Scan;

static void scan_value(void *ctx, float value)
{
    Scan *s = ctx;
    if (!isfinite(value) || value == 0)
        return;
    double a = fabs((double)value);
    if (!s->any || a < s->min_abs)
        s->min_abs = a;
    if (!s->any || a > s->max_abs)
        s->max_abs = a;
    s->any = true;
    if (value != ceilf(value))
        s->int_mode = false;
}

typedef struct Widen {
    Formatter *f;
    bool sci;
    int precision, extra;     /* int mode prints "%.0f" and a '.' */
} Widen;

static void widen_value(void *ctx, float value)
{
    Widen *w = ctx;
    if (!isfinite(value) || value == 0)
        return;
    char text[64];
    int n = snprintf(text, sizeof text, w->sci ? "%.*e" : "%.*f", w->precision, (double)value);
    n += w->extra;
    if (n > w->f->max_width)
        w->f->max_width = n;
}

static Formatter make_formatter(const Tensor *t, bool summarize)
{
    Formatter f = { .int_mode = true, .sci_mode = false, .max_width = 1 };
    Scan scan = { .int_mode = true };
    Walk w = { t, summarize, scan_value, &scan };
    walk(&w, 0, 0);
    if (!scan.any)
        return f;                 /* only zeros or non-finite values */
    f.int_mode = scan.int_mode;
    bool wide = scan.max_abs / scan.min_abs > 1000.0 || scan.max_abs > 1e8;
    f.sci_mode = f.int_mode ? wide : (wide || scan.min_abs < 1e-4);
    Widen widen = { &f, true, PRINT_PRECISION, 0 };
    if (!f.sci_mode)
        widen = f.int_mode ? (Widen){ &f, false, 0, 1 } : (Widen){ &f, false, PRINT_PRECISION, 0 };
    Walk w2 = { t, summarize, widen_value, &widen };
    walk(&w2, 0, 0);
    return f;
}

static void format_value(const Formatter *f, float value, char *text, size_t size)
{
    char body[64];
    double v = value;
    if (isnan(v))
        snprintf(body, sizeof body, "nan");
    else if (isinf(v))
        snprintf(body, sizeof body, v > 0 ? "inf" : "-inf");
    else if (f->sci_mode)
        snprintf(body, sizeof body, "%.*e", PRINT_PRECISION, v);
    else if (f->int_mode)
        snprintf(body, sizeof body, "%.0f.", v);
    else
        snprintf(body, sizeof body, "%.*f", PRINT_PRECISION, v);
    int pad = f->max_width - (int)strlen(body);
    snprintf(text, size, "%*s%s", pad > 0 ? pad : 0, "", body);
}

static void print_vector(FILE *out, const Tensor *t, const Formatter *f, bool summarize,
                         size_t offset, int indent)
{
    int n = t->shape[t->ndim - 1];
    int per_line = (PRINT_LINEWIDTH - indent) / (f->max_width + 2);
    if (per_line < 1)
        per_line = 1;
    fputc('[', out);
    int printed = 0;
    for (int i = 0; i < n; i++) {
        char text[80];
        bool ellipsis = summarize && n > 2 * PRINT_EDGEITEMS && i == PRINT_EDGEITEMS;
        if (ellipsis)
            snprintf(text, sizeof text, " ...");
        else if (summarize && n > 2 * PRINT_EDGEITEMS && i > PRINT_EDGEITEMS && i < n - PRINT_EDGEITEMS)
            continue;
        else
            format_value(f, t->data[offset * (size_t)n + (size_t)i], text, sizeof text);
        if (printed > 0)
            fprintf(out, printed % per_line == 0 ? ",\n%*s" : ", ", indent + 1, "");
        fputs(text, out);
        printed++;
    }
    fputc(']', out);
}

static void print_dims(FILE *out, const Tensor *t, const Formatter *f, bool summarize,
                       int axis, size_t offset, int indent)
{
    if (axis == t->ndim - 1) {
        print_vector(out, t, f, summarize, offset, indent);
        return;
    }
    int n = t->shape[axis], remaining = t->ndim - axis;
    fputc('[', out);
    bool first = true;
    for (int i = 0; i < n; i++) {
        bool cut = summarize && n > 2 * PRINT_EDGEITEMS;
        if (cut && i > PRINT_EDGEITEMS && i < n - PRINT_EDGEITEMS)
            continue;
        if (!first) {
            fputc(',', out);
            for (int k = 0; k < remaining - 1; k++)
                fputc('\n', out);
            fprintf(out, "%*s", indent + 1, "");
        }
        first = false;
        if (cut && i == PRINT_EDGEITEMS) {
            fputs("...", out);
            continue;
        }
        size_t inner = offset * (size_t)n + (size_t)i;
        print_dims(out, t, f, summarize, axis + 1, inner, indent + 1);
    }
    fputc(']', out);
}

static void print_size(FILE *out, const Tensor *t)
{
    fputs("size=(", out);
    for (int i = 0; i < t->ndim; i++)
        fprintf(out, i ? ", %d" : "%d", t->shape[i]);
    fputs(t->ndim == 1 ? ",)" : ")", out);
}

void tensor_fprint(FILE *out, const Tensor *t)
{
    if (tensor_dead(t, "tensor_print"))
        return;
    if (!out)
        out = stdout;
    if (!t) {
        cnb_error("tensor_print", "tensor is NULL");
        return;
    }
    (void)tensor_cdata(t);        /* brings a device tensor's data to the host */
    const int indent = 7;         /* strlen("tensor(") */
    bool summarize = t->numel > PRINT_THRESHOLD;
    fputs("tensor(", out);
    if (t->numel == 0) {
        fputs("[]", out);
        if (t->ndim != 1) {
            fputs(", ", out);
            print_size(out, t);
        }
    } else {
        /* offsets are computed as if the tensor were contiguous: it is */
        Formatter f = make_formatter(t, summarize);
        if (t->ndim == 0) {
            char text[80];
            Formatter scalar = f;
            scalar.max_width = 0;
            format_value(&scalar, t->data[0], text, sizeof text);
            fputs(text, out);
        } else {
            print_dims(out, t, &f, summarize, 0, 0, indent);
        }
        if (summarize) {
            fputs(", ", out);
            print_size(out, t);
        }
    }
    if (t->device != CPU)
        fprintf(out, ", device='%s:0'", device_name(t->device));
    fputs(")\n", out);
}

void tensor_print(const Tensor *t)
{
    tensor_fprint(stdout, t);
    fflush(stdout);
}
