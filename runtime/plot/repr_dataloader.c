/* A dataloader as a trailing expression: how many batches over what. */
#include "cnb.h"
#include "repr_bundle.h"

CnbBundle *cnb_repr_dataloader(const DataLoader *loader)
{
    if (!loader)
        return repr_bundle(strdup("NULL"), NULL);
    char *plain = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&plain, &size);
    if (!out)
        return NULL;
    size_t batches = dataloader_len(loader);
    const Dataset *dataset = dataloader_dataset(loader);
    fprintf(out, "DataLoader: %zu batch%s", batches, batches == 1 ? "" : "es");
    if (dataset)
        fprintf(out, " over a dataset of %zu items", dataset_len(dataset));
    fclose(out);
    return repr_bundle(plain, NULL);
}
