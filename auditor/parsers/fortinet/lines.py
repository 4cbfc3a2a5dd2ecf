"""Reading FortiOS configuration text into a tree of ``config`` / ``edit`` / ``set`` nodes.

Part of the fortinet parser (parse stage). FortiOS prints (``show``, ``show
full-configuration``, backups) nested blocks: ``config PATH`` ... ``end`` holds settings
(``set``/``unset``/``append``) and table entries ``edit NAME`` ... ``next``, and entries may
hold further ``config`` blocks. Indentation is cosmetic, so the tree is built from the
keywords, not from the indent. A quoted value may span several lines (certificates,
replacement messages) and escapes quotes with a backslash; such a statement keeps every
physical line it covers, so line numbers stay those of the file. Lines starting with ``#``
are comments (the ``#config-version=`` header, Oxidized's status banner, batfish notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Disposition(StrEnum):
    """What became of one input line."""

    EXTRACTED = "extracted"
    IGNORED = "ignored"
    DIAGNOSED = "diagnosed"
    COMMENT = "comment"


@dataclass(frozen=True, slots=True)
class ConfigLine:
    """One physical input line: 1-based number and raw text (no line terminator)."""

    number: int
    raw: str


@dataclass(slots=True)
class Stmt:
    """A statement: its verb (``set``, ``unset``, ``append``, ``delete``...) and arguments."""

    verb: str
    args: tuple[str, ...]
    lines: tuple[ConfigLine, ...]

    @property
    def first(self) -> ConfigLine:
        """The line the statement starts on."""
        return self.lines[0]

    @property
    def key(self) -> str:
        """The setting a ``set``/``unset``/``append`` names (lower case), else ''."""
        return self.args[0].lower() if self.args else ""

    @property
    def values(self) -> tuple[str, ...]:
        """The values after the setting name."""
        return self.args[1:]


@dataclass(slots=True)
class Edit:
    """``edit NAME`` ... ``next``: one table entry."""

    name: str
    header: ConfigLine
    close: ConfigLine | None = None
    items: list[Stmt | Section] = field(default_factory=list)


@dataclass(slots=True)
class Section:
    """``config PATH`` ... ``end``: settings, table entries and nested blocks in order."""

    path: tuple[str, ...]  # the words after `config`, as written
    header: ConfigLine | None  # None for the file's top level
    close: ConfigLine | None = None
    items: list[Stmt | Edit | Section] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, ...]:
        """The path in lower case (table lookups)."""
        return tuple(word.lower() for word in self.path)


@dataclass(slots=True)
class Tree:
    """The parsed file: the top-level section, comment lines, and stray lines."""

    root: Section
    comments: list[int]
    stray: list[Stmt]
    line_count: int


def split_lines(text: str) -> list[str]:
    r"""Split on ``\n`` only (dropping ``\r``), so line numbers match the file."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def tokenize(text: str) -> tuple[list[str], bool]:
    """Split one logical line into words; the flag tells whether a quote is still open.

    Examples:
        >>> tokenize('set member "a b" c')
        (['set', 'member', 'a b', 'c'], False)
        >>> tokenize("set name ''")
        (['set', 'name', ''], False)
    """
    tokens: list[str] = []
    current: list[str] = []
    quote = ""
    in_token = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
            else:
                current.append(ch)
        elif ch in "\"'":
            quote = ch
            in_token = True
        elif ch in " \t":
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
        else:
            current.append(ch)
            in_token = True
        i += 1
    if in_token:
        tokens.append("".join(current))
    return tokens, bool(quote)


def _statements(lines: list[ConfigLine]) -> list[tuple[list[str], tuple[ConfigLine, ...]]]:
    out: list[tuple[list[str], tuple[ConfigLine, ...]]] = []
    i = 0
    while i < len(lines):
        group = [lines[i]]
        text = lines[i].raw
        if text.lstrip().startswith("#"):  # a comment may hold an unbalanced quote
            out.append(([text.strip()], tuple(group)))
            i += 1
            continue
        tokens, open_quote = tokenize(text)
        while open_quote and i + 1 < len(lines):
            i += 1
            group.append(lines[i])
            text += "\n" + lines[i].raw
            tokens, open_quote = tokenize(text)
        out.append((tokens, tuple(group)))
        i += 1
    return out


def read_tree(text: str) -> Tree:
    """Build the config tree of ``text``."""
    physical = [ConfigLine(n, raw) for n, raw in enumerate(split_lines(text), start=1)]
    root = Section((), None)
    tree = Tree(root, [], [], len(physical))
    stack: list[Section | Edit] = [root]
    for tokens, group in _statements(physical):
        if not tokens or tokens[0].startswith("#"):
            tree.comments.extend(line.number for line in group)
            continue
        verb = tokens[0].lower()
        top = stack[-1]
        if verb == "config" and len(tokens) > 1:
            section = Section(tuple(tokens[1:]), group[0])
            top.items.append(section)
            stack.append(section)
        elif verb == "edit" and len(tokens) == 2 and isinstance(top, Section) and top is not root:
            edit = Edit(tokens[1], group[0])
            top.items.append(edit)
            stack.append(edit)
        elif verb == "next" and len(tokens) == 1 and isinstance(top, Edit):
            top.close = group[0]
            stack.pop()
        elif verb == "end" and len(tokens) == 1 and len(stack) > 1:
            if isinstance(top, Edit):  # `end` without `next` closes the entry too
                stack.pop()
            closing = stack.pop()
            assert isinstance(closing, Section)
            closing.close = group[0]
        elif top is root:
            tree.stray.append(Stmt(verb, tuple(tokens[1:]), group))
        else:
            top.items.append(Stmt(verb, tuple(tokens[1:]), group))
    return tree


def node_lines(node: Stmt | Edit | Section) -> list[ConfigLine]:
    """Every physical line of a node, its children included."""
    if isinstance(node, Stmt):
        return list(node.lines)
    out: list[ConfigLine] = [node.header] if node.header is not None else []
    for item in node.items:
        out.extend(node_lines(item))
    if node.close is not None:
        out.append(node.close)
    return out


def frame_lines(node: Edit | Section) -> list[ConfigLine]:
    """The opening and closing lines of a block (``config``/``end``, ``edit``/``next``)."""
    return [line for line in (node.header, node.close) if line is not None]
