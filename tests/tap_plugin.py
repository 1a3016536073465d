# SPDX-License-Identifier: BSD-3-Clause
"""pytest plugin: prints one TAP line per test so automake's TAP driver
counts each test function.  Loaded with `-p tap_plugin`."""

_results = []


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        name = report.nodeid.replace("#", "")
        if report.skipped:
            reason = ""
            if isinstance(report.longrepr, tuple):
                reason = str(report.longrepr[2])
            if hasattr(report, "wasxfail"):   # pytest.xfail: a known defect, said as such
                reason = f"expected failure, a known defect: {report.wasxfail}"
            line = f"ok {len(_results) + 1} - {name} # SKIP {reason}"
        elif report.passed:
            line = f"ok {len(_results) + 1} - {name}"
        else:
            line = f"not ok {len(_results) + 1} - {name}"
        _results.append(line)
        print("\n" + line, flush=True)


def pytest_sessionfinish(session, exitstatus):
    print(f"\n1..{len(_results)}", flush=True)
    # No test collected is a failure of the file, not a silent pass.
    if not _results:
        print("not ok 1 - no tests were collected", flush=True)
