"""Junos configuration text as flat statements: both display formats, one list.

Part of the juniper_junos parser (parse stage). ``show configuration`` prints a curly-brace
hierarchy; ``show configuration | display set`` prints one ``set`` command per leaf. Both are
turned here into the same ``Statement``s (the words of a ``set`` command without ``set``),
each carrying the file line it came from, so everything later parses one format only.

Brace form: ``{`` opens a level, ``;`` ends a leaf, ``}`` closes a level, ``[ a b ]`` is a
list of values (one statement per value), ``"..."`` quotes a word, ``/* */`` and ``#`` start
comments. ``inactive:`` before a statement or level deactivates it (and everything under it);
``replace:`` / ``protect:`` are load/annotation markers with no effect on the configuration.
Set form: ``set P`` adds a statement; ``deactivate P`` marks every statement under P inactive,
``activate P`` undoes that. Both forms may be mixed in one file (archives often are).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import cast

from auditor.quick import quick_init


class Disposition(StrEnum):
    """What became of one input line."""

    EXTRACTED = "extracted"
    IGNORED = "ignored"
    DIAGNOSED = "diagnosed"
    COMMENT = "comment"  # blank lines, comments, and pure structure (`foo {`, `}`)


@quick_init  # one per config line, twice per remediated device (the proof lexes again)
@dataclass(frozen=True, slots=True)
class Statement:
    """One leaf of the configuration: its full path of words and where it came from.

    ``line`` is the file line of the statement's first word; ``last`` its last line (a list
    in brackets may span lines). ``inactive`` is True when the statement or a level above it
    is deactivated. ``group`` names the configuration group a statement was inherited from.
    """

    words: tuple[str, ...]
    line: int
    last: int
    inactive: bool = False
    group: str | None = None

    def starts(self, *prefix: str) -> bool:
        """Tell whether the statement's path starts with ``prefix``."""
        return self.words[: len(prefix)] == prefix


def words_after(words: tuple[str, ...], keyword: str, name: str) -> tuple[str, ...]:
    """Return the words after the first ``keyword name`` pair in ``words`` (() when none)."""
    i = 0
    last = len(words) - 1
    while True:
        try:
            i = words.index(keyword, i, last)  # a keyword in the last place has no name after it
        except ValueError:
            return ()
        if words[i + 1] == name:
            return words[i + 2 :]
        i += 1


@dataclass(slots=True)
class Lexed:
    """The statements of a file, the raw lines, and what happened to non-statement lines."""

    statements: list[Statement]
    lines: list[str]
    dispositions: dict[int, Disposition]
    deactivated: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    headers: dict[tuple[str, ...], int] = field(default_factory=dict)  # brace level path -> its line
    problems: list[tuple[int, str]] = field(default_factory=list)


_PUNCT = "{};[]"
_MARKERS = ("replace:", "protect:", "unprotect:")
_SET_VERBS = ("set", "deactivate", "activate", "delete", "insert", "rename", "annotate", "edit", "top", "up")


