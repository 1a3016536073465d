# SPDX-License-Identifier: BSD-3-Clause
"""The Jupyter protocol as the front process speaks it, through
jupyter_client and raw ZeroMQ: kernel_info on both channels, status
around requests, dropped messages (bad signature, broken framing, invalid
JSON), comms, is_complete, complete/inspect shapes, heartbeat, history
persisted across a restart, shutdown and SIGTERM cleaning up."""

import hashlib
import hmac
import json
import os
import queue
import signal
import subprocess
import sys
import time
import uuid

import pytest
import zmq

from front_support import (isolate_history, needs_kernel, TIMEOUT, control_reply, drain_iopub, execute, iopub_for,
                           shell_reply, start_kernel, stop_kernel)

pytestmark = needs_kernel
isolate_history('protocol')


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def check_kernel_info(content):
    assert content["status"] == "ok"
    major, minor = (int(x) for x in content["protocol_version"].split(".")[:2])
    assert (major, minor) >= (5, 3)
    assert content["implementation"] == "cnb"
    info = content["language_info"]
    assert info["name"] == "c"
    assert info["mimetype"] == "text/x-csrc"
    assert info["file_extension"] == ".c"
    assert info["pygments_lexer"] == "c"
    assert info["codemirror_mode"] in ("c", "text/x-csrc", {"name": "clike", "mime": "text/x-csrc"})
    # The runtime's reference, served by the Jupyter server from the kernelspec folder.
    assert any(link["url"].endswith("/kernelspecs/cnb/runtime-api.html") for link in content["help_links"])
    assert content["banner"]


def test_kernel_info_on_shell(kernel):
    _, kc = kernel
    msg_id = kc.kernel_info()
    check_kernel_info(shell_reply(kc, msg_id)["content"])


def test_kernel_info_on_control(kernel):
    _, kc = kernel
    msg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(msg)
    check_kernel_info(control_reply(kc, msg["header"]["msg_id"])["content"])


def test_status_busy_then_idle_around_a_request(kernel):
    _, kc = kernel
    drain_iopub(kc)
    msg_id = kc.kernel_info()
    shell_reply(kc, msg_id)
    states = [m["content"]["execution_state"] for m in iopub_for(kc, msg_id) if m["msg_type"] == "status"]
    assert states == ["busy", "idle"]


def test_reply_headers_are_signed_protocol_messages(kernel):
    _, kc = kernel
    msg_id = kc.kernel_info()
    reply = shell_reply(kc, msg_id)
    header = reply["header"]
    assert header["msg_type"] == "kernel_info_reply"
    assert header["version"].startswith("5.")
    assert len(header["msg_id"]) == 36
    assert reply["parent_header"]["msg_id"] == msg_id
    assert header["session"] != kc.session.session


def raw_shell_socket(km, port=None):
    """A DEALER on the kernel's shell (or another) port, outside jupyter_client."""
    context = zmq.Context.instance()
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(f"{km.transport}://{km.ip}:{port or km.shell_port}")
    return socket


def wire_frames(key, msg_type, content_text=None, sign=True):
    header = json.dumps({"msg_id": str(uuid.uuid4()), "msg_type": msg_type, "session": "raw",
                         "username": "test", "date": "2026-01-01T00:00:00Z", "version": "5.3"}).encode()
    parts = [header, b"{}", b"{}", (content_text if content_text is not None else "{}").encode()]
    digest = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        digest.update(part)
    signature = digest.hexdigest().encode() if sign else b""
    return [b"<IDS|MSG>", signature] + parts


def assert_no_reply(socket, wait=1.0):
    assert socket.poll(int(wait * 1000)) == 0, "the kernel answered a message it should have dropped"


def assert_still_answers(kc):
    msg_id = kc.kernel_info()
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"


def test_message_with_wrong_key_is_dropped(kernel):
    km, kc = kernel
    socket = raw_shell_socket(km)
    socket.send_multipart(wire_frames(b"not the kernel's key", "kernel_info_request"))
    assert_no_reply(socket)
    # The same message correctly signed is answered: the socket itself works.
    socket.send_multipart(wire_frames(km.session.key, "kernel_info_request"))
    assert socket.poll(TIMEOUT * 1000), "a correctly signed raw message got no reply"
    frames = socket.recv_multipart()
    assert b"kernel_info_reply" in frames[frames.index(b"<IDS|MSG>") + 2]
    socket.close()
    assert_still_answers(kc)


