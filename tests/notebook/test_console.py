# SPDX-License-Identifier: BSD-3-Clause
"""The cnb kernel from `jupyter console`: a short session at a real terminal
(pexpect gives the console a pty, as a person typing would)."""
import os
import re

import pexpect
import pytest

from lesson_support import KERNEL_NAME, PYTHON3

PROMPT = re.compile(r"In \[(\d+)\]: ")


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("console")
    child = pexpect.spawn(
        PYTHON3, ["-m", "jupyter_console", "--kernel", KERNEL_NAME, "--simple-prompt",
                  "--no-confirm-exit",
                  "--ZMQTerminalInteractiveShell.kernel_timeout=120"],
        cwd=str(cwd), env=dict(os.environ, TERM="dumb"), encoding="utf-8", timeout=120,
        dimensions=(40, 200))
    child.expect(PROMPT)
    child.banner = child.before
    yield child
    if child.isalive():
        child.sendeof()     # Ctrl-D: the console shuts the kernel down and exits
        child.expect(pexpect.EOF, timeout=30)
    child.close()
    assert child.exitstatus == 0


def run(child, line):
    """Types a line, waits for the next prompt, returns what came in between."""
    child.sendline(line)
    child.expect(PROMPT)
    return child.before


def test_banner_comes_from_the_kernel(console):
    # The console prints kernel_info's banner before the first prompt.
    assert "Jupyter console" in console.banner
    assert re.search(r"\bcnb\b", console.banner, re.I), console.banner


def test_state_and_result(console):
    run(console, "int x = 41;")
    out = run(console, "x + 1")
    assert re.search(r"Out\[\d+\]: 42", out), out


def test_printf_reaches_the_terminal(console):
    out = run(console, 'printf("hallo aus C\\n");')
    assert "hallo aus C" in out


def test_function_then_call(console):
    # The simple prompt reads one line per cell (multi-line input is the
    # kernel's is_complete, tested with the protocol).
    run(console, "int add(int a, int b) { return a + b; }")
    out = run(console, "add(x, 1)")
    assert re.search(r"Out\[\d+\]: 42", out), out


def test_compile_error_then_the_state_is_still_there(console):
    out = run(console, "int y = undeclared_name;")
    assert "undeclared_name" in out
    out = run(console, "x * 2")
    assert re.search(r"Out\[\d+\]: 82", out), out


def test_runtime_from_the_console(console):
    out = run(console, "Tensor *t = tensor(2, 3); printf(\"%zu\\n\", tensor_numel(t));")
    assert re.search(r"^6\r?$", out, re.M), out
