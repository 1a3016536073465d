// SPDX-License-Identifier: BSD-3-Clause
/* Rendering tests: each picture is compared with a committed reference PNG
 * (tests/plot/reference/), and checked for the facts a reader relies on:
 * its size, crisp image pixels, the Blues colour of every heatmap cell, the
 * colour of every count (seaborn's rule), umlauts in titles.
 * CNB_UPDATE_REFERENCE=1 rewrites the references (look at them first:
 * the rendered pictures are also written to plot/rendered/ in the build tree). */
#include "cnb.h"
#include "tap.h"
#include "plot_test.h"
#include "display_folder.h"

static const char *const CLASSES[10] = {"T-Shirt", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle Boot"};

/* The lesson's Fashion-MNIST confusion matrix (reference-confusion-matrix.png). */
static const float LESSON_MATRIX[100] = {
    383, 6, 9, 7, 5, 0, 88, 0, 5, 0,       0, 504, 0, 5, 4, 0, 0, 0, 1, 0,
    4, 2, 317, 4, 136, 0, 25, 0, 0, 0,     9, 15, 4, 398, 44, 0, 14, 0, 2, 0,
    0, 2, 13, 6, 475, 0, 15, 0, 2, 0,      0, 0, 0, 0, 0, 451, 1, 2, 4, 31,
    39, 4, 40, 7, 81, 0, 325, 0, 8, 0,     0, 0, 0, 0, 0, 10, 0, 411, 1, 84,
    2, 1, 0, 0, 2, 0, 2, 2, 469, 0,        0, 1, 0, 0, 0, 0, 0, 3, 0, 515};

/* matplotlib's Blues, written out here again so the test does not trust
 * the code it tests: 9 control points, a 256-entry table. */
static Pixel blues_expected(double t)
{
    static const double P[9][3] = {
        {0.96862745, 0.98431373, 1.0}, {0.87058824, 0.92156863, 0.96862745},
        {0.77647059, 0.85882353, 0.93725490}, {0.61960784, 0.79215686, 0.88235294},
        {0.41960784, 0.68235294, 0.83921569}, {0.25882353, 0.57254902, 0.77647059},
        {0.12941176, 0.44313725, 0.70980392}, {0.03137255, 0.31764706, 0.61176471},
        {0.03137255, 0.18823529, 0.41960784}};
    int index = (int)(t * 256);
    index = index < 0 ? 0 : index > 255 ? 255 : index;
    double x = index / 255.0 * 8;
    int i = (int)x < 8 ? (int)x : 7;
    double f = x - i, c[3];
    for (int k = 0; k < 3; k++)
        c[k] = P[i][k] + f * (P[i + 1][k] - P[i][k]);
    return (Pixel){(int)lround(c[0] * 255), (int)lround(c[1] * 255), (int)lround(c[2] * 255)};
}

/* seaborn: relative luminance > .408 means dark (".15") text. */
static bool wants_dark_text(Pixel p)
{
    double c[3] = {p.r / 255.0, p.g / 255.0, p.b / 255.0}, w[3] = {0.2126, 0.7152, 0.0722}, lum = 0;
    for (int k = 0; k < 3; k++)
        lum += w[k] * (c[k] <= 0.03928 ? c[k] / 12.92 : pow((c[k] + 0.055) / 1.055, 2.4));
    return lum > 0.408;
}

/* Publishes nothing else in between: the last recorded display's PNG. */
static cairo_surface_t *published_picture(const char *name, int *css_width, int *css_height)
{
    const Recorded *r = last_recorded();
    size_t size = 0;
    const void *png = r ? bundle_find(r->bundle, "image/png", &size) : NULL;
    if (!png)
        return NULL;
    save_picture(name, png, size);
    const char *metadata = metadata_of(r->bundle, "image/png");
    *css_width = metadata_int(metadata, "width");
    *css_height = metadata_int(metadata, "height");
    return png_decode(png, size);
}

static void check_reference(cairo_surface_t *picture, const char *name)
{
    maybe_update_reference(picture, name);
    cairo_surface_t *reference = load_reference(name);
    ok(reference != NULL, "%s: the reference picture exists", name);
    if (!reference)
        return;
    int worst = 0, bad = compare_with_reference(picture, reference, &worst);
    ok(bad == 0, "%s: matches the reference (bad tiles %d, worst tile %d pixels)", name, bad, worst);
    cairo_surface_destroy(reference);
}

static void check_size(cairo_surface_t *picture, int css_width, int css_height, const char *name)
{
    int w = cairo_image_surface_get_width(picture), h = cairo_image_surface_get_height(picture);
    ok(css_width > 0 && w == 2 * css_width && h == 2 * css_height,
       "%s: drawn at 2x (%dx%d pixels, shown at %dx%d)", name, w, h, css_width, css_height);
}

static bool bluish(Pixel p)
{
    return p.b - p.r >= 6;
}

/* The heatmap: the first block of columns holding Blues pixels; the
 * colour bar is the next such block. */
static bool find_heatmap(cairo_surface_t *s, int *x0, int *x1, int *y0, int *y1, int *bar_x0)
{
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int first = -1, end = -1;
    *bar_x0 = -1;
    for (int x = 0; x < w && *bar_x0 < 0; x++) {
        bool blue = false;
        for (int y = 0; y < h && !blue; y++)
            blue = bluish(pixel_at(s, x, y));
        if (blue && first < 0)
            first = x;
        if (!blue && first >= 0 && end < 0)
            end = x;
        if (blue && end >= 0)
            *bar_x0 = x;
    }
    if (first < 0 || end < 0)
        return false;
    int column = first + 2, top = -1, bottom = -1;
    for (int y = 0; y < h; y++)
        if (bluish(pixel_at(s, column, y))) {
            if (top < 0)
                top = y;
            bottom = y + 1;
        }
    *x0 = first, *x1 = end, *y0 = top, *y1 = bottom;
    return top >= 0;
}

static void check_cells(cairo_surface_t *s, const float *counts, int n, const char *name)
{
    int x0 = 0, x1 = 0, y0 = 0, y1 = 0, bar_x0 = -1;
    bool found = find_heatmap(s, &x0, &x1, &y0, &y1, &bar_x0);
    ok(found && (x1 - x0) % n == 0 && x1 - x0 == y1 - y0,
       "%s: a square heatmap of %d whole cells (%d..%d x %d..%d)", name, n, x0, x1, y0, y1);
    if (!found || (x1 - x0) % n != 0)
        return;
    ok(bar_x0 > x1, "%s: a colour bar right of the heatmap", name);
    int cell = (x1 - x0) / n, wrong_fill = 0, wrong_ink = 0, missing = 0;
    double lo = INFINITY, hi = -INFINITY;
    int largest = 0;
    for (int i = 0; i < n * n; i++) {
        lo = fmin(lo, counts[i]), hi = fmax(hi, counts[i]);
        if (counts[i] > counts[largest])
            largest = i;
    }
    for (int i = 0; i < n * n; i++) {
        int cx = x0 + (i % n) * cell, cy = y0 + (i / n) * cell;
        Pixel fill = pixel_at(s, cx + 2, cy + 2);
        Pixel want = blues_expected((counts[i] - lo) / (hi - lo));
        if (pixel_distance(fill, want) > 2) {
            wrong_fill++;
            diag("cell %d: fill %d,%d,%d, want %d,%d,%d", i, fill.r, fill.g, fill.b, want.r, want.g, want.b);
        }
        /* The count: the inkiest pixel in the middle of the cell. */
        int ink_pixels = 0, strongest = 0;
        Pixel ink = fill;
        for (int y = cy + cell / 4; y < cy + 3 * cell / 4; y++)
            for (int x = cx + cell / 8; x < cx + 7 * cell / 8; x++) {
                int d = pixel_distance(pixel_at(s, x, y), fill);
                ink_pixels += d > 60;
                if (d > strongest)
                    strongest = d, ink = pixel_at(s, x, y);
            }
        Pixel dark = {38, 38, 38}, light = {255, 255, 255};
        Pixel expected = wants_dark_text(fill) ? dark : light, other = wants_dark_text(fill) ? light : dark;
        if (ink_pixels < 20)
            missing++, diag("cell %d: no count drawn (%d ink pixels)", i, ink_pixels);
        else if (pixel_distance(ink, expected) > 24 || pixel_distance(ink, other) < pixel_distance(ink, expected)) {
            wrong_ink++;
            diag("cell %d: ink %d,%d,%d on %d,%d,%d", i, ink.r, ink.g, ink.b, fill.r, fill.g, fill.b);
        }
    }
    is_int(wrong_fill, 0, "%s: every cell has its count's Blues colour", name);
    is_int(missing, 0, "%s: every cell shows its count", name);
    is_int(wrong_ink, 0, "%s: every count is dark on light cells and white on dark ones", name);
    Pixel top = pixel_at(s, x0 + (largest % n) * cell + 2, y0 + (largest / n) * cell + 2);
    ok(pixel_distance(top, (Pixel){8, 48, 107}) <= 1, "%s: the largest cell is Blues' darkest (8,48,107), got %d,%d,%d",
       name, top.r, top.g, top.b);
    Pixel bar_top = pixel_at(s, bar_x0 + 4, y0), bar_bottom = pixel_at(s, bar_x0 + 4, y1 - 1);
    ok(pixel_distance(bar_top, (Pixel){8, 48, 107}) <= 1 && pixel_distance(bar_bottom, (Pixel){247, 251, 255}) <= 1,
       "%s: the colour bar runs from Blues' lightest (bottom) to darkest (top): %d,%d,%d .. %d,%d,%d", name,
       bar_bottom.r, bar_bottom.g, bar_bottom.b, bar_top.r, bar_top.g, bar_top.b);
}

/* The comparison itself: a copy moved by one pixel (what a font hinting
 * change does) still matches; the same picture with one count painted
 * over does not. */
static void check_comparison_is_fair(cairo_surface_t *picture)
{
    int w = cairo_image_surface_get_width(picture), h = cairo_image_surface_get_height(picture);
    cairo_surface_t *copy = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(copy);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_surface(cr, picture, 1, 1);
    cairo_paint(cr);
    cairo_surface_flush(copy);
    int worst = 0, bad = compare_with_reference(copy, picture, &worst);
    ok(bad == 0, "the comparison forgives a shift by one pixel (worst tile %d pixels off)", worst);
    int x0 = 0, x1 = 0, y0 = 0, y1 = 0, bar = 0;
    find_heatmap(picture, &x0, &x1, &y0, &y1, &bar);
    int cell = (x1 - x0) / 10;
    cairo_set_source_surface(cr, picture, 0, 0);
    cairo_paint(cr);
    Pixel fill = pixel_at(picture, x0 + 9 * cell + 2, y0 + 2);     /* the top right "0" */
    cairo_set_source_rgb(cr, fill.r / 255.0, fill.g / 255.0, fill.b / 255.0);
    cairo_rectangle(cr, x0 + 9 * cell + 4, y0 + 4, cell - 8, cell - 8);
    cairo_fill(cr);
    cairo_surface_flush(copy);
    bad = compare_with_reference(copy, picture, &worst);
    ok(bad > 0, "but not one missing count (%d pixels off)", worst);
    cairo_destroy(cr);
    cairo_surface_destroy(copy);
}

static void test_confusion_matrix(void)
{
    Tensor *cm = tensor_from_data(LESSON_MATRIX, (int[]){10, 10}, 2);
    recording_start();
    is_int(show_confusion_matrix(cm, CLASSES, "Konfusionsmatrix für Fashion-MNIST"), 0,
           "show_confusion_matrix draws the lesson's matrix");
    is_int(recorded_count, 1, "one display");
    const Recorded *r = last_recorded();
    ok(r && r->kind == CNB_PUBLISH_DISPLAY && !r->has_id, "as display_data without a display id");
    ok(r && bundle_find(r->bundle, "text/plain", NULL), "with a text/plain form for consoles");
    int w = 0, h = 0;
    cairo_surface_t *picture = published_picture("confusion-matrix", &w, &h);
    ok(picture != NULL, "the image/png entry is a PNG");
    if (picture) {
        check_size(picture, w, h, "confusion matrix");
        check_cells(picture, LESSON_MATRIX, 10, "confusion matrix");
        check_reference(picture, "confusion-matrix");
        check_comparison_is_fair(picture);
        cairo_surface_destroy(picture);
    }
    recording_stop();
    tensor_free(cm);
}

/* Fractions get two decimals; no names gives 0, 1; labels can be changed. */
static void test_small_matrix(void)
{
    const float rates[4] = {0.9f, 0.1f, 0.25f, 0.75f};
    Tensor *cm = tensor_from_data(rates, (int[]){2, 2}, 2);
    recording_start();
    is_int(show_confusion_matrix(cm, NULL, NULL, .xlabel = "Predicted label", .ylabel = "True label"), 0,
           "a normalised 2x2 matrix with English axis labels");
    int w = 0, h = 0;
    cairo_surface_t *picture = published_picture("confusion-matrix-small", &w, &h);
    ok(picture != NULL, "is drawn");
    if (picture) {
        check_cells(picture, rates, 2, "2x2 matrix");
        check_reference(picture, "confusion-matrix-small");
        cairo_surface_destroy(picture);
    }
    is_int(show_confusion_matrix(cm, (const char *[]){"Katze", "Hund"}, "Tiere"), 0,
           "names as a compound literal, straight in the call");
    is_int(show_confusion_matrix(cm), 0, "and with no options at all");
    int before = recorded_count;
    Tensor *row = tensor(3);
    is_int(show_confusion_matrix(row, NULL, "x"), -1, "a vector is not a confusion matrix");
    ok(strstr(cnb_last_error(), "square") != NULL, "the message says what is expected");
    is_int(show_confusion_matrix(NULL, CLASSES, "x"), -1, "NULL is an error, not a crash");
    is_int(recorded_count, before, "and nothing is displayed");
    recording_stop();
    tensor_free(row);
    tensor_free(cm);
}

/* Six 28x28 test images: a one-pixel checkerboard, a ring, a gradient, a
 * cross, stripes, and values outside [0, 1] (as after normalize()). */
static Tensor *test_batch(void)
{
    Tensor *batch = tensor(6, 1, 28, 28);
    float *p = tensor_data(batch);
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            double r = hypot(x - 13.5, y - 13.5);
            p[0 * 784 + y * 28 + x] = (x + y) % 2 ? 1.0f : 0.0f;
            p[1 * 784 + y * 28 + x] = fabs(r - 8) < 2.5 ? 1.0f : 0.0f;
            p[2 * 784 + y * 28 + x] = x / 27.0f;
            p[3 * 784 + y * 28 + x] = (abs(x - y) < 3 || abs(x + y - 27) < 3) ? 0.8f : 0.1f;
            p[4 * 784 + y * 28 + x] = (y / 4) % 2 ? 1.0f : 0.0f;
            p[5 * 784 + y * 28 + x] = (float)((r < 10 ? 1.0 - r / 10 : 0) - 0.1307) / 0.3081f;
        }
    return batch;
}

