// SPDX-License-Identifier: BSD-3-Clause
/* cuda_available() and what moving to CUDA says when it is false, on every
 * machine: the plugin not built (--without-cuda), the plugin not loadable
 * (CNB_CUDA_PLUGIN pointing elsewhere), the plugin loaded but no driver or
 * no device (a build machine), and on a GPU machine the way there and back.
 * The loader decides once per process, so each other plugin path is tried
 * in a child. */
#include "cnb.h"
#include "tap.h"
#include "cuda/plugin_choice.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CNB_CUDA_BUILT
#define CNB_CUDA_BUILT 0
#endif

/* In a child with CNB_CUDA_PLUGIN=path: cuda_available() and the message of
 * cuda_get_device_name() (the reason), read back through a pipe. */
static int reason_with_plugin(const char *path, char *reason, size_t size)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        setenv("CNB_CUDA_PLUGIN", path, 1);
        char line[1100];
        int available = cuda_available();
        if (!available)
            cuda_get_device_name();
        int n = snprintf(line, sizeof line, "%d %s", available, cnb_last_error());
        ssize_t written = write(fds[1], line, (size_t)n);
        _exit(written == n ? 0 : 1);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], reason, size - 1);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    reason[got > 0 ? got : 0] = '\0';
    return got > 0 ? reason[0] - '0' : -1;
}

/* What this machine should give, found without libcnb: a driver library. */
static bool driver_installed(void)
{
    void *driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (driver)
        dlclose(driver);
    return driver != NULL;
}

/* The installed plugin's path (not installed by `make check`) is tried only
 * where there is a driver: elsewhere the reason is the driver, and cuBLAS
 * is never loaded. */
static void test_default_path(void)
{
    char reason[1100];
    char *saved = getenv("CNB_CUDA_PLUGIN") ? strdup(getenv("CNB_CUDA_PLUGIN")) : NULL;
    unsetenv("CNB_CUDA_PLUGIN");
    int available = reason_with_plugin("", reason, sizeof reason);
    if (saved)
        setenv("CNB_CUDA_PLUGIN", saved, 1);
    free(saved);
    printf("# %s\n", reason);
    if (!CNB_CUDA_BUILT)
        ok(available == 0 && strstr(reason, "the CUDA backend was not built"),
           "the installed plugin of a build without CUDA: not built");
    else if (!driver_installed())
        ok(available == 0 && strstr(reason, "no usable GPU: no NVIDIA driver (libcuda.so.1"),
           "no driver: the installed plugin is not even loaded, the reason is the driver");
    else
        ok(available >= 0, "a driver: the installed plugin is tried (%s)",
           available ? "found" : "not installed");
}

static void test_unloadable_plugins(void)
{
    char reason[1100];
    is_int(reason_with_plugin("/nonexistent/libcnb-cuda.so", reason, sizeof reason), 0,
           "a plugin path that does not exist: no CUDA");
    ok(strstr(reason, "cannot be loaded") && strstr(reason, "/nonexistent/libcnb-cuda.so"),
       "the reason says the plugin cannot be loaded, with dlerror's text");
    printf("# %s\n", reason);
    is_int(reason_with_plugin("libm.so.6", reason, sizeof reason), 0,
           "a library that is not a plugin: no CUDA");
    ok(strstr(reason, "libm.so.6 is not a cnb CUDA plugin") != NULL,
       "the reason says it is not a cnb CUDA plugin");
}

static void test_reason_here(const char *reason)
{
    const char *plugin = getenv("CNB_CUDA_PLUGIN");
    if (!CNB_CUDA_BUILT && !(plugin && *plugin)) {
        ok(strstr(reason, "the CUDA backend was not built") != NULL,
           "built without CUDA: the reason says the backend was not built");
    } else if (!driver_installed()) {
        ok(strstr(reason, "no usable GPU: no NVIDIA driver") != NULL,
           "plugin built, no driver on this machine: the reason says no driver");
    } else {
        ok(strstr(reason, "no usable GPU") != NULL,
           "a driver but no usable GPU: the reason says what the CUDA runtime found");
    }
}

/* The reason after "CUDA is not available: " appears in text. */
static bool why_in(const char *text, const char *reason)
{
    const char *why = strstr(reason, "CUDA is not available: ");
    return why && strstr(text, why + strlen("CUDA is not available: "));
}

