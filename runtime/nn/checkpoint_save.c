/* model_save: a safetensors file with PyTorch's state_dict names.
 *
 * Layout: 8-byte little-endian header length, a JSON header (padded with
 * spaces to a multiple of 8 so the data is aligned), then the raw float32
 * data of every tensor in state_dict order.  Written to a temporary file in
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

static json_t *tensor_entry(const Tensor *t, uint64_t begin)
{
    json_t *shape = json_array();
    for (int d = 0; d < t->ndim; d++)
        json_array_append_new(shape, json_integer(t->shape[d]));
    uint64_t end = begin + t->numel * sizeof(float);
    return json_pack("{s:s, s:o, s:[I, I]}", "dtype", "F32", "shape", shape,
                     "data_offsets", (json_int_t)begin, (json_int_t)end);
}

/* The header text, padded to a multiple of 8; NULL on failure. */
static char *header_text(const Model *model, size_t *length)
{
    json_t *root = json_object();
    json_object_set_new(root, "__metadata__", json_pack("{s:s, s:s}", "format", "pt",
                                                        "model", model->name));
    uint64_t offset = 0;
    for (int p = 0; p < model->param_count; p++) {
        json_object_set_new(root, model->param_names[p], tensor_entry(model->params[p], offset));
        offset += model->params[p]->numel * sizeof(float);
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
    for (int p = 0; p < model->param_count; p++) {
        const Tensor *t = model->params[p];
        if (write_all(fd, tensor_cdata(t), t->numel * sizeof(float)) < 0)
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
