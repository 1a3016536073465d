// SPDX-License-Identifier: BSD-3-Clause
/* The real datasets: MNIST shipped in data/MNIST/raw, Fashion-MNIST
 * from the Debian package dataset-fashion-mnist; .download = true copying
 * them into a fresh root; mean and std of MNIST (the lesson's 0.1307 and
 * 0.3081); how a dataset prints.  Timings are printed, never asserted. */
#include "data_test.h"

#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int first_label(Dataset *d)
{
    int label = -1;
    Tensor *x = d ? dataset_get(d, 0, &label) : NULL;
    tensor_free(x);
    return label;
}

static void test_mnist(const RefFile *refs)
{
    double t0 = now();
    Dataset *train = mnist(mnist_dir(), .train = true, .transform = to_tensor());
    printf("# MNIST train (60k, .gz) loaded in %.3f s\n", now() - t0);
    Dataset *test = mnist(mnist_dir(), .train = false);
    ok(train && dataset_len(train) == 60000, "MNIST train: 60000 images");
    ok(test && dataset_len(test) == 10000, "MNIST test: 10000 images");
    is_int(first_label(train), 5, "the first training image is a 5");
    is_int(first_label(test), 7, "the first test image is a 7");
    ok(dataset_num_classes(train) == 10 && strcmp(dataset_classes(train)[3], "3") == 0,
       "MNIST classes are the digits");

    double mean = 0, std = 0;
    t0 = now();
    ok(dataset_mean_std(train, &mean, &std) == 0, "dataset_mean_std runs");
    printf("# mean/std of 47 M pixels in %.3f s: %.6f %.6f\n", now() - t0, mean, std);
    const Ref *want = ref_find(refs, "mnist.train.mean_std");
    is_near(mean, want ? want->values[0] : 0, 1e-6, "mean of MNIST train after to_tensor (0.1307)");
    is_near(std, want ? want->values[1] : 0, 1e-6, "std of MNIST train after to_tensor (0.3081)");

    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    dataset_fprint(out, train);
    fclose(out);
    ok(strstr(text, "Dataset MNIST\n    Number of datapoints: 60000\n") && strstr(text, "Split: Train")
       && strstr(text, "Transform: ToTensor()"), "prints like torchvision's dataset");
    free(text);
    /* (cnb_repr_dataset is plot's richer one, tested there.) */
    DataLoader *loader = dataloader(train, .batch_size = 64, .shuffle = true);
    size_t length = 0;
    CnbBundle *bundle = cnb_repr_dataloader(loader);
    const char *plain = bundle ? bundle_find(bundle, "text/plain", &length) : NULL;
    ok(plain && strstr(plain, "938 batches") && strstr(plain, "shuffle=true"),
       "a dataloader shows its batches and options");
    bundle_free(bundle);

    /* One epoch, as a training loop sees it. */
    manual_seed(0);
    Batch batch;
    size_t items = 0;
    double sum = 0;
    t0 = now();
    while (next_batch(loader, &batch)) {
        items += (size_t)batch.size;
        sum += tensor_sum(batch.target);
    }
    double seconds = now() - t0;
    printf("# one shuffled epoch of 938 batches: %.3f s (%.1f us a batch)\n", seconds,
           seconds / 938 * 1e6);
    ok(items == 60000, "an epoch delivers 60000 images");
    ok(dataset_len(train) > 0 && fabs(sum - 60000 * 4.4539) < 60000 * 0.001,
       "the epoch's targets are MNIST's labels (mean 4.454)");
    dataloader_free(loader);
    dataset_free(train);
    dataset_free(test);
}

