// SPDX-License-Identifier: BSD-3-Clause
/* model_load: reads a safetensors file into a model, checking everything
 * before changing anything.  A missing or extra tensor, another shape or
 * dtype, offsets outside the file, a truncated file or a header that is not
 * JSON give a message naming the file and the tensor; the model is then
 * left exactly as it was (like load_state_dict(strict=True), which also
 * refuses unexpected names). */
#include "nn/model_impl.h"
#include "cnb/checkpoint.h"
#include "host/error_internal.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADER (100u * 1024 * 1024)   /* the limit safetensors itself uses */

typedef struct Checkpoint {
    const char *path;
    json_t *header;
    unsigned char *data;
    size_t data_size;
} Checkpoint;

static int read_file(const char *path, unsigned char **bytes, size_t *size)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return cnb_error("model_load", "cannot open %s: %s", path, strerror(errno));
    long length = -1;
    if (fseek(in, 0, SEEK_END) == 0)
        length = ftell(in);
    if (length < 0 || fseek(in, 0, SEEK_SET) != 0) {
        fclose(in);
        return cnb_error("model_load", "cannot read %s (not a regular file?)", path);
    }
    *bytes = malloc((size_t)length + 1);
    if (!*bytes) {
        fclose(in);
        return cnb_error("model_load", "%s: out of memory for %ld bytes", path, length);
    }
    size_t got = fread(*bytes, 1, (size_t)length, in);
    fclose(in);
    if (got != (size_t)length) {
        free(*bytes);
        return cnb_error("model_load", "cannot read %s: short read", path);
    }
    *size = (size_t)length;
    return 0;
}

