// SPDX-License-Identifier: BSD-3-Clause
/* Runtime objects used or freed after their *_free: each call gives NULL,
 * -1 or its neutral value with "this Model was already freed" (a
 * ValueError) and touches nothing; so does freeing what belongs to
 * another object (a compose's transform, a model's output).  Under AddressSanitizer a freed
 * object's body is poisoned (host/object.c), so a call that read or wrote
 * more than its check word would stop this test. */
#include "cnb.h"
#include "tap.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

/* The last error is "function: this Kind was already freed", a ValueError. */
static void said_freed(const char *function, const char *kind, const char *what)
{
    char want[160];
    snprintf(want, sizeof want, "%s: this %s was already freed", function, kind);
    is_str(cnb_last_error(), want, "%s: the message", what);
    is_str(cnb_error_kind_name(cnb_last_error_kind()), "ValueError", "%s: a ValueError", what);
    cnb_clear_error();
}

static Model *small_model(void)
{
    return sequential(flatten(), linear(4, 3), relu(), linear(3, 2));
}

static void test_tensor(void)
{
    Tensor *t = tensor(2, 3);
    tensor_fill(t, 1.5f);
    tensor_free(t);
    is_int(tensor_ndim(t), -1, "tensor_ndim of a freed tensor");
    said_freed("tensor_ndim", "Tensor", "tensor_ndim");
    ok(tensor_data(t) == NULL, "tensor_data of a freed tensor is NULL");
    said_freed("tensor_data", "Tensor", "tensor_data");
    tensor_fill(t, 2.0f);
    said_freed("tensor_fill", "Tensor", "tensor_fill");
    ok(isnan(tensor_sum(t)), "tensor_sum of a freed tensor is NaN");
    said_freed("tensor_sum", "Tensor", "tensor_sum");
    ok(tensor_clone(t) == NULL, "no clone of a freed tensor");
    said_freed("tensor_clone", "Tensor", "tensor_clone");
    tensor_print(t);
    said_freed("tensor_print", "Tensor", "tensor_print");
    tensor_free(t);
    said_freed("tensor_free", "Tensor", "a double tensor_free");

    Tensor *live = tensor(3);
    ok(live != t, "a new tensor does not get the freed one's address (it is shelved)");
    Tensor *out = tensor(1, 3);
    is_int(tensor_index_select(out, t, (int64_t[]){0}, 1), -1, "index_select from a freed src");
    said_freed("tensor_index_select", "Tensor", "tensor_index_select");
    tensor_fill(live, 4.0f);
    is_near(tensor_sum(live), 12.0, 1e-6, "a live tensor beside the freed one is whole");
    tensor_free(live);
    tensor_free(out);
}

