// SPDX-License-Identifier: BSD-3-Clause
/* Transforms: to_tensor, normalize, random_rotation, random_horizontal_flip,
 * random_crop and compose, applied to one image in place.  Each does the float32 arithmetic torchvision does, so
 * the values are the same bit for bit. */
#include "data/transform_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/error_internal.h"
#include "cnb/random.h"
#include "core/vector_ops.h"

static Transform *transform_alloc(const char *function, TransformKind kind)
{
    Transform *t = calloc(1, sizeof *t);
    if (!t) {
        cnb_error(function, "out of memory");
        return NULL;
    }
    object_init(t, OBJECT_TRANSFORM);
    t->kind = kind;
    t->refs = 1;
    t->floating = true;
    return t;
}

Transform *to_tensor(void)
{
    return transform_alloc("to_tensor", TRANSFORM_TO_TENSOR);
}

Transform *normalize(float mean, float std)
{
    if (!(std > 0) && !(std < 0)) {
        cnb_error("normalize", "std must not be 0 (got %g)", std);
        return NULL;
    }
    Transform *t = transform_alloc("normalize", TRANSFORM_NORMALIZE);
    if (t) {
        t->mean = mean;
        t->std = std;
    }
    return t;
}

Transform *random_rotation(float degrees)
{
    if (!(degrees >= 0)) {
        cnb_error("random_rotation", "degrees must be a positive number (got %g)", degrees);
        return NULL;
    }
    Transform *t = transform_alloc("random_rotation", TRANSFORM_ROTATION);
    if (t)
        t->degrees = degrees;
    return t;
}

/* The macro tells whether .p was given (p = 0 is a real choice). */
Transform *random_horizontal_flip_new(HorizontalFlipOptions o, bool p_given)
{
    if (!p_given)
        o.p = 0.5;
    if (!(o.p >= 0 && o.p <= 1))
        return cnb_error_of(CNB_VALUE_ERROR, "random_horizontal_flip",
                            "p must be a probability in [0, 1] (got %g)", o.p), NULL;
    Transform *t = transform_alloc("random_horizontal_flip", TRANSFORM_HORIZONTAL_FLIP);
    if (t)
        t->p = (float)o.p;
    return t;
}

/* The padded size stays far below 2^24, so the drawn offsets are exact
 * in the float params. */
#define MAX_CROP_SIDE 65536

Transform *random_crop_new(int size, RandomCropOptions o)
{
    if (size <= 0 || size > MAX_CROP_SIDE)
        return cnb_error_of(CNB_VALUE_ERROR, "random_crop",
                            "size must be positive (got %d); random_crop(28, .padding = 4)",
                            size), NULL;
    if (o.padding < 0 || o.padding > MAX_CROP_SIDE)
        return cnb_error_of(CNB_VALUE_ERROR, "random_crop",
                            "padding must be 0 or positive (got %d)", o.padding), NULL;
    Transform *t = transform_alloc("random_crop", TRANSFORM_CROP);
    if (t) {
        t->size = size;
        t->padding = o.padding;
    }
    return t;
}

/* The compose() macro passes the count, so a NULL left by a failed
 * constructor is caught here instead of silently shortening the pipeline. */
