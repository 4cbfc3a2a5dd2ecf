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

import re
import threading
import weakref
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache


class Disposition(StrEnum):
    """What became of one input line."""

    EXTRACTED = "extracted"
    IGNORED = "ignored"
    DIAGNOSED = "diagnosed"
    COMMENT = "comment"


@dataclass(slots=True, unsafe_hash=True)  # not frozen: a frozen init costs twice as much, per line
class ConfigLine:
    """One physical input line: 1-based number and raw text (no line terminator); never changed."""

    number: int
    raw: str


@dataclass(slots=True)
class Stmt:
    """A statement: its verb (``set``, ``unset``, ``append``, ``delete``...) and arguments."""

    verb: str
    args: tuple[str, ...]
    number: int  # the line the statement starts on (most statements are that one line)...
    raw: str  # ...and its text
    more: tuple[ConfigLine, ...] = ()  # the further lines of a quoted value that runs on

    @property
    def lines(self) -> tuple[ConfigLine, ...]:
        """Every physical line of the statement."""
        return (ConfigLine(self.number, self.raw), *self.more)

    @property
    def first(self) -> ConfigLine:
        """The line the statement starts on."""
        return ConfigLine(self.number, self.raw)

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


@dataclass(slots=True, weakref_slot=True)
class Tree:
    """The parsed file: the top-level section, comment lines, and stray lines."""

    root: Section
    comments: list[int]
    stray: list[Stmt]
    line_count: int
    # Whether the reading ended at the top level with nothing open (no block, no quoted value):
    # a text that only adds lines after it reads its first lines the same way.
    closed: bool = False
    # The tree of an earlier text whose lines this text starts with (its top-level nodes,
    # comments and stray lines are this tree's first ones), when ``shared_tree`` found one.
    # A weak reference: a chain of texts each extending the last must not stay alive.
    extends: weakref.ref[Tree] | None = field(default=None, compare=False, repr=False)


