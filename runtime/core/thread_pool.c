/* The runtime's persistent compute threads (see parallel.h).
 *
 * Workers wait for a generation counter to change: spinning first (the next
 * task of a training step usually comes within microseconds), then sleeping
 * on a futex, so an idle pool costs nothing and does not steal the core
 * the dataloader's thread or the notebook needs.  The spinning yields the
 * core every microsecond or so: when other processes occupy one of two
 * cores, the scheduler puts worker and caller on the same one, and a
 * worker spinning there took half of the caller's time (an epoch at 0.88 s
 * instead of 0.55 s; with the yield, 0.56 s).
 *
 * A task is cut into a fixed number of parts (a few per thread), and
 * every thread, the caller included, claims the next unclaimed part until
 * none is left.  Which thread computes a part never changes what the part
 * computes, so results stay the same run after run; but a worker that the
 * system has not scheduled (the machine is shared: a build, the notebook's
 * kernel) only leaves its parts to the caller instead of stalling the step
 * (with fixed halves an epoch took 10x longer under such load).  One
 * dispatcher at a time: a nested call, or a second thread while one
 * dispatches, runs its work on its own thread in one part instead of
 * waiting.
 *
 * The thread count is set_num_threads(n), else CNB_NUM_THREADS, else
 * OPENBLAS_NUM_THREADS or OMP_NUM_THREADS (a user who limited those meant
 * it for us too), else the CPUs this process may run on (at most 8: the
 * layers of the lessons' models do not gain from more). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "core/parallel.h"
#include "cnb/error.h"
#include "cnb/tensor.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#define csr_get() _mm_getcsr()
#define csr_set(v) _mm_setcsr(v)
#else
#define cpu_relax() ((void)0)
#define csr_get() 0u
#define csr_set(v) ((void)(v))
#endif

#define MAX_THREADS 64
#define DEFAULT_MAX_THREADS 8
/* How long a worker spins before it sleeps: longer than the gaps between
 * the products of a step, short against the time between steps. */
#define SPIN_NS 100000
/* How long the caller spins for parts still running elsewhere: short, so
 * that a worker sharing a core with it (a loaded machine) gets the core. */
#define CALLER_SPIN_NS 20000

static struct {
    atomic_int wanted;            /* threads asked for (0: not decided yet) */
    atomic_bool busy;             /* someone is dispatching */
    int workers;                  /* worker threads running (threads - 1) */
    pthread_t thread[MAX_THREADS];
    atomic_uint generation;       /* bumped for each task (a futex word) */
    atomic_ullong ticket;         /* generation, parts, next unclaimed part (TICKET) */
    atomic_int done;              /* parts finished (a futex word) */
    atomic_int sleepers;          /* workers asleep on generation */
    atomic_bool caller_sleeps;    /* the dispatcher asleep on done */
    atomic_bool stop;
    ParallelFn *fn;
    void *context;
    unsigned csr;                 /* the caller's FTZ/DAZ, for the workers */
} pool;

static long futex(void *word, int op, int value)
{
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins until *word != seen or SPIN_NS pass; true if it changed. */
static bool spin_while_equal(atomic_uint *word, unsigned seen)
{
    int64_t start = 0;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != seen)
            return true;
        cpu_relax();
        if (i % 64 == 0) {
            sched_yield();        /* to the caller, should they share a core */
            int64_t t = now_ns();
            if (!start)
                start = t;
            else if (t - start > SPIN_NS)
                return false;
        }
    }
}

/* The ticket says which task (generation), how many parts it has, and the
 * next unclaimed part; a part is claimed by moving the ticket on.  A claim
 * only succeeds while the ticket is still the task's and below its count,
 * so the task cannot finish before the claimed part: its fields (fn,
 * context) are safe to read after the claim.  (Checking the count after
 * the claim, from pool.parts, let a worker late from the previous task run
 * a part of the next one twice: the pipeline benchmark hung on it.) */
#define TICKET(generation, parts, next) \
    ((unsigned long long)(generation) << 32 | (unsigned long long)(parts) << 16 | (next))

