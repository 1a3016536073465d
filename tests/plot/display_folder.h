// SPDX-License-Identifier: BSD-3-Clause
/* A picture drawn outside a kernel is written to a file (cnb-display-N.png
 * in $CNB_DISPLAY_DIR, else the current folder).  Tests that draw so send
 * the files to a folder of their own, removed at exit: never into the build
 * tree, where make distcheck's distcleancheck finds them left over. */
#ifndef CNB_TEST_DISPLAY_FOLDER_H
#define CNB_TEST_DISPLAY_FOLDER_H

#include <stdio.h>
#include <stdlib.h>

static char display_folder[] = "/tmp/cnb-display-files-XXXXXX";

static void display_folder_remove(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", display_folder);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", display_folder);
}

/* Returns 0, or -1 (with a message) where no folder could be made. */
static inline int display_into_own_folder(void)
{
    if (!mkdtemp(display_folder)) {
        perror("mkdtemp");
        return -1;
    }
    setenv("CNB_DISPLAY_DIR", display_folder, 1);
    atexit(display_folder_remove);
    return 0;
}

#endif
