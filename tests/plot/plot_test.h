// SPDX-License-Identifier: BSD-3-Clause
/* Helpers for the plot tests: a host that records what is published, PNG
 * decoding with Cairo, and comparison with committed reference pictures. */
#ifndef CNB_TEST_PLOT_TEST_H
#define CNB_TEST_PLOT_TEST_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cnb.h"

#include "fontconfig_leak.h"

#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

/* ---- a recording host (cnb_set_host is the runtime's seam) ---- */
enum { MAX_RECORDED = 4096 };
typedef struct Recorded {
    CnbPublishKind kind;
    char id[128];
    bool has_id;
    CnbBundle *bundle;          /* a copy */
} Recorded;
static Recorded recorded[MAX_RECORDED];
static int recorded_count, clear_calls, clear_wait_calls;

static inline void record_publish(CnbPublishKind kind, const CnbBundle *bundle, const char *display_id)
{
    if (recorded_count >= MAX_RECORDED)
        return;
    Recorded *r = &recorded[recorded_count++];
    r->kind = kind;
    r->has_id = display_id != NULL;
    snprintf(r->id, sizeof r->id, "%s", display_id ? display_id : "");
    r->bundle = bundle_new();
    for (size_t i = 0; i < bundle_count(bundle); i++) {
        size_t size = 0;
        const void *data = bundle_data(bundle, i, &size);
        bundle_add(r->bundle, bundle_mime(bundle, i), data, size);
        if (bundle_metadata(bundle, i))
            bundle_set_metadata(r->bundle, bundle_mime(bundle, i), bundle_metadata(bundle, i));
    }
}

static inline void record_clear(bool wait)
{
    clear_calls++;
    clear_wait_calls += wait;
}

static const CnbHost recording_host = {.publish = record_publish, .clear_output = record_clear,
                                       .in_notebook = true};

static inline void recording_start(void)
{
    for (int i = 0; i < recorded_count; i++)
        bundle_free(recorded[i].bundle);
    recorded_count = clear_calls = clear_wait_calls = 0;
    cnb_set_host(&recording_host);
}

static inline void recording_stop(void)
{
    cnb_set_host(NULL);
}

static inline const Recorded *last_recorded(void)
{
    return recorded_count ? &recorded[recorded_count - 1] : NULL;
}

/* Metadata is JSON text such as {"width": 394, "height": 150}. */
static inline int metadata_int(const char *json, const char *key)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = json ? strstr(json, pattern) : NULL;
    return at ? atoi(at + strlen(pattern)) : -1;
}

static inline const char *metadata_of(const CnbBundle *bundle, const char *mime)
{
    for (size_t i = 0; i < bundle_count(bundle); i++)
        if (strcmp(bundle_mime(bundle, i), mime) == 0)
            return bundle_metadata(bundle, i);
    return NULL;
}

/* ---- PNG decoding ---- */
typedef struct PngReader { const unsigned char *data; size_t size, at; } PngReader;

static inline cairo_status_t png_read(void *closure, unsigned char *out, unsigned int length)
{
    PngReader *reader = closure;
    if (reader->at + length > reader->size)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(out, reader->data + reader->at, length);
    reader->at += length;
    return CAIRO_STATUS_SUCCESS;
}

/* NULL if the bytes are not a PNG. */
static inline cairo_surface_t *png_decode(const void *data, size_t size)
{
    PngReader reader = {data, size, 0};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(png_read, &reader);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    cairo_surface_flush(s);
    return s;
}

typedef struct Pixel { int r, g, b; } Pixel;

static inline Pixel pixel_at(cairo_surface_t *s, int x, int y)
{
    const unsigned char *data = cairo_image_surface_get_data(s);
    uint32_t v = *(const uint32_t *)(data + (size_t)y * cairo_image_surface_get_stride(s) + 4 * x);
    return (Pixel){(int)(v >> 16 & 255), (int)(v >> 8 & 255), (int)(v & 255)};
}

static inline int pixel_distance(Pixel a, Pixel b)
{
    int d = abs(a.r - b.r);
    if (abs(a.g - b.g) > d)
        d = abs(a.g - b.g);
    if (abs(a.b - b.b) > d)
        d = abs(a.b - b.b);
    return d;
}

/* ---- reference pictures ---- */
/* Writes the picture to the build tree, to look at it. */
static inline void save_picture(const char *name, const void *png, size_t size)
{
    char path[1024];
    mkdir("plot/rendered", 0777);
    snprintf(path, sizeof path, "plot/rendered/%s.png", name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(png, 1, size, f);
        fclose(f);
    }
}

/* With CNB_UPDATE_REFERENCE=1 the picture becomes the committed reference. */
static inline void maybe_update_reference(cairo_surface_t *picture, const char *name)
{
    const char *update = getenv("CNB_UPDATE_REFERENCE"), *src = getenv("CNB_SRCDIR");
    if (update && *update == '1' && src) {
        char path[1024];
        snprintf(path, sizeof path, "%s/tests/plot/reference/%s.png", src, name);
        cairo_surface_write_to_png(picture, path);
    }
}

static inline cairo_surface_t *load_reference(const char *name)
{
    char path[1024];
    const char *src = getenv("CNB_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/plot/reference/%s.png", src ? src : "..", name);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

/* True if p is within 48 levels of some pixel of s within one pixel of (x, y). */
static inline bool matches_near(Pixel p, cairo_surface_t *s, int x, int y, int w, int h)
{
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            int qx = x + dx, qy = y + dy;
            if (qx >= 0 && qy >= 0 && qx < w && qy < h && pixel_distance(p, pixel_at(s, qx, qy)) <= 48)
                return true;
        }
    return false;
}

/* Compares with a tolerance that forgives what font rendering changes (a
 * pixel may match any pixel of the other picture within one pixel of it,
 * within 48 levels, both ways) but not what a reader would notice: the
 * picture fails if any 16x16 tile holds more than 12 pixels that match
 * nothing near them, so one missing digit fails it.  Returns the number of
 * bad tiles, -1 on a size mismatch. */
static inline int compare_with_reference(cairo_surface_t *got, cairo_surface_t *want, int *worst_tile)
{
    int w = cairo_image_surface_get_width(got), h = cairo_image_surface_get_height(got);
    if (w != cairo_image_surface_get_width(want) || h != cairo_image_surface_get_height(want))
        return -1;
    int bad_tiles = 0;
    *worst_tile = 0;
    for (int ty = 0; ty < h; ty += 16)
        for (int tx = 0; tx < w; tx += 16) {
            int bad = 0;
            for (int y = ty; y < ty + 16 && y < h; y++)
                for (int x = tx; x < tx + 16 && x < w; x++) {
                    Pixel g = pixel_at(got, x, y), r = pixel_at(want, x, y);
                    if (pixel_distance(g, r) <= 48)
                        continue;
                    bad += !matches_near(g, want, x, y, w, h) || !matches_near(r, got, x, y, w, h);
                }
            if (bad > *worst_tile)
                *worst_tile = bad;
            bad_tiles += bad > 12;
        }
    return bad_tiles;
}

#endif