static int parse(Checkpoint *c, unsigned char *bytes, size_t size)
{
    if (size < 8)
        return cnb_error("model_load", "%s is not a safetensors file (only %zu bytes)", c->path,
                         size);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = (n << 8) | bytes[i];
    if (n > MAX_HEADER || n > size - 8)
        return cnb_error("model_load", "%s is not a safetensors file or is truncated (header "
                         "length %llu, file %zu bytes)", c->path, (unsigned long long)n, size);
    json_error_t err;
    c->header = json_loadb((const char *)bytes + 8, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    if (!c->header || !json_is_object(c->header))
        return cnb_error("model_load", "%s: the header is not a JSON object (%s)", c->path,
                         c->header ? "another JSON value" : err.text);
    c->data = bytes + 8 + n;
    c->data_size = size - 8 - (size_t)n;
    return 0;
}

static void shape_text(const int *shape, int ndim, char *text, size_t size)
{
    size_t used = (size_t)snprintf(text, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(text + used, size - used, i ? ", %d" : "%d", shape[i]);
    if (used < size)
        snprintf(text + used, size - used, "]");
}

/* Reads "shape" into shape/ndim; -1 if it is not a list of up to 4 sizes. */
static int entry_shape(json_t *entry, int *shape, int *ndim)
{
    json_t *list = json_object_get(entry, "shape");
    if (!json_is_array(list) || json_array_size(list) > CNB_MAX_DIMS)
        return -1;
    *ndim = (int)json_array_size(list);
    for (int d = 0; d < *ndim; d++) {
        json_t *v = json_array_get(list, (size_t)d);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
            return -1;
        shape[d] = (int)json_integer_value(v);
    }
    return 0;
}

static int entry_offsets(json_t *entry, size_t data_size, size_t *begin, size_t *end)
{
    json_t *list = json_object_get(entry, "data_offsets");
    if (!json_is_array(list) || json_array_size(list) != 2)
        return -1;
    json_t *b = json_array_get(list, 0), *e = json_array_get(list, 1);
    if (!json_is_integer(b) || !json_is_integer(e))
        return -1;
    json_int_t bv = json_integer_value(b), ev = json_integer_value(e);
    if (bv < 0 || ev < bv || (uint64_t)ev > data_size)
        return -1;
    *begin = (size_t)bv;
    *end = (size_t)ev;
    return 0;
}

/* Checks the entry for the model's state_dict entry e; on success sets
 * *source. */
static int check_entry(const Checkpoint *c, const Model *model, int e,
                       const unsigned char **source)
{
    const char *name = model->state[e].name;
    const Tensor *t = model->state[e].tensor;    /* NULL: an int64 counter */
    const char *want_dtype = t ? "F32" : "I64";
    json_t *entry = json_object_get(c->header, name);
    if (!json_is_object(entry))
        return cnb_error("model_load", "%s has no tensor %s (was it saved from another "
                         "model?)", c->path, name);
    const char *dtype = json_string_value(json_object_get(entry, "dtype"));
    if (!dtype || strcmp(dtype, want_dtype) != 0)
        return cnb_error("model_load", "%s: tensor %s has dtype %s; the model's is %s",
                         c->path, name, dtype ? dtype : "(none)", want_dtype);
    int shape[CNB_MAX_DIMS], ndim;
    char want[64], got[64];
    if (entry_shape(entry, shape, &ndim) < 0)
        return cnb_error("model_load", "%s: tensor %s has no valid shape", c->path, name);
    if (t)
        shape_text(t->shape, t->ndim, want, sizeof want);
    else
        shape_text(NULL, 0, want, sizeof want);
    shape_text(shape, ndim, got, sizeof got);
    if (strcmp(want, got) != 0)
        return cnb_error("model_load", "%s: tensor %s has shape %s in the file but %s in the "
                         "model", c->path, name, got, want);
    size_t begin, end;
    if (entry_offsets(entry, c->data_size, &begin, &end) < 0 ||
        end - begin != (t ? t->numel * sizeof(float) : sizeof(int64_t)))
        return cnb_error("model_load", "%s: tensor %s has data offsets outside the file or of "
                         "the wrong size (truncated file?)", c->path, name);
    *source = c->data + begin;     /* maybe unaligned: copied with memcpy */
    return 0;
}

static bool model_has(const Model *model, const char *name)
{
    for (int e = 0; e < model->state_count; e++)
        if (strcmp(model->state[e].name, name) == 0)
            return true;
    return false;
}

static int check_extra(const Checkpoint *c, const Model *model)
{
    const char *key;
    json_t *value;
    json_object_foreach(c->header, key, value) {
        if (strcmp(key, "__metadata__") != 0 && !model_has(model, key))
            return cnb_error("model_load", "%s has tensor %s, which the model does not have "
                             "(was it saved from another model?)", c->path, key);
    }
    return 0;
}

int model_load(Model *model, const char *path)
{
    if (model_dead(model, "model_load"))
        return -1;
    if (!model || !path)
        return cnb_error("model_load", "%s is NULL", model ? "path" : "model");
    unsigned char *bytes = NULL;
    size_t size = 0;
    Checkpoint c = { .path = path };
    if (read_file(path, &bytes, &size) < 0)
        return -1;
    const unsigned char **sources = calloc((size_t)model->state_count + 1, sizeof *sources);
    int failed = !sources ? cnb_error("model_load", "out of memory") : parse(&c, bytes, size);
    for (int e = 0; !failed && e < model->state_count; e++)
        failed = check_entry(&c, model, e, &sources[e]);
    if (!failed)
        failed = check_extra(&c, model);
    /* everything checked: now, and only now, change the model */
    for (int e = 0; !failed && e < model->state_count; e++) {
        Tensor *t = model->state[e].tensor;
        if (!t) {
            memcpy(model->state[e].count, sources[e], sizeof(int64_t));
            continue;
        }
        memcpy(t->data, sources[e], t->numel * sizeof(float));
        if (t->device == CUDA)     /* a GPU model: its device block too */
            failed = tensor_device_upload(t, "model_load") < 0;
    }
    json_decref(c.header);
    free(sources);
    free(bytes);
    return failed ? -1 : 0;
}