Transform *compose_array(Transform *const *transforms, size_t count)
{
    bool missing = !transforms || count == 0;
    for (size_t i = 0; !missing && i < count; i++)
        if (!transforms[i]) {
            cnb_error("compose", "transform %zu of %zu is NULL (did its constructor fail?)",
                      i + 1, count);
            missing = true;
        } else if (object_dead(transforms[i], OBJECT_TRANSFORM, "compose")) {
            missing = true;
        }
    Transform *t = missing ? NULL : transform_alloc("compose", TRANSFORM_COMPOSE);
    if (t && !(t->parts = calloc(count, sizeof *t->parts))) {
        cnb_error("compose", "out of memory");
        free(t);
        t = NULL;
    }
    if (!t) {
        if (!transforms || count == 0)
            cnb_error("compose", "no transforms given");
        for (size_t i = 0; transforms && i < count; i++)   /* they were handed over */
            transform_discard(transforms[i]);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        t->parts[i] = transform_take(transforms[i]);
    t->count = (int)count;
    return t;
}

Transform *compose_list(Transform *const *transforms)
{
    size_t count = 0;
    while (transforms && transforms[count])
        count++;
    return compose_array(transforms, count);
}

Transform *transform_take(Transform *t)
{
    if (!t)
        return NULL;
    if (t->floating)
        t->floating = false;
    else
        t->refs++;
    return t;
}

void transform_release(Transform *t)
{
    if (!t || --t->refs > 0)
        return;
    for (int i = 0; i < t->count; i++)
        transform_release(t->parts[i]);
    free(t->parts);
    object_retire(t, sizeof *t, OBJECT_TRANSFORM);
}

void transform_discard(Transform *t)
{
    if (t && object_alive(t, OBJECT_TRANSFORM) && t->floating)
        transform_release(t);
}

/* A transform given to a dataset or a compose is theirs: freeing it here
 * would pull it from under them. */
void transform_free(Transform *t)
{
    if (!t || object_dead(t, OBJECT_TRANSFORM, "transform_free"))
        return;
    if (!t->floating) {
        cnb_error_of(CNB_VALUE_ERROR, "transform_free", "this Transform belongs to a dataset "
                     "or a compose, which frees it with itself; free only the transforms you "
                     "kept");
        return;
    }
    transform_release(t);
}

int transform_param_count(const Transform *t)
{
    if (!t)
        return 0;
    if (t->kind == TRANSFORM_ROTATION || t->kind == TRANSFORM_HORIZONTAL_FLIP)
        return 1;
    if (t->kind == TRANSFORM_CROP)
        return 2;
    int count = 0;
    for (int i = 0; i < t->count; i++)
        count += transform_param_count(t->parts[i]);
    return count;
}

/* torch.randint(0, n, (1,)).item() for n < 2^32: random() % n. */
static float draw_below(int n)
{
    return (float)(random_u32() % (uint32_t)n);
}

/* Each transform draws what torchvision's draws, in the same order:
 * RandomRotation.get_params: float(torch.empty(1).uniform_(-d, d).item());
 * RandomHorizontalFlip: torch.rand(1) < p (drawn also for p = 0 and 1);
 * RandomCrop.get_params on the padded image of side size + 2 padding:
 * top = torch.randint(0, 2 padding + 1), then left the same way; nothing
 * when padding is 0 (the crop is the whole image). */
void transform_draw(const Transform *t, float *params)
{
    if (!t)
        return;
    switch (t->kind) {
    case TRANSFORM_ROTATION:
        params[0] = random_uniform(-t->degrees, t->degrees);
        return;
    case TRANSFORM_HORIZONTAL_FLIP:
        params[0] = random_uniform(0.0f, 1.0f) < t->p ? 1.0f : 0.0f;
        return;
    case TRANSFORM_CROP:
        params[0] = t->padding ? draw_below(2 * t->padding + 1) : 0.0f;
        params[1] = t->padding ? draw_below(2 * t->padding + 1) : 0.0f;
        return;
    default:
        break;
    }
    for (int i = 0; i < t->count; i++) {
        transform_draw(t->parts[i], params);
        params += transform_param_count(t->parts[i]);
    }
}

static size_t numel_of(const int *shape, int ndim)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    return n;
}

static int height_of(const int *shape, int ndim)
{
    return ndim >= 2 ? shape[ndim - 2] : 1;
}

static int channels_of(const int *shape, int ndim)
{
    return (int)(numel_of(shape, ndim) / ((size_t)height_of(shape, ndim) * shape[ndim - 1]));
}

int transform_check_shape(const Transform *t, const int *shape, int ndim, const char *function)
{
    if (object_dead(t, OBJECT_TRANSFORM, function))
        return -1;
    if (!t || ndim < 1)
        return 0;
    if (t->kind == TRANSFORM_COMPOSE) {
        for (int i = 0; i < t->count; i++)
            if (transform_check_shape(t->parts[i], shape, ndim, function) < 0)
                return -1;
        return 0;
    }
    int height = height_of(shape, ndim), width = shape[ndim - 1];
    if (t->kind == TRANSFORM_CROP && height != width)
        return cnb_error_of(CNB_VALUE_ERROR, function,
                            "random_crop(%d) on images of %d x %d: the crop keeps the item's "
                            "size, so it needs square images", t->size, height, width);
    if (t->kind == TRANSFORM_CROP && t->size != width)
        return cnb_error_of(CNB_VALUE_ERROR, function,
                            "random_crop(%d) on images of %d x %d: the crop keeps the item's "
                            "size, so give the image's side, e.g. random_crop(%d, .padding = 4)",
                            t->size, height, width, width);
    return 0;
}

static void rotate_in_place(float *data, const int *shape, int ndim, float angle)
{
    int height = height_of(shape, ndim), width = shape[ndim - 1];
    int channels = channels_of(shape, ndim);
    size_t n = numel_of(shape, ndim);
    float small[4096];
    float *copy = n <= 4096 ? small : malloc(n * sizeof *copy);
    if (!copy)
        return;
    memcpy(copy, data, n * sizeof *copy);
    rotate_nearest(copy, data, channels, height, width, angle);
    if (copy != small)
        free(copy);
}

