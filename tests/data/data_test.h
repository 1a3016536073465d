// SPDX-License-Identifier: BSD-3-Clause
/* Helpers of the data tests: reference files from make_reference.py, small
 * IDX files written on the fly, a scratch folder, the real MNIST files. */
#ifndef CNB_TEST_DATA_TEST_H
#define CNB_TEST_DATA_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cnb.h"
#include "tap.h"

/* ---- reference values: "name ndim dim... value..." per line ---- */

typedef struct Ref {
    char name[96];
    int ndim, shape[4];
    size_t numel;
    double *values;
} Ref;

typedef struct RefFile {
    Ref *items;
    size_t count;
} RefFile;

static inline int ref_parse(char *p, Ref *r)
{
    char *end;
    int used = 0;
    if (sscanf(p, "%95s %d%n", r->name, &r->ndim, &used) != 2 || r->ndim < 0 || r->ndim > 4)
        return -1;
    p += used;
    r->numel = 1;
    for (int i = 0; i < r->ndim; i++) {
        r->shape[i] = (int)strtol(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
        r->numel *= (size_t)r->shape[i];
    }
    r->values = malloc((r->numel ? r->numel : 1) * sizeof(double));
    for (size_t i = 0; i < r->numel; i++) {
        r->values[i] = strtod(p, &end);
        if (end == p)
            return -1;
        p = end;
    }
    return 0;
}

/* Loads $CNB_SRCDIR/tests/data/reference/<file>. */
static inline RefFile *refs_load(const char *file)
{
    const char *src = getenv("CNB_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/reference/%s", src ? src : "../..", file);
    FILE *in = fopen(path, "r");
    if (!in) {
        printf("# cannot open %s\n", path);
        return NULL;
    }
    RefFile *refs = calloc(1, sizeof *refs);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, in) > 0) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        refs->items = realloc(refs->items, (refs->count + 1) * sizeof *refs->items);
        Ref *r = &refs->items[refs->count];
        memset(r, 0, sizeof *r);
        if (ref_parse(line, r) == 0)
            refs->count++;
        else
            free(r->values);
    }
    free(line);
    fclose(in);
    return refs;
}

static inline const Ref *ref_find(const RefFile *refs, const char *name)
{
    for (size_t i = 0; refs && i < refs->count; i++)
        if (strcmp(refs->items[i].name, name) == 0)
            return &refs->items[i];
    printf("# reference %s missing\n", name);
    return NULL;
}

static inline void refs_free(RefFile *refs)
{
    for (size_t i = 0; refs && i < refs->count; i++)
        free(refs->items[i].values);
    if (refs)
        free(refs->items);
    free(refs);
}

/* ---- files ---- */

/* A fresh scratch folder under $TMPDIR. */
static inline char *scratch_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/cnb-data-test-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 ||
        !mkdtemp(path)) {
        printf("# cannot make a scratch folder\n");
        exit(1);
    }
    return path;
}

static inline void remove_tree(const char *path)
{
    char *command = NULL;
    if (asprintf(&command, "rm -rf '%s'", path) >= 0 && system(command) != 0)
        printf("# could not remove %s\n", path);
    free(command);
}

static inline char *path_join(const char *dir, const char *name)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        exit(1);
    return path;
}

/* Writes bytes to path, gzip-compressed if gz. */
static inline void write_bytes(const char *path, const void *data, size_t size, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, data, (unsigned)size);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(data, 1, size, f);
        fclose(f);
    }
}

/* An IDX header for a ubyte array; returns its length. */
static inline size_t idx_header(uint8_t *out, int ndim, const uint32_t *dims)
{
    out[0] = out[1] = 0;
    out[2] = 0x08;
    out[3] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++) {
        out[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        out[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        out[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        out[7 + 4 * i] = (uint8_t)dims[i];
    }
    return 4 + 4 * (size_t)ndim;
}

/* count 28x28 images, pixel (k, i) = (k * 7 + i) % 256, and labels k % 10. */
static inline void write_mnist_pair(const char *dir, const char *images_name,
                                    const char *labels_name, uint32_t count, int gz)
{
    size_t n = (size_t)count * 784;
    uint8_t *buffer = malloc(16 + n);
    uint32_t dims[3] = {count, 28, 28};
    size_t h = idx_header(buffer, 3, dims);
    for (size_t k = 0; k < count; k++)
        for (size_t i = 0; i < 784; i++)
            buffer[h + k * 784 + i] = (uint8_t)((k * 7 + i) % 256);
    char *path = path_join(dir, images_name);
    write_bytes(path, buffer, h + n, gz);
    free(path);
    h = idx_header(buffer, 1, dims);
    for (size_t k = 0; k < count; k++)
        buffer[h + k] = (uint8_t)(k % 10);
    path = path_join(dir, labels_name);
    write_bytes(path, buffer, h + count, gz);
    free(path);
    free(buffer);
}

/* The real MNIST files shipped in the source tree (gzip-compressed). */
static inline const char *mnist_dir(void)
{
    static char path[4096];
    const char *dir = getenv("CNB_MNIST_DIR");
    if (dir)
        return dir;
    const char *src = getenv("CNB_SRCDIR");
    snprintf(path, sizeof path, "%s/data/MNIST/raw", src ? src : "../..");
    return path;
}

/* Whether the last error contains text (prints it when not). */
static inline int error_says(const char *text)
{
    const char *e = cnb_last_error();
    if (strstr(e, text))
        return 1;
    printf("#   error was \"%s\", expected it to contain \"%s\"\n", e, text);
    return 0;
}

#endif
