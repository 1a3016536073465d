// SPDX-License-Identifier: BSD-3-Clause
/* HMAC-SHA256 signing and constant-time verification (see signature.h). */
#include "signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

struct Signer {
    EVP_MAC *mac;
    EVP_MAC_CTX *keyed;   /* initialised with the key; duplicated per message */
};

Signer *signer_new(const char *key)
{
    Signer *signer = calloc(1, sizeof *signer);
    if (!signer || !key || !*key)
        return signer;
    signer->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    signer->keyed = signer->mac ? EVP_MAC_CTX_new(signer->mac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end()};
    if (!signer->keyed || !EVP_MAC_init(signer->keyed, (const unsigned char *)key, strlen(key), params)) {
        signer_free(signer);
        return NULL;
    }
    return signer;
}

void signer_free(Signer *signer)
{
    if (!signer)
        return;
    EVP_MAC_CTX_free(signer->keyed);
    EVP_MAC_free(signer->mac);
    free(signer);
}

bool signer_enabled(const Signer *signer)
{
    return signer && signer->keyed;
}

int signer_sign(const Signer *signer, const SignedPart *parts, size_t n_parts,
                char hex[SIGNATURE_HEX_SIZE + 1])
{
    hex[0] = '\0';
    if (!signer_enabled(signer))
        return 0;
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(signer->keyed);
    if (!ctx)
        return -1;
    unsigned char digest[32];
    size_t length = 0;
    int ok = 1;
    for (size_t i = 0; ok && i < n_parts; i++)
        ok = EVP_MAC_update(ctx, parts[i].data, parts[i].size);
    ok = ok && EVP_MAC_final(ctx, digest, &length, sizeof digest) && length == sizeof digest;
    EVP_MAC_CTX_free(ctx);
    if (!ok)
        return -1;
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof digest; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[SIGNATURE_HEX_SIZE] = '\0';
    return 0;
}

bool signer_verify(const Signer *signer, const void *sig, size_t size,
                   const SignedPart *parts, size_t n_parts)
{
    if (!signer_enabled(signer))
        return true;
    char expected[SIGNATURE_HEX_SIZE + 1];
    if (size != SIGNATURE_HEX_SIZE || signer_sign(signer, parts, n_parts, expected) < 0)
        return false;
    /* The length is public; the digest must not leak through timing. */
    return CRYPTO_memcmp(expected, sig, SIGNATURE_HEX_SIZE) == 0;
}
