// SPDX-License-Identifier: BSD-3-Clause
/* The output pump; see output_pump.h. */
#include "output_pump.h"
#include "wire/frame.h"
#include "wire/utf8.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH_SECONDS 0.05
#define BATCH_BYTES (64 * 1024)
#define INTERRUPT_GRACE_SECONDS 0.3
#define INTERRUPT_REPEAT_SECONDS 0.2

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

bool eventfd_take(int fd)
{
    uint64_t count;
    return read(fd, &count, sizeof count) == (ssize_t)sizeof count;
}

static void pending_append(Pending *p, const char *data, size_t size)
{
    if (p->size + size > p->capacity) {
        size_t capacity = (p->size + size) * 2 + 4096;
        char *bigger = realloc(p->data, capacity);
        if (!bigger)
            return;
        p->data = bigger;
        p->capacity = capacity;
    }
    memcpy(p->data + p->size, data, size);
    p->size += size;
}

/* Reads what the pipe has now; false at end of file. */
static bool drain(Pump *pump, int fd, Pending *p)
{
    char buffer[16384];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0) {
            if (pump->first_at == 0)
                pump->first_at = now();
            pending_append(p, buffer, (size_t)n);
            /* A writer faster than the frontend must not grow a batch (and
             * the front's memory) without bound: the pipe holds it back. */
            if (p->size >= BATCH_BYTES)
                flush_streams(pump, false);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n != 0;
    }
}

static void flush_one(Pump *pump, Pending *p, bool all)
{
    size_t n = all ? p->size : utf8_complete_prefix(p->data, p->size);
    if (n == 0)
        return;
    size_t clean_size;
    char *clean = utf8_sanitize(p->data, n, &clean_size);
    if (clean && clean_size > 0 && pump->sink && pump->sink->stream)
        pump->sink->stream(pump->sink->context, p->name, clean, clean_size);
    free(clean);
    memmove(p->data, p->data + n, p->size - n);
    p->size -= n;
}

void flush_streams(Pump *pump, bool all)
{
    flush_one(pump, &pump->out, all);
    flush_one(pump, &pump->err, all);
    pump->first_at = pump->out.size || pump->err.size ? now() : 0;
}

void drain_all(Pump *pump)
{
    drain(pump, pump->worker->out, &pump->out);
    drain(pump, pump->worker->err, &pump->err);
}

static void on_display(Pump *pump, json_t *message)
{
    const char *kind = json_string_value(json_object_get(message, "kind"));
    json_t *data = json_object_get(message, "data");
    json_t *metadata = json_object_get(message, "metadata");
    if (kind && strcmp(kind, "result") == 0) {
        if (pump->silent)
            return;
        json_decref(pump->outcome->result_data);
        json_decref(pump->outcome->result_metadata);
        pump->outcome->result_data = json_incref(data);
        pump->outcome->result_metadata = json_incref(metadata);
        return;
    }
    if (pump->sink && pump->sink->display)
        pump->sink->display(pump->sink->context, data, metadata,
                            json_string_value(json_object_get(message, "display_id")),
                            kind && strcmp(kind, "update") == 0);
}

static void on_input_request(Pump *pump, json_t *message)
{
    json_t *reply;
    if (!pump->allow_stdin || !pump->sink || !pump->sink->input) {
        reply = json_pack("{s:s, s:n, s:s}", "op", "input_reply", "value", "reason",
                          "reading stdin is not possible here: the frontend does not accept input "
                          "(allow_stdin is false), so input functions see end of file");
    } else {
        const char *prompt = json_string_value(json_object_get(message, "prompt"));
        bool password = json_is_true(json_object_get(message, "password"));
        char *line = pump->sink->input(pump->sink->context, prompt ? prompt : "", password);
        if (line)
            reply = json_pack("{s:s, s:s}", "op", "input_reply", "value", line);
        else
            reply = json_pack("{s:s, s:n, s:s}", "op", "input_reply", "value", "reason",
                              "input was cancelled; the cell sees end of file");
        free(line);
    }
    frame_send_new(pump->worker->channel, reply);
}

/* Handles one frame; returns false when the cell is over. */
static bool on_frame(Pump *pump, json_t *message)
{
    /* Everything printed before the frame was sent is in the pipes now. */
    drain_all(pump);
    flush_streams(pump, false);
    const char *op = json_string_value(json_object_get(message, "op"));
    if (!op)
        return true;
    if (strcmp(op, "display") == 0) {
        on_display(pump, message);
    } else if (strcmp(op, "clear_output") == 0) {
        if (pump->sink && pump->sink->clear_output)
            pump->sink->clear_output(pump->sink->context, json_is_true(json_object_get(message, "wait")));
    } else if (strcmp(op, "input_request") == 0) {
        flush_streams(pump, true);
        on_input_request(pump, message);
    } else if (strcmp(op, "done") == 0) {
        pump->done = json_incref(message);
        return false;
    }
    return true;
}

static int poll_timeout(const Pump *pump)
{
    double t = now(), wait = -1;
    if (pump->first_at > 0)
        wait = pump->first_at + BATCH_SECONDS - t;
    if (pump->force_at > 0 && (wait < 0 || pump->force_at - t < wait))
        wait = pump->force_at - t;
    if (wait < 0 && (pump->first_at > 0 || pump->force_at > 0))
        return 0;
    return wait < 0 ? -1 : (int)(wait * 1000) + 1;
}

/* Runs the loaded cell to its end; false if the worker died. */
bool pump_cell(Pump *pump)
{
    WorkerProcess *worker = pump->worker;
    bool out_open = true, err_open = true;
    for (;;) {
        struct pollfd fds[4] = {
            {worker->channel, POLLIN, 0}, {out_open ? worker->out : -1, POLLIN, 0},
            {err_open ? worker->err : -1, POLLIN, 0}, {pump->interrupt_fd, POLLIN, 0},
        };
        int n = poll(fds, 4, poll_timeout(pump));
        if (n < 0 && errno != EINTR)
            return false;
        if (fds[1].revents)
            out_open = drain(pump, worker->out, &pump->out);
        if (fds[2].revents)
            err_open = drain(pump, worker->err, &pump->err);
        if (fds[3].revents && eventfd_take(pump->interrupt_fd) && pump->interrupt_at == 0) {
            pump->interrupt_at = now();
            pump->force_at = pump->interrupt_at + INTERRUPT_GRACE_SECONDS;
        }
        if (pump->force_at > 0 && now() >= pump->force_at) {
            /* The cell did not stop by itself: unwind it (worker_signals.c). */
            kill(worker->pid, SIGUSR1);
            pump->force_at = now() + INTERRUPT_REPEAT_SECONDS;
        }
        if (fds[0].revents) {
            json_t *message = frame_receive(worker->channel);
            if (!message)
                return false;
            bool more = on_frame(pump, message);
            json_decref(message);
            if (!more) {
                flush_streams(pump, true);
                return true;
            }
        }
        if (pump->first_at > 0 &&
            (now() - pump->first_at >= BATCH_SECONDS || pump->out.size + pump->err.size >= BATCH_BYTES))
            flush_streams(pump, false);
    }
}
