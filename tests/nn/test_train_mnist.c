// SPDX-License-Identifier: BSD-3-Clause
/* Training on the real MNIST (shipped in the source tree's data/MNIST/raw):
 * a few hundred Adam steps of the lesson's MLP must reach a clearly better
 * than chance accuracy on the 10k test images; evaluate() and
 * confusion_matrix() agree with each other and poll for interrupts. */
#include "cnb.h"
#include "tap.h"

static int interrupt_polls;

static void count_poll(void)
{
    interrupt_polls++;
}

int main(void)
{
    const char *src = getenv("CNB_SRCDIR");
    char root[4096];
    snprintf(root, sizeof root, "%s/data/MNIST/raw", src ? src : "..");
    if (getenv("CNB_MNIST_DIR"))
        snprintf(root, sizeof root, "%s", getenv("CNB_MNIST_DIR"));
    Dataset *train = mnist(root, .train = true, .transform = to_tensor());
    Dataset *test = mnist(root, .train = false, .transform = to_tensor());
    ok(train && test, "MNIST train and test sets from %s", root);
    if (!train || !test)
        return tap_done();
    manual_seed(0);
    DataLoader *train_loader = dataloader(train, .batch_size = 64, .shuffle = true);
    DataLoader *test_loader = dataloader(test, .batch_size = 1000);
    Model *model = sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                              linear(128, 64), relu(), linear(64, 10));
    Loss *criterion = cross_entropy_loss();
    Optimizer *optimizer = adam(model, .lr = 0.001);

    const int steps = 300;
    double first_loss = 0, last_loss = 0;
    Batch batch;
    model_train(model);
    for (int step = 0; step < steps && next_batch(train_loader, &batch); step++) {
        optimizer_zero_grad(optimizer);
        Tensor *output = model_forward(model, batch.data);
        Tensor *loss = loss_forward(criterion, output, batch.target);
        loss_backward(loss);
        optimizer_step(optimizer);
        if (step < 20)
            first_loss += tensor_item(loss) / 20;
        if (step >= steps - 20)
            last_loss += tensor_item(loss) / 20;
    }
    ok(last_loss < first_loss / 3, "training loss falls (%.3f -> %.3f)", first_loss, last_loss);

    CnbHost host = { .check_interrupt = count_poll };
    cnb_set_host(&host);
    Evaluation e = evaluate(model, test_loader, criterion);
    cnb_set_host(NULL);
    is_int(e.total, 10000, "evaluate saw the 10k test images");
    ok(e.accuracy > 85.0, "accuracy after %d steps: %.2f%% (chance is 10%%)", steps, e.accuracy);
    ok(e.loss > 0 && e.loss < 0.6, "test loss %.3f", e.loss);
    ok(interrupt_polls >= 10, "the interrupt flag was polled between batches (%d)", interrupt_polls);
    is_int(model_is_training(model), 0, "evaluate leaves the model in eval mode");

    Tensor *cm = confusion_matrix(model, test_loader, 10);
    ok(cm != NULL, "confusion matrix");
    double diagonal = 0;
    for (int c = 0; c < 10; c++)
        diagonal += tensor_get(cm, c, c);
    is_near(tensor_sum(cm), 10000, 0, "confusion matrix counts every image");
    is_near(diagonal, e.correct, 0, "its diagonal is evaluate's correct count");
    Evaluation again = evaluate(model, test_loader, NULL);
    is_near(again.accuracy, e.accuracy, 0, "evaluate is repeatable (default loss)");
    tensor_free(cm);

    optimizer_free(optimizer);
    loss_free(criterion);
    model_free(model);
    dataloader_free(train_loader);
    dataloader_free(test_loader);
    dataset_free(train);
    dataset_free(test);
    return tap_done();
}
