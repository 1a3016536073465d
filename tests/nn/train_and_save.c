// SPDX-License-Identifier: BSD-3-Clause
/* Helper of test_checkpoint_torch.py (not a test by itself): trains the
 * lesson's MLP for a few Adam steps on random data, saves it with
 * model_save, and writes the inputs it then predicts on together with the
 * C model's outputs, so that the Python side can check that PyTorch loaded
 * the same model.
 *
 *     train_and_save MODEL.safetensors PREDICTIONS.bin
 *
 * PREDICTIONS.bin: int32 n, then n x 784 float32 inputs, n x 10 float32 outputs. */
#include "cnb.h"

#define N_TRAIN 64
#define N_TEST 32

static void fill_batch(Tensor *x, Tensor *y)
{
    generator_fill_uniform(NULL, tensor_data(x), tensor_numel(x), 0.0f, 1.0f);
    for (size_t i = 0; i < tensor_numel(y); i++)
        tensor_data(y)[i] = (float)(random_u32() % 10);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL.safetensors PREDICTIONS.bin\n", argv[0]);
        return 2;
    }
    manual_seed(2024);
    Model *model = sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                              linear(128, 64), relu(), linear(64, 10));
    Loss *loss = cross_entropy_loss();
    Optimizer *optimizer = adam(model, .lr = 0.001);
    Tensor *x = tensor(N_TRAIN, 1, 28, 28), *y = tensor(N_TRAIN);
    for (int step = 0; step < 20; step++) {
        fill_batch(x, y);
        optimizer_zero_grad(optimizer);
        Tensor *value = loss_forward(loss, model_forward(model, x), y);
        loss_backward(value);
        optimizer_step(optimizer);
    }
    if (model_save(model, argv[1]) < 0)
        return 1;
    Tensor *test = tensor(N_TEST, 1, 28, 28), *unused = tensor(N_TEST);
    fill_batch(test, unused);
    model_eval(model);
    Tensor *out = model_predict(model, test);
    FILE *f = fopen(argv[2], "wb");
    if (!f || !out)
        return 1;
    int32_t n = N_TEST;
    fwrite(&n, sizeof n, 1, f);
    fwrite(tensor_cdata(test), sizeof(float), tensor_numel(test), f);
    fwrite(tensor_cdata(out), sizeof(float), tensor_numel(out), f);
    fclose(f);
    tensor_free(test);
    tensor_free(unused);
    tensor_free(x);
    tensor_free(y);
    optimizer_free(optimizer);
    loss_free(loss);
    model_free(model);
    return 0;
}
