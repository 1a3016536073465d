// SPDX-License-Identifier: BSD-3-Clause
/* The execution queue and thread (see execution.h): execute_input, the
 * cell's outputs through an ExecuteSink, execute_result / error, the
 * execute_reply, history, and stop_on_error aborting what is queued. */
#include "execution.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "channel.h"
#include "dispatch.h"
#include "history.h"
#include "log.h"
#include "stdin_channel.h"
#include "user_expressions.h"

typedef struct QueuedRequest {
    Message request;
    struct QueuedRequest *next;
} QueuedRequest;

struct ExecutionQueue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    QueuedRequest *head, *tail;
    pthread_t thread;
    bool finished;
};

/* What the sink callbacks need about the request being run. */
typedef struct RunContext {
    Channel *channel;
    const Message *request;
    bool allow_stdin;
} RunContext;

Interpreter *execution_interpreter(Kernel *kernel)
{
    pthread_mutex_lock(&kernel->interp_lock);
    while (!kernel->interp_started)
        pthread_cond_wait(&kernel->interp_ready, &kernel->interp_lock);
    Interpreter *interp = kernel->interp;
    pthread_mutex_unlock(&kernel->interp_lock);
    return interp;
}

int execution_enqueue(Kernel *kernel, const Message *request)
{
    ExecutionQueue *queue = kernel->queue;
    QueuedRequest *item = calloc(1, sizeof *item);
    if (!item || message_copy(request, &item->request) < 0) {
        free(item);
        return -1;
    }
    pthread_mutex_lock(&queue->lock);
    if (queue->tail)
        queue->tail->next = item;
    else
        queue->head = item;
    queue->tail = item;
    pthread_cond_signal(&queue->changed);
    pthread_mutex_unlock(&queue->lock);
    return 0;
}

/* Next request, or NULL when the kernel stops (wait: block until one comes). */
static QueuedRequest *dequeue(Kernel *kernel, bool wait)
{
    ExecutionQueue *queue = kernel->queue;
    pthread_mutex_lock(&queue->lock);
    while (wait && !queue->head && !atomic_load(&kernel->stopping))
        pthread_cond_wait(&queue->changed, &queue->lock);
    QueuedRequest *item = atomic_load(&kernel->stopping) ? NULL : queue->head;
    if (item) {
        queue->head = item->next;
        if (!queue->head)
            queue->tail = NULL;
    }
    pthread_mutex_unlock(&queue->lock);
    return item;
}

static void free_item(QueuedRequest *item)
{
    message_clear(&item->request);
    free(item);
}

void handle_execute(Channel *channel, const Message *request)
{
    if (execution_enqueue(channel->kernel, request) < 0)
        log_error("cannot queue an execute request (out of memory)");
}

/* ---- the sink: a running cell's outputs become iopub / stdin messages ---- */

static void sink_stream(void *context, const char *name, const char *text, size_t size)
{
    RunContext *run = context;
    channel_publish(run->channel, run->request, "stream",
                    json_pack("{s:s, s:s%}", "name", name, "text", text, size));
}

static void sink_display(void *context, json_t *data, json_t *metadata, const char *display_id, bool update)
{
    RunContext *run = context;
    json_t *transient = display_id ? json_pack("{s:s}", "display_id", display_id) : json_object();
    /* data and metadata are borrowed from the interpreter. */
    json_t *content = json_pack("{s:o, s:o, s:o}", "data", data ? json_incref(data) : json_object(),
                                "metadata", metadata ? json_incref(metadata) : json_object(),
                                "transient", transient);
    channel_publish(run->channel, run->request, update ? "update_display_data" : "display_data", content);
}

static void sink_clear_output(void *context, bool wait)
{
    RunContext *run = context;
    channel_publish(run->channel, run->request, "clear_output", json_pack("{s:b}", "wait", wait));
}

static char *sink_input(void *context, const char *prompt, bool password)
{
    RunContext *run = context;
    if (!run->allow_stdin)
        return NULL;
    return stdin_request_input(run->channel->kernel, run->request, prompt, password);
}

/* ---- one execute request ---- */

static void publish_error(Channel *channel, const Message *request, const char *ename,
                          const char *evalue, json_t *traceback)
{
    channel_publish(channel, request, "error",
                    json_pack("{s:s, s:s, s:O}", "ename", ename, "evalue", evalue, "traceback", traceback));
}

