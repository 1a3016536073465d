/* Writes the first N MNIST test images after random_rotation(DEGREES) from
 * manual_seed(SEED), one byte per pixel, for test_rotation.py to compare
 * with torchvision:  rotate_images MNIST_DIR SEED N DEGREES > out */
#include <stdio.h>
#include <stdlib.h>

#include "cnb.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: rotate_images MNIST_DIR SEED N DEGREES\n");
        return 2;
    }
    Dataset *d = mnist(argv[1], .train = false,
                       .transform = random_rotation((float)atof(argv[4])));
    if (!d)
        return 1;
    manual_seed(strtoull(argv[2], NULL, 10));
    size_t n = strtoull(argv[3], NULL, 10);
    for (size_t i = 0; i < n && i < dataset_len(d); i++) {
        Tensor *x = dataset_get(d, i, NULL);
        unsigned char pixels[784];
        for (int j = 0; j < 784; j++)
            pixels[j] = (unsigned char)tensor_cdata(x)[j];
        fwrite(pixels, 1, sizeof pixels, stdout);
        tensor_free(x);
    }
    dataset_free(d);
    return 0;
}
