// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer target: the wire-message parser and the signature check
 * (kernel/front/message.c, signature.c).
 *
 * The input is a multipart message: frames separated by the bytes "|#|".
 * Its first byte picks the key: even, the empty key (no signing: every
 * well-framed message reaches the JSON decoding); odd, a real key, and then
 * bit 1 says whether the harness puts the correct signature into the
 * signature frame (so the JSON decoding is reached under a key too) or
 * leaves the fuzzed one (the check itself is fuzzed).  A message that
 * decodes must encode again and decode to the same header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

#define SEPARATOR "|#|"
#define MAX_FRAMES 64

static Signer *keyed, *unkeyed;

static size_t split(const uint8_t *data, size_t size, Frame *frames)
{
    size_t n = 0, start = 0, sep = strlen(SEPARATOR);
    for (size_t i = 0; n < MAX_FRAMES - 1 && i + sep <= size; i++)
        if (memcmp(data + i, SEPARATOR, sep) == 0) {
            frames[n++] = (Frame){(unsigned char *)data + start, i - start};
            start = i + sep;
            i += sep - 1;
        }
    frames[n++] = (Frame){(unsigned char *)data + start, size - start};
    return n;
}

/* Puts the correct signature of the four parts after the delimiter into the
 * signature frame (a copy, in hex). */
static void sign_in_place(Frame *frames, size_t n, char hex[SIGNATURE_HEX_SIZE + 1])
{
    for (size_t d = 0; d + 6 <= n; d++)
        if (frames[d].size == strlen(MESSAGE_DELIMITER) &&
            memcmp(frames[d].data, MESSAGE_DELIMITER, frames[d].size) == 0) {
            SignedPart parts[4];
            for (int i = 0; i < 4; i++)
                parts[i] = (SignedPart){frames[d + 2 + i].data, frames[d + 2 + i].size};
            if (signer_sign(keyed, parts, 4, hex) == 0)
                frames[d + 1] = (Frame){(unsigned char *)hex, SIGNATURE_HEX_SIZE};
            return;
        }
}

static void check_round_trip(const Message *msg, const Signer *signer)
{
    size_t n;
    Frame *frames = message_encode(msg, signer, &n);
    if (!frames)
        abort();
    Message again;
    const char *why;
    if (message_decode(frames, n, signer, &again, &why) != 0 ||
        !json_equal(msg->header, again.header) || again.n_buffers != msg->n_buffers)
        abort();
    message_clear(&again);
    frames_free(frames, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!keyed) {
        keyed = signer_new("c0ffee-fuzz-key");
        unkeyed = signer_new("");
    }
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    Frame frames[MAX_FRAMES];
    size_t n = split(data + 1, size - 1, frames);
    const Signer *signer = (mode & 1) ? keyed : unkeyed;
    char hex[SIGNATURE_HEX_SIZE + 1];
    if ((mode & 3) == 3)
        sign_in_place(frames, n, hex);
    Message msg;
    const char *why = NULL;
    if (message_decode(frames, n, signer, &msg, &why) == 0) {
        (void)message_type(&msg);
        (void)message_string(&msg, "code", "");
        (void)message_int(&msg, "cursor_pos", 0);
        check_round_trip(&msg, signer);
        message_clear(&msg);
    } else if (!why) {
        abort();   /* a rejection always says why (it is logged) */
    }
    return 0;
}
