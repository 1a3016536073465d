// SPDX-License-Identifier: BSD-3-Clause
/* How long the lesson's pictures take: the 10x10 confusion matrix and the
 * strip of six 28x28 images, each drawn with Cairo at 2x, encoded as PNG
 * and handed to the host (here a host that drops the bundle, so only our
 * work is timed).  Target: under 20 ms each.  Prints one line per picture:
 *     confusion_matrix_10x10 median_ms=... min_ms=... png_bytes=... */
#include "cnb.h"

#include <time.h>

enum { WARMUP = 3, ROUNDS = 40 };

static size_t last_png_size;

static void drop(CnbPublishKind kind, const CnbBundle *bundle, const char *id)
{
    (void)kind, (void)id;
    bundle_find(bundle, "image/png", &last_png_size);
}

static const CnbHost quiet_host = {.publish = drop, .in_notebook = true};

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

static void report(const char *name, int (*draw)(void *), void *arg)
{
    double times[ROUNDS];
    for (int i = 0; i < WARMUP; i++)
        draw(arg);
    for (int i = 0; i < ROUNDS; i++) {
        double start = now_ms();
        if (draw(arg) != 0) {
            printf("%s failed: %s\n", name, cnb_last_error());
            return;
        }
        times[i] = now_ms() - start;
    }
    qsort(times, ROUNDS, sizeof times[0], by_value);
    printf("%s median_ms=%.2f min_ms=%.2f png_bytes=%zu\n", name, times[ROUNDS / 2], times[0], last_png_size);
}

static const char *const CLASSES[10] = {"T-Shirt", "Trouser", "Pullover", "Dress", "Coat",
                                        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle Boot"};

static int draw_matrix(void *matrix)
{
    return show_confusion_matrix(matrix, CLASSES, "Confusion Matrix for FashionMNIST Classification");
}

typedef struct Strip { Tensor *images, *labels; } Strip;

static int draw_strip(void *arg)
{
    Strip *strip = arg;
    return show_images(strip->images, .target = strip->labels, .class_names = CLASSES, .count = 6);
}

int main(void)
{
    cnb_set_host(&quiet_host);
    /* The lesson's matrix (PyTorch run, Fashion-MNIST test set). */
    static const float counts[100] = {
        383, 6, 9, 7, 5, 0, 88, 0, 5, 0, 0, 504, 0, 5, 4, 0, 0, 0, 1, 0, 4, 2, 317, 4, 136, 0, 25, 0, 0, 0,
        9, 15, 4, 398, 44, 0, 14, 0, 2, 0, 0, 2, 13, 6, 475, 0, 15, 0, 2, 0, 0, 0, 0, 0, 0, 451, 1, 2, 4, 31,
        39, 4, 40, 7, 81, 0, 325, 0, 8, 0, 0, 0, 0, 0, 0, 10, 0, 411, 1, 84, 2, 1, 0, 0, 2, 0, 2, 2, 469, 0,
        0, 1, 0, 0, 0, 0, 0, 3, 0, 515};
    Tensor *matrix = tensor_from_data(counts, (int[]){10, 10}, 2);
    report("confusion_matrix_10x10", draw_matrix, matrix);

    /* Six real images if Fashion-MNIST is installed, else noise. */
    Strip strip = {tensor(6, 1, 28, 28), tensor(6)};
    Dataset *test = fashion_mnist("/tmp/cnb-bench-data", .train = false, .download = true,
                                  .transform = to_tensor());
    float *pixels = tensor_data(strip.images), *labels = tensor_data(strip.labels);
    for (int i = 0; i < 6; i++) {
        int label = i;
        Tensor *item = test ? dataset_get(test, i, &label) : NULL;
        for (int k = 0; k < 784; k++)
            pixels[i * 784 + k] = item ? tensor_cdata(item)[k] : (float)((k * 7919 + i) % 256) / 255;
        labels[i] = (float)label;
        if (item)
            tensor_free(item);
    }
    report("image_strip_6x28x28", draw_strip, &strip);
    if (test)
        dataset_free(test);
    tensor_free(strip.images);
    tensor_free(strip.labels);
    tensor_free(matrix);
    cnb_set_host(NULL);
    return 0;
}
