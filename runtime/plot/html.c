// SPDX-License-Identifier: BSD-3-Clause
/* HTML pieces for rich representations.  Pictures inside HTML must travel
 * as data: URLs (base64), since a frontend shows one MIME type per output
 * and prefers text/html. */
#include "html.h"

#include <stdint.h>

void html_escape(FILE *out, const char *text)
{
    for (; text && *text; text++)
        switch (*text) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*text, out);
        }
}

static void base64(FILE *out, const unsigned char *data, size_t size)
{
    static const char ALPHABET[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < size; i += 3) {
        uint32_t chunk = (uint32_t)data[i] << 16;
        if (i + 1 < size)
            chunk |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < size)
            chunk |= data[i + 2];
        fputc(ALPHABET[chunk >> 18 & 63], out);
        fputc(ALPHABET[chunk >> 12 & 63], out);
        fputc(i + 1 < size ? ALPHABET[chunk >> 6 & 63] : '=', out);
        fputc(i + 2 < size ? ALPHABET[chunk & 63] : '=', out);
    }
}

void html_png_image(FILE *out, const void *png, size_t size, int width, int height)
{
    fprintf(out, "<img width=\"%d\" height=\"%d\" src=\"data:image/png;base64,", width, height);
    base64(out, png, size);
    fputs("\">", out);
}
