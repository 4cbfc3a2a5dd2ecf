"""The read-only guard: every line a netmiko session writes is checked against the allow-list.

Installed on the connection before it logs in, so netmiko's own session preparation is
checked too. A line that is not allowed is never written: the session fails with
``ReadOnlyViolation`` instead. The lines sent are recorded (secrets masked) so a run can show,
and a test can prove, what the device was told.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

from auditor.errors import CollectError

_LINES = re.compile(r"\r\n|\r|\n")
MASK = "<secret>"


class ReadOnlyViolation(CollectError):
    """The session was about to send a line that is not on the read-only allow-list."""


class ReadOnlyGuard:
    """Wraps a connection's ``write_channel``; ``sent`` lists the lines that went out."""

    def __init__(self, allowed: frozenset[str], secrets: Iterable[str | None]) -> None:
        self.allowed = allowed
        self.secrets = frozenset(s for s in secrets if s)
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def install(self, connection: Any) -> None:
        """Route the connection's writes through ``check`` (an instance attribute, not a subclass)."""
        write: Callable[[str], None] = connection.write_channel

        def guarded(out_data: str) -> None:
            self.check(out_data)
            write(out_data)

        connection.write_channel = guarded

    def check(self, data: str) -> None:
        """Record the lines of ``data`` or raise before any of it is written."""
        lines = [line.strip() for line in _LINES.split(data)]
        for line in lines:
            if line and line not in self.allowed and line not in self.secrets:
                raise ReadOnlyViolation(f"refused to send {line!r}: not on the read-only allow-list")
        with self._lock:
            self.sent.extend(MASK if line in self.secrets else line for line in lines if line)
