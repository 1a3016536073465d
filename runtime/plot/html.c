// SPDX-License-Identifier: BSD-3-Clause
/* HTML pieces for rich representations.  Pictures inside HTML must travel
 * as data: URLs (base64), since a frontend shows one MIME type per output
 * and prefers text/html. */
#include "html.h"

#include <openssl/evp.h>

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

/* OpenSSL's encoder (libcnb links libcrypto for its MD5 checks already), a
 * piece at a time: a whole multiple of 3 bytes in, so no padding until the
 * end, and no buffer as large as the picture. */
void html_base64(FILE *out, const void *data, size_t size)
{
    enum { PIECE = 3 * 1024 };
    unsigned char text[PIECE / 3 * 4 + 1];
    const unsigned char *bytes = data;
    for (size_t done = 0; done < size; done += PIECE) {
        size_t piece = size - done < PIECE ? size - done : PIECE;
        int length = EVP_EncodeBlock(text, bytes + done, (int)piece);
        fwrite(text, 1, (size_t)length, out);
    }
}

void html_png_image(FILE *out, const void *png, size_t size, int width, int height)
{
    fprintf(out, "<img width=\"%d\" height=\"%d\" src=\"data:image/png;base64,", width, height);
    html_base64(out, png, size);
    fputs("\">", out);
}