/* Finds the checkerboard: k device pixels per image pixel, and every
 * pixel of the 28k x 28k square exactly black or white as its source. */
static void check_crisp_checkerboard(cairo_surface_t *s)
{
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int found_x = -1, found_y = -1, k = 0;
    for (int y = 0; y < h && found_x < 0; y++)
        for (int x = 0; x + 28 < w && found_x < 0; x++) {
            Pixel p = pixel_at(s, x, y);
            if (p.r != 0 || p.g != 0 || p.b != 0)
                continue;
            int run = 0;
            while (x + run < w && pixel_at(s, x + run, y).r == 0)
                run++;
            bool pattern = run >= 2 && x + 28 * run <= w;
            for (int i = 0; pattern && i < 28; i++)
                pattern = pixel_at(s, x + i * run, y).r == (i % 2 ? 255 : 0);
            if (pattern)
                found_x = x, found_y = y, k = run;
        }
    ok(found_x >= 0, "the checkerboard image is found, %d device pixels per image pixel", k);
    if (found_x < 0)
        return;
    int wrong = 0;
    for (int y = 0; y < 28 * k && found_y + y < h; y++)
        for (int x = 0; x < 28 * k; x++) {
            Pixel p = pixel_at(s, found_x + x, found_y + y);
            int want = ((x / k) + (y / k)) % 2 ? 255 : 0;
            wrong += p.r != want || p.g != want || p.b != want;
        }
    is_int(wrong, 0, "every image pixel is a crisp %dx%d square (nearest filter, no blur)", k, k);
}

