// SPDX-License-Identifier: BSD-3-Clause
/* Small HTML writers for the rich representations (into any FILE, usually
 * an open_memstream buffer). */
#ifndef CNB_PLOT_HTML_H
#define CNB_PLOT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes text with <, >, & and " escaped. */
void html_escape(FILE *out, const char *text);
/* DATA as base64 (RFC 4648, with padding), as a data: URL carries it. */
void html_base64(FILE *out, const void *data, size_t size);
/* An <img> holding PNG bytes as a data: URL, shown at width x height CSS pixels. */
void html_png_image(FILE *out, const void *png, size_t size, int width, int height);

#endif
