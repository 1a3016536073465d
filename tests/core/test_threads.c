// SPDX-License-Identifier: BSD-3-Clause
/* The runtime's compute threads: the thread count, and training that gives
 * the same numbers bit for bit on every run and with every thread count
 * (whichever kernel family OpenBLAS picks: run it with OPENBLAS_CORETYPE),
 * from two threads training at once, and after fork().
 *
 * The data are synthetic MNIST-like batches (784 pixels, about 20% of them
 * nonzero, so the first layer takes the sparse path; or all nonzero, as
 * normalized images, for the dense path), made here with a fixed seed. */
#include "cnb.h"
#include "core/parallel.h"        /* the pool itself (runtime/, see tests.am) */
#include "core/machine_load.h"    /* whether the pool saw the machine full */
#include "../tap.h"

#include <dirent.h>
#include <signal.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEPS 12
#define PIXELS 784

typedef struct Snapshot {
    float *values;                /* every parameter, in state_dict order */
    size_t count;
    double loss;
} Snapshot;

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* A batch of `rows` sparse (or dense) images and their labels; the same
 * for a seed. */
static void make_batch(Tensor *x, Tensor *y, int rows, uint32_t seed, bool dense)
{
    float *px = tensor_data(x), *py = tensor_data(y);
    for (int i = 0; i < rows * PIXELS; i++)
        px[i] = dense || next_random(&seed) % 5 == 0
                    ? (float)(next_random(&seed) % 255 + 1) / 255.0f : 0;
    for (int r = 0; r < rows; r++)
        py[r] = (float)(next_random(&seed) % 10);
}

/* The lesson's MLP, initialized from manual_seed(0). */
static Model *lesson_mlp(void)
{
    manual_seed(0);
    return sequential(flatten(), linear(PIXELS, 256), relu(), linear(256, 128), relu(),
                      linear(128, 64), relu(), linear(64, 10));
}

/* How a run trains: batches of `rows`, a last one of last_rows (as the end
 * of an epoch), sparse or dense images. */
typedef struct Shape {
    int rows, last_rows;
    bool dense;
} Shape;

#define PREDICT_ROWS 1000         /* an evaluation batch, after training */

static void snapshot_parameters(Snapshot *snap, Model *m)
{
    snap->count = model_parameter_count(m);
    snap->values = malloc((snap->count + PREDICT_ROWS * 10) * sizeof(float));
    size_t at = 0;
    for (int i = 0; i < model_parameter_tensors(m); i++) {
        Tensor *p = model_parameter(m, i, NULL);
        memcpy(snap->values + at, tensor_cdata(p), tensor_numel(p) * sizeof(float));
        at += tensor_numel(p);
    }
}

/* The logits of a tall no-grad batch, appended to the snapshot's values. */
static void snapshot_predictions(Snapshot *snap, Model *m, bool dense)
{
    Tensor *x = tensor(PREDICT_ROWS, PIXELS), *y = tensor(PREDICT_ROWS);
    make_batch(x, y, PREDICT_ROWS, 999, dense);
    const Tensor *logits = model_predict(m, x);
    memcpy(snap->values + snap->count, tensor_cdata(logits), PREDICT_ROWS * 10 * sizeof(float));
    snap->count += PREDICT_ROWS * 10;
    tensor_free(x);
    tensor_free(y);
}

/* Adam on model m for STEPS steps; the parameters and a tall batch's
 * logits afterwards. */
static Snapshot train_model(Model *m, Shape shape)
{
    Loss *loss = cross_entropy_loss();
    Optimizer *opt = adam(m, .lr = 0.001);
    Snapshot snap = { 0 };
    for (int s = 0; s < STEPS; s++) {
        int n = s == STEPS - 1 ? shape.last_rows : shape.rows;
        Tensor *x = tensor(n, PIXELS), *y = tensor(n);
        make_batch(x, y, n, (uint32_t)s + 1, shape.dense);
        optimizer_zero_grad(opt);
        Tensor *value = loss_forward(loss, model_forward(m, x), y);
        loss_backward(value);
        optimizer_step(opt);
        snap.loss = tensor_item(value);
        tensor_free(x);
        tensor_free(y);
    }
    snapshot_parameters(&snap, m);
    snapshot_predictions(&snap, m, shape.dense);
    optimizer_free(opt);
    loss_free(loss);
    model_free(m);
    return snap;
}

static Snapshot train(int rows, int last_rows)
{
    return train_model(lesson_mlp(), (Shape){ rows, last_rows, false });
}

