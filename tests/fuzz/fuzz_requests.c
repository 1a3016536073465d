// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer target: the JSON content handlers of every request type, as the
 * front dispatches them (kernel/front/dispatch.c and the handler files),
 * with the interpreter test double (tests/kernel/front/fake_interpreter.c)
 * behind them: a real Kernel with its sockets bound on 127.0.0.1, its
 * execution thread running execute requests, replies and iopub messages
 * read back by the harness.
 *
 * Input: byte 0 picks the request type (and bit 7 the control channel
 * instead of shell); the rest is the content, as JSON text.  Content that
 * is not a JSON object never reaches a handler (message.c drops it), so it
 * is skipped here.  shutdown_request is left out: it ends the kernel the
 * harness keeps for every input (its content is one boolean, "restart",
 * read with message_bool like the others' fields).
 *
 * Properties: no crash or sanitizer report; every execute request is
 * answered (after an interrupt, if the fake cell loops or waits for input);
 * the kernel keeps answering. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "channel.h"
#include "dispatch.h"
#include "execution.h"
#include "history.h"

static const char *types[] = {
    "kernel_info_request", "execute_request", "complete_request", "inspect_request",
    "is_complete_request", "history_request", "comm_info_request", "comm_open", "comm_msg",
    "comm_close", "interrupt_request", "connect_request", "no_such_request"};
#define TYPE_COUNT (sizeof types / sizeof types[0])

static Kernel *kernel;
static Channel shell, control;

static void start(void)
{
    char dir[] = "/tmp/cnb-fuzz-requests-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    setenv("TMPDIR", dir, 1);
    setenv("JUPYTER_DATA_DIR", dir, 1);
    setenv("CNB_LOG", "error", 1);   /* dropped requests are logged as warnings */
    ConnectionInfo info = {.transport = "tcp", .ip = "127.0.0.1", .key = "fuzz", .kernel_name = ""};
    kernel = kernel_open(&info);
    if (!kernel || execution_start(kernel) < 0 || !execution_interpreter(kernel) ||
        channel_open(&shell, kernel, "shell", kernel->sockets[CHANNEL_SHELL]) < 0 ||
        channel_open(&control, kernel, "control", kernel->sockets[CHANNEL_CONTROL]) < 0)
        abort();
}

/* What the iopub thread would forward: read and dropped. */
static void drain(void *socket)
{
    zmq_msg_t part;
    zmq_msg_init(&part);
    while (zmq_msg_recv(&part, socket, ZMQ_DONTWAIT) >= 0)
        ;
    zmq_msg_close(&part);
}

static int wait_reply(int timeout_ms)
{
    zmq_pollitem_t item = {kernel->shell_replies, 0, ZMQ_POLLIN, 0};
    int ready = zmq_poll(&item, 1, timeout_ms);
    drain(kernel->shell_replies);
    return ready;
}

/* An execute request runs on the execution thread; its reply comes back
 * through inproc, as it does to the shell loop.  A fake cell that loops or
 * waits for input is interrupted, and must then be answered.  An interrupt
 * that comes before the cell started is lost (as in any kernel), so it is
 * repeated, as a user would press the button again. */
static void await_execution(void)
{
    if (wait_reply(20) > 0)
        return;
    for (int tries = 0; tries < 100; tries++) {
        kernel_interrupt(kernel);
        if (wait_reply(50) > 0)
            return;
    }
    abort();
}

static Message request_of(const uint8_t *data, size_t size, json_t *content)
{
    static Frame identity = {(unsigned char *)"fuzz", 4};
    Message msg = {0};
    msg.ids = &identity;
    msg.n_ids = 1;
    msg.header = json_pack("{s:s, s:s, s:s, s:s, s:s}", "msg_id", "m", "session", "s", "username", "u",
                           "msg_type", types[data[0] % TYPE_COUNT], "version", "5.3");
    msg.parent_header = json_object();
    msg.metadata = json_object();
    msg.content = content;
    (void)size;
    return msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kernel)
        start();
    if (size < 1)
        return 0;
    json_t *content = json_loadb((const char *)data + 1, size - 1, 0, NULL);
    if (!json_is_object(content)) {
        json_decref(content);
        return 0;
    }
    Message msg = request_of(data, size, content);
    bool on_control = data[0] & 0x80;
    dispatch_request(on_control ? &control : &shell, &msg, on_control);
    if (!on_control && strcmp(message_type(&msg), "execute_request") == 0)
        await_execution();
    drain(kernel->iopub_in);
    json_decref(msg.header);
    json_decref(msg.parent_header);
    json_decref(msg.metadata);
    json_decref(msg.content);
    return 0;
}
