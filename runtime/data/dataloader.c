// SPDX-License-Identifier: BSD-3-Clause
/* The dataloader: batches of a dataset in PyTorch's order, the next batch
 * prepared on a background thread while the current one trains.
 *
 * Order, as torch 1.13's DataLoader (num_workers=0) with the same seed:
 * each epoch draws the iterator's base seed from the default generator;
 * with shuffle, RandomSampler then draws a seed, seeds a generator of its
 * own with it and takes randperm(n) from that; each item's random transform
 * numbers are drawn from the default generator, item by item.  The draws
 * happen here, in the caller's thread, in that order; the worker thread only
 * copies and transforms.  (The numbers for batch b+1 are drawn when batch b
 * is handed out, i.e. before b's training step rather than after it: the
 * streams match PyTorch's as long as the training step draws nothing, as in
 * the lesson.)
 *
 * Who prepares the next batch: a batch is a list of items claimed one at a
 * time (an atomic counter), by the loader's own thread, by the runtime's
 * compute threads in their idle moments during the training step (a
 * background job of the thread pool), and by the caller itself if the
 * batch is not complete when it asks for it.  On a machine whose cores all
 * compute, the loader's thread only gets a core by taking it from the
 * step, and the caller then waited ~30 us per batch for it to be scheduled;
 * idle compute threads fill the batch in time instead. */
#include "data/dataset_impl.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/error_internal.h"
#include "cnb/host.h"
#include "cnb/random.h"
#include "data/dataloader_device.h"
#include "data/transform_impl.h"
#include "core/parallel.h"
#include "core/tensor_impl.h"     /* tensor_forget_device */

/* One batch in the making: two slots for full batches (the one the caller
 * holds and the one being prepared), a third for a last, smaller batch. */
typedef struct Slot {
    Tensor *data, *target;
    int size;                   /* items the tensors hold */
    float *params;              /* size x param_count drawn random numbers */
    int param_count;            /* per item, as params was sized for */
    size_t batch;               /* which batch of the epoch is (being) prepared */
    /* Filling: items are claimed from next_item (NOT_OPEN while the slot
     * is being set up, so that a late claim finds nothing) */
    atomic_int next_item;
    atomic_int items_done;
    atomic_bool failed;
    char error[512];            /* the first failing item's message */
} Slot;

#define NOT_OPEN (INT_MAX / 2)

struct DataLoader {
    ObjectHeader header;        /* first: the check word (host/object.h) */
    Dataset *dataset;
    int batch_size;
    bool shuffle, drop_last;
    /* This epoch: the transform is held, so replacing the dataset's
     * transform mid-epoch cannot pull it from under the worker. */
    Transform *transform;
    int param_count;            /* random numbers one item's transform draws */
    size_t n, num_batches, last_size;
    int64_t *order;
    size_t capacity;            /* of order */
    bool in_epoch;
    size_t next;                /* the batch the next call hands out */
    Slot slots[3];
    _Atomic(Slot *) filling;    /* the slot whose items are being claimed */
    BackgroundJob background;   /* its items as the thread pool's background job */
    bool background_on;
    /* The worker thread (started on first use, for thread-safe datasets). */
    bool threaded, thread_started, quit;
    bool posted;                /* a batch to fill since the thread last looked */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    /* Where the batches are made: on the GPU once the user moves them
     * there (and the dataset and transform allow it, device_possible),
     * back on the CPU once the user moves them back. */
    Slot *handed;               /* the slot of the batch handed out last */
    bool device_possible, on_device;
    DeviceBatches device;
    struct DataLoader *live_next;   /* every loader, for the fork handlers */
};

static bool loader_dead(const DataLoader *l, const char *function)
{
    return object_dead(l, OBJECT_DATALOADER, function);
}

static size_t batches_for(size_t n, int batch_size, bool drop_last)
{
    return drop_last ? n / (size_t)batch_size : (n + (size_t)batch_size - 1) / (size_t)batch_size;
}

static Slot *slot_for(DataLoader *l, size_t batch)
{
    if (batch + 1 == l->num_batches && l->last_size != (size_t)l->batch_size)
        return &l->slots[2];
    return &l->slots[batch % 2];
}

static void slot_release(Slot *s)
{
    tensor_destroy(s->data);
    tensor_destroy(s->target);
    free(s->params);
    s->data = s->target = NULL;
    s->params = NULL;
    s->size = s->param_count = 0;
}

/* Gives the slot tensors for size items on the cpu (a caller may have moved
 * the last batch it got to another device). */
