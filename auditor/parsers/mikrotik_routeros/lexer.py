"""RouterOS ``/export`` text into logical commands (parse stage, mikrotik_routeros parser).

An export is a sequence of menu paths (``/ip firewall filter``) and commands (``add
chain=forward action=drop``), either on their own lines or together on one
(``/ip firewall filter add ...``, also the v7 form ``/ip/firewall/filter/add ...``).
A line ending in an unescaped backslash continues on the next one (the continuation's
leading blanks are dropped); a command keeps the number of its first physical line.
Values may be quoted (``comment="a b"``) with backslash escapes; ``[ find ... ]`` item
selectors stay one word. ``export verbose`` prints unset properties as ``!name``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Words that end a menu path: the console commands an export (or a hand-written script) uses.
VERBS = frozenset(
    {"add", "set", "remove", "print", "export", "enable", "disable", "move", "edit", "unset"}
    | {"reset", "comment", "find", "get", "monitor", "reset-mac-address", "import", "run"}
)


@dataclass(frozen=True, slots=True)
class Logical:
    """One logical line: the physical line numbers it spans and its joined text."""

    lines: tuple[int, ...]
    text: str


@dataclass(slots=True)
class Command:
    """A command with its menu: ``verb`` None means the line only changes the menu."""

    menu: tuple[str, ...]
    verb: str | None
    selector: str | None = None  # the item a ``set``/``remove`` acts on: name, number or [find]
    args: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # bare words and ``!name`` (unset) tokens
    inline_menu: bool = False  # the menu was written on the command's own line
    # What a reader made of this command, kept with it (a Command is cached per line, so the
    # proof's parse of the same line finds it): set once by the reader, never part of equality.
    reading: Any = field(default=None, compare=False, repr=False)


def _trailing_backslashes(text: str) -> int:
    return len(text) - len(text.rstrip("\\"))


def _open_quote(text: str) -> bool:
    """Tell whether ``text`` ends inside a double-quoted string."""
    if '"' not in text:
        return False  # most lines: no quote at all
    if "\\" not in text:
        return text.count('"') % 2 == 1  # no escapes: every quote toggles
    inside, escaped = False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    return inside


def continues(text: str) -> bool:
    """Tell whether a logical line whose joined text is ``text`` takes in the next physical line.

    The test ``logical_spans`` makes after each line it joins (the editor asks it at the
    edges of an edit).
    """
    if text[-1:] != "\\" and '"' not in text:
        return False
    if text.lstrip().startswith("#"):
        return False
    if _trailing_backslashes(text) % 2 == 1:
        return True
    return _open_quote(text)


def logical_lines(lines: list[str]) -> Iterator[Logical]:
    """Join continuation lines; yield each logical line with the numbers it spans."""
    for first, last, text in logical_spans(lines):
        yield Logical(tuple(range(first, last + 1)), text)


def logical_spans(lines: list[str]) -> Iterator[tuple[int, int, str]]:
    """Yield each logical line as (its first line number, its last, its joined text)."""
    joined = "".join(lines)
    if "\\" not in joined and '"' not in joined:
        # Most exports: no backslash and no quote anywhere, so no line continues (the loop
        # below would stop at each line's end).
        return iter([(number, number, line.rstrip()) for number, line in enumerate(lines, 1)])
    return _joined_spans(lines)


def _joined_spans(lines: list[str]) -> Iterator[tuple[int, int, str]]:
    index, count = 0, len(lines)
    while index < count:
        first = index + 1
        text = lines[index].rstrip()
        index += 1
        while index < count:
            if text[-1:] != "\\" and '"' not in text:
                break  # most lines: neither a continuation nor an open quote
            if text.lstrip().startswith("#"):
                break  # comments never continue
            continued = _trailing_backslashes(text) % 2 == 1
            if continued:
                text = text[:-1]
            elif not _open_quote(text):
                break
            text += lines[index].strip() if continued else "\n" + lines[index].strip()
            index += 1
        yield first, index, text


_TOKEN = re.compile(r'\\(.)|(["\[\]{}])|(\s+)|([^\\"\[\]{}\s]+)|(\\)', re.S)


def split_words(text: str) -> list[str]:
    """Split on blanks outside quotes and brackets; drop the quotes, keep escapes' targets."""
    if (
        '"' not in text
        and "\\" not in text
        and "[" not in text
        and "]" not in text
        and "{" not in text
        and "}" not in text
    ):
        return text.split()  # most lines: no quotes, escapes or brackets
    # The character walk, a run of characters at a time: an escape and its target, one
    # special character, a run of blanks, a run of other characters, a backslash that ends
    # the text (it escapes nothing).
    words: list[str] = []
    current: list[str] = []
    quoted, depth, started = False, 0, False
    for escaped, special, blanks, plain, _ in _TOKEN.findall(text):
        if escaped:
            current.append(escaped)
            started = True
        elif special:
            if quoted:
                if special == '"':
                    quoted = False
                else:
                    current.append(special)
            elif special == '"':
                quoted, started = True, True
            elif special in "[{":
                depth += 1
                current.append(special)
                started = True
            elif depth and special in "]}":
                depth -= 1
                current.append(special)
            else:
                current.append(special)
                started = True
        elif blanks:
            if quoted:
                current.append(blanks)
            elif depth == 0:
                if started:
                    words.append("".join(current))
                current, started = [], False
            else:
                current.append(blanks)
                started = True
        else:  # other characters, or the backslash at the end
            current.append(plain or "\\")
            if not quoted:
                started = True
    if started:
        words.append("".join(current))
    return words


