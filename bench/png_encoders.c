// SPDX-License-Identifier: BSD-3-Clause
/* PNG encoders on the lesson's pictures: libcnb's own (plot/png.c: zlib,
 * the "Up" filter on every row, level 2) against libpng at the same filter
 * and level, and libpng as Cairo's cairo_surface_write_to_png uses it (its
 * defaults: every filter tried per row, level 6).  The pictures are drawn
 * by libcnb (the confusion matrix, the image strip, training curves) and
 * decoded back with Cairo; every encoder gets the same pixels, as packed
 * RGB rows (rgb_*) or as the RGB24 surface a figure is drawn on (surface_*,
 * the path libcnb's figures take: 0x00RRGGBB words), and each output is
 * decoded again and compared with them.  Prints one line per picture and
 * encoder:
 *     confusion_matrix 1384x1288 surface_cnb_up_level2 median_ms=... min_ms=... bytes=... same_pixels=yes */
#include "cnb.h"

#include <cairo.h>
#include <png.h>
#include <time.h>

enum { WARMUP = 3, ROUNDS = 41 };

typedef struct Buffer { unsigned char *data; size_t size, capacity; } Buffer;

static bool append(Buffer *b, const void *data, size_t size)
{
    if (b->size + size > b->capacity) {
        size_t capacity = (b->size + size) * 2;
        unsigned char *grown = realloc(b->data, capacity);
        if (!grown)
            return false;
        b->data = grown, b->capacity = capacity;
    }
    memcpy(b->data + b->size, data, size);
    b->size += size;
    return true;
}

/* ---- the pictures, as libcnb draws them ---- */

static Buffer shown;      /* the last picture's PNG */

static void keep(CnbPublishKind kind, const CnbBundle *bundle, const char *id)
{
    (void)kind, (void)id;
    size_t size;
    const void *png = bundle_find(bundle, "image/png", &size);
    shown.size = 0;
    if (png)
        append(&shown, png, size);
}

static const CnbHost keeping_host = {.publish = keep, .in_notebook = true};

/* The pixels twice: packed RGB rows, and the Cairo RGB24 surface figures are drawn on. */
typedef struct Picture { const char *name; int width, height; unsigned char *rgb; cairo_surface_t *surface; } Picture;

static cairo_status_t read_buffer(void *closure, unsigned char *data, unsigned int length)
{
    Buffer *b = closure;
    if (b->capacity + length > b->size)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, b->data + b->capacity, length);
    b->capacity += length;      /* the read position */
    return CAIRO_STATUS_SUCCESS;
}

/* PNG bytes -> an RGB24 surface, through Cairo's decoder (NULL if not). */
static cairo_surface_t *decode_surface(const unsigned char *png, size_t size)
{
    Buffer reading = {(unsigned char *)png, size, 0};
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(read_buffer, &reading);
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS &&
        cairo_image_surface_get_format(s) == CAIRO_FORMAT_RGB24)
        return s;
    cairo_surface_destroy(s);
    return NULL;
}

/* Cairo keeps RGB24 pixels as native 32-bit words 0x00RRGGBB. */
static const uint32_t *surface_row(cairo_surface_t *s, int y)
{
    return (const uint32_t *)(cairo_image_surface_get_data(s) + (size_t)y * cairo_image_surface_get_stride(s));
}

/* PNG bytes -> packed 8-bit RGB rows. */
static unsigned char *decode_rgb(const unsigned char *png, size_t size, int *width, int *height)
{
    cairo_surface_t *s = decode_surface(png, size);
    if (!s)
        return NULL;
    *width = cairo_image_surface_get_width(s), *height = cairo_image_surface_get_height(s);
    unsigned char *rgb = malloc((size_t)*width * *height * 3);
    for (int y = 0; y < *height; y++) {
        const uint32_t *row = surface_row(s, y);
        for (int x = 0; x < *width; x++) {
            unsigned char *p = rgb + ((size_t)y * *width + x) * 3;
            p[0] = (unsigned char)(row[x] >> 16), p[1] = (unsigned char)(row[x] >> 8),
            p[2] = (unsigned char)row[x];
        }
    }
    cairo_surface_destroy(s);
    return rgb;
}

static bool take_picture(Picture *picture, const char *name)
{
    picture->name = name;
    picture->rgb = decode_rgb(shown.data, shown.size, &picture->width, &picture->height);
    picture->surface = decode_surface(shown.data, shown.size);
    return picture->rgb && picture->surface;
}

/* ---- the encoders: pixels -> PNG bytes ---- */

