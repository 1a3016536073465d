// SPDX-License-Identifier: BSD-3-Clause
/* Finding the files of MNIST-like datasets: in root (plain or torchvision's
 * layout), in the installed packages (copied into root), else on the
 * official mirrors (downloaded into root). */
#include "data/dataset_files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "host/error_internal.h"
#include "host/error_attempt.h"

static char *join(const char *a, const char *b, const char *c)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s%s", a, b, c ? c : "") < 0)
        return NULL;
    return path;
}

static bool is_file(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* name, then name.gz, inside dir. */
static char *find_in(const char *dir, const char *name)
{
    const char *suffixes[] = {"", ".gz"};
    for (int i = 0; i < 2; i++) {
        char *path = join(dir, name, suffixes[i]);
        if (is_file(path))
            return path;
        free(path);
    }
    return NULL;
}

static char *raw_dir(const DatasetSpec *spec, const char *root)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s/raw", root, spec->folder) < 0)
        return NULL;
    return path;
}

char *dataset_find_file(const DatasetSpec *spec, const char *root, const char *name)
{
    char *dir = raw_dir(spec, root);
    char *path = dir ? find_in(dir, name) : NULL;
    free(dir);
    return path ? path : find_in(root, name);
}

int dataset_make_dirs(const char *function, const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return cnb_error(function, "out of memory");
    for (char *p = copy + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            int rc = cnb_error(function, "cannot create folder %s: %s", copy, strerror(errno));
            free(copy);
            return rc;
        }
        if (saved == '\0')
            break;
        *p = saved;
    }
    free(copy);
    return 0;
}

/* ---- writing files whole: a temporary file in the same folder, then rename ---- */

static FILE *open_temp(const char *function, const char *path, char **temp_path)
{
    if (asprintf(temp_path, "%s.partXXXXXX", path) < 0) {
        *temp_path = NULL;
        cnb_error(function, "out of memory");
        return NULL;
    }
    int fd = mkstemp(*temp_path);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!out) {
        cnb_error(function, "cannot write %s: %s", *temp_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(*temp_path);
        *temp_path = NULL;
    }
    return out;
}

/* Closes the temporary file and renames it to path if ok, else removes it. */
static int finish_temp(const char *function, FILE *out, char *temp_path, const char *path, int ok)
{
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
        if (ok == 0)
            ok = cnb_error(function, "cannot write %s: %s", temp_path, strerror(errno));
    }
    fclose(out);
    if (ok == 0) {
        mode_t mask = umask(0);   /* mkstemp made it 0600: give it the usual mode */
        umask(mask);
        chmod(temp_path, 0666 & ~mask);
        if (rename(temp_path, path) != 0)
            ok = cnb_error(function, "cannot rename %s to %s: %s", temp_path, path,
                           strerror(errno));
    }
    if (ok != 0)
        unlink(temp_path);
    free(temp_path);
    return ok;
}

static int copy_file(const char *function, const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return cnb_error(function, "cannot read %s: %s", from, strerror(errno));
    char *temp = NULL;
    FILE *out = open_temp(function, to, &temp);
    if (!out) {
        fclose(in);
        return -1;
    }
    enum { CHUNK = 1 << 20 };
    char *buffer = malloc(CHUNK);
    size_t n;
    int rc = buffer ? 0 : cnb_error(function, "out of memory");
    while (rc == 0 && (n = fread(buffer, 1, CHUNK, in)) > 0) {
        if (fwrite(buffer, 1, n, out) != n) {
            rc = cnb_error(function, "cannot write %s: %s", temp, strerror(errno));
            break;
        }
    }
    if (rc == 0 && ferror(in))
        rc = cnb_error(function, "cannot read %s: %s", from, strerror(errno));
    free(buffer);
    fclose(in);
    return finish_temp(function, out, temp, to, rc);
}

int dataset_extract_gz(const char *function, const char *gz_path, const char *path)
{
    gzFile in = gzopen(gz_path, "rb");
    if (!in)
        return cnb_error(function, "cannot read %s: %s", gz_path, strerror(errno));
    gzbuffer(in, 1u << 18);
    char *temp = NULL;
    FILE *out = open_temp(function, path, &temp);
    if (!out) {
        gzclose(in);
        return -1;
    }
    char *buffer = malloc(1 << 20);
    int rc = buffer ? 0 : cnb_error(function, "out of memory");
    int n;
    while (rc == 0 && (n = gzread(in, buffer, 1 << 20)) > 0)
        if (fwrite(buffer, 1, (size_t)n, out) != (size_t)n)
            rc = cnb_error(function, "cannot write %s: %s", temp, strerror(errno));
    int code;
    const char *message = gzerror(in, &code);
    if (rc == 0 && code == Z_BUF_ERROR)
        rc = cnb_error(function, "%s: truncated: the gzip stream ends early", gz_path);
    else if (rc == 0 && code != Z_OK)
        rc = cnb_error(function, "%s", message);   /* zlib's message names the file */
    free(buffer);
    gzclose(in);
    return finish_temp(function, out, temp, path, rc);
}

/* ---- installed packages ---- */

#define MAX_PACKAGE_DIRS 64

static void add_dir(char **dirs, int *count, char *dir)
{
    if (dir && *count < MAX_PACKAGE_DIRS)
        dirs[(*count)++] = dir;
    else
        free(dir);
}