def read_command(words: list[str], menu: tuple[str, ...]) -> Command:
    """Read one logical line's words against the current ``menu``."""
    inline = False
    if words and words[0].startswith("/"):
        inline = True
        path = [part for part in words[0].split("/") if part]
        rest = words[1:]
        while path and path[-1] in VERBS and len(path) > 1:  # v7 /ip/firewall/filter/add
            rest.insert(0, path.pop())
        while rest and rest[0] not in VERBS and "=" not in rest[0] and rest[0][:1] not in "[!":
            path.append(rest.pop(0))
        menu, words = tuple(path), rest
    if not words:
        return Command(menu, None, inline_menu=inline)
    args: dict[str, str] = {}
    selector: str | None = None
    bare: list[str] = []
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if eq and key and key[0] != "[":
            args[key] = value
        elif selector is None and not args and word[:1] != "!":
            selector = word
        else:
            bare.append(word)
    return Command(menu, words[0], selector, args, bare, inline)


def lex_command(text: str, menu: tuple[str, ...]) -> Command:
    """Return ``read_command(split_words(text), menu)``: a fresh Command from a cached reading.

    An export is read more than once (parse, remediation, proof of the edited text), and the
    reading is a pure function of the line and the menu in effect.
    """
    found = shared_command(text, menu)
    args, words = dict(found.args), list(found.words)
    return Command(found.menu, found.verb, found.selector, args, words, found.inline_menu)


@lru_cache(maxsize=4096)
def shared_command(text: str, menu: tuple[str, ...]) -> Command:
    """Return ``lex_command(text, menu)`` without the copy: the cached Command itself.

    For readers that never change a Command (the parser and the export editor): a line read
    again costs a dictionary lookup, not a copy of its arguments. The cache itself, no
    wrapper around it: every line of every reading calls it.
    """
    return plain_command(text, menu) or read_command(split_words(text), menu)


def plain_command(text: str, menu: tuple[str, ...]) -> Command | None:
    """Return ``read_command(split_words(text), menu)`` for a verb and ``key=value`` words, else None.

    Most lines of an export: no quote, escape or bracket, no menu on the line, every word
    after the verb a ``key=value`` with a key. ``read_command`` puts each of them into
    ``args`` in order (a repeated key keeps its first place and its last value), as ``dict``
    does with the pairs; anything else is left to it.
    """
    if '"' in text or "\\" in text or "[" in text or "]" in text or "{" in text or "}" in text:
        return None
    words = text.split()
    if len(words) < 2 or words[0][0] == "/":
        return None
    try:
        args = dict([word.split("=", 1) for word in words[1:]])
    except ValueError:  # a word without "=": a selector or a bare word
        return None
    if "" in args:
        return None
    return Command(menu, words[0], None, args, [], False)
