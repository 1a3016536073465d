// SPDX-License-Identifier: BSD-3-Clause
/* Base64 of pictures in HTML (runtime/plot/html.c, OpenSSL's encoder, in
 * pieces): RFC 4648's test vectors, and a round trip through the test's own
 * decoder for sizes around the piece boundary (3072 bytes) and a picture's. */
#include "tap.h"
#include "plot/html.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static char *encoded(const void *data, size_t size, size_t *length)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, length);
    html_base64(out, data, size);
    fclose(out);
    return text;
}

static int value_of(char c)
{
    static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *at = c ? strchr(ALPHABET, c) : NULL;
    return at ? (int)(at - ALPHABET) : -1;
}

/* RFC 4648 section 4, strictly: whole quanta, '=' only at the end.
 * Returns the decoded size, or -1 if TEXT is not such base64. */
static long decode(const char *text, size_t length, unsigned char *out)
{
    if (length % 4)
        return -1;
    long n = 0;
    for (size_t i = 0; i < length; i += 4) {
        bool last = i + 4 == length;
        int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
        uint32_t quantum = 0;
        for (int k = 0; k < 4; k++) {
            int v = k >= 4 - pad ? 0 : value_of(text[i + k]);
            if (v < 0)
                return -1;
            quantum = quantum << 6 | (uint32_t)v;
        }
        for (int k = 0; k < 3 - pad; k++)
            out[n++] = (unsigned char)(quantum >> (16 - 8 * k));
    }
    return n;
}

static void round_trip(size_t size)
{
    unsigned char *data = malloc(size + 1), *back = malloc(size + 3);
    uint32_t state = 2463534242u + (uint32_t)size;
    for (size_t i = 0; i < size; i++) {
        state ^= state << 13, state ^= state >> 17, state ^= state << 5;
        data[i] = (unsigned char)state;
    }
    size_t length;
    char *text = encoded(data, size, &length);
    long got = decode(text, length, back);
    ok(length == (size + 2) / 3 * 4 && got == (long)size && memcmp(back, data, size) == 0,
       "%zu bytes: %zu characters, decoded back to the same bytes", size, length);
    free(text);
    free(data);
    free(back);
}

int main(void)
{
    static const char *const RFC4648[][2] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof RFC4648 / sizeof RFC4648[0]; i++) {
        size_t length;
        char *text = encoded(RFC4648[i][0], strlen(RFC4648[i][0]), &length);
        is_str(text, RFC4648[i][1], "RFC 4648: BASE64(\"%s\")", RFC4648[i][0]);
        free(text);
    }
    const size_t sizes[] = {1, 2, 3, 4, 255, 3071, 3072, 3073, 3074, 6144, 6145, 130000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        round_trip(sizes[i]);

    char *html = NULL;
    size_t html_size;
    FILE *out = open_memstream(&html, &html_size);
    html_png_image(out, "\x89PNG\r\n\x1a\n", 8, 30, 20);
    fclose(out);
    is_str(html, "<img width=\"30\" height=\"20\" src=\"data:image/png;base64,iVBORw0KGgo=\">",
           "html_png_image: the PNG signature as a data: URL");
    free(html);
    return tap_done();
}
