// SPDX-License-Identifier: BSD-3-Clause
/* Transforms against torchvision (tests/data/reference/, written by
 * make_reference.py): to_tensor and normalize bit for bit, rotation pixel for
 * pixel at fixed angles on real MNIST images, the lesson's augmentation
 * pipeline (RandomRotation(10), ToTensor, Normalize) from the same seed. */
#include "data_test.h"

#include "../../runtime/data/transform_impl.h"

/* Largest difference between a tensor and a reference (whose 9 digits
 * read back as the exact float32). */
static double max_diff(const Ref *r, const float *values, size_t n)
{
    if (!r || r->numel != n)
        return INFINITY;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)values[i] - (double)(float)r->values[i]);
        if (!(d <= worst))
            worst = d;
    }
    return worst;
}

static Tensor *image_from_ref(const Ref *r)
{
    Tensor *t = tensor(1, 28, 28);
    float *p = tensor_data(t);
    for (size_t i = 0; r && i < 784; i++)
        p[i] = (float)r->values[i];
    return t;
}

static void test_fixed_angles(const RefFile *refs)
{
    const Ref *angles = ref_find(refs, "angles");
    if (!angles)
        return;
    float out[784];
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof name, "image%d", k);
        Tensor *image = image_from_ref(ref_find(refs, name));
        for (size_t j = 0; j < angles->numel; j++) {
            snprintf(name, sizeof name, "image%d.angle%zu", k, j);
            rotate_nearest(tensor_cdata(image), out, 1, 28, 28, angles->values[j]);
            const Ref *want = ref_find(refs, name);
            int differ = 0;
            for (size_t i = 0; want && i < 784; i++)
                differ += out[i] != (float)want->values[i];
            ok(want && differ == 0, "image %d rotated by %g degrees: same pixels as torchvision "
               "(%d differ)", k, angles->values[j], differ);
        }
        tensor_free(image);
    }
}

static void test_pipeline(const RefFile *refs)
{
    /* The angles drawn: RandomRotation.get_params after manual_seed(0). */
    manual_seed(0);
    const Ref *angles = ref_find(refs, "pipeline.seed0.angles");
    double worst = 0;
    for (size_t i = 0; angles && i < angles->numel; i++)
        worst = fmax(worst, fabs(random_uniform(-10, 10) - (float)angles->values[i]));
    ok(angles && worst == 0, "random_rotation(10) draws the same angles as torchvision");

    Transform *t = compose(random_rotation(10), to_tensor(), normalize(0.1307f, 0.3081f));
    ok(t != NULL, "compose(random_rotation, to_tensor, normalize)");
    manual_seed(0);
    for (int k = 0; k < 4; k++) {
        char name[64];
        snprintf(name, sizeof name, "pipeline.seed0.item%d", k);
        const Ref *want = ref_find(refs, name);
        /* The raw image k comes from the real training set. */
        Dataset *d = mnist(mnist_dir(), .train = true);
        Tensor *image = d ? dataset_get(d, (size_t)k, NULL) : NULL;
        ok(image && transform_apply(t, image) == 0, "pipeline applies to item %d", k);
        is_near(max_diff(want, image ? tensor_cdata(image) : NULL, 784), 0, 0,
                "item %d: rotated, scaled, normalized exactly as torchvision", k);
        tensor_free(image);
        dataset_free(d);
    }
    transform_free(t);
}

static void test_plain(const RefFile *refs)
{
    Dataset *d = mnist(mnist_dir(), .train = true, .transform = to_tensor());
    ok(d != NULL, "MNIST train opens from %s", mnist_dir());
    if (!d)
        return;
    Tensor *x = dataset_get(d, 0, NULL);
    is_near(max_diff(ref_find(refs, "to_tensor.item0"), tensor_cdata(x), 784), 0, 0,
            "to_tensor: item 0 equals ToTensor()'s, bit for bit");
    tensor_free(x);
    dataset_set_transform(d, compose(to_tensor(), normalize(0.1307f, 0.3081f)));
    x = dataset_get(d, 0, NULL);
    is_near(max_diff(ref_find(refs, "normalize.item0"), tensor_cdata(x), 784), 0, 0,
            "normalize: item 0 equals Normalize((0.1307,), (0.3081,))'s, bit for bit");
    tensor_free(x);
    dataset_free(d);
}

static Tensor *mnist_plain_item0(void)
{
    Dataset *d = mnist(mnist_dir(), .train = false);
    Tensor *x = d ? dataset_get(d, 0, NULL) : NULL;
    dataset_free(d);
    return x;
}

