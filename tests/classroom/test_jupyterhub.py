# SPDX-License-Identifier: BSD-3-Clause
"""A class through JupyterHub, for real: the hub on 127.0.0.1 with its
proxy (Debian's configurable-http-proxy), the dummy authenticator and the
simple local process spawner (jupyterhub_config.py).  Six students at once
each log in over the hub's REST API (their password gives them a token),
start their single-user JupyterLab server, open a notebook session with the
cnb kernel, load the lesson's data and model, and train one epoch, all six
at the same time; every one finishes with the same, right accuracy, the
slowest not far behind the fastest, each kernel within the memory limit.

Bounded: the whole module takes about a minute on the 2-core VM; every
wait has a deadline.  Figures: tests/artifacts/classroom/jupyterhub.json."""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "..", "kernel"), os.path.join(HERE, "..", "notebook")]

from classroom_support import (ACCURACY_CELL, ACCURACY_MIN, EPOCH_CELL, PSS_LIMIT_MIB,  # noqa: E402
                               SETUP_CELLS, SPREAD_LIMIT, pss_mib, shared_data, value)
from front_support import needs_kernel  # noqa: E402
from lesson_support import PYTHON3, artifacts_dir, free_port  # noqa: E402

requests = pytest.importorskip("requests")
pytest.importorskip("websocket")
pytest.importorskip("jupyterhub", reason="JupyterHub from requirements-classroom.txt (CNB_TEST_SETUP=1 scripts/setup-debian)")
from kernel_channels import Channels  # noqa: E402

PROXY = shutil.which("configurable-http-proxy")
pytestmark = [needs_kernel, pytest.mark.skipif(
    PROXY is None, reason="needs Debian's node-configurable-http-proxy (scripts/setup-debian)")]

STUDENTS = ["ada", "alan", "grace", "edsger", "barbara", "donald"]
START_MARGIN_S = 4.0
DEADLINE_S = 180


class Hub:
    """`python -m jupyterhub` with tests/classroom/jupyterhub_config.py."""

    def __init__(self, folder):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_hex(8)
        self.homes = os.path.join(folder, "homes")
        state = os.path.join(folder, "state")
        os.makedirs(state, exist_ok=True)
        env = dict(os.environ, CNB_HUB_PORT=str(self.port), CNB_HUB_API_PORT=str(free_port()),
                   CNB_HUB_PROXY_API_PORT=str(free_port()), CNB_HUB_STATE=state,
                   CNB_HUB_HOMES=self.homes, CNB_HUB_PASSWORD=self.password,
                   # Debian's proxy finds its modules there also with another node
                   NODE_PATH="/usr/share/nodejs")
        self.log_path = os.path.join(artifacts_dir("classroom"), "jupyterhub.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [PYTHON3, "-m", "jupyterhub", "-f", os.path.join(HERE, "jupyterhub_config.py")],
            cwd=state, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_until(lambda: requests.get(f"{self.base}/hub/api/", timeout=5).ok, "the hub answers")

    def wait_until(self, ready, what, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if ready():
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited; see {self.log_path}")
            time.sleep(0.3)
        raise AssertionError(f"not in {seconds} s: {what}; see {self.log_path}")

    def own_pids(self):
        """The hub and its proxy: the processes of the hub's session that
        are neither a student's server nor a kernel."""
        pids = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                session = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[3])
                command = open(f"/proc/{pid}/cmdline").read()
            except (OSError, IndexError, ValueError):
                continue
            if (session == self.process.pid and "jupyterhub-singleuser" not in command
                    and "cnb-kernel" not in command):
                pids.append(int(pid))
        return pids

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)     # the hub stops the servers and the proxy
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def _parent_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


class Student:
    """One student's way through the hub, as a browser would go it, over
    the REST API: log in, start the server, open the lesson's notebook."""

    def __init__(self, hub, name):
        self.hub, self.name = hub, name
        self.http = requests.Session()

    def log_in(self):
        # The login form creates the user; the REST API then gives a token
        # for the same username and password.
        self.http.get(f"{self.hub.base}/hub/login", timeout=30)
        form = {"username": self.name, "password": self.hub.password,
                "_xsrf": self.http.cookies.get("_xsrf", "")}
        r = self.http.post(f"{self.hub.base}/hub/login", data=form, timeout=30, allow_redirects=False)
        assert r.status_code in (302, 303), f"{self.name} logs in: {r.status_code} {r.text[:200]}"
        r = requests.post(f"{self.hub.base}/hub/api/users/{self.name}/tokens", timeout=30,
                          json={"auth": {"username": self.name, "password": self.hub.password},
                                "note": "classroom test"})
        assert r.status_code == 201, f"{self.name} gets a token: {r.status_code} {r.text[:200]}"
        self.token = r.json()["token"]
        self.headers = {"Authorization": f"token {self.token}"}

    def start_server(self):
        r = requests.post(f"{self.hub.base}/hub/api/users/{self.name}/server",
                          headers=self.headers, timeout=30)
        assert r.status_code in (201, 202), f"{self.name}'s server: {r.status_code} {r.text[:200]}"

        def ready():
            user = requests.get(f"{self.hub.base}/hub/api/users/{self.name}",
                                headers=self.headers, timeout=10).json()
            return user.get("servers", {}).get("", {}).get("ready")
        self.hub.wait_until(ready, f"{self.name}'s JupyterLab is ready")
        self.server = f"{self.hub.base}/user/{self.name}"
        status = requests.get(f"{self.server}/api/status", headers=self.headers, timeout=30)
        assert status.ok, f"{self.name}'s JupyterLab answers through the proxy: {status.status_code}"

    def open_lesson(self):
        r = requests.post(f"{self.server}/api/sessions", headers=self.headers, timeout=60,
                          json={"path": "lektion.ipynb", "type": "notebook", "name": "lektion.ipynb",
                                "kernel": {"name": "cnb"}})
        assert r.status_code == 201, f"{self.name}'s session: {r.status_code} {r.text[:200]}"
        self.kernel_id = r.json()["kernel"]["id"]
        ws = "ws" + self.server[len("http"):]
        self.channels = Channels(ws, self.token, self.kernel_id)

    def run(self, code):
        reply, iopub = self.channels.execute(code)
        text = "".join(m["content"]["text"] for m in iopub
                       if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")
        assert reply["status"] == "ok", (self.name, code, reply, iopub)
        return text

    def server_pids(self):
        """The student's single-user JupyterLab server (Python, a process
        of its own started by the spawner in the student's home)."""
        return self._pids_in_home("jupyterhub-singleuser")

    def kernel_pids(self):
        """The cnb kernel (front and worker) working in this student's home."""
        return self._pids_in_home("cnb-kernel")

    def kernel_processes(self):
        """(fronts, workers, snapshots) of the cnb kernel in this student's home:
        a worker is a front's child, a rollback snapshot a worker's."""
        pids = self.kernel_pids()
        parent = {pid: _parent_of(pid) for pid in pids}
        fronts = [p for p in pids if parent[p] not in pids]
        workers = [p for p in pids if parent[p] in fronts]
        return fronts, workers, [p for p in pids if p not in fronts and p not in workers]

    def _pids_in_home(self, command):
        home = os.path.realpath(os.path.join(self.hub.homes, self.name))
        pids = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if (command in open(f"/proc/{pid}/cmdline").read()
                        and os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) == home):
                    pids.append(int(pid))
            except OSError:
                pass
        return pids