static void test_unavailable(void)
{
    ok(!cuda_available(), "cuda_available() is false");
    ok(cuda_get_device_name() == NULL, "no device name");
    char reason[1100];
    snprintf(reason, sizeof reason, "%s", cnb_last_error());
    printf("# %s\n", reason);
    test_reason_here(reason);
    const char *described = device_describe(CUDA);
    printf("# %s\n", described);
    ok(strncmp(described, "cuda (not available: ", 21) == 0 && why_in(described, reason),
       "device_describe(CUDA) says it is not available, and why");

    Tensor *t = tensor_from_data((float[]){ 1, 2, 3 }, (int[]){ 3 }, 1);
    ok(tensor_to(t, CUDA) == NULL, "tensor_to(cuda) fails");
    const char *why = strstr(reason, "CUDA is not available: ");
    ok(why && strstr(cnb_last_error(), why), "with the same reason");
    ok(tensor_device(t) == CPU && tensor_get(t, 2) == 3, "the tensor stays on the cpu, whole");
    tensor_free(t);

    Model *m = sequential(linear(3, 2), relu());
    ok(model_to(m, CUDA) == NULL, "model_to(cuda) fails");
    ok(why && strstr(cnb_last_error(), why), "with the same reason");
    is_int(model_device(m), CPU, "the model stays on the cpu");
    Tensor *x = tensor(4, 3);
    ok(model_forward(m, x) != NULL, "and still runs there");
    tensor_free(x);
    model_free(m);
}

/* On a GPU machine: a tensor's way to the device and back. */
static void test_available(void)
{
    const char *name = cuda_get_device_name();
    ok(name && *name, "the device has a name");
    printf("# device: %s\n", name ? name : "(none)");
    char expected[300];
    snprintf(expected, sizeof expected, "cuda (%s, ", name ? name : "");
    const char *described = device_describe(CUDA);
    printf("# %s\n", described);
    ok(strncmp(described, expected, strlen(expected)) == 0 && strstr(described, " GiB free)"),
       "device_describe(CUDA) gives the name and the memory");
    float values[5] = { 1.5f, -2, 0, 3.25f, 1e-30f };
    Tensor *t = tensor_from_data(values, (int[]){ 5 }, 1);
    ok(tensor_to(t, CUDA) == t && tensor_device(t) == CUDA, "tensor_to(cuda)");
    tensor_data(t)[0] = 99;       /* a host copy: the device keeps its data */
    is_near(tensor_get(t, 0), 1.5, 0, "tensor_get reads the device's data");
    tensor_fill(t, 7);
    is_near(tensor_sum(t), 35, 0, "tensor_fill fills on the device");
    ok(tensor_to(t, CPU) == t && tensor_device(t) == CPU, "tensor_to(cpu)");
    is_near(tensor_get(t, 4), 7, 0, "the data came back");
    tensor_free(t);
    Tensor *src = tensor_from_data(values, (int[]){ 5, 1 }, 2), *out = tensor(2, 1);
    tensor_to(out, CUDA);
    ok(tensor_index_select(out, src, (int64_t[]){ 3, 1 }, 2) == 0 &&
       tensor_get(out, 0, 0) == 3.25f && tensor_get(out, 1, 0) == -2,
       "index_select into a CUDA tensor reaches the device");
    tensor_free(src), tensor_free(out);
    Model *m = sequential(linear(3, 2));
    ok(model_to(m, CUDA) == m && model_device(m) == CUDA, "model_to(cuda)");
    model_free(m);
}

/* On every machine: the cpu in words follows the thread count. */
static void test_describe_cpu(void)
{
    int threads = get_num_threads();
    set_num_threads(3);
    is_str(device_describe(CPU), "cpu (3 threads)", "device_describe(CPU)");
    set_num_threads(1);
    is_str(device_describe(CPU), "cpu (1 thread)", "one thread");
    set_num_threads(threads);
    is_str(device_describe((Device)7), "unknown device 7", "an unknown device");
}

int main(void)
{
    choose_plugin();
    test_describe_cpu();
    test_unloadable_plugins();
    test_default_path();
    if (cuda_available()) {
        test_available();
        for (int i = 0; i < 12; i++)
            skip("a GPU is here: the no-CUDA checks do not apply");
    } else {
        test_unavailable();
        for (int i = 0; i < 10; i++)
            skip("no GPU here: nothing can move to the device");
    }
    return tap_done();
}
