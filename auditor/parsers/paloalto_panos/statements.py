"""PAN-OS configuration text as a flat list of statements, whatever format it came in.

Part of the paloalto_panos parser (parse stage). PAN-OS prints one configuration tree in
three forms: ``set`` commands (``show config running`` in set mode), the brace form
(``show config running`` in the default mode) and the XML document the API and backups
hold. Each is flattened here into ``Statement``s: the path of keywords and names from the
root to one leaf value, plus the line the leaf sits on, so a rule's evidence is always its
original line. A bracket list (``from [ trust dmz ]``) or a list of ``<member>`` elements
becomes one statement per member.

The XML is read with expat (the standard library's parser) with document type
declarations refused, so entity-expansion attacks never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from xml.parsers import expat


class Disposition(StrEnum):
    """What became of one input line."""

    EXTRACTED = "extracted"
    IGNORED = "ignored"
    DIAGNOSED = "diagnosed"
    COMMENT = "comment"  # blank, '#' comment, or tree structure (braces, container tags)


@dataclass(frozen=True, slots=True)
class Statement:
    """One leaf of the configuration tree: its path of words and the lines it came from."""

    words: tuple[str, ...]
    line: int
    lines: tuple[int, ...]  # every line the statement spans (a multi-line quoted value)
    heads: tuple[int, ...] = ()  # per word: the line that opened it (a block, an XML element)

    def head(self, index: int) -> int:
        """The line that opened word ``index`` (a rule's own line for its name)."""
        return self.heads[index] if index < len(self.heads) else self.line


@dataclass(slots=True)
class Flattened:
    """A configuration flattened into statements, with the lines that carry none."""

    form: str  # set | brace | xml
    statements: list[Statement]
    line_count: int
    structure: set[int] = field(default_factory=set)
    version: str | None = None
    error: str | None = None  # the XML could not be read: why, and where


def split_lines(text: str) -> list[str]:
    r"""Split on ``\n`` only (``\r`` dropped), so line numbers match the file."""
    if not text:
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return [line.rstrip("\r") for line in lines]


_TOKEN = re.compile(r'"[^"]*"|\'[^\']*\'|[\[\]{};]|[^\s\[\]{};"\']+')


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    return token


def _expand(words: list[str]) -> list[tuple[str, ...]]:
    """Expand bracket lists: ``a [ b c ]`` -> ``(a, b)``, ``(a, c)``; ``a [ ]`` -> ``(a,)``."""
    out: list[tuple[str, ...]] = [()]
    index = 0
    while index < len(words):
        word = words[index]
        if word == "[":
            end = index + 1
            while end < len(words) and words[end] != "]":
                end += 1
            members = [_unquote(w) for w in words[index + 1 : end]]
            if members:
                out = [(*prefix, m) for prefix in out for m in members]
            index = end + 1
            continue
        if word != "]":
            out = [(*prefix, _unquote(word)) for prefix in out]
        index += 1
    return out


def detect_form(text: str) -> str:
    """Tell the three forms apart: XML starts with ``<``; brace lines end in ``{``."""
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return "xml"
    for line in split_lines(text)[:400]:
        s = line.strip()
        if s.startswith("set "):
            return "set"
        if s.endswith("{") and not s.startswith("#"):
            return "brace"
    return "set"


def flatten(text: str) -> Flattened:
    """Flatten ``text`` (any of the three forms) into statements."""
    form = detect_form(text)
    if form == "xml":
        return _flatten_xml(text)
    if form == "brace":
        return _flatten_brace(text)
    return _flatten_set(text)


# --- set commands --------------------------------------------------------------------------


def _open_quote(text: str) -> bool:
    """Whether ``text`` ends inside a double-quoted string."""
    count = 0
    quote: str | None = None
    for char in text:
        if quote is None and char in "\"'":
            # a quote opens only at a token start (after whitespace or a bracket)
            if count == 0 or text[count - 1] in " \t[":
                quote = char
        elif char == quote:
            quote = None
        count += 1
    return quote is not None


def _flatten_set(text: str) -> Flattened:
    lines = split_lines(text)
    out = Flattened("set", [], len(lines))
    number = 0
    while number < len(lines):
        first = number + 1
        joined = lines[number]
        span = [first]
        # a quoted value may span lines (a login banner), but never swallows the next command
        while _open_quote(joined) and number + 1 < len(lines) and not lines[number + 1].startswith("set "):
            number += 1
            joined += "\n" + lines[number]
            span.append(number + 1)
        number += 1
        stripped = joined.strip()
        if not stripped or stripped.startswith("#"):
            out.structure.update(span)
            continue
        words = _tokens(stripped)
        for path in _expand(words):
            out.statements.append(Statement(path, first, tuple(span), (first,) * len(path)))
    return out


# --- brace form ---------------------------------------------------------------------------


def _flatten_brace(text: str) -> Flattened:
    lines = split_lines(text)
    out = Flattened("brace", [], len(lines))
    stack: list[int] = []  # how many words each open block pushed
    path: list[str] = []
    heads: list[int] = []
    pending: list[str] = []
    pending_lines: list[int] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            out.structure.add(number)
            continue
        tokens = _tokens(line)
        if not tokens and pending:
            pending_lines.append(number)
        for token in tokens:
            if not pending_lines or pending_lines[-1] != number:
                pending_lines.append(number)
            if token == "{":
                words = [_unquote(w) for w in pending if w not in "[]"]
                path.extend(words)
                heads.extend([pending_lines[0]] * len(words))
                stack.append(len(words))
                out.structure.update(pending_lines)
                pending, pending_lines = [], []
            elif token in (";", "}"):
                if pending:
                    for leaf in _expand(pending):
                        out.statements.append(_leaf(path, heads, leaf, pending_lines))
                elif pending_lines:
                    out.structure.update(pending_lines)
                pending, pending_lines = [], []
                if token == "}":
                    out.structure.add(number)
                    if stack:
                        keep = len(path) - stack.pop()
                        del path[keep:], heads[keep:]
            else:
                pending.append(token)
    if pending:
        for leaf in _expand(pending):
            out.statements.append(_leaf(path, heads, leaf, pending_lines))
    return out


def _leaf(path: list[str], heads: list[int], leaf: tuple[str, ...], lines: list[int]) -> Statement:
    return Statement((*path, *leaf), lines[0], tuple(lines), (*heads, *([lines[0]] * len(leaf))))


# --- XML ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Element:
    tag: str
    name: str | None
    line: int
    text: str = ""
    children: int = 0


class _XmlReader:
    """Expat callbacks that emit one statement per leaf element."""

    def __init__(self, out: Flattened) -> None:
        self.out = out
        self.stack: list[_Element] = []
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.chars
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.parser.EntityDeclHandler = self.entity

    def doctype(self, *_: object) -> None:
        raise ValueError("document type declarations are refused (entity expansion)")

    def entity(self, *_: object) -> None:
        raise ValueError("entity declarations are refused")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.stack:
            self.stack[-1].children += 1
        if tag == "config" and "version" in attrs and self.out.version is None:
            self.out.version = attrs["version"]
        self.stack.append(_Element(tag, attrs.get("name"), self.parser.CurrentLineNumber))

    def chars(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text += data

    def _path(self) -> tuple[tuple[str, ...], tuple[int, ...]]:
        words: list[str] = []
        heads: list[int] = []
        for element in self.stack:
            if element.tag in ("response", "result") and not words:
                continue  # the API envelope around <config>
            if element.tag == "entry" and element.name is not None:
                words.append(element.name)
                heads.append(element.line)
            elif element.tag != "member":
                words.append(element.tag)
                heads.append(element.line)
        return tuple(words), tuple(heads)

    def end(self, tag: str) -> None:
        element = self.stack[-1]
        end_line = self.parser.CurrentLineNumber
        if element.children == 0:
            words, heads = self._path()
            value = element.text.strip()
            leaf = (*words, value) if value else words
            heads = (*heads, element.line) if value else heads
            span = tuple(range(element.line, end_line + 1))
            if leaf and leaf[0] not in ("response", "result"):
                self.out.statements.append(Statement(leaf, element.line, span, heads))
        else:
            self.out.structure.add(element.line)
            self.out.structure.add(end_line)
        self.stack.pop()


def _flatten_xml(text: str) -> Flattened:
    lines = split_lines(text)
    out = Flattened("xml", [], len(lines))
    reader = _XmlReader(out)
    try:
        reader.parser.Parse(text, True)
    except (expat.ExpatError, ValueError) as error:
        out.error = f"not well-formed XML: {error}"
    return out