/* libcnb's (plot/png.c; png_from_surface is plot/figure.h's, reached
 * through libcnb-internal). */
unsigned char *png_from_surface(cairo_surface_t *surface, size_t *size);

static unsigned char *rgb_cnb(const Picture *p, size_t *size)
{
    return png_encode_rgb(p->rgb, p->width, p->height, size);
}

static unsigned char *surface_cnb(const Picture *p, size_t *size)
{
    return png_from_surface(p->surface, size);
}

/* libpng, writing into memory. */
static void write_buffer(png_structp png, png_bytep data, png_size_t length)
{
    if (!append(png_get_io_ptr(png), data, length))
        png_error(png, "out of memory");
}

static void flush_nothing(png_structp png)
{
    (void)png;
}

/* How rows reach libpng: packed RGB; the surface's words through libpng's
 * own transforms (strip the filler byte, BGR in memory on little-endian);
 * or the words packed to RGB here first, a row at a time. */
typedef enum { RGB_ROWS, SURFACE_TRANSFORMS, SURFACE_PACKED } Rows;

static void pack_rgb(const uint32_t *row, int width, unsigned char *out)
{
    for (int x = 0; x < width; x++, out += 3)
        out[0] = (unsigned char)(row[x] >> 16), out[1] = (unsigned char)(row[x] >> 8),
        out[2] = (unsigned char)row[x];
}

/* up_level2: png.c's filter and level; else libpng's defaults (Cairo's). */
static unsigned char *libpng_encode(const Picture *p, size_t *size, Rows rows, bool up_level2)
{
    Buffer *out = calloc(1, sizeof *out);       /* on the heap: survives longjmp */
    unsigned char *packed = malloc((size_t)p->width * 3);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(out->data);
        free(out);
        free(packed);
        return NULL;
    }
    png_set_write_fn(png, out, write_buffer, flush_nothing);
    if (up_level2) {
        png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
        png_set_compression_level(png, 2);
    }
    png_set_IHDR(png, info, (png_uint_32)p->width, (png_uint_32)p->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (rows == SURFACE_TRANSFORMS) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        png_set_bgr(png);
        png_set_filler(png, 0, PNG_FILLER_AFTER);
#else
        png_set_filler(png, 0, PNG_FILLER_BEFORE);
#endif
    }
    for (int y = 0; y < p->height; y++) {
        const uint32_t *words = surface_row(p->surface, y);
        if (rows == RGB_ROWS)
            png_write_row(png, p->rgb + (size_t)y * p->width * 3);
        else if (rows == SURFACE_TRANSFORMS)
            png_write_row(png, (png_const_bytep)words);
        else {
            pack_rgb(words, p->width, packed);
            png_write_row(png, packed);
        }
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    unsigned char *data = out->data;
    *size = out->size;
    free(out);
    free(packed);
    return data;
}

static unsigned char *rgb_libpng(const Picture *p, size_t *size)
{
    return libpng_encode(p, size, RGB_ROWS, true);
}

static unsigned char *rgb_libpng_cairo_defaults(const Picture *p, size_t *size)
{
    return libpng_encode(p, size, RGB_ROWS, false);
}

static unsigned char *surface_libpng_packed(const Picture *p, size_t *size)
{
    return libpng_encode(p, size, SURFACE_PACKED, true);
}

static unsigned char *surface_libpng_transforms(const Picture *p, size_t *size)
{
    return libpng_encode(p, size, SURFACE_TRANSFORMS, true);
}

/* ---- timing ---- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef unsigned char *(*Encoder)(const Picture *, size_t *);
typedef struct Contender { const char *name; Encoder encode; double times[ROUNDS]; size_t size; bool same; } Contender;

/* Decodes PNG again and compares it with the picture's pixels. */
static bool same_pixels(const Picture *picture, const unsigned char *png, size_t size)
{
    int width, height;
    unsigned char *back = decode_rgb(png, size, &width, &height);
    bool same = back && width == picture->width && height == picture->height &&
                memcmp(back, picture->rgb, (size_t)width * height * 3) == 0;
    free(back);
    return same;
}

/* The encoders take turns within each round, so that other load on the
 * machine falls on all of them alike. */
