# SPDX-License-Identifier: BSD-3-Clause
"""What the browser tests share: a Jupyter server (JupyterLab 4 or Notebook 7
from the repository's venv) on 127.0.0.1 with a token, headless Debian
Chromium driven by Playwright for Python, and a Notebook object that works
the page as a student does (clicks, keys) and reads what the page shows.

Reading goes through the page's own application object (the servers run with
--expose-app-in-browser): it tells which cell is selected and what outputs a
cell holds without guessing from pixels.  Nothing is ever changed through it."""
import json
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.request

import pytest

from lesson_support import PYTHON3, free_port

CHROMIUM = "/usr/bin/chromium"
CELL_TIMEOUT_MS = 300_000

try:
    from playwright.sync_api import sync_playwright
except ImportError:            # the set-up installs it; without it there is no browser test
    sync_playwright = None

needs_browser = pytest.mark.skipif(
    sync_playwright is None or not os.path.exists(CHROMIUM),
    reason="needs Debian chromium and Playwright for Python (scripts/setup-debian)")


def api(base, token, path, method="GET"):
    req = urllib.request.Request(f"{base}{path}", method=method,
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
        return json.loads(body) if body else None


def _quiet_settings(settings_dir):
    """User settings that keep JupyterLab's news and update pop-ups away: they
    would cover the cells a test clicks."""
    path = os.path.join(settings_dir, "@jupyterlab", "apputils-extension")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "notification.jupyterlab-settings"), "w") as f:
        json.dump({"fetchNews": "false", "checkForUpdates": False}, f)


