// SPDX-License-Identifier: BSD-3-Clause
/* random_split and the dataloader: orders equal to PyTorch's for the same
 * seed (tests/data/reference/order.txt and loader.txt from make_reference.py),
 * every item once per epoch, the last partial batch, drop_last, freeing
 * mid-epoch, custom dataset callbacks, the background thread, a fork with
 * a batch in flight. */
#include "data_test.h"

#include <setjmp.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a dataset whose items are their own indices ---- */

typedef struct Counting {
    size_t n;
    size_t calls;
    int fail_at;                /* get_item fails for this index (-1: never) */
} Counting;

static size_t counting_len(void *user)
{
    return ((Counting *)user)->n;
}

static int counting_get(void *user, size_t index, Tensor *image, int *label)
{
    Counting *c = user;
    c->calls++;
    if ((int)index == c->fail_at)
        return 7;
    tensor_data(image)[0] = (float)index;
    *label = (int)(index % 10);
    return 0;
}

static Dataset *counting_dataset(Counting *c)
{
    return custom_dataset(.len = counting_len, .get_item = counting_get, .user_data = c,
                          .shape = {1}, .num_classes = 10);
}

/* Item i of dataset as its index (first value of the item). */
static long item_index(const Dataset *d, size_t i)
{
    Tensor *t = dataset_get(d, i, NULL);
    long v = t ? (long)tensor_cdata(t)[0] : -1;
    tensor_free(t);
    return v;
}

/* One epoch's order, reading each batch's first values. */
static size_t epoch_order(DataLoader *l, long *order, size_t room, size_t item_numel)
{
    Batch b;
    size_t n = 0;
    while (next_batch(l, &b))
        for (int i = 0; i < b.size && n < room; i++)
            order[n++] = (long)tensor_cdata(b.data)[(size_t)i * item_numel];
    return n;
}

static int same_as(const Ref *r, const long *values, size_t n)
{
    if (!r || r->numel > n)
        return 0;
    for (size_t i = 0; i < r->numel; i++)
        if ((long)r->values[i] != values[i]) {
            printf("#   position %zu: got %ld, want %ld\n", i, values[i], (long)r->values[i]);
            return 0;
        }
    return 1;
}

static long checksum(const long *order, size_t n)
{
    unsigned long long sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (unsigned long long)i * (unsigned long long)order[i];
    return (long)(sum % (1ull << 31));
}

static void test_random_split(const RefFile *refs)
{
    Counting c = {.n = 100, .fail_at = -1};
    Dataset *d = counting_dataset(&c);
    manual_seed(0);
    Dataset **parts = random_split(d, 30, 70);
    ok(parts && parts[0] && parts[1] && !parts[2], "random_split(d, 30, 70) gives two parts");
    long got[100];
    for (int p = 0; p < 2 && parts; p++) {
        size_t n = dataset_len(parts[p]);
        for (size_t i = 0; i < n; i++)
            got[i] = item_index(parts[p], i);
        ok(same_as(ref_find(refs, p ? "split.seed0.100.b" : "split.seed0.100.a"), got, n),
           "seed 0, part %d: the same indices as torch's random_split", p);
    }
    for (int p = 0; parts && parts[p]; p++)
        dataset_free(parts[p]);
    free(parts);

    c.n = 10000;
    manual_seed(42);
    parts = random_split(d, 5000, 5000);
    static long big[10000];
    for (int p = 0; p < 2 && parts; p++) {
        for (size_t i = 0; i < 5000; i++)
            big[i] = item_index(parts[p], i);
        ok(same_as(ref_find(refs, p ? "split.seed42.10000.b" : "split.seed42.10000.a"), big, 5000),
           "the lesson's 10k test set split 5000 + 5000, seed 42, part %d: as torch", p);
    }
    /* The parts keep the dataset alive. */
    dataset_free(d);
    ok(parts && dataset_len(parts[1]) == 5000 && item_index(parts[1], 0) == big[0],
       "a part still works after the parent was freed");
    for (int p = 0; parts && parts[p]; p++)
        dataset_free(parts[p]);
    free(parts);

    c.n = 10;
    d = counting_dataset(&c);
    cnb_clear_error();
    ok(random_split(d, 3, 3) == NULL && error_says("add up to 6, but the dataset has 10"),
       "lengths that do not add up are refused");
    ok(random_split(NULL, 3, 7) == NULL, "random_split(NULL, ...) fails cleanly");
    dataset_free(d);
}

