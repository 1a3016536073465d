// SPDX-License-Identifier: BSD-3-Clause
/* Training speed of libcnb on MNIST, one variant per process (so that peak
 * memory is the variant's own).  Driven by train_mnist.py, which compares
 * with PyTorch; prints one JSON line.
 *
 *   train_mnist pipeline  EPOCHS MNIST_DIR   mnist() + to_tensor + dataloader(shuffle)
 *   train_mnist preloaded EPOCHS MNIST_DIR   all images in one tensor, randperm per epoch,
 *                                            batches taken with tensor_index_select (images[idx])
 *   train_mnist gemm      EPOCHS MNIST_DIR   only the GEMMs an epoch does, nothing else
 *                                            (OpenBLAS threads: GEMM_THREADS, default 1)
 *
 * After DIR, "fashion" reads Fashion-MNIST from the directory instead, and
 * "cuda" trains the pipeline variant on the GPU (the model moved with
 * model_to, each batch with tensor_to, as the lesson does).
 *
 * The model is the lesson's MLP 784-256-128-64-10 with Adam (lr 1e-3) and
 * batches of 64 (938 per epoch); evaluation on the 10k test images in
 * batches of 1000. */
#include "cnb.h"

#include <cblas.h>
#include <sys/resource.h>
#include <time.h>

#define BATCH 64
#define EVAL_BATCH 1000
#define MAX_EPOCHS 20

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long peak_rss_kb(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

static bool fashion;            /* Fashion-MNIST instead of MNIST */
static Device device = CPU;     /* where the pipeline variant trains */

static Dataset *open_split(const char *root, bool train_split)
{
    return fashion ? fashion_mnist(root, .train = train_split, .transform = to_tensor())
                   : mnist(root, .train = train_split, .transform = to_tensor());
}

static Model *lesson_mlp(void)
{
    Model *m = sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                          linear(128, 64), relu(), linear(64, 10));
    model_set_name(m, "MNISTClassifier");
    return m;
}

static void print_result(const char *mode, const double *epochs, int n, double eval_s,
                         double accuracy, double final_loss)
{
    printf("{\"impl\": \"libcnb\", \"mode\": \"%s\", \"device\": \"%s\", \"epoch_seconds\": [",
           mode, device == CUDA ? cuda_get_device_name() : "cpu");
    for (int e = 0; e < n; e++)
        printf(e ? ", %.4f" : "%.4f", epochs[e]);
    printf("], \"eval_seconds\": %.4f, \"accuracy\": %.2f, \"last_loss\": %.4f, "
           "\"maxrss_kb\": %ld}\n", eval_s, accuracy, final_loss, peak_rss_kb());
}

static double train_step(Model *model, Loss *loss, Optimizer *opt, Tensor *x, Tensor *y)
{
    optimizer_zero_grad(opt);
    Tensor *value = loss_forward(loss, model_forward(model, x), y);
    loss_backward(value);
    optimizer_step(opt);
    return tensor_item(value);
}

static int run_pipeline(int epochs, const char *root)
{
    Dataset *train = open_split(root, true), *test = open_split(root, false);
    if (!train || !test)
        return 1;
    manual_seed(0);
    DataLoader *train_loader = dataloader(train, .batch_size = BATCH, .shuffle = true);
    DataLoader *test_loader = dataloader(test, .batch_size = EVAL_BATCH);
    Model *model = model_to(lesson_mlp(), device);
    if (!model)
        return 1;
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = adam(model, .lr = 0.001);
    double times[MAX_EPOCHS], last = 0;
    for (int e = 0; e < epochs; e++) {
        double t0 = now();
        model_train(model);
        Batch batch;
        while (next_batch(train_loader, &batch)) {
            tensor_to(batch.data, device);
            tensor_to(batch.target, device);
            last = train_step(model, loss, opt, batch.data, batch.target);
        }
        times[e] = now() - t0;
    }
    double t0 = now();
    Evaluation ev = evaluate(model, test_loader, loss);
    print_result("pipeline", times, epochs, now() - t0, ev.accuracy, last);
    return 0;
}

/* Images as one [n, 784] tensor scaled to [0, 1], labels as [n]. */
static int load_all(const char *root, bool train_split, Tensor **images, Tensor **labels)
{
    Dataset *d = open_split(root, train_split);
    if (!d)
        return -1;
    int n = (int)dataset_len(d);
    *images = tensor(n, 784);
    *labels = tensor(n);
    for (int i = 0; i < n; i++) {
        int label;
        Tensor *img = dataset_get(d, (size_t)i, &label);
        memcpy(tensor_data(*images) + (size_t)i * 784, tensor_cdata(img), 784 * sizeof(float));
        tensor_data(*labels)[i] = (float)label;
        tensor_free(img);
    }
    dataset_free(d);
    return 0;
}

static double evaluate_preloaded(Model *model, Tensor *images, Tensor *labels)
{
    int n = tensor_dim(images, 0), correct = 0;
    for (int start = 0; start < n; start += EVAL_BATCH) {
        int size = n - start < EVAL_BATCH ? n - start : EVAL_BATCH;
        /* views, as torch's slicing: no copy */
        Tensor *x = tensor_narrow(images, start, size), *y = tensor_narrow(labels, start, size);
        correct += count_correct(model_predict(model, x), y);
        tensor_free(x);
        tensor_free(y);
    }
    return 100.0 * correct / n;
}