static void test_model(void)
{
    manual_seed(1);
    Model *m = small_model();
    Optimizer *opt = adam(m);
    Loss *loss = cross_entropy_loss();
    model_free(m);
    model_summary(m);
    said_freed("model_summary", "Model", "model_summary");
    model_summary(m, 1, 4);
    said_freed("model_summary", "Model", "model_summary with a shape");
    Tensor *x = tensor(2, 4);
    ok(model_forward(m, x) == NULL, "model_forward of a freed model is NULL");
    said_freed("model_forward", "Model", "model_forward");
    ok(model_predict(m, x) == NULL, "model_predict of a freed model is NULL");
    said_freed("model_predict", "Model", "model_predict");
    is_int((long long)model_parameter_count(m), 0, "model_parameter_count of a freed model");
    said_freed("model_parameter_count", "Model", "model_parameter_count");
    ok(model_to(m, CPU) == NULL, "model_to of a freed model is NULL");
    said_freed("model_to", "Model", "model_to");
    is_int(model_save(m, "/nonexistent/never-written.safetensors"), -1, "model_save");
    said_freed("model_save", "Model", "model_save");
    ok(cnb_repr_model(m) == NULL, "no repr of a freed model");
    said_freed("cnb_repr_model", "Model", "cnb_repr_model");
    model_free(m);
    said_freed("model_free", "Model", "a double model_free");
    ok(adam(m) == NULL, "adam on a freed model is NULL");
    said_freed("adam", "Model", "adam");

    optimizer_zero_grad(opt);
    is_str(cnb_last_error(), "optimizer_zero_grad: the Model of this Optimizer was already freed",
           "an optimizer whose model was freed says so");
    optimizer_step(opt);
    is_str(cnb_last_error(), "optimizer_step: the Model of this Optimizer was already freed",
           "and does not step");
    cnb_clear_error();
    optimizer_free(opt);
    is_str(cnb_last_error(), "", "optimizer_free after model_free is fine");
    optimizer_step(opt);
    said_freed("optimizer_step", "Optimizer", "optimizer_step of a freed optimizer");
    optimizer_free(opt);
    said_freed("optimizer_free", "Optimizer", "a double optimizer_free");
    loss_free(loss);
    ok(loss_forward(loss, x, x) == NULL, "loss_forward of a freed loss is NULL");
    said_freed("loss_forward", "Loss", "loss_forward");
    loss_free(loss);
    said_freed("loss_free", "Loss", "a double loss_free");
    tensor_free(x);
}

static void test_training_after_free(void)
{
    manual_seed(2);
    Model *m = small_model();
    Loss *loss = cross_entropy_loss();
    Tensor *x = tensor(2, 4), *y = tensor(2);
    tensor_fill(x, 0.5f);
    Tensor *output = model_forward(m, x);
    Tensor *value = loss_forward(loss, output, y);
    ok(value != NULL, "a loss computed");
    model_free(m);
    loss_backward(value);
    is_str(cnb_last_error(), "loss_backward: the Model that made this loss's input was already "
           "freed", "loss_backward into a freed model says so");
    cnb_clear_error();
    ok(loss_forward(loss, output, y) == NULL, "the freed model's output cannot be used");
    said_freed("loss_forward", "Tensor", "its output tensor went with it");
    loss_free(loss);
    tensor_free(x);
    tensor_free(y);

    manual_seed(3);
    Model *kept = small_model();
    Model *other = small_model();
    model_free(other);
    model_free(other);
    said_freed("model_free", "Model", "a double free of another model");
    Tensor *in = tensor(1, 4);
    tensor_fill(in, 1.0f);
    Tensor *prediction = model_predict(kept, in);
    ok(prediction && tensor_numel(prediction) == 2, "the model kept still predicts");
    model_free(kept);
    tensor_free(in);
}

/* A dataset of n items [1, 2, 2], item i all i, label i % 3. */
static size_t items_len(void *user_data)
{
    return *(size_t *)user_data;
}

static int items_get(void *user_data, size_t index, Tensor *image, int *label)
{
    (void)user_data;
    tensor_fill(image, (float)index);
    *label = (int)(index % 3);
    return 0;
}

static size_t item_count = 10;

static Dataset *items(Transform *transform)
{
    return custom_dataset(.len = items_len, .get_item = items_get, .user_data = &item_count,
                          .shape = {1, 2, 2}, .transform = transform, .num_classes = 3);
}

/* The tensors a model, a loss or a loader hands out are theirs: freeing
 * one would pull it from under its owner, so tensor_free refuses. */
static void refused(const char *owner_words, const char *what)
{
    char want[200];
    snprintf(want, sizeof want, "tensor_free: this Tensor belongs to %s; free only the "
             "tensors you made", owner_words);
    is_str(cnb_last_error(), want, "tensor_free of %s refuses", what);
    is_str(cnb_error_kind_name(cnb_last_error_kind()), "ValueError", "%s: a ValueError", what);
    cnb_clear_error();
}

