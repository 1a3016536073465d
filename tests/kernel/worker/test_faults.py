# SPDX-License-Identifier: BSD-3-Clause
"""Faults the kernel survives, each with a clear message: the worker killed
with SIGKILL in the middle of a cell, a cell that asks for more memory than
the process may have (an address-space limit stands in for the machine's
RAM), a full disk while a cell saves a checkpoint, a data set file cut
short or corrupt, the history database corrupt or locked, $HOME not
writable, and two kernels started in the same folder at once.  (The
runtime's own tests go through more broken files: tests/nn/test_checkpoint.c
and tests/data/test_idx.c.)"""

import gzip
import os
import shutil
import signal
import sqlite3
import threading
import time

import pytest

from front_support import (isolate_history, needs_kernel, TIMEOUT, execute, shell_reply, start_kernel,
                           stdout_of, stop_kernel, text_result)
from long_session import kernel_processes

pytestmark = needs_kernel
isolate_history('faults')


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def error_of(reply):
    content = reply["content"]
    assert content["status"] == "error"
    return content["ename"], content["evalue"]


def test_worker_killed_mid_cell(kernel):
    km, kc = kernel
    execute(kc, "int before_kill = 41;")
    msg_id = kc.execute('printf("running\\n"); fflush(stdout);\nfor (volatile long spin = 0; ; spin++);')
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:   # the cell is running once its output came
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            break
    os.kill(kernel_processes(km)[1], signal.SIGKILL)
    ename, evalue = error_of(shell_reply(kc, msg_id))
    assert ename == "WorkerDied"
    assert "killed by signal 9 (SIGKILL)" in evalue and "memory" in evalue
    assert "the state is back to the end of cell" in evalue, "its snapshot took over"
    reply, outputs = execute(kc, "int after_kill = 1;\nafter_kill + before_kill")
    assert reply["content"]["status"] == "ok" and text_result(outputs) == "42"


def test_cell_asking_for_more_memory_than_there_is(kernel):
    km, kc = kernel
    front = kernel_processes(km)[0]
    # The worker may have 2 GiB of address space from now on: more is "more than the machine has".
    reply, _ = execute(kc, "#include <sys/resource.h>\n"
                           "setrlimit(RLIMIT_AS, &(struct rlimit){2UL << 30, 2UL << 30});")
    assert reply["content"]["status"] == "ok"
    # The runtime: a clear allocation failure that ends the cell, as an exception.
    reply, outputs = execute(kc, 'Tensor *huge = tensor(40000, 40000);\nprintf("after\\n");')
    ename, evalue = error_of(reply)
    assert ename == "MemoryError" and "tensor_new: out of memory for 1600000000 floats" in evalue
    assert "after" not in stdout_of(outputs)
    reply, outputs = execute(kc, 'char *block = malloc(8UL << 30);\nprintf("%s\\n", block ? "got it" : "NULL");')
    assert stdout_of(outputs) == "NULL\n", "malloc reports the failure"
    # A cell that does not look: the fault is an error, the kernel goes on.
    reply, _ = execute(kc, "memset(block, 1, 8UL << 30);")
    ename, evalue = error_of(reply)
    assert ename == "SIGSEGV" and "NULL pointer" in evalue
    reply, outputs = execute(kc, "int still_fine = 3;\nstill_fine")
    assert text_result(outputs) == "3"
    assert kernel_processes(km)[0] == front


def test_full_disk_while_saving_a_checkpoint(kernel, tmp_path):
    km, kc = kernel
    path = tmp_path / "best.safetensors"
    reply, outputs = execute(kc, f'manual_seed(1);\nModel *ck_first = sequential(flatten(), linear(4, 3));\n'
                                 f'model_save(ck_first, "{path}")')
    assert reply["content"]["status"] == "ok" and text_result(outputs) == "0"
    saved = path.read_bytes()
    # The disk is full: a file size limit of 100 bytes (for root too) stands in for it, as
    # nobody but root can mount a tiny file system.  SIGXFSZ ignored: writes fail with EFBIG.
    reply, _ = execute(kc, "#include <signal.h>\n#include <sys/resource.h>\nstruct rlimit ck_limit;\n"
                           "getrlimit(RLIMIT_FSIZE, &ck_limit);\nsignal(SIGXFSZ, SIG_IGN);\n"
                           "manual_seed(2);\nModel *ck_second = sequential(flatten(), linear(4, 3));")
    assert reply["content"]["status"] == "ok"
    reply, outputs = execute(kc, "setrlimit(RLIMIT_FSIZE, &(struct rlimit){100, ck_limit.rlim_max});\n"
                                 f'model_save(ck_second, "{path}");\nprintf("after\\n");')
    ename, evalue = error_of(reply)
    assert ename == "CheckpointError"
    assert f"cannot write {path}" in evalue and "previous file, if any, is unchanged" in evalue
    assert "after" not in stdout_of(outputs)
    reply, _ = execute(kc, "setrlimit(RLIMIT_FSIZE, &ck_limit);")
    assert reply["content"]["status"] == "ok"
    assert path.read_bytes() == saved, "the previous checkpoint is intact"
    assert os.listdir(tmp_path) == ["best.safetensors"], "no temporary file is left"
    reply, outputs = execute(kc, f'Model *ck_check = sequential(flatten(), linear(4, 3));\n'
                                 f'model_load(ck_check, "{path}")')
    assert text_result(outputs) == "0", "it loads"
    _, outputs = execute(kc, "tensor_sum(model_parameter(ck_check, 0, NULL)) == "
                             "tensor_sum(model_parameter(ck_first, 0, NULL))")
    assert text_result(outputs) == "1", "with the first model's weights"
    reply, outputs = execute(kc, f'model_save(ck_second, "{path}")')
    assert text_result(outputs) == "0", "with room again, the next save works"


