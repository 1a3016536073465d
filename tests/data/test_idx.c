// SPDX-License-Identifier: BSD-3-Clause
/* IDX files and where datasets find them: raw and .gz, plain folder and
 * torchvision's layout, every broken-file case with its message, copying
 * from an installed package (checked: a wrong copy is refused), a mirror
 * that cannot be reached. */
#include "data_test.h"

#include <sys/stat.h>

#include "data/idx.h"        /* idx_load itself (runtime/, see tests.am) */

static const char *TRAIN_IMAGES = "train-images-idx3-ubyte";
static const char *TRAIN_LABELS = "train-labels-idx1-ubyte";

/* The generated pattern reads back through the public API. */
static void check_content(Dataset *d, uint32_t count, const char *what)
{
    is_int(dataset_len(d), count, "%s: length", what);
    int shape[CNB_MAX_DIMS];
    is_int(dataset_item_shape(d, shape), 3, "%s: items have 3 dimensions", what);
    ok(shape[0] == 1 && shape[1] == 28 && shape[2] == 28, "%s: item shape 1x28x28", what);
    int good = 1;
    for (size_t k = 0; k < count && good; k++) {
        int label = -1;
        Tensor *image = dataset_get(d, k, &label);
        const float *p = tensor_cdata(image);
        for (size_t i = 0; i < 784 && good; i++)
            good = p[i] == (float)((k * 7 + i) % 256);
        good = good && label == (int)(k % 10);
        tensor_free(image);
    }
    ok(good, "%s: every pixel and label as written (raw 0..255 floats)", what);
}

static void test_formats(void)
{
    for (int gz = 0; gz < 2; gz++) {
        for (int layout = 0; layout < 2; layout++) {
            char *root = scratch_dir();
            char *dir = layout ? path_join(root, "MNIST/raw") : strdup(root);
            if (layout) {
                char *mnist = path_join(root, "MNIST");
                mkdir(mnist, 0777);
                mkdir(dir, 0777);
                free(mnist);
            }
            char images[64], labels[64];
            snprintf(images, sizeof images, "%s%s", TRAIN_IMAGES, gz ? ".gz" : "");
            snprintf(labels, sizeof labels, "%s%s", TRAIN_LABELS, gz ? ".gz" : "");
            write_mnist_pair(dir, images, labels, 37, gz);
            char what[64];
            snprintf(what, sizeof what, "%s, %s", gz ? "gzip" : "raw",
                     layout ? "root/MNIST/raw/" : "plain folder");
            Dataset *d = mnist(root, .train = true);
            ok(d != NULL, "%s: opens", what);
            if (d)
                check_content(d, 37, what);
            dataset_free(d);
            /* The same files read as Fashion-MNIST only from its own folder. */
            Dataset *f = fashion_mnist(root, .train = true);
            ok(layout ? f == NULL : f != NULL, "%s: fashion_mnist %s", what,
               layout ? "does not look in MNIST/raw" : "reads the plain folder too");
            dataset_free(f);
            remove_tree(root);
            free(root);
            free(dir);
        }
    }
}

/* An uncompressed file is mapped, not copied: the kernels of a class that
 * load the same shared file share its pages.  A .gz is read into memory. */
static void test_mapped(void)
{
    for (int gz = 0; gz < 2; gz++) {
        char *root = scratch_dir();
        write_mnist_pair(root, gz ? "images.gz" : "images", gz ? "labels.gz" : "labels", 9, gz);
        char *path = path_join(root, gz ? "images.gz" : "images");
        IdxArray a;
        is_int(idx_load("test", path, 3, &a), 0, "%s: loads", gz ? "gzip" : "raw");
        ok(gz ? a.mapping == NULL : a.mapping != NULL, "%s: %s", gz ? "gzip" : "raw",
           gz ? "read into memory" : "mapped from the file");
        int good = a.dims[0] == 9 && a.item_size == 784;
        for (size_t i = 0; good && i < 9 * 784; i++)
            good = a.data[i] == (uint8_t)((i / 784 * 7 + i % 784) % 256);
        ok(good, "%s: the same bytes", gz ? "gzip" : "raw");
        idx_free(&a);
        ok(a.data == NULL && a.mapping == NULL, "%s: freed", gz ? "gzip" : "raw");
        remove_tree(root);
        free(root);
        free(path);
    }
}

