// SPDX-License-Identifier: BSD-3-Clause
/* How datasets and dataloaders show themselves: as torchvision prints a
 * dataset, so the notebook's output reads like the lesson's.
 *
 * The two cnb_repr_* functions are weak: the plot component may define
 * richer ones (HTML with a strip of images) in its own file, and those win
 * at link time without either component editing the other's files. */
#include "data/dataset_impl.h"

#include <stdlib.h>

#include "cnb/host.h"
#include "data/transform_impl.h"

void dataset_fprint(FILE *out, const Dataset *d)
{
    if (!dataset_dead(d, "dataset_print"))
        dataset_write(out, d);
}

void dataset_write(FILE *out, const Dataset *d)
{
    if (!d) {
        fprintf(out, "NULL (no dataset)\n");
        return;
    }
    fprintf(out, "Dataset %s\n    Number of datapoints: %zu\n", d->ops->kind, d->ops->len(d));
    if (d->ops->describe)
        d->ops->describe(d, out);
    const Transform *t = dataset_transform(d);
    if (t) {
        fprintf(out, "    StandardTransform\nTransform: ");
        transform_write(out, t, 0);
        fprintf(out, "\n");
    }
}

void dataset_print(const Dataset *d)
{
    if (dataset_dead(d, "dataset_print"))
        return;
    dataset_fprint(stdout, d);
    fflush(stdout);
}

static CnbBundle *text_bundle(char *text)
{
    CnbBundle *bundle = text ? bundle_new() : NULL;
    if (bundle && bundle_add_text(bundle, "text/plain", text) != 0) {
        bundle_free(bundle);
        bundle = NULL;
    }
    free(text);
    return bundle;
}

/* Without the final newline: the notebook adds its own. */
static char *trimmed(char *text, size_t size)
{
    if (text && size > 0 && text[size - 1] == '\n')
        text[size - 1] = '\0';
    return text;
}

__attribute__((weak)) CnbBundle *cnb_repr_dataset(const Dataset *d)
{
    if (dataset_dead(d, "cnb_repr_dataset"))
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    dataset_fprint(out, d);
    fclose(out);
    return text_bundle(trimmed(text, size));
}

__attribute__((weak)) CnbBundle *cnb_repr_dataloader(const DataLoader *l)
{
    char *text = NULL;
    size_t size = 0;
    if (object_dead(l, OBJECT_DATALOADER, "cnb_repr_dataloader"))
        return NULL;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    if (!l) {
        fprintf(out, "NULL (no dataloader)\n");
    } else {
        fprintf(out, "DataLoader(");
        dataloader_fprint_options(out, l);
        fprintf(out, "): %zu batches of\n", dataloader_len(l));
        dataset_write(out, dataloader_dataset(l));
    }
    fclose(out);
    return text_bundle(trimmed(text, size));
}
