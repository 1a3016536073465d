// SPDX-License-Identifier: BSD-3-Clause
/* random_horizontal_flip and random_crop: exact pixels (the mirror, the
 * zeros the padding brings in, every crop position over many draws, p = 0
 * and p = 1), and against torchvision from the same seeds
 * (reference/transform_extras.txt, make_transform_extras_reference.py):
 * the same outputs and the same number of draws, alone, composed, and in a
 * shuffling dataloader over the real MNIST.  Bad arguments: ValueError. */
#include "data_test.h"

#include "../../runtime/data/dataset_impl.h"
#include "../../runtime/data/transform_impl.h"

static Tensor *small_image(void)
{
    Tensor *t = tensor(2, 6, 6);
    for (int i = 0; i < 72; i++)
        tensor_data(t)[i] = (float)(i + 1);
    return t;
}

/* Applies transform 40 times to copies of the 2x6x6 image after
 * manual_seed(3), as the reference did; then the next raw draw. */
static void test_against_torchvision(const RefFile *refs, const char *name, Transform *t)
{
    char key[96];
    snprintf(key, sizeof key, "small.%s.out", name);
    const Ref *want = ref_find(refs, key);
    snprintf(key, sizeof key, "small.%s.next", name);
    const Ref *next = ref_find(refs, key);
    ok(t != NULL, "%s: constructed", name);
    manual_seed(3);
    int differ = 0;
    for (int k = 0; k < 40 && t && want && want->numel == 40 * 72; k++) {
        Tensor *image = small_image();
        if (transform_apply(t, image) != 0)
            differ++;
        for (int i = 0; i < 72; i++)
            differ += tensor_cdata(image)[i] != (float)want->values[k * 72 + i];
        tensor_free(image);
    }
    ok(want && differ == 0, "%s: 40 images as torchvision's from manual_seed(3)", name);
    ok(next && random_u32() == (uint32_t)next->values[0],
       "%s: as many random numbers drawn as torchvision", name);
    transform_free(t);
}

