// SPDX-License-Identifier: BSD-3-Clause
/* Reads the PyTorch reference files written by make_reference.py: one tensor
 * per line, "name ndim dim... value...", values printed with 9 significant
 * digits (exact for float32) or as integers. */
#ifndef CNB_TEST_REFERENCE_H
#define CNB_TEST_REFERENCE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct RefTensor {
    char name[96];
    int ndim, shape[4];
    size_t numel;
    double *values;
} RefTensor;

typedef struct Reference {
    RefTensor *items;
    size_t count;
} Reference;

static inline void ref_free(Reference *ref)
{
    if (!ref)
        return;
    for (size_t i = 0; i < ref->count; i++)
        free(ref->items[i].values);
    free(ref->items);
    free(ref);
}

static inline int ref_parse_line(char *line, RefTensor *t)
{
    char *p = line, *end;
    int used = 0;
    if (sscanf(p, "%95s %d%n", t->name, &t->ndim, &used) != 2 || t->ndim < 0 || t->ndim > 4)
        return -1;
    p += used;
    t->numel = 1;
    for (int i = 0; i < t->ndim; i++) {
        t->shape[i] = (int)strtol(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
        t->numel *= (size_t)t->shape[i];
    }
    t->values = malloc((t->numel ? t->numel : 1) * sizeof(double));
    for (size_t i = 0; i < t->numel; i++) {
        t->values[i] = strtod(p, &end);
        if (end == p)
            return -1;
        p = end;
    }
    return 0;
}

/* Opens $CNB_SRCDIR/tests/<file> ("core/reference/random.txt"). */
static inline Reference *ref_load(const char *file)
{
    const char *src = getenv("CNB_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/%s", src ? src : "..", file);
    FILE *in = fopen(path, "r");
    if (!in) {
        printf("# cannot open %s\n", path);
        return NULL;
    }
    Reference *ref = calloc(1, sizeof *ref);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        ref->items = realloc(ref->items, (ref->count + 1) * sizeof *ref->items);
        RefTensor *t = &ref->items[ref->count];
        memset(t, 0, sizeof *t);
        if (ref_parse_line(line, t) < 0) {
            printf("# bad line in %s: %.60s\n", path, line);
            free(t->values);
            continue;
        }
        ref->count++;
    }
    free(line);
    fclose(in);
    return ref;
}

static inline const RefTensor *ref_get(const Reference *ref, const char *name)
{
    for (size_t i = 0; ref && i < ref->count; i++)
        if (strcmp(ref->items[i].name, name) == 0)
            return &ref->items[i];
    printf("# reference %s missing\n", name);
    return NULL;
}

/* Largest absolute difference between floats and the reference values. */
static inline double ref_max_diff(const RefTensor *r, const float *values, size_t n)
{
    if (!r || r->numel != n)
        return INFINITY;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        /* the file holds 9 digits: exactly one float, not exactly a double */
        double d = fabs((double)values[i] - (double)(float)r->values[i]);
        if (!(d <= worst))
            worst = d;
    }
    return worst;
}

#endif
