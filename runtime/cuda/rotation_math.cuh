// SPDX-License-Identifier: BSD-3-Clause
/* Where each output pixel of random_rotation takes its value from, for the
 * CPU transform (data/rotation.c) and the device-side batch preparation:
 * PIL's Image.rotate(angle, NEAREST) as torchvision 0.14 calls it, i.e.
 * nearest-neighbour sampling through an inverse affine map in 16.16 fixed
 * point (PIL's Geometry.c, affine_fixed), with Image.rotate's exact
 * shortcuts for 0, 90, 180 and 270 degrees.  The map itself (doubles,
 * cos/sin rounded to 15 decimals) is made once per image on the host by
 * rotation_plan() in data/rotation.c, from the angle the CPU's generator
 * drew. */
#ifndef CNB_CUDA_ROTATION_MATH_CUH
#define CNB_CUDA_ROTATION_MATH_CUH

#include "cuda/host_device.h"

typedef enum CnbRotationKind {
    CNB_ROTATE_COPY,              /* 0 degrees */
    CNB_ROTATE_180,
    CNB_ROTATE_90,                /* square images only, as PIL's transpose */
    CNB_ROTATE_270,
    CNB_ROTATE_FIXED,             /* the 16.16 affine map a[] */
    CNB_ROTATE_FLOAT              /* too large for 16.16: host only (rotation.c) */
} CnbRotationKind;

typedef struct CnbRotation {
    int kind;                     /* CnbRotationKind */
    /* PIL's fixed-point map at the centre of pixel (0, 0): source x is
     * (a[2] + x a[0] + y a[1]) >> 16, source y (a[5] + x a[3] + y a[4]) >> 16 */
    int a[6];
} CnbRotation;

/* The index in the source plane of output pixel (x, y) under the 16.16
 * map, or -1 where no source pixel lands (filled with 0).  PIL steps the
 * position by adding a[0], a[3] along a row and a[1], a[4] from row to row;
 * the products here give the same integers (the plan checked that none
 * leaves 16.16's range), so every pixel can be computed by itself, as a GPU
 * thread does (and in a loop over x, GCC turns the products back into
 * additions). */
static inline CNB_HOST_DEVICE int cnb_rotation_fixed_source(const int a[6], int x, int y,
                                                            int width, int height)
{
    int xin = (a[2] + x * a[0] + y * a[1]) >> 16;   /* arithmetic shift: floor */
    int yin = (a[5] + x * a[3] + y * a[4]) >> 16;
    return xin >= 0 && xin < width && yin >= 0 && yin < height ? yin * width + xin : -1;
}

/* The same for every kind of plan but CNB_ROTATE_FLOAT. */
static inline CNB_HOST_DEVICE int cnb_rotation_source(const CnbRotation *r, int x, int y,
                                                      int width, int height)
{
    switch (r->kind) {
    case CNB_ROTATE_COPY:
        return y * width + x;
    case CNB_ROTATE_180:
        return height * width - 1 - (y * width + x);
    case CNB_ROTATE_90:
        return x * width + (width - 1 - y);
    case CNB_ROTATE_270:
        return (height - 1 - x) * width + y;
    case CNB_ROTATE_FIXED:
        return cnb_rotation_fixed_source(r->a, x, y, width, height);
    }
    return -1;
}

#endif
