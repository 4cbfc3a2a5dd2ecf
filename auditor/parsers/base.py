"""What every platform parser provides, and the small helpers they share.

A parser turns one platform's configuration text into a ``ParseResult``: the
vendor-neutral model plus a diagnostic for every line it did not turn into model facts.
It never raises for odd lines; it raises ``ParseError`` only when the text is not this
platform's at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from auditor.model import ParseResult


class Parser(Protocol):
    """A platform parser: ``parse(text, filename)`` and a cheap ``looks_like(text)``."""

    def __call__(self, text: str, filename: str) -> ParseResult:
        """Parse ``text`` read from ``filename``."""
        ...


Detector = Callable[[str], bool]
