# SPDX-License-Identifier: BSD-3-Clause
"""Rollback (kernel/worker/worker_snapshot.c): after each cell the worker
keeps a forked snapshot of itself; when the worker dies, however it dies,
or a cell damages the heap, the snapshot takes over and the state is the
one of the end of the last good cell: variables, functions, types, a loaded
data set with its dataloader (whose thread a fork loses) and a trained
model's predictions.  The error names the failing cell's fate and the cell
the state is back to.  No snapshot outlives its kernel."""

import os
import signal
import time

import pytest

from front_support import (isolate_history, needs_kernel, TIMEOUT, execute, shell_reply, start_kernel,
                           stdout_of, stop_kernel)
from long_session import kernel_processes

pytestmark = needs_kernel
# The sanitizer build's worker allocates with ASan's allocator, which has no
# glibc chunks to walk (heap_check.h): there, ASan itself stops the worker.
UNDER_ASAN = bool(os.environ.get("CNB_SANITIZERS"))
no_walk_under_asan = pytest.mark.skipif(UNDER_ASAN, reason="ASan's allocator: no glibc heap to walk")
isolate_history('rollback')

MNIST_ROOT = os.path.dirname(os.path.dirname(os.environ.get("CNB_MNIST_DIR", "")))

STATE_CELLS = [
    "int kept = 41;\n"
    "int twice(int x) { return 2 * x; }\n"
    "typedef struct Pair { int a, b; } Pair;\n"
    "Pair pair = {3, 4};",
    f'Dataset *digits = mnist("{MNIST_ROOT}", .train = false, .transform = to_tensor());\n'
    "DataLoader *digit_loader = dataloader(digits, .batch_size = 64, .shuffle = true);\n"
    "Batch probe;\n"
    "next_batch(digit_loader, &probe);\n"
    "Tensor *probe_images = tensor_clone(probe.data);",
    "manual_seed(7);\n"
    "Model *net = sequential(flatten(), linear(784, 64), relu(), linear(64, 10));\n"
    "Loss *ce = cross_entropy_loss();\n"
    "Optimizer *opt = adam(net, .lr = 0.01);\n"
    "Batch step_batch;\n"
    "for (int step = 0; step < 30 && next_batch(digit_loader, &step_batch); step++) {\n"
    "    optimizer_zero_grad(opt);\n"
    "    Tensor *loss = loss_forward(ce, model_forward(net, step_batch.data), step_batch.target);\n"
    "    loss_backward(loss);\n"
    "    optimizer_step(opt);\n"
    "}",
]

# Everything the state holds, in one line: the variables, a function, a
# type, the data set, the model's predictions on a fixed batch, and one
# more batch from the loader (its thread must work in a snapshot too).
CHECK = ('Batch again;\nbool got = next_batch(digit_loader, &again);\n'
         'printf("%d %d %d %zu %.5f %d\\n", kept, twice(pair.a), pair.b, dataset_len(digits),\n'
         '       tensor_sum(model_predict(net, probe_images)), got && again.size == 64);')


def ok(kc, code):
    reply, outputs = execute(kc, code)
    assert reply["content"]["status"] == "ok", (code, reply["content"])
    return reply, outputs


def state_line(kc):
    _, outputs = ok(kc, CHECK)
    return stdout_of(outputs)


def snapshot_of(worker):
    """The worker's waiting snapshot (its only child here), or None."""
    children = []
    for task in os.listdir(f"/proc/{worker}/task"):
        with open(f"/proc/{worker}/task/{task}/children") as f:
            children += [int(p) for p in f.read().split()]
    return children[0] if children else None


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pid, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    for cell in STATE_CELLS:
        ok(kc, cell)
    yield km, kc
    stop_kernel(km, kc)


def last_good(kc):
    """Runs a harmless cell; returns its execution count (the snapshot's cell)."""
    reply, _ = ok(kc, "kept;")
    return reply["content"]["execution_count"]


def error_of(reply):
    content = reply["content"]
    assert content["status"] == "error", content
    return content["ename"], content["evalue"]


@no_walk_under_asan
def test_heap_overflow_rolls_back_and_is_blamed(kernel):
    km, kc = kernel
    before = state_line(kc)
    good = last_good(kc)
    reply, _ = execute(kc, "kept = 1000;\n"
                           "char *buf = malloc(16);\n"
                           "for (int i = 0; i < 64; i++) buf[i] = 'x';\n"
                           "char *other = malloc(16);\n"
                           "free(buf);\n"
                           "free(other);")
    ename, evalue = error_of(reply)
    assert ename == "HeapCorruption"
    assert f"found at the end of In[{reply['content']['execution_count']}]" in evalue
    assert f"the state is back to the end of cell [{good}]" in evalue
    assert state_line(kc) == before, "kept = 1000 is the failing cell's, and lost with it"


