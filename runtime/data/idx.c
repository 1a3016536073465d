// SPDX-License-Identifier: BSD-3-Clause
/* IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic (two zero
 * bytes, the element type, the number of dimensions), one big-endian uint32
 * per dimension, then the elements.  zlib's gz* functions read gzip and plain
 * files alike, so a .gz and its extracted twin go through the same code. */
#include "data/idx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "host/error_internal.h"

#define IDX_TYPE_UBYTE 0x08
/* Far above any dataset of this kind: a header announcing more is corrupt. */
#define IDX_MAX_BYTES ((size_t)1 << 31)
#define IDX_CHUNK (64u << 20)
#define IDX_FIRST_BUFFER ((size_t)1 << 20)

/* zlib's message without the file name it starts with (ours says it). */
static const char *gz_message(gzFile file, int *code)
{
    const char *error = gzerror(file, code);
    const char *colon = strstr(error, ": ");
    return colon ? colon + 2 : error;
}

/* What zlib says is wrong, in words for the error message. */
static const char *gz_problem(gzFile file, char *text, size_t size)
{
    int code;
    const char *error = gz_message(file, &code);
    if (code == Z_BUF_ERROR)
        snprintf(text, size, "truncated: the gzip stream ends early");
    else if (code == Z_DATA_ERROR)
        snprintf(text, size, "corrupt gzip data (%s)", error);
    else if (code == Z_ERRNO)
        snprintf(text, size, "read error (%s)", strerror(errno));
    else if (code != Z_OK)
        snprintf(text, size, "%s", error);
    else
        return NULL;
    return text;
}

/* Reads up to size bytes; returns how many, or -1 if zlib reports an error
 * (a corrupt or truncated gzip stream) with problem filled in. */
static long long read_fully(gzFile file, void *buffer, size_t size, char problem[200])
{
    size_t done = 0;
    while (done < size) {
        size_t want = size - done < IDX_CHUNK ? size - done : IDX_CHUNK;
        int got = gzread(file, (char *)buffer + done, (unsigned)want);
        if (got <= 0)
            break;
        done += (size_t)got;
    }
    /* A stream cut short shows as Z_BUF_ERROR next to a short count. */
    if (gz_problem(file, problem, 200))
        return -1;
    return (long long)done;
}

static int check_header(const char *function, const char *path, const uint8_t magic[4],
                        int ndim)
{
    if (magic[0] != 0 || magic[1] != 0)
        return cnb_error(function, "%s: bad magic number 0x%02x%02x%02x%02x: not an IDX file",
                         path, magic[0], magic[1], magic[2], magic[3]);
    if (magic[2] != IDX_TYPE_UBYTE)
        return cnb_error(function, "%s: element type 0x%02x is not unsigned byte (0x08)",
                         path, magic[2]);
    if (magic[3] != ndim)
        return cnb_error(function, "%s: wrong dimensions: %d, expected %d (%s)", path,
                         magic[3], ndim, ndim == 1 ? "a label file" : "an image file");
    return 0;
}

/* Reads the dimensions and works out the size of the data. */
static int read_dims(const char *function, const char *path, gzFile file, IdxArray *out,
                     size_t *bytes)
{
    uint8_t raw[IDX_MAX_DIMS * 4];
    char message[200];
    long long got = read_fully(file, raw, (size_t)out->ndim * 4, message);
    if (got < 0)
        return cnb_error(function, "%s: %s", path, message);
    if (got < out->ndim * 4)
        return cnb_error(function, "%s: truncated: the header ends after %lld bytes", path,
                         got + 4);
    size_t total = 1;
    for (int i = 0; i < out->ndim; i++) {
        const uint8_t *b = raw + 4 * i;
        out->dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (out->dims[i] == 0)
            return cnb_error(function, "%s: wrong dimensions: dimension %d is 0", path, i);
        if (__builtin_mul_overflow(total, (size_t)out->dims[i], &total) || total > IDX_MAX_BYTES)
            return cnb_error(function, "%s: wrong dimensions: the header announces more than "
                             "%zu bytes (corrupt header?)", path, IDX_MAX_BYTES);
    }
    out->item_size = total / out->dims[0];
    *bytes = total;
    return 0;
}