static int is_mirror(const float *in, const float *out, int channels, int h, int w)
{
    for (int c = 0; c < channels; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (out[(c * h + y) * w + x] != in[(c * h + y) * w + (w - 1 - x)])
                    return 0;
    return 1;
}

static void test_flip_pixels(void)
{
    /* odd width: the middle column stays */
    Tensor *image = tensor(3, 4, 5), *copy = tensor(3, 4, 5);
    for (int i = 0; i < 60; i++)
        tensor_data(image)[i] = tensor_data(copy)[i] = (float)(i * 7 % 23);
    Transform *always = random_horizontal_flip(.p = 1.0);
    ok(transform_apply(always, image) == 0 && is_mirror(tensor_cdata(copy), tensor_cdata(image),
                                                        3, 4, 5),
       "p = 1: every channel mirrored left-right (odd width)");
    ok(transform_apply(always, image) == 0 &&
       memcmp(tensor_cdata(image), tensor_cdata(copy), 60 * sizeof(float)) == 0,
       "flipping twice gives the image back");
    transform_free(always);

    Transform *never = random_horizontal_flip(.p = 0);
    int changed = 0;
    manual_seed(8);
    for (int k = 0; k < 100; k++) {
        transform_apply(never, image);
        changed += memcmp(tensor_cdata(image), tensor_cdata(copy), 60 * sizeof(float)) != 0;
    }
    uint32_t after = random_u32();
    manual_seed(8);
    for (int k = 0; k < 100; k++)
        random_u32();
    ok(changed == 0 && after == random_u32(),
       "p = 0: never flipped, one number drawn per image all the same");
    transform_free(never);

    Transform *half = random_horizontal_flip();
    int flips = 0;
    manual_seed(1);
    for (int k = 0; k < 2000; k++) {
        Tensor *x = tensor(1, 1, 2);
        tensor_data(x)[0] = 1;
        transform_apply(half, x);
        flips += tensor_cdata(x)[0] == 0;
        tensor_free(x);
    }
    ok(flips > 900 && flips < 1100, "the default p = 0.5 flips about half (%d of 2000)", flips);
    transform_free(half);
    tensor_free(image);
    tensor_free(copy);
}

/* A 3x3 image with padding 1: the 9 windows are the image shifted by
 * (dy, dx) in -1..1 with zeros brought in; each must turn up. */
static void test_crop_positions(void)
{
    Transform *t = random_crop(3, .padding = 1);
    int seen[3][3] = {{0}}, wrong = 0;
    manual_seed(4);
    for (int k = 0; k < 500; k++) {
        Tensor *x = tensor(1, 3, 3);
        for (int i = 0; i < 9; i++)
            tensor_data(x)[i] = (float)(i + 1);
        transform_apply(t, x);
        const float *o = tensor_cdata(x);
        int match = -1;
        for (int dy = -1; dy <= 1 && match < 0; dy++)
            for (int dx = -1; dx <= 1 && match < 0; dx++) {
                int same = 1;
                for (int y = 0; y < 3; y++)
                    for (int xx = 0; xx < 3; xx++) {
                        int sy = y + dy, sx = xx + dx;
                        float want = sy >= 0 && sy < 3 && sx >= 0 && sx < 3
                                   ? (float)(sy * 3 + sx + 1) : 0.0f;
                        same &= o[y * 3 + xx] == want;
                    }
                if (same) {
                    seen[dy + 1][dx + 1]++;
                    match = 0;
                }
            }
        wrong += match < 0;
        tensor_free(x);
    }
    int all = 1;
    for (int i = 0; i < 9; i++)
        all &= seen[i / 3][i % 3] > 20;
    ok(wrong == 0, "every crop is the image shifted with zeros where the padding was");
    ok(all, "all 9 positions occur over 500 draws (the centre %d times)", seen[1][1]);
    transform_free(t);

    /* padding larger than the image: a corner window is all padding but one pixel */
    t = random_crop(2, .padding = 5);
    manual_seed(0);
    int zeros_ok = 1, nonzero_total = 0;
    for (int k = 0; k < 300; k++) {
        Tensor *x = tensor(1, 2, 2);
        tensor_fill(x, 1.0f);
        transform_apply(t, x);
        int nonzero = 0;
        for (int i = 0; i < 4; i++) {
            nonzero += tensor_cdata(x)[i] != 0;
            zeros_ok &= tensor_cdata(x)[i] == 0 || tensor_cdata(x)[i] == 1;
        }
        nonzero_total += nonzero;
        tensor_free(x);
    }
    ok(zeros_ok && nonzero_total > 0 && nonzero_total < 300 * 4,
       "padding 5 on a 2x2 image: only zeros and image pixels, mostly zeros");
    transform_free(t);
}

static void expect_value_error(bool failed, const char *what)
{
    ok(failed && cnb_last_error_kind() == CNB_VALUE_ERROR, "%s: ValueError (%s)", what,
       cnb_last_error());
    cnb_clear_error();
}

static void test_bad_arguments(void)
{
    expect_value_error(random_horizontal_flip(.p = -0.1) == NULL, "random_horizontal_flip p -0.1");
    expect_value_error(random_horizontal_flip(.p = 1.5) == NULL, "random_horizontal_flip p 1.5");
    expect_value_error(random_crop(0) == NULL, "random_crop(0)");
    expect_value_error(random_crop(-3, .padding = 2) == NULL, "random_crop(-3)");
    expect_value_error(random_crop(28, .padding = -1) == NULL, "random_crop padding -1");
    expect_value_error(mnist(mnist_dir(), .train = false, .transform = random_crop(24)) == NULL,
                       "mnist with random_crop(24) (the crop keeps the item's size)");
    Dataset *d = mnist(mnist_dir(), .train = false,
                       .transform = compose(random_crop(28, .padding = 2), to_tensor()));
    ok(d != NULL, "mnist with random_crop(28, .padding = 2)");
    dataset_set_transform(d, compose(to_tensor(), random_crop(20, .padding = 1)));
    expect_value_error(true, "dataset_set_transform with random_crop(20) inside a compose");
    ok(dataset_transform(d) && dataset_transform(d)->kind == TRANSFORM_COMPOSE &&
       dataset_transform(d)->parts[0]->kind == TRANSFORM_CROP,
       "the refused transform leaves the old one in place");
    dataset_free(d);
    Tensor *x = tensor(1, 5, 4);
    Transform *t = random_crop(5);
    expect_value_error(transform_apply(t, x) < 0, "transform_apply random_crop(5) on 5x4");
    transform_free(t);
    tensor_free(x);
}

static void test_printing(void)
{
    Transform *t = compose(random_crop(28, .padding = 4), random_horizontal_flip(), random_crop(28),
                           random_horizontal_flip(.p = 0.25));
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    transform_write(out, t, 0);
    fclose(out);
    is_str(text, "Compose(\n"
                 "    RandomCrop(size=(28, 28), padding=4)\n"
                 "    RandomHorizontalFlip(p=0.5)\n"
                 "    RandomCrop(size=(28, 28), padding=None)\n"
                 "    RandomHorizontalFlip(p=0.25)\n"
                 ")", "printed as torchvision prints them");
    free(text);
    transform_free(t);
}

/* The lesson-style augmentation in a shuffling loader over the real MNIST:
 * the first batches as torch's DataLoader makes them. */
static void test_loader(const RefFile *refs)
{
    Dataset *d = mnist(mnist_dir(), .train = true,
                       .transform = compose(random_crop(28, .padding = 4), random_horizontal_flip(),
                                            to_tensor(), normalize(0.1307f, 0.3081f)));
    ok(d != NULL, "MNIST with crop, flip, to_tensor, normalize");
    if (!d)
        return;
    manual_seed(5);
    DataLoader *l = dataloader(d, .batch_size = 16, .shuffle = true);
    Batch b;
    for (int index = 0; index < 3 && next_batch(l, &b); index++) {
        char name[64];
        if (index == 0) {
            const Ref *data = ref_find(refs, "loader.batch0.data");
            const Ref *target = ref_find(refs, "loader.batch0.target");
            int differ = !data || data->numel != 4 * 784 || !target || target->numel != 16;
            for (size_t i = 0; !differ && i < 4 * 784; i++)
                differ += tensor_cdata(b.data)[i] != (float)data->values[i];
            for (int i = 0; !differ && i < 16; i++)
                differ += tensor_cdata(b.target)[i] != (float)target->values[i];
            ok(!differ, "batch 0: the same items, cropped and flipped bit for bit as torch's");
        }
        snprintf(name, sizeof name, "loader.batch%d.sum", index);
        const Ref *sum = ref_find(refs, name);
        double total = 0;
        for (size_t i = 0; i < tensor_numel(b.data); i++)
            total += tensor_cdata(b.data)[i];
        is_near(total, sum ? sum->values[0] : NAN, 1e-3, "batch %d: the sum of its pixels", index);
    }
    dataloader_free(l);
    dataset_free(d);
}

int main(void)
{
    RefFile *refs = refs_load("transform_extras.txt");
    ok(refs != NULL, "reference file loads");
    test_against_torchvision(refs, "crop_flip",
                             compose(random_crop(6, .padding = 2), random_horizontal_flip()));
    test_against_torchvision(refs, "flip_crop",
                             compose(random_horizontal_flip(.p = 0.3), random_crop(6, .padding = 1)));
    test_against_torchvision(refs, "crop0", random_crop(6));
    test_against_torchvision(refs, "flip0", random_horizontal_flip(.p = 0.0));
    test_against_torchvision(refs, "flip1", random_horizontal_flip(.p = 1.0));
    test_flip_pixels();
    test_crop_positions();
    test_bad_arguments();
    test_printing();
    test_loader(refs);
    refs_free(refs);
    return tap_done();
}
