"""Apply a rendered remediation to config text, the way the platform would.

The proof step of the remediation: a change is proven on the text it would leave behind.
``ConfigText`` is a small, indentation-aware config editor that reads the rendered
commands as the device's CLI would in configuration mode: a line enters (or creates) a
block, ``no X`` removes the line ``X`` (or, for a default that prints nothing, records
``no X`` as a global command), and platform hooks handle sequence-numbered and
line-numbered list edits. Vendor knowledge here is limited to what that needs: how IOS
numbers access-list entries and how ASA numbers access-list lines, how iptables-save
orders rules. This module edits text; it never writes remediation syntax of its own.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Protocol

from auditor.errors import AuditorError
from auditor.parsers.linux.nft_lexer import Stmt, parse_blocks, tokenize


class Editor(Protocol):
    """What the proof needs of a platform's editor: apply the rendered change, give the text."""

    def apply(self, rendered: str) -> None:
        """Apply rendered commands as the device would (MergeError when it would refuse)."""

    def text(self) -> str:
        """Return the edited config."""


class MergeError(AuditorError):
    """The rendered change does not apply to the config text (a missing line or block)."""


def indent_of(line: str) -> int:
    """Return how many leading spaces ``line`` has."""
    return len(line) - len(line.lstrip(" "))


def parents_of(lines: list[str], index: int) -> list[str]:
    """Return the headers of the blocks that hold ``lines[index]`` (outermost first)."""
    out: list[str] = []
    depth = indent_of(lines[index])
    for i in range(index - 1, -1, -1):
        text = lines[i]
        if not text.strip() or text.strip().startswith("!"):
            continue
        if indent_of(text) < depth:
            out.append(text.strip())
            depth = indent_of(text)
            if depth == 0:
                break
    return out[::-1]


class ConfigText:
    """An editable Cisco-style config (blocks by indentation)."""

    def __init__(self, text: str) -> None:
        """Split ``text`` into lines."""
        self.lines = text.splitlines()

    def text(self) -> str:
        """Return the edited config."""
        return "\n".join(self.lines) + "\n"

    # --- locating ----------------------------------------------------------------------

    def block_end(self, index: int) -> int:
        """Return the index just past the block that ``lines[index]`` heads."""
        depth = indent_of(self.lines[index])
        j = index + 1
        while j < len(self.lines):
            line = self.lines[j]
            if line.strip() and indent_of(line) <= depth:
                break
            j += 1
        return j

    def find(self, path: list[str]) -> int | None:
        """Return the index of the line at ``path`` (headers, then the line), or None."""
        start, end, depth = 0, len(self.lines), -1
        found = None
        for part in path:
            found = None
            for i in range(start, end):
                line = self.lines[i]
                if indent_of(line) > depth and line.strip() == part:
                    found = i
                    break
            if found is None:
                return None
            start, end, depth = found + 1, self.block_end(found), indent_of(self.lines[found])
        return found

    def _append_at(self, path: list[str], text: str) -> int:
        """Add ``text`` at the end of the block at ``path`` (top level: before ``end``)."""
        if not path:
            at = len(self.lines)
            for i, line in enumerate(self.lines):
                if line.strip() == "end" and indent_of(line) == 0:
                    at = i
            self.lines.insert(at, text)
            return at
        parent = self.find(path)
        if parent is None:
            raise MergeError(f"no block {' / '.join(path)!r} to add {text!r} to")
        at = self.block_end(parent)
        while at > parent + 1 and not self.lines[at - 1].strip():
            at -= 1
        self.lines.insert(at, " " * (indent_of(self.lines[parent]) + 1) + text)
        return at

    # --- applying ----------------------------------------------------------------------

    def apply(self, rendered: str) -> None:
        """Apply rendered configuration commands, line by line.

        Raises:
            MergeError: a command names a line or block the config does not have.
        """
        stack: list[tuple[int, str]] = []
        for raw in rendered.splitlines():
            text = raw.strip()
            if not text or text.startswith("!"):
                continue
            depth = indent_of(raw)
            while stack and stack[-1][0] >= depth:
                stack.pop()
            path = [h for _, h in stack]
            if self.special(path, text):
                continue
            if text.startswith("no "):
                self.remove(path, text[3:], text)
                continue
            if self.find([*path, text]) is None and not self.virtual(path, text):
                self._append_at(path, text)
            stack.append((depth, text))

    def remove(self, path: list[str], target: str, command: str) -> None:
        """Remove the line ``target`` under ``path`` (with its block).

        Raises:
            MergeError: ``target`` is not there and is not a top-level default switch.
        """
        index = self.find([*path, target])
        if index is None:
            if path:
                raise MergeError(f"no line {target!r} under {' / '.join(path)!r}")
            if self.find([command]) is None:
                self._append_at([], command)  # a default that prints nothing: record the `no`
            return
        del self.lines[index : self.block_end(index)]

    def special(self, path: list[str], text: str) -> bool:
        """Handle a platform-specific command; return True when handled."""
        return False

    def virtual(self, path: list[str], text: str) -> bool:
        """Tell whether entering ``text`` needs no block in the text (e.g. a numbered list)."""
        return False