static void run_parts(unsigned generation)
{
    for (;;) {
        unsigned long long t = atomic_load(&pool.ticket);
        unsigned next = (unsigned)(t & 0xffffu), parts = (unsigned)(t >> 16) & 0xffffu;
        if ((unsigned)(t >> 32) != generation || next >= parts)
            return;
        if (!atomic_compare_exchange_weak(&pool.ticket, &t, t + 1))
            continue;
        csr_set(pool.csr);
        pool.fn(pool.context, (int)next, (int)parts);
        if (atomic_fetch_add(&pool.done, 1) + 1 == (int)parts && atomic_load(&pool.caller_sleeps))
            futex(&pool.done, FUTEX_WAKE_PRIVATE, 1);
    }
}

static void *worker_main(void *arg)
{
    (void)arg;
    unsigned seen = 0;
    for (;;) {
        if (!spin_while_equal(&pool.generation, seen)) {
            atomic_fetch_add(&pool.sleepers, 1);
            while (atomic_load(&pool.generation) == seen)
                futex(&pool.generation, FUTEX_WAIT_PRIVATE, (int)seen);
            atomic_fetch_sub(&pool.sleepers, 1);
        }
        seen = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (atomic_load(&pool.stop))
            return NULL;
        run_parts(seen);
    }
}

static void publish(void)
{
    atomic_fetch_add(&pool.generation, 1);
    if (atomic_load(&pool.sleepers) > 0)
        futex(&pool.generation, FUTEX_WAKE_PRIVATE, INT_MAX);
}

/* Waits for the parts that workers claimed and still run. */
static void wait_for_parts(int parts)
{
    int64_t start = 0;
    for (unsigned i = 1; atomic_load(&pool.done) < parts; i++) {
        cpu_relax();
        if (i % 64 != 0)
            continue;
        sched_yield();            /* to the worker, should they share a core */
        int64_t t = now_ns();
        if (!start)
            start = t;
        if (t - start < CALLER_SPIN_NS)
            continue;
        atomic_store(&pool.caller_sleeps, true);
        int done = atomic_load(&pool.done);
        if (done < parts)
            futex(&pool.done, FUTEX_WAIT_PRIVATE, done);
        atomic_store(&pool.caller_sleeps, false);
    }
}

static void stop_workers(void)
{
    if (pool.workers == 0)
        return;
    atomic_store(&pool.stop, true);
    publish();
    for (int i = 0; i < pool.workers; i++)
        pthread_join(pool.thread[i], NULL);
    atomic_store(&pool.stop, false);
    pool.workers = 0;
}

/* Workers start with every signal blocked: a signal sent to the process
 * (the kernel's interrupt, a timer) must reach the notebook's own thread,
 * whose handler may jump out of a cell, never a compute thread. */