def each(students, step):
    """Runs step(student) for all students at the same time; the results."""
    results, errors = {}, []

    def one(s):
        try:
            results[s.name] = step(s)
        except BaseException as e:               # reported in the main thread
            errors.append(e)
    threads = [threading.Thread(target=one, args=(s,)) for s in students]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE_S)
    assert not any(t.is_alive() for t in threads), f"a student's step took over {DEADLINE_S} s"
    if errors:
        raise errors[0]
    return [results[s.name] for s in students]


@pytest.fixture(scope="module")
def hub():
    folder = os.path.join(os.environ.get("CNB_BUILDDIR", "."), "tests", "classroom-hub")
    shutil.rmtree(folder, ignore_errors=True)
    hub = Hub(folder)
    yield hub
    hub.stop()


def test_six_students_train_at_once_through_jupyterhub(hub):
    data = shared_data(os.path.join(os.environ.get("CNB_BUILDDIR", "."), "tests", "classroom-data"))
    students = [Student(hub, name) for name in STUDENTS]
    began = time.monotonic()
    each(students, Student.log_in)
    each(students, Student.start_server)
    servers_s = time.monotonic() - began
    each(students, Student.open_lesson)
    for cell in SETUP_CELLS:
        outputs = each(students, lambda s, cell=cell: s.run(cell.replace("{data}", data)))
    threads = [value(text, "threads") for text in outputs]
    loaded = [round(pss_mib(s.kernel_pids()), 1) for s in students]
    servers = [s.server_pids() for s in students]
    server_mib = [round(pss_mib(pids), 1) for pids in servers]

    def epoch_at_once():
        start = time.time() + START_MARGIN_S
        epochs = each(students, lambda s: s.run(EPOCH_CELL.replace("{start}", f"{start:.3f}")))
        epoch_s = [value(text, "epoch_s") for text in epochs]
        return {"epoch_s": epoch_s, "slowest_over_fastest": round(max(epoch_s) / min(epoch_s), 3),
                "late_start_s": round(max(value(t, "begin") for t in epochs) - start, 3)}

    # A 2-core machine shared with other work: a run outside the limit is
    # measured once more and the better one counts (both are recorded), as
    # in test_classroom_kernels.py.
    runs = [epoch_at_once()]
    if runs[0]["slowest_over_fastest"] > SPREAD_LIMIT:
        runs.append(epoch_at_once())
    best = min(runs, key=lambda r: r["slowest_over_fastest"])
    accuracy = [value(text, "accuracy") for text in each(students, lambda s: s.run(ACCURACY_CELL))]
    for s in students:
        s.channels.close()
    figures = {
        "servers_ready_s": round(servers_s, 1), "threads": threads, "pss_loaded_mib": loaded,
        "pss_server_mib": server_mib, "pss_hub_and_proxy_mib": round(pss_mib(hub.own_pids()), 1),
        **best, "runs": runs, "accuracy": accuracy, "whole_test_s": round(time.monotonic() - began, 1),
    }
    with open(os.path.join(artifacts_dir("classroom"), "jupyterhub.json"), "w") as f:
        json.dump(figures, f, indent=1)
    assert len(set(accuracy)) == 1 and accuracy[0] >= ACCURACY_MIN, figures
    roles = [[len(pids) for pids in s.kernel_processes()] for s in students]
    assert all(r[0] == 1 and r[1] == 1 and r[2] <= 1 for r in roles), \
        f"each student has a front, a worker and at most one rollback snapshot: {roles}"
    assert max(loaded) <= PSS_LIMIT_MIB, figures
    assert all(len(pids) == 1 for pids in servers), f"one JupyterLab server per student: {servers}"
    assert figures["late_start_s"] < 0.5, f"the six started training together: {figures}"
    assert figures["slowest_over_fastest"] <= SPREAD_LIMIT, figures