static void test_owned_tensors(void)
{
    const char *model_words = "a Model (an output, a parameter or a gradient) and goes with "
                              "model_free";
    manual_seed(4);
    Model *m = small_model();
    Loss *loss = cross_entropy_loss();
    Tensor *x = tensor(2, 4), *y = tensor(2);
    tensor_fill(x, 0.25f);
    Tensor *output = model_forward(m, x);
    tensor_free(output);
    refused(model_words, "model_forward's output");
    Tensor *value = loss_forward(loss, output, y);
    ok(value != NULL, "the output is still the model's, and usable");
    tensor_free(value);
    refused("a Loss (the value of loss_forward) and goes with loss_free", "loss_forward's value");
    loss_backward(value);
    is_str(cnb_last_error(), "", "the training step goes on");
    tensor_free(model_parameter(m, 0, NULL));
    refused(model_words, "a parameter");
    tensor_free(model_gradient(m, 1));
    refused(model_words, "a gradient");
    Tensor *predicted = model_predict(m, x);
    tensor_free(predicted);
    refused(model_words, "model_predict's output");
    is_int((long long)tensor_numel(model_predict(m, x)), 4, "the model predicts again");
    loss_free(loss);
    model_free(m);
    tensor_free(x);
    tensor_free(y);

    Dataset *ds = items(NULL);
    DataLoader *loader = dataloader(ds, .batch_size = 5);
    Batch batch;
    next_batch(loader, &batch);
    tensor_free(batch.data);
    refused("a DataLoader (a batch) and goes with dataloader_free", "a batch's data");
    ok(next_batch(loader, &batch) && tensor_get(batch.data, 0, 0, 0, 0) == 5.0f,
       "the loader's next batch is whole");
    dataloader_free(loader);
    dataset_free(ds);
}

static void test_layer(void)
{
    Layer *hidden = linear(4, 3);
    Model *m = sequential(flatten(), hidden);
    model_free(m);
    ok(sequential(hidden, relu()) == NULL, "a layer of a freed model cannot make a new model");
    said_freed("sequential", "Layer", "sequential");
}

static void test_optimizer_and_scheduler(void)
{
    Model *m = small_model();
    Optimizer *opt = sgd(m, .lr = 0.1);
    Scheduler *s = step_lr(opt, 1, .gamma = 0.5);
    optimizer_free(opt);
    ok(optimizer_lr(opt) == 0.0, "optimizer_lr of a freed optimizer");
    said_freed("optimizer_lr", "Optimizer", "optimizer_lr");
    is_int(optimizer_set_lr(opt, 0.5), -1, "optimizer_set_lr of a freed optimizer");
    said_freed("optimizer_set_lr", "Optimizer", "optimizer_set_lr");
    ok(step_lr(opt, 2) == NULL, "no scheduler for a freed optimizer");
    said_freed("step_lr", "Optimizer", "step_lr");
    scheduler_step(s);
    is_str(cnb_last_error(), "scheduler_step: the Optimizer of this Scheduler was already freed",
           "a scheduler whose optimizer was freed says so");
    is_int(scheduler_last_epoch(s), 0, "and does not count the step");
    cnb_clear_error();
    scheduler_free(s);
    is_int(scheduler_last_epoch(s), -1, "scheduler_last_epoch of a freed scheduler");
    said_freed("scheduler_last_epoch", "Scheduler", "scheduler_last_epoch");
    scheduler_free(s);
    said_freed("scheduler_free", "Scheduler", "a double scheduler_free");
    model_free(m);
}

