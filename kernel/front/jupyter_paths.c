/* Jupyter directories, mkdir -p and rm -rf (see jupyter_paths.h). */
#include "jupyter_paths.h"

#include <errno.h>
#include <ftw.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && *home)
        return home;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_dir : "/tmp";
}

char *jupyter_data_dir(void)
{
    const char *explicit = getenv("JUPYTER_DATA_DIR");
    if (explicit && *explicit)
        return strdup(explicit);
    char *path = NULL;
    const char *xdg = getenv("XDG_DATA_HOME");
    int rc = (xdg && *xdg) ? asprintf(&path, "%s/jupyter", xdg)
                           : asprintf(&path, "%s/.local/share/jupyter", home_dir());
    return rc < 0 ? NULL : path;
}

int make_dirs(const char *path, int mode)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, mode) < 0 && errno != EEXIST) {
            free(copy);
            return -1;
        }
        *p = '/';
    }
    int rc = (mkdir(copy, mode) < 0 && errno != EEXIST) ? -1 : 0;
    free(copy);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st; (void)type; (void)ftw;
    return remove(path);
}

int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