static void test_show_images(void)
{
    Tensor *batch = test_batch();
    const float labels[6] = {9, 0, 7, 3, 1, 8};
    Tensor *target = tensor_from_data(labels, (int[]){6}, 1);
    recording_start();
    is_int(show_images(batch, .target = target, .class_names = CLASSES, .num_classes = 10), 0,
           "show_images draws six images with class names");
    const Recorded *r = last_recorded();
    ok(r && r->kind == CNB_PUBLISH_DISPLAY, "as display_data");
    int w = 0, h = 0;
    cairo_surface_t *picture = published_picture("sample-strip", &w, &h);
    ok(picture != NULL, "the image/png entry is a PNG");
    if (picture) {
        check_size(picture, w, h, "sample strip");
        ok(w >= 700 && w <= 820 && h >= 120 && h <= 170,
           "a row about as large as plt.figure(figsize=(8, 3)) shows it (%dx%d)", w, h);
        check_crisp_checkerboard(picture);
        check_reference(picture, "sample-strip");
        cairo_surface_destroy(picture);
    }

    is_int(show_images(batch, .titles = (const char *const[]){"eins", "zwei", "drei", "vier"},
                       .count = 4, .columns = 2, .title = "Vier Bilder, zwei Spalten"), 0,
           "a 2x2 grid with explicit titles and a figure title");
    picture = published_picture("sample-grid", &w, &h);
    ok(picture != NULL, "is drawn");
    if (picture) {
        ok(h > w / 2, "two rows (%dx%d)", w, h);
        check_reference(picture, "sample-grid");
        cairo_surface_destroy(picture);
    }

    Tensor *photo = tensor(600, 800);
    float *p = tensor_data(photo);
    for (int i = 0; i < 600 * 800; i++)
        p[i] = (float)(i % 800 + i / 800);
    is_int(show_images(photo, .titles = (const char *const[]){"groß"}), 0, "one big [H, W] image");
    picture = published_picture("big-image", &w, &h);
    ok(picture && w <= 120 && w >= 90, "is shrunk to the usual size (%d wide)", w);
    if (picture)
        cairo_surface_destroy(picture);
    tensor_free(photo);

    Tensor *flat = tensor(6, 2, 28, 28);
    int before = recorded_count;
    is_int(show_images(flat), -1, "images with 2 channels are refused");
    is_int(show_images(NULL), -1, "NULL is refused");
    is_int(recorded_count, before, "nothing displayed for refused input");
    recording_stop();
    tensor_free(flat);
    tensor_free(target);
    tensor_free(batch);
}

