# SPDX-License-Identifier: BSD-3-Clause
"""The kernel lets in exactly the client that holds the connection key.

On each socket that receives messages (shell, control, stdin; iopub is a
PUB socket that never reads a message, the heartbeat echoes bytes as the
protocol says), a message that is unsigned, signed with another key,
truncated, or altered after signing is dropped and logged, and the key
never appears in a log.  The kernel binds exactly the address and ports of
its connection file, and a missing, unreadable or malformed connection file
stops it at start-up with a message saying which file and why.  What the
kernel writes is private (folders 0700, files without group or other
permissions), and its work folder goes away on shutdown, after its worker
was killed, and, when the kernel itself was killed, at the next start."""

import hashlib
import hmac
import json
import os
import signal
import stat
import subprocess
import time
import uuid

import pytest
import zmq

from front_support import (isolate_history, needs_kernel, TIMEOUT, execute, iopub_for, shell_reply,
                           start_kernel, stdout_of, stop_kernel)

pytestmark = needs_kernel
isolate_history('security')

KERNEL = os.environ.get("CNB_KERNEL", "")


class LoggedKernel:
    """A kernel whose stderr (its log) goes to a file the test reads."""

    def __init__(self, tmp_path, env=None):
        self.log_path = tmp_path / "kernel.log"
        self.log_file = open(self.log_path, "w")
        full_env = {"TMPDIR": str(tmp_path)}
        full_env.update(env or {})
        self.km, self.kc = start_kernel(env=full_env, stderr=self.log_file)

    def log(self):
        if not self.log_file.closed:
            self.log_file.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text, count=1):
        deadline = time.monotonic() + TIMEOUT
        while self.log().count(text) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.log().count(text)

    def stop(self):
        stop_kernel(self.km, self.kc)
        self.log_file.close()


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    kernel = LoggedKernel(tmp_path_factory.mktemp("security"))
    yield kernel
    kernel.stop()


def sign(key, parts):
    digest = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        digest.update(part)
    return digest.hexdigest().encode()


def signed_parts(msg_type, content):
    header = json.dumps({"msg_id": str(uuid.uuid4()), "msg_type": msg_type, "session": "forger",
                         "username": "forger", "date": "2026-01-01T00:00:00Z", "version": "5.3"})
    return [header.encode(), b"{}", b"{}", json.dumps(content).encode()]


