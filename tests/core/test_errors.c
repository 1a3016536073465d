// SPDX-License-Identifier: BSD-3-Clause
/* Errors in a plain program: NULL or -1 with the message and its kind, and
 * cnb_abort_on_error(true) for a program that wants to stop at the first. */
#include "cnb.h"
#include "host/error_attempt.h"
#include "tap.h"

#include <dlfcn.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_kinds(void)
{
    ok(dataloader(NULL, .batch_size = 2) == NULL, "dataloader(NULL) returns NULL");
    is_str(cnb_error_kind_name(cnb_last_error_kind()), "ValueError", "a NULL argument is a ValueError");
    ok(strstr(cnb_last_error(), "dataloader") != NULL, "the message names the call: %s", cnb_last_error());
    ok(mnist("/nonexistent-cnb-data", .train = true) == NULL, "a missing dataset returns NULL");
    is_str(cnb_error_kind_name(cnb_last_error_kind()), "DatasetError", "DatasetError");
    Model *net = sequential(flatten(), linear(784, 10));
    Tensor *wrong = tensor(2, 5);
    ok(model_forward(net, wrong) == NULL, "a shape mismatch returns NULL");
    is_str(cnb_error_kind_name(cnb_last_error_kind()), "ShapeError", "ShapeError");
    ok(model_load(net, "/nonexistent.safetensors") == -1, "a missing checkpoint returns -1");
    is_str(cnb_error_kind_name(cnb_last_error_kind()), "CheckpointError", "CheckpointError");
    cnb_clear_error();
    is_str(cnb_last_error(), "", "cnb_clear_error forgets it");
    tensor_free(wrong);
    model_free(net);
}

static void test_abort_on_error(void)
{
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        ok(0, "pipe");
        return;
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        dup2(pipe_fds[1], STDERR_FILENO);
        cnb_abort_on_error(true);
        dataloader(NULL, .batch_size = 2);
        _exit(0);   /* not reached when it aborts */
    }
    close(pipe_fds[1]);
    char text[512] = "";
    ssize_t n = read(pipe_fds[0], text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    close(pipe_fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "cnb_abort_on_error(true) aborts at the first error");
    ok(strstr(text, "cnb: dataloader: dataset is NULL") != NULL, "after printing the message: %s", text);
}

/* What a host (the kernel's worker) is given: the kind, the message, and
 * the stack slot of the runtime's return address into its caller. */
static int hook_calls;
static char hook_kind[32];
static void *hook_return;

static bool record_error(const char *kind, const char *message, void **return_slot)
{
    (void)message;
    hook_calls++;
    snprintf(hook_kind, sizeof hook_kind, "%s", kind);
    hook_return = return_slot ? *return_slot : NULL;
    return false;   /* let the runtime print it and return NULL as usual */
}

static void test_host_hook(void)
{
    static const CnbHost host = {.runtime_error = record_error};
    cnb_set_host(&host);
    ok(dataloader(NULL, .batch_size = 2) == NULL, "with a host that declines, the call still returns NULL");
    is_int(hook_calls, 1, "the host heard of the error once");
    is_str(hook_kind, "ValueError", "with its kind");
    Dl_info info, self;
    ok(hook_return && dladdr(hook_return, &info) && dladdr((void *)test_host_hook, &self) &&
       info.dli_fbase == self.dli_fbase, "the return slot leads back into this program, not the runtime");
    cnb_error_attempts_begin();
    ok(dataloader(NULL, .batch_size = 2) == NULL, "an error inside an attempt");
    cnb_error_attempts_end();
    is_int(hook_calls, 1, "is not the host's to stop (another mirror may still deliver)");
    cnb_set_host(NULL);
}

int main(void)
{
    test_kinds();
    test_host_hook();
    test_abort_on_error();
    return tap_done();
}