def test_sig_dfl_then_a_fault(kernel):
    km, kc = kernel
    before = state_line(kc)
    good = last_good(kc)
    reply, _ = execute(kc, "#include <signal.h>\nsignal(SIGSEGV, SIG_DFL);\nkept = 5;\n*(volatile int *)0 = 1;")
    ename, evalue = error_of(reply)
    assert ename == "WorkerDied" and "signal 11 (SIGSEGV)" in evalue
    assert f"the state is back to the end of cell [{good}]" in evalue
    assert state_line(kc) == before


def test_killed_mid_cell(kernel):
    km, kc = kernel
    before = state_line(kc)
    good = last_good(kc)
    msg_id = kc.execute('kept = 9;\nprintf("running\\n"); fflush(stdout);\nfor (volatile long spin = 0; ; spin++);')
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            break
    os.kill(kernel_processes(km)[1], signal.SIGKILL)
    ename, evalue = error_of(shell_reply(kc, msg_id))
    assert ename == "WorkerDied" and "killed by signal 9 (SIGKILL)" in evalue
    assert f"the state is back to the end of cell [{good}]" in evalue
    assert state_line(kc) == before


def test_killed_between_cells(kernel):
    km, kc = kernel
    before = state_line(kc)
    good = last_good(kc)
    worker = kernel_processes(km)[1]
    os.kill(worker, signal.SIGKILL)
    assert gone_within(worker)
    reply, outputs = execute(kc, CHECK)
    if reply["content"]["status"] == "error":
        # Seen once in a fresh Debian root before worker_process_reap waited
        # for a worker whose main thread was already a zombie: the first cell
        # after the kill ended as WorkerDied, with the state rolled back.  A
        # kill at the very moment the next request arrives still reads so.
        # The state must still be the last good cell's; the case is reported
        # as an expected failure, not hidden.
        ename, evalue = error_of(reply)
        assert ename == "WorkerDied" and f"the state is back to the end of cell [{good}]" in evalue
        assert state_line(kc) == before
        pytest.xfail(f"the first cell after a kill between cells ended as WorkerDied: {evalue}")
    assert stdout_of(outputs) == before
    assert f"the state is back to the end of cell [{good}]" in stdout_of(outputs, "stderr")


def test_fault_in_a_thread_the_cell_started(kernel):
    km, kc = kernel
    before = state_line(kc)
    good = last_good(kc)
    reply, _ = execute(kc, "#include <pthread.h>\n"
                           "void *crash(void *arg) { (void)arg; *(volatile int *)0 = 1; return NULL; }\n"
                           "pthread_t crasher;\npthread_create(&crasher, NULL, crash, NULL);\n"
                           "pthread_join(crasher, NULL);")
    ename, evalue = error_of(reply)
    assert ename == "WorkerDied" and f"the state is back to the end of cell [{good}]" in evalue
    assert state_line(kc) == before
    # the function that cell defined is gone with it
    reply, _ = execute(kc, "crash(NULL);")
    assert reply["content"]["status"] == "error"


def test_a_caught_fault_keeps_its_state_and_later_rolls_back_to_it(kernel):
    km, kc = kernel
    reply, _ = execute(kc, "int after_fault = 12;\n*(volatile int *)0 = 1;")
    assert error_of(reply)[0] == "SIGSEGV"
    reply, _ = execute(kc, "#include <signal.h>\nraise(SIGKILL);")
    assert error_of(reply)[0] == "WorkerDied"
    _, outputs = ok(kc, 'printf("%d\\n", after_fault);')
    assert stdout_of(outputs) == "12\n"


def test_each_snapshot_replaces_the_last(kernel):
    km, kc = kernel
    worker = kernel_processes(km)[1]
    first = snapshot_of(worker)
    assert first and alive(first)
    ok(kc, "int one_more = 1;")
    second = snapshot_of(worker)
    assert second and second != first and gone_within(first)


def snapshot_pid(km, kc):
    ok(kc, "int snapshot_now = 1;")
    snap = snapshot_of(kernel_processes(km)[1])
    assert snap and alive(snap)
    return snap


def test_no_snapshot_left_after_shutdown():
    km, kc = start_kernel()
    snap = snapshot_pid(km, kc)
    stop_kernel(km, kc)
    assert gone_within(snap)


