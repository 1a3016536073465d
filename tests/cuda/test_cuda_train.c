// SPDX-License-Identifier: BSD-3-Clause
/* The lesson's training on the GPU against the same training on the CPU:
 * a model moved with model_to(CUDA) trains step for step like its CPU twin
 * (losses and weights within float tolerance), evaluates and counts its
 * confusion matrix on the device, saves the same checkpoint, comes back to
 * the CPU whole with its optimizer state, and reaches the CPU's accuracy
 * within 0.3 points after 3 epochs of MNIST.  A model of every other
 * layer kind (sigmoid, tanh, dropout, a ReLU not after a linear layer),
 * trained with SGD and momentum, does the same, dropping the same elements
 * as its CPU twin.  What CUDA refuses (moving one parameter) is refused
 * with a message.
 *
 * set_float32_matmul_precision is checked everywhere; the rest needs a
 * GPU and reports itself skipped without one, and runs on every machine
 * against the host emulation of the plugin as test_cuda_train_emulated
 * (host_plugin.c; without the 3 epochs). */
#include "cnb.h"
#include "tap.h"
#include "cuda/plugin_choice.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GPU_CHECKS 27             /* the checks a GPU run makes, skipped otherwise */

static Model *lesson_mlp(void)
{
    return sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                      linear(128, 64), relu(), linear(64, 10));
}

static void test_precision(void)
{
    is_str(get_float32_matmul_precision(), "highest", "float32 matmul precision: highest");
    is_int(set_float32_matmul_precision("high"), 0, "set_float32_matmul_precision(\"high\")");
    is_str(get_float32_matmul_precision(), "high", "now high (TF32 allowed on the GPU)");
    is_int(set_float32_matmul_precision("fast"), -1, "another word is refused");
    ok(strstr(cnb_last_error(), "\"highest\", \"high\" or \"medium\"") != NULL,
       "naming the words it takes");
    is_int(set_float32_matmul_precision("highest"), 0, "back to highest");
}

/* Largest difference between the parameters of two models, relative to
 * the largest parameter. */
static double parameter_diff(Model *a, Model *b)
{
    double worst = 0, scale = 0;
    for (int p = 0; p < model_parameter_tensors(a); p++) {
        const float *x = tensor_cdata(model_parameter(a, p, NULL));
        const float *y = tensor_cdata(model_parameter(b, p, NULL));
        for (size_t i = 0; i < tensor_numel(model_parameter(a, p, NULL)); i++) {
            scale = fmax(scale, fabs(x[i]));
            worst = fmax(worst, fabs((double)x[i] - y[i]));
        }
    }
    return worst / scale;
}

/* Every parameter of a model, in one host array (the caller frees it). */
static float *snapshot(Model *m)
{
    float *all = malloc(model_parameter_count(m) * sizeof *all), *at = all;
    for (int p = 0; p < model_parameter_tensors(m); p++) {
        size_t n = tensor_numel(model_parameter(m, p, NULL));
        memcpy(at, tensor_cdata(model_parameter(m, p, NULL)), n * sizeof *at);
        at += n;
    }
    return all;
}

/* How far one step's changes of two models differ, relative to the first's
 * size: about 0 when both carry the same Adam state, near 1 when one
 * started over (a fresh state moves every weight by about 0.7 lr). */
static double step_difference(Model *a, const float *a_before, Model *b, const float *b_before)
{
    float *a_now = snapshot(a), *b_now = snapshot(b);
    double diff = 0, size = 0;
    for (size_t i = 0; i < model_parameter_count(a); i++) {
        double da = (double)a_now[i] - a_before[i], db = (double)b_now[i] - b_before[i];
        diff += fabs(da - db);
        size += fabs(da);
    }
    free(a_now), free(b_now);
    return size > 0 ? diff / size : INFINITY;
}

/* 50 steps of the lesson's MLP on both devices from the same weights and
 * the same batches. */
