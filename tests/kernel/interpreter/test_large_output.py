# SPDX-License-Identifier: BSD-3-Clause
"""Large outputs reach the frontend whole and in order, and the kernel's
memory stays bounded: a cell that prints 100 MB in lines, one line of
10 MB without a newline, a cell that displays 200 images.  Output is not
limited: the front forwards the worker's output in batches of at most
80 KiB (64 KiB and one pipe read; kernel/README.md, Output) and keeps none of it, so its peak
resident memory (VmHWM) stays far below the size of the output.
CNB_LARGE_OUTPUT_MB sets the size of the first cell (default 100)."""

import base64
import os
import zlib

import pytest

from front_support import isolate_history, needs_kernel, execute, start_kernel, stop_kernel
from long_session import kernel_processes

pytestmark = needs_kernel
isolate_history('large-output')

MEGABYTES = int(os.environ.get("CNB_LARGE_OUTPUT_MB", "100"))
TIMEOUT = 600


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def stream_texts(outputs):
    return [m["content"]["text"] for m in outputs
            if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"]


def test_100_megabytes_of_lines_arrive_whole_and_in_order(kernel):
    km, kc = kernel
    lines = MEGABYTES * 10000   # 100 bytes each
    front = kernel_processes(km)[0]
    execute(kc, "int warm = 1;")   # start-up peaks (libclang's warm-up parse) are behind us
    peak_before = peak_rss(front)
    reply, outputs = execute(kc, f'for (int i = 0; i < {lines}; i++) printf("%07d %091d\\n", i, 0);',
                             timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok"
    texts = stream_texts(outputs)
    # A batch is flushed once it holds 64 KiB; one more pipe read (16 KiB) may ride along.
    assert max(len(t) for t in texts) <= 80 * 1024, "sent in bounded batches"
    text = "".join(texts)
    assert len(text) == lines * 100
    numbers = [int(line[:7]) for line in text.splitlines()]
    assert numbers == list(range(lines)), "every line, in order"
    # What the front holds at most is ZeroMQ's queues (high-water marks of
    # 1000 messages between its threads and towards a slow frontend), not
    # the output: less than half of it here.
    growth = peak_rss(front) - peak_before
    print(f"# front peak grew by {growth / 2**20:.1f} MiB for {MEGABYTES} MB of output")
    assert growth < MEGABYTES * 2**20 // 2, f"the front's peak grew by {growth / 2**20:.0f} MiB"


def test_a_10_megabyte_line_without_newline(kernel):
    km, kc = kernel
    reply, outputs = execute(kc, 'for (int i = 0; i < 1000000; i++) fputs("0123456789", stdout);',
                             timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok"
    text = "".join(stream_texts(outputs))
    assert text == "0123456789" * 1000000


def png_of(n):
    """A 1x1 grey PNG whose pixel value is n (so each image is told apart)."""
    def chunk(kind, data):
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes([0, n])))
            + chunk(b"IEND", b""))


def test_200_images_arrive_in_order(kernel):
    _, kc = kernel
    pngs = [png_of(n) for n in range(200)]
    table = ",\n".join("{" + ", ".join(str(b) for b in png) + "}" for png in pngs)
    code = (f"static const unsigned char pngs[200][{len(pngs[0])}] = {{\n{table}\n}};\n"
            f"void show_all(void) {{ for (int i = 0; i < 200; i++) display_png(pngs[i], sizeof pngs[i]); }}\n"
            "show_all();")
    reply, outputs = execute(kc, code, timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok"
    shown = [base64.b64decode(m["content"]["data"]["image/png"]) for m in outputs
             if m["msg_type"] == "display_data"]
    assert shown == pngs
