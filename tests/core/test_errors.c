/* Errors in a plain program: NULL or -1 with the message and its kind, and
 * cnb_abort_on_error(true) for a program that wants to stop at the first. */
#include "cnb.h"
#include "tap.h"

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

int main(void)
{
    test_kinds();
    test_abort_on_error();
    return tap_done();
}