_IOS_ACL = re.compile(r"^ip access-list (extended|standard) (\S+)$")
_IOS_NUMBERED = re.compile(r"^access-list (\d+) (?!remark)(\S.*)$")
_IOS_RESEQ = re.compile(r"^ip access-list resequence (\S+) (\d+) (\d+)$")
_IOS_ENTRY = re.compile(r"^(\d+) (\S.*)$")


class _ScanText(ConfigText):
    """``ConfigText`` whose block scans test plain prefixes instead of measuring every indent.

    Same answers as the base class: a line is deeper than ``depth`` exactly when it starts
    with ``depth + 1`` spaces, and a line whose stripped text is ``part`` contains ``part``.
    """

    def block_end(self, index: int) -> int:
        """Return the index just past the block that ``lines[index]`` heads."""
        lines = self.lines
        deeper = " " * (indent_of(lines[index]) + 1)
        j = index + 1
        end = len(lines)
        while j < end:
            line = lines[j]
            if not line.startswith(deeper) and line.strip():
                break
            j += 1
        return j

    def find(self, path: list[str]) -> int | None:
        """Return the index of the line at ``path`` (headers, then the line), or None."""
        lines = self.lines
        start, end, deeper = 0, len(lines), ""
        found = None
        for part in path:
            found = None
            for i in range(start, end):
                line = lines[i]
                if part in line and line.strip() == part and line.startswith(deeper):
                    found = i
                    break
            if found is None:
                return None
            start, end, deeper = found + 1, self.block_end(found), " " * (indent_of(lines[found]) + 1)
        return found