static bool identical(Snapshot a, Snapshot b)
{
    return a.count == b.count && memcmp(a.values, b.values, a.count * sizeof(float)) == 0;
}

static double worst_difference(Snapshot a, Snapshot b)
{
    double worst = a.count == b.count ? 0 : INFINITY;
    for (size_t i = 0; i < a.count && i < b.count; i++)
        worst = fmax(worst, fabs((double)a.values[i] - (double)b.values[i]));
    return worst;
}

typedef struct Trainer {
    Model *model;
    Snapshot result;
} Trainer;

static void *train_in_thread(void *arg)
{
    Trainer *t = arg;
    t->result = train_model(t->model, (Shape){ 64, 32, false });
    return NULL;
}

static void test_thread_count(void)
{
    is_int(get_num_threads(), 3, "CNB_NUM_THREADS=3 (set before the first use) is the default");
    ok(set_num_threads(0) == -1, "set_num_threads(0) fails");
    ok(strstr(cnb_last_error(), "choose 1 to") != NULL, "and says why: %s", cnb_last_error());
    ok(set_num_threads(65) == -1, "set_num_threads(65) fails");
    is_int(get_num_threads(), 3, "a refused count changes nothing");
    ok(set_num_threads(2) == 0, "set_num_threads(2)");
    is_int(get_num_threads(), 2, "get_num_threads() is 2");
}

/* Every thread count gives one thread's numbers bit for bit: the
 * lesson's batches with a short last one, odd batch sizes (tiles cut
 * unevenly between threads), dense inputs (the first layer's products
 * through OpenBLAS) and larger batches (products cut into rows). */
static void test_same_numbers(void)
{
    const Shape shapes[] = { { 64, 64, false }, { 64, 32, false }, { 100, 37, false },
                             { 64, 32, true }, { 200, 130, true } };
    const int counts[] = { 2, 3, 4 };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        Shape shape = shapes[s];
        set_num_threads(1);
        Snapshot one = train_model(lesson_mlp(), shape);
        for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
            set_num_threads(counts[c]);
            Snapshot many = train_model(lesson_mlp(), shape);
            ok(identical(one, many), "%d-row batches (last %d, %s): %d threads give 1 thread's "
               "parameters and logits bit for bit (worst difference %g)", shape.rows,
               shape.last_rows, shape.dense ? "dense" : "sparse", counts[c],
               worst_difference(one, many));
            free(many.values);
        }
        free(one.values);
    }
    set_num_threads(2);
    Snapshot two = train(64, 32), again = train(64, 32);
    ok(identical(two, again), "2 threads: the same parameters on every run");
    ok(isfinite(two.loss) && two.loss < 2.5, "the loss is a sane number (%g)", two.loss);
    free(two.values), free(again.values);
}

/* Two threads of the program train at once: one gets the pool, the other
 * runs its parts alone; both get the numbers of a run on its own.  (The
 * models are made first: their initial weights come from the one default
 * generator, whose draws must not interleave.) */
static void test_two_trainers(void)
{
    set_num_threads(2);
    Snapshot alone = train(64, 32);
    Trainer a = { lesson_mlp(), { 0 } }, b = { lesson_mlp(), { 0 } };
    pthread_t ta, tb;
    pthread_create(&ta, NULL, train_in_thread, &a);
    pthread_create(&tb, NULL, train_in_thread, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ok(identical(a.result, alone) && identical(b.result, alone),
       "two models trained at once from two threads: each as when trained alone");
    free(alone.values), free(a.result.values), free(b.result.values);
}

/* A forked child has none of the parent's workers: it starts its own. */
static void test_fork(void)
{
    set_num_threads(2);
    Snapshot parent = train(64, 64);
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) {
        ok(0, "pipe");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        Snapshot child = train(64, 64);
        char same = identical(parent, child) ? 'y' : 'n';
        ssize_t written = write(pipe_fds[1], &same, 1);
        _exit(written == 1 ? 0 : 1);
    }
    char answer = 0;
    ssize_t got = read(pipe_fds[0], &answer, 1);
    int status = 0;
    waitpid(pid, &status, 0);
    ok(got == 1 && answer == 'y' && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "after fork() the child trains with its own workers, to the parent's numbers");
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    free(parent.values);
}

typedef struct Hits {
    atomic_int count[64];
    int parts;                    /* as the parts saw it */
} Hits;

static void count_part(void *context, int part, int parts)
{
    Hits *h = context;
    atomic_fetch_add(&h->count[part], 1);
    h->parts = parts;
}

/* Many tiny tasks back to back, with part counts that change from task to
 * task: a worker late from one task must never run a part of the next
 * (that once ran a part twice and hung the waiting caller). */