def test_control_message_with_wrong_key_is_dropped(kernel):
    km, kc = kernel
    socket = raw_shell_socket(km, km.control_port)
    # A forged shutdown must not stop the kernel.
    socket.send_multipart(wire_frames(b"forged", "shutdown_request", json.dumps({"restart": False})))
    assert_no_reply(socket)
    socket.send_multipart(wire_frames(km.session.key, "kernel_info_request"))
    assert socket.poll(TIMEOUT * 1000), "a correctly signed control message got no reply"
    socket.close()
    assert km.is_alive()
    assert_still_answers(kc)


def test_unsigned_message_is_dropped(kernel):
    km, kc = kernel
    socket = raw_shell_socket(km)
    socket.send_multipart(wire_frames(km.session.key, "kernel_info_request", sign=False))
    assert_no_reply(socket)
    socket.close()
    assert_still_answers(kc)


def test_execute_with_bad_signature_runs_nothing(kernel):
    km, kc = kernel
    socket = raw_shell_socket(km)
    drain_iopub(kc)
    socket.send_multipart(wire_frames(b"wrong", "execute_request", json.dumps({"code": "int evil = 1;"})))
    assert_no_reply(socket)
    socket.close()
    with pytest.raises(queue.Empty):
        kc.get_iopub_msg(timeout=0.5)   # not even status busy: nothing was handled
    assert_still_answers(kc)


@pytest.mark.parametrize("frames", [
    [b"no delimiter at all"],
    [b"<IDS|MSG>", b"sig", b"{}"],
    [b"<IDS|MSG>"],
    [b""],
], ids=["no-delimiter", "too-few-frames", "only-delimiter", "empty-frame"])
def test_broken_framing_is_dropped(kernel, frames):
    km, kc = kernel
    socket = raw_shell_socket(km)
    socket.send_multipart(frames)
    assert_no_reply(socket, 0.5)
    socket.close()
    assert_still_answers(kc)


@pytest.mark.parametrize("content", ["{\"code\": ", "[1, 2]", "\"text\"", "\xff\xfe"],
                         ids=["truncated", "array", "string", "not-utf8"])
def test_invalid_json_is_dropped(kernel, content):
    km, kc = kernel
    socket = raw_shell_socket(km)
    socket.send_multipart(wire_frames(km.session.key, "kernel_info_request", content))
    assert_no_reply(socket, 0.5)
    socket.close()
    assert_still_answers(kc)


def test_unknown_message_type_is_ignored(kernel):
    km, kc = kernel
    socket = raw_shell_socket(km)
    socket.send_multipart(wire_frames(km.session.key, "no_such_request"))
    assert_no_reply(socket, 0.5)
    socket.close()
    assert_still_answers(kc)


def test_comm_info_lists_no_comms(kernel):
    _, kc = kernel
    msg_id = kc.comm_info()
    content = shell_reply(kc, msg_id)["content"]
    assert content == {"status": "ok", "comms": {}}
    msg_id = kc.comm_info(target_name="jupyter.widget")
    assert shell_reply(kc, msg_id)["content"]["comms"] == {}


def test_comm_open_for_unknown_target_is_closed(kernel):
    _, kc = kernel
    drain_iopub(kc)
    comm_id = uuid.uuid4().hex
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}})
    kc.shell_channel.send(msg)
    published = iopub_for(kc, msg["header"]["msg_id"])
    closes = [m for m in published if m["msg_type"] == "comm_close"]
    assert len(closes) == 1 and closes[0]["content"]["comm_id"] == comm_id
    # comm_msg and comm_close for it are accepted without a reply or a crash.
    for msg_type in ("comm_msg", "comm_close"):
        msg = kc.session.msg(msg_type, {"comm_id": comm_id, "data": {}})
        kc.shell_channel.send(msg)
        iopub_for(kc, msg["header"]["msg_id"])
    assert_still_answers(kc)


