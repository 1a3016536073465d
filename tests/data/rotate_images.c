// SPDX-License-Identifier: BSD-3-Clause
/* Rotates images read from stdin with random_rotation(DEGREES) after
 * manual_seed(SEED), one angle drawn per image as RandomRotation does, and
 * writes them to stdout, one byte per pixel, for test_rotation.py to compare
 * with torchvision:   rotate_images HEIGHT WIDTH SEED DEGREES < in > out */
#include <stdio.h>
#include <stdlib.h>

#include "cnb.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: rotate_images HEIGHT WIDTH SEED DEGREES < images\n");
        return 2;
    }
    int height = atoi(argv[1]), width = atoi(argv[2]);
    size_t n = (size_t)height * (size_t)width;
    Transform *rotation = random_rotation((float)atof(argv[4]));
    unsigned char *pixels = malloc(n);
    Tensor *image = tensor(1, height, width);
    if (!rotation || !pixels || !image)
        return 1;
    manual_seed(strtoull(argv[3], NULL, 10));
    while (fread(pixels, 1, n, stdin) == n) {
        float *p = tensor_data(image);
        for (size_t i = 0; i < n; i++)
            p[i] = pixels[i];
        if (transform_apply(rotation, image) != 0)
            return 1;
        for (size_t i = 0; i < n; i++)
            pixels[i] = (unsigned char)p[i];
        fwrite(pixels, 1, n, stdout);
    }
    tensor_free(image);
    transform_free(rotation);
    free(pixels);
    return 0;
}
