// SPDX-License-Identifier: BSD-3-Clause
/* The pixel work of random_horizontal_flip and random_crop (torchvision's
 * F.hflip and F.pad + F.crop) on a float image in place.  A crop of the
 * image's own size from the zero-padded image is the image shifted by
 * (top - padding, left - padding) with zeros moved in. */
#include "data/transform_impl.h"

#include <string.h>

void flip_horizontal(float *data, int channels, int height, int width)
{
    for (long row = 0; row < (long)channels * height; row++) {
        float *line = data + row * width;
        for (int x = 0, y = width - 1; x < y; x++, y--) {
            float t = line[x];
            line[x] = line[y];
            line[y] = t;
        }
    }
}

/* out[y][x] = in[y + dy][x + dx], 0 outside.  Rows are walked in the
 * direction that reads each source row before it is overwritten. */
void crop_shifted(float *data, int channels, int height, int width, int dy, int dx)
{
    size_t plane = (size_t)height * width;
    for (int c = 0; c < channels; c++) {
        float *img = data + c * plane;
        for (int k = 0; k < height; k++) {
            int y = dy > 0 ? k : height - 1 - k;
            int from = y + dy;
            float *dst = img + (size_t)y * width;
            if (from < 0 || from >= height || dx >= width || dx <= -width) {
                memset(dst, 0, sizeof *dst * width);
                continue;
            }
            const float *src = img + (size_t)from * width;
            int n = width - (dx > 0 ? dx : -dx);
            if (dx >= 0) {
                memmove(dst, src + dx, sizeof *dst * n);
                memset(dst + n, 0, sizeof *dst * (width - n));
            } else {
                memmove(dst - dx, src, sizeof *dst * n);
                memset(dst, 0, sizeof *dst * -dx);
            }
        }
    }
}