/* Reads the announced bytes into a buffer that grows with the data that
 * actually comes: a damaged or hostile header announcing a gigabyte costs
 * no more memory than the file holds. */
static long long read_growing(gzFile file, IdxArray *out, size_t bytes, char problem[200])
{
    size_t done = 0, capacity = 0;
    while (done < bytes) {
        if (done == capacity) {
            size_t bigger = capacity ? 2 * capacity : IDX_FIRST_BUFFER;
            capacity = bigger < bytes ? bigger : bytes;
            uint8_t *grown = realloc(out->data, capacity);
            if (!grown) {
                snprintf(problem, 200, "out of memory for %zu bytes", capacity);
                return -1;
            }
            out->data = grown;
        }
        long long got = read_fully(file, out->data + done, capacity - done, problem);
        if (got < 0)
            return -1;
        done += (size_t)got;
        if (done < capacity)
            break;   /* the file ended */
    }
    return (long long)done;
}

static int read_body(const char *function, const char *path, gzFile file, IdxArray *out,
                     size_t bytes)
{
    char message[200];
    long long got = read_growing(file, out, bytes, message);
    if (got < 0)
        return cnb_error(function, "%s: %s", path, message);
    if ((size_t)got < bytes)
        return cnb_error(function, "%s: truncated: %lld of %zu data bytes (%u items announced)",
                         path, got, bytes, out->dims[0]);
    /* Reading one byte more checks the gzip trailer (CRC and length) too. */
    uint8_t extra[256];
    got = read_fully(file, extra, sizeof extra, message);
    if (got < 0)
        return cnb_error(function, "%s: %s", path, message);
    if (got > 0)
        return cnb_error(function, "%s: more data than the header announces (%zu bytes)",
                         path, bytes);
    return 0;
}

/* Maps an uncompressed file whose size is exactly the header and the
 * announced data; false (nothing mapped) otherwise, and the file is read
 * instead, which also names what is wrong with it. */
static bool map_body(const char *path, size_t header, size_t bytes, IdxArray *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    void *base = MAP_FAILED;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size == header + bytes)
        base = mmap(NULL, header + bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED)
        return false;
    out->mapping = base;
    out->mapped = header + bytes;
    out->data = (uint8_t *)base + header;
    return true;
}

int idx_load(const char *function, const char *path, int ndim, IdxArray *out)
{
    memset(out, 0, sizeof *out);
    if (ndim < 1 || ndim > IDX_MAX_DIMS)
        return cnb_error(function, "%s: unsupported number of dimensions %d", path, ndim);
    out->ndim = ndim;
    gzFile file = gzopen(path, "rb");
    if (!file)
        return cnb_error(function, "%s: %s", path,
                         errno == ENOENT ? "file not found" : strerror(errno ? errno : ENOMEM));
    gzbuffer(file, 1u << 18);
    uint8_t magic[4];
    char message[200];
    long long got = read_fully(file, magic, 4, message);
    size_t bytes = 0;
    int rc;
    if (got < 0)
        rc = cnb_error(function, "%s: %s", path, message);
    else if (got < 4)
        rc = cnb_error(function, "%s: truncated: %lld bytes, too short for an IDX header",
                       path, got);
    else
        rc = check_header(function, path, magic, ndim);
    if (rc == 0)
        rc = read_dims(function, path, file, out, &bytes);
    if (rc == 0 && !(gzdirect(file) && map_body(path, 4 + 4 * (size_t)ndim, bytes, out)))
        rc = read_body(function, path, file, out, bytes);
    gzclose(file);
    if (rc != 0)
        idx_free(out);
    return rc;
}

void idx_free(IdxArray *array)
{
    if (!array)
        return;
    if (array->mapping)
        munmap(array->mapping, array->mapped);
    else
        free(array->data);
    array->data = NULL;
    array->mapping = NULL;
}