static void test_steps(Dataset *train)
{
    manual_seed(1);
    Model *cpu = lesson_mlp();
    manual_seed(1);
    Model *gpu = model_to(lesson_mlp(), CUDA);
    ok(gpu && model_device(gpu) == CUDA, "model_to(cuda)");
    if (!gpu)
        return;
    Optimizer *cpu_opt = adam(cpu, .lr = 0.001), *gpu_opt = adam(gpu, .lr = 0.001);
    Loss *cpu_loss = cross_entropy_loss(), *gpu_loss = cross_entropy_loss();
    manual_seed(2);
    DataLoader *loader = dataloader(train, .batch_size = 64, .shuffle = true);
    Batch batch;
    double worst_loss = 0, first_step = INFINITY;
    for (int step = 0; step < 50 && next_batch(loader, &batch); step++) {
        /* the loader makes batches on the GPU once they are moved there:
         * the CPU twin takes each back first */
        tensor_to(batch.data, CPU);
        tensor_to(batch.target, CPU);
        optimizer_zero_grad(cpu_opt);
        Tensor *l = loss_forward(cpu_loss, model_forward(cpu, batch.data), batch.target);
        float want = tensor_item(l);
        loss_backward(l);
        optimizer_step(cpu_opt);
        tensor_to(batch.data, CUDA);
        tensor_to(batch.target, CUDA);
        optimizer_zero_grad(gpu_opt);
        l = loss_forward(gpu_loss, model_forward(gpu, batch.data), batch.target);
        worst_loss = fmax(worst_loss, fabs(tensor_item(l) - want) / want);
        loss_backward(l);
        optimizer_step(gpu_opt);
        if (step == 0)
            first_step = parameter_diff(cpu, gpu);
    }
    /* Adam's first step moves each weight by lr * g / (|g| + eps): for
     * gradients near eps, the summation order of the products shows */
    ok(first_step <= 1e-4, "one training step: the GPU's weights are the CPU's within %.2g of "
       "the largest", first_step);
    /* later, Adam's division by sqrt(v) turns rounding differences of
     * gradients near 0 into whole steps of lr: looser */
    ok(worst_loss <= 1e-3, "50 steps: the GPU's losses are the CPU's within %.2g", worst_loss);
    double d = parameter_diff(cpu, gpu);
    ok(d <= 1e-2, "and the weights within %.2g of the largest", d);

    /* the last batch is on the GPU: counts there against counts of host copies */
    Tensor *out = model_predict(gpu, batch.data);
    Tensor *host_out = tensor_from_data(tensor_cdata(out), (int[]){ tensor_dim(out, 0), 10 }, 2);
    Tensor *host_y = tensor_from_data(tensor_cdata(batch.target), (int[]){ batch.size }, 1);
    is_int(count_correct(out, batch.target), count_correct(host_out, host_y),
           "count_correct of a GPU output, counted on the GPU");
    Tensor *cm = confusion_matrix_new(10), *host_cm = confusion_matrix_new(10);
    confusion_matrix_add(cm, out, batch.target);
    confusion_matrix_add(host_cm, host_out, host_y);
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += tensor_get(cm, i / 10, i % 10) == tensor_get(host_cm, i / 10, i % 10);
    ok(same == 100 && tensor_sum(cm) == batch.size, "confusion_matrix_add on the GPU");
    tensor_free(host_out), tensor_free(host_y), tensor_free(cm), tensor_free(host_cm);

    char path[] = "/tmp/cnb-cuda-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    ok(model_save(gpu, path) == 0, "model_save of a GPU model");
    Model *loaded = lesson_mlp();
    ok(model_load(loaded, path) == 0 && parameter_diff(gpu, loaded) == 0,
       "the file holds the GPU model's weights");
    ok(model_load(gpu, path) == 0 && model_device(gpu) == CUDA, "model_load into a GPU model");
    unlink(path);

    ok(model_to(gpu, CPU) == gpu && parameter_diff(gpu, loaded) == 0,
       "model_to(cpu): the weights come back");
    float *gpu_before = snapshot(gpu), *cpu_before = snapshot(cpu);
    optimizer_zero_grad(gpu_opt);
    Tensor *l = loss_forward(gpu_loss, model_forward(gpu, tensor_to(batch.data, CPU)),
                             tensor_to(batch.target, CPU));
    loss_backward(l);
    optimizer_step(gpu_opt);
    optimizer_zero_grad(cpu_opt);
    loss_backward(loss_forward(cpu_loss, model_forward(cpu, batch.data), batch.target));
    optimizer_step(cpu_opt);
    d = step_difference(cpu, cpu_before, gpu, gpu_before);
    ok(d <= 0.05, "a step on the cpu after: the same changes as the CPU twin's, so Adam's "
       "state came along (differ by %.2g of their size)", d);
    free(gpu_before), free(cpu_before);

    Tensor *moved = tensor_to(model_parameter(model_to(gpu, CUDA), 0, NULL), CPU);
    ok(!moved && strstr(cnb_last_error(), "move the model with model_to"),
       "a parameter alone does not move (the message says how)");
    model_free(loaded);
    dataloader_free(loader);
    optimizer_free(cpu_opt), optimizer_free(gpu_opt);
    loss_free(cpu_loss), loss_free(gpu_loss);
    model_free(cpu), model_free(gpu);
}

