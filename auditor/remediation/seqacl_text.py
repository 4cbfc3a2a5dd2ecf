"""Apply a rendered remediation to EOS or NX-OS config text, the way the switch would.

The merge step for the two platforms whose IPv4 access lists are ``ip access-list NAME``
blocks of sequence-numbered lines in which a ``remark`` takes a sequence number of its own
(Arista EOS; Cisco NX-OS Security Configuration Guide, "Sequence Numbers"). One editor
serves both because the CLI does the same things to the list: inside the list's mode
``<seq> <entry>`` inserts at that number (a number already taken is refused), ``no <seq>``
deletes the entry or remark with that number (a missing one is refused), and an entry given
without a number gets the highest number so far plus 10. What differs is a parameter: the
indentation ``show running-config`` prints (three spaces on EOS, two on NX-OS), how the list
is renumbered (EOS: ``resequence START STEP`` inside the list's mode; NX-OS: ``resequence ip
access-list NAME START STEP`` in global configuration), and EOS's ``standard`` lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.remediation.merge import ConfigText, MergeError, indent_of

__all__ = ["AclLine", "EosText", "NxosText", "SeqAclText"]

_HEADER = re.compile(r"^ip access-list (?:(standard) )?(\S+)$")
_ENTRY = re.compile(r"^(?:seq )?(\d+) (\S.*)$")
_SETTINGS = ("counters ", "statistics ", "no counters", "no statistics", "fragment-rules", "exit")


@dataclass(frozen=True, slots=True)
class AclLine:
    """One numbered line of an access list: its index in the text, number, and whether a remark."""

    index: int
    seq: int
    remark: bool


class SeqAclText(ConfigText):
    """Config text with sequence-numbered ``ip access-list`` blocks whose remarks take numbers."""

    indent = 2
    global_resequence: re.Pattern[str] | None = None
    mode_resequence: re.Pattern[str] | None = None

    # --- reading ------------------------------------------------------------------------

    def acl_header(self, name: str) -> int | None:
        """Return the index of the ``ip access-list [standard] NAME`` line, or None."""
        for i, line in enumerate(self.lines):
            match = _HEADER.match(line.rstrip())
            if match and match.group(2) == name:
                return i
        return None

    def is_standard(self, name: str) -> bool:
        """Tell whether access list ``name`` is a standard (source-only) list."""
        header = self.acl_header(name)
        match = _HEADER.match(self.lines[header].rstrip()) if header is not None else None
        return match is not None and match.group(1) is not None

    def acl_lines(self, name: str) -> list[AclLine]:
        """Return the entries and remarks of ``name`` in text order, with the numbers the switch gives.

        An unnumbered line gets the highest number so far plus 10, remarks included.
        """
        header = self.acl_header(name)
        if header is None:
            return []
        out: list[AclLine] = []
        highest = 0
        for i in range(header + 1, self.block_end(header)):
            text = self.lines[i].strip()
            if not text or text.startswith("!") or text.startswith(_SETTINGS):
                continue
            match = _ENTRY.match(text)
            seq, body = (int(match.group(1)), match.group(2)) if match else (highest + 10, text)
            highest = max(highest, seq)
            out.append(AclLine(i, seq, body.split()[0] == "remark"))
        return out

    # --- applying -----------------------------------------------------------------------

    def special(self, path: list[str], text: str) -> bool:
        """Renumber, insert and delete access-list lines by sequence number."""
        glob = self.global_resequence.match(text) if self.global_resequence and not path else None
        if glob:
            self._resequence(glob.group(1), int(glob.group(2)), int(glob.group(3)))
            return True
        header = _HEADER.match(path[-1]) if len(path) == 1 else None
        if header is None:
            return False
        name = header.group(2)
        if text == "exit":
            return True  # leaves the list's mode; the stack follows indentation
        mode = self.mode_resequence.match(text) if self.mode_resequence else None
        if mode:
            self._resequence(name, int(mode.group(1)), int(mode.group(2)))
            return True
        if text.startswith("no ") and text[3:].isdigit():
            self._delete(name, int(text[3:]))
            return True
        entry = _ENTRY.match(text)
        if entry is None:
            return False
        self._insert(name, int(entry.group(1)), entry.group(2))
        return True

    def remove(self, path: list[str], target: str, command: str) -> None:
        """Remove the line ``target`` under ``path``.

        Raises:
            MergeError: the line is not there (neither switch records a ``no`` of a line it lacks).
        """
        index = self.find([*path, target])
        if index is None:
            where = f" under {' / '.join(path)!r}" if path else ""
            raise MergeError(f"no line {target!r}{where}")
        del self.lines[index : self.block_end(index)]

    def _append_at(self, path: list[str], text: str) -> int:
        """Add ``text`` at the end of the block at ``path``, indented the way the platform prints."""
        at = super()._append_at(path, text)
        if path:
            parent = self.find(path)
            assert parent is not None
            self.lines[at] = " " * (indent_of(self.lines[parent]) + self.indent) + text
        return at

    def _number(self, name: str) -> None:
        """Write every line's number explicitly (implicit numbers would shift after an insert)."""
        for line in self.acl_lines(name):
            text = self.lines[line.index].strip()
            if _ENTRY.match(text) is None:
                self.lines[line.index] = f"{self._pad(name)}{line.seq} {text}"

    def _pad(self, name: str) -> str:
        header = self.acl_header(name)
        assert header is not None
        return " " * (indent_of(self.lines[header]) + self.indent)

    def _insert(self, name: str, seq: int, body: str) -> None:
        if self.acl_header(name) is None:
            raise MergeError(f"no access list {name}")
        self._number(name)
        lines = self.acl_lines(name)
        if any(line.seq == seq for line in lines):
            raise MergeError(f"{name} already has a line {seq}")
        later = sorted((line for line in lines if line.seq > seq), key=lambda line: line.seq)
        if later:
            at = later[0].index
        else:
            header = self.acl_header(name)
            assert header is not None
            at = self.block_end(header)
            while at > header + 1 and not self.lines[at - 1].strip():
                at -= 1
        self.lines.insert(at, f"{self._pad(name)}{seq} {body}")

    def _delete(self, name: str, seq: int) -> None:
        self._number(name)
        for line in self.acl_lines(name):
            if line.seq == seq:
                del self.lines[line.index]
                return
        raise MergeError(f"{name} has no line {seq}")

    def _resequence(self, name: str, start: int, step: int) -> None:
        """Renumber entries and remarks from ``start`` by ``step``, in their current order."""
        if self.acl_header(name) is None:
            raise MergeError(f"no access list {name} to renumber")
        self._number(name)
        ordered = sorted(self.acl_lines(name), key=lambda line: line.seq)
        for rank, line in enumerate(ordered):
            body = _ENTRY.match(self.lines[line.index].strip())
            assert body is not None
            self.lines[line.index] = f"{self._pad(name)}{start + rank * step} {body.group(2)}"


class EosText(SeqAclText):
    """Arista EOS: three-space indentation; ``resequence START STEP`` inside the list's mode."""

    indent = 3
    mode_resequence = re.compile(r"^resequence (\d+) (\d+)$")


class NxosText(SeqAclText):
    """Cisco NX-OS: two-space indentation; ``resequence ip access-list NAME START STEP`` globally."""

    indent = 2
    global_resequence = re.compile(r"^resequence ip access-list (\S+) (\d+) (\d+)$")