class IosText(_ScanText):
    """IOS config: named access lists keep sequence numbers; numbered ones are implicit."""

    def acl_entries(self, name: str) -> list[tuple[int, int]]:
        """Return (line index, sequence number) of each entry of access list ``name``."""
        header = self._acl_header(name)
        if header is not None:
            return self._named_entries(header)
        out: list[tuple[int, int]] = []
        for i, line in enumerate(self.lines):
            if "access-list" not in line:  # every match of the pattern holds it
                continue
            match = _IOS_NUMBERED.match(line.strip())
            if match and match.group(1) == name and indent_of(line) == 0:
                out.append((i, 10 * (len(out) + 1)))
        return out

    def _named_entries(self, header: int) -> list[tuple[int, int]]:
        """Return (line index, sequence number) of each entry of the named list at ``header``."""
        out: list[tuple[int, int]] = []
        last = 0
        lines = self.lines
        for i in range(header + 1, self.block_end(header)):
            words = lines[i].split(None, 1)
            if not words:
                continue
            first = words[0]
            if first == "remark":
                continue
            last = int(first) if first.isdigit() else last + 10
            out.append((i, last))
        return out

    def _acl_header(self, name: str) -> int | None:
        for i, line in enumerate(self.lines):
            if not line.startswith("ip access-list ") or name not in line:  # the pattern needs both
                continue
            match = _IOS_ACL.match(line.rstrip())
            if match and match.group(2) == name:
                return i
        return None

    def remove(self, path: list[str], target: str, command: str) -> None:
        """Remove ``target``; a global NAT service switch is recorded as its ``no`` line.

        IOS prints a NAT ALG that is off as ``no ip nat service ...`` and prints nothing
        while it is on (the default), so undoing the switch leaves the ``no`` line behind.
        """
        if not path and target.startswith("ip nat service "):
            index = self.find([target])
            if index is not None:
                del self.lines[index]
            if self.find([command]) is None:
                self._append_at([], command)
            return
        super().remove(path, target, command)

    def virtual(self, path: list[str], text: str) -> bool:
        """Editing a numbered list through ``ip access-list extended N`` needs no block."""
        match = _IOS_ACL.match(text)
        return bool(not path and match and match.group(2).isdigit() and self.acl_entries(match.group(2)))

    def special(self, path: list[str], text: str) -> bool:
        """Resequence, insert and delete access-list entries by sequence number."""
        reseq = _IOS_RESEQ.match(text)
        if not path and reseq:
            self._resequence(reseq.group(1), int(reseq.group(2)), int(reseq.group(3)))
            return True
        acl = _IOS_ACL.match(path[-1]) if len(path) == 1 else None
        if acl is None:
            return False
        name = acl.group(2)
        header = self._acl_header(name)
        numbered = header is None
        if header is None:
            entries = self.acl_entries(name)
        else:
            # Numbering rewrites entry lines in place (same indexes, same numbers), so the
            # entries read before it are the entries after it.
            entries = self._named_entries(header)
            self._write_numbers(entries)  # IOS shows every entry's number once the list is edited
        if text.startswith("no ") and text[3:].isdigit():
            seq = int(text[3:])
            for index, number in entries:
                if number == seq:
                    del self.lines[index]
                    return True
            raise MergeError(f"{name} has no entry {seq}")
        entry = _IOS_ENTRY.match(text)
        if entry is None:
            return False
        seq, body = int(entry.group(1)), entry.group(2)
        if any(number == seq for _, number in entries):
            raise MergeError(f"{name} already has an entry {seq}")
        later = [index for index, number in entries if number > seq]
        if numbered:
            new = f"access-list {name} {body}"
            at = later[0] if later else (entries[-1][0] + 1 if entries else len(self.lines))
        else:
            new = f" {seq} {body}"
            assert header is not None
            at = later[0] if later else self.block_end(header)
            if not later:
                while at > header + 1 and not self.lines[at - 1].strip():
                    at -= 1
        self.lines.insert(at, new)
        return True

    def _write_numbers(self, entries: list[tuple[int, int]]) -> None:
        """Write every entry's sequence number explicitly (implicit numbers would shift)."""
        lines = self.lines
        for index, number in entries:
            line = lines[index]
            if not line.split(None, 1)[0].isdigit():
                lines[index] = f" {number} {line.strip()}"

    def _resequence(self, name: str, start: int, step: int) -> None:
        entries = self.acl_entries(name)
        if self._acl_header(name) is None:
            return  # numbered lists carry no numbers in the text
        for k, (index, _) in enumerate(entries):
            words = self.lines[index].split(maxsplit=1)
            body = words[1] if words[0].isdigit() else self.lines[index].strip()
            self.lines[index] = f" {start + k * step} {body}"


_ASA_LINE = re.compile(r"^access-list (\S+) line (\d+) (\S.*)$")


class AsaText(_ScanText):
    """ASA config: access-list lines are numbered by position (remarks count)."""

    def acl_lines(self, name: str) -> list[int]:
        """Return the indexes of the lines of access list ``name``."""
        prefix = f"access-list {name} "
        return [i for i, line in enumerate(self.lines) if line.startswith(prefix)]

    def special(self, path: list[str], text: str) -> bool:
        """Insert ``access-list NAME line N ...`` before the list's current line N."""
        match = _ASA_LINE.match(text)
        if path or match is None:
            return False
        name, number, body = match.group(1), int(match.group(2)), match.group(3)
        lines = self.acl_lines(name)
        if not 1 <= number <= len(lines) + 1:
            raise MergeError(f"{name} has no line {number}")
        at = lines[number - 1] if number <= len(lines) else (lines[-1] + 1 if lines else len(self.lines))
        self.lines.insert(at, f"access-list {name} {body}")
        return True