/* Every layer kind: tanh and sigmoid fused after a linear layer (a kernel
 * after cuBLASLt's product), dropout after an activation (its own block)
 * and after a linear layer (in place), a ReLU and a sigmoid on their own. */
static Model *mixed_mlp(void)
{
    return sequential(flatten(), linear(28 * 28, 128), tanh_layer(), dropout(0.2f),
                      linear(128, 64), dropout(0.1f), relu(), sigmoid(), linear(64, 32),
                      sigmoid(), linear(32, 10));
}

/* One training step; the step's dropout masks from the default generator
 * seeded with seed, so both devices draw the same ones. */
static float sgd_step(Model *m, Optimizer *opt, Loss *loss, Batch *batch, unsigned long seed)
{
    manual_seed(seed);
    optimizer_zero_grad(opt);
    Tensor *l = loss_forward(loss, model_forward(m, batch->data), batch->target);
    float value = tensor_item(l);
    loss_backward(l);
    optimizer_step(opt);
    return value;
}

/* The first uniform the default generator gives after a training forward
 * of m from seed: the same on both devices if dropout drew as much. */
static float draw_after_forward(Model *m, const Tensor *x, unsigned long seed)
{
    float u;
    manual_seed(seed);
    model_forward(m, x);
    generator_fill_uniform(NULL, &u, 1, 0.0f, 1.0f);
    return u;
}

