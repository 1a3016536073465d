// SPDX-License-Identifier: BSD-3-Clause
/* UTF-8 care for text that came from a cell: JSON strings must be valid
 * UTF-8, and a stream cut at a batch boundary must not split a character. */
#ifndef CNB_WIRE_UTF8_H
#define CNB_WIRE_UTF8_H

#include <stddef.h>

/* Length of the longest prefix of text that does not end inside a
 * (possibly still arriving) multi-byte character. */
size_t utf8_complete_prefix(const char *text, size_t size);
/* A valid UTF-8 copy: each invalid byte becomes U+FFFD.  *out_size gets
 * the copy's length; NULL when out of memory. */
char *utf8_sanitize(const char *text, size_t size, size_t *out_size);

#endif