static int slot_prepare(DataLoader *l, Slot *s, int size)
{
    if (s->data && s->size == size && s->param_count == l->param_count) {
        /* overwritten here: nothing to copy back; the device blocks stay
         * for the caller's next tensor_to(CUDA) */
        tensor_forget_device(s->data);
        tensor_forget_device(s->target);
        return 0;
    }
    slot_release(s);
    const Dataset *d = l->dataset;
    int shape[CNB_MAX_DIMS] = {size};
    for (int i = 0; i < d->ndim; i++)
        shape[i + 1] = d->shape[i];
    s->data = tensor_owned_by(tensor_new(shape, d->ndim + 1), TENSOR_OWNER_LOADER);
    s->target = tensor_owned_by(tensor_new((int[]){size}, 1), TENSOR_OWNER_LOADER);
    s->params = malloc(sizeof *s->params * (size_t)(l->param_count ? l->param_count * size : 1));
    s->size = size;
    s->param_count = l->param_count;
    if (!s->data || !s->target || !s->params) {
        slot_release(s);
        return cnb_error("next_batch", "out of memory for a batch of %d", size);
    }
    return 0;
}

/* The work itself: gather and transform item i of a batch. */
static void fill_item(DataLoader *l, Slot *s, int i)
{
    const Dataset *d = l->dataset;
    const int64_t *order = l->order + s->batch * (size_t)l->batch_size;
    if (i + 1 < s->size)
        dataset_prefetch(d, (size_t)order[i + 1]);
    int label = 0;
    if (!atomic_load_explicit(&s->failed, memory_order_relaxed) &&
        dataset_fill(d, (size_t)order[i], tensor_data(s->data) + (size_t)i * d->item_numel,
                     &label, l->transform, s->params + (size_t)i * l->param_count) != 0) {
        bool first = false;
        if (atomic_compare_exchange_strong(&s->failed, &first, true))
            snprintf(s->error, sizeof s->error, "%s", cnb_last_error());
    }
    tensor_data(s->target)[i] = (float)label;
    atomic_fetch_add_explicit(&s->items_done, 1, memory_order_release);
}

/* Claims and fills one item of s; false when all are claimed. */
static bool fill_one(DataLoader *l, Slot *s)
{
    int i = atomic_fetch_add_explicit(&s->next_item, 1, memory_order_acq_rel);
    if (i >= NOT_OPEN || i >= s->size)   /* the slot is being set up, or all claimed */
        return false;
    fill_item(l, s, i);
    return true;
}

/* A piece of background work for the thread pool: one item. */
static bool fill_piece(void *context)
{
    DataLoader *l = context;
    Slot *s = atomic_load(&l->filling);
    return s && fill_one(l, s);
}