/* 50 steps of mixed_mlp with SGD (momentum, weight decay) on both devices. */
static void test_other_layers(Dataset *train)
{
    manual_seed(7);
    Model *cpu = mixed_mlp();
    manual_seed(7);
    Model *gpu = model_to(mixed_mlp(), CUDA);
    ok(gpu != NULL, "a model of sigmoid, tanh, dropout and a lone relu moves to cuda%s%s",
       gpu ? "" : ": ", gpu ? "" : cnb_last_error());
    if (!gpu)
        return;
    Optimizer *cpu_opt = sgd(cpu, .lr = 0.05, .momentum = 0.9, .weight_decay = 1e-4);
    Optimizer *gpu_opt = sgd(gpu, .lr = 0.05, .momentum = 0.9, .weight_decay = 1e-4);
    Loss *cpu_loss = cross_entropy_loss(), *gpu_loss = cross_entropy_loss();
    manual_seed(8);
    DataLoader *loader = dataloader(train, .batch_size = 64, .shuffle = true);
    Batch batch;
    double worst_loss = 0, first_step = INFINITY;
    for (int step = 0; step < 50 && next_batch(loader, &batch); step++) {
        float want = sgd_step(cpu, cpu_opt, cpu_loss, &batch, 100 + step);
        tensor_to(batch.data, CUDA);
        tensor_to(batch.target, CUDA);
        float got = sgd_step(gpu, gpu_opt, gpu_loss, &batch, 100 + step);
        worst_loss = fmax(worst_loss, fabs(got - want) / want);
        if (step == 0)
            first_step = parameter_diff(cpu, gpu);
        tensor_to(batch.data, CPU);
        tensor_to(batch.target, CPU);
    }
    ok(first_step <= 1e-5, "one SGD step with dropout: the GPU's weights are the CPU's within "
       "%.2g of the largest (the same elements dropped)", first_step);
    ok(worst_loss <= 1e-3, "50 steps: the GPU's losses are the CPU's within %.2g", worst_loss);
    double d = parameter_diff(cpu, gpu);
    ok(d <= 1e-3, "and the weights within %.2g of the largest", d);

    float on_cpu = draw_after_forward(cpu, batch.data, 300);
    float on_gpu = draw_after_forward(gpu, tensor_to(batch.data, CUDA), 300);
    ok(on_cpu == on_gpu, "dropout on the GPU leaves the generator where the CPU's does");

    model_eval(cpu), model_eval(gpu);
    Tensor *want = tensor_from_data(tensor_cdata(model_predict(cpu, tensor_to(batch.data, CPU))),
                                    (int[]){ batch.size, 10 }, 2);
    const float *got = tensor_cdata(model_predict(gpu, tensor_to(batch.data, CUDA)));
    double worst = 0;
    for (int i = 0; i < batch.size * 10; i++)
        worst = fmax(worst, fabs((double)got[i] - tensor_cdata(want)[i]));
    ok(worst <= 1e-3, "eval mode (dropout off): the CPU's outputs within %.2g", worst);
    tensor_free(want);
    model_train(cpu), model_train(gpu);

    float *gpu_before = snapshot(gpu), *cpu_before = snapshot(cpu);
    ok(model_to(gpu, CPU) == gpu, "model_to(cpu) of the SGD-trained model");
    tensor_to(batch.data, CPU);
    tensor_to(batch.target, CPU);
    sgd_step(gpu, gpu_opt, gpu_loss, &batch, 400);
    sgd_step(cpu, cpu_opt, cpu_loss, &batch, 400);
    d = step_difference(cpu, cpu_before, gpu, gpu_before);
    ok(d <= 0.05, "a step on the cpu after: the CPU twin's change, so the momentum buffers came "
       "along (differ by %.2g of their size)", d);
    free(gpu_before), free(cpu_before);
    dataloader_free(loader);
    optimizer_free(cpu_opt), optimizer_free(gpu_opt);
    loss_free(cpu_loss), loss_free(gpu_loss);
    model_free(cpu), model_free(gpu);
}

#ifndef CNB_EMULATED_PLUGIN
static Evaluation train_epochs(Dataset *train, Dataset *test, Device device, Tensor **cm)
{
    manual_seed(0);
    Model *m = model_to(lesson_mlp(), device);
    Optimizer *opt = adam(m, .lr = 0.001);
    Loss *loss = cross_entropy_loss();
    DataLoader *loader = dataloader(train, .batch_size = 64, .shuffle = true);
    DataLoader *test_loader = dataloader(test, .batch_size = 1000);
    Batch batch;
    for (int epoch = 0; epoch < 3; epoch++) {
        model_train(m);
        while (next_batch(loader, &batch)) {
            tensor_to(batch.data, device);
            tensor_to(batch.target, device);
            optimizer_zero_grad(opt);
            loss_backward(loss_forward(loss, model_forward(m, batch.data), batch.target));
            optimizer_step(opt);
        }
    }
    Evaluation e = evaluate(m, test_loader, loss);
    *cm = confusion_matrix(m, test_loader, 10);
    dataloader_free(loader), dataloader_free(test_loader);
    optimizer_free(opt), loss_free(loss), model_free(m);
    return e;
}