static void test_plot_lines(void)
{
    double train[12], valid[12];
    for (int i = 0; i < 12; i++) {
        train[i] = 0.55 * exp(-i / 3.0) + 0.05 + 0.004 * i;
        valid[i] = 0.5 * exp(-i / 4.0) + 0.09 + (i > 7 ? 0.01 * (i - 7) : 0);
    }
    Series series[] = {{"Training", train, 12}, {"Validierung", valid, 12}};
    recording_start();
    is_int(plot_lines(series, 2, .title = "Verlust je Epoche", .xlabel = "Epoche", .ylabel = "Verlust"), 0,
           "plot_lines draws two training curves");
    int w = 0, h = 0;
    cairo_surface_t *picture = published_picture("training-curves", &w, &h);
    ok(picture != NULL, "the image/png entry is a PNG");
    if (picture) {
        check_size(picture, w, h, "training curves");
        int blue = 0, orange = 0;
        for (int y = 0; y < cairo_image_surface_get_height(picture); y++)
            for (int x = 0; x < cairo_image_surface_get_width(picture); x++) {
                Pixel p = pixel_at(picture, x, y);
                blue += pixel_distance(p, (Pixel){0x1f, 0x77, 0xb4}) <= 2;
                orange += pixel_distance(p, (Pixel){0xff, 0x7f, 0x0e}) <= 2;
            }
        ok(blue > 1000 && orange > 1000, "both series are drawn in matplotlib's first two colours (%d, %d pixels)",
           blue, orange);
        check_reference(picture, "training-curves");
        cairo_surface_destroy(picture);
    }
    double gappy[5] = {1, 2, NAN, 4, 5};
    Series one = {NULL, gappy, 5};
    is_int(plot_lines(&one, 1), 0, "a series with a gap (NaN) and no labels");
    double nothing[2] = {NAN, NAN};
    Series empty = {"leer", nothing, 2};
    is_int(plot_lines(&empty, 1), -1, "a series with no finite value is refused");
    is_int(plot_lines(NULL, 1), -1, "no series is refused");
    recording_stop();
}

