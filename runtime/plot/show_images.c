// SPDX-License-Identifier: BSD-3-Clause
/* show_images: the lesson's row of sample images with their labels, from a
 * batch tensor. */
#include "cnb/plot.h"
#include "host/error_internal.h"
#include "host/object.h"
#include "image_grid.h"

#include <stdio.h>
#include <stdlib.h>

enum { MAX_IMAGES = 32, DEFAULT_COLUMNS = 10, TITLE_LENGTH = 64 };

/* Shape of a batch: [B,1,H,W], [B,3,H,W], [B,H,W] or one image [H,W]. */
static int batch_shape(const Tensor *images, int *count, int *channels, int *height, int *width)
{
    int ndim = tensor_ndim(images);
    *count = 1;
    *channels = 1;
    if (ndim == 4) {
        *count = tensor_dim(images, 0);
        *channels = tensor_dim(images, 1);
    } else if (ndim == 3) {
        *count = tensor_dim(images, 0);
    } else if (ndim != 2) {
        return cnb_error_of(CNB_SHAPE_ERROR, "show_images", "expected images [B, 1, H, W], [B, H, W] or [H, W], got %d dimensions", ndim);
    }
    *height = tensor_dim(images, -2);
    *width = tensor_dim(images, -1);
    if (*channels != 1 && *channels != 3)
        return cnb_error("show_images", "images need 1 (gray) or 3 (RGB) channels, not %d", *channels);
    return 0;
}

static int image_count(int available, int wanted)
{
    int count = wanted > 0 && wanted < available ? wanted : available;
    return count > MAX_IMAGES ? MAX_IMAGES : count;
}

static int default_columns(const ShowImagesOptions *options, int count)
{
    if (options->columns > 0)
        return options->columns;
    return count < DEFAULT_COLUMNS ? count : DEFAULT_COLUMNS;
}

/* The title of image i: explicit title, class name, or the label number. */
static void title_for(const ShowImagesOptions *options, int i, int label, int num_classes,
                      char *out)
{
    out[0] = '\0';
    if (options->titles)
        snprintf(out, TITLE_LENGTH, "%s", options->titles[i] ? options->titles[i] : "");
    else if (label >= 0 && options->class_names && (num_classes <= 0 || label < num_classes))
        snprintf(out, TITLE_LENGTH, "%s", options->class_names[label]);
    else if (label >= 0)
        snprintf(out, TITLE_LENGTH, "%d", label);
}

static int show_grid(ImageGrid *grid, char (*titles)[TITLE_LENGTH], const char *who)
{
    const char *title_list[MAX_IMAGES];
    bool any = false;
    for (int i = 0; i < grid->count; i++) {
        title_list[i] = titles[i];
        any = any || titles[i][0];
    }
    grid->titles = any ? title_list : NULL;
    Figure figure;
    if (image_grid_draw(grid, &figure, who) != 0)
        return -1;
    char description[64];
    snprintf(description, sizeof description, "Figure with %d image%s", grid->count,
             grid->count == 1 ? "" : "s");
    return figure_show(&figure, description);
}

int show_images_with(const Tensor *images, ShowImagesOptions options)
{
    if (object_dead(images, OBJECT_TENSOR, "show_images") ||
        object_dead(options.target, OBJECT_TENSOR, "show_images"))
        return -1;
    if (!images)
        return cnb_error("show_images", "no images (the tensor is NULL)");
    int available = 0, channels = 1, height = 0, width = 0;
    if (batch_shape(images, &available, &channels, &height, &width) != 0)
        return -1;
    int count = image_count(available, options.count);
    if (count <= 0 || height <= 0 || width <= 0)
        return cnb_error("show_images", "the batch is empty");
    const float *data = tensor_cdata(images);
    const float *labels = options.target ? tensor_cdata(options.target) : NULL;
    if (!data || (options.target && !labels))
        return cnb_error("show_images", "cannot read the tensor");
    if (labels && (int)tensor_numel(options.target) < count)
        return cnb_error("show_images", "%d images but only %zu labels", count,
                         tensor_numel(options.target));
    const float *pixels[MAX_IMAGES];
    char titles[MAX_IMAGES][TITLE_LENGTH];
    size_t per_image = (size_t)channels * height * width;
    for (int i = 0; i < count; i++) {
        pixels[i] = data + i * per_image;
        title_for(&options, i, labels ? (int)labels[i] : -1, options.num_classes, titles[i]);
    }
    ImageGrid grid = {.count = count, .columns = default_columns(&options, count),
                      .channels = channels, .height = height, .width = width,
                      .pixels = pixels, .title = options.title};
    return show_grid(&grid, titles, "show_images");
}
