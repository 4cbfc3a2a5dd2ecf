"""Netconan's password and community patterns, used to find secrets (not to rewrite lines).

Netconan (Apache-2.0, the field's config anonymizer) rewrites a line with look-alike values
and, for some patterns, replaces the whole line with a comment. Neither keeps a config
auditable line for line, so auditor asks only *where* its patterns match and replaces those
values itself. Netconan's own logic is followed: patterns run on the line with whitespace
collapsed, the first group of patterns that matches is the only one applied, and values
that are reserved words (``key chain``, ``crypto key generate``) are left alone.
"""

from __future__ import annotations

import bisect
import re

from netconan.default_reserved_words import default_reserved_words
from netconan.sensitive_item_removal import generate_default_sensitive_item_regexes

_GROUPS: list[list[tuple[re.Pattern[str], int | None]]] = generate_default_sensitive_item_regexes()
_RESERVED = frozenset(w.lower() for w in default_reserved_words)
# Every netconan pattern needs one of these (lowercase) substrings; others skip the regexes.
_TRIGGERS = (
    "passw",
    "secret",
    "key",
    "auth",
    "communit",
    "snmp",
    "ppp",
    "syscon",
    "wpa-psk",
    "ssh-",
    "$9$",
    "$1$",
)
# Text netconan allows around a value; it is kept, as netconan keeps it.
_HEAD = "'\"[{ "
_TAIL = "'\"]};, "
# Short numbers after ``key`` are key ids and types (``key 1`` in a key chain), not secrets.
_SHORT_NUMBER = re.compile(r"\d{1,5}")
# Keywords netconan takes for values (``no password strength-check`` on NX-OS, ASA
# ``failover key hex KEY``).
_KEYWORDS = frozenset({"strength-check", "complexity", "hex"})


def find(line: str) -> tuple[list[tuple[int, int]], bool]:
    """Return the spans of ``line`` netconan would anonymize, and whether it would scrub the line.

    A scrub (a netconan pattern that cannot say where the secret is) is reported as
    ``True`` so the caller can fall back; public SSH keys, which netconan scrubs too, are not.
    """
    lowered = line.lower()
    if not any(t in lowered for t in _TRIGGERS):
        return [], False
    words = [(m.start(), m.group()) for m in re.finditer(r"\S+", line)]
    collapsed_starts: list[int] = []
    position = 0
    for _, word in words:
        collapsed_starts.append(position)
        position += len(word) + 1
    collapsed = " ".join(word for _, word in words)

    def original(offset: int) -> int:
        index = bisect.bisect_right(collapsed_starts, offset) - 1
        return words[index][0] + offset - collapsed_starts[index]

    spans: list[tuple[int, int]] = []
    scrub = False
    for group in _GROUPS:
        matched = False
        for pattern, item in group:
            for match in pattern.finditer(collapsed):
                matched = True
                if item is None:
                    scrub = scrub or "ssh-" not in pattern.pattern
                    continue
                start, end = _trim(collapsed, match.start(item), match.end(item))
                value = collapsed[start:end]
                if "</" in value:  # its hash pattern runs on into an XML closing tag: stop there
                    end = start + value.index("</")
                    value = collapsed[start:end]
                if _is_secret(value):
                    spans.append((original(start), original(end - 1) + 1))
        if matched:
            break
    return spans, scrub


def _is_secret(value: str) -> bool:
    # PEM markers (``private-key "-----BEGIN ...``) are not secrets; the block is redact's.
    lowered = value.lower()
    return (
        bool(value)
        and lowered not in _RESERVED
        and lowered not in _KEYWORDS
        and not _SHORT_NUMBER.fullmatch(value)
        and not value.startswith("-----")
    )


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _HEAD:
        start += 1
    while end > start and text[end - 1] in _TAIL:
        end -= 1
    return start, end
