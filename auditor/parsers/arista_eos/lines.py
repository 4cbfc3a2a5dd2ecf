"""Splitting EOS configuration text into numbered lines and indentation blocks.

Part of the arista_eos parser (parse stage). EOS nests sub-mode lines under their command by
indentation, like IOS, so the IOS line and block types are reused. What differs is the
banner: EOS prints ``banner login`` (or ``motd``) on a line of its own, then the text, then
a line ``EOF``; there is no delimiter character.
"""

from __future__ import annotations

from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition, SplitConfig, split_lines

__all__ = ["split_config"]

# Archive and collector headers EOS or the collector prints before the configuration.
_HEADER_PREFIXES = ("building configuration", "current configuration")


def _make_line(number: int, raw: str) -> ConfigLine:
    stripped = raw.lstrip(" \t")
    tokens = tuple(stripped.split())
    return ConfigLine(number, raw, len(raw) - len(stripped), tokens, tuple(t.lower() for t in tokens))


def _is_comment(line: ConfigLine) -> bool:
    if not line.tokens:
        return True
    if line.tokens[0].startswith(("!", "#")):
        return True
    return line.indent == 0 and " ".join(line.words).startswith(_HEADER_PREFIXES)


def _banner_end(lines: list[ConfigLine], start: int) -> int | None:
    """Return the index of the ``EOF`` line closing the banner at ``start``, or None."""
    for index in range(start + 1, len(lines)):
        if lines[index].raw.strip() == "EOF":
            return index
    return None


def split_config(text: str) -> SplitConfig:
    """Group the lines of ``text`` into top-level blocks, skipping comments and banners."""
    lines = [_make_line(number, raw) for number, raw in enumerate(split_lines(text), start=1)]
    result = SplitConfig([], {}, line_count=len(lines))
    current: Block | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if _is_comment(line):
            result.dispositions[line.number] = Disposition.COMMENT
            index += 1
            continue
        if line.indent == 0 and line.words[0] == "banner" and len(line.words) == 2:
            end = _banner_end(lines, index)
            if end is None:
                result.unterminated_banner = line
                end = len(lines) - 1
            for covered in lines[index : end + 1]:
                result.dispositions[covered.number] = Disposition.IGNORED
            current = None
            index = end + 1
            continue
        if line.indent == 0 or current is None:
            current = Block(line)
            result.blocks.append(current)
        else:
            current.children.append(line)
        index += 1
    return result
