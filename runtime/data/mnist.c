// SPDX-License-Identifier: BSD-3-Clause
/* MNIST and Fashion-MNIST: two IDX files per split, kept as bytes (47 MB for
 * the 60k training images) and turned into floats 0..255 per item. */
#include "data/dataset_impl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/error_internal.h"
#include "core/vector_ops.h"
#include "data/dataset_files.h"
#include "data/idx.h"
#include "data/transform_impl.h"

#define MNIST_SIDE 28
#define MNIST_NUM_CLASSES 10

const char *const MNIST_CLASSES[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
const char *const FASHION_MNIST_CLASSES[10] = {
    "T-Shirt", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle Boot",
};

static const char *const mnist_mirrors[] = {
    "https://ossci-datasets.s3.amazonaws.com/mnist/",   /* torchvision's first choice */
    "https://yann.lecun.com/exdb/mnist/",               /* the original */
    NULL,
};
static const char *const mnist_system_dirs[] = {NULL};

static const DatasetSpec mnist_spec = {
    .function = "mnist",
    .title = "MNIST",
    .folder = "MNIST",
    .package = "data/MNIST/raw/ here or above, or cnb's installed data folder " CNB_DATADIR "/MNIST",
    .env_dir = "CNB_MNIST_DIR",
    .system_dirs = mnist_system_dirs,
    .mirrors = mnist_mirrors,
    .files = {
        {"train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb"},
        {"train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624"},
        {"t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea"},
        {"t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637"},
    },
};

static const char *const fashion_mirrors[] = {
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",   /* the official one */
    NULL,
};
static const char *const fashion_system_dirs[] = {"/usr/share/datasets/fashion-mnist", NULL};

static const DatasetSpec fashion_spec = {
    .function = "fashion_mnist",
    .title = "FashionMNIST",
    .folder = "FashionMNIST",
    .package = "the Debian package dataset-fashion-mnist",
    .env_dir = "CNB_FASHION_MNIST_DIR",
    .system_dirs = fashion_system_dirs,
    .mirrors = fashion_mirrors,
    .files = {
        {"train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a"},
        {"train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9"},
        {"t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a"},
        {"t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965"},
    },
};

typedef struct MnistDataset {
    Dataset base;
    const DatasetSpec *spec;
    IdxArray images, labels;
    size_t count;
    bool train;
    char *root;
} MnistDataset;

static size_t mnist_len(const Dataset *d)
{
    return ((const MnistDataset *)d)->count;
}

static int mnist_get_raw(const Dataset *d, size_t index, float *out, int *label)
{
    const MnistDataset *m = (const MnistDataset *)d;
    vec_bytes_to_floats(m->images.data + index * m->images.item_size, out, m->images.item_size);
    *label = m->labels.data[index];
    return 0;
}

static void mnist_prefetch(const Dataset *d, size_t index)
{
    const MnistDataset *m = (const MnistDataset *)d;
    const uint8_t *pixels = m->images.data + index * m->images.item_size;
    for (size_t i = 0; i < m->images.item_size; i += 64)
        __builtin_prefetch(pixels + i);
}

static const uint8_t *mnist_raw_bytes(const Dataset *d, const uint8_t **labels)
{
    const MnistDataset *m = (const MnistDataset *)d;
    *labels = m->labels.data;
    return m->images.data;
}

static void mnist_describe(const Dataset *d, FILE *out)
{
    const MnistDataset *m = (const MnistDataset *)d;
    fprintf(out, "    Root location: %s\n    Split: %s\n", m->root, m->train ? "Train" : "Test");
}

static void mnist_destroy(Dataset *d)
{
    MnistDataset *m = (MnistDataset *)d;
    idx_free(&m->images);
    idx_free(&m->labels);
    free(m->root);
    object_retire(m, sizeof *m, OBJECT_DATASET);
}

static const DatasetOps mnist_ops = {
    .kind = "MNIST",
    .len = mnist_len,
    .get_raw = mnist_get_raw,
    .prefetch = mnist_prefetch,
    .describe = mnist_describe,
    .destroy = mnist_destroy,
    .raw_bytes = mnist_raw_bytes,
};

static const DatasetOps fashion_ops = {
    .kind = "FashionMNIST",
    .len = mnist_len,
    .get_raw = mnist_get_raw,
    .prefetch = mnist_prefetch,
    .describe = mnist_describe,
    .destroy = mnist_destroy,
    .raw_bytes = mnist_raw_bytes,
};

/* The two files must agree with each other and with what MNIST is. */
static int check_arrays(const DatasetSpec *spec, const char *image_path, const char *label_path,
                        const IdxArray *images, const IdxArray *labels)
{
    if (images->dims[1] != MNIST_SIDE || images->dims[2] != MNIST_SIDE)
        return cnb_error(spec->function, "%s: wrong dimensions: images are %ux%u, expected %dx%d",
                         image_path, images->dims[1], images->dims[2], MNIST_SIDE, MNIST_SIDE);
    if (images->dims[0] != labels->dims[0])
        return cnb_error(spec->function, "count mismatch: %s has %u images but %s has %u labels",
                         image_path, images->dims[0], label_path, labels->dims[0]);
    for (uint32_t i = 0; i < labels->dims[0]; i++)
        if (labels->data[i] >= MNIST_NUM_CLASSES)
            return cnb_error(spec->function, "%s: label %u of item %u is not a class 0..9",
                             label_path, labels->data[i], i);
    return 0;
}

/* Finds both files, fetching them first if asked and needed. */
static int locate(const DatasetSpec *spec, const char *root, bool download,
                  const DatasetFile *const files[2], char *paths[2])
{
    for (int pass = 0; pass < 2; pass++) {
        paths[0] = dataset_find_file(spec, root, files[0]->name);
        paths[1] = dataset_find_file(spec, root, files[1]->name);
        if ((paths[0] && paths[1]) || !download || pass == 1)
            break;
        free(paths[0]);
        free(paths[1]);
        paths[0] = paths[1] = NULL;
        if (dataset_fetch(spec, root, files, 2) != 0)
            return -1;
    }
    for (int i = 0; i < 2; i++)
        if (!paths[i])
            return cnb_error(spec->function, "%s not found in %s/%s/raw/ or %s/ (raw or .gz)%s",
                             files[i]->name, root, spec->folder, root,
                             download ? "" : "; pass .download = true to get it from the "
                                             "installed package or the official mirror");
    return 0;
}

static Dataset *open_idx_dataset(const DatasetSpec *spec, const DatasetOps *ops, const char *root,
                                 DatasetOptions options)
{
    if (object_dead(options.transform, OBJECT_TRANSFORM, spec->function))
        return NULL;
    if (!root || !*root) {
        cnb_error(spec->function, "give the data folder, e.g. %s(\"../data\", .train = true)",
                  spec->function);
        transform_discard(options.transform);
        return NULL;
    }
    const DatasetFile *files[2] = {&spec->files[options.train ? 0 : 2],
                                   &spec->files[options.train ? 1 : 3]};
    char *paths[2] = {NULL, NULL};
    MnistDataset *m = calloc(1, sizeof *m);
    int rc = m ? locate(spec, root, options.download, files, paths)
               : cnb_error(spec->function, "out of memory");
    if (rc == 0)
        rc = idx_load(spec->function, paths[0], 3, &m->images);
    if (rc == 0)
        rc = idx_load(spec->function, paths[1], 1, &m->labels);
    if (rc == 0)
        rc = check_arrays(spec, paths[0], paths[1], &m->images, &m->labels);
    if (rc == 0 && !(m->root = strdup(root)))
        rc = cnb_error(spec->function, "out of memory");
    int shape[3] = {1, MNIST_SIDE, MNIST_SIDE};
    if (rc == 0)
        rc = transform_check_shape(options.transform, shape, 3, spec->function);
    free(paths[0]);
    free(paths[1]);
    if (rc != 0) {
        if (m)
            mnist_destroy(&m->base);
        transform_discard(options.transform);
        return NULL;
    }
    dataset_init(&m->base, ops, shape, 3);
    m->spec = spec;
    m->count = m->images.dims[0];
    m->train = options.train;
    m->base.transform = transform_take(options.transform);
    m->base.classes = spec == &fashion_spec ? FASHION_MNIST_CLASSES : MNIST_CLASSES;
    m->base.num_classes = MNIST_NUM_CLASSES;
    m->base.thread_safe = true;
    return &m->base;
}

Dataset *mnist_open(const char *root, DatasetOptions options)
{
    return open_idx_dataset(&mnist_spec, &mnist_ops, root, options);
}

Dataset *fashion_mnist_open(const char *root, DatasetOptions options)
{
    return open_idx_dataset(&fashion_spec, &fashion_ops, root, options);
}
