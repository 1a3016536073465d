// SPDX-License-Identifier: BSD-3-Clause
/* umask 077 for the kernel's own files (see private_files.h). */
#include "private_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

void private_files_begin(void)
{
    mode_t user = umask(077);
    char text[16];
    snprintf(text, sizeof text, "%03o", (unsigned)user & 0777);
    setenv(USER_UMASK_ENV, text, 1);
}
