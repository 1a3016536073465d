// SPDX-License-Identifier: BSD-3-Clause
/* Representations end the same way: text for consoles, HTML for notebooks. */
#include "repr_bundle.h"

#include <stdlib.h>

char *repr_printed(void (*print)(FILE *out, const void *object), const void *object)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    print(out, object);
    fclose(out);
    while (size > 0 && text[size - 1] == '\n')
        text[--size] = '\0';
    return text;
}

CnbBundle *repr_bundle(char *plain, char *html)
{
    CnbBundle *bundle = plain ? bundle_new() : NULL;
    if (bundle && (bundle_add_text(bundle, "text/plain", plain) != 0
                   || (html && bundle_add_text(bundle, "text/html", html) != 0))) {
        bundle_free(bundle);
        bundle = NULL;
    }
    free(plain);
    free(html);
    return bundle;
}
