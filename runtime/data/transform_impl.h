// SPDX-License-Identifier: BSD-3-Clause
/* Transforms inside the runtime: the random draws are separated from the
 * pixel work, so the dataloader draws in the caller's thread (in PyTorch's
 * order, from the default generator) and transforms in its own thread. */
#ifndef CNB_DATA_TRANSFORM_IMPL_H
#define CNB_DATA_TRANSFORM_IMPL_H

#include <stdbool.h>
#include <stdio.h>
#include "cnb/data.h"
#include "host/object.h"
#include "cuda/rotation_math.cuh"

typedef enum TransformKind {
    TRANSFORM_TO_TENSOR,
    TRANSFORM_NORMALIZE,
    TRANSFORM_ROTATION,
    TRANSFORM_HORIZONTAL_FLIP,
    TRANSFORM_CROP,
    TRANSFORM_COMPOSE
} TransformKind;

struct Transform {
    ObjectHeader header;        /* first: the check word (host/object.h) */
    TransformKind kind;
    /* A new transform is "floating": the first dataset or compose that takes
     * it owns it; each further one adds a reference (so one transform may
     * serve the test and the validation set). */
    int refs;
    bool floating;
    float mean, std;            /* normalize */
    float degrees;              /* random_rotation */
    float p;                    /* random_horizontal_flip */
    int size, padding;          /* random_crop */
    Transform **parts;          /* compose */
    int count;
};

/* Takes ownership of a floating transform, or adds a reference. */
Transform *transform_take(Transform *transform);
/* Drops one reference (transform_free does the same). */
void transform_release(Transform *transform);
/* On a failed hand-over: frees a floating transform (it was the caller's to
 * give), leaves one that is owned elsewhere alone. */
void transform_discard(Transform *transform);

/* How many random numbers one application draws, and drawing them. */
int transform_param_count(const Transform *transform);
void transform_draw(const Transform *transform, float *params);
/* Applies the transform to one item of the given shape with drawn params. */
void transform_apply_drawn(const Transform *transform, float *data, const int *shape, int ndim,
                           const float *params);

/* 0, or -1 with a ValueError naming function when the transform cannot be
 * applied to items of this shape (random_crop keeps the item's size, so
 * its size must be the image's height and width). */
int transform_check_shape(const Transform *transform, const int *shape, int ndim,
                          const char *function);

/* random_horizontal_flip and random_crop on a [C, H, W] (or [H, W]) image
 * in place, with their drawn params (flip.c). */
void flip_horizontal(float *data, int channels, int height, int width);
void crop_shifted(float *data, int channels, int height, int width, int dy, int dx);

/* PIL's Image.rotate(angle) with NEAREST, fill 0, about the centre, on
 * every channel of a [C, H, W] (or [H, W]) float image. */
/* The sampling plan of one rotation (rotation_math.cuh) and the double
 * map a[6] it comes from (the float path of large images uses a). */
void rotation_plan(double angle, int width, int height, CnbRotation *plan, double a[6]);
void rotate_nearest(const float *in, float *out, int channels, int height, int width,
                    double angle);

/* Python's round(x, 15), fast and by way of text (for the tests). */
double rotation_round15(double x);
double rotation_round15_text(double x);

/* The transform as torchvision prints it: "Compose(\n    ToTensor()\n ...)". */
void transform_write(FILE *out, const Transform *transform, int indent);

#endif