/* The topmost row holding dark ink: the title's top. */
static int ink_top(cairo_surface_t *s)
{
    for (int y = 0; y < cairo_image_surface_get_height(s); y++)
        for (int x = 0; x < cairo_image_surface_get_width(s); x++)
            if (pixel_at(s, x, y).r < 100)
                return y;
    return -1;
}

static int title_top(const char *title)
{
    double y[3] = {1, 2, 3};
    Series series = {NULL, y, 3};
    recording_start();
    plot_lines(&series, 1, .title = title);
    int w, h, top = -1;
    cairo_surface_t *picture = published_picture("title", &w, &h);
    if (picture) {
        top = ink_top(picture);
        cairo_surface_destroy(picture);
    }
    recording_stop();
    return top;
}

static void test_umlauts(void)
{
    int plain = title_top("AOU"), umlauts = title_top("ÄÖÜ");
    ok(plain > 0 && umlauts > 0 && umlauts <= plain - 4 && umlauts >= plain - 14,
       "ÄÖÜ are drawn with their dots above the capitals (top %d vs %d)", umlauts, plain);
    int small = title_top("aou"), small_umlauts = title_top("äöü");
    ok(small_umlauts > 0 && small_umlauts <= small - 4, "äöü too (top %d vs %d)", small_umlauts, small);
    recording_start();
    double y[2] = {1, 2};
    Series series = {"\xff\xfe broken", y, 2};
    is_int(plot_lines(&series, 1, .title = "kaputt: \xc3\x28 \xe2\x82"), 0, "invalid UTF-8 still draws");
    recording_stop();
}

