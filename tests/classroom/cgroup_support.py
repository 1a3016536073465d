# SPDX-License-Identifier: BSD-3-Clause
"""A CPU quota for the kernels a test starts: a cgroup of its own, made in
whichever cgroup file system this machine lets us write (cgroup v2's
cpu.max, or cgroup v1's cpu controller), as JupyterHub's systemd spawner
or a container runtime would make it.

A kernel lands in the cgroup by being started while the test's own process
is in it (a child starts in its parent's cgroup); the test then moves
itself back.  Where no cgroup can be made (no root, a read-only
/sys/fs/cgroup, no cpu controller), why_not() says why, for a skip."""
import contextlib
import os

PERIOD_US = 100_000


def _mounts():
    """(kind, mount point, mount root) of the cgroup file systems with the cpu controller."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            head, _, tail = line.partition(" - ")
            fields, tail_fields = head.split(), tail.split()
            if len(fields) < 5 or len(tail_fields) < 3:
                continue
            kind, options = tail_fields[0], tail_fields[2].split(",")
            if kind == "cgroup2":
                controllers = os.path.join(fields[4], "cgroup.controllers")
                if os.path.exists(controllers) and "cpu" in open(controllers).read().split():
                    found.append(("v2", fields[4], fields[3]))
            elif kind == "cgroup" and "cpu" in options:
                found.append(("v1", fields[4], fields[3]))
    return found


def _own_cgroup(kind):
    with open("/proc/self/cgroup") as f:
        for line in f:
            number, controllers, path = line.rstrip("\n").split(":", 2)
            if (kind == "v2" and number == "0" and not controllers) or \
                    (kind == "v1" and "cpu" in controllers.split(",")):
                return path
    return None


class CpuQuota:
    """A cgroup limited to `cpus` CPUs (quota = cpus x period)."""

    def __init__(self, name, cpus):
        self.path = None
        self.problem = ""
        for kind, point, root in _mounts():
            own = _own_cgroup(kind)
            if own is None or not own.startswith(root.rstrip("/")):
                continue
            self.kind = kind
            # Our own cgroup, as this mount shows it: where we return to.
            self.home = os.path.join(point, own[len(root.rstrip("/")):].lstrip("/"))
            # v2 forbids processes in a cgroup whose children have controllers,
            # except at the root: the test cgroups go directly under the mount.
            path = os.path.join(point, f"{name}-{os.getpid()}")
            try:
                if kind == "v2":
                    self._enable_cpu_controller(point)
                os.makedirs(path, exist_ok=True)
                self._limit(path, cpus)
                self.path = path
                return
            except OSError as e:
                self.problem = f"cannot make a {kind} cgroup with a CPU quota at {path}: {e}"
                with contextlib.suppress(OSError):
                    os.rmdir(path)
        if not self.problem:
            self.problem = "no cgroup file system with the cpu controller is mounted"

    @staticmethod
    def _enable_cpu_controller(point):
        """Gives the mount's children the cpu controller (cpu.max), as
        systemd does for its slices; refused, and then not needed, where a
        manager has done it already or the mount is not the hierarchy's root."""
        control = os.path.join(point, "cgroup.subtree_control")
        with contextlib.suppress(OSError):
            with open(control) as f:
                enabled = f.read().split()
            if "cpu" not in enabled:
                with open(control, "w") as f:
                    f.write("+cpu")

    def _limit(self, path, cpus):
        if self.kind == "v2":
            with open(os.path.join(path, "cpu.max"), "w") as f:
                f.write(f"{cpus * PERIOD_US} {PERIOD_US}")
        else:
            with open(os.path.join(path, "cpu.cfs_period_us"), "w") as f:
                f.write(str(PERIOD_US))
            with open(os.path.join(path, "cpu.cfs_quota_us"), "w") as f:
                f.write(str(cpus * PERIOD_US))

    def why_not(self):
        return "" if self.path else self.problem

    @staticmethod
    def _move(folder, pid):
        with open(os.path.join(folder, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    @contextlib.contextmanager
    def entered(self):
        """While inside, processes this one starts are in the cgroup."""
        self._move(self.path, os.getpid())
        try:
            yield
        finally:
            self._move(self.home, os.getpid())

    def throttled_seconds(self):
        """How long the quota held the cgroup back so far."""
        with open(os.path.join(self.path, "cpu.stat")) as f:
            stat = dict(line.split() for line in f if line.strip())
        if "throttled_usec" in stat:
            return int(stat["throttled_usec"]) / 1e6
        return int(stat.get("throttled_time", 0)) / 1e9

    def remove(self):
        """Removes the cgroup once its processes are gone."""
        if self.path:
            with contextlib.suppress(OSError):
                os.rmdir(self.path)