static json_t *error_reply(int count, const char *ename, const char *evalue, json_t *traceback)
{
    return json_pack("{s:s, s:i, s:s, s:s, s:O}", "status", "error", "execution_count", count,
                     "ename", ename, "evalue", evalue, "traceback", traceback);
}

static void store_output(History *history, int count, const ExecuteOutcome *outcome)
{
    const char *text = json_string_value(json_object_get(outcome->result_data, "text/plain"));
    if (text)
        history_store_output(history, count, text);
}

/* Turns the outcome into iopub messages and the reply content.  Returns
 * true when queued requests must be aborted (an error under stop_on_error). */
static bool finish(Channel *channel, const Message *request, int count, bool silent, int rc,
                   ExecuteOutcome *outcome, json_t **reply)
{
    bool stop_on_error = message_bool(request, "stop_on_error", 1);
    if (rc < 0 || outcome->status == EXECUTE_ERROR) {
        json_t *traceback = outcome->traceback ? json_incref(outcome->traceback) : json_array();
        const char *ename = rc < 0 ? "KernelError" : (outcome->ename ? outcome->ename : "Error");
        const char *evalue = rc < 0 ? "the interpreter failed to run the cell"
                                    : (outcome->evalue ? outcome->evalue : "");
        publish_error(channel, request, ename, evalue, traceback);
        *reply = error_reply(count, ename, evalue, traceback);
        json_decref(traceback);
        return stop_on_error;
    }
    if (outcome->status == EXECUTE_ABORTED) {
        *reply = json_pack("{s:s, s:i}", "status", "aborted", "execution_count", count);
        return stop_on_error;
    }
    if (outcome->result_data && !silent) {
        json_t *metadata = outcome->result_metadata ? json_incref(outcome->result_metadata) : json_object();
        channel_publish(channel, request, "execute_result",
                        json_pack("{s:i, s:O, s:o}", "execution_count", count, "data",
                                  outcome->result_data, "metadata", metadata));
        store_output(channel->kernel->history, count, outcome);
    }
    json_t *payload = outcome->payload ? json_incref(outcome->payload) : json_array();
    *reply = json_pack("{s:s, s:i, s:o, s:{}}", "status", "ok", "execution_count", count, "payload",
                       payload, "user_expressions");
    return false;
}

static QueuedRequest *take_queued(Kernel *kernel);
static void abort_requests(Channel *channel, QueuedRequest *item);

static void run_request(Channel *channel, const Message *request, int *execution_count)
{
    Kernel *kernel = channel->kernel;
    const char *code = message_string(request, "code", "");
    bool silent = message_bool(request, "silent", 0);
    bool store_history = !silent && message_bool(request, "store_history", 1);
    if (store_history)
        ++*execution_count;
    int count = *execution_count;
    channel_status(channel, request, "busy");
    if (!silent)
        channel_publish(channel, request, "execute_input",
                        json_pack("{s:s, s:i}", "code", code, "execution_count", count));
    if (store_history)
        history_store(kernel->history, count, code);

    RunContext run = {channel, request, message_bool(request, "allow_stdin", 1)};
    ExecuteSink sink = {&run, sink_stream, sink_display, sink_clear_output, sink_input};
    ExecuteOutcome outcome = {0};
    Interpreter *interp = execution_interpreter(kernel);
    int rc = interp ? interpreter_execute(interp, code, count, silent, run.allow_stdin, &sink, &outcome) : -1;
    json_t *reply = NULL;
    bool abort_queue = finish(channel, request, count, silent, rc, &outcome, &reply);
    execute_outcome_clear(&outcome);
    if (!abort_queue && interp && json_object_get(reply, "user_expressions"))
        json_object_set_new(reply, "user_expressions",
                            user_expressions_evaluate(interp, json_object_get(request->content, "user_expressions"),
                                                      &sink));
    QueuedRequest *aborted = abort_queue ? take_queued(kernel) : NULL;
    channel_reply(channel, request, "execute_reply", reply);
    channel_status(channel, request, "idle");
    abort_requests(channel, aborted);
}

