// SPDX-License-Identifier: BSD-3-Clause
/* Work folders and the removal of those killed kernels left (see work_dir.h). */
#include "work_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jupyter_paths.h"
#include "log.h"

#define WORK_DIR_PREFIX "cnb-kernel-"

const char *work_dir_parent(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

/* The lock is taken on a file under another name and only then renamed to
 * "lock": a sweeping kernel never sees a "lock" that is not yet held. */
static int hold_lock(const char *dir)
{
    char fresh[4200], final[4200];
    snprintf(fresh, sizeof fresh, "%s/lock.new", dir);
    snprintf(final, sizeof final, "%s/lock", dir);
    int fd = open(fresh, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0 || rename(fresh, final) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int work_dir_create(char *path, size_t size)
{
    const char *parent = work_dir_parent();
    snprintf(path, size, "%s/" WORK_DIR_PREFIX "XXXXXX", parent);
    if (!mkdtemp(path)) {   /* mkdtemp makes it 0700 */
        log_error("cannot create a temporary folder in %s: %s", parent, strerror(errno));
        path[0] = '\0';
        return -1;
    }
    int fd = hold_lock(path);
    if (fd < 0) {
        log_error("cannot lock the work folder %s: %s", path, strerror(errno));
        remove_tree(path);
        path[0] = '\0';
    }
    return fd;
}

/* A folder of ours whose lock nobody holds.  Folders without a lock (made by
 * a kernel of an older version, or by one that is still starting) are left
 * alone: they may be in use. */
static int is_stale(int parent_fd, const char *name)
{
    struct stat st;
    if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid())
        return 0;
    char lock[300];
    snprintf(lock, sizeof lock, "%s/lock", name);
    int fd = openat(parent_fd, lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    int free_lock = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return free_lock;
}

int work_dir_sweep_stale(const char *parent)
{
    DIR *dir = opendir(parent);
    if (!dir)
        return 0;
    int removed = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (strncmp(entry->d_name, WORK_DIR_PREFIX, strlen(WORK_DIR_PREFIX)) != 0 ||
            !is_stale(dirfd(dir), entry->d_name))
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", parent, entry->d_name);
        if (remove_tree(path) == 0) {
            log_info("removed %s, left by a kernel that was killed", path);
            removed++;
        }
    }
    closedir(dir);
    return removed;
}