static void test_shuffle_order(const RefFile *refs)
{
    Counting c = {.n = 1000, .fail_at = -1};
    Dataset *d = counting_dataset(&c);
    manual_seed(7);
    DataLoader *l = dataloader(d, .batch_size = 64, .shuffle = true);
    static long order[60000];
    for (int e = 0; e < 3; e++) {
        char name[64];
        snprintf(name, sizeof name, "shuffle.seed7.1000.epoch%d", e);
        size_t n = epoch_order(l, order, 1000, 1);
        ok(n == 1000 && same_as(ref_find(refs, name), order, n),
           "shuffled epoch %d over 1000 items: PyTorch's order for seed 7", e);
    }
    dataloader_free(l);

    /* The lesson: split the test set, then train (shuffled) and validate. */
    c.n = 10000;
    Counting t = {.n = 60000, .fail_at = -1};
    Dataset *train = counting_dataset(&t);
    manual_seed(1234);
    Dataset **parts = random_split(d, 5000, 5000);
    DataLoader *train_loader = dataloader(train, .batch_size = 64, .shuffle = true);
    DataLoader *valid_loader = dataloader(parts[1], .batch_size = 64);
    for (int e = 0; e < 2; e++) {
        char name[80];
        size_t n = epoch_order(train_loader, order, 60000, 1);
        snprintf(name, sizeof name, "lesson.seed1234.train.epoch%d.head", e);
        ok(n == 60000 && same_as(ref_find(refs, name), order, n),
           "lesson epoch %d: the training order starts as PyTorch's", e);
        snprintf(name, sizeof name, "lesson.seed1234.train.epoch%d.checksum", e);
        const Ref *sum = ref_find(refs, name);
        is_int(checksum(order, n), sum ? (long)sum->values[0] : -1,
               "lesson epoch %d: the whole training order is PyTorch's (checksum)", e);
        n = epoch_order(valid_loader, order, 64, 1);
        snprintf(name, sizeof name, "lesson.seed1234.valid.epoch%d.head", e);
        ok(same_as(ref_find(refs, name), order, 64),
           "lesson epoch %d: validation in the split's order", e);
    }
    const Ref *after = ref_find(refs, "lesson.seed1234.after");
    is_int(random_int64() % (1LL << 31), after ? (long)after->values[0] : -1,
           "the default generator is where PyTorch's is after all that");
    dataloader_free(train_loader);
    dataloader_free(valid_loader);
    dataset_free(parts[0]);
    dataset_free(parts[1]);
    free(parts);
    dataset_free(train);
    dataset_free(d);
}

