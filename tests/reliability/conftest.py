"""Reliability and security tests: shared helpers and the `soak` marker.

The soak test runs in the normal suite (it is bounded); the marker lets CI select or skip it by name.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "soak: bounded long-running load test (runs in the normal suite)")
