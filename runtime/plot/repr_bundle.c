/* Representations end the same way: text for consoles, HTML for notebooks. */
#include "repr_bundle.h"

#include <stdlib.h>

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