MNIST_TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def mnist_copy(tmp_path, name):
    """A copy of MNIST's test set in the torchvision layout; returns (root, raw folder)."""
    raw = tmp_path / name / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for file in MNIST_TEST:
        shutil.copy(os.path.join(os.environ["CNB_MNIST_DIR"], file), raw / file)
    return tmp_path / name, raw


def open_test_set(kc, root):
    return execute(kc, f'Dataset *broken = mnist("{root}", .train = false);\nprintf("after\\n");')


def cut_gzip(raw):
    images = raw / MNIST_TEST[0]
    images.write_bytes(images.read_bytes()[:images.stat().st_size // 2])
    return images, "truncated: the gzip stream ends early"


def wrong_gzip_checksum(raw):
    images = raw / MNIST_TEST[0]
    data = bytearray(images.read_bytes())
    data[-6] ^= 0xFF        # the trailer: CRC-32 of the content, then its length
    images.write_bytes(bytes(data))
    return images, "corrupt gzip data"


def cut_raw_file(raw):
    """The uncompressed file, cut in the middle of the images."""
    packed = raw / MNIST_TEST[0]
    images = raw / "t10k-images-idx3-ubyte"
    images.write_bytes(gzip.decompress(packed.read_bytes())[:16 + 5000 * 784 + 100])
    packed.unlink()
    return images, "truncated: 3920100 of 7840000 data bytes"


@pytest.mark.parametrize("damage", [cut_gzip, wrong_gzip_checksum, cut_raw_file])
def test_dataset_file_cut_short_or_corrupt(kernel, tmp_path, damage):
    km, kc = kernel
    root, raw = mnist_copy(tmp_path, "broken")
    path, problem = damage(raw)
    reply, outputs = open_test_set(kc, root)
    ename, evalue = error_of(reply)
    assert ename == "DatasetError"
    assert str(path) in evalue and problem in evalue, evalue
    assert "after" not in stdout_of(outputs)
    good, _ = mnist_copy(tmp_path, "good")
    reply, outputs = execute(kc, f'Dataset *intact = mnist("{good}", .train = false);\ndataset_len(intact)')
    assert reply["content"]["status"] == "ok" and text_result(outputs) == "10000", "the kernel goes on"
    execute(kc, "dataset_free(intact);")


class LoggedStart:
    """A kernel started with its own data folder and HOME, its log kept."""

    def __init__(self, tmp_path, env):
        self.log_path = tmp_path / "kernel.log"
        self.log = open(self.log_path, "w")
        full = {"TMPDIR": str(tmp_path)}
        full.update(env)
        self.km, self.kc = start_kernel(env=full, stderr=self.log)

    def text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        stop_kernel(self.km, self.kc)
        self.log.close()


def history_tail(kc):
    content = shell_reply(kc, kc.history(hist_access_type="tail", n=5))["content"]
    assert content["status"] == "ok"
    return content["history"]


def assert_works_without_history(kernel):
    reply, outputs = execute(kernel.kc, 'printf("works\\n");')
    assert reply["content"]["status"] == "ok" and stdout_of(outputs) == "works\n"
    assert history_tail(kernel.kc) == []
    assert "history is off" in kernel.text()


def test_corrupt_history_database(tmp_path):
    data = tmp_path / "data"
    (data / "cnb").mkdir(parents=True)
    (data / "cnb" / "history.sqlite").write_bytes(b"this is not a database " * 200)
    kernel = LoggedStart(tmp_path, {"JUPYTER_DATA_DIR": str(data)})
    try:
        assert_works_without_history(kernel)
        assert "file is not a database" in kernel.text()
    finally:
        kernel.stop()


def test_locked_history_database(tmp_path):
    data = tmp_path / "data"
    (data / "cnb").mkdir(parents=True)
    holder = sqlite3.connect(data / "cnb" / "history.sqlite", isolation_level=None)
    holder.execute("CREATE TABLE held (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        kernel = LoggedStart(tmp_path, {"JUPYTER_DATA_DIR": str(data)})
        try:
            assert_works_without_history(kernel)
            assert "locked" in kernel.text()
        finally:
            kernel.stop()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_home_not_writable(tmp_path):
    env = {"HOME": "/dev/null", "JUPYTER_DATA_DIR": "", "XDG_DATA_HOME": ""}
    kernel = LoggedStart(tmp_path, env)
    try:
        assert_works_without_history(kernel)
        assert "/dev/null/.local/share/jupyter/cnb/history.sqlite" in kernel.text()
    finally:
        kernel.stop()


def test_two_kernels_started_in_the_same_folder_at_once(tmp_path):
    data = tmp_path / "data"
    started, errors = [None, None], []
    logs = [open(tmp_path / f"kernel-{i}.log", "w") for i in range(2)]

    def start(i):
        try:
            started[i] = start_kernel(env={"TMPDIR": str(tmp_path), "JUPYTER_DATA_DIR": str(data)},
                                      cwd=str(tmp_path), stderr=logs[i])
        except Exception as error:   # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    try:
        work = [p for p in os.listdir(tmp_path) if p.startswith("cnb-kernel-")]
        assert len(work) == 2, "each kernel has its own work folder"
        for i, (_, kc) in enumerate(started):
            reply, outputs = execute(kc, f"int which = {i};\nwhich")
            assert reply["content"]["status"] == "ok" and text_result(outputs) == str(i)
        for i, (_, kc) in enumerate(started):
            logs[i].flush()
            assert f"int which = {i};\nwhich" in [entry[2] for entry in history_tail(kc)], \
                (tmp_path / f"kernel-{i}.log").read_text()
    finally:
        for km, kc in started:
            stop_kernel(km, kc)
        for log in logs:
            log.close()