/* Every item once per epoch, batch sizes, drop_last, and the callbacks. */
static void test_batches(void)
{
    Counting c = {.n = 150, .fail_at = -1};
    Dataset *d = counting_dataset(&c);
    for (int drop = 0; drop < 2; drop++) {
        DataLoader *l = dataloader(d, .batch_size = 64, .shuffle = true, .drop_last = drop);
        is_int(dataloader_len(l), drop ? 2 : 3, "150 items, batch 64%s: batches",
               drop ? ", drop_last" : "");
        for (int e = 0; e < 2; e++) {
            int seen[150] = {0}, sizes[4] = {0}, count = 0, indices_ok = 1, targets_ok = 1;
            Batch b;
            while (next_batch(l, &b)) {
                indices_ok &= b.index == count;
                if (count < 4)
                    sizes[count] = b.size;
                count++;
                ok(tensor_ndim(b.data) == 2 && tensor_dim(b.data, 0) == b.size
                   && tensor_dim(b.target, 0) == b.size, "batch %d: data [%d, 1], target [%d]",
                   b.index, b.size, b.size);
                for (int i = 0; i < b.size; i++) {
                    int index = (int)tensor_cdata(b.data)[i];
                    seen[index]++;
                    targets_ok &= tensor_cdata(b.target)[i] == (float)(index % 10);
                }
            }
            int once = 1, missing = 0;
            for (int i = 0; i < 150; i++) {
                once &= seen[i] <= 1;
                missing += seen[i] == 0;
            }
            ok(indices_ok && targets_ok, "epoch %d: batch.index counts up, targets are the labels", e);
            if (drop) {
                ok(count == 2 && sizes[0] == 64 && sizes[1] == 64 && once && missing == 22,
                   "drop_last epoch %d: two full batches, 22 items left out", e);
            } else {
                ok(count == 3 && sizes[2] == 22 && once && missing == 0,
                   "epoch %d: 64 + 64 + 22, every item exactly once", e);
            }
        }
        dataloader_free(l);
    }
    /* A dataset shorter than a batch, batch_size left out (PyTorch's 1). */
    DataLoader *l = dataloader(d);
    is_int(dataloader_len(l), 150, "batch_size defaults to 1");
    dataloader_free(l);

    /* A failing get_item stops the epoch with its message. */
    c.fail_at = 70;
    l = dataloader(d, .batch_size = 64);
    Batch b;
    int got = 0;
    cnb_clear_error();
    while (next_batch(l, &b))
        got++;
    ok(got == 1 && error_says("get_item returned 7 for item 70"),
       "get_item failing on item 70: the epoch stops at batch 1 with the message");
    dataloader_free(l);
    c.fail_at = -1;

    /* Callbacks: the transform applies on top of the user's item. */
    dataset_set_transform(d, normalize(1.0f, 2.0f));
    Tensor *x = dataset_get(d, 9, NULL);
    ok(x && tensor_item(x) == 4.0f, "custom dataset: get_item then the transform ((9 - 1) / 2)");
    tensor_free(x);
    ok(dataset_get(d, 150, NULL) == NULL && error_says("out of range"), "index 150 is refused");
    dataset_free(d);

    cnb_clear_error();
    ok(custom_dataset(.len = counting_len, .user_data = &c, .shape = {1}) == NULL
       && error_says(".get_item"), "custom dataset without get_item is refused");
    ok(custom_dataset(.len = counting_len, .get_item = counting_get, .user_data = &c) == NULL
       && error_says("shape"), "custom dataset without a shape is refused");
    ok(dataloader(NULL, .batch_size = 4) == NULL, "dataloader(NULL) fails cleanly");
    ok(!next_batch(NULL, &b), "next_batch(NULL) is false");
}

/* IDX files of count images whose first two pixels spell their index. */
static char *indexed_mnist(uint32_t count)
{
    char *root = scratch_dir();
    size_t n = (size_t)count * 784;
    uint8_t *buffer = calloc(1, 16 + n);
    uint32_t dims[3] = {count, 28, 28};
    size_t h = idx_header(buffer, 3, dims);
    for (size_t k = 0; k < count; k++) {
        buffer[h + k * 784] = (uint8_t)(k % 256);
        buffer[h + k * 784 + 1] = (uint8_t)(k / 256);
        buffer[h + k * 784 + 2] = 1;
    }
    char *path = path_join(root, "t10k-images-idx3-ubyte");
    write_bytes(path, buffer, h + n, 0);
    free(path);
    h = idx_header(buffer, 1, dims);
    for (size_t k = 0; k < count; k++)
        buffer[h + k] = (uint8_t)(k % 10);
    path = path_join(root, "t10k-labels-idx1-ubyte");
    write_bytes(path, buffer, h + count, 0);
    free(path);
    free(buffer);
    return root;
}

/* The background thread: same coverage, batches stay valid until the next
 * call, freeing mid-epoch joins the thread. */
