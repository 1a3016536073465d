// SPDX-License-Identifier: BSD-3-Clause
/* A dataset as a trailing expression: its size, item shape and classes as
 * text; in the notebook also a strip of its first images with their labels. */
#include "cnb.h"
#include "host/object.h"
#include "figure.h"
#include "html.h"
#include "image_grid.h"
#include "repr_bundle.h"

enum { STRIP = 8 };

/* The data component's torchvision-style description (kind, size, split, transform). */
static void print_dataset(FILE *out, const void *dataset)
{
    dataset_fprint(out, dataset);
}

/* Class names, which torchvision's text leaves out. */
static void classes_html(FILE *out, const Dataset *dataset)
{
    const char *const *classes = dataset_classes(dataset);
    int n = dataset_num_classes(dataset);
    if (n <= 0 || !classes)
        return;
    fprintf(out, "<div>%d Klassen: ", n);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", out);
        html_escape(out, classes[i]);
    }
    fputs("</div>", out);
}

/* The first images as a small strip; NULL if the items are not images.
 * Raw items: showing a dataset must not draw random numbers (a random
 * rotation would otherwise shift the training that follows). */
static unsigned char *strip_png(const Dataset *dataset, size_t *size, int *width, int *height)
{
    int shape[CNB_MAX_DIMS] = {0};
    int ndim = dataset_item_shape(dataset, shape);
    int count = dataset_len(dataset) < STRIP ? (int)dataset_len(dataset) : STRIP;
    if (count == 0 || ndim < 2 || ndim > 3 || (ndim == 3 && shape[0] != 1 && shape[0] != 3))
        return NULL;
    Tensor *items[STRIP] = {0};
    const float *pixels[STRIP];
    const char *titles[STRIP];
    char numbers[STRIP][16];
    const char *const *classes = dataset_classes(dataset);
    int n = dataset_num_classes(dataset);
    unsigned char *png = NULL;
    int i = 0;
    for (; i < count; i++) {
        int label = -1;
        items[i] = dataset_get_raw(dataset, (size_t)i, &label);
        if (!items[i] || !(pixels[i] = tensor_cdata(items[i])))
            break;
        snprintf(numbers[i], sizeof numbers[i], "%d", label);
        titles[i] = classes && label >= 0 && label < n ? classes[label] : numbers[i];
    }
    Figure figure;
    ImageGrid grid = {.count = count, .columns = count, .channels = ndim == 3 ? shape[0] : 1,
                      .height = shape[ndim - 2], .width = shape[ndim - 1], .pixels = pixels,
                      .titles = titles, .image_size = 56, .title_size = 11};
    if (i == count && image_grid_draw(&grid, &figure, "dataset") == 0) {
        png = figure_png(&figure, size);
        *width = figure.width;
        *height = figure.height;
        figure_end(&figure);
    }
    for (int k = 0; k < count; k++)
        if (items[k])
            tensor_free(items[k]);
    return png;
}

CnbBundle *cnb_repr_dataset(const Dataset *dataset)
{
    if (object_dead(dataset, OBJECT_DATASET, "cnb_repr_dataset"))
        return NULL;
    if (!dataset)
        return repr_bundle(strdup("NULL"), NULL);
    char *plain = repr_printed(print_dataset, dataset), *html = NULL;
    size_t html_size = 0, png_size = 0;
    int width = 0, height = 0;
    unsigned char *png = strip_png(dataset, &png_size, &width, &height);
    FILE *out = plain ? open_memstream(&html, &html_size) : NULL;
    if (out) {
        fputs("<pre style=\"margin:0\">", out);
        html_escape(out, plain);
        fputs("</pre>", out);
        classes_html(out, dataset);
        if (png)
            html_png_image(out, png, png_size, width, height);
        fclose(out);
    }
    CnbBundle *bundle = repr_bundle(plain, html);
    if (bundle && png && bundle_add(bundle, "image/png", png, png_size) == 0) {
        char metadata[64];
        snprintf(metadata, sizeof metadata, "{\"width\": %d, \"height\": %d}", width, height);
        bundle_set_metadata(bundle, "image/png", metadata);
    }
    free(png);
    return bundle;
}
