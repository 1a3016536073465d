// SPDX-License-Identifier: BSD-3-Clause
/* Rich output from any cell: pictures, HTML, Markdown, text.
 *
 * In the notebook each call becomes display_data, or update_display_data
 * with .update = true, which replaces the output shown under .id:
 *     display_html("<b>0 %</b>", .id = "stand");
 *     display_html("<b>50 %</b>", .id = "stand", .update = true);
 * In a plain program (no host), PNG and SVG are written to files in
 * $CNB_DISPLAY_DIR or the current directory (cnb-display-N.png, or <id>.png
 * when an id is given; an update overwrites it) and their path is printed;
 * text, HTML and Markdown are printed to stdout. */
#ifndef CNB_DISPLAY_H
#define CNB_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include "cnb/host.h"

typedef struct DisplayOptions {
    const char *id;           /* display id, to update the output later */
    bool update;              /* replace the output shown under id */
    int width, height;        /* shown size in CSS pixels (PNG metadata) */
    int _unused;
} DisplayOptions;

#define display_png(bytes, size, ...) display_png_with((bytes), (size), (DisplayOptions){._unused = 0, __VA_ARGS__})
#define display_svg(text, ...) display_svg_with((text), (DisplayOptions){._unused = 0, __VA_ARGS__})
#define display_html(text, ...) display_html_with((text), (DisplayOptions){._unused = 0, __VA_ARGS__})
#define display_markdown(text, ...) display_markdown_with((text), (DisplayOptions){._unused = 0, __VA_ARGS__})
#define display_text(text, ...) display_text_with((text), (DisplayOptions){._unused = 0, __VA_ARGS__})
int display_png_with(const void *bytes, size_t size, DisplayOptions options);
int display_svg_with(const char *svg, DisplayOptions options);
int display_html_with(const char *html, DisplayOptions options);
int display_markdown_with(const char *markdown, DisplayOptions options);
int display_text_with(const char *text, DisplayOptions options);
/* Any bundle; with update true, replaces the output that has this id. */
int display_bundle(const CnbBundle *bundle, const char *id, bool update);
void clear_output(bool wait);

#endif
