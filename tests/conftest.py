"""Shared pytest options and fixtures.

``--update-golden`` rewrites golden files for review in the diff; ``lab`` is the real-kernel
network-namespace lab of tests/netns_lab.py, built once per run.
"""

from __future__ import annotations

import pytest

from tests.netns_lab import lab

__all__ = ["lab"]


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