static void test_epochs(Dataset *train, Dataset *test)
{
    Tensor *cpu_cm, *gpu_cm;
    Evaluation cpu = train_epochs(train, test, CPU, &cpu_cm);
    Evaluation gpu = train_epochs(train, test, CUDA, &gpu_cm);
    printf("# 3 epochs: cpu %.2f%% (loss %.4f), gpu %.2f%% (loss %.4f)\n", cpu.accuracy,
           cpu.loss, gpu.accuracy, gpu.loss);
    is_int(gpu.total, 10000, "evaluate on the GPU saw the 10k test images");
    ok(fabs(gpu.accuracy - cpu.accuracy) <= 0.3, "3 epochs: GPU accuracy %.2f%%, CPU %.2f%% "
       "(within 0.3 points)", gpu.accuracy, cpu.accuracy);
    double diagonal = 0;
    for (int c = 0; c < 10; c++)
        diagonal += tensor_get(gpu_cm, c, c);
    ok(tensor_sum(gpu_cm) == 10000 && diagonal == gpu.correct,
       "the GPU model's confusion matrix: every image, its diagonal evaluate's count");
    tensor_free(cpu_cm), tensor_free(gpu_cm);
}
#endif

/* A target that is not a class index: the GPU's loss is NaN (the kernel
 * does not stop for it), and reading it raises the CPU's message. */
static void test_bad_target(void)
{
    Loss *loss = cross_entropy_loss();
    Tensor *logits = tensor_to(tensor(3, 10), CUDA);
    Tensor *good = tensor_to(tensor_from_data((float[]){ 1, 2, 3 }, (int[]){ 3 }, 1), CUDA);
    Tensor *bad = tensor_to(tensor_from_data((float[]){ 1, 12, 3 }, (int[]){ 3 }, 1), CUDA);
    cnb_clear_error();
    float value = tensor_item(loss_forward(loss, logits, good));
    ok(fabs(value - logf(10.0f)) < 1e-6 && !*cnb_last_error(), "good targets: log(10), no error");
    value = tensor_item(loss_forward(loss, logits, bad));
    ok(isnan(value), "a target of 12 for 10 classes: the GPU's loss is NaN");
    ok(strstr(cnb_last_error(), "target 12 (row 1) is not a class index between 0 and 9") != NULL,
       "and reading it raises the CPU's message: %s", cnb_last_error());
    tensor_free(logits), tensor_free(good), tensor_free(bad);
    loss_free(loss);
}

int main(void)
{
    choose_plugin();
    test_precision();
    if (!cuda_available()) {
        printf("# %s\n", (cuda_get_device_name(), cnb_last_error()));
        for (int i = 0; i < GPU_CHECKS; i++)
            skip("no GPU here: the model cannot train on the device");
        return tap_done();
    }
    printf("# device: %s\n", cuda_get_device_name());
    test_bad_target();
    const char *root = getenv("CNB_MNIST_DIR");
    Dataset *train = mnist(root ? root : "../data/MNIST/raw", .train = true,
                           .transform = to_tensor());
    Dataset *test = mnist(root ? root : "../data/MNIST/raw", .train = false,
                          .transform = to_tensor());
    ok(train && test, "MNIST");
    if (train && test) {
        test_steps(train);
        test_other_layers(train);
#ifdef CNB_EMULATED_PLUGIN
        for (int i = 0; i < 3; i++)
            skip("3 epochs of MNIST are for a GPU, too slow on the host emulation");
#else
        test_epochs(train, test);
#endif
    }
    dataset_free(train), dataset_free(test);
    return tap_done();
}
