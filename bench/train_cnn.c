/* CNN training speed on Fashion-MNIST (batch 64, Adam 1e-3), driven by
 * train_cnn.py, which runs PyTorch on the same batches count:
 *   train_cnn small|lesson BATCHES DATA_DIR
 * prints "cnb <model> <batches> <seconds> <seconds per epoch>". */
#include "cnb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static Model *make_model(const char *which)
{
    if (strcmp(which, "small") == 0)
        return sequential(conv2d(1, 8, 3, .padding = 1), relu(), max_pool2d(2),
                          conv2d(8, 16, 3, .padding = 1), batch_norm2d(16), relu(),
                          max_pool2d(2), flatten(), linear(16 * 7 * 7, 10));
    return sequential(conv2d(1, 32, 3, .padding = 1), relu(), max_pool2d(2),
                      conv2d(32, 64, 3, .padding = 1), relu(), max_pool2d(2), flatten(),
                      linear(64 * 7 * 7, 128), relu(), linear(128, 10));
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: train_cnn small|lesson BATCHES DATA_DIR\n");
        return 2;
    }
    int batches = atoi(argv[2]);
    manual_seed(0);
    Dataset *train = fashion_mnist(argv[3], .train = true, .transform = to_tensor());
    if (!train)
        return 1;
    DataLoader *loader = dataloader(train, .batch_size = 64, .shuffle = true);
    Model *model = make_model(argv[1]);
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = adam(model, .lr = 0.001);
    Batch batch;
    int done = 0;
    double t0 = now();
    while (done < batches && next_batch(loader, &batch)) {
        optimizer_zero_grad(opt);
        loss_backward(loss_forward(loss, model_forward(model, batch.data), batch.target));
        optimizer_step(opt);
        done++;
    }
    double seconds = now() - t0;
    printf("cnb %s %d %.3f %.2f\n", argv[1], done, seconds, seconds / done * 938.0);
    return 0;
}
