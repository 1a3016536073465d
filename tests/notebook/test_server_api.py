# SPDX-License-Identifier: BSD-3-Clause
"""The kernel behind a JupyterLab 4 server, through the server's REST and
websocket API as any frontend speaks it (no browser): a session with the
cnb kernel, execute with streamed output and display data (and its updates),
completion, interrupt, restart.  The server is `python -m jupyterlab` from
the venv on 127.0.0.1 with a token."""
import json
import os
import time
import urllib.request

import pytest

from browser_support import Server, api
from lesson_support import artifacts_dir, run_dir

websocket = pytest.importorskip("websocket")
from kernel_channels import TIMEOUT, Channels  # noqa: E402 (needs websocket)


def stdout(iopub):
    return "".join(m["content"]["text"] for m in iopub
                   if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


@pytest.fixture(scope="module")
def lab():
    work = run_dir("server-api")
    server = Server("jupyterlab", work, os.path.join(artifacts_dir("server-api"), "jupyterlab-server.log"))
    try:
        session = post(server, "/api/sessions", {"path": "api.ipynb", "type": "notebook",
                                                  "name": "api.ipynb", "kernel": {"name": "cnb"}})
        channels = Channels(f"ws://127.0.0.1:{server.port}", server.token, session["kernel"]["id"])
        yield server, session, channels
        channels.close()
    finally:
        server.stop()


def post(server, path, body=None):
    req = urllib.request.Request(f"{server.base}{path}", method="POST",
                                 data=json.dumps(body or {}).encode(),
                                 headers={"Authorization": f"token {server.token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
        text = r.read()
        return json.loads(text) if text else None


def test_session_starts_the_cnb_kernel(lab):
    server, session, _ = lab
    assert session["kernel"]["name"] == "cnb"
    sessions = api(server.base, server.token, "/api/sessions")
    assert [s["kernel"]["id"] for s in sessions] == [session["kernel"]["id"]]
    specs = api(server.base, server.token, "/api/kernelspecs")
    assert specs["kernelspecs"]["cnb"]["spec"]["display_name"] == "C (cnb)"


def test_execute_streams_output_and_keeps_state(lab):
    _, _, channels = lab
    reply, iopub = channels.execute('int answer = 42;\nprintf("answer %d\\n", answer);')
    assert reply["status"] == "ok", reply
    assert stdout(iopub) == "answer 42\n"
    reply, iopub = channels.execute("answer + 1")
    results = [m for m in iopub if m["msg_type"] == "execute_result"]
    assert results and results[0]["content"]["data"]["text/plain"] == "43"


def test_display_data_and_its_updates(lab):
    _, _, channels = lab
    reply, iopub = channels.execute(
        'Progress *p = progress_new("Steps", 3);\n'
        'for (int i = 1; i <= 3; i++) progress_update(p, i, "working");\n'
        'progress_finish(p, "done");')
    assert reply["status"] == "ok", reply
    shown = [m for m in iopub if m["msg_type"] == "display_data"]
    updates = [m for m in iopub if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1 and updates, [m["msg_type"] for m in iopub]
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert all(u["content"]["transient"]["display_id"] == display_id for u in updates)
    assert "done" in updates[-1]["content"]["data"]["text/plain"]
    assert "text/html" in updates[-1]["content"]["data"]
    reply, iopub = channels.execute("show_images(tensor(4, 1, 28, 28), .count = 4);")
    assert reply["status"] == "ok", reply
    pngs = [m for m in iopub if m["msg_type"] == "display_data" and "image/png" in m["content"]["data"]]
    assert len(pngs) == 1


def test_completion(lab):
    _, _, channels = lab
    msg_id = channels.send("shell", "complete_request", {"code": "ans", "cursor_pos": 3})
    reply = channels.replies(msg_id, lambda m: m["msg_type"] == "complete_reply")[-1]["content"]
    assert reply["status"] == "ok" and "answer" in reply["matches"], reply
    msg_id = channels.send("shell", "complete_request", {"code": "model_fo", "cursor_pos": 8})
    reply = channels.replies(msg_id, lambda m: m["msg_type"] == "complete_reply")[-1]["content"]
    assert "model_forward" in reply["matches"], reply


def test_help_menu_opens_the_runtime_reference(lab):
    """Help -> "cnb runtime API" (kernel_info's help_links): a page the
    Jupyter server serves from the kernelspec folder, as the browser would
    fetch it (a file:// link would not open from a web page)."""
    server, _, channels = lab
    msg_id = channels.send("shell", "kernel_info_request", {})
    info = channels.replies(msg_id, lambda m: m["msg_type"] == "kernel_info_reply")[-1]["content"]
    links = {link["text"]: link["url"] for link in info["help_links"]}
    url = links["cnb runtime API"]
    assert url == "/kernelspecs/cnb/runtime-api.html", url
    req = urllib.request.Request(f"{server.base}{url}", headers={"Authorization": f"token {server.token}"})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
        assert r.headers.get_content_type() == "text/html"
        page = r.read().decode()
    assert "model_forward" in page and "cnb_abort_on_error" in page


def test_interrupt_through_the_rest_api(lab):
    server, session, channels = lab
    kernel = session["kernel"]["id"]
    msg_id = channels.send("shell", "execute_request", {
        "code": 'printf("spinning\\n"); fflush(stdout);\nwhile (1) ;', "silent": False,
        "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    channels.replies(msg_id, lambda m: m["msg_type"] == "stream")     # it runs
    post(server, f"/api/kernels/{kernel}/interrupt")
    messages = channels.replies(msg_id, lambda m: m["msg_type"] == "execute_reply")
    reply = messages[-1]["content"]
    assert reply["status"] == "error" and "nterrupt" in reply["ename"], reply
    reply, iopub = channels.execute('printf("still %d\\n", answer);')
    assert stdout(iopub) == "still 42\n"


def test_restart_through_the_rest_api(lab):
    server, session, channels = lab
    kernel = session["kernel"]["id"]
    post(server, f"/api/kernels/{kernel}/restart")
    deadline = time.monotonic() + TIMEOUT
    while api(server.base, server.token, f"/api/kernels/{kernel}")["execution_state"] != "idle":
        assert time.monotonic() < deadline, "the kernel did not come back"
        time.sleep(0.2)
    channels.nudge()
    reply, iopub = channels.execute('printf("fresh %d\\n", 6 * 7);')
    assert reply["status"] == "ok" and stdout(iopub) == "fresh 42\n"
    reply, _ = channels.execute('printf("%d\\n", answer);')
    assert reply["status"] == "error" and "answer" in reply["evalue"], reply
