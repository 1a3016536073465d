// SPDX-License-Identifier: BSD-3-Clause
/* Everything the kernel itself writes (the work folder with cell sources and
 * libraries, the history database) is the user's alone: the front process
 * runs with umask 077.  The user's own umask is passed on in
 * $CNB_USER_UMASK, and the worker puts it back, so that files a cell writes
 * (checkpoints, pictures) get the permissions the user expects. */
#ifndef CNB_FRONT_PRIVATE_FILES_H
#define CNB_FRONT_PRIVATE_FILES_H

#define USER_UMASK_ENV "CNB_USER_UMASK"

/* Sets umask 077 and records the previous one in $CNB_USER_UMASK. */
void private_files_begin(void);

#endif
