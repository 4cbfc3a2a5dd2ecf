"""Splitting IOS configuration text into numbered lines and indentation blocks.

Part of the cisco_ios parser (parse stage). ``show running-config`` nests a command's
sub-mode lines under it by indentation; a line at column 0 starts a new top-level block.
Comment lines (``!``, ``#``), blank lines, archive headers and multi-line ``banner`` bodies
are classified here so the handlers only see commands.
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
    LIMITATION = "limitation"
    COMMENT = "comment"


@quick_init  # one per config line, twice per remediated device
@dataclass(frozen=True, slots=True)
class ConfigLine:
    """One input line: 1-based number, raw text (no line terminator), indent and tokens."""

    number: int
    raw: str
    indent: int
    tokens: tuple[str, ...]
    words: tuple[str, ...] = ()  # the tokens lower-cased, for keywords (names keep their case)


@dataclass(slots=True)
class Block:
    """A top-level command and the indented lines under it."""

    header: ConfigLine
    children: list[ConfigLine] = field(default_factory=list)


# Lines an archive or collector puts before the configuration (oxidized, rancid, IOS itself).
_HEADER_PREFIXES = ("building configuration", "current configuration")


def split_lines(text: str) -> list[str]:
    r"""Split text into lines the way line numbers are counted: on ``\\n``, dropping ``\\r``.

    Only ``\\n`` ends a line (``str.splitlines`` would also split on form feeds and other
    separators and shift every later line number).
    """
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _make_line(number: int, raw: str) -> ConfigLine:
    return ConfigLine(number, raw, *_line_parts(raw))


@lru_cache(maxsize=4096)
def _line_parts(raw: str) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """Return a line's indent, tokens and lower-cased words.

    Pure on its text, so cached: the proof re-parses the same lines.
    """
    stripped = raw.lstrip(" \t")
    tokens = tuple(stripped.split())
    # ASCII lower-casing maps character to character, so the lowered line splits into the
    # lowered tokens (the tokens themselves when nothing changes); other text is lowered
    # token by token.
    if raw.isascii():
        lowered = stripped.lower()
        words = tokens if lowered == stripped else tuple(lowered.split())
    else:
        words = tuple(t.lower() for t in tokens)
    return len(raw) - len(stripped), tokens, words


def _is_comment(line: ConfigLine) -> bool:
    if not line.tokens:
        return True
    first = line.tokens[0]
    if first.startswith(("!", "#")):
        return True
    return line.indent == 0 and " ".join(line.words).startswith(_HEADER_PREFIXES)


def _banner_delimiter(line: ConfigLine) -> tuple[str, str] | None:
    """Return (delimiter, text after it) for ``banner TYPE <d>...``; IOS prints ``^C``."""
    parts = line.raw.strip().split(None, 2)
    if len(parts) < 3:
        return None
    rest = parts[2]
    delimiter = rest[:2] if rest.startswith("^C") else rest[0]
    return delimiter, rest[len(delimiter) :]


def _banner_end(lines: list[ConfigLine], start: int) -> tuple[int, bool]:
    """Return (index of the banner's last line, whether its closing delimiter was found)."""
    found = _banner_delimiter(lines[start])
    if found is None:
        return start, False
    delimiter, after = found
    if delimiter in after:
        return start, True
    for index in range(start + 1, len(lines)):
        if delimiter in lines[index].raw:
            return index, True
    return len(lines) - 1, False


@dataclass(slots=True)
class SplitConfig:
    """The blocks of a configuration, plus what happened to non-command lines."""

    blocks: list[Block]
    dispositions: dict[int, Disposition]
    unterminated_banner: ConfigLine | None = None
    line_count: int = 0


def split_config(text: str) -> SplitConfig:
    """Group the lines of ``text`` into top-level blocks, skipping comments and banners."""
    raw_lines = split_lines(text)
    lines = [ConfigLine(number, raw, *_line_parts(raw)) for number, raw in enumerate(raw_lines, start=1)]
    result = SplitConfig([], {}, line_count=len(lines))
    dispositions = result.dispositions
    current: Block | None = None
    skip_to = 0  # the index after a banner's last line
    for index, line in enumerate(lines):
        if index < skip_to:
            continue
        if line.indent:  # most lines: a sub-mode line (``_is_comment`` without the header test)
            tokens = line.tokens
            if not tokens or tokens[0][0] in "!#":
                dispositions[line.number] = Disposition.COMMENT
            elif current is None:
                current = Block(line)
                result.blocks.append(current)
            else:
                current.children.append(line)
            continue
        if _is_comment(line):
            dispositions[line.number] = Disposition.COMMENT
            continue
        if line.words[0] == "banner":
            end, closed = _banner_end(lines, index)
            if not closed:
                result.unterminated_banner = line
            for covered in lines[index : end + 1]:
                dispositions[covered.number] = Disposition.IGNORED
            current = None
            skip_to = end + 1
            continue
        current = Block(line)
        result.blocks.append(current)
    return result
