// SPDX-License-Identifier: BSD-3-Clause
/* Tensors: creation, shape, access, statistics, printing like PyTorch. */
#include "cnb.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static char *print_to_string(const Tensor *t)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    tensor_fprint(out, t);
    fclose(out);
    return text;
}

static void test_create(void)
{
    Tensor *t = tensor(2, 3);
    ok(t != NULL, "tensor(2, 3) made");
    is_int(tensor_ndim(t), 2, "ndim 2");
    is_int(tensor_dim(t, 0), 2, "dim 0");
    is_int(tensor_dim(t, -1), 3, "dim -1");
    is_int((long long)tensor_numel(t), 6, "numel 6");
    is_int(tensor_device(t), CPU, "on the cpu");
    is_str(device_name(tensor_device(t)), "cpu", "device name cpu");
    is_near(tensor_sum(t), 0.0, 0.0, "zeros");
    ok(((uintptr_t)tensor_data(t) % 64) == 0, "data is 64-byte aligned");
    is_int(tensor_dim(t, 2), -1, "dim out of range fails");
    ok(strstr(cnb_last_error(), "out of range") != NULL, "error names the problem");
    tensor_free(t);

    ok(tensor_new((int[]){2, -1}, 2) == NULL, "negative size fails");
    ok(tensor_new((int[]){1, 1, 1, 1, 1}, 5) == NULL, "5 dimensions fail");
    ok(tensor_from_data(NULL, (int[]){2}, 1) == NULL, "NULL data fails");
    is_int((long long)tensor_numel(NULL), 0, "numel(NULL) is 0");
    tensor_free(NULL);
}

static void test_access(void)
{
    float values[] = { 1, 2, 3, 4, 5, 6 };
    Tensor *t = tensor_from_data(values, (int[]){2, 3}, 2);
    is_near(tensor_get(t, 1, 2), 6, 0, "t[1][2]");
    is_near(tensor_get(t, 0, 1), 2, 0, "t[0][1]");
    is_near(tensor_get(t, -1, -1), 6, 0, "negative indices");
    ok(isnan(tensor_get(t, 2, 0)), "index out of range gives NaN");
    is_near(tensor_mean(t), 3.5, 1e-12, "mean");
    is_near(tensor_std(t), 1.8708286933869707, 1e-12, "unbiased std as torch.std");
    is_near(tensor_sum(t), 21, 0, "sum");
    is_near(tensor_max(t), 6, 0, "max");
    is_near(tensor_min(t), 1, 0, "min");
    ok(isnan(tensor_item(t)), "item of 6 elements fails");
    Tensor *c = tensor_clone(t);
    tensor_data(c)[0] = 100;
    is_near(tensor_get(t, 0, 0), 1, 0, "clone is a copy");
    is_int(tensor_reshape(c, (int[]){3, 2}, 2), 0, "reshape 3x2");
    is_int(tensor_dim(c, 0), 3, "reshaped dim 0");
    is_int(tensor_reshape(c, (int[]){4, 2}, 2), -1, "reshape with another numel fails");
    tensor_fill(c, 0.5f);
    is_near(tensor_sum(c), 3, 0, "fill");
    Tensor *rows = tensor_narrow(t, 1, 1);
    ok(rows && tensor_dim(rows, 0) == 1 && tensor_dim(rows, 1) == 3, "narrow: one row of three");
    is_near(tensor_get(rows, 0, 2), 6, 0, "narrow views the second row");
    tensor_data(rows)[0] = 40;
    is_near(tensor_get(t, 1, 0), 40, 0, "and shares its data");
    tensor_free(rows);
    is_near(tensor_get(t, 1, 1), 5, 0, "freeing the view leaves the tensor");
    ok(tensor_narrow(t, 1, 2) == NULL, "narrow past the end fails");
    Tensor *s = tensor_from_data((float[]){ 2.5f }, NULL, 0);
    is_near(tensor_item(s), 2.5, 0, "scalar item");
    ok(tensor_to(s, CPU) == s, "to(cpu) is a no-op");
    if (cuda_available()) {
        skip("a GPU is here: tests/cuda/test_cuda_available moves tensors to it");
        skip("a GPU is here");
    } else {
        ok(tensor_to(s, CUDA) == NULL, "to(cuda) fails without CUDA");
        is_int(tensor_device(s), CPU, "and the tensor stays on the cpu");
    }
    tensor_free(s);
    tensor_free(c);
    tensor_free(t);
}

