// SPDX-License-Identifier: BSD-3-Clause
/* UTF-8 helpers; see utf8.h. */
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/* Length of the sequence a lead byte announces, or 0 for an invalid lead. */
static size_t sequence_length(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 0;
}

/* Length of a valid sequence at p (of at most n bytes), or 0. */
static size_t valid_sequence(const unsigned char *p, size_t n)
{
    size_t length = sequence_length(p[0]);
    if (length == 0 || length > n)
        return 0;
    for (size_t i = 1; i < length; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (length == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
        return 0;   /* overlong, or a surrogate */
    if (length == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
        return 0;
    return length;
}

size_t utf8_complete_prefix(const char *text, size_t size)
{
    const unsigned char *p = (const unsigned char *)text;
    /* Look back at most 3 bytes for a lead byte whose sequence is cut off. */
    for (size_t back = 1; back <= 3 && back <= size; back++) {
        unsigned char c = p[size - back];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t length = sequence_length(c);
        return length > back ? size - back : size;
    }
    return size;
}

char *utf8_sanitize(const char *text, size_t size, size_t *out_size)
{
    char *copy = malloc(3 * size + 1);
    if (!copy)
        return NULL;
    const unsigned char *p = (const unsigned char *)text;
    size_t o = 0;
    for (size_t i = 0; i < size;) {
        size_t length = valid_sequence(p + i, size - i);
        if (length == 0 || (length == 1 && p[i] == 0)) {
            if (p[i] == 0) {
                i++;    /* NUL bytes cannot travel in a JSON string for most clients */
                continue;
            }
            memcpy(copy + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(copy + o, p + i, length);
            o += length;
            i += length;
        }
    }
    copy[o] = '\0';
    if (out_size)
        *out_size = o;
    return copy;
}