/* Writes images (possibly broken) next to good labels and expects an error. */
static void expect_broken(const char *what, const void *image_bytes, size_t size, int gz,
                          const char *message)
{
    char *root = scratch_dir();
    write_mnist_pair(root, TRAIN_IMAGES, TRAIN_LABELS, 5, 0);
    char *path = path_join(root, TRAIN_IMAGES);
    unlink(path);
    if (image_bytes) {
        char *target = gz == 2 ? path_join(root, "train-images-idx3-ubyte.gz") : strdup(path);
        write_bytes(target, image_bytes, size, gz == 1);
        free(target);
    }
    cnb_clear_error();
    Dataset *d = mnist(root, .train = true);
    ok(d == NULL, "%s: refused", what);
    ok(error_says(message), "%s: the error says \"%s\"", what, message);
    ok(strstr(cnb_last_error(), "train-images-idx3-ubyte") != NULL, "%s: the error names the file",
       what);
    dataset_free(d);
    remove_tree(root);
    free(root);
    free(path);
}

static size_t good_images(uint8_t *buffer, uint32_t count)
{
    uint32_t dims[3] = {count, 28, 28};
    size_t h = idx_header(buffer, 3, dims);
    memset(buffer + h, 100, (size_t)count * 784);
    return h + (size_t)count * 784;
}