@pytest.mark.parametrize("code,status", [
    ("int x = 1;", "complete"),
    ("int f(void) {", "incomplete"),
    ("printf(\"a\",", "incomplete"),
    ("}", "invalid"),
])
def test_is_complete(kernel, code, status):
    _, kc = kernel
    msg_id = kc.is_complete(code)
    content = shell_reply(kc, msg_id)["content"]
    assert content["status"] == status
    if status == "incomplete":
        assert isinstance(content["indent"], str)


def test_complete_reply_shape(kernel):
    _, kc = kernel
    code = "int value = 1;\nval"
    msg_id = kc.complete(code, cursor_pos=len(code))
    content = shell_reply(kc, msg_id)["content"]
    assert content["status"] == "ok"
    assert isinstance(content["matches"], list)
    assert all(isinstance(m, str) for m in content["matches"])
    assert 0 <= content["cursor_start"] <= content["cursor_end"] <= len(code)
    assert isinstance(content["metadata"], dict)


def test_inspect_reply_shape(kernel):
    _, kc = kernel
    msg_id = kc.inspect("manual_seed", cursor_pos=3)
    content = shell_reply(kc, msg_id)["content"]
    assert content["status"] == "ok"
    assert isinstance(content["found"], bool)
    assert isinstance(content["data"], dict) and isinstance(content["metadata"], dict)


def test_cursor_beyond_the_code_is_clamped(kernel):
    _, kc = kernel
    msg_id = kc.complete("ab", cursor_pos=1000)
    content = shell_reply(kc, msg_id)["content"]
    assert content["status"] == "ok" and content["cursor_end"] <= 2


def test_heartbeat_beats(kernel):
    _, kc = kernel
    deadline = time.monotonic() + TIMEOUT
    while not kc.hb_channel.is_beating() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert kc.hb_channel.is_beating()


def test_connect_request(kernel):
    km, kc = kernel
    msg = kc.session.msg("connect_request", {})
    kc.shell_channel.send(msg)
    content = shell_reply(kc, msg["header"]["msg_id"])["content"]
    assert content["shell_port"] == km.shell_port and content["hb_port"] == km.hb_port


def history_sources(kc, **request):
    msg_id = kc.history(**request)
    content = shell_reply(kc, msg_id)["content"]
    assert content["status"] == "ok"
    return content["history"]


def test_history_persists_across_restart(tmp_path):
    km, kc = start_kernel()
    try:
        marker = f"int history_marker_{uuid.uuid4().hex[:8]} = 7;"
        execute(kc, marker)
        before = history_sources(kc, hist_access_type="tail", n=1, output=False, raw=True)
        assert before[-1][2] == marker
        session = before[-1][0]
        kc.stop_channels()
        km.restart_kernel(now=False)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=TIMEOUT)
        after = history_sources(kc, hist_access_type="tail", n=50, output=False, raw=True)
        assert [session, before[-1][1], marker] in after
        ranged = history_sources(kc, hist_access_type="range", session=-1, start=1, stop=None,
                                 output=False, raw=True)
        assert ranged and ranged[-1][0] == session and ranged[-1][2] == marker
        found = history_sources(kc, hist_access_type="search", pattern="int history_marker_*",
                                unique=True, output=False, raw=True)
        assert marker in [entry[2] for entry in found]
        # The new kernel opened the next session.
        execute(kc, "int after_restart = 1;")
        latest = history_sources(kc, hist_access_type="tail", n=1, output=False, raw=True)
        assert latest[-1][0] > session
    finally:
        stop_kernel(km, kc)


def test_shutdown_echoes_restart_and_cleans_up(tmp_path):
    km, kc = start_kernel(env={"TMPDIR": str(tmp_path)})
    try:
        assert len(os.listdir(tmp_path)) >= 1, "the kernel's work folder is in $TMPDIR"
        msg_id = kc.shutdown(restart=True)
        reply = control_reply(kc, msg_id)
        assert reply["content"] == {"status": "ok", "restart": True}
        deadline = time.monotonic() + TIMEOUT
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not km.is_alive(), "the kernel exits after shutdown_request"
        assert km.provisioner.process.wait() == 0
        leftovers = [p for p in os.listdir(tmp_path) if p.startswith("cnb-kernel-")]
        assert leftovers == [], "the per-kernel temp folder is removed"
    finally:
        kc.stop_channels()
        km.cleanup_resources()


