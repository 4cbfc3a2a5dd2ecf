"""Apply rendered FortiOS CLI commands to ``show`` / ``show full-configuration`` text.

The merge step of the remediation for ``fortinet``: the text is read into a tree of
``config`` ... ``end`` blocks, ``edit NAME`` ... ``next`` entries and statements, and the
rendered commands walk it as the FortiOS CLI would: ``config PATH`` enters (or creates) a
block, ``edit NAME`` enters or creates an entry (a new one goes to the end of its table, as
FortiOS appends new policies), ``set``/``unset``/``append`` change one setting, ``delete``
removes an entry, ``move A before|after B`` reorders a table (the order of ``config
firewall policy`` is its evaluation order), ``next``/``end`` leave. What FortiOS refuses,
this refuses with ``MergeError``: deleting or moving an entry that does not exist, deleting
an object another entry still uses ("entry is used", FortiOS Administration Guide "Finding
object dependencies"), a policy naming an address or service the config does not define.
Lines the commands do not touch keep their text, so the proof parses what the device shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.parsers.fortinet.lines import line_reading, split_lines, tokenize, words_of
from auditor.parsers.fortinet.predefined import SERVICES
from auditor.remediation.merge import MergeError

__all__ = ["FortiosText"]

_INDENT = "    "
# Tables whose entries other entries name: a used entry cannot be deleted.
_REFERENCED = (
    "firewall address",
    "firewall addrgrp",
    "firewall vip",
    "firewall vipgrp",
    "firewall service custom",
    "firewall service group",
    "firewall schedule",
    "voip profile",
)
_ADDRESS_TABLES = ("firewall address", "firewall addrgrp", "firewall vip", "firewall vipgrp")
_SERVICE_TABLES = ("firewall service custom", "firewall service group")
_POLICY_REFERENCES = {"srcaddr": _ADDRESS_TABLES, "dstaddr": _ADDRESS_TABLES, "service": _SERVICE_TABLES}
_BUILT_IN = {"srcaddr": {"all"}, "dstaddr": {"all"}, "service": set(SERVICES)}


@dataclass(slots=True)
class _Node:
    """A block (``config``/``edit``), a statement, or a line kept as it is (comments)."""

    kind: str  # root, config, edit, stmt, raw
    words: tuple[str, ...]
    lines: list[str]  # the header's (or statement's) physical lines
    close: list[str] = field(default_factory=list)
    kids: list[_Node] = field(default_factory=list)  # read through ``children``
    # An entry's one-line statements, kept as their lines until something reads the entry's
    # children: the commands touch a few entries, the rest are only written back as they were.
    body: list[str] | None = None

    @property
    def children(self) -> list[_Node]:
        """The nodes inside a block, in order (an entry's kept lines become statements here)."""
        if self.body is not None:
            self.expand()
        return self.kids

    def expand(self) -> None:
        """Turn an entry's kept lines into statement nodes."""
        if self.body is not None:
            body, self.body = self.body, None
            self.kids = [_Node("stmt", _words(raw), [raw], _NO_LINES, _NO_CHILDREN) for raw in body]

    @property
    def key(self) -> str:
        """A block's path (``firewall policy``) or a setting's name, lower case."""
        if self.kind == "config":
            return " ".join(self.words[1:]).lower()
        if self.kind == "edit":
            return self.words[1] if len(self.words) > 1 else ""
        return self.words[1].lower() if len(self.words) > 1 else ""

    @property
    def verb(self) -> str:
        """The first word, lower case."""
        return self.words[0].lower() if self.words else ""

    def text(self) -> list[str]:
        """Every physical line of the node."""
        out: list[str] = []
        self._write(out)
        return out

    def _write(self, out: list[str]) -> None:
        out.extend(self.lines)
        if self.body is not None:  # statements never read: their lines as they were
            out.extend(self.body)
        else:
            for child in self.kids:
                if child.kids or child.close or child.body:
                    child._write(out)
                else:
                    out.extend(child.lines)
        out.extend(self.close)


def _words(raw: str) -> tuple[str, ...]:
    """The words of a plain one-line statement (as the tree read them)."""
    reading = line_reading(raw)
    assert reading is not None  # only plain statements are kept as lines
    return reading[0]


# What a statement or a kept line holds (only blocks have children and a closing line; nothing
# ever adds to a leaf's lists, so every leaf shares these two empty ones: fewer objects to build,
# free and collect per line).
_NO_LINES: list[str] = []
_NO_CHILDREN: list[_Node] = []


def _leaf(kind: str, words: tuple[str, ...], lines: list[str]) -> _Node:
    """A statement or a kept line (``kind`` stmt or raw)."""
    return _Node(kind, words, lines, _NO_LINES, _NO_CHILDREN)


def _statements(text: str) -> list[tuple[list[str], list[str]]]:
    """Logical statements (words, physical lines); a quoted value may span lines."""
    out: list[tuple[list[str], list[str]]] = []
    lines = split_lines(text)
    i = 0
    while i < len(lines):
        group = [lines[i]]
        if lines[i].lstrip().startswith("#"):
            out.append(([], group))
            i += 1
            continue
        words, open_quote = tokenize(lines[i])
        joined = lines[i]
        while open_quote and i + 1 < len(lines):
            i += 1
            group.append(lines[i])
            joined += "\n" + lines[i]
            words, open_quote = tokenize(joined)
        out.append((words, group))
        i += 1
    return out


def _tree(text: str) -> _Node:
    root = _Node("root", (), [])
    stack = [root]
    top = root
    lines = split_lines(text)
    count = len(lines)
    pending = -1  # an entry on top whose statements so far are plain lines from this index on
    i = 0
    while i < count:
        raw = lines[i]
        i += 1
        reading = line_reading(raw)
        if reading is not None and reading[4]:  # most lines: a setting
            if pending < 0:
                top.kids.append(_Node("stmt", reading[0], [raw], _NO_LINES, _NO_CHILDREN))  # a leaf, inline
            continue
        if pending >= 0:  # the entry's plain run ends here: keep it as lines
            top.body = lines[pending : i - 1]
            pending = -1
            if reading is None or reading[2] not in ("next", "end"):
                top.expand()  # anything else inside the entry: its statements become nodes first
        group = [raw]
        if reading is None:  # a comment or a blank line
            top.kids.append(_leaf("raw", (), group))
            continue
        words, open_quote, verb, _, _ = reading
        if open_quote and i < count:  # a quoted value runs on over the next lines
            joined = raw
            while open_quote and i < count:
                joined += "\n" + lines[i]
                group.append(lines[i])
                i += 1
                words, open_quote = words_of(joined)
            verb = words[0].lower()
        if verb == "config" and len(words) > 1:
            node = _Node("config", words, group)
            top.kids.append(node)
            stack.append(node)
            top = node
        elif verb == "edit" and len(words) == 2 and top.kind == "config":
            node = _Node("edit", words, group)
            top.kids.append(node)
            stack.append(node)
            top = node
            pending = i
        elif verb == "next" and len(words) == 1 and top.kind == "edit":
            top.close = group
            stack.pop()
            top = stack[-1]
        elif verb == "end" and len(words) == 1 and len(stack) > 1:
            if top.kind == "edit":
                stack.pop()
            stack.pop().close = group
            top = stack[-1]
        else:
            top.kids.append(_leaf("stmt" if words else "raw", words, group))
    if pending >= 0:  # the text ends inside an entry
        top.body = lines[pending:]
    return root


def _quote(word: str) -> str:
    return word if word.isdigit() else '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


class FortiosText:
    """FortiOS configuration text, edited as the CLI edits the running configuration."""

    def __init__(self, text: str) -> None:
        """Read ``text`` into blocks."""
        self.root = _tree(text)
        self._touched: list[tuple[_Node, _Node]] = []  # (table, policy entry) set by the commands

    def text(self) -> str:
        """Return the edited configuration."""
        return "\n".join(self.root.text()) + "\n"

    # --- locating ----------------------------------------------------------------------

    def _depth(self, stack: list[_Node]) -> int:
        return len(stack) - 1

    def _tables(self, parent: _Node, key: str) -> list[_Node]:
        """Every block ``config <key>`` directly under ``parent`` (a table may be split)."""
        return [c for c in parent.children if c.kind == "config" and c.key == key]

    def _entry(self, parent: _Node, table: _Node, name: str) -> tuple[_Node, _Node] | None:
        """The last ``edit NAME`` of the table (a multi-VDOM file declares each VDOM first)."""
        found = None
        for block in self._tables(parent, table.key) or [table]:
            for child in block.children:
                if child.kind == "edit" and child.key == name:
                    found = block, child
        return found

    def table(self, path: str) -> list[_Node]:
        """Every top-level block ``config <path>``."""
        return self._tables(self.root, path)

    def entries(self, path: str) -> list[str]:
        """The entry names of the top-level table ``path``, in order."""
        return [c.key for block in self.table(path) for c in block.children if c.kind == "edit"]

    # --- applying ----------------------------------------------------------------------

    def apply(self, rendered: str) -> None:
        """Apply rendered commands, line by line.

        Raises:
            MergeError: FortiOS would refuse a command (see the module docstring).
        """
        stack: list[_Node] = [self.root]
        for words, group in _statements(rendered):
            if not words:
                continue
            verb = words[0].lower()
            top = stack[-1]
            line = " ".join(words)
            if verb == "config" and len(words) > 1:
                stack.append(self._enter_block(stack, words))
            elif verb == "edit" and len(words) == 2:
                if top.kind != "config":
                    raise MergeError(f"{line!r} outside a table")
                stack.append(self._enter_entry(stack, words[1]))
            elif verb == "next":
                if top.kind != "edit":
                    raise MergeError("'next' outside an entry")
                stack.pop()
            elif verb == "end":
                if top.kind == "edit":
                    stack.pop()
                if stack[-1].kind != "config":
                    raise MergeError("'end' outside a config block")
                stack.pop()
            elif verb in ("set", "unset", "append") and len(words) > 1:
                if top.kind == "root":
                    raise MergeError(f"{line!r} outside a config block")
                self._setting(stack, words, "\n".join(group).strip())
            elif verb == "delete" and len(words) == 2 and top.kind == "config":
                self._delete(stack, words[1])
            elif verb == "move" and len(words) == 4 and top.kind == "config":
                self._move(stack, words[1], words[2].lower(), words[3])
            else:
                raise MergeError(f"command {line!r} not understood here")
        if len(stack) > 1:
            raise MergeError("the commands leave a config block open (no 'end')")
        self._check_references()

    def _enter_block(self, stack: list[_Node], words: list[str]) -> _Node:
        parent = stack[-1]
        key = " ".join(words[1:]).lower()
        found = self._tables(parent, key)
        if found:
            return found[-1]
        node = _Node("config", ("config", *words[1:]), [_INDENT * self._depth(stack) + " ".join(words)])
        node.close = [_INDENT * self._depth(stack) + "end"]
        parent.children.append(node)
        return node

    def _enter_entry(self, stack: list[_Node], name: str) -> _Node:
        table, parent = stack[-1], stack[-2]
        found = self._entry(parent, table, name)
        if found is not None:
            entry = found[1]
        else:
            depth = self._depth(stack)
            entry = _Node("edit", ("edit", name), [_INDENT * depth + f"edit {_quote(name)}"])
            entry.close = [_INDENT * depth + "next"]
            blocks = self._tables(parent, table.key) or [table]
            blocks[-1].children.append(entry)  # FortiOS appends a new entry to its table
        if table.key == "firewall policy":
            self._touched.append((parent, entry))
        return entry

    def _setting(self, stack: list[_Node], words: list[str], raw: str) -> None:
        node = stack[-1]
        verb, key = words[0].lower(), words[1].lower()
        same = [c for c in node.children if c.kind == "stmt" and c.verb in ("set", "append") and c.key == key]
        if verb == "append":
            values = [w for c in same for w in c.words[2:]] + words[2:]
            words = ["set", words[1], *values]
            raw = " ".join(["set", words[1], *(_quote(w) for w in values)])
        at = node.children.index(same[0]) if same else None
        for old in same:
            node.children.remove(old)
        if verb == "unset":
            return
        new = _leaf("stmt", tuple(words), [_INDENT * self._depth(stack) + raw])
        if at is None:  # a new setting goes after the entry's settings, before nested blocks
            blocks = [i for i, c in enumerate(node.children) if c.kind == "config"]
            at = blocks[0] if blocks else len(node.children)
        node.children.insert(at, new)

    def _delete(self, stack: list[_Node], name: str) -> None:
        table, parent = stack[-1], stack[-2]
        found = self._entry(parent, table, name)
        if found is None:
            raise MergeError(f"{table.key}: no entry {name!r} to delete")
        block, entry = found
        if table.key in _REFERENCED:
            users = self._users(name, entry)
            if users:
                raise MergeError(f"{table.key} {name!r} is used by {users[0]}: FortiOS refuses to delete it")
        block.children.remove(entry)

    def _users(self, name: str, exclude: _Node) -> list[str]:
        """Entries whose settings name ``name`` (besides ``exclude`` itself)."""
        out: list[str] = []

        def walk(node: _Node, where: str) -> None:
            if node is exclude:
                return
            label = f"{where} {node.key}".strip() if node.kind in ("config", "edit") else where
            for child in node.children:
                if child.kind == "stmt" and child.verb in ("set", "append") and name in child.words[2:]:
                    out.append(label)
                else:
                    walk(child, label)

        walk(self.root, "")
        return out

    def _move(self, stack: list[_Node], name: str, where: str, other: str) -> None:
        table, parent = stack[-1], stack[-2]
        moving = self._entry(parent, table, name)
        anchor = self._entry(parent, table, other)
        if moving is None or anchor is None or where not in ("before", "after") or name == other:
            raise MergeError(f"{table.key}: cannot move {name!r} {where} {other!r}")
        moving[0].children.remove(moving[1])
        block, target = anchor
        at = block.children.index(target) + (1 if where == "after" else 0)
        block.children.insert(at, moving[1])

    def _check_references(self) -> None:
        """A policy the commands touched may name only defined addresses and services."""
        for parent, entry in self._touched:
            if not any(entry in block.children for block in self._tables(parent, "firewall policy")):
                continue  # deleted afterwards
            for child in entry.children:
                tables = _POLICY_REFERENCES.get(child.key) if child.kind == "stmt" else None
                if tables is None or child.verb != "set":
                    continue
                defined = {c.key for t in tables for block in self._tables(parent, t) for c in block.children}
                for value in child.words[2:]:
                    if value not in defined and value not in _BUILT_IN[child.key]:
                        raise MergeError(
                            f"policy {entry.key}: {child.key} {value!r} is not defined "
                            "(entry not found in datasource)"
                        )