/* gzip bytes of data in memory. */
static size_t gzip_bytes(const uint8_t *data, size_t size, uint8_t *out, size_t room)
{
    z_stream s = {0};
    deflateInit2(&s, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
    s.next_in = (Bytef *)data;
    s.avail_in = (uInt)size;
    s.next_out = out;
    s.avail_out = (uInt)room;
    deflate(&s, Z_FINISH);
    size_t n = s.total_out;
    deflateEnd(&s);
    return n;
}

static void test_broken_files(void)
{
    static uint8_t buffer[16 + 5 * 784 + 64], packed[sizeof buffer + 256];
    size_t n = good_images(buffer, 5);

    expect_broken("missing file", NULL, 0, 0, "not found");
    expect_broken("empty file", buffer, 0, 0, "truncated");
    expect_broken("header cut short", buffer, 10, 0, "truncated");
    expect_broken("data cut short", buffer, n - 100, 0, "truncated: 3820 of 3920 data bytes");
    buffer[n] = 1;
    expect_broken("data longer than announced", buffer, n + 1, 0, "more data than the header");
    buffer[0] = 0x1f;
    expect_broken("bad magic", buffer, n, 0, "bad magic number");
    buffer[0] = 0;
    buffer[2] = 0x0d;
    expect_broken("float elements", buffer, n, 0, "element type 0x0d");
    buffer[2] = 0x08;
    uint32_t label_dims[1] = {5};
    uint8_t labels[9 + 5] = {0};
    size_t ln = idx_header(labels, 1, label_dims);
    expect_broken("a label file as images", labels, ln + 5, 0, "wrong dimensions: 1, expected 3");
    uint32_t small[3] = {5, 27, 29};
    size_t h = idx_header(buffer, 3, small);
    expect_broken("27x29 images", buffer, h + 5 * 27 * 29, 0, "images are 27x29, expected 28x28");
    uint32_t zero[3] = {0, 28, 28};
    h = idx_header(buffer, 3, zero);
    expect_broken("zero images", buffer, h, 0, "dimension 0 is 0");
    uint32_t huge[3] = {0xffffffffu, 28, 28};
    h = idx_header(buffer, 3, huge);
    expect_broken("absurd header", buffer, n, 0, "corrupt header");
    n = good_images(buffer, 5);

    /* gzip cases. */
    size_t z = gzip_bytes(buffer, n, packed, sizeof packed);
    expect_broken("gzip cut short", packed, z / 2, 2, "truncated: the gzip stream ends early");
    uint8_t corrupt[sizeof packed];
    memcpy(corrupt, packed, z);
    for (size_t i = 12; i < z - 8 && i < 40; i++)
        corrupt[i] ^= 0x5a;
    expect_broken("corrupt gzip data", corrupt, z, 2, "corrupt gzip data");
    memcpy(corrupt, packed, z);
    corrupt[z - 6] ^= 0xff;      /* the CRC of the content */
    expect_broken("gzip checksum wrong", corrupt, z, 2, "corrupt gzip data");

    /* Count mismatch between images and labels. */
    char *root = scratch_dir();
    write_mnist_pair(root, TRAIN_IMAGES, TRAIN_LABELS, 5, 0);
    char *path = path_join(root, TRAIN_LABELS);
    uint32_t four[1] = {4};
    ln = idx_header(labels, 1, four);
    write_bytes(path, labels, ln + 4, 0);
    cnb_clear_error();
    Dataset *d = mnist(root, .train = true);
    ok(d == NULL && error_says("count mismatch") && error_says("5 images")
       && error_says("4 labels"), "count mismatch between images and labels: refused, says so");
    /* A label outside 0..9. */
    uint32_t five[1] = {5};
    ln = idx_header(labels, 1, five);
    labels[ln + 3] = 12;
    write_bytes(path, labels, ln + 5, 0);
    d = mnist(root, .train = true);
    ok(d == NULL && error_says("label 12 of item 3"), "label 12: refused, says which item");
    /* The test split is not there. */
    d = mnist(root, .train = false);
    ok(d == NULL && error_says("t10k-images-idx3-ubyte not found") && error_says(".download = true"),
       "missing test split: refused, suggests .download = true");
    d = mnist(NULL, .train = true);
    ok(d == NULL && error_says("data folder"), "NULL root: refused");
    remove_tree(root);
    free(root);
    free(path);
}

/* Whether folder holds nothing at all (no partial or temporary file either). */
static int is_empty_dir(const char *folder)
{
    char *command = NULL;
    if (asprintf(&command, "test -z \"$(ls -A '%s' 2>/dev/null)\"", folder) < 0)
        exit(1);
    int empty = system(command) == 0;
    free(command);
    return empty;
}

/* A package's copy is checked before it is copied: files that are valid IDX
 * (raw or gzip) but not MNIST's content are refused, and raw/ stays empty. */
static void test_package_copy_refused(void)
{
    char *package = scratch_dir(), *root = scratch_dir();
    char *raw = path_join(root, "MNIST/raw");
    setenv("CNB_MNIST_DIR", package, 1);
    setenv("CNB_DATA_MIRROR", "http://127.0.0.1:9/", 1);   /* never reached */
    for (int gz = 0; gz < 2; gz++) {
        write_mnist_pair(package, gz ? "t10k-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte",
                         gz ? "t10k-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte", 11, gz);
        char *source = path_join(package, gz ? "t10k-images-idx3-ubyte.gz"
                                              : "t10k-images-idx3-ubyte");
        cnb_clear_error();
        Dataset *d = mnist(root, .train = false, .download = true);
        ok(d == NULL, "%s package file of other content: refused", gz ? "gzip" : "raw");
        ok(error_says(source) && error_says(": checksum mismatch: content MD5 ")
           && error_says(", expected 2646ac647ad5339dbf082846283269ea")
           && error_says("not copied"), "the error names the file and both MD5s");
        ok(is_empty_dir(raw), "nothing of it in root/MNIST/raw");
        dataset_free(d);
        unlink(source);
        free(source);
    }
    unsetenv("CNB_DATA_MIRROR");
    unsetenv("CNB_MNIST_DIR");
    remove_tree(package);
    remove_tree(root);
    free(package);
    free(root);
    free(raw);
}

/* The real files are accepted: .download = true copies them from the
 * package ($CNB_MNIST_DIR, the shipped data/MNIST/raw) into root/MNIST/raw
 * and extracts the .gz there, as torchvision keeps both. */
static void test_package_copy(void)
{
    char *root = scratch_dir();
    char *shipped = strdup(mnist_dir());
    setenv("CNB_MNIST_DIR", shipped, 1);
    Dataset *d = mnist(root, .train = false, .download = true);
    ok(d != NULL, "download = true copies the shipped files from $CNB_MNIST_DIR");
    int label = -1;
    if (d) {
        is_int(dataset_len(d), 10000, "the package's test split");
        tensor_free(dataset_get(d, 0, &label));
    }
    is_int(label, 7, "its first image is a 7");
    dataset_free(d);
    const char *names[] = {"MNIST/raw/t10k-images-idx3-ubyte.gz",
                           "MNIST/raw/t10k-images-idx3-ubyte",
                           "MNIST/raw/t10k-labels-idx1-ubyte.gz",
                           "MNIST/raw/t10k-labels-idx1-ubyte"};
    for (int i = 0; i < 4; i++) {
        char *p = path_join(root, names[i]);
        ok(access(p, R_OK) == 0, "torchvision layout: %s", names[i]);
        free(p);
    }
    /* Opening again finds them under root without the package. */
    unsetenv("CNB_MNIST_DIR");
    setenv("CNB_DATA_NO_PACKAGES", "1", 1);
    d = mnist(root, .train = false);
    ok(d != NULL && dataset_len(d) == 10000, "a second open reads root/MNIST/raw/");
    dataset_free(d);
    unsetenv("CNB_DATA_NO_PACKAGES");
    setenv("CNB_MNIST_DIR", shipped, 1);
    free(shipped);
    remove_tree(root);
    free(root);
}

static void test_fashion_classes(void)
{
    char *root = scratch_dir();
    char *folder = path_join(root, "FashionMNIST"), *raw = path_join(root, "FashionMNIST/raw");
    ok(mkdir(folder, 0777) == 0 && mkdir(raw, 0777) == 0, "root/FashionMNIST/raw");
    write_mnist_pair(raw, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 13, 1);
    Dataset *d = fashion_mnist(root, .train = true);
    ok(d != NULL && dataset_len(d) == 13, "fashion_mnist reads root/FashionMNIST/raw/");
    const char *const *classes = d ? dataset_classes(d) : NULL;
    ok(classes && strcmp(classes[0], "T-Shirt") == 0 && strcmp(classes[9], "Ankle Boot") == 0
       && dataset_num_classes(d) == 10, "Fashion-MNIST class names T-Shirt ... Ankle Boot");
    ok(FASHION_MNIST_CLASSES[8] && strcmp(FASHION_MNIST_CLASSES[8], "Bag") == 0,
       "FASHION_MNIST_CLASSES[8] is Bag");
    dataset_free(d);
    remove_tree(root);
    free(folder);
    free(raw);
    free(root);
}

/* No package and no reachable mirror: a clear error, nothing left behind. */
static void test_unreachable_mirror(void)
{
    char *root = scratch_dir();
    setenv("CNB_DATA_NO_PACKAGES", "1", 1);
    setenv("CNB_DATA_MIRROR", "http://127.0.0.1:9/", 1);   /* the discard port: refused */
    cnb_clear_error();
    Dataset *d = mnist(root, .train = false, .download = true);
    ok(d == NULL, "unreachable mirror: no dataset");
    ok(error_says("no mirror could deliver it"), "unreachable mirror: says so");
    char *raw = path_join(root, "MNIST/raw");
    ok(is_empty_dir(raw), "no partial file left in root/MNIST/raw");
    free(raw);
    unsetenv("CNB_DATA_MIRROR");
    unsetenv("CNB_DATA_NO_PACKAGES");
    remove_tree(root);
    free(root);
}

int main(void)
{
    test_formats();
    test_mapped();
    test_broken_files();
    test_package_copy_refused();
    test_package_copy();
    test_fashion_classes();
    test_unreachable_mirror();
    return tap_done();
}
