// SPDX-License-Identifier: BSD-3-Clause
/* Jupyter directories, mkdir -p and rm -rf (see jupyter_paths.h). */
#include "jupyter_paths.h"

#include <errno.h>
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
