// SPDX-License-Identifier: BSD-3-Clause
/* model_save: a safetensors file with PyTorch's state_dict names.
 *
 * Layout: 8-byte little-endian header length, a JSON header (padded with
 * spaces to a multiple of 8 so the data is aligned), then the raw float32
 * data of every tensor in state_dict order (float32; int64 for
 * BatchNorm's num_batches_tracked).  Written to a temporary file in
 * the same directory, fsync'ed, and renamed over the target: a crash or a
 * full disk mid-write leaves the previous checkpoint as it was. */
#include "nn/model_impl.h"
#include "cnb/checkpoint.h"
#include "host/error_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors stores little-endian floats; add byte swapping for this host"
#endif

/* Bytes of a state_dict entry: float32 data, or one int64 (a counter,
 * stored as PyTorch's 0-dimensional int64 tensor). */
static size_t entry_bytes(const StateEntry *e)
{
    return e->tensor ? e->tensor->numel * sizeof(float) : sizeof(int64_t);
}

static json_t *tensor_entry(const StateEntry *e, uint64_t begin)
{
    json_t *shape = json_array();
    for (int d = 0; e->tensor && d < e->tensor->ndim; d++)
        json_array_append_new(shape, json_integer(e->tensor->shape[d]));
    uint64_t end = begin + entry_bytes(e);
    return json_pack("{s:s, s:o, s:[I, I]}", "dtype", e->tensor ? "F32" : "I64", "shape", shape,
                     "data_offsets", (json_int_t)begin, (json_int_t)end);
}

/* The header text, padded to a multiple of 8; NULL on failure. */
static char *header_text(const Model *model, size_t *length)
{
    json_t *root = json_object();
    json_object_set_new(root, "__metadata__", json_pack("{s:s, s:s}", "format", "pt",
                                                        "model", model->name));
    uint64_t offset = 0;
    for (int e = 0; e < model->state_count; e++) {
        json_object_set_new(root, model->state[e].name, tensor_entry(&model->state[e], offset));
        offset += entry_bytes(&model->state[e]);
    }
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return NULL;
    size_t n = strlen(text), padded = (n + 7) / 8 * 8;
    char *out = realloc(text, padded + 1);
    if (!out) {
        free(text);
        return NULL;
    }
    memset(out + n, ' ', padded - n);
    out[padded] = '\0';
    *length = padded;
    return out;
}

static int write_all(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

static int write_contents(int fd, const Model *model, const char *header, size_t header_len)
{
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)header_len >> (8 * i));
    if (write_all(fd, len, 8) < 0 || write_all(fd, header, header_len) < 0)
        return -1;
    for (int e = 0; e < model->state_count; e++) {
        const StateEntry *entry = &model->state[e];
        const void *data = entry->tensor ? (const void *)tensor_cdata(entry->tensor)
                                         : (const void *)entry->count;
        if (write_all(fd, data, entry_bytes(entry)) < 0)
            return -1;
    }
    return fsync(fd);
}

/* Makes the rename itself durable. */
static void sync_directory(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

int model_save(const Model *model, const char *path)
{
    if (model_dead(model, "model_save"))
        return -1;
    if (!model || !path)
        return cnb_error("model_save", "%s is NULL", model ? "path" : "model");
    size_t header_len = 0;
    char *header = header_text(model, &header_len);
    if (!header)
        return cnb_error("model_save", "cannot build the header (out of memory)");
    size_t tmp_size = strlen(path) + 16;
    char *tmp = malloc(tmp_size);
    if (!tmp) {
        free(header);
        return cnb_error("model_save", "out of memory");
    }
    snprintf(tmp, tmp_size, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int err = errno;
        free(header);
        free(tmp);
        return cnb_error("model_save", "cannot write %s: %s", path, strerror(err));
    }
    fchmod(fd, 0644);
    int failed = write_contents(fd, model, header, header_len);
    int err = errno;
    if (close(fd) < 0 && !failed) {
        failed = -1;
        err = errno;
    }
    if (!failed && rename(tmp, path) < 0) {
        failed = -1;
        err = errno;
    }
    if (failed)
        unlink(tmp);
    else
        sync_directory(path);
    free(header);
    free(tmp);
    if (failed)
        return cnb_error("model_save", "cannot write %s: %s (the previous file, if any, is "
                         "unchanged)", path, strerror(err));
    return 0;
}
