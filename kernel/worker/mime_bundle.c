// SPDX-License-Identifier: BSD-3-Clause
/* CnbBundle -> Jupyter MIME bundle; see mime_bundle.h. */
#include "mime_bundle.h"
#include "wire/utf8.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* Types that travel as text; everything else (image/png, ...) is binary. */
static bool is_text_type(const char *mime)
{
    return strncmp(mime, "text/", 5) == 0 || strcmp(mime, "image/svg+xml") == 0 ||
           strcmp(mime, "application/javascript") == 0 || strstr(mime, "json") != NULL;
}

static json_t *base64(const void *data, size_t size)
{
    char *text = malloc(4 * ((size + 2) / 3) + 1);
    if (!text)
        return NULL;
    EVP_EncodeBlock((unsigned char *)text, data, (int)size);
    json_t *value = json_string(text);
    free(text);
    return value;
}

static json_t *text_value(const char *mime, const void *data, size_t size)
{
    if (strstr(mime, "json")) {
        json_t *value = json_loadb(data, size, JSON_DECODE_ANY, NULL);
        if (value)
            return value;
    }
    size_t clean_size;
    char *clean = utf8_sanitize(data, size, &clean_size);
    json_t *value = clean ? json_stringn(clean, clean_size) : NULL;
    free(clean);
    return value;
}

int mime_bundle_to_json(const CnbBundle *bundle, json_t **data, json_t **metadata)
{
    *data = json_object();
    *metadata = json_object();
    if (!*data || !*metadata)
        goto fail;
    for (size_t i = 0; i < bundle_count(bundle); i++) {
        const char *mime = bundle_mime(bundle, i);
        size_t size;
        const void *bytes = bundle_data(bundle, i, &size);
        json_t *value = is_text_type(mime) ? text_value(mime, bytes, size) : base64(bytes, size);
        if (!value || json_object_set_new(*data, mime, value) != 0)
            goto fail;
        const char *meta = bundle_metadata(bundle, i);
        json_t *meta_value = meta ? json_loads(meta, 0, NULL) : NULL;
        if (meta_value)
            json_object_set_new(*metadata, mime, meta_value);
    }
    return 0;
fail:
    json_decref(*data);
    json_decref(*metadata);
    *data = *metadata = NULL;
    return -1;
}
