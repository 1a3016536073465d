# SPDX-License-Identifier: BSD-3-Clause
"""gcc's messages are read as English text (the tidier drops gcc's "In
function 'cnb_cell_...'" records by their words): under a German locale the
kernel still gets them in English, so a compile error keeps the tidy
diagnostic.  The locale comes from the system or is made here with
localedef (no root needed); gcc must really speak German in it
(Debian's gcc-12-locales), else the test could not fail and is skipped."""

import os
import subprocess

import pytest

from front_support import isolate_history, needs_kernel, start_kernel, stop_kernel, execute

pytestmark = needs_kernel
isolate_history('locale')

GERMAN = "de_DE.UTF-8"
BROKEN = "int broken = undeclared_here + 1;\n"


def german_environment(tmp_path):
    """LANG=de_DE.UTF-8, with LOCPATH to a locale made here if the system has none."""
    env = {"LANG": GERMAN, "LANGUAGE": "de", "LC_ALL": ""}
    listed = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    if not any(name.lower().replace("-", "") == "de_de.utf8" for name in listed):
        made = subprocess.run(["localedef", "-i", "de_DE", "-c", "-f", "UTF-8", str(tmp_path / GERMAN)],
                              capture_output=True, text=True)
        if not (tmp_path / GERMAN).is_dir():
            pytest.skip(f"no {GERMAN} locale and localedef cannot make one (package locales): {made.stderr}")
        env["LOCPATH"] = str(tmp_path)
    return env


def gcc_speaks_german(env, tmp_path):
    source = tmp_path / "broken.c"
    source.write_text("void f(void) { " + BROKEN + "}\n")
    run = subprocess.run([os.environ.get("CNB_CELL_CC", "gcc"), "-c", "-o", os.devnull, str(source)],
                         capture_output=True, text=True, env=dict(os.environ, **env))
    return "Fehler" in run.stderr


@pytest.fixture(scope="module")
def german(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("locale")
    env = german_environment(tmp_path)
    if not gcc_speaks_german(env, tmp_path):
        pytest.skip("gcc prints no German messages here (Debian's gcc-12-locales is not installed)")
    return env


def test_compile_error_is_tidy_under_a_german_locale(german):
    km, kc = start_kernel(env=german)
    try:
        reply, outputs = execute(kc, "int kept = 1;\n" + BROKEN)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "CompileError"
        text = "\n".join(line for m in outputs if m["msg_type"] == "error"
                         for line in m["content"]["traceback"])
        assert "error:" in text and "undeclared_here" in text, text
        assert "Fehler" not in text, "gcc spoke German to the kernel"
        assert "cnb_cell_" not in text and "In function" not in text, "the tidier missed gcc's records"
        assert ":2:" in text, "the cell's own line numbers"
        # The user's UTF-8 strings still come through (UTF-8 kept, not plain C).
        ok, outputs = execute(kc, 'printf("Grüße, %s\\n", "Welt");')
        assert ok["content"]["status"] == "ok"
        assert "Grüße, Welt" in "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
    finally:
        stop_kernel(km, kc)
