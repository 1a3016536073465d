// SPDX-License-Identifier: BSD-3-Clause
/* Directory trees; see dir_tree.h. */
#include "dir_tree.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A parent that cannot be made shows in the last mkdir, which then fails. */
int make_dirs(const char *path, int mode)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    for (char *p = copy + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(copy, mode);
            *p = '/';
        }
    int rc = mkdir(copy, mode) == 0 || errno == EEXIST ? 0 : -1;
    free(copy);
    return rc;
}

/* nftw's callback has no context argument; one walk per thread at a time. */
static _Thread_local int removal_failed;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st; (void)type; (void)ftw;
    if (remove(path) != 0)
        removal_failed = 1;
    return 0;
}

int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    removal_failed = 0;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return -1;
    return removal_failed ? -1 : 0;
}
