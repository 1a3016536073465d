// SPDX-License-Identifier: BSD-3-Clause
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
 * A task is cut into a fixed number of parts (a few per thread), and each
 * part has a home: thread t (the caller is thread 0) first claims its own
 * parts t*k .. t*k+k-1, then takes over the parts others have not started,
 * from the end.  Which thread computes a part never changes what the part
 * computes, so results stay the same run after run.  Homes keep data where
 * it was made: the same slice of a layer or of Adam's state goes to the
 * same core step after step, so it stays in that core's cache (claiming
 * parts in plain order moved them between the cores, and Adam with two
 * threads was slower than with one).  Taking over keeps the pool robust:
 * a worker that the system has not scheduled (the machine is shared: a
 * build, the notebook's kernel) only leaves its parts to the caller instead
 * of stalling the step (with fixed halves an epoch took 10x longer under
 * such load).  One
 * dispatcher at a time: a nested call, or a second thread while one
 * dispatches, runs its work on its own thread in one part instead of
 * waiting.
 *
 * The thread count is set_num_threads(n), else CNB_NUM_THREADS, else
 * OPENBLAS_NUM_THREADS or OMP_NUM_THREADS (a user who limited those meant
 * it for us too), else the CPUs this process may run on (at most 8: the
 * layers of the lessons' models do not gain from more): the affinity mask,
 * and the CPU quota of its cgroup (cpu_quota.h), whichever allows fewer.
 * More threads than the quota's CPUs would only be throttled, and a
 * throttled worker holds up every step until the next quota period. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "core/parallel.h"
#include "core/cpu_quota.h"
#include "core/machine_load.h"
#include "host/error_internal.h"
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
    atomic_ullong unclaimed;      /* bit p: part p of the current task is not started */
    int parts, parts_per_thread;  /* of the current task */
    atomic_int done;              /* parts finished (a futex word) */
    atomic_int sleepers;          /* workers asleep on generation */
    atomic_bool caller_sleeps;    /* the dispatcher asleep on done */
    atomic_bool stop;
    ParallelFn *fn;
    void *context;
    _Atomic(BackgroundJob *) background;  /* done in idle moments */
    atomic_int background_running;         /* threads inside one of its pieces */
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

bool parallel_background_start(BackgroundJob *job)
{
    BackgroundJob *none = NULL;
    return pool.workers > 0 && atomic_compare_exchange_strong(&pool.background, &none, job);
}

void parallel_background_stop(BackgroundJob *job)
{
    BackgroundJob *mine = job;
    if (!atomic_compare_exchange_strong(&pool.background, &mine, NULL))
        return;
    /* a thread that saw the job before it went is still inside a piece */
    while (atomic_load(&pool.background_running) > 0)
        cpu_relax();
}

bool parallel_background_piece(void)
{
    if (!atomic_load_explicit(&pool.background, memory_order_relaxed))
        return false;
    atomic_fetch_add(&pool.background_running, 1);
    BackgroundJob *job = atomic_load(&pool.background);
    bool did = job && job->piece(job->context);
    atomic_fetch_sub(&pool.background_running, 1);
    return did;
}

/* Spins until *word != seen or SPIN_NS pass without work; true if it
 * changed.  Meanwhile: pieces of the background job. */
static bool spin_while_equal(atomic_uint *word, unsigned seen)
{
    int64_t start = 0;
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != seen)
            return true;
        if (parallel_background_piece()) {
            start = 0;            /* busy, not idle: no sleeping yet */
            continue;
        }
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

/* Claims a part: its own ones first (home = self), then the others' from
 * the end; -1 when none is left.  Bits are only set for the parts of the
 * current task, and the task cannot finish before a claimed part does, so
 * the task's fields (fn, context, parts) are safe to read after a claim,
 * even by a worker that woke for an earlier task. */
static int claim_part(int self)
{
    int k = pool.parts_per_thread;
    unsigned long long home = self * k < 64 ? (~0ull >> (64 - k)) << (self * k) : 0;
    for (;;) {
        unsigned long long free_parts = atomic_load(&pool.unclaimed);
        if (!free_parts)
            return -1;
        unsigned long long mine = free_parts & home;
        int p = mine ? __builtin_ctzll(mine) : 63 - __builtin_clzll(free_parts);
        unsigned long long bit = 1ull << p;
        if (atomic_fetch_and(&pool.unclaimed, ~bit) & bit)
            return p;
    }
}

static void run_parts(int self)
{
    for (int p; (p = claim_part(self)) >= 0;) {
        int parts = pool.parts;
        csr_set(pool.csr);
        pool.fn(pool.context, p, parts);
        if (atomic_fetch_add(&pool.done, 1) + 1 == parts && atomic_load(&pool.caller_sleeps))
            futex(&pool.done, FUTEX_WAKE_PRIVATE, 1);
    }
}

static void *worker_main(void *arg)
{
    int self = (int)(intptr_t)arg;
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
        run_parts(self);
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
        if (parallel_background_piece())
            continue;
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
    atomic_store(&pool.unclaimed, 0);
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    for (int i = 0; i < count; i++) {
        if (pthread_create(&pool.thread[i], NULL, worker_main, (void *)(intptr_t)(i + 1))) {
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
    int quota = cgroup_cpu_limit("");
    if (quota > 0 && quota < n)
        n = quota;
    return n < 1 ? 1 : n > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS : n;
}

/* A forked child has none of the parent's workers: start afresh. */
static void after_fork_in_child(void)
{
    pool.workers = 0;
    atomic_store(&pool.busy, false);
    atomic_store(&pool.sleepers, 0);
    atomic_store(&pool.stop, false);
    /* the parent's background job is not the child's to run */
    atomic_store(&pool.background, NULL);
    atomic_store(&pool.background_running, 0);
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

bool parallel_runs_alone(void)
{
    return get_num_threads() == 1 || machine_seen_full();
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
 * cost 10% of an epoch.
 *
 * Slowness without stalls is found by trying: now and then (after 4
 * windows of 256 tasks, then every 64) a window runs alone, and if that
 * was 10% faster per task than the last window with the workers, the next
 * 4096 tasks run alone too before the workers get another window and
 * another comparison.  On this project's VM a process with two threads at
 * times ran 2.4x slower than usual for its whole life (0.79 s an epoch
 * where a one-thread process next to it took 0.50 s), without a single
 * stall; trying costs a quiet machine under 1%. */
#define STALL_NS 1000000
#define STALL_WINDOW 256
#define STALL_LIMIT 3
#define ALONE_TASKS 1024
#define ALONE_TASKS_MAX 65536     /* the longest stall-started spell (about two epochs) */
#define FIRST_PROBE 4             /* windows before the first trial alone */
#define PROBE_EVERY 64            /* windows between later ones */
#define ALONE_SPELL 4096          /* tasks alone when that was faster */
#define ALONE_FASTER 0.9

typedef struct LoadState {
    int tasks, stalls;            /* in the current window */
    int64_t busy;                 /* its tasks' time */
    int alone;                    /* tasks left to run alone */
    int spell;                    /* tasks alone after the next stalls (backs off) */
    int windows, probe_at;        /* windows with the workers, and when to try alone */
    double pooled;                /* ns per task in the last window with the workers */
    bool probing;                 /* the alone tasks are a trial */
    int64_t probe_busy;
    int threads;                  /* the count all this was learnt for */
} LoadState;

static LoadState load;

static void note_task(int64_t busy, int64_t waited)
{
    if (waited > STALL_NS)
        load.stalls++;
    load.busy += busy;
    if (load.stalls >= STALL_LIMIT) {
        load.alone = load.spell;
        /* stalls again in the first window after a spell: the machine is
         * still oversubscribed (a class's kernels all training), so the
         * next spell is twice as long; each try with the workers costs the
         * other kernels the cores its spinning takes */
        if (load.spell < ALONE_TASKS_MAX)
            load.spell *= 2;
        load.stalls = load.tasks = 0;
        load.busy = 0;
    } else if (++load.tasks == STALL_WINDOW) {
        load.spell = ALONE_TASKS;  /* a whole window without stalls: back to short spells */
        load.pooled = (double)load.busy / STALL_WINDOW;
        load.stalls = load.tasks = 0;
        load.busy = 0;
        if (++load.windows >= load.probe_at) {
            load.windows = 0;
            load.probe_at = PROBE_EVERY;
            load.alone = STALL_WINDOW;
            load.probing = true;
            load.probe_busy = 0;
        }
    }
}

/* A task run alone; at the end of a trial, the comparison. */
static void note_alone(int64_t busy)
{
    load.alone--;
    if (!load.probing)
        return;
    load.probe_busy += busy;
    if (load.alone > 0)
        return;
    load.probing = false;
    if ((double)load.probe_busy / STALL_WINDOW < ALONE_FASTER * load.pooled) {
        load.alone = ALONE_SPELL;
        load.probe_at = 1;        /* one window with the workers, then try again */
    }
}

void parallel_run(ParallelFn *fn, void *context, int parts_per_thread)
{
    int threads = get_num_threads();
    if (parts_per_thread <= 0 || threads == 1) {
        fn(context, 0, 1);
        return;
    }
    if (threads * parts_per_thread > 64)
        parts_per_thread = threads < 64 ? 64 / threads : 1;   /* the 64 bits of unclaimed */
    int parts = threads * parts_per_thread;
    bool expected = false;
    if (!atomic_compare_exchange_strong(&pool.busy, &expected, true)) {
        run_alone(fn, context, parts);       /* nested, or another thread dispatches */
        return;
    }
    if (load.threads != threads)  /* another thread count: learn afresh */
        load = (LoadState){ .probe_at = FIRST_PROBE, .spell = ALONE_TASKS, .threads = threads };
    /* Other kernels fill the cores: our workers would only take turns
     * with them (machine_load.h). */
    int own_running = 1 + pool.workers - atomic_load(&pool.sleepers);
    int64_t arrived = now_ns();
    if (machine_full(own_running, arrived)) {
        run_alone(fn, context, parts);
        atomic_store(&pool.busy, false);
        return;
    }
    if (load.alone > 0) {
        run_alone(fn, context, parts);
        note_alone(now_ns() - arrived);
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
    pool.fn = fn;
    pool.context = context;
    pool.parts = parts;
    pool.parts_per_thread = parts_per_thread;
    pool.csr = csr_get();
    atomic_store(&pool.done, 0);
    atomic_store(&pool.unclaimed, ~0ull >> (64 - parts));
    int64_t begin = now_ns();
    publish();
    run_parts(0);
    int64_t start = now_ns();
    wait_for_parts(parts);
    int64_t end = now_ns();
    note_task(end - begin, end - start);
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
