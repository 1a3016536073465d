// SPDX-License-Identifier: BSD-3-Clause
/* HMAC-SHA256 signing of Jupyter messages: known vectors (RFC 4231 and the
 * classic "quick brown fox"), multi-part input, the empty key, and proof
 * that verification goes through OpenSSL's constant-time CRYPTO_memcmp. */
#include <stddef.h>
#include <string.h>

#include "signature.h"
#include "tap.h"

/* This definition takes the place of libcrypto's for the code linked into
 * this program, so the test sees every call verification makes. */
static int memcmp_calls;
int CRYPTO_memcmp(const void *a, const void *b, size_t size);
int CRYPTO_memcmp(const void *a, const void *b, size_t size)
{
    const unsigned char *x = a, *y = b;
    unsigned char diff = 0;
    memcmp_calls++;
    for (size_t i = 0; i < size; i++)
        diff |= x[i] ^ y[i];
    return diff;
}

static void check_vector(const char *key, const char *data, const char *want, const char *name)
{
    Signer *signer = signer_new(key);
    char hex[SIGNATURE_HEX_SIZE + 1];
    SignedPart part = {data, strlen(data)};
    ok(signer && signer_sign(signer, &part, 1, hex) == 0, "%s: signs", name);
    is_str(hex, want, "%s: digest", name);
    signer_free(signer);
}

static void known_vectors(void)
{
    check_vector("Jefe", "what do ya want for nothing?",
                 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "RFC 4231 case 2");
    char key[21];
    memset(key, 0x0b, 20);
    key[20] = '\0';
    check_vector(key, "Hi There",
                 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "RFC 4231 case 1");
    check_vector("key", "The quick brown fox jumps over the lazy dog",
                 "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", "quick brown fox");
}

static void parts_concatenate(void)
{
    Signer *signer = signer_new("Jefe");
    SignedPart parts[] = {{"what do ya ", 11}, {"", 0}, {"want for ", 9}, {"nothing?", 8}};
    char hex[SIGNATURE_HEX_SIZE + 1];
    signer_sign(signer, parts, 4, hex);
    is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
           "the digest of the parts is the digest of their concatenation");
    /* The same signer, used again, starts from the key each time. */
    signer_sign(signer, parts, 4, hex);
    is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
           "signing again gives the same digest");
    signer_free(signer);
}

static void verification(void)
{
    Signer *signer = signer_new("Jefe");
    SignedPart part = {"what do ya want for nothing?", 28};
    char good[] = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    memcmp_calls = 0;
    ok(signer_verify(signer, good, 64, &part, 1), "the right signature verifies");
    ok(memcmp_calls == 1, "verification compares with CRYPTO_memcmp (constant time)");
    char bad[65];
    memcpy(bad, good, 65);
    bad[63] = bad[63] == '3' ? '4' : '3';
    ok(!signer_verify(signer, bad, 64, &part, 1), "a signature differing in the last digit fails");
    bad[63] = good[63];
    bad[0] = 'X';
    ok(!signer_verify(signer, bad, 64, &part, 1), "a signature differing in the first digit fails");
    ok(!signer_verify(signer, good, 63, &part, 1), "a truncated signature fails");
    ok(!signer_verify(signer, "", 0, &part, 1), "an empty signature fails when signing is on");
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (good[i] >= 'a' && good[i] <= 'f') ? (char)(good[i] - 32) : good[i];
    ok(!signer_verify(signer, upper, 64, &part, 1), "upper-case hex is not the protocol's signature");
    SignedPart other = {"what do ya want for nothing!", 28};
    ok(!signer_verify(signer, good, 64, &other, 1), "a changed message fails");
    signer_free(signer);
}

static void no_key(void)
{
    Signer *signer = signer_new("");
    ok(signer != NULL && !signer_enabled(signer), "an empty key turns signing off");
    char hex[SIGNATURE_HEX_SIZE + 1] = "x";
    SignedPart part = {"data", 4};
    ok(signer_sign(signer, &part, 1, hex) == 0 && hex[0] == '\0', "without a key the signature is empty");
    ok(signer_verify(signer, "", 0, &part, 1), "without a key any message is accepted");
    signer_free(signer);
    Signer *null_key = signer_new(NULL);
    ok(null_key && !signer_enabled(null_key), "a NULL key turns signing off too");
    signer_free(null_key);
    Signer *keyed = signer_new("k");
    ok(signer_enabled(keyed), "a key turns signing on");
    signer_free(keyed);
}

int main(void)
{
    known_vectors();
    parts_concatenate();
    verification();
    no_key();
    return tap_done();
}
