# SPDX-License-Identifier: BSD-3-Clause
"""No leak in the front process across 1000 executions, in the sanitizer
build (CNB_SANITIZERS set: cnb-kernel is built with ASan, UBSan and
LeakSanitizer; elsewhere the test is skipped).  The kernel runs 1000 cells
(statements, definitions, compile errors, faults, output, results) with
completions, inspections and history requests in between, then shuts down:
its exit status is 0 and its log (stderr) holds no sanitizer report."""

import os

import pytest

from front_support import isolate_history, needs_kernel, TIMEOUT, execute, shell_reply, start_kernel

pytestmark = [needs_kernel, pytest.mark.skipif(not os.environ.get("CNB_SANITIZERS"),
                                                reason="not a sanitizer build (configure --enable-sanitizers)")]
isolate_history('leaks')

EXECUTIONS = 1000
CELLS = ["counter += 1;", 'printf("%d\\n", counter);', "counter", "int broken = ;",
         "int value_{k} = {k};", "counter * 2 + value_{d}"]


def test_no_leak_in_the_front_across_1000_executions(tmp_path):
    log_path = tmp_path / "kernel.log"
    with open(log_path, "w") as log:
        km, kc = start_kernel(env={"TMPDIR": str(tmp_path), "ASAN_OPTIONS": "detect_leaks=1"}, stderr=log)
        try:
            execute(kc, "int counter = 0; int value_0 = 0;")
            defined = 0
            for k in range(1, EXECUTIONS):
                code = CELLS[k % len(CELLS)]
                if "value_{k}" in code:
                    defined = k
                reply, _ = execute(kc, code.format(k=k, d=defined))
                assert reply["content"]["status"] in ("ok", "error")
                if k % 50 == 0:
                    shell_reply(kc, kc.complete("coun", 4))
                    shell_reply(kc, kc.inspect("counter", 3))
                    shell_reply(kc, kc.history(hist_access_type="tail", n=5))
            kc.shutdown()
            status = km.provisioner.process.wait(timeout=TIMEOUT)
        finally:
            kc.stop_channels()
            km.cleanup_resources()
    text = log_path.read_text(errors="replace")
    assert "Sanitizer" not in text, text[-4000:]
    assert status == 0