def split_lines(text: str) -> list[str]:
    r"""Split text on ``\n`` only (dropping ``\r``), so line numbers match the file."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" not in text:  # most files: no line to trim
        return lines
    return [line[:-1] if line.endswith("\r") else line for line in lines]


@dataclass(slots=True)
class _Token:
    text: str
    line: int
    quoted: bool = False


# Characters that need the full tokenizer: quotes, comments, punctuation.
_PLAIN = frozenset(_PUNCT) | {'"', "#"}
_NOT_PLAIN = re.compile(r'[{};\[\]"#]|/\*')  # the same test as _PLAIN plus "/*", in one scan


def is_plain(text: str) -> bool:
    """Tell whether ``text`` has none of the characters (or ``/*``) that need the tokenizer.

    The same test as ``_NOT_PLAIN``, as one C-speed scan per character, which is faster on a
    whole file than the regex. A two-character search is slow on long texts: ``/*`` is looked
    for only when the text has a ``*`` (most have none).
    """
    return not any(c in text for c in _PLAIN) and ("*" not in text or "/*" not in text)


def _tokens(line: str, number: int, in_comment: bool) -> tuple[list[_Token], bool]:
    """Tokenize one line; returns the tokens and whether a ``/*`` comment is still open."""
    if not in_comment and _NOT_PLAIN.search(line) is None:
        return [_Token(word, number) for word in line.split()], False  # most lines: words only
    out: list[_Token] = []
    i, n = 0, len(line)
    while i < n:
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return out, True
            i, in_comment = end + 2, False
            continue
        c = line[i]
        if c.isspace():
            i += 1
        elif line.startswith("/*", i):
            in_comment = True
            i += 2
        elif c == "#":
            break
        elif c == '"':
            end = i + 1
            while end < n and line[end] != '"':
                end += 2 if line[end] == "\\" else 1
            out.append(_Token(line[i + 1 : end], number, quoted=True))
            i = end + 1
        elif c in _PUNCT:
            out.append(_Token(c, number))
            i += 1
        else:
            end = i
            while end < n and not line[end].isspace() and line[end] not in _PUNCT and line[end] != '"':
                end += 1
            out.append(_Token(line[i:end], number))
            i = end
    return out, in_comment


def _expand(parts: list[str | tuple[str, ...]]) -> list[tuple[str, ...]]:
    """One word path per combination of list values (``[ a b ]`` stands for a and b)."""
    choices = [p if isinstance(p, tuple) else (p,) for p in parts]
    if any(not c for c in choices):  # an empty list `[ ]` sets nothing
        return []
    return [tuple(combo) for combo in itertools.product(*choices)]


@dataclass(slots=True)
class _BraceState:
    stack: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)
    words: list[str | tuple[str, ...]] = field(default_factory=list)
    first: int = 0
    inactive: bool = False
    in_list: list[str] | None = None

    def prefix(self) -> tuple[tuple[str, ...], bool]:
        return self.stack[-1] if self.stack else ((), False)


def _emit(state: _BraceState, last: int, out: Lexed) -> None:
    prefix, dead = state.prefix()
    for path in _expand(state.words):
        out.statements.append(Statement(prefix + path, state.first, last, dead or state.inactive))
    state.words, state.inactive = [], False


def _brace_token(state: _BraceState, tok: _Token, out: Lexed) -> None:
    text = tok.text
    if state.in_list is not None:
        if text == "]" and not tok.quoted:
            state.words.append(tuple(state.in_list))
            state.in_list = None
        else:
            state.in_list.append(text)
        return
    if tok.quoted:
        text = text if text else '""'
    elif text == ";":
        if state.words:
            _emit(state, tok.line, out)
        return
    elif text == "{":
        prefix, dead = state.prefix()
        heads = _expand(state.words) or [()]
        # A list before `{` is not valid Junos; keep the first path so nesting stays balanced.
        state.stack.append((prefix + heads[0], dead or state.inactive))
        if state.words:
            out.headers.setdefault(prefix + heads[0], state.first)
        state.words, state.inactive = [], False
        return
    elif text == "}":
        if state.words:
            _emit(state, tok.line, out)
        if state.stack:
            state.stack.pop()
        else:
            out.problems.append((tok.line, "unbalanced '}'"))
        return
    elif text == "[":
        if not state.words:
            state.first = tok.line
        state.in_list = []
        return
    elif not state.words and text == "inactive:":
        state.inactive = True
        state.first = tok.line
        return
    elif not state.words and text in _MARKERS:
        return
    if not state.words:
        state.first = tok.line
    state.words.append(text)


def _set_command(tokens: list[_Token], number: int, out: Lexed) -> None:
    verb = tokens[0].text
    parts: list[str | tuple[str, ...]] = []
    in_list: list[str] | None = None
    for tok in tokens[1:]:
        if in_list is not None:
            if tok.text == "]" and not tok.quoted:
                parts.append(tuple(in_list))
                in_list = None
            else:
                in_list.append(tok.text)
        elif tok.text == "[" and not tok.quoted:
            in_list = []
        else:
            parts.append(tok.text)
    if in_list is not None:
        parts.append(tuple(in_list))
    words = [p for p in parts if isinstance(p, str)]
    if verb == "set":
        for path in _expand(parts):
            out.statements.append(Statement(path, number, number))
    elif verb == "deactivate" and words:
        out.deactivated.append((tuple(words), number))
    elif verb == "activate" and words:
        out.deactivated = [(p, n) for p, n in out.deactivated if p != tuple(words)]
        out.dispositions[number] = Disposition.EXTRACTED
    else:
        out.problems.append((number, f"'{verb}' command not modelled"))


def lex(text: str) -> Lexed:
    """Turn configuration text (brace or set form, or both) into statements.

    The parser and the remediation read the same text: the last few results are kept, and
    each caller gets its own containers (the statements themselves are immutable).
    """
    done = _lexed(text)
    return Lexed(
        list(done.statements),
        list(done.lines),
        dict(done.dispositions),
        list(done.deactivated),
        dict(done.headers),
        list(done.problems),
    )


def lex_shared(text: str) -> Lexed:
    """``lex`` without the copies: the cached result itself, which the caller must not change."""
    return _lexed(text)


@lru_cache(maxsize=4)
def _lexed(text: str) -> Lexed:
    lines = split_lines(text)
    out = Lexed([], lines, {})
    state = _BraceState()
    in_comment = False
    statements = out.statements
    every_line_plain = is_plain(text)  # then no comment ever opens either
    if every_line_plain:
        # Most files: every line a plain `set` line, each one statement (what the loop below
        # makes of them: they never open a level).
        sets = [_plain_set(raw, number) for number, raw in enumerate(lines, start=1)]
        if all(sets):  # a Statement is always true
            out.statements = cast(list[Statement], sets)
            return out
    for number, raw in enumerate(lines, start=1):
        if every_line_plain or (not in_comment and _NOT_PLAIN.search(raw) is None):
            # Most lines are words only: a plain `set` line at top level is one statement of
            # its words (what _set_command makes of it); other plain lines take the usual way.
            if not state.stack and not state.words:
                st = _plain_set(raw, number)
                if st is not None:
                    statements.append(st)
                    continue
            tokens = [_Token(word, number) for word in raw.split()]
        else:
            tokens, in_comment = _tokens(raw, number, in_comment)
        if not tokens:
            out.dispositions[number] = Disposition.COMMENT
            continue
        if not state.stack and not state.words and not tokens[0].quoted and tokens[0].text in _SET_VERBS:
            if all(t.text not in "{}" or t.quoted for t in tokens):
                _set_command(tokens, number, out)
                continue
        for tok in tokens:
            _brace_token(state, tok, out)
    if state.words:
        _emit(state, len(lines), out)
    if state.stack:
        out.problems.append((len(lines), "unbalanced '{': the file ends inside a block"))
    return out


@lru_cache(maxsize=4096)
def _plain_set(raw: str, number: int) -> Statement | None:
    """The statement of a plain ``set`` line at top level (None: not a ``set`` line).

    Cached, about one file's worth: the proof lexes the same lines again, most at the same
    line numbers.
    """
    words = raw.split()
    if words and words[0] == "set":
        return Statement(tuple(words[1:]), number, number)
    return None


def apply_deactivations(lexed: Lexed) -> list[Statement]:
    """Mark statements under a ``deactivate`` path inactive; return the result."""
    if not lexed.deactivated:
        return lexed.statements
    paths = [p for p, _ in lexed.deactivated]
    out = []
    for st in lexed.statements:
        if not st.inactive and any(st.words[: len(p)] == p for p in paths):
            st = Statement(st.words, st.line, st.last, True, st.group)
        out.append(st)
    return out
