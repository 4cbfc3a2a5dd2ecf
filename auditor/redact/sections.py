"""Where a config line sits: the block or menu around it, for secrets that depend on context.

Some secrets are only secrets because of where they are: an SNMP community written as a
block name (``community NAME {``), a ``name=`` value under RouterOS's SNMP menu, a
``set name`` inside FortiOS's SNMP community table. A tracker is fed the lines in order and
says, for each, the section it belongs to; rules in ``rules.py`` may require a section.
"""

from __future__ import annotations

from typing import Protocol


class Tracker(Protocol):
    """Feeds on lines in order; returns the section of each line (``""`` at top level)."""

    def feed(self, line: str) -> str:
        """Return the section ``line`` belongs to, and update the state after it."""
        ...


class NoSections:
    """Flat configs (iptables-save, XML): no rule needs a section."""

    def feed(self, line: str) -> str:
        """Return the top level for every line."""
        return ""


class IndentParent:
    """Indented child lines belong to the last top-level line (IOS-like syntax)."""

    def __init__(self) -> None:
        self._parent = ""

    def feed(self, line: str) -> str:
        """Return the top-level line this one sits under (itself when it is top level)."""
        if line.strip() and not line[0].isspace():
            self._parent = line.strip()
        return self._parent


class BraceBlocks:
    """Nested ``name {`` ... ``}`` blocks (Junos and VyOS); the section is the path, ``/``-joined."""

    def __init__(self) -> None:
        self._stack: list[str] = []

    def feed(self, line: str) -> str:
        """Return the block path around ``line``; a line that opens a block is outside it."""
        section = "/".join(self._stack)
        stripped = line.split("#", 1)[0].strip()
        if stripped.endswith("{"):
            self._stack.append(stripped[:-1].strip())
        elif stripped.startswith("}") and self._stack:
            self._stack.pop()
        return section


class ConfigEnd:
    """``config PATH`` ... ``end`` tables (FortiOS); the section is the innermost PATH."""

    def __init__(self) -> None:
        self._stack: list[str] = []

    def feed(self, line: str) -> str:
        """Return the innermost table ``line`` sits in; a ``config`` line opens its own."""
        stripped = line.strip()
        if stripped.startswith("config "):
            self._stack.append(stripped.removeprefix("config ").strip())
        section = self._stack[-1] if self._stack else ""
        if stripped == "end" and self._stack:
            self._stack.pop()
        return section


class SlashMenu:
    """``/menu path`` lines set the menu for the lines after them (RouterOS exports)."""

    def __init__(self) -> None:
        self._menu = ""

    def feed(self, line: str) -> str:
        """Return the current menu; a menu line (which may carry a command) is in its own."""
        stripped = line.strip()
        if stripped.startswith("/"):
            self._menu = stripped
        return self._menu
