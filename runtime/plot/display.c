// SPDX-License-Identifier: BSD-3-Clause
/* The display API: one bundle per call, published through the host (the
 * kernel's worker) or, in a plain program, saved or printed (display_files.c). */
#include "cnb/display.h"
#include "host/error_internal.h"
#include "host/object.h"
#include "display_files.h"

#include <stdio.h>
#include <string.h>

int display_bundle(const CnbBundle *bundle, const char *id, bool update)
{
    if (object_dead(bundle, OBJECT_BUNDLE, "display_bundle"))
        return -1;
    if (!bundle)
        return cnb_error("display", "nothing to display (the bundle is NULL)");
    if (update && (!id || !*id))
        return cnb_error("display", "an update needs the display id of the output to replace");
    if (id && !*id)
        id = NULL;
    const CnbHost *host = cnb_host();
    if (host && host->publish) {
        host->publish(update ? CNB_PUBLISH_UPDATE : CNB_PUBLISH_DISPLAY, bundle, id);
        return 0;
    }
    return display_without_host(bundle, id);
}

/* One representation, optionally with the shown size as metadata. */
static int display_one(const char *who, const char *mime, const void *data, size_t size,
                       DisplayOptions options)
{
    CnbBundle *bundle = bundle_new();
    if (!bundle || bundle_add(bundle, mime, data, size) != 0) {
        bundle_free(bundle);
        return cnb_error(who, "cannot make the display data");
    }
    if (options.width > 0 || options.height > 0) {
        char metadata[64];
        if (options.width > 0 && options.height > 0)
            snprintf(metadata, sizeof metadata, "{\"width\": %d, \"height\": %d}",
                     options.width, options.height);
        else if (options.width > 0)
            snprintf(metadata, sizeof metadata, "{\"width\": %d}", options.width);
        else
            snprintf(metadata, sizeof metadata, "{\"height\": %d}", options.height);
        bundle_set_metadata(bundle, mime, metadata);
    }
    int status = display_bundle(bundle, options.id, options.update);
    bundle_free(bundle);
    return status;
}

int display_png_with(const void *bytes, size_t size, DisplayOptions options)
{
    static const unsigned char SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!bytes || size < sizeof SIGNATURE || memcmp(bytes, SIGNATURE, sizeof SIGNATURE) != 0)
        return cnb_error("display_png", "the bytes are not a PNG image");
    return display_one("display_png", "image/png", bytes, size, options);
}

static int display_string(const char *who, const char *mime, const char *text,
                          DisplayOptions options)
{
    if (!text)
        return cnb_error(who, "the text is NULL");
    return display_one(who, mime, text, strlen(text), options);
}

int display_svg_with(const char *svg, DisplayOptions options)
{
    return display_string("display_svg", "image/svg+xml", svg, options);
}

int display_html_with(const char *html, DisplayOptions options)
{
    return display_string("display_html", "text/html", html, options);
}

int display_markdown_with(const char *markdown, DisplayOptions options)
{
    return display_string("display_markdown", "text/markdown", markdown, options);
}

int display_text_with(const char *text, DisplayOptions options)
{
    return display_string("display_text", "text/plain", text, options);
}

void clear_output(bool wait)
{
    const CnbHost *host = cnb_host();
    if (host && host->clear_output)
        host->clear_output(wait);
}
