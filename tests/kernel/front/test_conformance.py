# SPDX-License-Identifier: BSD-3-Clause
"""The Jupyter kernel conformance suite (jupyter_kernel_test) against the
build-tree cnb kernel, with every sample filled in with C."""

import contextlib
import os
import unittest

import jupyter_kernel_test

from front_support import isolate_history, needs_kernel

pytestmark = needs_kernel
isolate_history('conformance')


class CnbKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("CNB_TEST_KERNEL_NAME", "cnb")
    language_name = "c"
    file_extension = ".c"

    code_hello_world = 'printf("hello, world\\n");'
    code_stderr = 'fprintf(stderr, "this goes to stderr\\n");'

    completion_samples = [
        {"text": "manual_se", "matches": {"manual_seed"}},
        {"text": "int conformance_value = 1; conformance_v"},
    ]

    complete_code_samples = ["int x = 1;", 'printf("hi\\n");', "int f(void) { return 1; }", ""]
    incomplete_code_samples = ["int g(void) {", "for (int i = 0; i < 3; i++) {", 'printf("a",',
                               "/* an open comment"]
    invalid_code_samples = ["}", "int y = (1));", "int z[2] = {1, 2]];"]

    code_generate_error = "this is not C;"

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "40 + 2", "result": "42"},
        {"code": "(long) 1 << 40", "result": "1099511627776"},
    ]

    code_display_data = [
        {"code": 'display_html("<b>cnb</b>");', "mime": "text/html"},
        {"code": 'display_markdown("**cnb**");', "mime": "text/markdown"},
        {"code": "unsigned char pixels[4] = {0, 255, 255, 0}; size_t png_size = 0;"
                 " unsigned char *png = png_encode_gray(pixels, 2, 2, &png_size);"
                 " display_png(png, png_size); free(png);", "mime": "image/png"},
    ]

    # "?" matches the one character "*": only the first result sample.
    code_history_pattern = "6 ? 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "manual_seed"
    code_page_something = "manual_seed?"

    code_clear_output = "clear_output(false);"

    # pytest (without the pytest-subtests plugin) does not report a failure
    # inside unittest's subTest: make every sample's check a plain assertion.
    @contextlib.contextmanager
    def subTest(self, msg=None, **params):
        yield


if __name__ == "__main__":
    unittest.main()
