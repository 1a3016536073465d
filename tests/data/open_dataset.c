// SPDX-License-Identifier: BSD-3-Clause
/* Opens a dataset with .download = true, for the Python tests that serve the
 * files over HTTP:  open_dataset mnist|fashion ROOT train|test
 * Prints "items N first-label L" and exits 0, or exits 1 after the error. */
#include <stdio.h>
#include <string.h>

#include "cnb.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: open_dataset mnist|fashion ROOT train|test\n");
        return 2;
    }
    bool train = strcmp(argv[3], "train") == 0;
    Dataset *d = strcmp(argv[1], "fashion") == 0
                 ? fashion_mnist(argv[2], .train = train, .download = true)
                 : mnist(argv[2], .train = train, .download = true);
    if (!d)
        return 1;
    int label = -1;
    Tensor *x = dataset_get(d, 0, &label);
    printf("items %zu first-label %d\n", dataset_len(d), label);
    tensor_free(x);
    dataset_free(d);
    return 0;
}
