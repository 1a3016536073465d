// SPDX-License-Identifier: BSD-3-Clause
/* No leak in the runtime once the *_free calls are made: a whole training
 * pipeline (custom dataset with transforms, random split, dataloader with
 * its background thread, model, loss, Adam, a checkpoint saved and loaded,
 * tensors) is built, used for an epoch and freed; then LeakSanitizer looks
 * for any block still allocated and unreachable, right here (not only at
 * exit, where a leak would be reported without saying which test made it).
 * Without the sanitizers (the plain build) the check is skipped. */
#include "cnb.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

/* LeakSanitizer's interface, present only in the sanitizer build. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static size_t len(void *user_data)
{
    (void)user_data;
    return 96;
}

static int get_item(void *user_data, size_t index, Tensor *image, int *label)
{
    (void)user_data;
    float *pixels = tensor_data(image);
    for (int i = 0; i < 28 * 28; i++)
        pixels[i] = (float)((index * 7 + (size_t)i) % 256);
    *label = (int)(index % 10);
    return 0;
}

static void train_one_epoch(Dataset *train, const char *checkpoint)
{
    DataLoader *loader = dataloader(train, .batch_size = 16, .shuffle = true);
    Model *model = sequential(flatten(), linear(28 * 28, 32), relu(), linear(32, 10));
    Loss *criterion = cross_entropy_loss();
    Optimizer *optimizer = adam(model, .lr = 0.001);
    Batch batch;
    int batches = 0;
    while (next_batch(loader, &batch)) {
        optimizer_zero_grad(optimizer);
        Tensor *loss = loss_forward(criterion, model_forward(model, batch.data), batch.target);
        loss_backward(loss);
        optimizer_step(optimizer);
        batches++;
    }
    ok(batches > 0, "an epoch of %d batches", batches);
    is_int(model_save(model, checkpoint), 0, "checkpoint saved");
    is_int(model_load(model, checkpoint), 0, "checkpoint loaded");
    optimizer_free(optimizer);
    loss_free(criterion);
    model_free(model);
    dataloader_free(loader);
}

int main(void)
{
    char dir[] = "/tmp/cnb-leaks-XXXXXX", checkpoint[64];
    if (!mkdtemp(dir))
        return 1;
    snprintf(checkpoint, sizeof checkpoint, "%s/model.safetensors", dir);
    manual_seed(3);
    Dataset *all = custom_dataset(.len = len, .get_item = get_item, .shape = {1, 28, 28},
                                  .transform = compose(to_tensor(), normalize(0.5, 0.5)),
                                  .num_classes = 10);
    Dataset **parts = random_split(all, 80, 16);
    train_one_epoch(parts[0], checkpoint);
    Tensor *t = tensor(4, 5);
    tensor_free(t);
    for (int i = 0; parts[i]; i++)
        dataset_free(parts[i]);
    free(parts);
    dataset_free(all);
    unlink(checkpoint);
    rmdir(dir);
    if (__lsan_do_recoverable_leak_check)
        is_int(__lsan_do_recoverable_leak_check(), 0, "LeakSanitizer finds nothing left after the *_free calls");
    else
        skip("not a sanitizer build: no LeakSanitizer to ask");
    return tap_done();
}