static void test_index_select(void)
{
    float values[4 * 3];
    for (int i = 0; i < 12; i++)
        values[i] = (float)i;
    Tensor *src = tensor_from_data(values, (int[]){4, 3}, 2);
    Tensor *out = tensor(3, 3);
    const int64_t rows[3] = {3, 0, 3};
    is_int(tensor_index_select(out, src, rows, 3), 0, "index_select rows 3, 0, 3");
    ok(tensor_get(out, 0, 0) == 9 && tensor_get(out, 0, 2) == 11 && tensor_get(out, 1, 1) == 1 &&
       tensor_get(out, 2, 1) == 10, "gives those rows in that order");
    const int64_t bad[3] = {1, 4, 0};
    cnb_clear_error();
    is_int(tensor_index_select(out, src, bad, 3), -1, "an index past the end fails");
    ok(strstr(cnb_last_error(), "index[1] = 4 is outside the 4 rows"), "and says which: %s",
       cnb_last_error());
    ok(tensor_get(out, 0, 0) == 9, "out is unchanged");
    is_int(tensor_index_select(out, src, rows, 2), -1, "out with 3 rows for 2 indices fails");
    Tensor *narrow = tensor(3, 2);
    is_int(tensor_index_select(narrow, src, rows, 3), -1, "out of another width fails");
    ok(strstr(cnb_last_error(), "dimension 1 is 2, src's is 3") != NULL, "naming the dimension");
    is_int(tensor_index_select(NULL, src, rows, 3), -1, "NULL out fails");
    Tensor *labels = tensor_from_data((float[]){5, 6, 7, 8}, (int[]){4}, 1);
    Tensor *picked = tensor(3);
    is_int(tensor_index_select(picked, labels, rows, 3), 0, "1-D: labels");
    ok(tensor_get(picked, 0) == 8 && tensor_get(picked, 1) == 5, "picked labels 8, 5, 8");
    /* large enough for the compute threads, with every row checked */
    enum { N = 5000, W = 784, B = 512 };
    Tensor *images = tensor(N, W), *batch = tensor(B, W);
    float *im = tensor_data(images);
    for (size_t i = 0; i < (size_t)N * W; i++)
        im[i] = (float)(i % 7919);
    int64_t order[B];
    for (int i = 0; i < B; i++)
        order[i] = (int64_t)((i * 2654435761u) % N);
    set_num_threads(2);
    is_int(tensor_index_select(batch, images, order, B), 0, "512 rows of 784 on 2 threads");
    int wrong = 0;
    for (int i = 0; i < B; i++)
        wrong += memcmp(tensor_cdata(batch) + (size_t)i * W, im + (size_t)order[i] * W,
                        W * sizeof(float)) != 0;
    is_int(wrong, 0, "every row is the right one");
    tensor_free(images);
    tensor_free(batch);
    tensor_free(labels);
    tensor_free(picked);
    tensor_free(narrow);
    tensor_free(out);
    tensor_free(src);
}

static void check_print(const float *values, const int *shape, int ndim, const char *want,
                        const char *what)
{
    Tensor *t = values ? tensor_from_data(values, shape, ndim) : tensor_new(shape, ndim);
    char *text = print_to_string(t);
    is_str(text, want, "print %s", what);
    free(text);
    tensor_free(t);
}

static void test_print(void)
{
    check_print((float[]){ 0.1f, 0.2f, 0.3f, 0.4f }, (int[]){2, 2}, 2,
                "tensor([[0.1000, 0.2000],\n        [0.3000, 0.4000]])\n", "2x2");
    check_print((float[]){ 1, 2, 3 }, (int[]){3}, 1, "tensor([1., 2., 3.])\n", "integers");
    check_print((float[]){ -1.5f, 10, 3 }, (int[]){3}, 1,
                "tensor([-1.5000, 10.0000,  3.0000])\n", "common width");
    check_print((float[]){ 1e-5f, 1 }, (int[]){2}, 1,
                "tensor([1.0000e-05, 1.0000e+00])\n", "scientific");
    check_print((float[]){ 0.25f }, NULL, 0, "tensor(0.2500)\n", "scalar");
    check_print(NULL, (int[]){0, 3}, 2, "tensor([], size=(0, 3))\n", "empty");
    check_print(NULL, (int[]){2, 2}, 2, "tensor([[0., 0.],\n        [0., 0.]])\n", "zeros");
    check_print((float[]){ 1, 2, 3, 4, 5, 6, 7, 8 }, (int[]){2, 2, 2}, 3,
                "tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]])\n",
                "3 dimensions");
    float many[2000];
    for (int i = 0; i < 2000; i++)
        many[i] = (float)i;
    check_print(many, (int[]){2000}, 1,
                "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                "        1.9990e+03], size=(2000,))\n", "summarized vector");
    float *grid = malloc(10000 * sizeof *grid);
    for (int i = 0; i < 10000; i++)
        grid[i] = (float)i;
    check_print(grid, (int[]){100, 100}, 2,
                "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 9.7000e+01, 9.8000e+01,\n"
                "         9.9000e+01],\n"
                "        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.9700e+02, 1.9800e+02,\n"
                "         1.9900e+02],\n"
                "        [2.0000e+02, 2.0100e+02, 2.0200e+02,  ..., 2.9700e+02, 2.9800e+02,\n"
                "         2.9900e+02],\n"
                "        ...,\n"
                "        [9.7000e+03, 9.7010e+03, 9.7020e+03,  ..., 9.7970e+03, 9.7980e+03,\n"
                "         9.7990e+03],\n"
                "        [9.8000e+03, 9.8010e+03, 9.8020e+03,  ..., 9.8970e+03, 9.8980e+03,\n"
                "         9.8990e+03],\n"
                "        [9.9000e+03, 9.9010e+03, 9.9020e+03,  ..., 9.9970e+03, 9.9980e+03,\n"
                "         9.9990e+03]], size=(100, 100))\n", "summarized matrix");
    free(grid);
    float wide[20];
    for (int i = 0; i < 20; i++)
        wide[i] = 0.5f;
    check_print(wide, (int[]){20}, 1,
                "tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000,\n"
                "        0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000,\n"
                "        0.5000, 0.5000])\n", "wrapped at 80 columns");
}

int main(void)
{
    test_create();
    test_access();
    test_index_select();
    test_print();
    return tap_done();
}
