// SPDX-License-Identifier: BSD-3-Clause
/* The CPU quota of a cgroup (runtime/core/cpu_quota.c) read from fake
 * /proc and cgroup files: cgroup v2 and v1, a quota on a parent cgroup,
 * fractions rounded down, no quota, a container's mount that starts at the
 * container's own cgroup, and the thread pool's default following it. */
#include "cnb.h"
#include "core/cpu_quota.h"
#include "../tap.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];

/* Writes text to root/path, making the folders on the way. */
static void put(const char *path, const char *format, ...)
{
    char full[2 * PATH_MAX];
    snprintf(full, sizeof full, "%s%s", root, path);
    for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(full, 0755);
        *p = '/';
    }
    FILE *f = fopen(full, "w");
    if (!f) {
        perror(full);
        exit(1);
    }
    va_list args;
    va_start(args, format);
    vfprintf(f, format, args);
    va_end(args);
    fclose(f);
}

static void remove_root(void)
{
    char command[2 * PATH_MAX];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0)
        exit(1);
}

/* A fresh fake root for one case. */
static void fresh(const char *name)
{
    if (*root)
        remove_root();            /* the previous case's */
    snprintf(root, sizeof root, "%s/%s-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name,
             (int)getpid());
    remove_root();
    mkdir(root, 0755);
}

#define V2_MOUNT "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
#define V2_SELF "0::/user.slice/jupyterhub-ada.scope\n"
#define V2_DIR "/sys/fs/cgroup/user.slice/jupyterhub-ada.scope"

static void test_v2(void)
{
    fresh("cnb-quota-v2");
    put("/proc/self/mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n" V2_MOUNT);
    put("/proc/self/cgroup", V2_SELF);
    put(V2_DIR "/cpu.max", "100000 100000\n");
    put("/sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
    is_int(cgroup_cpu_limit(root), 1, "v2: a one-core quota (cpu.max 100000 100000) gives 1");
    put(V2_DIR "/cpu.max", "250000 100000\n");
    is_int(cgroup_cpu_limit(root), 2, "v2: 2.5 CPUs round down to 2");
    put(V2_DIR "/cpu.max", "50000 100000\n");
    is_int(cgroup_cpu_limit(root), 1, "v2: half a CPU still gives 1");
    put(V2_DIR "/cpu.max", "max 100000\n");
    is_int(cgroup_cpu_limit(root), 0, "v2: max everywhere is no quota");
    put("/sys/fs/cgroup/user.slice/cpu.max", "300000 100000\n");
    is_int(cgroup_cpu_limit(root), 3, "v2: a quota on a parent cgroup limits its children");
    put(V2_DIR "/cpu.max", "400000 100000\n");
    is_int(cgroup_cpu_limit(root), 3, "v2: the smallest quota on the way up wins");
    put("/sys/fs/cgroup/cpu.max", "100000 100000\n");
    is_int(cgroup_cpu_limit(root), 1, "v2: the mount point's own folder counts too");
}

static void test_v1(void)
{
    fresh("cnb-quota-v1");
    put("/proc/self/mountinfo",
        "31 23 0:28 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
        "33 31 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
        "34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "35 31 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n");
    put("/proc/self/cgroup", "4:cpuset:/\n3:cpu,cpuacct:/class/ada\n0::/\n");
    put("/sys/fs/cgroup/cpu,cpuacct/class/ada/cpu.cfs_quota_us", "200000\n");
    put("/sys/fs/cgroup/cpu,cpuacct/class/ada/cpu.cfs_period_us", "100000\n");
    put("/sys/fs/cgroup/cpu,cpuacct/class/cpu.cfs_quota_us", "-1\n");
    put("/sys/fs/cgroup/cpu,cpuacct/class/cpu.cfs_period_us", "100000\n");
    is_int(cgroup_cpu_limit(root), 2, "v1: cfs_quota_us 200000 over cfs_period_us 100000 gives 2");
    put("/sys/fs/cgroup/cpu,cpuacct/class/ada/cpu.cfs_quota_us", "-1\n");
    is_int(cgroup_cpu_limit(root), 0, "v1: -1 everywhere is no quota");
    put("/sys/fs/cgroup/cpu,cpuacct/class/ada/cpu.cfs_period_us", "50000\n");
    put("/sys/fs/cgroup/cpu,cpuacct/class/ada/cpu.cfs_quota_us", "75000\n");
    is_int(cgroup_cpu_limit(root), 1, "v1: 1.5 CPUs (another period) round down to 1");
}

/* A container sees its own cgroup as the root of the mount (mountinfo's
 * fourth field), and its /proc/self/cgroup may name the host's path. */
static void test_container(void)
{
    fresh("cnb-quota-container");
    put("/proc/self/mountinfo",
        "700 650 0:26 /kubepods/pod1/c1 /sys/fs/cgroup ro - cgroup2 cgroup rw\n");
    put("/proc/self/cgroup", "0::/kubepods/pod1/c1\n");
    put("/sys/fs/cgroup/cpu.max", "200000 100000\n");
    is_int(cgroup_cpu_limit(root), 2, "a container's mount shows its own cgroup at the mount point");
    put("/proc/self/cgroup", "0::/\n");
    is_int(cgroup_cpu_limit(root), 0,
           "a cgroup outside what the mount shows is not read (the mount's files are another cgroup's)");
}

static void test_nothing(void)
{
    fresh("cnb-quota-none");
    is_int(cgroup_cpu_limit(root), 0, "no /proc: no quota");
    put("/proc/self/mountinfo", V2_MOUNT);
    put("/proc/self/cgroup", V2_SELF);
    is_int(cgroup_cpu_limit(root), 0, "a cgroup without the cpu controller (no cpu.max): no quota");
    put(V2_DIR "/cpu.max", "garbage\n");
    is_int(cgroup_cpu_limit(root), 0, "an unreadable cpu.max is no quota");
}

/* The real system: whatever quota this test runs under, the default
 * thread count does not exceed it. */
static void test_default_threads(void)
{
    int quota = cgroup_cpu_limit("");
    unsetenv("CNB_NUM_THREADS");
    unsetenv("OPENBLAS_NUM_THREADS");
    unsetenv("OMP_NUM_THREADS");
    int threads = get_num_threads();
    ok(threads >= 1 && (quota == 0 || threads <= quota),
       "the default thread count (%d) stays within this cgroup's quota (%d CPUs, 0: none)",
       threads, quota);
}

int main(void)
{
    test_v2();
    test_v1();
    test_container();
    test_nothing();
    remove_root();
    test_default_threads();
    return tap_done();
}