def table_span(lines: Sequence[str], name: str) -> tuple[int, int] | None:
    """Return (the ``*name`` line, the ``COMMIT`` line that ends it) of iptables-save lines."""
    start = None
    marker = f"*{name}"
    for i, line in enumerate(lines):
        if line[:1] == "-":  # a rule line (most lines): stripped, neither a table nor COMMIT
            continue
        text = line.strip()
        if text == marker:
            start = i
        elif start is not None and text == "COMMIT":
            return start, i
    return None


def chain_rule_lines(lines: Sequence[str], span: tuple[int, int], chain: str) -> list[int]:
    """Return the indexes in ``span`` of the lines whose first two words are ``-A`` and ``chain``."""
    words = ["-A", chain]
    # "-A CHAIN " at the start has those two words when CHAIN is one word; any other line
    # that could have them starts with -A once stripped, and only those are split to tell.
    head = f"-A {chain} " if chain.split() == [chain] else None
    return [
        i
        for i in range(*span)
        if (head is not None and lines[i].startswith(head))
        or (lines[i].lstrip()[:2] == "-A" and lines[i].split(None, 2)[:2] == words)
    ]


class IptablesText:
    """iptables-save text: tables of ``-A CHAIN`` rules."""

    def __init__(self, text: str) -> None:
        """Split ``text`` into lines."""
        self.lines = text.splitlines()

    def text(self) -> str:
        """Return the edited rule set."""
        return "\n".join(self.lines) + "\n"

    def _table(self, name: str) -> tuple[int, int]:
        span = table_span(self.lines, name)
        if span is None:
            raise MergeError(f"no table {name!r}")
        return span

    def chain_rules(self, table: str, chain: str) -> list[int]:
        """Return the indexes of the rules of ``chain`` in ``table`` (first two words ``-A CHAIN``)."""
        return chain_rule_lines(self.lines, self._table(table), chain)

    def apply(self, rendered: str) -> None:
        """Apply ``iptables [-t T] -A CHAIN spec``, ``-I CHAIN N spec`` and ``-D CHAIN spec`` commands.

        Raises:
            MergeError: a rule to delete is not there, or a position is out of range.
        """
        for raw in rendered.splitlines():
            words = shlex.split(raw, comments=True)
            if not words or words[0] != "iptables":
                continue
            table = "filter"
            if words[1:2] == ["-t"]:
                table, words = words[2], [words[0], *words[3:]]
            op, chain = words[1], words[2]
            rules = self.chain_rules(table, chain)
            if op == "-A":
                self.lines.insert(self._after_chain(table, chain, rules), f"-A {chain} {_spec(words[3:])}")
            elif op == "-I":
                number = int(words[3])
                spec = _spec(words[4:])
                if not 1 <= number <= len(rules) + 1:
                    raise MergeError(f"{chain} has no position {number}")
                at = rules[number - 1] if number <= len(rules) else self._after_chain(table, chain, rules)
                self.lines.insert(at, f"-A {chain} {spec}")
            elif op == "-D":
                spec = " ".join(words[3:])
                for i in rules:
                    if " ".join(shlex.split(self.lines[i])[2:]) == spec:
                        del self.lines[i]
                        break
                else:
                    raise MergeError(f"no rule '{spec}' in {chain}")
            else:
                raise MergeError(f"command {raw!r} not understood")

    def _after_chain(self, table: str, chain: str, rules: list[int]) -> int:
        """Return where a new last rule of ``chain`` goes (after its rules, else before COMMIT).

        Raises:
            MergeError: the table does not declare the chain.
        """
        if rules:
            return rules[-1] + 1
        start, end = self._table(table)
        declared = [self.lines[i].split()[0][1:] for i in range(start, end) if self.lines[i].startswith(":")]
        if chain not in declared:
            raise MergeError(f"no chain {chain!r} in table {table!r}")
        later = set(declared[declared.index(chain) + 1 :])
        for i in range(start, end):  # iptables-save prints chains' rules in declaration order
            words = self.lines[i].split()
            if words[:1] == ["-A"] and len(words) > 1 and words[1] in later:
                return i
        return end