static void test_fashion(void)
{
    const char *debian = "/usr/share/datasets/fashion-mnist";
    double t0 = now();
    Dataset *train = fashion_mnist(debian, .train = true);
    printf("# Fashion-MNIST train (60k, .gz) loaded in %.3f s\n", now() - t0);
    ok(train && dataset_len(train) == 60000, "Fashion-MNIST train from the Debian package's .gz");
    is_int(first_label(train), 9, "the first Fashion-MNIST image is an ankle boot");
    ok(strcmp(dataset_classes(train)[first_label(train)], "Ankle Boot") == 0,
       "its class name is \"Ankle Boot\"");
    dataset_free(train);

    /* .download = true from the installed packages into a fresh root, in
     * torchvision's layout, looked up from the source tree as a notebook in
     * the repository would: MNIST from data/MNIST/raw there, so not from
     * $CNB_MNIST_DIR. */
    char *root = scratch_dir();
    const char *src = getenv("CNB_SRCDIR");
    char *mnist_env = getenv("CNB_MNIST_DIR") ? strdup(getenv("CNB_MNIST_DIR")) : NULL;
    unsetenv("CNB_MNIST_DIR");
    char cwd[4096];
    ok(getcwd(cwd, sizeof cwd) && chdir(src ? src : "../..") == 0, "into the source tree");
    t0 = now();
    Dataset *test = fashion_mnist(root, .train = false, .download = true);
    Dataset *digits = mnist(root, .train = false, .download = true);
    printf("# copying both test splits from the packages: %.3f s\n", now() - t0);
    ok(chdir(cwd) == 0, "back");
    if (mnist_env)
        setenv("CNB_MNIST_DIR", mnist_env, 1);
    free(mnist_env);
    ok(test && dataset_len(test) == 10000, "fashion_mnist(.download = true) copies the Debian files");
    ok(digits && dataset_len(digits) == 10000, "mnist(.download = true) copies the shipped files");
    const char *files[] = {"FashionMNIST/raw/t10k-images-idx3-ubyte.gz",
                           "FashionMNIST/raw/t10k-images-idx3-ubyte",
                           "MNIST/raw/t10k-images-idx3-ubyte.gz",
                           "MNIST/raw/t10k-images-idx3-ubyte", "MNIST/raw/t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 5; i++) {
        char *path = path_join(root, files[i]);
        ok(access(path, R_OK) == 0, "root/%s", files[i]);
        free(path);
    }
    dataset_free(test);
    dataset_free(digits);
    remove_tree(root);
    free(root);
}

/* A fingerprint per batch: the pixels weighted by position, and the labels. */
#define CHECKED_BATCHES 120

static int fingerprints(DataLoader *loader, double *prints, Model *busy)
{
    Batch batch;
    int n = 0;
    while (n < CHECKED_BATCHES && next_batch(loader, &batch)) {
        const float *x = tensor_cdata(batch.data), *y = tensor_cdata(batch.target);
        double f = 0;
        for (size_t i = 0; i < tensor_numel(batch.data); i++)
            f += x[i] * (double)(i % 977 + 1);
        for (int r = 0; r < batch.size; r++)
            f += 1e6 * y[r] * (r + 1);
        prints[n++] = f;
        if (busy)                 /* the compute threads work between batches */
            model_predict(busy, batch.data);
    }
    dataloader_reset(loader);
    return n;
}

/* Two loaders, the second started while the first is in an epoch. */
static void two_loaders(Dataset *train, Dataset *test, Model *busy,
                        double prints[2][CHECKED_BATCHES], int counts[2])
{
    manual_seed(7);
    DataLoader *a = dataloader(train, .batch_size = 64, .shuffle = true);
    counts[0] = fingerprints(a, prints[0], busy);
    manual_seed(7);
    DataLoader *b = dataloader(test, .batch_size = 64, .shuffle = true);
    Batch first;
    next_batch(a, &first);        /* a holds the pool's place for its epoch */
    counts[1] = fingerprints(b, prints[1], busy);
    dataloader_free(a);
    dataloader_free(b);
}

/* The next batch is filled by the loader's thread with one compute thread,
 * and by idle compute threads with two; two loaders at once share that
 * (one of them gets the place, the other uses its thread).  Every way
 * must give the same batches in the same order. */
static void test_who_fills(void)
{
    Dataset *train = mnist(mnist_dir(), .train = true,
                           .transform = compose(to_tensor(), random_rotation(10)));
    Dataset *test = mnist(mnist_dir(), .train = false, .transform = to_tensor());
    Model *busy = sequential(flatten(), linear(784, 256), relu(), linear(256, 10));
    static double one[2][CHECKED_BATCHES], two[2][CHECKED_BATCHES];
    int counts_one[2], counts_two[2];
    set_num_threads(1);
    two_loaders(train, test, busy, one, counts_one);
    set_num_threads(2);
    two_loaders(train, test, busy, two, counts_two);
    ok(counts_one[0] == CHECKED_BATCHES && counts_one[1] == CHECKED_BATCHES &&
       counts_two[0] == CHECKED_BATCHES && counts_two[1] == CHECKED_BATCHES,
       "%d batches from each loader", CHECKED_BATCHES);
    ok(memcmp(one[0], two[0], sizeof one[0]) == 0,
       "filled by idle compute threads: the batches of the loader's own thread "
       "(shuffled, rotated)");
    ok(memcmp(one[1], two[1], sizeof one[1]) == 0,
       "a second loader at the same time: the same batches too");
    model_free(busy);
    dataset_free(train);
    dataset_free(test);
}

int main(void)
{
    RefFile *refs = refs_load("transform.txt");
    test_mnist(refs);
    test_who_fills();
    test_fashion();
    refs_free(refs);
    return tap_done();
}