class Server:
    """`python -m jupyterlab` or `python -m notebook` serving folder `root`."""

    def __init__(self, module, root, log_path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        state = root + ".jupyter-state"
        settings = os.path.join(state, "settings")
        _quiet_settings(settings)
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=settings,
                   JUPYTERLAB_WORKSPACES_DIR=os.path.join(state, "workspaces"))
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [PYTHON3, "-m", module, "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--ServerApp.port_retries=0", "--allow-root", "--expose-app-in-browser"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(600):
            try:
                api(self.base, self.token, "/api/status")
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{module} exited; see {log_path}")
                time.sleep(0.2)
        raise RuntimeError(f"{module} did not answer in 120 s; see {log_path}")

    def kernels(self):
        return api(self.base, self.token, "/api/kernels") or []

    def stop(self):
        try:
            for kernel in self.kernels():
                api(self.base, self.token, f"/api/kernels/{kernel['id']}", method="DELETE")
        except OSError:
            pass
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def launch_chromium(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--no-first-run", "--disable-sync"])


# What the page knows about code cell i of the notebook in front (read only).
_CELL_INFO = """(i) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cell = panel.content.widgets[i];
  const model = cell.model;
  const outputs = model.type === 'code' ? model.outputs.toJSON() : [];
  const join = (t) => Array.isArray(t) ? t.join('') : (t || '');
  const prompt = cell.node.querySelector('.jp-InputPrompt');
  return {
    index: i,
    type: model.type,
    source: model.sharedModel.getSource(),
    prompt: prompt ? prompt.textContent : '',
    count: model.type === 'code' ? model.executionCount : null,
    text: outputs.filter((o) => o.output_type === 'stream').map((o) => join(o.text)).join(''),
    errors: outputs.filter((o) => o.output_type === 'error')
      .map((o) => `${o.ename}: ${o.evalue}\\n${(o.traceback || []).join('\\n')}`),
    png_outputs: outputs.filter((o) => o.data && o.data['image/png']).length,
    images: Array.from(cell.node.querySelectorAll('.jp-OutputArea-output img')).map((img) => ({
      src: (img.getAttribute('src') || '').slice(0, 22), width: img.naturalWidth, height: img.naturalHeight,
    })),
  };
}"""

# Records, inside the page, every value the kernel status indicator of the
# notebook in front takes (a MutationObserver sees each change, however short).
_WATCH_STATUS = """() => {
  const node = window.jupyterapp.shell.currentWidget.node.querySelector('.jp-Notebook-ExecutionIndicator');
  window.cnbStatus = [node.getAttribute('data-status')];
  if (window.cnbStatusObserver) window.cnbStatusObserver.disconnect();
  window.cnbStatusObserver = new MutationObserver(() => window.cnbStatus.push(node.getAttribute('data-status')));
  window.cnbStatusObserver.observe(node, { attributes: true, attributeFilter: ['data-status'] });
  // What the kernel said, for the assertion messages: state and parent type.
  window.cnbStatusMessages = [];
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  if (!window.cnbStatusHooked) {
    window.cnbStatusHooked = true;
    kernel.iopubMessage.connect((_, msg) => {
      if (msg.header.msg_type === 'status' && window.cnbStatusMessages)
        window.cnbStatusMessages.push(msg.content.execution_state + ':' + (msg.parent_header.msg_type || '-'));
    });
  }
}"""

# Records each distinct text an output of cell i shows as HTML (the progress
# bar, replaced in place by update_display_data) and when each stream line
# first appeared.
_WATCH_OUTPUTS = """(i) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
  window.cnbHtml = [];
  window.cnbLines = [];
  const seen = new Set();
  const look = () => {
    cell.node.querySelectorAll('.jp-RenderedHTMLCommon').forEach((el) => {
      const t = el.textContent;
      if (window.cnbHtml[window.cnbHtml.length - 1] !== t) window.cnbHtml.push(t);
    });
    cell.node.querySelectorAll('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stdout"]').forEach((el) => {
      for (const line of el.textContent.split('\\n')) {
        if (line && !seen.has(line)) {
          seen.add(line);
          window.cnbLines.push({ line, at: performance.now(),
            status: window.cnbStatus[window.cnbStatus.length - 1] });
        }
      }
    });
  };
  if (window.cnbOutputObserver) window.cnbOutputObserver.disconnect();
  window.cnbOutputObserver = new MutationObserver(look);
  window.cnbOutputObserver.observe(cell.node, { childList: true, subtree: true, characterData: true });
}"""


class Notebook:
    """A notebook open in the browser, worked with the mouse and the keyboard."""

    def __init__(self, page, shots):
        self.page = page
        self.shots = shots

    def wait_until_ready(self):
        self.page.wait_for_function(
            """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                       const k = w && w.sessionContext && w.sessionContext.session
                                 && w.sessionContext.session.kernel;
                       return k && k.status === 'idle' && w.content.widgets.length > 0; }""",
            timeout=120_000)

    def evaluate(self, script, arg=None):
        return self.page.evaluate(script, arg)

    def count(self):
        return self.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")

    def active(self):
        return self.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex")

    def mode(self):
        return self.evaluate("() => window.jupyterapp.shell.currentWidget.content.mode")

    def cell(self, i):
        return self.evaluate(_CELL_INFO, i)

    def cell_node(self, i):
        return self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(i)

    def status(self):
        return self.evaluate("""() => window.jupyterapp.shell.currentWidget.node
            .querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status')""")

    def kernel_name(self):
        return self.evaluate("""() => { const c = window.jupyterapp.shell.currentWidget.sessionContext;
            return [c.session.kernel.name, c.kernelDisplayName]; }""")

    def shot(self, name, cell=None):
        path = os.path.join(self.shots, name)
        if cell is None:
            self.page.screenshot(path=path)
        else:
            node = self.cell_node(cell)
            node.scroll_into_view_if_needed()
            node.screenshot(path=path)
        return path

    def wait_for_cell(self, i, timeout=CELL_TIMEOUT_MS):
        """Until code cell i shows an execution count in its prompt."""
        self.page.wait_for_function(
            """(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
                        if (c.model.type !== 'code') return true;
                        return /\\[\\d+\\]/.test(c.node.querySelector('.jp-InputPrompt').textContent); }""",
            arg=i, timeout=timeout, polling=100)
        return self.cell(i)

    def wait_for(self, script, arg=None, timeout=CELL_TIMEOUT_MS):
        self.page.wait_for_function(script, arg=arg, timeout=timeout, polling=50)

    def command_mode(self):
        self.page.keyboard.press("Escape")
        self.wait_for("() => window.jupyterapp.shell.currentWidget.content.mode === 'command'")

    def select(self, i):
        """Clicks cell i's prompt area (selects it without editing)."""
        self.cell_node(i).locator(".jp-InputPrompt").click()
        self.wait_for("(i) => window.jupyterapp.shell.currentWidget.content.activeCellIndex === i", i)
        self.command_mode()

    def run_selected(self):
        """Shift+Enter on the selected cell; returns its index."""
        i = self.active()
        self.page.keyboard.press("Shift+Enter")
        self.wait_for("(i) => window.jupyterapp.shell.currentWidget.content.activeCellIndex !== i", i)
        return i

    def insert_below(self):
        """A new empty code cell below the selected one ('b' in command mode), in edit mode."""
        self.command_mode()
        before = self.active()
        self.page.keyboard.press("b")
        self.wait_for("""(b) => { const nb = window.jupyterapp.shell.currentWidget.content;
                         return nb.activeCellIndex === b + 1 && nb.activeCell.model.sharedModel.getSource() === ''; }""",
                      before)
        self.page.keyboard.press("Enter")
        self.wait_for("() => window.jupyterapp.shell.currentWidget.content.mode === 'edit'")
        return before + 1

    def type_in_cell(self, i, code):
        """Types code into the cell being edited and waits until the cell holds it.
        Lines are typed one by one with Enter, and the editor's own indentation
        is removed first, so the source is exactly code."""
        lines = code.split("\n")
        for n, line in enumerate(lines):
            if n:
                self.page.keyboard.press("Enter")
                self.page.keyboard.press("Shift+Home")
                self.page.keyboard.press("Delete")
            self.page.keyboard.type(line)
        self.wait_for("([i, code]) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
                      ".model.sharedModel.getSource() === code", [i, code], timeout=30_000)

    def run_new_cell(self, code):
        """A new cell below the selected one, typed in and run with Shift+Enter."""
        i = self.insert_below()
        self.type_in_cell(i, code)
        self.run_selected()
        return self.wait_for_cell(i)

    def delete_cell(self, i):
        """Selects cell i and deletes it with 'd d'."""
        self.select(i)
        n = self.count()
        self.page.keyboard.press("d")
        self.page.keyboard.press("d")
        self.wait_for("(n) => window.jupyterapp.shell.currentWidget.content.widgets.length === n - 1", n)

    def toolbar(self, command):
        """The notebook toolbar's button for a JupyterLab command."""
        return self.page.locator(f'.jp-NotebookPanel-toolbar jp-button[data-command="{command}"]')

    def watch_status(self):
        self.evaluate(_WATCH_STATUS)

    def statuses(self):
        return self.evaluate("() => window.cnbStatus.slice()")

    def status_messages(self):
        return self.evaluate("() => window.cnbStatusMessages.slice()")

    def watch_outputs(self, i):
        self.evaluate(_WATCH_OUTPUTS, i)

    def watched(self):
        return self.evaluate("() => ({ html: window.cnbHtml.slice(), lines: window.cnbLines.slice() })")


def first_line_matching(lines, pattern):
    for entry in lines:
        if re.search(pattern, entry["line"]):
            return entry
    return None