static void test_threaded(void)
{
    char *root = indexed_mnist(1000);
    Dataset *d = mnist(root, .train = false);
    ok(d != NULL, "generated MNIST of 1000 indexed images opens");
    DataLoader *l = dataloader(d, .batch_size = 100, .shuffle = true);
    int good = 1;
    for (int e = 0; e < 3; e++) {
        int seen[1000] = {0}, count = 0;
        Batch b;
        while (next_batch(l, &b)) {
            const float *p = tensor_cdata(b.data);
            for (int i = 0; i < b.size; i++) {
                int index = (int)p[i * 784] + 256 * (int)p[i * 784 + 1];
                good &= index >= 0 && index < 1000 && p[i * 784 + 2] == 1;
                if (index >= 0 && index < 1000)
                    seen[index]++;
                good &= tensor_cdata(b.target)[i] == (float)(index % 10);
            }
            count++;
        }
        for (int i = 0; i < 1000; i++)
            good &= seen[i] == 1;
        good &= count == 10;
    }
    ok(good, "threaded loader: 3 epochs of 10 batches, every image once with its label");

    /* Mid-epoch: reset, then free with a batch in flight. */
    Batch b;
    next_batch(l, &b);
    next_batch(l, &b);
    ok(b.index == 1, "two batches into an epoch");
    dataloader_reset(l);
    next_batch(l, &b);
    ok(b.index == 0, "dataloader_reset starts a new epoch");
    Tensor *kept = b.data;
    /* Moving the batch elsewhere must not stop the loader reusing it. */
    ok(tensor_to(kept, CPU) == kept, "the batch tensor can be moved (here: to the cpu)");
    dataloader_free(l);
    ok(1, "dataloader_free mid-epoch (a batch in flight) returns");

    /* Transform replaced between epochs: the loader follows. */
    l = dataloader(d, .batch_size = 1000);
    next_batch(l, &b);
    float before = tensor_max(b.data);
    next_batch(l, &b);   /* end of epoch */
    dataset_set_transform(d, compose(to_tensor(), random_rotation(0)));
    next_batch(l, &b);
    ok(before == 255.0f && tensor_max(b.data) == 1.0f, "a new transform applies from the next epoch");
    dataloader_free(l);
    dataset_free(d);
    remove_tree(root);
    free(root);
}

/* A fork with a batch in flight (the kernel's rollback snapshots are forks
 * of the worker): the child, which has no loader thread, gets every batch
 * of the epoch; the parent goes on too.  alarm() ends a child that hangs. */
static void test_fork(void)
{
    char *root = indexed_mnist(4000);
    /* Rotations make preparing a batch take milliseconds: the fork comes
     * while the loader's thread is inside an item. */
    Dataset *d = mnist(root, .train = false, .transform = compose(to_tensor(), random_rotation(30)));
    DataLoader *l = dataloader(d, .batch_size = 1000, .shuffle = true);
    Batch b;
    next_batch(l, &b);          /* the second batch is prepared meanwhile */
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        alarm(20);
        int count = 1;
        while (next_batch(l, &b))
            count++;
        while (next_batch(l, &b))   /* a whole new epoch, threads started again */
            count++;
        _exit(count == 8 ? 0 : 1);
    }
    int status = -1;
    waitpid(child, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "a forked child gets the rest of the epoch and the next one (status %#x)", status);
    int count = 1;
    while (next_batch(l, &b))
        count++;
    ok(count == 4, "the parent's epoch goes on after the fork");
    dataloader_free(l);
    dataset_free(d);
    remove_tree(root);
    free(root);
}

/* An interrupt between batches: the kernel's host does not return from
 * check_interrupt (it unwinds the cell); the loader must stay whole. */
static jmp_buf interrupted;
static int interrupt_countdown = -1;

static void check_interrupt_host(void)
{
    if (interrupt_countdown >= 0 && interrupt_countdown-- == 0)
        longjmp(interrupted, 1);
}

static void test_interrupt(void)
{
    char *root = indexed_mnist(500);
    Dataset *d = mnist(root, .train = false);
    DataLoader *l = dataloader(d, .batch_size = 32, .shuffle = true);
    static const CnbHost host = {.check_interrupt = check_interrupt_host};
    cnb_set_host(&host);
    /* Changed between setjmp and longjmp: static or volatile. */
    static int seen[500];
    volatile int batches = 0, unwound = 0;
    Batch b;
    interrupt_countdown = 5;            /* the 6th call to next_batch is interrupted */
    if (setjmp(interrupted) == 0) {
        while (next_batch(l, &b)) {
            for (int i = 0; i < b.size; i++) {
                const float *p = tensor_cdata(b.data) + (size_t)i * 784;
                seen[(int)p[0] + 256 * (int)p[1]]++;
            }
            batches++;
        }
    } else {
        unwound = 1;
    }
    ok(unwound && batches == 5, "interrupted in next_batch after 5 batches");
    /* The next cell goes on with the same loader: the rest of the epoch. */
    while (next_batch(l, &b)) {
        for (int i = 0; i < b.size; i++) {
            const float *p = tensor_cdata(b.data) + (size_t)i * 784;
            seen[(int)p[0] + 256 * (int)p[1]]++;
        }
        batches++;
    }
    int once = 1;
    for (int i = 0; i < 500; i++)
        once &= seen[i] == 1;
    ok(batches == 16 && once, "after the interrupt the epoch goes on: 16 batches, every item once");
    interrupt_countdown = 2;
    if (setjmp(interrupted) == 0)
        while (next_batch(l, &b))
            ;
    cnb_set_host(NULL);
    dataloader_free(l);                 /* interrupted mid-epoch, a batch in flight */
    ok(1, "a loader interrupted mid-epoch is freed cleanly");
    dataset_free(d);
    remove_tree(root);
    free(root);
}

