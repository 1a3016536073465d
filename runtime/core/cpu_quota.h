// SPDX-License-Identifier: BSD-3-Clause
/* The CPU quota of this process's cgroup (cpu_quota.c).
 *
 * A JupyterHub that gives each student one core (systemd's CPUQuota=100%,
 * a container's --cpus=1, Kubernetes' cpu limit) does it with a CFS quota,
 * not with the affinity mask: every core stays visible, and a kernel that
 * sized its thread pool from the mask would start a thread per core, all
 * throttled together once the quota's runtime is spent. */
#ifndef CNB_CORE_CPU_QUOTA_H
#define CNB_CORE_CPU_QUOTA_H

/* The whole CPUs that the quotas of this process's cgroup and of every
 * cgroup above it allow, the smallest of them, rounded down and at least 1
 * (1.5 CPUs gives 1); 0 when there is no quota (or no cgroup file system).
 * Reads cgroup v2's cpu.max and cgroup v1's cpu.cfs_quota_us and
 * cpu.cfs_period_us.  root is prepended to every path read
 * (/proc/self/cgroup, /proc/self/mountinfo and the mount points found
 * there): "" for the real system, a folder of fake files for the tests. */
int cgroup_cpu_limit(const char *root);

#endif
