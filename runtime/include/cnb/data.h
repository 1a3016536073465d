// SPDX-License-Identifier: BSD-3-Clause
/* Datasets, transforms, splits and dataloaders. */
#ifndef CNB_DATA_H
#define CNB_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "cnb/tensor.h"

typedef struct Transform Transform;
typedef struct Dataset Dataset;
typedef struct DataLoader DataLoader;

/* ---- transforms (applied per item, in order) ---- */
/* Raw images are floats 0..255 of shape [1, H, W]; to_tensor scales to [0, 1]. */
Transform *to_tensor(void);
Transform *normalize(float mean, float std);
/* Rotation by a uniform angle in [-degrees, degrees], nearest, fill 0,
 * about the centre, as torchvision's RandomRotation. */
Transform *random_rotation(float degrees);
/* Mirrors the image left-right with probability p (default 0.5), as
 * torchvision's RandomHorizontalFlip: random_horizontal_flip(),
 * random_horizontal_flip(.p = 0.25).  p outside [0, 1]: ValueError. */
typedef struct HorizontalFlipOptions {
    double p;
    int _unused;
} HorizontalFlipOptions;
#define random_horizontal_flip(...) random_horizontal_flip_new( \
        (HorizontalFlipOptions){._unused = 0, __VA_ARGS__}, sizeof(#__VA_ARGS__) > 1)
Transform *random_horizontal_flip_new(HorizontalFlipOptions options, bool p_given);
/* torchvision's RandomCrop(size, padding): zero padding on every side, then
 * a random size x size window.  Here the crop keeps the item's shape, so
 * size is the image's side (random_crop(28, .padding = 4) shifts an MNIST
 * digit by up to 4 pixels); another size gives ValueError when the
 * transform meets a dataset, as do size <= 0 and padding < 0 here. */
typedef struct RandomCropOptions {
    int padding;              /* default 0: the whole image, nothing drawn */
    int _unused;
} RandomCropOptions;
#define random_crop(size, ...) random_crop_new((size), (RandomCropOptions){._unused = 0, __VA_ARGS__})
Transform *random_crop_new(int size, RandomCropOptions options);
/* compose(random_rotation(10), to_tensor(), normalize(0.1307, 0.3081)).
 * The random transforms draw from the default generator, one item after
 * the other, each in its place in the compose, the numbers torchvision's
 * draw (see transform_draw in data/transforms.c), so with the same
 * manual_seed they make torchvision's choices.
 * compose takes the transforms over (a NULL among them, from a failed
 * constructor, makes it fail with a message). */
#define compose(...) compose_array((Transform *[]){__VA_ARGS__}, \
        sizeof((Transform *[]){__VA_ARGS__}) / sizeof(Transform *))
Transform *compose_array(Transform *const *transforms, size_t count);
Transform *compose_list(Transform *const *transforms);    /* NULL-terminated */
/* Applies the transform to one image (on the cpu) in place; 0 or -1. */
int transform_apply(const Transform *transform, Tensor *image);
/* A dataset or compose given a transform owns it; free only the ones you
 * kept (transform_free of an owned one refuses, with a ValueError).  One
 * transform may be given to several datasets. */
void transform_free(Transform *transform);

/* ---- MNIST and Fashion-MNIST ---- */
typedef struct DatasetOptions {
    bool train;               /* training (60k) or test (10k) images */
    bool download;            /* look in local copies, then the official mirrors */
    Transform *transform;     /* NULL: raw 0..255 values */
    int _unused;
} DatasetOptions;

/* The files (train-images-idx3-ubyte etc., raw or .gz) are read from
 * root/MNIST/raw/ (root/FashionMNIST/raw/) or root/.  With .download, missing
 * ones are copied there from $CNB_MNIST_DIR ($CNB_FASHION_MNIST_DIR),
 * data/MNIST/raw/ here or above (the copy shipped in cnb's source tree), the
 * Debian package dataset-fashion-mnist or cnb's installed data folder, else
 * downloaded from the official mirrors (or $CNB_DATA_MIRROR); either way the
 * content MD5 is checked first.  CNB_DATA_NO_PACKAGES=1 skips the local
 * copies.  A missing or broken file gives NULL and a message naming it. */
#define mnist(root, ...) mnist_open((root), (DatasetOptions){._unused = 0, __VA_ARGS__})
#define fashion_mnist(root, ...) fashion_mnist_open((root), (DatasetOptions){._unused = 0, __VA_ARGS__})
Dataset *mnist_open(const char *root, DatasetOptions options);
Dataset *fashion_mnist_open(const char *root, DatasetOptions options);
/* "T-Shirt", "Trouser", ... "Ankle Boot" */
extern const char *const FASHION_MNIST_CLASSES[10];
extern const char *const MNIST_CLASSES[10];