static void test_every_part_once(void)
{
    set_num_threads(2);
    int wrong = 0;
    for (int task = 0; task < 100000 && !wrong; task++) {
        Hits h = { .parts = 0 };
        int per_thread = 1 + task % 4;
        parallel_run(count_part, &h, per_thread);
        for (int p = 0; p < 64; p++)
            if (atomic_load(&h.count[p]) != (p < 2 * per_thread ? 1 : 0))
                wrong++;
        if (h.parts != 2 * per_thread)
            wrong++;
    }
    ok(!wrong, "100000 tasks of 2 to 8 parts: every part ran exactly once");
    /* more threads than cores, and more parts than the 64 that fit the
     * pool's claim word: the parts per thread shrink, each still runs once */
    const int counts[] = { 3, 8 };
    for (int c = 0; c < 2; c++) {
        int threads = counts[c];
        set_num_threads(threads);
        wrong = 0;
        for (int task = 0; task < 5000 && !wrong; task++) {
            Hits h = { .parts = 0 };
            int per_thread = 1 + task % 16;
            int expect = threads * (threads * per_thread > 64 ? 64 / threads : per_thread);
            parallel_run(count_part, &h, per_thread);
            for (int p = 0; p < 64; p++)
                if (atomic_load(&h.count[p]) != (p < expect ? 1 : 0))
                    wrong++;
            if (h.parts != expect)
                wrong++;
        }
        ok(!wrong, "%d threads, 5000 tasks of up to 16 parts per thread: every part ran once",
           threads);
    }
    set_num_threads(2);
}

/* The workers (named cnb-compute) block the signals a notebook's kernel
 * uses, so an interrupt always reaches the thread that runs the cell. */
static int count_compute_threads(void);

static void test_workers_block_signals(void)
{
    set_num_threads(2);
    /* The pool resizes itself on its next task that it does not run alone,
     * and a machine full of other work makes it run each task alone
     * (machine_load.h): train until it has resized, or say why it did not. */
    for (int attempt = 0; attempt < 100 && count_compute_threads() != 1; attempt++) {
        Snapshot warm = train(64, 64);
        free(warm.values);
        if (count_compute_threads() != 1)
            usleep(20000);
    }
    if (count_compute_threads() != 1 && machine_seen_full()) {
        skip("the machine stayed full of other work: the pool ran every task alone");
        skip("no resized pool to look at");
        return;
    }
    DIR *tasks = opendir("/proc/self/task");
    int workers = 0, blocking = 0;
    struct dirent *entry;
    while (tasks && (entry = readdir(tasks))) {
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *f = fopen(path, "r");
        bool worker = f && fgets(line, sizeof line, f) && strncmp(line, "cnb-compute", 11) == 0;
        if (f)
            fclose(f);
        if (!worker)
            continue;
        workers++;
        snprintf(path, sizeof path, "/proc/self/task/%s/status", entry->d_name);
        f = fopen(path, "r");
        unsigned long long blocked = 0;
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "SigBlk: %llx", &blocked) == 1)
                break;
        if (f)
            fclose(f);
        unsigned long long wanted = 1ull << (SIGINT - 1) | 1ull << (SIGTERM - 1) |
                                    1ull << (SIGALRM - 1) | 1ull << (SIGUSR1 - 1);
        blocking += (blocked & wanted) == wanted;
    }
    if (tasks)
        closedir(tasks);
    is_int(workers, 1, "with 2 threads, one worker thread named cnb-compute");
    is_int(blocking, workers, "which blocks SIGINT, SIGTERM, SIGALRM and SIGUSR1");
}

static int count_compute_threads(void)
{
    DIR *tasks = opendir("/proc/self/task");
    int workers = 0;
    struct dirent *entry;
    while (tasks && (entry = readdir(tasks))) {
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *f = fopen(path, "r");
        workers += f && fgets(line, sizeof line, f) && strncmp(line, "cnb-compute", 11) == 0;
        if (f)
            fclose(f);
    }
    if (tasks)
        closedir(tasks);
    return workers;
}

static void hung(int signal)
{
    (void)signal;
    printf("not ok - the test hung (a lost wake-up in the thread pool?)\n");
    _exit(1);
}

int main(void)
{
    signal(SIGALRM, hung);
    alarm(120);
    setenv("CNB_NUM_THREADS", "3", 1);
    test_thread_count();
    test_same_numbers();
    test_two_trainers();
    test_fork();
    test_every_part_once();
    test_workers_block_signals();
    return tap_done();
}