static void test_dataset_and_loader(void)
{
    Dataset *ds = items(NULL);
    DataLoader *loader = dataloader(ds, .batch_size = 4);
    dataset_free(ds);
    is_int((long long)dataset_len(ds), 0, "dataset_len after dataset_free");
    said_freed("dataset_len", "Dataset", "dataset_len");
    ok(dataset_get(ds, 0, NULL) == NULL, "dataset_get after dataset_free");
    said_freed("dataset_get", "Dataset", "dataset_get");
    ok(dataloader(ds) == NULL, "no new loader on a freed dataset");
    said_freed("dataloader", "Dataset", "dataloader");
    ok(random_split(ds, 5, 5) == NULL, "no random_split of a freed dataset");
    said_freed("random_split", "Dataset", "random_split");
    dataset_free(ds);
    said_freed("dataset_free", "Dataset", "a double dataset_free (the loader's reference stays)");
    Batch batch;
    int batches = 0;
    float first = -1;
    while (next_batch(loader, &batch)) {
        if (batches++ == 0)
            first = tensor_get(batch.data, 1, 0, 0, 0);
    }
    is_int(batches, 3, "the loader, which keeps the dataset, still gives its batches");
    is_near(first, 1.0, 0, "with the dataset's items");
    is_str(cnb_last_error(), "", "without an error");
    is_int((long long)dataloader_len(loader), 3, "dataloader_len");
    dataloader_free(loader);
    ok(!next_batch(loader, &batch), "next_batch of a freed loader");
    said_freed("next_batch", "DataLoader", "next_batch");
    is_int((long long)dataloader_len(loader), 0, "dataloader_len of a freed loader");
    said_freed("dataloader_len", "DataLoader", "dataloader_len");
    ok(dataloader_dataset(loader) == NULL, "dataloader_dataset of a freed loader");
    said_freed("dataloader_dataset", "DataLoader", "dataloader_dataset");
    dataloader_free(loader);
    said_freed("dataloader_free", "DataLoader", "a double dataloader_free");

    Dataset *whole = items(NULL);
    Dataset **parts = random_split(whole, 4, 6);
    dataset_free(whole);
    is_int((long long)dataset_len(parts[1]), 6, "a part outlives the freed whole");
    Model *m = small_model();
    Evaluation e = evaluate(m, (DataLoader *)loader, NULL);
    ok(isnan(e.loss), "evaluate with a freed loader gives no numbers");
    said_freed("evaluate", "DataLoader", "evaluate");
    model_free(m);
    dataset_free(parts[0]);
    dataset_free(parts[1]);
    free(parts);
}

static void test_transform(void)
{
    Transform *scale = to_tensor();
    Transform *pipeline = compose(scale, normalize(0.5f, 0.5f));
    transform_free(scale);
    is_str(cnb_last_error(), "transform_free: this Transform belongs to a dataset or a compose, "
           "which frees it with itself; free only the transforms you kept",
           "transform_free of a transform a compose owns refuses");
    is_str(cnb_error_kind_name(cnb_last_error_kind()), "ValueError", "as a ValueError");
    cnb_clear_error();
    Tensor *image = tensor(1, 2, 2);
    tensor_fill(image, 255.0f);
    is_int(transform_apply(pipeline, image), 0, "the compose still works");
    is_near(tensor_get(image, 0, 0, 0), 1.0, 1e-6, "with its own parts");

    Dataset *ds = items(pipeline);
    transform_free(pipeline);
    ok(strstr(cnb_last_error(), "belongs to a dataset or a compose") != NULL,
       "transform_free of a dataset's transform refuses");
    cnb_clear_error();
    Tensor *item = dataset_get(ds, 2, NULL);
    is_near(tensor_get(item, 0, 0, 0), (2.0 / 255.0 - 0.5) / 0.5, 1e-6,
            "the dataset's transform is whole");
    tensor_free(item);
    dataset_free(ds);
    is_int(transform_apply(pipeline, image), -1, "the dataset took its transform along");
    said_freed("transform_apply", "Transform", "transform_apply");
    transform_free(pipeline);
    said_freed("transform_free", "Transform", "transform_free after the dataset freed it");
    transform_free(scale);
    said_freed("transform_free", "Transform", "and its parts");

    Transform *mine = normalize(0.0f, 1.0f);
    transform_free(mine);
    is_str(cnb_last_error(), "", "a transform of one's own is freed");
    ok(compose(mine, to_tensor()) == NULL, "compose with a freed transform");
    said_freed("compose", "Transform", "compose");
    ok(items(mine) == NULL, "a dataset with a freed transform");
    said_freed("custom_dataset", "Transform", "custom_dataset");
    Dataset *plain = items(NULL);
    dataset_set_transform(plain, mine);
    said_freed("dataset_set_transform", "Transform", "dataset_set_transform");
    dataset_free(plain);
    tensor_free(image);
}