static void *worker_main(void *arg)
{
    DataLoader *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (!l->posted && !l->quit)
            pthread_cond_wait(&l->wake, &l->lock);
        if (!l->posted)
            break;
        l->posted = false;
        pthread_mutex_unlock(&l->lock);
        while (fill_piece(l))
            ;
        pthread_mutex_lock(&l->lock);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* Fills what is left of s here, then waits for the items other threads
 * are still filling (a few microseconds each). */
static void complete(DataLoader *l, Slot *s)
{
    while (fill_one(l, s))
        ;
    for (unsigned i = 1; atomic_load_explicit(&s->items_done, memory_order_acquire) < s->size;
         i++)
        if (i % 64 == 0)
            sched_yield();      /* a thread holding an item may share our core */
}

static void stop_background(DataLoader *l);
static void live_add(DataLoader *l);

/* Batches follow the last one the user had: made on the GPU from the
 * batch after one the user moved there, on the CPU again after one moved
 * back.  The user has finished with it when asking for the next. */
static void follow_user(DataLoader *l)
{
    Slot *last = l->handed;
    if (!last || !last->data)
        return;
    bool there = tensor_device(last->data) == CUDA && l->device_possible;
    if (there && !l->on_device)
        stop_background(l);     /* no items for the compute threads to fill */
    l->on_device = there;
}

/* The batch made by one kernel on the GPU; complete() then finds nothing
 * left to wait for. */
static int post_on_device(DataLoader *l, Slot *s)
{
    int rc = device_batches_fill(&l->device, l->dataset,
                                 l->order + s->batch * (size_t)l->batch_size, s->size,
                                 s->params, l->param_count, s->data, s->target);
    atomic_store(&s->items_done, s->size);
    atomic_store(&s->next_item, s->size);
    return rc;
}

/* Draws batch's random numbers here and opens it for filling: by the
 * worker thread and idle compute threads when the dataset allows, else
 * right away here; or makes it on the GPU. */
static int post(DataLoader *l, size_t batch)
{
    follow_user(l);
    Slot *s = slot_for(l, batch);
    atomic_store(&s->next_item, NOT_OPEN);      /* late claims find nothing */
    size_t start = batch * (size_t)l->batch_size;
    int size = (int)(l->n - start < (size_t)l->batch_size ? l->n - start : (size_t)l->batch_size);
    if (slot_prepare(l, s, size) != 0)
        return -1;
    for (int i = 0; i < size && l->param_count; i++)
        transform_draw(l->transform, s->params + (size_t)i * l->param_count);
    s->batch = batch;
    atomic_store(&s->failed, false);
    if (l->on_device)
        return post_on_device(l, s);
    atomic_store(&s->items_done, 0);
    atomic_store(&s->next_item, 0);
    /* With one thread (a one-core CPU quota, CNB_NUM_THREADS=1) a helper
     * could only take the caller's core, or its quota: under a quota the
     * two together overrun it and the cgroup is throttled for the rest of
     * the period, and the caller spins for items the descheduled helper
     * holds.  The same on a machine that other processes fill (a class's
     * kernels training at once, parallel_runs_alone): the helper would only
     * take turns with them.  So the caller fills the batch when it asks
     * for it. */
    if (!l->threaded || parallel_runs_alone()) {
        complete(l, s);
        return 0;
    }
    atomic_store(&l->filling, s);
    if (!l->background_on)
        l->background_on = parallel_background_start(&l->background);
    if (l->background_on)
        return 0;               /* idle compute threads fill it */
    if (!l->thread_started) {
        if (pthread_create(&l->thread, NULL, worker_main, l) != 0) {
            l->threaded = false;        /* no thread: the caller fills from now on */
            return 0;
        }
        l->thread_started = true;
    }
    pthread_mutex_lock(&l->lock);
    l->posted = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    return 0;
}

static void stop_background(DataLoader *l)
{
    if (l->background_on)
        parallel_background_stop(&l->background);
    l->background_on = false;
}

/* Finishes work in flight (before the order or the slots change). */
static void settle(DataLoader *l)
{
    Slot *s = atomic_load(&l->filling);
    if (s)
        complete(l, s);
    stop_background(l);
}

/* The epoch's order and its first batch, with PyTorch's draws. */
static int start_epoch(DataLoader *l)
{
    settle(l);
    l->n = l->dataset->ops->len(l->dataset);
    l->num_batches = batches_for(l->n, l->batch_size, l->drop_last);
    l->last_size = l->n % (size_t)l->batch_size ? l->n % (size_t)l->batch_size
                                                : (size_t)l->batch_size;
    if (l->n > l->capacity) {
        int64_t *order = realloc(l->order, sizeof *order * l->n);
        if (!order)
            return cnb_error("next_batch", "out of memory for %zu indices", l->n);
        l->order = order;
        l->capacity = l->n;
    }
    Transform *held = l->transform;
    l->transform = transform_take((Transform *)dataset_transform(l->dataset));
    transform_release(held);
    l->param_count = transform_param_count(l->transform);
    l->device_possible = device_batches_possible(&l->device, l->dataset, l->transform);
    (void)random_int64();       /* _BaseDataLoaderIter's _base_seed */
    if (l->shuffle) {
        Generator *g = generator_new((uint64_t)random_int64());
        if (!g)
            return cnb_error("next_batch", "cannot make the shuffling generator");
        generator_permutation(g, l->order, (int64_t)l->n);
        generator_free(g);
    } else {
        for (size_t i = 0; i < l->n; i++)
            l->order[i] = (int64_t)i;
    }
    l->next = 0;
    l->in_epoch = l->num_batches == 0 || post(l, 0) == 0;
    return l->in_epoch ? 0 : -1;
}

bool next_batch(DataLoader *l, Batch *batch)
{
    if (loader_dead(l, "next_batch"))
        return false;
    if (!l || !batch) {
        cnb_error("next_batch", "%s is NULL", l ? "batch" : "dataloader");
        return false;
    }
    cnb_check_interrupt();      /* between batches: the state is whole here */
    memset(batch, 0, sizeof *batch);
    if (!l->in_epoch && start_epoch(l) != 0)
        return false;
    if (l->next >= l->num_batches) {
        l->in_epoch = false;    /* the end: the next call starts a new epoch */
        return false;
    }
    size_t b = l->next;
    Slot *s = slot_for(l, b);
    complete(l, s);
    if (atomic_load(&s->failed)) {
        /* raised again here: the message may be another thread's */
        if (!strstr(cnb_last_error(), s->error))
            cnb_error("next_batch", "%s", s->error);
        l->in_epoch = false;
        return false;
    }
    l->next = b + 1;
    if (l->next < l->num_batches && post(l, l->next) != 0) {
        l->in_epoch = false;
        return false;
    }
    if (l->next == l->num_batches)
        stop_background(l);     /* the epoch's last batch: leave the place to others */
    l->handed = s;
    batch->data = s->data;
    batch->target = s->target;
    batch->size = s->size;
    batch->index = (int)b;
    return true;
}

void dataloader_reset(DataLoader *l)
{
    if (loader_dead(l, "dataloader_reset"))
        return;
    if (!l)
        return;
    settle(l);
    l->in_epoch = false;
    l->next = 0;
}

size_t dataloader_len(const DataLoader *l)
{
    if (loader_dead(l, "dataloader_len"))
        return 0;
    if (!l) {
        cnb_error("dataloader_len", "dataloader is NULL");
        return 0;
    }
    return batches_for(l->dataset->ops->len(l->dataset), l->batch_size, l->drop_last);
}

void dataloader_fprint_options(FILE *out, const DataLoader *l)
{
    fprintf(out, "batch_size=%d, shuffle=%s, drop_last=%s", l->batch_size,
            l->shuffle ? "true" : "false", l->drop_last ? "true" : "false");
}

Dataset *dataloader_dataset(const DataLoader *l)
{
    if (loader_dead(l, "dataloader_dataset"))
        return NULL;
    return l ? l->dataset : NULL;
}

DataLoader *dataloader_new(Dataset *dataset, DataLoaderOptions options)
{
    if (dataset_dead(dataset, "dataloader"))
        return NULL;
    if (!dataset) {
        cnb_error("dataloader", "dataset is NULL");
        return NULL;
    }
    if (options.batch_size < 0) {
        cnb_error("dataloader", "batch_size must be positive (got %d)", options.batch_size);
        return NULL;
    }
    if (dataset->ndim + 1 > CNB_MAX_DIMS) {
        cnb_error_of(CNB_SHAPE_ERROR, "dataloader", "items of %d dimensions do not fit a batch tensor", dataset->ndim);
        return NULL;
    }
    DataLoader *l = calloc(1, sizeof *l);
    if (!l) {
        cnb_error("dataloader", "out of memory");
        return NULL;
    }
    object_init(l, OBJECT_DATALOADER);
    l->dataset = dataset_ref(dataset);
    l->batch_size = options.batch_size ? options.batch_size : 1;
    l->shuffle = options.shuffle;
    l->drop_last = options.drop_last;
    l->threaded = dataset->thread_safe;
    l->background = (BackgroundJob){ fill_piece, l };
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    live_add(l);
    return l;
}

/* ---- fork ----
 * A forked child has only the forking thread (the kernel's rollback
 * snapshots are forks of the worker).  Before the fork every loader
 * finishes the batch in flight (an item half filled by a thread the child
 * will not have would never be done) and its lock is taken (so no vanished
 * thread holds it); the child forgets the loader's thread and its
 * background job, which start again on first use. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static DataLoader *live;
static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

static void before_fork(void)
{
    pthread_mutex_lock(&live_lock);
    for (DataLoader *l = live; l; l = l->live_next) {
        Slot *s = atomic_load(&l->filling);
        if (s)
            complete(l, s);
        pthread_mutex_lock(&l->lock);
    }
}

static void after_fork_in_parent(void)
{
    for (DataLoader *l = live; l; l = l->live_next)
        pthread_mutex_unlock(&l->lock);
    pthread_mutex_unlock(&live_lock);
}

static void after_fork_in_child(void)
{
    for (DataLoader *l = live; l; l = l->live_next) {
        l->thread_started = false;
        l->posted = false;
        l->background_on = false;
        pthread_cond_init(&l->wake, NULL);
        pthread_mutex_unlock(&l->lock);
    }
    pthread_mutex_unlock(&live_lock);
}

static void install_fork_handlers(void)
{
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

static void live_add(DataLoader *l)
{
    pthread_once(&fork_handlers_once, install_fork_handlers);
    pthread_mutex_lock(&live_lock);
    l->live_next = live;
    live = l;
    pthread_mutex_unlock(&live_lock);
}

static void live_remove(DataLoader *l)
{
    pthread_mutex_lock(&live_lock);
    for (DataLoader **p = &live; *p; p = &(*p)->live_next)
        if (*p == l) {
            *p = l->live_next;
            break;
        }
    pthread_mutex_unlock(&live_lock);
}

void dataloader_free(DataLoader *l)
{
    if (loader_dead(l, "dataloader_free"))
        return;
    if (!l)
        return;
    live_remove(l);
    settle(l);
    if (l->thread_started) {
        pthread_mutex_lock(&l->lock);
        l->quit = true;
        pthread_cond_signal(&l->wake);
        pthread_mutex_unlock(&l->lock);
        pthread_join(l->thread, NULL);
    }
    for (int i = 0; i < 3; i++)
        slot_release(&l->slots[i]);
    device_batches_free(&l->device);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    free(l->order);
    transform_release(l->transform);
    dataset_unref(l->dataset);
    object_retire(l, sizeof *l, OBJECT_DATALOADER);
}