# nft chain statements that describe the chain rather than filter: ``flush chain`` keeps them.
NFT_HEADER_WORDS = frozenset({"type", "policy", "comment", "devices", "device"})


class NftText:
    """``nft list ruleset`` text, edited as ``nft -f`` would edit the kernel's rule set.

    ``flush chain`` empties a chain of its rules; ``table F T { chain C { ... } }`` appends
    rules to an existing chain.
    """

    def __init__(self, text: str) -> None:
        """Split ``text`` into lines."""
        self.lines = text.splitlines()

    def text(self) -> str:
        """Return the edited rule set."""
        return "\n".join(self.lines) + "\n"

    def apply(self, rendered: str) -> None:
        """Apply ``flush chain`` commands and chain blocks of rules.

        Raises:
            MergeError: a chain is not in the text, or the script does what nft -f would not
                do to an existing chain here (define a new chain, change a chain's header).
        """
        statements, _ = parse_blocks(tokenize(rendered.splitlines()))
        for stmt in statements:
            words = stmt.words
            if words[:2] == ["flush", "chain"] and len(words) in (4, 5):
                family, table, chain = ["ip", *words[2:]] if len(words) == 4 else words[2:]
                self._set_rules(family, table, chain, None)
            elif words[0] == "table" and stmt.body is not None and len(words) in (2, 3):
                family = words[1] if len(words) == 3 else "ip"
                for block in stmt.body:
                    if block.words[:1] != ["chain"] or block.body is None or len(block.words) != 2:
                        raise MergeError(f"only existing chains' rules can be added: {' '.join(block.words)}")
                    body = block.body
                    if any(s.words[0] in NFT_HEADER_WORDS for s in body):
                        raise MergeError(f"chain {block.words[1]}: the change would alter the chain's header")
                    self._set_rules(family, words[-1], block.words[1], [" ".join(s.words) for s in body])
            else:
                raise MergeError(f"command {' '.join(words)!r} not understood")

    def _set_rules(self, family: str, table: str, chain: str, added: list[str] | None) -> None:
        """Append ``added`` to the chain's rules, or (None) remove all its rules."""
        block = self._chain(family, table, chain)
        body = block.body or []
        header = [" ".join(s.words) for s in body if s.words[0] in NFT_HEADER_WORDS]
        rules = (
            [] if added is None else [" ".join(s.words) for s in body if s.words[0] not in NFT_HEADER_WORDS]
        )
        first, last = block.line - 1, (block.end_line or block.line) - 1
        closes = self.lines[last].rstrip().endswith("}") if first == last else self.lines[last].strip() == "}"
        if not self.lines[first].lstrip().startswith("chain ") or not closes:
            raise MergeError(f"chain {chain} does not start and end on lines of its own")
        indent = self.lines[first][: len(self.lines[first]) - len(self.lines[first].lstrip())]
        inner = [f"{indent}\t{statement}" for statement in [*header, *rules, *(added or [])]]
        self.lines[first : last + 1] = [f"{indent}chain {chain} {{", *inner, f"{indent}}}"]

    def _chain(self, family: str, table: str, chain: str) -> Stmt:
        statements, _ = parse_blocks(tokenize(self.lines))
        for stmt in statements:
            words = stmt.words
            if words[:1] != ["table"] or stmt.body is None:
                continue
            if (words[1] if len(words) == 3 else "ip", words[-1]) != (family, table):
                continue
            for block in stmt.body:
                if block.words == ["chain", chain] and block.body is not None:
                    return block
        raise MergeError(f"no chain {chain!r} in table {family} {table}")


def _spec(words: list[str]) -> str:
    """Return a rule's words as iptables-save text (quoting words that hold spaces)."""
    return " ".join(shlex.quote(w) if not w or any(c in w for c in " \t\"'") else w for w in words)