def test_no_snapshot_left_by_a_killed_kernel():
    km, kc = start_kernel()
    front, worker = kernel_processes(km)
    snap = snapshot_pid(km, kc)
    kc.stop_channels()
    os.kill(front, signal.SIGKILL)
    assert gone_within(worker) and gone_within(snap)
    km.cleanup_resources()


def test_reset_and_restart_leave_no_snapshot():
    km, kc = start_kernel()
    try:
        snap = snapshot_pid(km, kc)
        reply, _ = ok(kc, "%reset")
        assert gone_within(snap)
        reply, _ = execute(kc, "#include <signal.h>\nraise(SIGKILL);")
        ename, evalue = error_of(reply)
        assert ename == "WorkerDied" and "earlier cells are lost" in evalue, "%reset: nothing to go back to"
        snap = snapshot_pid(km, kc)
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=TIMEOUT)
        assert gone_within(snap)
    finally:
        stop_kernel(km, kc)


def test_rollback_off_and_on():
    km, kc = start_kernel()
    try:
        snap = snapshot_pid(km, kc)
        _, outputs = ok(kc, "%rollback")
        assert "Rollback is on: a crash goes back to the end of cell" in stdout_of(outputs)
        _, outputs = ok(kc, "%rollback off")
        assert "Rollback is off" in stdout_of(outputs)
        assert gone_within(snap), "off ends the snapshot at once"
        ok(kc, "int plain = 3;")
        assert snapshot_of(kernel_processes(km)[1]) is None, "and takes no more"
        reply, _ = execute(kc, "#include <signal.h>\nraise(SIGKILL);")
        ename, evalue = error_of(reply)
        assert ename == "WorkerDied" and "earlier cells are lost" in evalue and "%rollback is off" in evalue
        _, outputs = ok(kc, "%rollback on")
        assert "after the next cell that runs" in stdout_of(outputs)
        ok(kc, "int back_on = 8;")
        reply, _ = execute(kc, "#include <signal.h>\nraise(SIGKILL);")
        assert "the state is back to the end of cell" in error_of(reply)[1]
        _, outputs = ok(kc, 'printf("%d\\n", back_on);')
        assert stdout_of(outputs) == "8\n"
        reply, _ = execute(kc, "%rollback sideways")
        assert error_of(reply)[0] == "UsageError"
    finally:
        stop_kernel(km, kc)


def test_double_free_is_heap_damage_and_rolls_back(kernel):
    km, kc = kernel
    before = state_line(kc)
    good = last_good(kc)
    reply, _ = execute(kc, "kept = 77;\nchar *twice_freed = malloc(16);\n"
                           "free(twice_freed);\nfree(*(char *volatile *)&twice_freed);")
    ename, evalue = error_of(reply)
    if UNDER_ASAN:   # ASan reports the double free and ends the worker
        assert ename == "WorkerDied"
    else:
        assert ename == "HeapCorruption" and "found the heap damaged and aborted" in evalue
    assert f"the state is back to the end of cell [{good}]" in evalue
    assert state_line(kc) == before


def test_the_worker_after_a_rollback_is_interrupted_and_reads_stdin(kernel):
    km, kc = kernel
    reply, _ = execute(kc, "#include <signal.h>\nraise(SIGKILL);")
    assert "the state is back to the end of cell" in error_of(reply)[1]
    msg_id = kc.execute('printf("looping\\n"); fflush(stdout);\nwhile (1);')
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            break
    km.interrupt_kernel()
    assert error_of(shell_reply(kc, msg_id))[0] == "KeyboardInterrupt"
    msg_id = kc.execute('char line[64] = "";\nif (fgets(line, sizeof line, stdin)) printf("got: %s", line);',
                        allow_stdin=True)
    assert kc.get_stdin_msg(timeout=TIMEOUT)["msg_type"] == "input_request"
    kc.input("after the rollback")
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
    assert state_line(kc).startswith("41 6 4 10000 ")


def test_a_killed_kernel_leaves_nothing_after_a_rollback():
    """The snapshot that took over asked for PR_SET_PDEATHSIG (its parent
    is the front now), and forked a snapshot of its own."""
    km, kc = start_kernel()
    ok(kc, "int before = 1;")
    reply, _ = execute(kc, "#include <signal.h>\nraise(SIGKILL);")
    assert "the state is back to the end of cell" in error_of(reply)[1]
    front, worker = kernel_processes(km)
    snap = snapshot_of(worker)
    assert snap and alive(snap), "the new worker has its own snapshot at once"
    kc.stop_channels()
    os.kill(front, signal.SIGKILL)
    assert gone_within(worker) and gone_within(snap)
    km.cleanup_resources()
