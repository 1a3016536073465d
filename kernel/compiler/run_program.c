// SPDX-License-Identifier: BSD-3-Clause
/* posix_spawn, not fork: the front process is multi-threaded and large. */
#include "run_program.h"
#include "english_environment.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *read_all(int fd)
{
    size_t size = 0, capacity = 4096;
    char *buffer = malloc(capacity);
    while (buffer) {
        if (size + 1 >= capacity) {
            char *bigger = realloc(buffer, capacity *= 2);
            if (!bigger) {
                free(buffer);
                return NULL;
            }
            buffer = bigger;
        }
        ssize_t n = read(fd, buffer + size, capacity - size - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size += (size_t)n;
    }
    if (buffer)
        buffer[size] = '\0';
    return buffer;
}

int run_program(char *const argv[], const char *dir, char **output)
{
    if (output)
        *output = NULL;
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    if (dir)
        posix_spawn_file_actions_addchdir_np(&actions, dir);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    /* Every program run here is gcc, ld or addr2line, whose English
     * messages the kernel parses. */
    char **env = english_environment();
    int rc = env ? posix_spawnp(&pid, argv[0], &actions, &attr, argv, env) : ENOMEM;
    english_environment_free(env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(pipe_fds[1]);
    if (rc != 0) {
        close(pipe_fds[0]);
        return -1;
    }
    char *text = read_all(pipe_fds[0]);
    close(pipe_fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (output)
        *output = text;
    else
        free(text);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
