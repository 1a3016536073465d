"""Shared pytest set-up for cnb's Python tests (protocol, notebook, browser)."""