/* ---- any dataset ---- */
size_t dataset_len(const Dataset *dataset);
/* Shape of one item, e.g. {1, 28, 28}; returns ndim. */
int dataset_item_shape(const Dataset *dataset, int shape[CNB_MAX_DIMS]);
/* Item i after the dataset's transform: image into a new tensor, label out. */
Tensor *dataset_get(const Dataset *dataset, size_t index, int *label);
/* Item i before any transform (MNIST: floats 0..255).  Draws no random
 * numbers, so showing items this way leaves the seeded streams alone. */
Tensor *dataset_get_raw(const Dataset *dataset, size_t index, int *label);
/* Class names, or NULL if the dataset has none. */
const char *const *dataset_classes(const Dataset *dataset);
int dataset_num_classes(const Dataset *dataset);
/* Replaces the transform (the dataset takes ownership). */
void dataset_set_transform(Dataset *dataset, Transform *transform);
/* Mean and standard deviation of every pixel of every item (after the transform). */
int dataset_mean_std(const Dataset *dataset, double *mean, double *std);
/* Prints the dataset as torchvision does (kind, size, split, transform). */
void dataset_print(const Dataset *dataset);
void dataset_fprint(FILE *out, const Dataset *dataset);
/* Datasets are reference-counted: subsets and dataloaders keep theirs
 * alive, so they may be freed in any order.  Your pointer is gone with
 * dataset_free all the same: using it again is a ValueError, also while a
 * loader still reads the dataset. */
void dataset_free(Dataset *dataset);

/* A dataset of your own (the lesson's recap of a custom Dataset).  The
 * callbacks are only called on the caller's thread (never the loader's). */
typedef struct CustomDatasetOptions {
    size_t (*len)(void *user_data);
    /* Fill image (already shaped as .shape) and *label for item index; 0 on success. */
    int (*get_item)(void *user_data, size_t index, Tensor *image, int *label);
    void *user_data;
    int shape[CNB_MAX_DIMS];  /* shape of one item, e.g. {1, 28, 28} */
    Transform *transform;
    const char *const *classes;
    int num_classes;
} CustomDatasetOptions;
#define custom_dataset(...) custom_dataset_new((CustomDatasetOptions){__VA_ARGS__})
Dataset *custom_dataset_new(CustomDatasetOptions options);

/* random_split(ds, 5000, 5000): new datasets viewing disjoint random subsets,
 * as torch.utils.data.random_split with the default generator.  Returns a
 * NULL-terminated array (free it with free(); the parts with dataset_free). */
#define random_split(dataset, ...) random_split_lengths((dataset), (size_t[]){__VA_ARGS__}, \
        sizeof((size_t[]){__VA_ARGS__}) / sizeof(size_t))
Dataset **random_split_lengths(Dataset *dataset, const size_t *lengths, size_t count);

/* ---- dataloader ---- */
typedef struct DataLoaderOptions {
    int batch_size;           /* default 1, as PyTorch */
    bool shuffle;
    bool drop_last;
    int _unused;
} DataLoaderOptions;
#define dataloader(dataset, ...) dataloader_new((dataset), (DataLoaderOptions){._unused = 0, __VA_ARGS__})
DataLoader *dataloader_new(Dataset *dataset, DataLoaderOptions options);

/* One batch: data [B, 1, 28, 28], target [B] (class indices as floats).
 * The tensors belong to the loader and stay valid until the next call.
 * With the same manual_seed, the order (and the random transforms) are
 * PyTorch's DataLoader's. */
typedef struct Batch {
    Tensor *data;
    Tensor *target;
    int size;                 /* B: batch_size, or fewer for the last batch */
    int index;                /* 0, 1, 2, ... within the epoch */
} Batch;

/* Fills batch with the next batch of the epoch and returns true; at the end
 * of the epoch returns false and rewinds (reshuffling for the next epoch).
 * The next batch is prepared in the background while the current one trains
 * (by the compute threads in their idle moments, or the loader's thread).
 * Batches follow the user to the GPU: once a batch was moved there with
 * tensor_to (a model on CUDA), the loader uploads the dataset's bytes once
 * and makes the following batches on the GPU, which arrive already there
 * (tensor_to(batch.data, CUDA) then costs nothing), with the same values
 * and random rotations; once one is moved back to the cpu, they are made
 * on the cpu again.  (MNIST-like datasets and their subsets; a dataset of
 * your own stays on the cpu.)
 *     Batch batch;
 *     while (next_batch(train_loader, &batch)) { ... }                      */
bool next_batch(DataLoader *loader, Batch *batch);
/* Abandons the epoch under way (after looking at one batch, say): the next
 * call starts a new epoch, as a new `for` loop over a PyTorch loader does. */
void dataloader_reset(DataLoader *loader);
size_t dataloader_len(const DataLoader *loader);     /* number of batches */
Dataset *dataloader_dataset(const DataLoader *loader);
void dataloader_free(DataLoader *loader);

#endif
