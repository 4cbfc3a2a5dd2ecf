"""ASA configuration lines: numbering, tokens, comments, and the blocks they form.

Part of the cisco_asa parser (parse stage). ``show running-config`` nests sub-mode lines
under their command by indentation (``policy-map`` nests two levels: ``class`` then
``inspect``). Lines that are not commands are classified here: blank lines, ``!`` comments,
``:`` lines (``: Saved``, ``: end``, ``:`` separators) and the ``Cryptochecksum:`` trailer
that ASA prints at the end of ``show running-config``; ``parser`` groups the other lines
into blocks as it reads them. ASA banners are one line per ``banner motd TEXT`` command
(no delimiter as on IOS), so they need no special handling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from auditor.quick import quick_init


class Disposition(StrEnum):
    """What became of one input line (batfish's support states, plus non-commands)."""

    EXTRACTED = "extracted"
    IGNORED = "ignored"
    DIAGNOSED = "diagnosed"
    COMMENT = "comment"


@quick_init  # one per config line, twice per remediated device
@dataclass(frozen=True, slots=True)
class ConfigLine:
    """One input line: 1-based number, raw text (no line terminator), indent and tokens."""

    number: int
    raw: str
    indent: int
    tokens: tuple[str, ...]
    lowered: tuple[str, ...] | None = None  # ``words``, when worked out as the line was read

    @property
    def words(self) -> tuple[str, ...]:
        """Return the tokens lower-cased, for keyword matching (names keep their case)."""
        if self.lowered is not None:
            return self.lowered
        return tuple(token.lower() for token in self.tokens)


@dataclass(slots=True)
class Block:
    """A top-level command and the indented lines under it."""

    header: ConfigLine
    children: list[ConfigLine] = field(default_factory=list)


def split_lines(text: str) -> list[str]:
    r"""Split text on ``\\n`` only (dropping ``\\r``), so line numbers match the file."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" not in text:
        return lines
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _make_line(number: int, raw: str) -> ConfigLine:
    return ConfigLine(number, raw, *line_parts(raw))


@lru_cache(maxsize=4096)
def line_parts(raw: str) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """Return a line's indent, tokens and lower-cased words.

    Pure on its text, so cached: the proof re-parses the same lines.
    """
    stripped = raw.lstrip(" \t")
    tokens = tuple(stripped.split())
    # ASCII lower-casing maps character to character, so the lowered line splits into the
    # lowered tokens; other text is lowered token by token.
    words = tuple(stripped.lower().split()) if raw.isascii() else tuple(t.lower() for t in tokens)
    return len(raw) - len(stripped), tokens, words


def is_comment(indent: int, tokens: tuple[str, ...], words: tuple[str, ...]) -> bool:
    """Tell whether a line (its ``line_parts``) is blank, a comment or the checksum trailer."""
    if not tokens:
        return True
    if tokens[0].startswith(("!", ":")):
        return True
    return indent == 0 and words[0].startswith("cryptochecksum:")
