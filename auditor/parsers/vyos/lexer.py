"""VyOS configuration text as flat statements: the ``set`` form and the ``config.boot`` form.

Part of the vyos parser (parse stage). ``show configuration commands`` prints one ``set``
command per leaf, values in single quotes; ``config.boot`` (and ``show configuration``)
prints a curly-brace tree where every leaf is one line (``address 10.0.0.1/24``, no ``;``,
unlike Junos), values with spaces in double quotes, and ``/* */`` or ``//`` comments that
carry the release and the config-syntax versions at the end of the file. Both become
Junos-style ``Statement``s (the words of a path without ``set``) with their file line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.parsers.base import shell_words
from auditor.parsers.juniper_junos.statements import Statement, split_lines

_RELEASE = re.compile(r"(?:Release version:|^#\s*Version:\s*VyOS)\s*v?(\d+\.\d+[^\s*]*)")
_SYNTAX = re.compile(r"(?:vyos|vyatta)-config-version:\s*\"([^\"]*)\"")


@dataclass(slots=True)
class Lexed:
    """The statements of a file, the raw lines, and the lines that carry no statement."""

    statements: list[Statement]
    lines: list[str]
    structure: set[int] = field(default_factory=set)  # blank, comment, `x {`, `}`
    problems: list[tuple[int, str]] = field(default_factory=list)
    release: tuple[str, int] | None = None  # "1.4.3", line
    syntax: dict[str, tuple[int, int]] = field(default_factory=dict)  # component -> (version, line)


def _words(text: str) -> list[str] | None:
    try:
        return shell_words(text)
    except ValueError:
        return None


def _comment(out: Lexed, text: str, number: int) -> None:
    """Record version facts a comment line carries."""
    release = _RELEASE.search(text)
    if release and out.release is None:
        out.release = (release.group(1), number)
    syntax = _SYNTAX.search(text)
    if syntax:
        for part in re.split(r"[:=]", syntax.group(1)):
            name, _, version = part.partition("@")
            if version.isdigit():
                out.syntax[name] = (int(version), number)


def lex(text: str) -> Lexed:
    """Turn VyOS configuration text (set or brace form, or both) into statements."""
    out = Lexed([], split_lines(text))
    stack: list[tuple[tuple[str, ...], int, int]] = []  # path, opening line, statements before
    in_block_comment = False
    for number, raw in enumerate(out.lines, start=1):
        line = raw.strip()
        if in_block_comment or line.startswith("/*"):
            _comment(out, line, number)
            out.structure.add(number)
            in_block_comment = "*/" not in line
            continue
        if not line or line.startswith(("#", "//")):
            _comment(out, line, number)
            out.structure.add(number)
            continue
        if line == "}":
            out.structure.add(number)
            if stack:
                path, opened, before = stack.pop()
                if len(out.statements) == before:  # an empty node (`sip {` `}`) still sets its path
                    out.statements.append(Statement(path, opened, opened))
            else:
                out.problems.append((number, "unbalanced '}'"))
            continue
        opens = line.endswith("{")
        words = _words(line[:-1] if opens else line)
        if words is None:
            out.problems.append((number, "unbalanced quotes"))
            continue
        if not stack and words and words[0] in ("set", "delete", "comment", "activate", "deactivate"):
            if words[0] != "set" or opens:
                out.problems.append((number, f"'{words[0]}' command not modelled"))
            else:
                out.statements.append(Statement(tuple(words[1:]), number, number))
            continue
        prefix = stack[-1][0] if stack else ()
        if opens:
            stack.append((prefix + tuple(words), number, len(out.statements)))
            out.structure.add(number)
        elif words:
            out.statements.append(Statement(prefix + tuple(words), number, number))
    if stack:
        out.problems.append((len(out.lines), "unbalanced '{': the file ends inside a block"))
    return out
