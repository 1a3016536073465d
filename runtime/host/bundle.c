// SPDX-License-Identifier: BSD-3-Clause
/* MIME bundles: what one display or result carries, one entry per type. */
#include "cnb/host.h"
#include "host/error_internal.h"
#include "host/object.h"

#include <stdlib.h>
#include <string.h>

typedef struct BundleEntry {
    char *mime;
    void *data;
    size_t size;
    char *metadata;
} BundleEntry;

struct CnbBundle {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    BundleEntry *entries;
    size_t count, capacity;
};

CnbBundle *bundle_new(void)
{
    CnbBundle *bundle = calloc(1, sizeof *bundle);
    if (!bundle)
        cnb_error("bundle_new", "out of memory");
    else
        object_init(bundle, OBJECT_BUNDLE);
    return bundle;
}

static bool bundle_dead(const CnbBundle *bundle, const char *function)
{
    return object_dead(bundle, OBJECT_BUNDLE, function);
}

static void entry_clear(BundleEntry *entry)
{
    free(entry->mime);
    free(entry->data);
    free(entry->metadata);
}

void bundle_free(CnbBundle *bundle)
{
    if (bundle_dead(bundle, "bundle_free"))
        return;
    if (!bundle)
        return;
    for (size_t i = 0; i < bundle->count; i++)
        entry_clear(&bundle->entries[i]);
    free(bundle->entries);
    object_retire(bundle, sizeof *bundle, OBJECT_BUNDLE);
}

static BundleEntry *entry_for(CnbBundle *bundle, const char *mime, bool create)
{
    for (size_t i = 0; i < bundle->count; i++)
        if (strcmp(bundle->entries[i].mime, mime) == 0)
            return &bundle->entries[i];
    if (!create)
        return NULL;
    if (bundle->count == bundle->capacity) {
        size_t capacity = bundle->capacity ? 2 * bundle->capacity : 4;
        BundleEntry *grown = realloc(bundle->entries, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        bundle->entries = grown;
        bundle->capacity = capacity;
    }
    BundleEntry *entry = &bundle->entries[bundle->count];
    *entry = (BundleEntry){.mime = strdup(mime)};
    if (!entry->mime)
        return NULL;
    bundle->count++;
    return entry;
}

int bundle_add(CnbBundle *bundle, const char *mime, const void *data, size_t size)
{
    if (bundle_dead(bundle, "bundle_add"))
        return -1;
    if (!bundle || !mime || (!data && size))
        return cnb_error("bundle_add", "needs a bundle, a MIME type and data");
    /* One spare NUL byte so text entries can be read as C strings. */
    void *copy = malloc(size + 1);
    if (!copy)
        return cnb_error("bundle_add", "out of memory for %zu bytes", size);
    if (size)
        memcpy(copy, data, size);
    ((char *)copy)[size] = '\0';
    BundleEntry *entry = entry_for(bundle, mime, true);
    if (!entry) {
        free(copy);
        return cnb_error("bundle_add", "out of memory");
    }
    free(entry->data);
    entry->data = copy;
    entry->size = size;
    return 0;
}

int bundle_add_text(CnbBundle *bundle, const char *mime, const char *text)
{
    if (bundle_dead(bundle, "bundle_add_text"))
        return -1;
    if (!text)
        return cnb_error("bundle_add_text", "text is NULL");
    return bundle_add(bundle, mime, text, strlen(text));
}

int bundle_set_metadata(CnbBundle *bundle, const char *mime, const char *metadata_json)
{
    if (bundle_dead(bundle, "bundle_set_metadata"))
        return -1;
    if (!bundle || !mime || !metadata_json)
        return cnb_error("bundle_set_metadata", "needs a bundle, a MIME type and JSON text");
    BundleEntry *entry = entry_for(bundle, mime, false);
    if (!entry)
        return cnb_error("bundle_set_metadata", "the bundle has no %s entry", mime);
    char *copy = strdup(metadata_json);
    if (!copy)
        return cnb_error("bundle_set_metadata", "out of memory");
    free(entry->metadata);
    entry->metadata = copy;
    return 0;
}

size_t bundle_count(const CnbBundle *bundle)
{
    if (bundle_dead(bundle, "bundle_count"))
        return 0;
    return bundle ? bundle->count : 0;
}

const char *bundle_mime(const CnbBundle *bundle, size_t i)
{
    if (bundle_dead(bundle, "bundle_mime"))
        return NULL;
    return bundle && i < bundle->count ? bundle->entries[i].mime : NULL;
}

const void *bundle_data(const CnbBundle *bundle, size_t i, size_t *size)
{
    if (bundle_dead(bundle, "bundle_data"))
        return NULL;
    if (!bundle || i >= bundle->count)
        return NULL;
    if (size)
        *size = bundle->entries[i].size;
    return bundle->entries[i].data;
}

const char *bundle_metadata(const CnbBundle *bundle, size_t i)
{
    if (bundle_dead(bundle, "bundle_metadata"))
        return NULL;
    return bundle && i < bundle->count ? bundle->entries[i].metadata : NULL;
}

const void *bundle_find(const CnbBundle *bundle, const char *mime, size_t *size)
{
    if (bundle_dead(bundle, "bundle_find"))
        return NULL;
    for (size_t i = 0; bundle && i < bundle->count; i++)
        if (strcmp(bundle->entries[i].mime, mime) == 0)
            return bundle_data(bundle, i, size);
    return NULL;
}
