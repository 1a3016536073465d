// SPDX-License-Identifier: BSD-3-Clause
/* The debuggee's code put back from its files (see code_restore.h). */
#include "code_restore.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long tracer_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *status = fopen(path, "r");
    if (!status)
        return 0;   /* gone: nobody traces it */
    char line[256];
    long tracer = 0;
    while (fgets(line, sizeof line, status))
        if (sscanf(line, "TracerPid: %ld", &tracer) == 1)
            break;
    fclose(status);
    return tracer;
}

bool code_restore_wait_untraced(pid_t pid, int timeout_ms)
{
    for (int waited = 0; tracer_of(pid) != 0; waited += 10) {
        if (waited >= timeout_ms)
            return false;
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    return true;
}

#define CHUNK 65536

/* Writes back the runs of bytes where memory differs from the file. */
static long restore_chunk(int mem, unsigned long address, const unsigned char *want,
                          const unsigned char *have, size_t size)
{
    long restored = 0;
    for (size_t i = 0; i < size;) {
        if (want[i] == have[i]) {
            i++;
            continue;
        }
        size_t end = i;
        while (end < size && want[end] != have[end])
            end++;
        if (pwrite(mem, want + i, end - i, (off_t)(address + i)) == (ssize_t)(end - i))
            restored += (long)(end - i);
        i = end;
    }
    return restored;
}

static long restore_mapping(int mem, unsigned long start, unsigned long end, unsigned long offset,
                            const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    unsigned char *want = malloc(CHUNK), *have = malloc(CHUNK);
    long restored = 0;
    for (unsigned long at = start; want && have && at < end; at += CHUNK) {
        size_t size = end - at < CHUNK ? end - at : CHUNK;
        /* Past the file's end the mapping is zeros on both sides. */
        ssize_t got = pread(fd, want, size, (off_t)(offset + (at - start)));
        if (got <= 0)
            break;
        if (pread(mem, have, (size_t)got, (off_t)at) != got)
            break;
        restored += restore_chunk(mem, at, want, have, (size_t)got);
    }
    free(want);
    free(have);
    close(fd);
    return restored;
}

long code_restore(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int mem = open(path, O_RDWR | O_CLOEXEC);
    if (!maps || mem < 0) {
        if (maps)
            fclose(maps);
        if (mem >= 0)
            close(mem);
        return -1;
    }
    char line[4352];
    long restored = 0;
    while (fgets(line, sizeof line, maps)) {
        unsigned long start, end, offset;
        char perms[8], file[4096];
        file[0] = '\0';
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095[^\n]", &start, &end, perms, &offset, file) < 4)
            continue;
        /* Only code from a file that is still there ("(deleted)" is not). */
        if (perms[2] != 'x' || file[0] != '/' || strstr(file, " (deleted)"))
            continue;
        restored += restore_mapping(mem, start, end, offset, file);
    }
    fclose(maps);
    close(mem);
    return restored;
}
