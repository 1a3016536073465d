/* PNG encoding in memory: Cairo writes the stream, we collect it. */
#include "figure.h"
#include "cnb/error.h"
#include "cnb/plot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct PngBuffer {
    unsigned char *data;
    size_t size, capacity;
} PngBuffer;

static cairo_status_t append(void *closure, const unsigned char *data, unsigned int length)
{
    PngBuffer *buffer = closure;
    if (buffer->size + length > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity < buffer->size + length)
            capacity *= 2;
        unsigned char *grown = realloc(buffer->data, capacity);
        if (!grown)
            return CAIRO_STATUS_NO_MEMORY;
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, data, length);
    buffer->size += length;
    return CAIRO_STATUS_SUCCESS;
}

unsigned char *png_from_surface(cairo_surface_t *surface, size_t *size)
{
    PngBuffer buffer = {0};
    cairo_surface_flush(surface);
    cairo_status_t status = cairo_surface_write_to_png_stream(surface, append, &buffer);
    if (status != CAIRO_STATUS_SUCCESS) {
        free(buffer.data);
        cnb_error("png", "cannot encode PNG: %s", cairo_status_to_string(status));
        return NULL;
    }
    if (size)
        *size = buffer.size;
    return buffer.data;
}

/* Packs 1 (gray) or 3 (RGB) bytes per pixel into Cairo's native xRGB words. */
static unsigned char *png_encode_pixels(const unsigned char *pixels, int channels, int width,
                                        int height, size_t *size, const char *who)
{
    if (!pixels || width <= 0 || height <= 0 || width > 32767 || height > 32767) {
        cnb_error(who, "needs pixels and a size between 1x1 and 32767x32767");
        return NULL;
    }
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        cnb_error(who, "out of memory for a %dx%d image", width, height);
        return NULL;
    }
    unsigned char *rows = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < height; y++) {
        uint32_t *row = (uint32_t *)(rows + (size_t)y * stride);
        const unsigned char *in = pixels + (size_t)y * width * channels;
        for (int x = 0; x < width; x++, in += channels) {
            uint32_t r = in[0], g = in[channels > 1], b = in[2 * (channels > 1)];
            row[x] = r << 16 | g << 8 | b;
        }
    }
    cairo_surface_mark_dirty(surface);
    unsigned char *png = png_from_surface(surface, size);
    cairo_surface_destroy(surface);
    return png;
}

unsigned char *png_encode_rgb(const unsigned char *rgb, int width, int height, size_t *size)
{
    return png_encode_pixels(rgb, 3, width, height, size, "png_encode_rgb");
}

unsigned char *png_encode_gray(const unsigned char *gray, int width, int height, size_t *size)
{
    return png_encode_pixels(gray, 1, width, height, size, "png_encode_gray");
}
