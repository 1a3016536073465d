// SPDX-License-Identifier: BSD-3-Clause
/* Rotation exactly as torchvision 0.14's RandomRotation does it on a PIL
 * image: F.rotate -> PIL Image.rotate(angle, NEAREST, expand=False,
 * center=None, fillcolor=0).  PIL builds the inverse affine matrix in Python
 * (cos/sin rounded to 15 decimals), then samples in 16.16 fixed point
 * (Geometry.c, affine_fixed), stepping the source position by adding the
 * matrix terms pixel by pixel.  Doing the same integer arithmetic here (each
 * pixel by itself, cuda/rotation_math.cuh, shared with the GPU) gives the
 * same pixels, which the tests check against torchvision. */
#include "data/transform_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Python's round(x, 15): the exact binary value rounded half-even to 15
 * decimals, read back as the nearest double.  glibc's printf rounds the
 * exact value too, and strtod reads it back exactly. */
double rotation_round15_text(double x)
{
    char text[64];
    snprintf(text, sizeof text, "%.15f", x);
    return strtod(text, NULL);
}

/* The same without text, about 20 times faster: x * 10^15 is exact in
 * binary128 (53 + 35 significant bits), so is its fraction; and n / 10^15
 * with both exact doubles is correctly rounded, as strtod's result. */
double rotation_round15(double x)
{
#ifdef __SIZEOF_FLOAT128__
    if (!(fabs(x) <= 1e3))
        return rotation_round15_text(x);
    __float128 q = (__float128)x * (__float128)1e15;
    long long n = (long long)q;                 /* toward zero */
    __float128 frac = q - (__float128)n;
    if (frac > 0.5Q || (frac == 0.5Q && (n & 1)))
        n++;
    else if (frac < -0.5Q || (frac == -0.5Q && (n & 1)))
        n--;
    return (double)n / 1e15;
#else
    return rotation_round15_text(x);
#endif
}

/* Python's float modulo: the result has the sign of the divisor. */
static double python_mod(double x, double m)
{
    double r = fmod(x, m);
    if (r != 0 && (r < 0) != (m < 0))
        r += m;
    return r;
}

/* PIL's FLOOR macro. */
static int pil_floor(double x)
{
    return x < 0.0 ? (int)floor(x) : (int)x;
}

/* The inverse map (output pixel -> source position) that Image.rotate hands
 * to Image.transform(AFFINE). */
static void rotation_matrix(double angle, int width, int height, double a[6])
{
    double cx = width / 2.0, cy = height / 2.0;
    double r = -(angle * (M_PI / 180.0));   /* -math.radians(angle) */
    double c = rotation_round15(cos(r)), s = rotation_round15(sin(r));
    a[0] = c;
    a[1] = s;
    a[2] = 0.0;
    a[3] = -s;      /* round(-x, 15) == -round(x, 15): rounding is symmetric */
    a[4] = c;
    a[5] = 0.0;
    double tx = a[0] * -cx + a[1] * -cy + a[2];
    double ty = a[3] * -cx + a[4] * -cy + a[5];
    a[2] = tx + cx;
    a[5] = ty + cy;
}

static int fits_fixed(const double a[6], int x, int y)
{
    return fabs(x * a[0] + y * a[1] + a[2]) < 32768.0 &&
           fabs(x * a[3] + y * a[4] + a[5]) < 32768.0;
}

/* Geometry.c's floating-point loop, for images too large for 16.16. */
static void affine_float(const float *in, float *out, int height, int width, const double a[6])
{
    double xo = a[2] + a[1] * 0.5 + a[0] * 0.5;
    double yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
    for (int y = 0; y < height; y++) {
        double xx = xo, yy = yo;
        for (int x = 0; x < width; x++) {
            int xin = xx < 0.0 ? -1 : (int)xx, yin = yy < 0.0 ? -1 : (int)yy;
            if (xin >= 0 && xin < width && yin >= 0 && yin < height)
                out[y * width + x] = in[yin * width + xin];
            xx += a[0];
            yy += a[3];
        }
        xo += a[1];
        yo += a[4];
    }
}

/* Image.rotate's shortcuts for multiples of 90 degrees (transpose), else
 * the affine map in 16.16 fixed point when the image is small enough. */
void rotation_plan(double angle, int width, int height, CnbRotation *plan, double a[6])
{
    angle = python_mod(angle, 360.0);
    rotation_matrix(angle, width, height, a);
    if (angle == 0)
        plan->kind = CNB_ROTATE_COPY;
    else if (angle == 180)
        plan->kind = CNB_ROTATE_180;
    else if ((angle == 90 || angle == 270) && width == height)
        plan->kind = angle == 90 ? CNB_ROTATE_90 : CNB_ROTATE_270;
    else if (fits_fixed(a, 0, 0) && fits_fixed(a, width, height) &&
             fits_fixed(a, 0, height) && fits_fixed(a, width, 0))
        plan->kind = CNB_ROTATE_FIXED;
    else
        plan->kind = CNB_ROTATE_FLOAT;
    /* Geometry.c's affine_fixed: the map at the centre of pixel (0, 0) */
    plan->a[0] = pil_floor(a[0] * 65536.0 + 0.5);
    plan->a[1] = pil_floor(a[1] * 65536.0 + 0.5);
    plan->a[3] = pil_floor(a[3] * 65536.0 + 0.5);
    plan->a[4] = pil_floor(a[4] * 65536.0 + 0.5);
    plan->a[2] = plan->kind == CNB_ROTATE_FLOAT ? 0
               : pil_floor((a[2] + a[1] * 0.5 + a[0] * 0.5) * 65536.0 + 0.5);
    plan->a[5] = plan->kind == CNB_ROTATE_FLOAT ? 0
               : pil_floor((a[5] + a[4] * 0.5 + a[3] * 0.5) * 65536.0 + 0.5);
}

void rotate_nearest(const float *in, float *out, int channels, int height, int width,
                    double angle)
{
    size_t plane = (size_t)height * width;
    CnbRotation plan;
    double a[6];
    rotation_plan(angle, width, height, &plan, a);
    for (int c = 0; c < channels; c++) {
        const float *src = in + c * plane;
        float *dst = out + c * plane;
        if (plan.kind == CNB_ROTATE_FLOAT) {
            memset(dst, 0, sizeof *dst * plane);   /* fill 0 where no source pixel lands */
            affine_float(src, dst, height, width, a);
            continue;
        }
        if (plan.kind == CNB_ROTATE_FIXED) {     /* nearly every angle: its own loop */
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) {
                    int from = cnb_rotation_fixed_source(plan.a, x, y, width, height);
                    dst[y * width + x] = from >= 0 ? src[from] : 0.0f;
                }
            continue;
        }
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                dst[y * width + x] = src[cnb_rotation_source(&plan, x, y, width, height)];
    }
}
