# SPDX-License-Identifier: BSD-3-Clause
"""A kernel's websocket as JupyterLab speaks it (the server-API test and the
JupyterHub classroom test share it)."""
import json
import time
import uuid

import websocket

TIMEOUT = 120


class Channels:
    """The kernel's websocket (BASE/api/kernels/ID/channels), JSON messages
    with their channel named in each, as JupyterLab sends them.  base is the
    Jupyter server's websocket URL: ws://HOST:PORT, or behind JupyterHub
    ws://HOST:PORT/user/NAME."""

    def __init__(self, base, token, kernel_id):
        self.session = uuid.uuid4().hex
        url = f"{base}/api/kernels/{kernel_id}/channels?session_id={self.session}"
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {token}"], timeout=TIMEOUT)

    def send(self, channel, msg_type, content):
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "channel": channel, "content": content, "metadata": {}, "parent_header": {}, "buffers": [],
            "header": {"msg_id": msg_id, "msg_type": msg_type, "session": self.session,
                       "username": "teacher", "version": "5.3", "date": ""},
        }))
        return msg_id

    def replies(self, msg_id, until):
        """Every message whose parent is msg_id, until until(msg) is true."""
        found, deadline = [], time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            found.append(msg)
            if until(msg):
                return found
        raise AssertionError(f"no end of the replies to {msg_id}: {found}")

    def execute(self, code):
        """Runs code; returns (execute_reply content, iopub messages) once idle."""
        msg_id = self.send("shell", "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        reply, iopub = None, []

        def done(msg):
            nonlocal reply
            if msg["channel"] == "shell" and msg["msg_type"] == "execute_reply":
                reply = msg["content"]
            else:
                iopub.append(msg)
            idle = any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
                       for m in iopub)
            return reply is not None and idle

        self.replies(msg_id, done)
        return reply, iopub

    def nudge(self):
        """After a restart the server's iopub connection to the new kernel
        comes back a moment later: ask kernel_info until its status arrives
        on iopub, as JupyterLab does, so that no output is missed."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg_id = self.send("shell", "kernel_info_request", {})
            self.ws.settimeout(1)
            try:
                while True:
                    msg = json.loads(self.ws.recv())
                    if (msg["channel"] == "iopub" and msg["msg_type"] == "status"
                            and msg.get("parent_header", {}).get("msg_id") == msg_id):
                        return
            except websocket.WebSocketTimeoutException:
                continue
            finally:
                self.ws.settimeout(TIMEOUT)
        raise AssertionError("no iopub message from the restarted kernel")

    def close(self):
        self.ws.close()
