// SPDX-License-Identifier: BSD-3-Clause
/* Downloading one dataset file with libcurl: into a temporary file beside the
 * target, MD5 computed on the fly, a progress line, then checked and renamed.
 * A failed or corrupt transfer never leaves a file under the final name. */
#include "data/dataset_files.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/error_internal.h"

typedef struct Transfer {
    FILE *out;
    EVP_MD_CTX *md5;
    int write_error;
    double last_report;         /* monotonic seconds of the last progress line */
    curl_off_t last_bytes;
} Transfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static size_t on_data(char *data, size_t size, size_t count, void *user)
{
    Transfer *t = user;
    size_t bytes = size * count;
    if (fwrite(data, 1, bytes, t->out) != bytes) {
        t->write_error = errno ? errno : EIO;
        return 0;   /* makes curl stop with CURLE_WRITE_ERROR */
    }
    EVP_DigestUpdate(t->md5, data, bytes);
    return bytes;
}

static void print_progress(curl_off_t done, curl_off_t total)
{
    bool small = (total > 0 ? total : done) < 1000000;
    double unit = small ? 1e3 : 1e6;
    const char *name = small ? "kB" : "MB";
    if (total > 0)
        printf("\r  %.1f / %.1f %s (%d%%)", done / unit, total / unit, name,
               (int)(100 * done / total));
    else
        printf("\r  %.1f %s", done / unit, name);
    fflush(stdout);
}

/* At most a few progress lines a second, and the final one. */
static int on_progress(void *user, curl_off_t total, curl_off_t done, curl_off_t up_total,
                       curl_off_t up_done)
{
    (void)up_total, (void)up_done;
    Transfer *t = user;
    double now = now_seconds();
    if (done != t->last_bytes && (now - t->last_report > 0.25 || (total > 0 && done == total))) {
        print_progress(done, total);
        t->last_report = now;
        t->last_bytes = done;
    }
    return 0;
}

static void hex_digest(EVP_MD_CTX *md5, char hex[33])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    hex[0] = '\0';
    if (EVP_DigestFinal_ex(md5, digest, &length) == 1)
        for (unsigned i = 0; i < length && i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

static CURLcode perform(const char *url, Transfer *transfer, char *error_text)
{
    CURL *curl = curl_easy_init();
    if (!curl)
        return CURLE_FAILED_INIT;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
    /* A stalled mirror gives up after 30 s below 1 kB/s instead of hanging. */
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cnb");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, transfer);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return code;
}

/* The download's MD5 must be the official .gz's, or its content's the
 * official content's (a mirror that recompressed the same data). */
static int verify(const char *function, const char *url, const char *temp,
                  const DatasetFile *file, const char *gz_md5)
{
    if (file->gz_md5 && strcmp(gz_md5, file->gz_md5) == 0)
        return 0;
    char content_md5[33] = "";
    if (dataset_content_md5(function, temp, content_md5) != 0)
        return cnb_error(function, "%s: the download is not a valid gzip file", url);
    if (file->content_md5 && strcmp(content_md5, file->content_md5) == 0)
        return 0;
    return cnb_error(function, "%s: checksum mismatch: MD5 %s, expected %s (content MD5 %s, "
                     "expected %s); the file was not kept", url, gz_md5,
                     file->gz_md5 ? file->gz_md5 : "-", content_md5,
                     file->content_md5 ? file->content_md5 : "-");
}

int download_file(const char *function, const char *url, const char *path,
                  const DatasetFile *file)
{
    pthread_once(&curl_once, curl_start);
    char *temp = NULL;
    if (asprintf(&temp, "%s.partXXXXXX", path) < 0)
        return cnb_error(function, "out of memory");
    int fd = mkstemp(temp);
    Transfer transfer = {.out = fd >= 0 ? fdopen(fd, "wb") : NULL, .md5 = EVP_MD_CTX_new()};
    if (!transfer.out || !transfer.md5 || !EVP_DigestInit_ex(transfer.md5, EVP_md5(), NULL)) {
        int rc = cnb_error(function, "cannot write %s: %s", temp, strerror(errno));
        if (transfer.out)
            fclose(transfer.out);
        else if (fd >= 0)
            close(fd);
        if (fd >= 0)
            unlink(temp);
        EVP_MD_CTX_free(transfer.md5);
        free(temp);
        return rc;
    }
    printf("Downloading %s to %s\n", url, path);
    fflush(stdout);
    char error_text[CURL_ERROR_SIZE] = "";
    CURLcode code = perform(url, &transfer, error_text);
    printf("\n");
    fflush(stdout);
    int rc = 0;
    if (fflush(transfer.out) != 0 || fsync(fileno(transfer.out)) != 0)
        transfer.write_error = errno;
    fclose(transfer.out);
    char gz_md5[33];
    hex_digest(transfer.md5, gz_md5);
    EVP_MD_CTX_free(transfer.md5);
    if (transfer.write_error)
        rc = cnb_error(function, "cannot write %s: %s", temp, strerror(transfer.write_error));
    else if (code != CURLE_OK)
        rc = cnb_error(function, "%s: download failed: %s", url,
                       error_text[0] ? error_text : curl_easy_strerror(code));
    else
        rc = verify(function, url, temp, file, gz_md5);
    if (rc == 0) {
        mode_t mask = umask(0);   /* mkstemp made it 0600: give it the usual mode */
        umask(mask);
        chmod(temp, 0666 & ~mask);
    }
    if (rc == 0 && rename(temp, path) != 0)
        rc = cnb_error(function, "cannot rename %s to %s: %s", temp, path, strerror(errno));
    if (rc != 0)
        unlink(temp);
    free(temp);
    return rc;
}
