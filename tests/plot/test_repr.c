// SPDX-License-Identifier: BSD-3-Clause
/* Trailing-expression representations of runtime objects: what a cell
 * ending in `model` or `train_dataset` (no semicolon) shows. */
#include "cnb.h"
#include "tap.h"
#include "fontconfig_leak.h"

static char *printed_model(const Model *model)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    model_fprint(out, model);
    fclose(out);
    while (size > 0 && text[size - 1] == '\n')
        text[--size] = '\0';
    return text;
}

static void test_model(void)
{
    manual_seed(42);
    Model *model = sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                              linear(128, 64), relu(), linear(64, 10));
    model_set_name(model, "MNISTClassifier");
    CnbBundle *b = cnb_repr_model(model);
    ok(b != NULL, "cnb_repr_model gives a bundle");
    char *printed = printed_model(model);
    is_str(bundle_find(b, "text/plain", NULL), printed, "its text is print(model)");
    const char *html = bundle_find(b, "text/html", NULL);
    ok(html && strstr(html, "<table"), "its HTML is a table");
    ok(html && strstr(html, "MNISTClassifier"), "named after the model");
    int rows = 0;
    for (const char *p = html; p && (p = strstr(p, "<tr><td>")); p++)
        rows += p[8] >= '0' && p[8] <= '9';
    is_int(rows, 8, "one row per layer");
    ok(html && strstr(html, "<b>Flatten</b>(") && strstr(html, "[B, 784]"),
       "Flatten's output is [B, 784] (the next layer's input)");
    ok(html && strstr(html, "<b>Linear</b>(in_features=784, out_features=256, bias=True)"),
       "layers show their arguments");
    ok(html && strstr(html, "[B, 256]") && strstr(html, "[B, 10]"), "output shapes follow the weights");
    ok(html && strstr(html, "200\u202f960"), "the first Linear has 784*256+256 = 200 960 parameters");
    ok(html && strstr(html, "242\u202f762"), "the total is 242 762");
    ok(html && strstr(html, "Trainingsmodus"), "and the mode is shown");
    bundle_free(b);
    free(printed);
    model_free(model);

    b = cnb_repr_model(NULL);
    is_str(bundle_find(b, "text/plain", NULL), "NULL", "a NULL model");
    bundle_free(b);
}

/* A CNN's table: channels after the convolutions, kernel, stride and
 * padding in a column of their own, and the first Linear after flatten. */
static void test_cnn_model(void)
{
    manual_seed(42);
    Model *model = sequential(conv2d(1, 8, 3, .padding = 1), relu(), max_pool2d(2),
                              conv2d(8, 16, 3, .padding = PADDING_SAME), batch_norm2d(16), relu(),
                              max_pool2d(2), flatten(), linear(16 * 7 * 7, 10));
    CnbBundle *b = cnb_repr_model(model);
    const char *html = b ? bundle_find(b, "text/html", NULL) : NULL;
    ok(html && strstr(html, "<th style=\"text-align:left\">Kernel · Stride · Padding</th>"),
       "a column for kernel, stride and padding");
    ok(html && strstr(html, "3×3 · 1 · 1"), "conv2d(1, 8, 3, .padding = 1): 3×3 · 1 · 1");
    ok(html && strstr(html, "3×3 · 1 · same"), "padding 'same' is named");
    ok(html && strstr(html, "2×2 · 2 · 0"), "max_pool2d(2): 2×2 · 2 · 0");
    ok(html && strstr(html, "[B, 8, H, W]") && strstr(html, "[B, 16, H, W]"),
       "feature maps with their channels");
    ok(html && strstr(html, "[B, 784]") && strstr(html, "[B, 10]"),
       "flatten gives the Linear's 16 * 7 * 7 = 784 inputs");
    ok(html && strstr(html, "colspan=\"3\""), "the sum spans the extra column");
    bundle_free(b);
    model_free(model);
}

static char *printed_dataset(const Dataset *dataset)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    dataset_fprint(out, dataset);
    fclose(out);
    while (size > 0 && text[size - 1] == '\n')
        text[--size] = '\0';
    return text;
}

static void test_dataset(void)
{
    const char *root = getenv("CNB_TEST_DATA");
    Dataset *test = fashion_mnist(root ? root : "data", .train = false, .download = true,
                                  .transform = compose(random_rotation(10), to_tensor()));
    if (!test) {
        ok(1, "# SKIP Fashion-MNIST is not installed");
        return;
    }
    manual_seed(7);
    uint32_t undisturbed = random_u32();
    manual_seed(7);
    CnbBundle *b = cnb_repr_dataset(test);
    is_int(random_u32(), undisturbed, "showing a dataset draws no random numbers (its rotation is not run)");
    char *printed = printed_dataset(test);
    is_str(bundle_find(b, "text/plain", NULL), printed, "a dataset's text is dataset_fprint's");
    const char *html = bundle_find(b, "text/html", NULL);
    ok(html && strstr(html, "10 Klassen: T-Shirt, Trouser") && strstr(html, "Ankle Boot"),
       "its HTML names the classes");
    ok(html && strstr(html, "<img width=\"") && strstr(html, "src=\"data:image/png;base64,iVBORw0KGgo"),
       "and shows a strip of images inline (a PNG data URL)");
    size_t size = 0;
    const unsigned char *png = bundle_find(b, "image/png", &size);
    ok(png && size > 8 && memcmp(png, "\x89PNG", 4) == 0, "the strip is also the bundle's image/png");
    int width = png ? (png[16] << 24 | png[17] << 16 | png[18] << 8 | png[19]) : 0;
    const char *metadata = NULL;
    for (size_t i = 0; i < bundle_count(b); i++)
        if (strcmp(bundle_mime(b, i), "image/png") == 0)
            metadata = bundle_metadata(b, i);
    char want[64];
    snprintf(want, sizeof want, "\"width\": %d", width / 2);
    ok(metadata && strstr(metadata, want), "shown at half its pixel width (%s)", metadata ? metadata : "none");
    free(printed);
    bundle_free(b);

    DataLoader *loader = dataloader(test, .batch_size = 64);
    CnbBundle *l = cnb_repr_dataloader(loader);
    const char *plain = bundle_find(l, "text/plain", NULL);
    ok(plain && strstr(plain, "157"), "a dataloader's text gives its number of batches");
    bundle_free(l);
    dataloader_free(loader);
    dataset_free(test);
    b = cnb_repr_dataset(NULL);
    ok(b && bundle_find(b, "text/plain", NULL), "a NULL dataset");
    bundle_free(b);
}

int main(void)
{
    test_model();
    test_cnn_model();
    test_dataset();
    return tap_done();
}