void transform_apply_drawn(const Transform *t, float *data, const int *shape, int ndim,
                           const float *params)
{
    if (!t)
        return;
    size_t n = numel_of(shape, ndim);
    switch (t->kind) {
    case TRANSFORM_TO_TENSOR:       /* img.float().div(255) */
        vec_shift_divide(data, n, 0.0f, 255.0f);
        break;
    case TRANSFORM_NORMALIZE:       /* tensor.sub_(mean).div_(std) */
        vec_shift_divide(data, n, t->mean, t->std);
        break;
    case TRANSFORM_ROTATION:
        rotate_in_place(data, shape, ndim, params[0]);
        break;
    case TRANSFORM_HORIZONTAL_FLIP:
        if (params[0] != 0.0f)
            flip_horizontal(data, channels_of(shape, ndim), height_of(shape, ndim),
                            shape[ndim - 1]);
        break;
    case TRANSFORM_CROP:
        if (t->padding)
            crop_shifted(data, channels_of(shape, ndim), height_of(shape, ndim), shape[ndim - 1],
                         (int)params[0] - t->padding, (int)params[1] - t->padding);
        break;
    case TRANSFORM_COMPOSE:
        for (int i = 0; i < t->count; i++) {
            transform_apply_drawn(t->parts[i], data, shape, ndim, params);
            params += transform_param_count(t->parts[i]);
        }
        break;
    }
}

int transform_apply(const Transform *t, Tensor *image)
{
    if (object_dead(t, OBJECT_TRANSFORM, "transform_apply") ||
        object_dead(image, OBJECT_TENSOR, "transform_apply"))
        return -1;
    if (!t)
        return cnb_error("transform_apply", "transform is NULL");
    if (!image)
        return cnb_error("transform_apply", "image is NULL");
    if (tensor_device(image) != CPU)
        return cnb_error("transform_apply", "the image must be on the cpu (it is on %s)",
                         device_name(tensor_device(image)));
    int ndim = tensor_ndim(image), shape[CNB_MAX_DIMS];
    for (int i = 0; i < ndim; i++)
        shape[i] = tensor_dim(image, i);
    if (transform_check_shape(t, shape, ndim, "transform_apply") < 0)
        return -1;
    int count = transform_param_count(t);
    float params_small[16];
    float *params = count <= 16 ? params_small : malloc(sizeof *params * (size_t)count);
    if (!params)
        return cnb_error("transform_apply", "out of memory");
    transform_draw(t, params);
    transform_apply_drawn(t, tensor_data(image), shape, ndim, params);
    if (params != params_small)
        free(params);
    return 0;
}

/* A float as Python prints it: 10.0, 0.1307. */
static void write_float(FILE *out, double value)
{
    char text[32];
    snprintf(text, sizeof text, "%.9g", value);
    bool plain = value == 0 || (fabs(value) >= 1e-4 && fabs(value) < 1e16);
    for (int precision = 1; precision <= 9; precision++) {   /* shortest that reads back */
        snprintf(text, sizeof text, "%.*g", precision, value);
        if ((float)strtod(text, NULL) == (float)value && !(plain && strchr(text, 'e')))
            break;
    }
    fputs(text, out);
    if (!strpbrk(text, ".en"))
        fputs(".0", out);
}

void transform_write(FILE *out, const Transform *t, int indent)
{
    if (!t) {
        fprintf(out, "None");
        return;
    }
    switch (t->kind) {
    case TRANSFORM_TO_TENSOR:
        fprintf(out, "ToTensor()");
        break;
    case TRANSFORM_NORMALIZE:
        fputs("Normalize(mean=(", out);
        write_float(out, t->mean);
        fputs(",), std=(", out);
        write_float(out, t->std);
        fputs(",))", out);
        break;
    case TRANSFORM_ROTATION:
        fputs("RandomRotation(degrees=[", out);
        write_float(out, -(double)t->degrees);
        fputs(", ", out);
        write_float(out, t->degrees);
        fputs("], interpolation=nearest, expand=False, fill=0)", out);
        break;
    case TRANSFORM_HORIZONTAL_FLIP:
        fputs("RandomHorizontalFlip(p=", out);
        write_float(out, t->p);
        fputs(")", out);
        break;
    case TRANSFORM_CROP:
        fprintf(out, "RandomCrop(size=(%d, %d), ", t->size, t->size);
        if (t->padding)
            fprintf(out, "padding=%d)", t->padding);
        else
            fputs("padding=None)", out);
        break;
    case TRANSFORM_COMPOSE:
        fprintf(out, "Compose(");
        for (int i = 0; i < t->count; i++) {
            fprintf(out, "\n%*s", indent + 4, "");
            transform_write(out, t->parts[i], indent + 4);
        }
        fprintf(out, "\n%*s)", indent, "");
        break;
    }
}
