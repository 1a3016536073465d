// SPDX-License-Identifier: BSD-3-Clause
/* HMAC-SHA256 message signatures (OpenSSL), as Jupyter's protocol defines
 * them: the hex digest of header, parent header, metadata and content
 * concatenated.  An empty key means messages are neither signed nor checked. */
#ifndef CNB_FRONT_SIGNATURE_H
#define CNB_FRONT_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#define SIGNATURE_HEX_SIZE 64

typedef struct Signer Signer;

/* key: the connection file's key ("" or NULL: no signing). */
Signer *signer_new(const char *key);
void signer_free(Signer *signer);
bool signer_enabled(const Signer *signer);

typedef struct SignedPart { const void *data; size_t size; } SignedPart;

/* Writes the lowercase hex digest and a NUL into hex[SIGNATURE_HEX_SIZE + 1];
 * writes "" when signing is off.  Returns 0, -1 on an OpenSSL failure.
 * Thread-safe: each call works on its own copy of the keyed context. */
int signer_sign(const Signer *signer, const SignedPart *parts, size_t n_parts,
                char hex[SIGNATURE_HEX_SIZE + 1]);
/* True if sig (size bytes, not NUL-terminated) is the signature of parts;
 * always true when signing is off.  Compared in constant time. */
bool signer_verify(const Signer *signer, const void *sig, size_t size,
                   const SignedPart *parts, size_t n_parts);

#endif