/* data/<folder>/raw in the current folder and each folder above it: the copy
 * shipped in cnb's source tree, for a notebook opened there (the lesson's
 * data_path is relative to notebooks/) before or without `make install`. */
static void add_tree_dirs(const char *folder, char **dirs, int *count)
{
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return;
    for (;;) {
        char *dir = NULL;
        if (asprintf(&dir, "%s/data/%s/raw", cwd, folder) >= 0)
            add_dir(dirs, count, dir);
        char *slash = strrchr(cwd, '/');
        if (!slash || slash == cwd)
            break;
        *slash = '\0';
    }
}

/* Every folder that may hold an installed copy, most specific first.
 * CNB_DATA_NO_PACKAGES=1 skips them all (tests of the download use it). */
static int package_dirs(const DatasetSpec *spec, char **dirs)
{
    int count = 0;
    const char *skip = getenv("CNB_DATA_NO_PACKAGES");
    if (skip && *skip && strcmp(skip, "0") != 0)
        return 0;
    const char *env = spec->env_dir ? getenv(spec->env_dir) : NULL;
    if (env && *env)
        add_dir(dirs, &count, strdup(env));
    add_tree_dirs(spec->folder, dirs, &count);
    for (int i = 0; spec->system_dirs && spec->system_dirs[i]; i++)
        add_dir(dirs, &count, strdup(spec->system_dirs[i]));
    add_dir(dirs, &count, join(CNB_DATADIR, spec->folder, NULL));
    return count;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* An installed or shipped copy is checked before a byte of it is written
 * into raw/: a damaged or different file would otherwise be read as the
 * dataset from then on, with nothing to say that it is not. */
static int check_source(const DatasetSpec *spec, const char *source, const DatasetFile *file)
{
    if (!file->content_md5)
        return 0;
    char md5[33] = "";
    if (dataset_content_md5(spec->function, source, md5) != 0)
        return -1;   /* says what is wrong with the file (truncated, corrupt gzip) */
    if (strcmp(md5, file->content_md5) == 0)
        return 0;
    return cnb_error(spec->function, "%s: checksum mismatch: content MD5 %s, expected %s for %s; "
                     "not copied", source, md5, file->content_md5, file->name);
}

/* Copies one file from a package into raw/ (a .gz is also extracted, as
 * torchvision does).  1 if no package has it, 0 when done, -1 on error
 * (then raw/ holds nothing of it). */
static int copy_from_packages(const DatasetSpec *spec, const char *raw, const DatasetFile *file)
{
    char *dirs[MAX_PACKAGE_DIRS];
    int count = package_dirs(spec, dirs);
    char *source = NULL;
    for (int i = 0; i < count && !source; i++)
        source = find_in(dirs[i], file->name);
    for (int i = 0; i < count; i++)
        free(dirs[i]);
    if (!source)
        return 1;
    printf("%s: copying %s into %s/\n", spec->title, source, raw);
    fflush(stdout);
    bool gz = ends_with(source, ".gz");
    char *target = join(raw, file->name, gz ? ".gz" : "");
    char *extracted = join(raw, file->name, NULL);
    int rc = target && extracted ? check_source(spec, source, file)
                                 : cnb_error(spec->function, "out of memory");
    if (rc == 0)
        rc = copy_file(spec->function, source, target);
    if (rc == 0 && gz && (rc = dataset_extract_gz(spec->function, target, extracted)) != 0)
        unlink(target);
    free(source);
    free(target);
    free(extracted);
    return rc;
}

/* ---- the mirrors ---- */

static int download_from_mirrors(const DatasetSpec *spec, const char *raw, const DatasetFile *file)
{
    const char *override = getenv("CNB_DATA_MIRROR");
    const char *only[] = {override, NULL};
    const char *const *mirrors = override && *override ? only : spec->mirrors;
    char *target = join(raw, file->name, ".gz");
    char *extracted = join(raw, file->name, NULL);
    int rc = -1;
    /* A mirror that fails is not yet the call's failure: the next may deliver. */
    cnb_error_attempts_begin();
    for (int i = 0; mirrors[i] && rc != 0 && target && extracted; i++) {
        const char *base = mirrors[i];
        char *url = NULL;
        if (asprintf(&url, "%s%s%s.gz", base, ends_with(base, "/") ? "" : "/", file->name) < 0)
            break;
        rc = download_file(spec->function, url, target, file);
        free(url);
    }
    cnb_error_attempts_end();
    if (rc == 0)
        rc = dataset_extract_gz(spec->function, target, extracted);
    else
        cnb_error(spec->function, "%s: not found in %s and no mirror could deliver it",
                  file->name, spec->package);
    free(target);
    free(extracted);
    return rc;
}

int dataset_fetch(const DatasetSpec *spec, const char *root, const DatasetFile *const *files,
                  int count)
{
    char *raw = raw_dir(spec, root);
    int rc = raw ? dataset_make_dirs(spec->function, raw) : cnb_error(spec->function, "out of memory");
    for (int i = 0; i < count && rc == 0; i++) {
        char *present = dataset_find_file(spec, root, files[i]->name);
        if (present) {
            free(present);
            continue;
        }
        rc = copy_from_packages(spec, raw, files[i]);
        if (rc == 1)
            rc = download_from_mirrors(spec, raw, files[i]);
    }
    free(raw);
    return rc;
}