static void start_workers(int count)
{
    atomic_store(&pool.generation, 0);
    atomic_store(&pool.ticket, 0);
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    for (int i = 0; i < count; i++) {
        if (pthread_create(&pool.thread[i], NULL, worker_main, NULL)) {
            cnb_error("set_num_threads", "could not start a compute thread; using %d", i + 1);
            atomic_store(&pool.wanted, i + 1);
            break;
        }
        pthread_setname_np(pool.thread[i], "cnb-compute");   /* for top -H, gdb */
        pool.workers = i + 1;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static int parse_count(const char *name)
{
    const char *text = getenv(name);
    if (!text || !*text)
        return 0;
    char *end;
    long n = strtol(text, &end, 10);
    return *end == '\0' && n >= 1 && n <= MAX_THREADS ? (int)n : 0;
}

static int default_threads(void)
{
    const char *names[] = { "CNB_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        int n = parse_count(names[i]);
        if (n)
            return n;
    }
    cpu_set_t cpus;
    int n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus)
                                                         : (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS : n;
}

/* A forked child has none of the parent's workers: start afresh. */
static void after_fork_in_child(void)
{
    pool.workers = 0;
    atomic_store(&pool.busy, false);
    atomic_store(&pool.sleepers, 0);
    atomic_store(&pool.stop, false);
}

int get_num_threads(void)
{
    int n = atomic_load(&pool.wanted);
    if (n == 0) {
        int expected = 0;
        atomic_compare_exchange_strong(&pool.wanted, &expected, default_threads());
        n = atomic_load(&pool.wanted);
    }
    return n;
}

int set_num_threads(int n)
{
    if (n < 1 || n > MAX_THREADS)
        return cnb_error("set_num_threads", "%d threads: choose 1 to %d", n, MAX_THREADS);
    atomic_store(&pool.wanted, n);   /* the next parallel_run starts or stops workers */
    return 0;
}

/* Runs every part on the calling thread: the same cuts, so the same numbers. */
static void run_alone(ParallelFn *fn, void *context, int parts)
{
    for (int p = 0; p < parts; p++)
        fn(context, p, parts);
}

/* A machine busier than its cores (other processes) preempts workers in the
 * middle of a part, and the caller then waits a scheduler time slice for
 * it: two threads get slower than one (1.5-2x per epoch at load 3 on two
 * cores).  So a caller that waited that long three times in a short while
 * runs the next tasks alone (the same parts, so the same numbers), then
 * tries the workers again.  Even a quiet machine has a few such stalls per
 * epoch; reacting to two in 64 tasks ran a quarter of the tasks alone and
 * cost 10% of an epoch. */
#define STALL_NS 1000000
#define STALL_WINDOW 256
#define STALL_LIMIT 3
#define ALONE_TASKS 1024

static struct {
    int tasks, stalls;            /* in the current window */
    int alone;                    /* tasks left to run alone */
} load;

static void note_wait(int64_t waited)
{
    if (waited > STALL_NS)
        load.stalls++;
    if (load.stalls >= STALL_LIMIT) {
        load.alone = ALONE_TASKS;
        load.stalls = load.tasks = 0;
    } else if (++load.tasks == STALL_WINDOW) {
        load.stalls = load.tasks = 0;
    }
}

void parallel_run(ParallelFn *fn, void *context, int parts_per_thread)
{
    int threads = get_num_threads();
    if (parts_per_thread > 16)
        parts_per_thread = 16;    /* parts fit the ticket's 16 bits */
    if (parts_per_thread <= 0 || threads == 1) {
        fn(context, 0, 1);
        return;
    }
    int parts = threads * parts_per_thread;
    bool expected = false;
    if (!atomic_compare_exchange_strong(&pool.busy, &expected, true)) {
        run_alone(fn, context, parts);       /* nested, or another thread dispatches */
        return;
    }
    if (load.alone > 0) {
        load.alone--;
        run_alone(fn, context, parts);
        atomic_store(&pool.busy, false);
        return;
    }
    static bool fork_handler;
    if (!fork_handler) {
        pthread_atfork(NULL, NULL, after_fork_in_child);
        fork_handler = true;
    }
    if (pool.workers != threads - 1) {
        stop_workers();
        start_workers(threads - 1);
    }
    parts = (pool.workers + 1) * parts_per_thread;
    unsigned generation = atomic_load(&pool.generation) + 1;
    pool.fn = fn;
    pool.context = context;
    pool.csr = csr_get();
    atomic_store(&pool.done, 0);
    atomic_store(&pool.ticket, TICKET(generation, parts, 0));
    publish();
    run_parts(generation);
    int64_t start = now_ns();
    wait_for_parts(parts);
    note_wait(now_ns() - start);
    atomic_store(&pool.busy, false);
}

void parallel_slice(size_t n, int part, int parts, size_t align, size_t *lo, size_t *hi)
{
    size_t units = (n + align - 1) / align;
    size_t a = units * (size_t)part / (size_t)parts * align;
    size_t b = units * (size_t)(part + 1) / (size_t)parts * align;
    *lo = a < n ? a : n;
    *hi = b < n ? b : n;
}
