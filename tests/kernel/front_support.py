# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the protocol tests: start the build-tree kernel through
jupyter_client, run a cell and collect what it publishes.

CNB_TEST_KERNEL_NAME picks another kernelspec (default: cnb, the build-tree
spec under $JUPYTER_PATH).  The tests need a built kernel: when cnb-kernel
is still the placeholder (the cell side not linked yet) they are skipped
with that reason."""

import os
import queue
import subprocess
import tempfile
import time

import pytest
from jupyter_client.manager import KernelManager

KERNEL_NAME = os.environ.get("CNB_TEST_KERNEL_NAME", "cnb")
TIMEOUT = 60  # generous: CI machines are slow, and no test asserts on time


def isolate_history(name):
    """Gives the kernels this test module starts their own history file.
    History "tail" spans every session in the file (as in IPython), so
    kernels of test modules running in parallel must not share it."""
    base = os.environ.get("JUPYTER_DATA_DIR") or os.path.join(tempfile.gettempdir(), "cnb-test-data")
    os.environ["JUPYTER_DATA_DIR"] = os.path.join(base, "front-" + name)


def kernel_missing():
    """Why the kernel cannot be tested ("" when it can)."""
    if KERNEL_NAME != "cnb":
        return ""
    kernel = os.environ.get("CNB_KERNEL", "")
    if not kernel or not os.access(kernel, os.X_OK):
        return "cnb-kernel is not built"
    version = subprocess.run([kernel, "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        return "cnb-kernel is a placeholder: " + version.stderr.strip()
    return ""


# Every test of a module that sets `pytestmark = needs_kernel` is skipped,
# one by one, while no working kernel was built.
_missing = kernel_missing()
needs_kernel = pytest.mark.skipif(bool(_missing), reason=_missing)


def start_kernel(env=None, **launch):
    """A started kernel and a ready client (channels running).  launch:
    more arguments for the kernel's Popen (stderr=file to read its log)."""
    km = KernelManager(kernel_name=KERNEL_NAME)
    kwargs = dict(launch)
    if env is not None:
        full = dict(os.environ)
        full.update(env)
        kwargs["env"] = full
    km.start_kernel(**kwargs)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    return km, kc


def stop_kernel(km, kc):
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=False)


def shell_reply(kc, msg_id, timeout=TIMEOUT):
    """The shell reply to msg_id (skipping replies to anything else)."""
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def control_reply(kc, msg_id, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_control_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def iopub_for(kc, msg_id, timeout=TIMEOUT):
    """Every iopub message whose parent is msg_id, up to and including
    status idle."""
    deadline = time.monotonic() + timeout
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages


def drain_iopub(kc):
    while True:
        try:
            kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            return


def execute(kc, code, timeout=TIMEOUT, **kwargs):
    """Runs code; returns (reply, outputs) where outputs are the iopub
    messages of this request other than status and execute_input."""
    msg_id = kc.execute(code, **kwargs)
    reply = shell_reply(kc, msg_id, timeout)
    published = iopub_for(kc, msg_id, timeout)
    outputs = [m for m in published if m["msg_type"] not in ("status", "execute_input")]
    return reply, outputs


def stdout_of(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs
                   if m["msg_type"] == "stream" and m["content"]["name"] == name)


def text_result(outputs):
    for m in outputs:
        if m["msg_type"] == "execute_result":
            return m["content"]["data"].get("text/plain")
    return None