static void measure(const Picture *picture, Contender *contenders, size_t count)
{
    for (int round = -WARMUP; round < ROUNDS; round++)
        for (size_t c = 0; c < count; c++) {
            Contender *k = &contenders[c];
            double start = now_ms();
            unsigned char *png = k->encode(picture, &k->size);
            double took = now_ms() - start;
            if (round >= 0)
                k->times[round] = took;
            if (round == ROUNDS - 1)
                k->same = png && same_pixels(picture, png, k->size);
            free(png);
        }
    for (size_t c = 0; c < count; c++) {
        Contender *k = &contenders[c];
        qsort(k->times, ROUNDS, sizeof k->times[0], by_value);
        printf("%s %dx%d %s median_ms=%.2f min_ms=%.2f bytes=%zu same_pixels=%s\n", picture->name,
               picture->width, picture->height, k->name, k->times[ROUNDS / 2], k->times[0], k->size,
               k->same ? "yes" : "NO");
    }
}

static const char *const CLASSES[10] = {"T-Shirt", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle Boot"};

int main(void)
{
    cnb_set_host(&keeping_host);
    Picture pictures[3];
    int count = 0;
    /* The lesson's matrix (PyTorch run, Fashion-MNIST test set). */
    static const float counts[100] = {
        383, 6, 9, 7, 5, 0, 88, 0, 5, 0, 0, 504, 0, 5, 4, 0, 0, 0, 1, 0, 4, 2, 317, 4, 136, 0, 25, 0, 0, 0,
        9, 15, 4, 398, 44, 0, 14, 0, 2, 0, 0, 2, 13, 6, 475, 0, 15, 0, 2, 0, 0, 0, 0, 0, 0, 451, 1, 2, 4, 31,
        39, 4, 40, 7, 81, 0, 325, 0, 8, 0, 0, 0, 0, 0, 0, 10, 0, 411, 1, 84, 2, 1, 0, 0, 2, 0, 2, 2, 469, 0,
        0, 1, 0, 0, 0, 0, 0, 3, 0, 515};
    Tensor *matrix = tensor_from_data(counts, (int[]){10, 10}, 2);
    if (show_confusion_matrix(matrix, CLASSES, "Confusion Matrix for FashionMNIST Classification") == 0 &&
        take_picture(&pictures[count], "confusion_matrix"))
        count++;
    tensor_free(matrix);

    /* Six MNIST digits (the repository's copy: CNB_MNIST_DIR, or the
     * installed one), else a pattern. */
    Dataset *digits = mnist("/tmp/cnb-bench-data", .train = false, .download = true,
                            .transform = to_tensor());
    Tensor *images = tensor(6, 1, 28, 28), *labels = tensor(6);
    for (int i = 0; i < 6; i++) {
        int label = i;
        Tensor *item = digits ? dataset_get(digits, i, &label) : NULL;
        for (int k = 0; k < 784; k++)
            tensor_data(images)[i * 784 + k] = item ? tensor_cdata(item)[k] : (float)((k * 7919 + i) % 256) / 255;
        tensor_data(labels)[i] = (float)label;
        tensor_free(item);
    }
    if (show_images(images, .target = labels, .count = 6) == 0 &&
        take_picture(&pictures[count], digits ? "mnist_strip" : "pattern_strip"))
        count++;
    if (digits)
        dataset_free(digits);
    tensor_free(images);
    tensor_free(labels);

    /* Ten epochs of training curves. */
    double loss[10], accuracy[10];
    for (int i = 0; i < 10; i++)
        loss[i] = 0.3 + 2.0 / (i + 1.5), accuracy[i] = 0.95 - 0.5 / (i + 2.0);
    Series series[] = {{"Trainingsverlust", loss, 10}, {"Testgenauigkeit", accuracy, 10}};
    if (plot_lines(series, 2, .title = "Training", .xlabel = "Epoche") == 0 &&
        take_picture(&pictures[count], "training_curves"))
        count++;
    cnb_set_host(NULL);

    for (int i = 0; i < count; i++) {
        Contender contenders[] = {
            {.name = "rgb_cnb_up_level2", .encode = rgb_cnb},
            {.name = "rgb_libpng_up_level2", .encode = rgb_libpng},
            {.name = "rgb_libpng_cairo_defaults", .encode = rgb_libpng_cairo_defaults},
            {.name = "surface_cnb_up_level2", .encode = surface_cnb},
            {.name = "surface_libpng_up_level2_packed", .encode = surface_libpng_packed},
            {.name = "surface_libpng_up_level2_transforms", .encode = surface_libpng_transforms},
        };
        measure(&pictures[i], contenders, sizeof contenders / sizeof contenders[0]);
        cairo_surface_destroy(pictures[i].surface);
        free(pictures[i].rgb);
    }
    free(shown.data);
    return count == 3 ? 0 : 1;
}
