// SPDX-License-Identifier: BSD-3-Clause
/* The dataloader of a model on the GPU: once the user moves a batch there
 * (the lesson's tensor_to(batch.data, device)), the loader uploads the
 * dataset's bytes once and makes the next batches on the device; once the
 * user moves one back, it makes them on the CPU again.  Every batch, on
 * either side, is the CPU loader's, bit for bit, in PyTorch's order and
 * with the same random rotations (the generator stays on the CPU).
 *
 * Runs on a GPU, and as test_cuda_loader_emulated against the host
 * emulation of the plugin (which also counts what crossed to the device);
 * skipped without either. */
#include "cnb.h"
#include "tap.h"
#include "plugin_choice.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EPOCHS 3
#define MAX_BATCHES 64

/* What the CPU loader gave: per epoch and batch, a hash of the bytes. */
typedef struct Run {
    uint64_t data[EPOCHS][MAX_BATCHES], target[EPOCHS][MAX_BATCHES];
    int batches[EPOCHS];
    bool arrived_on_cuda[EPOCHS][MAX_BATCHES];
} Run;

static uint64_t fnv1a(const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* What the user does with a batch in epoch e: on the GPU in the first
 * two, back to the cpu in the third (move == NULL: leaves it). */
static void take_batch(Batch *b, const Device *move)
{
    if (move) {
        tensor_to(b->data, *move);
        tensor_to(b->target, *move);
    }
}

static void run_epoch(DataLoader *loader, Run *run, int e, const Device *move)
{
    Batch b;
    int n = 0;
    while (next_batch(loader, &b) && n < MAX_BATCHES) {
        run->arrived_on_cuda[e][n] = tensor_device(b.data) == CUDA;
        take_batch(&b, move);
        run->data[e][n] = fnv1a(tensor_data(b.data), tensor_numel(b.data) * sizeof(float));
        run->target[e][n] = fnv1a(tensor_data(b.target), tensor_numel(b.target) * sizeof(float));
        n++;
    }
    run->batches[e] = n;
}

static void run_epochs(DataLoader *loader, Run *run, const Device moves[EPOCHS])
{
    manual_seed(11);
    for (int e = 0; e < EPOCHS; e++)
        run_epoch(loader, run, e, moves ? &moves[e] : NULL);
}

static int count_mismatches(const Run *a, const Run *b, int e)
{
    int differ = a->batches[e] != b->batches[e];
    for (int i = 0; i < a->batches[e] && i < b->batches[e]; i++)
        differ += a->data[e][i] != b->data[e][i] || a->target[e][i] != b->target[e][i];
    return differ;
}

static size_t (*emulated_counter(const char *name))(void)
{
#ifdef CNB_EMULATED_PLUGIN
    void *plugin = dlopen(CNB_EMULATED_PLUGIN, RTLD_NOW | RTLD_NOLOAD);
    size_t (*counter)(void) = NULL;
    if (plugin)
        *(void **)&counter = dlsym(plugin, name);
    return counter;
#else
    (void)name;
    return NULL;
#endif
}

/* 2,000 training images (a random_split subset of MNIST, rotated by up to
 * 30 degrees and normalized), shuffled: three epochs moved to the GPU,
 * then back, against the same epochs on the CPU alone. */
static void test_follows_the_user(Dataset *train)
{
    manual_seed(5);
    Dataset **parts = random_split(train, 2000, dataset_len(train) - 2000);
    Dataset *part = parts[0];
    dataset_set_transform(part, compose(to_tensor(), random_rotation(30),
                                        normalize(0.1307f, 0.3081f)));
    DataLoader *cpu_loader = dataloader(part, .batch_size = 64, .shuffle = true);
    DataLoader *gpu_loader = dataloader(part, .batch_size = 64, .shuffle = true);
    static Run cpu, gpu;
    run_epochs(cpu_loader, &cpu, NULL);
    size_t (*uploaded)(void) = emulated_counter("cnb_host_plugin_bytes_to_device");
    size_t (*prepared)(void) = emulated_counter("cnb_host_plugin_batches_prepared");
    size_t uploaded_before = uploaded ? uploaded() : 0;
    size_t prepared_before = prepared ? prepared() : 0;
    run_epochs(gpu_loader, &gpu, (Device[EPOCHS]){ CUDA, CUDA, CPU });

    is_int(gpu.batches[0], 32, "32 batches an epoch");
    for (int e = 0; e < EPOCHS; e++)
        is_int(count_mismatches(&cpu, &gpu, e), 0, "epoch %d: every batch is the cpu "
               "loader's, bit for bit (images and labels)", e + 1);
    ok(!gpu.arrived_on_cuda[0][0] && !gpu.arrived_on_cuda[0][1] && gpu.arrived_on_cuda[0][2] &&
       gpu.arrived_on_cuda[0][31], "epoch 1: batches 1-2 come from the cpu, batch 3 on (after "
       "the user moved batch 1) from the GPU");
    bool all = true;
    for (int i = 0; i < 32; i++)
        all = all && gpu.arrived_on_cuda[1][i];
    ok(all, "epoch 2: every batch is made on the GPU");
    ok(gpu.arrived_on_cuda[2][0] && gpu.arrived_on_cuda[2][1] && !gpu.arrived_on_cuda[2][2] &&
       !gpu.arrived_on_cuda[2][31], "epoch 3, moved back: the cpu makes them again from "
       "batch 3");
    if (uploaded) {
        /* MNIST's training bytes and labels once; the two batches made on
         * the cpu, moved up by the user's tensor_to; the index and plans
         * of the others go with prepare_batch */
        size_t expected = 60000 * (784 + 1) + 2 * 64 * (784 + 1) * sizeof(float);
        is_int(uploaded() - uploaded_before, expected, "what crossed to the device: the "
               "dataset once, and the two batches the user moved up");
        is_int(prepared() - prepared_before, 30 + 32 + 2, "64 batches made by the device");
    } else {
        skip("the emulation counts what crosses to the device; a GPU does not");
        skip("the emulation counts what crosses to the device; a GPU does not");
    }
    dataloader_free(cpu_loader), dataloader_free(gpu_loader);
    dataset_free(parts[0]), dataset_free(parts[1]);
    free(parts);
}

/* The transform changes between epochs, from none with rotations to two
 * of them: the loader's host buffers for the plans follow. */
static void test_transform_changes(Dataset *train)
{
    manual_seed(6);
    Dataset **parts = random_split(train, 640, dataset_len(train) - 640);
    static Run cpu, gpu;
    for (int pass = 0; pass < 2; pass++) {
        Run *run = pass ? &gpu : &cpu;
        const Device *move = pass ? &(const Device){ CUDA } : NULL;
        dataset_set_transform(parts[0], to_tensor());
        DataLoader *loader = dataloader(parts[0], .batch_size = 64, .shuffle = true);
        manual_seed(13);
        run_epoch(loader, run, 0, move);
        dataset_set_transform(parts[0], compose(random_rotation(10), to_tensor(),
                                                random_rotation(20)));
        run_epoch(loader, run, 1, move);
        dataloader_free(loader);
    }
    ok(count_mismatches(&cpu, &gpu, 0) + count_mismatches(&cpu, &gpu, 1) == 0 &&
       gpu.arrived_on_cuda[1][0] && gpu.arrived_on_cuda[1][9],
       "a transform with two rotations from the second epoch: made on the GPU, the cpu's "
       "batches bit for bit");
    dataset_free(parts[0]), dataset_free(parts[1]);
    free(parts);
}

/* random_crop and random_horizontal_flip have no device step: the loader
 * keeps making those batches on the cpu (the user's tensor_to moves them
 * up), the same as the cpu loader's. */
static void test_flip_crop_stay_on_cpu(Dataset *train)
{
    manual_seed(7);
    Dataset **parts = random_split(train, 640, dataset_len(train) - 640);
    dataset_set_transform(parts[0], compose(random_crop(28, .padding = 4),
                                            random_horizontal_flip(), to_tensor()));
    static Run cpu, gpu;
    DataLoader *cpu_loader = dataloader(parts[0], .batch_size = 64, .shuffle = true);
    DataLoader *gpu_loader = dataloader(parts[0], .batch_size = 64, .shuffle = true);
    run_epochs(cpu_loader, &cpu, NULL);
    run_epochs(gpu_loader, &gpu, (Device[EPOCHS]){ CUDA, CUDA, CUDA });
    int on_cuda = 0, differ = 0;
    for (int e = 0; e < EPOCHS; e++) {
        differ += count_mismatches(&cpu, &gpu, e);
        for (int i = 0; i < gpu.batches[e]; i++)
            on_cuda += gpu.arrived_on_cuda[e][i];
    }
    ok(gpu.batches[0] == 10 && differ == 0 && on_cuda == 0,
       "crop and flip: batches made on the cpu and moved up by the user, the cpu loader's "
       "bit for bit");
    dataloader_free(cpu_loader), dataloader_free(gpu_loader);
    dataset_free(parts[0]), dataset_free(parts[1]);
    free(parts);
}

/* A dataset of the user's own (items made by their code) stays on the
 * cpu: the device has no bytes to gather from. */
static size_t three(void *user) { (void)user; return 3; }
static int item(void *user, size_t index, Tensor *image, int *label)
{
    (void)user;
    tensor_fill(image, (float)index);
    *label = (int)index;
    return 0;
}

static void test_custom_stays(void)
{
    Dataset *d = custom_dataset(.len = three, .get_item = item, .shape = { 1, 2, 2 });
    DataLoader *l = dataloader(d, .batch_size = 1);
    Batch b;
    int on_cuda = 0, n = 0;
    while (next_batch(l, &b)) {
        on_cuda += tensor_device(b.data) == CUDA;
        tensor_to(b.data, CUDA);
        n += tensor_get(b.data, 0, 0, 1, 1) == (float)b.index;
    }
    ok(on_cuda == 0 && n == 3, "a custom dataset's batches are made on the cpu, and moved up "
       "by tensor_to as before");
    dataloader_free(l);
    dataset_free(d);
}

int main(void)
{
    choose_plugin();
    if (!cuda_available()) {
        printf("# %s\n", (cuda_get_device_name(), cnb_last_error()));
        for (int i = 0; i < 13; i++)
            skip("no GPU here: no batch can be made on the device");
        return tap_done();
    }
    printf("# device: %s\n", cuda_get_device_name());
    const char *root = getenv("CNB_MNIST_DIR");
    Dataset *train = mnist(root ? root : "../data/MNIST/raw", .train = true);
    ok(train != NULL, "MNIST");
    if (train) {
        test_follows_the_user(train);
        test_transform_changes(train);
        test_flip_crop_stay_on_cpu(train);
    }
    test_custom_stays();
    dataset_free(train);
    return tap_done();
}