/* stop_on_error: takes every execute request queued so far.  Called before
 * the failing request's reply goes out: a request the client sends after
 * seeing that reply must run, not be aborted. */
static QueuedRequest *take_queued(Kernel *kernel)
{
    ExecutionQueue *queue = kernel->queue;
    pthread_mutex_lock(&queue->lock);
    QueuedRequest *taken = queue->head;
    queue->head = queue->tail = NULL;
    pthread_mutex_unlock(&queue->lock);
    return taken;
}

/* Each taken request is answered "aborted" (with busy / idle around it). */
static void abort_requests(Channel *channel, QueuedRequest *item)
{
    while (item) {
        QueuedRequest *next = item->next;
        channel_status(channel, &item->request, "busy");
        channel_reply(channel, &item->request, "execute_reply", json_pack("{s:s}", "status", "aborted"));
        channel_status(channel, &item->request, "idle");
        free_item(item);
        item = next;
    }
}

static void start_interpreter(Kernel *kernel)
{
    Interpreter *interp = interpreter_new(kernel->work_dir);
    if (!interp)
        log_error("the interpreter did not start: cells cannot run");
    else
        assistants_attach(interp);
    pthread_mutex_lock(&kernel->interp_lock);
    kernel->interp = interp;
    kernel->interp_started = true;
    pthread_cond_broadcast(&kernel->interp_ready);
    pthread_mutex_unlock(&kernel->interp_lock);
}

/* Serves the queue until the kernel stops. */
static void serve(Kernel *kernel)
{
    Channel channel;
    void *replies = zmq_socket(kernel->context, ZMQ_PUSH);
    if (!replies || zmq_connect(replies, INPROC_SHELL_REPLIES) < 0 ||
        channel_open(&channel, kernel, "execution", replies) < 0) {
        /* After a shutdown during start-up this is expected (ETERM). */
        if (!atomic_load(&kernel->stopping))
            log_error("execution: cannot open its sockets");
        if (replies)
            zmq_close(replies);
        return;
    }
    int linger = 0, execution_count = 0;
    zmq_setsockopt(replies, ZMQ_LINGER, &linger, sizeof linger);
    QueuedRequest *item;
    while ((item = dequeue(kernel, true))) {
        run_request(&channel, &item->request, &execution_count);
        free_item(item);
    }
    channel_close(&channel);
    zmq_close(replies);
}

static void *execution_thread(void *arg)
{
    Kernel *kernel = arg;
    start_interpreter(kernel);
    serve(kernel);
    /* The stdin socket belongs to this thread. */
    zmq_close(kernel->sockets[CHANNEL_STDIN]);
    kernel->sockets[CHANNEL_STDIN] = NULL;
    pthread_mutex_lock(&kernel->queue->lock);
    kernel->queue->finished = true;
    pthread_cond_broadcast(&kernel->queue->changed);
    pthread_mutex_unlock(&kernel->queue->lock);
    return NULL;
}

int execution_start(Kernel *kernel)
{
    ExecutionQueue *queue = calloc(1, sizeof *queue);
    if (!queue)
        return -1;
    pthread_mutex_init(&queue->lock, NULL);
    pthread_cond_init(&queue->changed, NULL);
    kernel->queue = queue;
    if (pthread_create(&queue->thread, NULL, execution_thread, kernel) != 0) {
        kernel->queue = NULL;
        free(queue);
        return -1;
    }
    return 0;
}

int execution_stop(Kernel *kernel, int timeout_ms)
{
    ExecutionQueue *queue = kernel->queue;
    if (!queue)
        return 0;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&queue->lock);
    pthread_cond_broadcast(&queue->changed);
    int rc = 0;
    while (!queue->finished && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&queue->changed, &queue->lock, &deadline);
    bool finished = queue->finished;
    pthread_mutex_unlock(&queue->lock);
    if (!finished) {
        log_error("the running cell did not stop; leaving it behind");
        return -1;
    }
    pthread_join(queue->thread, NULL);
    for (QueuedRequest *item = queue->head, *next; item; item = next) {
        next = item->next;
        free_item(item);
    }
    pthread_mutex_destroy(&queue->lock);
    pthread_cond_destroy(&queue->changed);
    free(queue);
    kernel->queue = NULL;
    return 0;
}
