"""What every platform parser provides, and the small helpers they share.

A parser turns one platform's configuration text into a ``ParseResult``: the
vendor-neutral model plus a diagnostic for every line it did not turn into model facts.
It never raises for odd lines; it raises ``ParseError`` only when the text is not this
platform's at all.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Protocol

from auditor.model import ParseResult


class Parser(Protocol):
    """A platform parser: ``parse(text, filename)`` and a cheap ``looks_like(text)``."""

    def __call__(self, text: str, filename: str) -> ParseResult:
        """Parse ``text`` read from ``filename``."""
        ...


Detector = Callable[[str], bool]


_QUOTING = frozenset("'\"\\")


def shell_words(text: str) -> list[str]:
    """Split a line into words as a POSIX shell would (``shlex.split``), fast for plain lines.

    Most lines hold no quote or backslash, and then a whitespace split is the same answer at
    a fraction of shlex's cost (which dominated parsing long iptables dumps).

    Raises:
        ValueError: an unbalanced quote (as shlex).

    Examples:
        >>> shell_words('-A FORWARD -m comment --comment "a b" -j ACCEPT')
        ['-A', 'FORWARD', '-m', 'comment', '--comment', 'a b', '-j', 'ACCEPT']
    """
    if _QUOTING.isdisjoint(text):
        return text.split()
    return shlex.split(text)
