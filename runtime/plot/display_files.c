// SPDX-License-Identifier: BSD-3-Clause
/* Without a notebook the runtime still shows its pictures: each one is
 * written to a file (an update with the same id overwrites it) and the
 * text forms go to stdout, so a plain C program can use the same calls. */
#include "display_files.h"
#include "host/error_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int display_counter;

/* File name from a display id: letters, digits, '-', '_' and '.' are kept,
 * anything else (a '/', a space) becomes '_', so ids cannot escape the folder. */
static void file_name(char *out, size_t size, const char *id, int counter, const char *extension)
{
    if (!id) {
        snprintf(out, size, "cnb-display-%d.%s", counter, extension);
        return;
    }
    size_t n = 0;
    for (const char *c = id; *c && n + 8 + strlen(extension) < size; c++) {
        bool keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                 || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || (*c == '.' && n > 0);
        out[n++] = keep ? *c : '_';
    }
    snprintf(out + n, size - n, ".%s", extension);
}

static int save(const char *id, const void *data, size_t size, const char *extension)
{
    const char *folder = getenv("CNB_DISPLAY_DIR");
    if (!folder || !*folder)
        folder = ".";
    char name[200], path[4096];
    file_name(name, sizeof name, id, atomic_fetch_add(&display_counter, 1) + 1, extension);
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "wb");
    if (!file)
        return cnb_error("display", "cannot write %s: %s", path, strerror(errno));
    size_t written = fwrite(data, 1, size, file);
    if (fclose(file) != 0 || written != size)
        return cnb_error("display", "cannot write %s: %s", path, strerror(errno));
    printf("[%s]\n", path);
    return 0;
}

static void print_text(const char *text, size_t size)
{
    fwrite(text, 1, size, stdout);
    if (size == 0 || text[size - 1] != '\n')
        putchar('\n');
    fflush(stdout);
}

int display_without_host(const CnbBundle *bundle, const char *id)
{
    size_t size = 0;
    const void *data;
    int status = 0;
    bool shown = false;
    if ((data = bundle_find(bundle, "image/png", &size))) {
        status = save(id, data, size, "png");
        shown = true;
    } else if ((data = bundle_find(bundle, "image/svg+xml", &size))) {
        status = save(id, data, size, "svg");
        shown = true;
    }
    static const char *const TEXT_TYPES[] = {"text/plain", "text/markdown", "text/html"};
    for (int i = 0; i < 3 && !shown; i++)
        if ((data = bundle_find(bundle, TEXT_TYPES[i], &size))) {
            print_text(data, size);
            shown = true;
        }
    fflush(stdout);
    return status;
}
