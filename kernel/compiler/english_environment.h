// SPDX-License-Identifier: BSD-3-Clause
/* The environment gcc, ld and addr2line run in: the kernel's own, with
 * their messages in English.  The diagnostics tidier (diagnostics.c) and
 * the crash locator read gcc's words ("error:", "note: declared here",
 * "undefined reference to"), which a German locale would translate. */
#ifndef CNB_COMPILER_ENGLISH_ENVIRONMENT_H
#define CNB_COMPILER_ENGLISH_ENVIRONMENT_H

/* A copy of environ with LC_ALL=C.UTF-8 (UTF-8 kept, so the user's strings
 * and identifiers in messages stay as they are) and without LANGUAGE,
 * LC_MESSAGES and LC_ALL of its own.  NULL if out of memory; free with
 * english_environment_free. */
char **english_environment(void);
void english_environment_free(char **env);

#endif
