"""Shared pytest options and fixtures.

``--update-golden`` rewrites golden files for review in the diff; ``lab`` is the real-kernel
network-namespace lab of tests/netns_lab.py, built once per run.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.netns_lab import lab

__all__ = ["lab"]

# Timing is not behaviour: on a busy two-core machine a strategy draws and an example runs
# slowly, and hypothesis's timing checks would fail tests that are right. Tests that set
# their own settings keep these unless they name them.
settings.register_profile("auditor", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("auditor")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
