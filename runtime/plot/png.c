// SPDX-License-Identifier: BSD-3-Clause
/* PNG encoding in memory with zlib.  Cairo's own writer (libpng) tries five
 * filters on every row and compresses at zlib's level 6: about 45 ms for
 * the 1384x1288 confusion matrix.  Figures are flat colour and text, so
 * one cheap filter ("Up") and level 2 give files about 20% larger in a
 * fraction of the time, which keeps a picture well under 20 ms.  Not libpng
 * at those settings: it writes the same stream, but needs Cairo's words
 * packed to RGB first, where this converts and filters in one pass, and
 * takes 10-25% longer for a figure (bench/png_encoders.c, plot/README.md). */
#include "figure.h"
#include "host/error_internal.h"
#include "cnb/plot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { GRAY = 0, RGB = 2 };     /* PNG colour types */
enum { FILTER_UP = 2, LEVEL = 2 };

/* Writes row y already filtered with "Up" (each byte minus the byte above
 * it, the row above being zeros for y = 0): width * channels bytes.  The
 * sources keep every row, so no copy of the previous row is needed. */
typedef void (*RowFilter)(const void *source, int y, unsigned char *filtered);

static void put32(unsigned char *at, uint32_t value)
{
    at[0] = (unsigned char)(value >> 24);
    at[1] = (unsigned char)(value >> 16);
    at[2] = (unsigned char)(value >> 8);
    at[3] = (unsigned char)value;
}

/* Completes a chunk whose data is already at at + 8: length, type, CRC. */
static size_t finish_chunk(unsigned char *at, const char *type, size_t length)
{
    put32(at, (uint32_t)length);
    memcpy(at + 4, type, 4);
    put32(at + 8 + length, (uint32_t)crc32(crc32(0, NULL, 0), at + 4, (uInt)(length + 4)));
    return 12 + length;
}

/* Deflates the filtered rows, one at a time, into z's output. */
static int deflate_rows(z_stream *z, const void *source, RowFilter filter, int height, size_t row_bytes)
{
    unsigned char *line = malloc(row_bytes + 1);
    if (!line)
        return -1;
    int status = Z_OK;
    for (int y = 0; y < height && status == Z_OK; y++) {
        line[0] = FILTER_UP;
        filter(source, y, line + 1);
        z->next_in = line;
        z->avail_in = (uInt)(row_bytes + 1);
        status = deflate(z, y + 1 == height ? Z_FINISH : Z_NO_FLUSH);
    }
    free(line);
    return status == Z_STREAM_END ? 0 : -1;
}

static unsigned char *png_encode(const void *source, RowFilter filter, int width, int height,
                                 int colour_type, size_t *size, const char *who)
{
    if (width <= 0 || height <= 0 || width > 32767 || height > 32767) {
        cnb_error(who, "needs a size between 1x1 and 32767x32767, not %dx%d", width, height);
        return NULL;
    }
    size_t row_bytes = (size_t)width * (colour_type == RGB ? 3 : 1);
    z_stream z = {0};
    if (deflateInit(&z, LEVEL) != Z_OK) {
        cnb_error(who, "zlib cannot start");
        return NULL;
    }
    size_t bound = deflateBound(&z, (uLong)((row_bytes + 1) * height));
    unsigned char *png = malloc(8 + 25 + 12 + bound + 12);
    if (!png) {
        deflateEnd(&z);
        cnb_error(who, "out of memory for a %dx%d image", width, height);
        return NULL;
    }
    static const unsigned char SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(png, SIGNATURE, 8);
    size_t at = 8;
    unsigned char *header = png + at + 8;
    put32(header, (uint32_t)width);
    put32(header + 4, (uint32_t)height);
    header[8] = 8;                  /* bits per channel */
    header[9] = (unsigned char)colour_type;
    header[10] = header[11] = header[12] = 0;   /* deflate, adaptive filters, no interlace */
    at += finish_chunk(png + at, "IHDR", 13);
    z.next_out = png + at + 8;
    z.avail_out = (uInt)bound;
    int status = deflate_rows(&z, source, filter, height, row_bytes);
    size_t compressed = z.total_out;
    deflateEnd(&z);
    if (status != 0) {
        free(png);
        cnb_error(who, "zlib failed to compress the image");
        return NULL;
    }
    at += finish_chunk(png + at, "IDAT", compressed);
    at += finish_chunk(png + at, "IEND", 0);
    if (size)
        *size = at;
    return png;
}

/* Cairo keeps RGB24 pixels as native 32-bit words 0x00RRGGBB. */
static const uint32_t *surface_row(cairo_surface_t *surface, int y)
{
    return (const uint32_t *)(cairo_image_surface_get_data(surface)
                              + (size_t)y * cairo_image_surface_get_stride(surface));
}

static void surface_filter(const void *source, int y, unsigned char *out)
{
    cairo_surface_t *surface = (cairo_surface_t *)source;
    const uint32_t *row = surface_row(surface, y);
    int width = cairo_image_surface_get_width(surface);
    if (y == 0) {
        for (int x = 0; x < width; x++, out += 3) {
            out[0] = (unsigned char)(row[x] >> 16);
            out[1] = (unsigned char)(row[x] >> 8);
            out[2] = (unsigned char)row[x];
        }
        return;
    }
    const uint32_t *above = surface_row(surface, y - 1);
    for (int x = 0; x < width; x++, out += 3) {
        uint32_t a = row[x], b = above[x];
        out[0] = (unsigned char)((a >> 16) - (b >> 16));
        out[1] = (unsigned char)((a >> 8) - (b >> 8));
        out[2] = (unsigned char)(a - b);
    }
}

unsigned char *png_from_surface(cairo_surface_t *surface, size_t *size)
{
    cairo_surface_flush(surface);
    if (cairo_image_surface_get_format(surface) != CAIRO_FORMAT_RGB24) {
        cnb_error("png", "only RGB24 surfaces are encoded");
        return NULL;
    }
    return png_encode(surface, surface_filter, cairo_image_surface_get_width(surface),
                      cairo_image_surface_get_height(surface), RGB, size, "png");
}

typedef struct Pixels { const unsigned char *data; size_t row_bytes; } Pixels;

static void pixels_filter(const void *source, int y, unsigned char *out)
{
    const Pixels *pixels = source;
    const unsigned char *row = pixels->data + (size_t)y * pixels->row_bytes;
    for (size_t i = 0; i < pixels->row_bytes; i++)
        out[i] = (unsigned char)(row[i] - (y ? row[i - pixels->row_bytes] : 0));
}

unsigned char *png_encode_rgb(const unsigned char *rgb, int width, int height, size_t *size)
{
    if (!rgb) {
        cnb_error("png_encode_rgb", "no pixels (NULL)");
        return NULL;
    }
    Pixels pixels = {rgb, (size_t)(width > 0 ? width : 0) * 3};
    return png_encode(&pixels, pixels_filter, width, height, RGB, size, "png_encode_rgb");
}

unsigned char *png_encode_gray(const unsigned char *gray, int width, int height, size_t *size)
{
    if (!gray) {
        cnb_error("png_encode_gray", "no pixels (NULL)");
        return NULL;
    }
    Pixels pixels = {gray, (size_t)(width > 0 ? width : 0)};
    return png_encode(&pixels, pixels_filter, width, height, GRAY, size, "png_encode_gray");
}