/* The real thing: the first six Fashion-MNIST test images with names. */
static void test_show_dataset(void)
{
    const char *root = getenv("CNB_TEST_DATA");
    Dataset *test = fashion_mnist(root ? root : "data", .train = false, .download = true,
                                  .transform = to_tensor());
    if (!test) {
        ok(1, "# SKIP Fashion-MNIST is not installed (dataset-fashion-mnist)");
        return;
    }
    recording_start();
    is_int(show_dataset(test), 0, "show_dataset draws the first six Fashion-MNIST test images");
    int w = 0, h = 0;
    cairo_surface_t *picture = published_picture("fashion-samples", &w, &h);
    ok(picture != NULL, "the image/png entry is a PNG");
    if (picture) {
        check_size(picture, w, h, "Fashion-MNIST samples");
        check_reference(picture, "fashion-samples");
        cairo_surface_destroy(picture);
    }
    is_int(show_dataset(test, .count = 12, .columns = 6, .title = "Fashion-MNIST: Testbilder"), 0,
           "twelve images in two rows with a title");
    picture = published_picture("fashion-grid", &w, &h);
    ok(picture != NULL && h > 2 * 120, "is drawn in two rows");
    if (picture)
        cairo_surface_destroy(picture);
    recording_stop();
    dataset_free(test);
}

int main(void)
{
    if (display_into_own_folder() != 0)
        return 1;
    test_confusion_matrix();
    test_small_matrix();
    test_show_images();
    test_plot_lines();
    test_umlauts();
    test_show_dataset();
    return tap_done();
}