/* Ownership: one transform shared by two datasets, compose of NULL, errors. */
static void test_ownership(void)
{
    Transform *shared = compose(to_tensor(), normalize(0.5f, 0.5f));
    Dataset *a = mnist(mnist_dir(), .train = false, .transform = shared);
    Dataset *b = mnist(mnist_dir(), .train = false, .transform = shared);
    dataset_free(a);
    Tensor *x = b ? dataset_get(b, 0, NULL) : NULL;
    ok(x && tensor_min(x) == -1.0f, "a transform given to two datasets outlives the first");
    tensor_free(x);
    dataset_free(b);

    /* A failed hand-over frees only what was the caller's to give. */
    Transform *owned = to_tensor();
    Dataset *keeper = mnist(mnist_dir(), .train = false, .transform = owned);
    ok(compose(owned, normalize(0.0f, 0.0f)) == NULL, "compose with a NULL part fails");
    ok(mnist("/nonexistent", .train = false, .transform = owned) == NULL, "mnist of no files fails");
    x = keeper ? dataset_get(keeper, 0, NULL) : NULL;
    ok(x && tensor_max(x) <= 1.0f, "a dataset's transform survives failed compose() and mnist()");
    tensor_free(x);
    dataset_free(keeper);

    cnb_clear_error();
    ok(normalize(0.1f, 0.0f) == NULL && error_says("std must not be 0"),
       "normalize with std 0 is refused");
    Transform *bad = compose(to_tensor(), normalize(0.1f, 0.0f));
    ok(bad == NULL && error_says("transform 2 of 2 is NULL"), "compose names the missing transform");
    ok(random_rotation(-1) == NULL && error_says("degrees"), "negative degrees refused");
    Tensor *image = tensor(1, 28, 28);
    ok(transform_apply(NULL, image) == -1, "transform_apply(NULL, ...) fails cleanly");
    Transform *t = to_tensor();
    ok(transform_apply(t, NULL) == -1, "transform_apply(..., NULL) fails cleanly");
    Dataset *rotated = mnist(mnist_dir(), .train = false, .transform = random_rotation(10));
    manual_seed(5);
    Tensor *raw = rotated ? dataset_get_raw(rotated, 0, NULL) : NULL;
    Tensor *plain = mnist_plain_item0();
    ok(raw && plain && memcmp(tensor_cdata(raw), tensor_cdata(plain), 784 * sizeof(float)) == 0,
       "dataset_get_raw gives the item without its transform");
    manual_seed(5);
    uint32_t first = random_u32();
    manual_seed(5);
    tensor_free(dataset_get_raw(rotated, 1, NULL));
    ok(random_u32() == first, "dataset_get_raw draws no random numbers");
    tensor_free(raw);
    tensor_free(plain);
    dataset_free(rotated);
    tensor_fill(image, 255);
    ok(transform_apply(t, image) == 0 && tensor_max(image) == 1.0f, "to_tensor maps 255 to 1");
    transform_free(t);
    tensor_free(image);
}

/* The fast round(x, 15) of the rotation matrix against the textual one. */
static void test_round15(void)
{
    uint64_t state = 88172645463325252ull;
    long mismatches = 0, count = 0;
    for (long i = 0; i < 200000; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        double u = (double)(state >> 11) / 9007199254740992.0;
        float angle = (float)(u * 360.0 - 180.0);
        double r = -(angle * (M_PI / 180.0));
        double values[3] = {cos(r), sin(r), 2 * u - 1};
        for (int k = 0; k < 3; k++, count++)
            mismatches += rotation_round15(values[k]) != rotation_round15_text(values[k]);
    }
    for (long k = -4096; k <= 4096; k++, count++)    /* exact binary fractions, ties */
        mismatches += rotation_round15(k / 4096.0) != rotation_round15_text(k / 4096.0);
    ok(mismatches == 0, "round(x, 15): the fast way equals printf/strtod on %ld values (%ld differ)",
       count, mismatches);
}

/* print(dataset) shows the transform as torchvision prints it. */
static void test_printing(void)
{
    Dataset *d = mnist(mnist_dir(), .train = false,
                       .transform = compose(random_rotation(10), to_tensor(),
                                            normalize(0.1307f, 0.3081f)));
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    dataset_fprint(out, d);
    fclose(out);
    const char *want =
        "Dataset MNIST\n"
        "    Number of datapoints: 10000\n"
        "    Root location: %s\n"
        "    Split: Test\n"
        "    StandardTransform\n"
        "Transform: Compose(\n"
        "    RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)\n"
        "    ToTensor()\n"
        "    Normalize(mean=(0.1307,), std=(0.3081,))\n"
        ")\n";
    char expected[1024];
    snprintf(expected, sizeof expected, want, mnist_dir());
    is_str(text, expected, "print(dataset) as torchvision's, transforms included");
    free(text);
    dataset_free(d);
}

int main(void)
{
    test_printing();
    test_round15();
    RefFile *rotation = refs_load("rotation.txt"), *plain = refs_load("transform.txt");
    ok(rotation && plain, "reference files load");
    test_fixed_angles(rotation);
    test_pipeline(rotation);
    test_plain(plain);
    test_ownership();
    refs_free(rotation);
    refs_free(plain);
    return tap_done();
}