static void test_generator_progress_bundle(void)
{
    Generator *g = generator_new(7);
    generator_free(g);
    is_int((long long)generator_u32(g), 0, "generator_u32 of a freed generator");
    said_freed("generator_u32", "Generator", "generator_u32");
    generator_free(g);
    said_freed("generator_free", "Generator", "a double generator_free");
    generator_free(default_generator());
    is_int((long long)generator_initial_seed(default_generator()) != 0, 1,
           "the default generator is never freed");

    Progress *p = progress_new("test", 10);
    progress_finish(p, "done");
    progress_update(p, 5, NULL);
    said_freed("progress_update", "Progress", "progress_update after progress_finish");
    progress_finish(p, NULL);
    said_freed("progress_finish", "Progress", "a second progress_finish");

    CnbBundle *b = bundle_new();
    bundle_add_text(b, "text/plain", "hi");
    bundle_free(b);
    is_int(bundle_add_text(b, "text/plain", "again"), -1, "bundle_add_text of a freed bundle");
    said_freed("bundle_add_text", "CnbBundle", "bundle_add_text");
    ok(bundle_find(b, "text/plain", NULL) == NULL, "bundle_find of a freed bundle");
    said_freed("bundle_find", "CnbBundle", "bundle_find");
    bundle_free(b);
    said_freed("bundle_free", "CnbBundle", "a double bundle_free");
}

static void test_other_kinds_and_the_shelf(void)
{
    Tensor *t = tensor(2);
    is_int((long long)dataset_len((const Dataset *)t), 0, "a tensor passed as a dataset");
    is_str(cnb_last_error(), "dataset_len: this is a Tensor, not a Dataset", "is named");
    cnb_clear_error();
    tensor_free(t);

    /* a freed tensor stays recognised while 1023 later ones are freed */
    Tensor *first = tensor(1);
    tensor_free(first);
    for (int i = 0; i < 1000; i++)
        tensor_free(tensor(1));
    is_int(tensor_ndim(first), -1, "a tensor freed a thousand frees ago");
    said_freed("tensor_ndim", "Tensor", "still says so");
}

/* A fork while another thread frees (the kernel snapshots its worker with
 * fork): the child can still free, no shelf lock is left held. */
static atomic_bool churning = true;

static void *churn(void *unused)
{
    (void)unused;
    while (atomic_load(&churning))
        tensor_free(tensor(1));
    return NULL;
}

static void test_fork_while_another_thread_frees(void)
{
    pthread_t thread;
    pthread_create(&thread, NULL, churn, NULL);
    int clean = 0;
    for (int i = 0; i < 50; i++) {
        pid_t child = fork();
        if (child == 0) {
            alarm(5);                 /* a lock left held: SIGALRM, not a hang */
            tensor_free(tensor(2));
            _exit(0);
        }
        int status = -1;
        waitpid(child, &status, 0);
        clean += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    atomic_store(&churning, false);
    pthread_join(thread, NULL);
    is_int(clean, 50, "50 children forked while a thread frees tensors free their own");
}

int main(void)
{
    test_tensor();
    test_model();
    test_training_after_free();
    test_owned_tensors();
    test_layer();
    test_optimizer_and_scheduler();
    test_dataset_and_loader();
    test_transform();
    test_generator_progress_bundle();
    test_other_kinds_and_the_shelf();
    test_fork_while_another_thread_frees();
    return tap_done();
}
