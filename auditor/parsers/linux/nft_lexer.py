"""Tokens and blocks of ``nft list ruleset`` text (part of the linux parser, parse stage).

Statements end at a newline or ``;`` outside braces; braces that follow a block keyword
(``table``, ``chain``, ``set``, ``map``, ``ct helper`` …) open a nested block, all other
braces are set literals and belong to the statement (they may span lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLOCK_WORDS = frozenset(
    {"table", "chain", "set", "map", "counter", "quota", "limit", "flowtable", "secmark", "synproxy"}
)


@dataclass(frozen=True, slots=True)
class Tok:
    """One token and the 1-based line it is on."""

    text: str
    line: int


@dataclass(slots=True)
class Stmt:
    """A statement (or a block, when ``body`` is not None) and the lines it covers."""

    tokens: list[Tok]
    body: list[Stmt] | None = None
    end_line: int | None = None
    lines: set[int] = field(default_factory=set)

    @property
    def words(self) -> list[str]:
        """Return the token texts."""
        return [tok.text for tok in self.tokens]

    @property
    def line(self) -> int:
        """Return the first line of the statement."""
        return self.tokens[0].line if self.tokens else self.end_line or 0


# One alternative per kind of token, tried in this order at each position: whitespace, a
# comment (a ``#`` that starts a token), a quoted string (to its closing quote or the end of
# the line), punctuation, a word (up to whitespace, punctuation or a quote). Every character
# starts one of them, so the matches cover the line. ``\s`` is ``str.isspace``.
_TOKEN = re.compile(r'\s+|(#)|("[^"]*"?)|([{};,])|([^\s{};,"]+)')


def tokenize(lines: list[str]) -> list[Tok]:
    r"""Split text into tokens; a ``\\n`` token ends each line (comments dropped)."""
    out: list[Tok] = []
    for number, line in enumerate(lines, start=1):
        for match in _TOKEN.finditer(line):
            kind = match.lastindex
            if kind is None:  # whitespace
                continue
            if kind == 1:  # a comment: the rest of the line
                break
            out.append(Tok(match.group(), number))
        out.append(Tok("\n", number))
    return out


def _opens_block(words: list[str]) -> bool:
    if not words:
        return False
    if words[0] == "table":
        return len(words) in (2, 3)
    if words[0] == "ct":
        return len(words) == 3 and words[1] in ("helper", "timeout", "expectation")
    return words[0] in BLOCK_WORDS and len(words) == 2


def parse_blocks(tokens: list[Tok], pos: int = 0, nested: bool = False) -> tuple[list[Stmt], int]:
    """Group tokens into statements and blocks; returns them and the position after."""
    stmts: list[Stmt] = []
    current: list[Tok] = []
    depth = 0
    while pos < len(tokens):
        tok = tokens[pos]
        pos += 1
        if depth == 0 and tok.text in ("\n", ";"):
            if current:
                stmts.append(Stmt(current, lines={t.line for t in current}))
                current = []
            continue
        if depth == 0 and tok.text == "}" and nested:
            if current:
                stmts.append(Stmt(current, lines={t.line for t in current}))
            return stmts, pos - 1
        if tok.text == "{" and depth == 0 and _opens_block([t.text for t in current]):
            body, pos = parse_blocks(tokens, pos, nested=True)
            end = tokens[pos].line if pos < len(tokens) else tok.line
            stmts.append(Stmt(current, body, end, {t.line for t in current} | {tok.line, end}))
            current = []
            pos += 1  # the closing brace
            continue
        if tok.text == "\n":
            continue  # a newline inside a set literal
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth = max(0, depth - 1)
        current.append(tok)
    if current:
        stmts.append(Stmt(current, lines={t.line for t in current}))
    return stmts, pos
