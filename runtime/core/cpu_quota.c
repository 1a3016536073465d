// SPDX-License-Identifier: BSD-3-Clause
/* The CPU quota of this process's cgroup (see cpu_quota.h).
 *
 * Where the quota lives: /proc/self/mountinfo names the cgroup file
 * systems (cgroup2, or cgroup v1 with the cpu controller among its
 * options) and which part of the hierarchy each mount shows (a container's
 * mount starts at the container's own cgroup); /proc/self/cgroup names
 * this process's cgroup in each hierarchy.  A quota set on any cgroup
 * above ours limits us too (a hub's per-user slice above a kernel's
 * scope), so the folders are read from ours up to the mount point. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "core/cpu_quota.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *open_under(const char *root, const char *path)
{
    char full[PATH_MAX];
    if (snprintf(full, sizeof full, "%s%s", root, path) >= (int)sizeof full)
        return NULL;
    return fopen(full, "re");
}

/* Whether the comma-separated list holds item. */
static bool has_item(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* This process's cgroup (from /proc/self/cgroup, lines "id:controllers:path")
 * in the v2 hierarchy, or in the v1 hierarchy that has the cpu controller. */
static bool own_cgroup(const char *root, bool v2, char *path, size_t size)
{
    FILE *f = open_under(root, "/proc/self/cgroup");
    if (!f)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *controllers = strchr(line, ':');
        char *place = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!place)
            continue;
        *place++ = '\0';
        *controllers++ = '\0';
        bool match = v2 ? strcmp(line, "0") == 0 && *controllers == '\0'
                        : has_item(controllers, "cpu");
        if (match && strlen(place) < size) {
            strcpy(path, place);
            found = true;
        }
    }
    fclose(f);
    return found;
}

static bool read_numbers(const char *dir, const char *name, char *text, size_t size)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return false;
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool ok = fgets(text, (int)size, f) != NULL;
    fclose(f);
    return ok;
}

/* The whole CPUs one cgroup folder's quota allows (at least 1), or 0 when
 * it sets none.  v2: cpu.max holds "max PERIOD" or "QUOTA PERIOD"; v1:
 * cpu.cfs_quota_us is -1 or the quota, cpu.cfs_period_us the period. */
static long folder_cpus(const char *dir, bool v2)
{
    char text[128], period_text[64];
    long long quota, period;
    if (v2) {
        if (!read_numbers(dir, "cpu.max", text, sizeof text) ||
            sscanf(text, "%lld %lld", &quota, &period) != 2)
            return 0;                 /* "max ...", or no cpu controller here */
    } else {
        if (!read_numbers(dir, "cpu.cfs_quota_us", text, sizeof text) ||
            !read_numbers(dir, "cpu.cfs_period_us", period_text, sizeof period_text) ||
            sscanf(text, "%lld", &quota) != 1 || sscanf(period_text, "%lld", &period) != 1)
            return 0;
    }
    if (quota <= 0 || period <= 0)
        return 0;
    long cpus = (long)(quota / period);
    return cpus < 1 ? 1 : cpus;
}

/* The smallest quota from dir up to the mount point (the first top bytes
 * of dir); dir is cut as the walk goes up. */
static long smallest_up(char *dir, size_t top, bool v2)
{
    long limit = 0;
    for (;;) {
        long cpus = folder_cpus(dir, v2);
        if (cpus > 0 && (limit == 0 || cpus < limit))
            limit = cpus;
        char *slash = strrchr(dir, '/');
        if (strlen(dir) <= top || !slash || (size_t)(slash - dir) < top)
            return limit;
        *slash = '\0';
    }
}

/* The quota that one mountinfo line's cgroup mount puts on us (0: none, or
 * not a cgroup mount with the cpu controller).  A line reads
 * "ID PARENT MAJ:MIN MOUNT_ROOT MOUNT_POINT OPTIONS [TAGS...] - TYPE SOURCE SUPER_OPTIONS". */
static long mount_limit(const char *root, char *line)
{
    char mount_root[PATH_MAX], point[PATH_MAX], type[64], super[1024];
    char *tail = strstr(line, " - ");
    if (!tail || sscanf(line, "%*s %*s %*s %4095s %4095s", mount_root, point) != 2 ||
        sscanf(tail, " - %63s %*s %1023s", type, super) != 2)
        return 0;
    bool v2 = strcmp(type, "cgroup2") == 0;
    if (!v2 && !(strcmp(type, "cgroup") == 0 && has_item(super, "cpu")))
        return 0;
    char place[PATH_MAX];
    if (!own_cgroup(root, v2, place, sizeof place))
        return 0;
    size_t shown = strcmp(mount_root, "/") == 0 ? 0 : strlen(mount_root);
    if (strncmp(place, mount_root, shown) != 0)
        return 0;                     /* our cgroup is outside what this mount shows */
    char dir[3 * PATH_MAX];
    int top = snprintf(dir, sizeof dir, "%s%s", root, point);
    snprintf(dir + top, sizeof dir - (size_t)top, "%s", strcmp(place + shown, "/") ? place + shown : "");
    return smallest_up(dir, (size_t)top, v2);
}

int cgroup_cpu_limit(const char *root)
{
    FILE *f = open_under(root, "/proc/self/mountinfo");
    if (!f)
        return 0;
    long limit = 0;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        long cpus = mount_limit(root, line);
        if (cpus > 0 && (limit == 0 || cpus < limit))
            limit = cpus;
    }
    fclose(f);
    return limit > INT_MAX ? INT_MAX : (int)limit;
}
