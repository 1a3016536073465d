# SPDX-License-Identifier: BSD-3-Clause
"""Heap damage is blamed on the cell that did it (kernel/worker/heap_check.c,
called at the end of every cell): the issue's student bug, 64 bytes written
into malloc(16), makes that very cell fail with HeapCorruption naming it,
instead of an innocent later cell dying with SIGABRT in free()."""

import os

import pytest

from front_support import isolate_history, needs_kernel, execute, start_kernel, stop_kernel, text_result

pytestmark = needs_kernel
# The sanitizer build's worker allocates with ASan's allocator, which has no
# glibc chunks to walk (heap_check.h): there, ASan itself stops the worker.
UNDER_ASAN = bool(os.environ.get("CNB_SANITIZERS"))
no_walk_under_asan = pytest.mark.skipif(UNDER_ASAN, reason="ASan's allocator: no glibc heap to walk")
isolate_history('heap-damage')

OVERFLOW = ("char *buf = malloc(16);\n"
            "for (int i = 0; i < 64; i++) buf[i] = 'x';\n"
            "char *other = malloc(16);\n"
            "free(buf);\n"
            "free(other);")


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


@no_walk_under_asan
def test_the_overflowing_cell_is_blamed(kernel):
    km, kc = kernel
    reply, _ = execute(kc, "int kept = 7;")
    assert reply["content"]["status"] == "ok"
    reply, _ = execute(kc, OVERFLOW)
    content = reply["content"]
    assert content["status"] == "error", content
    assert content["ename"] == "HeapCorruption", content
    assert f"found at the end of In[{content['execution_count']}]" in content["evalue"]
    assert "past the end of a malloc'd buffer" in content["evalue"]
    # The kernel goes on, with a worker whose heap is whole.
    reply, outputs = execute(kc, "int fresh = 2;\nfresh * 21")
    assert reply["content"]["status"] == "ok" and text_result(outputs) == "42"


def test_a_sound_heap_passes(kernel):
    km, kc = kernel
    reply, outputs = execute(kc, "char *ok_buf = malloc(16);\nfor (int i = 0; i < 16; i++) ok_buf[i] = 'y';\n"
                                 "free(ok_buf);\nint sound = 1;\nsound")
    assert reply["content"]["status"] == "ok" and text_result(outputs) == "1"
