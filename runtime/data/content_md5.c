// SPDX-License-Identifier: BSD-3-Clause
/* The MD5 checksum of a file's content (uncompressed when it is gzip), as
 * the datasets' mirrors publish it: used for the files found on disk
 * (dataset_files.c) and for those just downloaded (download.c). */
#include "data/dataset_files.h"
#include "host/error_internal.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int dataset_content_md5(const char *function, const char *path, char hex[33])
{
    gzFile in = gzopen(path, "rb");
    if (!in)
        return cnb_error(function, "cannot read %s: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *buffer = malloc(1 << 20);
    int rc = md && buffer && EVP_DigestInit_ex(md, EVP_md5(), NULL)
             ? 0 : cnb_error(function, "cannot compute an MD5 checksum");
    int n;
    /* gzread uncompresses a gzip file and passes a plain file through. */
    while (rc == 0 && (n = gzread(in, buffer, 1 << 20)) > 0)
        EVP_DigestUpdate(md, buffer, (size_t)n);
    int code;
    const char *message = gzerror(in, &code);
    if (rc == 0 && code == Z_BUF_ERROR)
        rc = cnb_error(function, "%s: truncated: the gzip stream ends early", path);
    else if (rc == 0 && code != Z_OK)
        rc = cnb_error(function, "%s", message);   /* zlib's message names the file */
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (rc == 0 && EVP_DigestFinal_ex(md, digest, &length) == 1)
        for (unsigned i = 0; i < length && i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    free(buffer);
    EVP_MD_CTX_free(md);
    gzclose(in);
    return rc;
}
