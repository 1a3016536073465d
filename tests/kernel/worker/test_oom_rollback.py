# SPDX-License-Identifier: BSD-3-Clause
"""A worker killed for memory rolls back like any other death: the worker
is put into a memory cgroup of its own (as JupyterHub or a container
runtime limits a student's kernel), a cell touches more than the limit,
and the kernel's out-of-memory killer SIGKILLs it.  Its snapshot, forked
before the move and so outside the limit, takes over with the state of
the last good cell.  Where this machine lets no memory cgroup be made (no
root, no memory controller), the test is skipped with the reason."""
import contextlib
import os
import time

import pytest

from front_support import execute, isolate_history, needs_kernel, start_kernel, stdout_of, stop_kernel
from long_session import kernel_processes

pytestmark = needs_kernel
isolate_history('oom_rollback')

LIMIT = 256 << 20
TOUCHED_MIB = 2048


def own_memory_cgroup():
    """(kind, folder of this process's memory cgroup), or (None, why not)."""
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split(" - ") for line in f]
    cgroups = dict(line.rstrip("\n").split(":", 2)[1:] for line in open("/proc/self/cgroup"))
    for head, tail in mounts:
        fields, kind, options = head.split(), tail.split()[0], tail.split()[2].split(",")
        point, root = fields[4], fields[3]
        if kind == "cgroup" and "memory" in options:
            own = cgroups.get("memory")
        elif kind == "cgroup2" and "memory" in open(os.path.join(point, "cgroup.controllers")).read().split():
            own = cgroups.get("")
        else:
            continue
        if own is not None and own.startswith(root.rstrip("/")):
            return ("v1" if kind == "cgroup" else "v2"), os.path.join(point, own[len(root.rstrip("/")):].lstrip("/"))
    return None, "no cgroup file system with the memory controller is mounted"


class MemoryLimit:
    """A child cgroup of ours with a memory limit, or .problem saying why not."""

    def __init__(self, name, limit):
        self.path, self.problem = None, ""
        kind, parent = own_memory_cgroup()
        if kind is None:
            self.problem = parent
            return
        path = os.path.join(parent, f"{name}-{os.getpid()}")
        try:
            os.makedirs(path, exist_ok=True)
            if kind == "v1":
                self._write(path, "memory.limit_in_bytes", limit)
                with contextlib.suppress(OSError):   # no swap accounting: nothing to limit
                    self._write(path, "memory.memsw.limit_in_bytes", limit)
            else:
                self._write(path, "memory.max", limit)
                self._write(path, "memory.swap.max", 0)
            self.path = path
        except OSError as e:
            self.problem = f"cannot make a {kind} memory cgroup at {path}: {e}"
            with contextlib.suppress(OSError):
                os.rmdir(path)

    @staticmethod
    def _write(path, name, value):
        with open(os.path.join(path, name), "w") as f:
            f.write(str(value))

    def admit(self, pid):
        self._write(self.path, "cgroup.procs", pid)

    def remove(self):
        deadline = time.monotonic() + 10
        while self.path and time.monotonic() < deadline:
            try:
                os.rmdir(self.path)
                return
            except OSError:       # the killed worker is still being reaped
                time.sleep(0.1)


def ok(kc, code):
    reply, outputs = execute(kc, code)
    assert reply["content"]["status"] == "ok", (code, reply["content"])
    return reply, outputs


def test_a_worker_killed_for_memory_rolls_back():
    limit = MemoryLimit("cnb-oom", LIMIT)
    if not limit.path:
        pytest.skip(limit.problem)
    km, kc = start_kernel()
    try:
        ok(kc, "int kept = 41;\nint twice(int x) { return 2 * x; }\n"
               "manual_seed(3);\nModel *net = sequential(linear(4, 3));\n"
               "Tensor *probe = tensor(2, 4);\ntensor_fill(probe, 1.0f);")
        check = 'printf("%d %d %.5f\\n", kept, twice(kept), tensor_sum(model_predict(net, probe)));'
        _, outputs = ok(kc, check)
        before = stdout_of(outputs)
        reply, _ = ok(kc, "kept;")
        good = reply["content"]["execution_count"]
        worker = kernel_processes(km)[1]
        limit.admit(worker)
        reply, outputs = execute(kc, "kept = 9;\n#include <string.h>\n"
                                     f"size_t size = (size_t){TOUCHED_MIB} << 20;\n"
                                     "char *block = malloc(size);\n"
                                     "if (block) memset(block, 1, size);\n"
                                     'printf("survived\\n");')
        content = reply["content"]
        assert content["status"] == "error", content
        assert content["ename"] == "WorkerDied" and "killed by signal 9 (SIGKILL)" in content["evalue"]
        assert f"the state is back to the end of cell [{good}]" in content["evalue"]
        assert "survived" not in stdout_of(outputs)
        _, outputs = ok(kc, check)
        assert stdout_of(outputs) == before
        assert kernel_processes(km)[1] != worker
    finally:
        stop_kernel(km, kc)
        limit.remove()
