// SPDX-License-Identifier: BSD-3-Clause
/* See english_environment.h. */
#include "english_environment.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* LANGUAGE is gettext's list of languages, which wins over LC_MESSAGES for
 * any locale but "C": drop it with the other two. */
static bool overridden(const char *entry)
{
    static const char *const names[] = {"LC_ALL=", "LC_MESSAGES=", "LANGUAGE="};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strncmp(entry, names[i], strlen(names[i])) == 0)
            return true;
    return false;
}

char **english_environment(void)
{
    size_t count = 0;
    while (environ[count])
        count++;
    char **env = calloc(count + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t n = 0;
    env[n++] = "LC_ALL=C.UTF-8";
    for (size_t i = 0; i < count; i++)
        if (!overridden(environ[i]))
            env[n++] = environ[i];
    env[n] = NULL;
    return env;
}

void english_environment_free(char **env)
{
    free(env);  /* the strings are environ's or literals */
}
