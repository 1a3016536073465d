# SPDX-License-Identifier: BSD-3-Clause
"""Shared pytest set-up for cnb's Python tests (protocol, notebook, browser)."""