/* The lesson's augmentation through a shuffled loader: the same batches as
 * DataLoader(shuffle=True) over RandomRotation(10), ToTensor, Normalize. */
static void test_rotation_loader(const RefFile *refs)
{
    /* The first 200 training images, as their own IDX files. */
    char *root = scratch_dir();
    Dataset *full = mnist(mnist_dir(), .train = true);
    ok(full != NULL, "real MNIST from %s", mnist_dir());
    if (!full)
        return;
    uint8_t *buffer = malloc(16 + 200 * 784);
    uint32_t dims[3] = {200, 28, 28};
    size_t h = idx_header(buffer, 3, dims);
    uint8_t labels[8 + 200];
    size_t lh = idx_header(labels, 1, dims);
    for (size_t k = 0; k < 200; k++) {
        int label;
        Tensor *x = dataset_get(full, k, &label);
        for (size_t i = 0; i < 784; i++)
            buffer[h + k * 784 + i] = (uint8_t)tensor_cdata(x)[i];
        labels[lh + k] = (uint8_t)label;
        tensor_free(x);
    }
    dataset_free(full);
    char *path = path_join(root, "train-images-idx3-ubyte.gz");
    write_bytes(path, buffer, h + 200 * 784, 1);
    free(path);
    path = path_join(root, "train-labels-idx1-ubyte.gz");
    write_bytes(path, labels, lh + 200, 1);
    free(path);
    free(buffer);

    Dataset *d = mnist(root, .train = true,
                       .transform = compose(random_rotation(10), to_tensor(),
                                            normalize(0.1307f, 0.3081f)));
    manual_seed(3);
    DataLoader *l = dataloader(d, .batch_size = 64, .shuffle = true);
    for (int e = 0; e < 2; e++) {
        Batch b;
        int sums_ok = 1, count = 0;
        while (next_batch(l, &b)) {
            char name[80];
            if (b.index == 0) {
                snprintf(name, sizeof name, "rot.seed3.epoch%d.batch0.target", e);
                const Ref *t = ref_find(refs, name);
                int same = t && t->numel == 64;
                for (int i = 0; same && i < 64; i++)
                    same = tensor_cdata(b.target)[i] == (float)t->values[i];
                ok(same, "epoch %d, batch 0: the same 64 labels as PyTorch", e);
                snprintf(name, sizeof name, "rot.seed3.epoch%d.batch0.data", e);
                const Ref *x = ref_find(refs, name);
                int exact = x && x->numel == 2 * 784;
                for (size_t i = 0; exact && i < 2 * 784; i++)
                    exact = tensor_cdata(b.data)[i] == (float)x->values[i];
                ok(exact, "epoch %d, batch 0: the first two images rotated exactly as PyTorch's", e);
            }
            snprintf(name, sizeof name, "rot.seed3.epoch%d.batch%d.sum", e, b.index);
            const Ref *s = ref_find(refs, name);
            double sum = 0;
            for (size_t i = 0; i < tensor_numel(b.data); i++)
                sum += tensor_cdata(b.data)[i];
            sums_ok &= s && fabs(sum - s->values[0]) < 1e-6 * fabs(s->values[0]) + 1e-3;
            count++;
        }
        ok(sums_ok && count == 4, "epoch %d: all 4 batches sum as PyTorch's (same rotations)", e);
    }
    dataloader_free(l);
    dataset_free(d);
    remove_tree(root);
    free(root);
}

int main(void)
{
    RefFile *order = refs_load("order.txt"), *loader = refs_load("loader.txt");
    ok(order && loader, "reference files load");
    test_random_split(order);
    test_shuffle_order(order);
    test_batches();
    test_threaded();
    test_fork();
    test_interrupt();
    test_rotation_loader(loader);
    refs_free(order);
    refs_free(loader);
    return tap_done();
}