def split_lines(text: str) -> list[str]:
    r"""Split on ``\n`` only (dropping ``\r``), so line numbers match the file."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" not in text:
        return lines
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def tokenize(text: str) -> tuple[list[str], bool]:
    """Split one logical line into words; the flag tells whether a quote is still open.

    A device's lines are read several times (the parse, the remediation's reading, its
    editor, the proof's parse of the merged text), so the words of a line are kept.

    Outside quotes only a space or a tab separates words; ``"`` or ``'`` opens a quote (in
    the middle of a word too) that the same character closes; inside it a backslash takes
    the next character as it is. Most lines hold no quote: ``str.split`` reads them.

    Examples:
        >>> tokenize('set member "a b" c')
        (['set', 'member', 'a b', 'c'], False)
        >>> tokenize("set name ''")
        (['set', 'name', ''], False)
    """
    words, open_quote = words_of(text)
    return list(words), open_quote


def words_of(text: str) -> tuple[tuple[str, ...], bool]:
    """``tokenize`` with the words as a tuple (one physical line's words are kept)."""
    if "\n" not in text:
        reading = line_reading(text)
        if reading is not None:
            return reading[0], reading[1]
    return _split(text)


# One physical line as the tree readers take it: its words, whether a quote is still open,
# the verb (first word, lower case), the arguments (the other words), and whether it is a
# plain statement (one whole line that neither opens, closes nor comments a block).
LineReading = tuple[tuple[str, ...], bool, str, tuple[str, ...], bool]
_FRAME_VERBS = frozenset({"config", "edit", "next", "end"})


@lru_cache(maxsize=4096)
def line_reading(raw: str) -> LineReading | None:
    """Read one physical line, kept (None: a comment or a blank line).

    Only single lines are kept: a multi-line value, read again as each of its lines joins,
    would fill the cache with ever longer texts.
    """
    if "#" in raw and raw.lstrip().startswith("#"):  # a comment may hold an unbalanced quote
        return None
    words, open_quote = _split(raw)
    if not words:
        return None
    verb = words[0].lower()
    plain = not open_quote and verb not in _FRAME_VERBS and not words[0].startswith("#")
    return words, open_quote, verb, words[1:], plain


def _split(text: str) -> tuple[tuple[str, ...], bool]:
    if '"' not in text:
        if "'" not in text:
            return tuple(word for word in text.replace("\t", " ").split(" ") if word), False
    elif "'" not in text and "\\" not in text and text.count('"') % 2 == 0:
        # Double quotes only, all closed, no escapes: a word is a run of plain characters and
        # quoted stretches; dropping the quote characters leaves its text.
        return tuple(word.replace('"', "") for word in _DOUBLE_QUOTED_WORD.findall(text)), False
    tokens, open_quote = _tokenize_quoted(text)
    return tuple(tokens), open_quote


_DOUBLE_QUOTED_WORD = re.compile(r'(?:[^ \t"]|"[^"]*")+')
_OUTSIDE = re.compile(r"[ \t\"']")
_INSIDE = {'"': re.compile(r'["\\]'), "'": re.compile(r"['\\]")}


def _tokenize_quoted(text: str) -> tuple[list[str], bool]:
    """``tokenize`` for a line with quotes: jump from one special character to the next."""
    tokens: list[str] = []
    current: list[str] = []
    in_token = False
    i, n = 0, len(text)
    while i < n:
        found = _OUTSIDE.search(text, i)
        if found is None:
            current.append(text[i:])
            in_token = True
            break
        j = found.start()
        if j > i:
            current.append(text[i:j])
            in_token = True
        quote = text[j]
        if quote in " \t":
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
            i = j + 1
            continue
        in_token = True
        special = _INSIDE[quote]
        i = j + 1
        while True:
            found = special.search(text, i)
            if found is None:  # the quote stays open to the end of the text
                current.append(text[i:])
                tokens.append("".join(current))
                return tokens, True
            k = found.start()
            current.append(text[i:k])
            if text[k] == quote:
                i = k + 1
                break
            if k + 1 < n:  # a backslash escapes the next character
                current.append(text[k + 1])
                i = k + 2
            else:  # a backslash that ends the text stays itself
                current.append("\\")
                i = k + 1
    if in_token:
        tokens.append("".join(current))
    return tokens, False


def read_tree(text: str) -> Tree:
    """Build the config tree of ``text``."""
    raws = split_lines(text)
    tree = Tree(Section((), None), [], [], len(raws))
    _read_lines(tree, raws, 0)
    return tree


def _read_lines(tree: Tree, raws: list[str], start: int) -> None:
    """Read ``raws[start:]`` into ``tree``, from its top level (``start`` lines already read)."""
    root = tree.root
    comments, stray = tree.comments, tree.stray
    stack: list[Section | Edit] = [root]
    top: Section | Edit = root
    count = len(raws)
    dangling = False  # the last statement's quoted value runs off the end of the text
    i = start
    while i < count:
        raw = raws[i]
        i += 1
        reading = line_reading(raw)
        if reading is None:
            comments.append(i)
            continue
        words, open_quote, verb, args, plain = reading
        if plain and top is not root:  # most lines: a setting inside a block
            top.items.append(Stmt(verb, args, i, raw))
            continue
        line = ConfigLine(i, raw)
        group: tuple[ConfigLine, ...] | None = None  # the lines of a statement that runs on
        if open_quote and i < count:  # a quoted value runs on over the next lines
            group = (line,)
            joined = raw
            while open_quote and i < count:
                joined += "\n" + raws[i]
                i += 1
                group += (ConfigLine(i, raws[i - 1]),)
                words, open_quote = _split(joined)
            verb, args = words[0].lower(), words[1:]
            dangling = open_quote
        elif open_quote:
            dangling = True
        size = len(words)
        if verb == "config" and size > 1:
            section = Section(args, line)
            top.items.append(section)
            stack.append(section)
            top = section
        elif verb == "edit" and size == 2 and top is not root and isinstance(top, Section):
            edit = Edit(words[1], line)
            top.items.append(edit)
            stack.append(edit)
            top = edit
        elif verb == "next" and size == 1 and isinstance(top, Edit):
            top.close = line
            stack.pop()
            top = stack[-1]
        elif verb == "end" and size == 1 and len(stack) > 1:
            if isinstance(top, Edit):  # `end` without `next` closes the entry too
                stack.pop()
            closing = stack.pop()
            assert isinstance(closing, Section)
            closing.close = line
            top = stack[-1]
        elif words[0].startswith("#"):
            comments.extend(other.number for other in group or (line,))
        elif top is root:
            stray.append(Stmt(verb, args, line.number, raw, group[1:] if group else ()))
        else:
            top.items.append(Stmt(verb, args, line.number, raw, group[1:] if group else ()))
    tree.closed = len(stack) == 1 and not dangling


@lru_cache(maxsize=4)
def shared_tree(text: str) -> Tree:
    """The tree of ``text``, read once for the parser and the remediation of the same text.

    Callers only read the tree (nothing outside ``read_tree`` changes a node), so one tree
    serves both. A text that starts with every line of the last text read (the remediated
    text the proof parses, when the commands only add blocks at the end) shares that text's
    top-level nodes and reads only its own further lines.
    """
    raws = split_lines(text)
    with _LAST_LOCK:
        last = _LAST[0] if _LAST else None
    if last is not None and last[1].closed and len(raws) > len(last[0]) and raws[: len(last[0])] == last[0]:
        base = last[1]
        root = Section((), None, None, list(base.root.items))
        tree = Tree(root, list(base.comments), list(base.stray), len(raws), extends=weakref.ref(base))
        _read_lines(tree, raws, len(last[0]))
    else:
        tree = Tree(Section((), None), [], [], len(raws))
        _read_lines(tree, raws, 0)
    with _LAST_LOCK:
        _LAST[:] = [(raws, tree)]
    return tree


# The last text read by ``shared_tree`` (its lines) and its tree.
_LAST: list[tuple[list[str], Tree]] = []
_LAST_LOCK = threading.Lock()


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
