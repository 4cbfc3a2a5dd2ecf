"""Splitting IOS configuration text into numbered lines and indentation blocks.

Part of the cisco_ios parser (parse stage). ``show running-config`` nests a command's
sub-mode lines under it by indentation; a line at column 0 starts a new top-level block.
Comment lines (``!``, ``#``), blank lines, archive headers and multi-line ``banner`` bodies
are classified here so the handlers only see commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

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
_HEADER_FIRST = frozenset(prefix.split()[0] for prefix in _HEADER_PREFIXES)


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
    if "\r" not in text:  # the usual case: no line to trim
        return lines
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _make_line(number: int, raw: str) -> ConfigLine:
    return ConfigLine(number, raw, *_line_parts(raw))


def _line_parts(raw: str) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    """Return a line's indent, tokens and lower-cased words (``split_config`` inlines this).

    Not cached: a config's lines are nearly all distinct, and the proof's re-parse of a
    remediated list sees its entries with sequence numbers written in, so a cache mostly
    missed and cost more than it saved.
    """
    tokens = tuple(raw.split())  # leading blanks split away as ``raw.lstrip(" \t")`` would
    # ASCII lower-casing maps character to character (blanks stay), so the lowered line
    # splits into the lowered tokens (the tokens themselves when nothing changes); other
    # text is lowered token by token.
    if raw.isascii():
        lowered = raw.lower()
        words = tokens if lowered == raw else tuple(lowered.split())
    else:
        words = tuple(t.lower() for t in tokens)
    return len(raw) - len(raw.lstrip(" \t")), tokens, words


def _banner_delimiter(raw: str) -> tuple[str, str] | None:
    """Return (delimiter, text after it) for ``banner TYPE <d>...``; IOS prints ``^C``."""
    parts = raw.strip().split(None, 2)
    if len(parts) < 3:
        return None
    rest = parts[2]
    delimiter = rest[:2] if rest.startswith("^C") else rest[0]
    return delimiter, rest[len(delimiter) :]


def _banner_end(raws: list[str], start: int) -> tuple[int, bool]:
    """Return (index of the banner's last line, whether its closing delimiter was found)."""
    found = _banner_delimiter(raws[start])
    if found is None:
        return start, False
    delimiter, after = found
    if delimiter in after:
        return start, True
    for index in range(start + 1, len(raws)):
        if delimiter in raws[index]:
            return index, True
    return len(raws) - 1, False


@dataclass(slots=True)
class SplitConfig:
    """The blocks of a configuration, plus what happened to non-command lines."""

    blocks: list[Block]
    dispositions: dict[int, Disposition]
    unterminated_banner: ConfigLine | None = None
    line_count: int = 0


def split_config(text: str) -> SplitConfig:
    """Group the lines of ``text`` into top-level blocks, skipping comments and banners.

    One pass over the raw lines; only command lines become ``ConfigLine``s.
    """
    raws = split_lines(text)
    result = SplitConfig([], {}, line_count=len(raws))
    dispositions, blocks = result.dispositions, result.blocks
    children: list[ConfigLine] | None = None  # the current block's body
    skip_to = 0  # the number of a banner's last line
    number = 0
    for raw in raws:
        number += 1
        if number <= skip_to:
            continue
        # ``_line_parts(raw)``, written out: it runs once per line.
        tokens = tuple(raw.split())
        if raw.isascii():
            lowered = raw.lower()
            words = tokens if lowered == raw else tuple(lowered.split())
        else:
            words = tuple(t.lower() for t in tokens)
        indent = len(raw) - len(raw.lstrip(" \t"))
        if indent:  # most lines: a sub-mode line (no header test)
            if not tokens or tokens[0][0] in "!#":
                dispositions[number] = Disposition.COMMENT
            elif children is None:
                block = Block(ConfigLine(number, raw, indent, tokens, words))
                blocks.append(block)
                children = block.children
            else:
                children.append(ConfigLine(number, raw, indent, tokens, words))
            continue
        # A comment, a blank line or an archive header; a header's first word is one of the
        # prefixes' first words, so other lines skip the joined test.
        if (
            not tokens
            or tokens[0][0] in "!#"
            or (words[0] in _HEADER_FIRST and " ".join(words).startswith(_HEADER_PREFIXES))
        ):
            dispositions[number] = Disposition.COMMENT
            continue
        line = ConfigLine(number, raw, indent, tokens, words)
        if words[0] == "banner":
            end, closed = _banner_end(raws, number - 1)
            if not closed:
                result.unterminated_banner = line
            for covered in range(number, end + 2):
                dispositions[covered] = Disposition.IGNORED
            children = None
            skip_to = end + 1
            continue
        block = Block(line)
        blocks.append(block)
        children = block.children
    return result
