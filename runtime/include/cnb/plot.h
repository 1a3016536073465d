/* Pictures drawn with Cairo and shown as PNG: sample grids, confusion
 * heatmaps, training curves, and a live progress bar. */
#ifndef CNB_PLOT_H
#define CNB_PLOT_H

#include <stdbool.h>
#include "cnb/tensor.h"
#include "cnb/data.h"

typedef struct ShowImagesOptions {
    const Tensor *target;             /* labels for the titles, or NULL */
    const char *const *class_names;   /* titles from names instead of numbers */
    const char *const *titles;        /* explicit titles, one per image */
    int count;                        /* how many images (default: all, at most 32) */
    int columns;                      /* default: count (one row) */
    const char *title;                /* over the whole figure */
    int _unused;
} ShowImagesOptions;
/* show_images(batch.data, .target = batch.target, .count = 6) */
#define show_images(images, ...) show_images_with((images), (ShowImagesOptions){._unused = 0, __VA_ARGS__})
int show_images_with(const Tensor *images, ShowImagesOptions options);
/* The first count items of a dataset. */
#define show_dataset(dataset, ...) show_dataset_with((dataset), (ShowImagesOptions){._unused = 0, __VA_ARGS__})
int show_dataset_with(const Dataset *dataset, ShowImagesOptions options);

/* An annotated heatmap as seaborn's heatmap(cm, annot=True, fmt='d', cmap='Blues'):
 * ground truth on y, prediction on x. */
int show_confusion_matrix(const Tensor *matrix, const char *const *class_names, const char *title);

/* Line charts, e.g. loss per epoch for training and validation. */
typedef struct Series { const char *label; const double *y; int count; } Series;
typedef struct PlotOptions {
    const char *title, *xlabel, *ylabel;
    const double *x;                  /* shared x values, default 1..count */
    int _unused;
} PlotOptions;
#define plot_lines(series, nseries, ...) plot_lines_with((series), (nseries), (PlotOptions){._unused = 0, __VA_ARGS__})
int plot_lines_with(const Series *series, int nseries, PlotOptions options);

/* One display that updates in place: bar, step, rate, remaining time.  In
 * plain text (nbconvert, consoles) it prints a line now and then instead. */
typedef struct Progress Progress;
Progress *progress_new(const char *label, long total);
void progress_update(Progress *progress, long done, const char *message);
void progress_finish(Progress *progress, const char *message);

/* Encodes a Cairo-free 8-bit grayscale or RGB image as PNG (for display_png). */
unsigned char *png_encode_rgb(const unsigned char *rgb, int width, int height, size_t *size);

#endif
