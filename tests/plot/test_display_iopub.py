# SPDX-License-Identifier: BSD-3-Clause
"""Pictures and displays as the notebook receives them: display_data and
update_display_data on iopub, through jupyter_client and the build-tree
kernelspec "cnb" ($JUPYTER_PATH), with the right MIME types, metadata and
display ids (in `transient`, as the protocol wants)."""

import base64
import os
import subprocess

import pytest
from jupyter_client.manager import KernelManager

TIMEOUT = 120   # cells are compiled; CI machines are slow; nothing asserts on time
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def kernel_missing():
    kernel = os.environ.get("CNB_KERNEL", "")
    if not kernel or not os.access(kernel, os.X_OK):
        return "cnb-kernel is not built"
    version = subprocess.run([kernel, "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        return "cnb-kernel is a placeholder: " + version.stderr.strip()
    return ""


pytestmark = pytest.mark.skipif(bool(kernel_missing()), reason=kernel_missing())


@pytest.fixture(scope="module")
def kc():
    km = KernelManager(kernel_name="cnb")
    km.start_kernel()
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code):
    """Runs a cell; returns its reply and what it published on iopub."""
    msg_id = kc.execute(code)
    published = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        published.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok", reply["content"]
    return published


def of_type(published, *types):
    return [m for m in published if m["msg_type"] in types]


def png_size(data):
    raw = base64.b64decode(data)
    assert raw.startswith(PNG_SIGNATURE)
    return int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")


def test_plot_is_png_display_data_at_2x(kc):
    published = run(kc, 'double y[4] = {0.9, 0.5, 0.3, 0.25};\n'
                        'Series s[] = {{"Training", y, 4}};\n'
                        'plot_lines(s, 1, .title = "Verlust über die Epochen");')
    displays = of_type(published, "display_data")
    assert len(displays) == 1
    content = displays[0]["content"]
    assert set(content["data"]) == {"image/png", "text/plain"}
    width, height = png_size(content["data"]["image/png"])
    shown = content["metadata"]["image/png"]
    assert (shown["width"], shown["height"]) == (width // 2, height // 2)
    assert "display_id" not in content.get("transient", {})


def test_confusion_matrix_and_images(kc):
    published = run(kc, 'float counts[4] = {50, 2, 7, 41};\n'
                        'Tensor *cm = tensor_from_data(counts, (int[]){2, 2}, 2);\n'
                        'show_confusion_matrix(cm, (const char *[]){"Katze", "Hund"}, "Tiere");\n'
                        'show_images(tensor(3, 1, 28, 28));')
    displays = of_type(published, "display_data")
    assert len(displays) == 2
    for display in displays:
        assert "image/png" in display["content"]["data"]
        width, _ = png_size(display["content"]["data"]["image/png"])
        assert display["content"]["metadata"]["image/png"]["width"] == width // 2


def test_display_id_and_update(kc):
    published = run(kc, 'display_html("<b>eins</b>", .id = "zelle");\n'
                        'display_html("<b>zwei</b>", .id = "zelle", .update = true);\n'
                        'display_markdown("*kursiv*");')
    displays = of_type(published, "display_data", "update_display_data")
    assert [m["msg_type"] for m in displays] == ["display_data", "update_display_data", "display_data"]
    assert displays[0]["content"]["transient"]["display_id"] == "zelle"
    assert displays[1]["content"]["transient"]["display_id"] == "zelle"
    assert displays[1]["content"]["data"]["text/html"] == "<b>zwei</b>"
    assert displays[2]["content"]["data"] == {"text/markdown": "*kursiv*"}


def test_progress_updates_one_display(kc):
    published = run(kc, 'Progress *p = progress_new("Epoche 1", 3);\n'
                        'for (int i = 1; i <= 3; i++) progress_update(p, i, NULL);\n'
                        'progress_finish(p, "fertig");')
    displays = of_type(published, "display_data", "update_display_data")
    assert displays[0]["msg_type"] == "display_data"
    assert all(m["msg_type"] == "update_display_data" for m in displays[1:]) and len(displays) >= 2
    ids = {m["content"]["transient"]["display_id"] for m in displays}
    assert len(ids) == 1
    last = displays[-1]["content"]["data"]
    assert "3/3" in last["text/plain"] and "fertig" in last["text/plain"]
    assert "width:100.0%" in last["text/html"]


def test_clear_output(kc):
    published = run(kc, 'printf("weg\\n"); fflush(stdout);\nclear_output(true);')
    cleared = of_type(published, "clear_output")
    assert len(cleared) == 1 and cleared[0]["content"]["wait"] is True


def test_tensor_as_trailing_expression(kc):
    published = run(kc, 'Tensor *t = tensor(2, 3);\nt')
    results = of_type(published, "execute_result")
    assert len(results) == 1
    data = results[0]["content"]["data"]
    assert "text/plain" in data and "[2, 3]" in data["text/html"]