def forged(kind, key, msg_type, content):
    """The frames of one message spoiled in the way kind names."""
    parts = signed_parts(msg_type, content)
    good = sign(key, parts)
    if kind == "unsigned":
        return [b"<IDS|MSG>", b""] + parts
    if kind == "wrong-key":
        return [b"<IDS|MSG>", sign(b"not the connection key", parts)] + parts
    if kind == "signature-cut":
        return [b"<IDS|MSG>", good[:32]] + parts
    if kind == "content-cut":
        return [b"<IDS|MSG>", good] + parts[:3] + [parts[3][:len(parts[3]) // 2]]
    if kind == "frames-missing":
        return [b"<IDS|MSG>", good] + parts[:3]
    if kind == "altered":
        # The content changed after signing; the signature is that of the original.
        changed = json.loads(parts[3])
        changed["forged"] = True
        return [b"<IDS|MSG>", good] + parts[:3] + [json.dumps(changed).encode()]
    raise ValueError(kind)


KINDS = ["unsigned", "wrong-key", "signature-cut", "content-cut", "frames-missing", "altered"]
REASONS = {"unsigned": "bad signature", "wrong-key": "bad signature", "signature-cut": "bad signature",
           "content-cut": "bad signature", "frames-missing": "fewer than five frames",
           "altered": "bad signature"}


def dealer(km, port):
    socket = zmq.Context.instance().socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(f"{km.transport}://{km.ip}:{port}")
    return socket


@pytest.mark.parametrize("channel", ["shell", "control"])
@pytest.mark.parametrize("kind", KINDS)
def test_spoiled_request_is_dropped_and_logged(logged, channel, kind):
    km, kc = logged.km, logged.kc
    port = km.shell_port if channel == "shell" else km.control_port
    line = f"{channel}: dropped a message: {REASONS[kind]}"
    before = logged.log().count(line)
    socket = dealer(km, port)
    # A shutdown on control, code on shell: what a forger would want to run.
    if channel == "shell":
        request = ("execute_request", {"code": 'printf("forged\\n");', "silent": False})
    else:
        request = ("shutdown_request", {"restart": False})
    socket.send_multipart(forged(kind, km.session.key, *request))
    assert socket.poll(1000) == 0, "the kernel answered a spoiled message"
    assert logged.wait_for_log(line, before + 1) == before + 1, "the drop is logged with its reason"
    socket.close()
    assert km.is_alive()
    reply, outputs = execute(kc, 'printf("still here\\n");')
    assert reply["content"]["status"] == "ok" and stdout_of(outputs) == "still here\n"


def test_spoiled_input_replies_are_dropped_and_logged(logged):
    km, kc = logged.km, logged.kc
    msg_id = kc.execute('char line[64] = ""; fgets(line, sizeof line, stdin); printf("got %s", line);',
                        allow_stdin=True)
    request = kc.get_stdin_msg(timeout=TIMEOUT)
    assert request["msg_type"] == "input_request"
    before = logged.log().count("stdin: dropped a message")
    socket = dealer(km, km.stdin_port)
    for kind in KINDS:
        socket.send_multipart(forged(kind, km.session.key, "input_reply", {"value": "forged"}))
    assert logged.wait_for_log("stdin: dropped a message", before + len(KINDS)) == before + len(KINDS)
    socket.close()
    kc.input("genuine")
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
    assert stdout_of(iopub_for(kc, msg_id)) == "got genuine\n"


def test_forged_stale_input_reply_is_logged(logged):
    """Between input requests the stdin socket is drained; a forgery is
    still recognised and logged."""
    km, kc = logged.km, logged.kc
    socket = dealer(km, km.stdin_port)
    before = logged.log().count("stdin: dropped a message: bad signature")
    socket.send_multipart(forged("wrong-key", km.session.key, "input_reply", {"value": "x"}))
    time.sleep(0.3)
    msg_id = kc.execute('char l2[8] = ""; fgets(l2, sizeof l2, stdin); printf("[%s]", l2);', allow_stdin=True)
    kc.get_stdin_msg(timeout=TIMEOUT)
    assert logged.wait_for_log("stdin: dropped a message: bad signature", before + 1) == before + 1
    kc.input("ok")
    shell_reply(kc, msg_id)
    assert stdout_of(iopub_for(kc, msg_id)) == "[ok\n]"
    socket.close()


def test_key_never_appears_in_the_log(tmp_path):
    kernel = LoggedKernel(tmp_path, env={"CNB_LOG": "debug"})
    try:
        key = kernel.km.session.key.decode()
        execute(kernel.kc, 'printf("hi\\n");')
        socket = dealer(kernel.km, kernel.km.shell_port)
        socket.send_multipart(forged("wrong-key", kernel.km.session.key, "kernel_info_request", {}))
        kernel.wait_for_log("shell: dropped a message")
        socket.close()
        log = kernel.log()
        assert "shell: recv execute_request" in log, "debug logging traces messages"
        assert key not in log
    finally:
        kernel.stop()
    assert key not in kernel.log()


def kernel_pids(km):
    """The front process and its worker."""
    front = km.provisioner.process.pid
    pids = [front]
    for task in os.listdir(f"/proc/{front}/task"):
        with open(f"/proc/{front}/task/{task}/children") as f:
            pids += [int(p) for p in f.read().split()]
    return pids


def socket_inodes(pid):
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def listening(inodes):
    """(address, port) of the TCP sockets in LISTEN state among inodes."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for row in f:
                fields = row.split()
                if fields[3] != "0A" or fields[9] not in inodes:   # 0A: LISTEN
                    continue
                address, port = fields[1].split(":")
                if len(address) == 8:
                    ip = ".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0))
                else:
                    ip = "ipv6:" + address
                found.add((ip, int(port, 16)))
    return found


def test_binds_only_the_connection_files_address_and_ports(logged):
    km = logged.km
    execute(logged.kc, "int bound = 1;")   # the worker is up too
    inodes = set()
    for pid in kernel_pids(km):
        inodes |= socket_inodes(pid)
    expected = {(km.ip, port) for port in (km.shell_port, km.iopub_port, km.stdin_port, km.control_port,
                                           km.hb_port)}
    assert listening(inodes) == expected


def run_kernel_with(path, timeout=TIMEOUT):
    return subprocess.run([KERNEL, "-f", str(path)], capture_output=True, text=True, timeout=timeout)


def connection_text(**changes):
    info = {"shell_port": 0, "iopub_port": 0, "stdin_port": 0, "control_port": 0, "hb_port": 0,
            "ip": "127.0.0.1", "key": "k", "transport": "tcp", "signature_scheme": "hmac-sha256"}
    info.update(changes)
    return json.dumps({k: v for k, v in info.items() if v is not None})


@pytest.mark.parametrize("case, text, why", [
    ("missing", None, "cannot read it: No such file or directory"),
    ("folder", "", "cannot read it: Is a directory"),
    ("not-json", "{\"shell_port\": ", "invalid JSON"),
    ("not-an-object", "[1, 2]", "not a JSON object"),
    ("no-port", connection_text(hb_port=None), "missing or invalid hb_port"),
    ("bad-port", connection_text(shell_port=70000), "missing or invalid shell_port"),
    ("bad-transport", connection_text(transport="udp"), "transport must be tcp or ipc"),
    ("bad-scheme", connection_text(signature_scheme="hmac-md5"), "unsupported signature_scheme"),
], ids=lambda value: value if value in ("missing", "folder", "not-json", "not-an-object", "no-port",
                                        "bad-port", "bad-transport", "bad-scheme") else "")
def test_bad_connection_file_is_a_clear_startup_error(tmp_path, case, text, why):
    path = tmp_path / "connection.json"
    if case == "folder":
        path.mkdir()
    elif text is not None:
        path.write_text(text)
    result = run_kernel_with(path)
    assert result.returncode == 1
    assert f"cnb-kernel: error: cannot start: connection file {path}: {why}" in result.stderr


def test_unreadable_connection_file_is_a_clear_startup_error(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "connection.json"
    path.write_text(connection_text())
    path.chmod(0)
    result = run_kernel_with(path)
    assert result.returncode == 1
    assert f"connection file {path}: cannot read it: Permission denied" in result.stderr


def test_port_in_use_is_a_clear_startup_error(tmp_path):
    taken = zmq.Context.instance().socket(zmq.ROUTER)
    port = taken.bind_to_random_port("tcp://127.0.0.1")
    try:
        path = tmp_path / "connection.json"
        path.write_text(connection_text(control_port=port))
        result = run_kernel_with(path)
        assert result.returncode == 1
        assert f"cannot bind the control channel to tcp://127.0.0.1:{port}: Address already in use" \
            in result.stderr
    finally:
        taken.close(0)


def private_modes(root):
    """Paths under root (root too) that group or others may use."""
    open_to_others = []
    for folder, folders, files in os.walk(root):
        for path in [folder] + [os.path.join(folder, f) for f in files]:
            mode = os.lstat(path).st_mode
            if stat.S_IMODE(mode) & 0o077:
                open_to_others.append((path, oct(stat.S_IMODE(mode))))
    return open_to_others


def work_dirs(folder):
    return sorted(p for p in os.listdir(folder) if p.startswith("cnb-kernel-"))


def test_what_the_kernel_writes_is_private(tmp_path):
    data = tmp_path / "data"
    old = os.umask(0o022)
    try:
        kernel = LoggedKernel(tmp_path, env={"JUPYTER_DATA_DIR": str(data)})
    finally:
        os.umask(old)
    try:
        reply, _ = execute(kernel.kc, f'int shared = 1;\nFILE *f = fopen("{tmp_path}/by_cell.txt", "w");'
                                      ' fputs("x", f); fclose(f);')
        assert reply["content"]["status"] == "ok"
        (work,) = work_dirs(tmp_path)
        work = tmp_path / work
        assert stat.S_IMODE(work.stat().st_mode) == 0o700
        sources = [p for p in os.listdir(work) if p.endswith(".c")]
        assert sources, "the work folder holds the cell sources"
        for source in sources:
            assert stat.S_IMODE((work / source).stat().st_mode) == 0o600
        assert private_modes(work) == []
        assert (data / "cnb" / "history.sqlite").exists()
        assert private_modes(data) == []
        # A cell's own files keep the user's umask (022 here).
        assert stat.S_IMODE((tmp_path / "by_cell.txt").stat().st_mode) == 0o644
    finally:
        kernel.stop()


def worker_pid(km):
    pids = kernel_pids(km)
    assert len(pids) == 2, "the front and one worker"
    return pids[1]


def test_work_folder_removed_after_the_worker_was_killed(tmp_path):
    kernel = LoggedKernel(tmp_path)
    try:
        execute(kernel.kc, "int before_kill = 1;")
        os.kill(worker_pid(kernel.km), signal.SIGKILL)
        # The next cell tells of the dead worker, or runs in a fresh one.
        execute(kernel.kc, 'printf("after\\n");')
        reply, outputs = execute(kernel.kc, 'printf("after\\n");')
        assert reply["content"]["status"] == "ok" and stdout_of(outputs) == "after\n"
        assert len(work_dirs(tmp_path)) == 1
    finally:
        kernel.stop()
    deadline = time.monotonic() + TIMEOUT
    while work_dirs(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert work_dirs(tmp_path) == []


def test_work_folder_of_a_killed_kernel_is_removed_at_the_next_start(tmp_path):
    first = LoggedKernel(tmp_path)
    execute(first.kc, "int doomed = 1;")
    (left,) = work_dirs(tmp_path)
    first.km.provisioner.process.send_signal(signal.SIGKILL)
    first.km.provisioner.process.wait(timeout=TIMEOUT)
    first.kc.stop_channels()
    first.km.cleanup_resources()
    first.log_file.close()
    assert work_dirs(tmp_path) == [left], "SIGKILL leaves the folder behind"
    # A folder without a lock (another kernel's, still starting, or an older
    # version's) is not touched.
    (tmp_path / "cnb-kernel-nolock").mkdir()
    second = LoggedKernel(tmp_path)
    try:
        reply, _ = execute(second.kc, "int fresh = 1;")
        assert reply["content"]["status"] == "ok"
        remaining = work_dirs(tmp_path)
        assert left not in remaining, "the next kernel removed the stale folder"
        assert "cnb-kernel-nolock" in remaining and len(remaining) == 2
    finally:
        second.stop()