def test_sigterm_shuts_down_cleanly(tmp_path):
    km, kc = start_kernel(env={"TMPDIR": str(tmp_path)})
    try:
        km.signal_kernel(signal.SIGTERM)
        status = km.provisioner.process.wait(timeout=TIMEOUT)
        assert status == 0
        assert [p for p in os.listdir(tmp_path) if p.startswith("cnb-kernel-")] == []
    finally:
        kc.stop_channels()
        km.cleanup_resources()


def test_ipc_transport(tmp_path):
    km = __import__("jupyter_client.manager", fromlist=["KernelManager"]).KernelManager(
        kernel_name=os.environ.get("CNB_TEST_KERNEL_NAME", "cnb"), transport="ipc",
        ip=str(tmp_path / "kernel-ipc"))
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        assert_still_answers(kc)
        assert any(p.startswith("kernel-ipc-") for p in os.listdir(tmp_path))
    finally:
        stop_kernel(km, kc)


LAUNCHER = r"""
import os, subprocess, sys
from jupyter_client.connect import write_connection_file
path, _ = write_connection_file(sys.argv[2], ip="127.0.0.1", key=b"k")
kernel = subprocess.Popen([sys.argv[1], "-f", path], start_new_session=True,
                          env=dict(os.environ, JPY_PARENT_PID=str(os.getpid())))
print(kernel.pid, flush=True)
kernel.wait()
"""


def process_gone(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return "\nState:\tZ" in f.read()
    except FileNotFoundError:
        return True


def test_kernel_exits_when_its_launcher_dies(tmp_path):
    kernel = os.environ.get("CNB_KERNEL")
    if os.environ.get("CNB_TEST_KERNEL_NAME", "cnb") != "cnb" or not kernel:
        pytest.skip("needs CNB_KERNEL")
    launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, kernel, str(tmp_path / "c.json")],
                                stdout=subprocess.PIPE, text=True,
                                env=dict(os.environ, TMPDIR=str(tmp_path)))
    kernel_pid = int(launcher.stdout.readline())
    assert not process_gone(kernel_pid)
    launcher.kill()
    launcher.wait()
    deadline = time.monotonic() + TIMEOUT
    while not process_gone(kernel_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process_gone(kernel_pid), "an orphaned kernel shuts itself down"
    assert [p for p in os.listdir(tmp_path) if p.startswith("cnb-kernel-")] == []


def test_empty_key_means_no_signing():
    from jupyter_client.manager import KernelManager
    km = KernelManager(kernel_name=os.environ.get("CNB_TEST_KERNEL_NAME", "cnb"))
    km.session.key = b""
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        with open(km.connection_file) as f:
            assert json.load(f)["key"] == ""
        socket = raw_shell_socket(km)
        frames = wire_frames(b"", "kernel_info_request", sign=False)
        socket.send_multipart(frames)
        assert socket.poll(TIMEOUT * 1000), "an unsigned message is answered when the key is empty"
        reply = socket.recv_multipart()
        assert reply[reply.index(b"<IDS|MSG>") + 1] == b"", "replies are unsigned too"
        socket.close()
    finally:
        stop_kernel(km, kc)


ODD_CONTENTS = [{}, {"code": 5, "cursor_pos": "x", "detail_level": None, "n": -3, "session": "s",
                     "start": [], "stop": {}, "pattern": 7, "unique": "yes", "hist_access_type": 1,
                     "comm_id": None, "target_name": [], "restart": "no", "silent": "x",
                     "store_history": 0, "allow_stdin": None, "stop_on_error": "x"}]


@pytest.mark.parametrize("msg_type", ["kernel_info_request", "complete_request", "inspect_request",
                                      "is_complete_request", "history_request", "comm_info_request",
                                      "comm_open", "comm_msg", "comm_close", "connect_request",
                                      "execute_request"])
def test_requests_with_odd_content_never_crash(kernel, msg_type):
    km, kc = kernel
    for content in ODD_CONTENTS:
        msg = kc.session.msg(msg_type, content)
        kc.shell_channel.send(msg)
        iopub_for(kc, msg["header"]["msg_id"])   # busy ... idle: it was handled
    assert km.is_alive()
    assert_still_answers(kc)