static int run_preloaded(int epochs, const char *root)
{
    Tensor *images, *labels, *test_images, *test_labels;
    if (load_all(root, true, &images, &labels) < 0 ||
        load_all(root, false, &test_images, &test_labels) < 0)
        return 1;
    manual_seed(0);
    Model *model = lesson_mlp();
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = adam(model, .lr = 0.001);
    int n = tensor_dim(images, 0);
    int64_t *order = malloc(sizeof *order * (size_t)n);
    /* full batches and the last, smaller one: allocated once */
    Tensor *full_x = tensor(BATCH, 784), *full_y = tensor(BATCH);
    Tensor *last_x = tensor(n % BATCH ? n % BATCH : BATCH, 784);
    Tensor *last_y = tensor(n % BATCH ? n % BATCH : BATCH);
    double times[MAX_EPOCHS], last = 0;
    for (int e = 0; e < epochs; e++) {
        double t0 = now();
        model_train(model);
        random_permutation(order, n);
        for (int start = 0; start < n; start += BATCH) {
            int size = n - start < BATCH ? n - start : BATCH;
            Tensor *x = size == BATCH ? full_x : last_x, *y = size == BATCH ? full_y : last_y;
            /* images[idx], labels[idx] */
            tensor_index_select(x, images, order + start, size);
            tensor_index_select(y, labels, order + start, size);
            last = train_step(model, loss, opt, x, y);
        }
        times[e] = now() - t0;
    }
    double t0 = now();
    model_eval(model);
    double accuracy = evaluate_preloaded(model, test_images, test_labels);
    print_result("preloaded", times, epochs, now() - t0, accuracy, last);
    return 0;
}

/* The GEMMs of one training step (forward, dW, dX), nothing else. */
static void gemm_step(int rows, const int *width, float **act, float **grad, float **w,
                      float **dw)
{
    for (int l = 0; l < 4; l++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, width[l + 1], width[l], 1.0f,
                    act[l], width[l], w[l], width[l], 0.0f, act[l + 1], width[l + 1]);
    for (int l = 3; l >= 0; l--) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, width[l + 1], width[l], rows, 1.0f,
                    grad[l + 1], width[l + 1], act[l], width[l], 0.0f, dw[l], width[l]);
        if (l > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, width[l], width[l + 1],
                        1.0f, grad[l + 1], width[l + 1], w[l], width[l], 0.0f, grad[l], width[l]);
    }
}

static int run_gemm(int epochs)
{
    const int width[5] = { 784, 256, 128, 64, 10 };
    float *act[5], *grad[5], *w[4], *dw[4];
    for (int l = 0; l < 5; l++) {
        act[l] = calloc((size_t)BATCH * width[l], sizeof(float));
        grad[l] = calloc((size_t)BATCH * width[l], sizeof(float));
        for (int i = 0; i < BATCH * width[l]; i++)
            act[l][i] = grad[l][i] = 0.01f * (float)(i % 97);
    }
    for (int l = 0; l < 4; l++) {
        w[l] = calloc((size_t)width[l] * width[l + 1], sizeof(float));
        dw[l] = calloc((size_t)width[l] * width[l + 1], sizeof(float));
        for (int i = 0; i < width[l] * width[l + 1]; i++)
            w[l][i] = 0.001f * (float)(i % 89);
    }
    const char *threads = getenv("GEMM_THREADS");
    openblas_set_num_threads(threads ? atoi(threads) : 1);
    double times[MAX_EPOCHS];
    for (int e = 0; e < epochs; e++) {
        double t0 = now();
        for (int start = 0; start < 60000; start += BATCH)
            gemm_step(60000 - start < BATCH ? 60000 - start : BATCH, width, act, grad, w, dw);
        times[e] = now() - t0;
    }
    print_result("gemm", times, epochs, 0.0, 0.0, 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    bool usage = argc < 4;
    for (int i = 4; i < argc; i++) {
        fashion |= strcmp(argv[i], "fashion") == 0;
        device = strcmp(argv[i], "cuda") == 0 ? CUDA : device;
        usage |= strcmp(argv[i], "fashion") != 0 && strcmp(argv[i], "cuda") != 0;
    }
    if (usage || (device == CUDA && strcmp(argv[1], "pipeline") != 0)) {
        fprintf(stderr, "usage: %s pipeline|preloaded|gemm EPOCHS DIR [fashion] [cuda "
                "(pipeline only)]\n", argv[0]);
        return 2;
    }
    int epochs = atoi(argv[2]);
    if (epochs < 1 || epochs > MAX_EPOCHS)
        return 2;
    if (strcmp(argv[1], "pipeline") == 0)
        return run_pipeline(epochs, argv[3]);
    if (strcmp(argv[1], "preloaded") == 0)
        return run_preloaded(epochs, argv[3]);
    if (strcmp(argv[1], "gemm") == 0)
        return run_gemm(epochs);
    return 2;
}
