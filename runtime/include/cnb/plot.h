// SPDX-License-Identifier: BSD-3-Clause
/* Pictures drawn with Cairo and shown as PNG: sample grids, confusion
 * heatmaps, training curves, and a live progress bar. */
#ifndef CNB_PLOT_H
#define CNB_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include "cnb/tensor.h"
#include "cnb/data.h"
#include "cnb/nn.h"

typedef struct ShowImagesOptions {
    const Tensor *target;             /* labels for the titles, or NULL */
    const char *const *class_names;   /* titles from names instead of numbers */
    int num_classes;                  /* entries in class_names (0: trust the labels) */
    const char *const *titles;        /* explicit titles, one per image */
    int count;                        /* how many images (default: all, at most 32;
                                         show_dataset: 6) */
    int columns;                      /* default: one row of up to 10 */
    const char *title;                /* over the whole figure */
    int _unused;
} ShowImagesOptions;
/* show_images(batch.data, .target = batch.target, .count = 6): a row of
 * images [B, 1, H, W], [B, 3, H, W], [B, H, W] or one [H, W], each scaled
 * from its own minimum (black) to its maximum (white) as imshow does, so raw,
 * to_tensor() and normalize()d data all look right; pixels stay crisp. */
#define show_images(images, ...) show_images_with((images), (ShowImagesOptions){._unused = 0, __VA_ARGS__})
int show_images_with(const Tensor *images, ShowImagesOptions options);
/* The first count items of a dataset (after its transform), titled with its
 * class names. */
#define show_dataset(dataset, ...) show_dataset_with((dataset), (ShowImagesOptions){._unused = 0, __VA_ARGS__})
int show_dataset_with(const Dataset *dataset, ShowImagesOptions options);

/* An annotated heatmap as seaborn's heatmap(cm, annot=True, fmt='d', cmap='Blues'):
 * ground truth on y, prediction on x, a colour bar on the right.
 *     show_confusion_matrix(cm, FASHION_MNIST_CLASSES, "Konfusionsmatrix");
 *     show_confusion_matrix(cm, NULL, NULL, .xlabel = "Predicted", .ylabel = "True");
 * class_names: one per row (NULL: 0, 1, 2, ...); title NULL or "": none.
 * Counts are written as whole numbers; a matrix with fractions (normalised
 * rows) is written with two decimals. */
typedef struct ConfusionMatrixOptions {
    const char *const *class_names;
    const char *title;
    const char *xlabel;               /* default "Vorhergesagte Klasse"; "" for none */
    const char *ylabel;               /* default "Tatsächliche Klasse"; "" for none */
    int _unused;
} ConfusionMatrixOptions;
/* The names and the title are the options' first two fields, given in order,
 * so that a compound literal with commas, (const char *[]){"Katze", "Hund"},
 * can be passed straight in (a macro parameter of its own would split it). */
#define show_confusion_matrix(matrix, ...) show_confusion_matrix_with((matrix), \
    (ConfusionMatrixOptions){__VA_ARGS__ __VA_OPT__(,) ._unused = 0})
int show_confusion_matrix_with(const Tensor *matrix, ConfusionMatrixOptions options);

/* What a CNN has learned.  show_filters(model, 0): the filters of the
 * Conv2d at layers.0 (each the mean over its input channels), one small
 * image each.  show_feature_maps(model, image): for one image [C, H, W]
 * (or the first of a batch), the feature maps after each Conv2d (before
 * its ReLU), one row per convolution.  .count: maps or filters per row
 * (default all, at most 32); .columns as in show_images. */
typedef struct ShowMapsOptions {
    int count;
    int columns;
    const char *title;                /* show_filters: over the filters */
    int _unused;
} ShowMapsOptions;
#define show_filters(model, layer_index, ...) show_filters_with((model), (layer_index), \
    (ShowMapsOptions){._unused = 0, __VA_ARGS__})
#define show_feature_maps(model, image, ...) show_feature_maps_with((model), (image), \
    (ShowMapsOptions){._unused = 0, __VA_ARGS__})
int show_filters_with(Model *model, int layer_index, ShowMapsOptions options);
int show_feature_maps_with(Model *model, const Tensor *image, ShowMapsOptions options);

/* Line charts, e.g. loss per epoch for training and validation. */
typedef struct Series { const char *label; const double *y; int count; } Series;
typedef struct PlotOptions {
    const char *title, *xlabel, *ylabel;
    const double *x;                  /* shared x values, default 1..count */
    int _unused;
} PlotOptions;
/* Declare the Series array first: a compound literal written inside the
 * call, (Series[]){{"a", y, 4}}, needs parentheses around it. */
#define plot_lines(series, nseries, ...) plot_lines_with((series), (nseries), (PlotOptions){._unused = 0, __VA_ARGS__})
int plot_lines_with(const Series *series, int nseries, PlotOptions options);

/* One display that updates in place: bar, step/total, rate, remaining time
 * (at most 5 refreshes a second), with a text/plain form in the same bundle
 * for nbconvert and consoles.  Without a notebook it prints a line to stderr
 * every few seconds and at the end.  total 0: unknown, counts only.
 *     Progress *p = progress_new("Epoche 1", dataloader_len(loader));
 *     while (next_batch(loader, &batch)) { ...; progress_update(p, batch.index + 1, NULL); }
 *     progress_finish(p, "fertig");            // shows the final state, frees p */
typedef struct Progress Progress;
Progress *progress_new(const char *label, long total);
/* done: steps finished so far; message: shown after the numbers, or NULL. */
void progress_update(Progress *progress, long done, const char *message);
void progress_finish(Progress *progress, const char *message);

/* Encodes 8-bit RGB (3 bytes a pixel) or grayscale (1 byte) pixels, row by
 * row, as PNG for display_png; the result is malloc'd, NULL on failure. */
unsigned char *png_encode_rgb(const unsigned char *rgb, int width, int height, size_t *size);
unsigned char *png_encode_gray(const unsigned char *gray, int width, int height, size_t *size);

#endif
