"""Redaction: secrets out of a config before it touches disk, every other byte kept.

The archive calls ``redact`` on every collected config. A secret value (password, hash,
SNMP community, pre-shared key, routing or AAA key, API token, PEM private key) becomes
``REDACTED``; its keywords, quotes and line stay, so line numbers, evidence and diffs of
the archived copy match the device. Lines without a secret are byte-identical, which is
why an audit of the archive gives the same verdicts as an audit of the original.

Three passes find the secrets of a line, and their spans are merged: PEM private-key
blocks (multi-line: every line inside is replaced, so the line count stays), the
platform's rules (``rules.py``) and netconan's patterns (``upstream.py``). When netconan
flags a line but cannot say where the secret is and no rule found it, everything after the
first word is replaced: a flagged line is never kept as is. So is a line the platform
itself marks as secret (Junos's ``## SECRET-DATA``) when no rule placed its secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.redact import upstream
from auditor.redact.rules import (
    COMMON,
    FLAGGED_LINE,
    PRIVATE_KEY,
    TRIGGERS,
    Rule,
    netconan_applies,
    secret_markers,
    syntaxes_for,
)
from auditor.redact.sections import NoSections, Tracker

__all__ = ["MARK", "Redacted", "redact"]

MARK = "REDACTED"

_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_QUOTES = ('"', "'")


@dataclass(frozen=True, slots=True)
class Redacted:
    """A redacted config: its text, how many secrets were replaced, their kinds, and where."""

    text: str
    count: int
    kinds: tuple[str, ...]
    lines: tuple[int, ...]  # 1-based numbers of the lines that changed


Span = tuple[int, int, str]


def redact(text: str, platform: str | None) -> Redacted:
    """Replace every secret in ``text`` with ``MARK``, keeping the lines and everything else.

    Args:
        text: the config as collected.
        platform: its netmiko name; an unknown or missing one applies every platform's rules.

    Returns:
        The redacted text (same number of lines; lines without secrets unchanged) and what
        was replaced.
    """
    # The platform's rules first: where two find the same value, the more specific names it.
    syntaxes: list[tuple[Tracker, tuple[Rule, ...]]] = [(make(), r) for make, r in syntaxes_for(platform)]
    syntaxes.append((NoSections(), COMMON))
    with_netconan = netconan_applies(platform)
    markers = secret_markers(platform)
    lines = text.split("\n")  # split on \n only: \r and other breaks stay inside their line
    out: list[str] = []
    changed: list[int] = []
    kinds: set[str] = set()
    count = 0
    in_pem = False
    for number, line in enumerate(lines, start=1):
        spans, in_pem, pem_started = _pem_spans(line, in_pem)
        in_block = any(end > start for start, end, _ in spans)
        count += pem_started
        triggered = any(t in line.lower() for t in TRIGGERS)
        for tracker, rules in syntaxes:
            section = tracker.feed(line)  # every line, so blocks open and close in step
            if triggered:
                spans.extend(_rule_spans(line, section, rules))
        found, scrub = upstream.find(line) if with_netconan else ([], False)
        spans.extend((start, end, _kind_of(line)) for start, end in found)
        if not any(end > start for start, end, _ in spans) and (scrub or _marked_secret(line, markers)):
            spans.append(_flagged_span(line))
        merged = _merge([s for s in spans if s[1] > s[0]])
        if not merged:
            out.append(line)
            continue
        # A private-key block is one secret, counted where it begins, however many lines.
        count += len(merged) - (1 if in_block else 0)
        kinds.update(s[2] for s in merged)
        changed.append(number)
        out.append(_replace(line, merged))
    return Redacted("\n".join(out), count, tuple(sorted(kinds)), tuple(changed))


def _pem_spans(line: str, in_pem: bool) -> tuple[list[Span], bool, int]:
    """Spans of a private-key block on this line; whether the block goes on; 1 if one began."""
    begin = _PEM_BEGIN.search(line)
    started = 0
    if not in_pem and begin is None:
        return [], False, 0
    if begin is not None and not in_pem:
        start, started = begin.end(), 1
    else:
        start = len(line) - len(line.lstrip())
    end_marker = _PEM_END.search(line, start)
    end = end_marker.start() if end_marker else len(line.rstrip())
    return [(start, end, PRIVATE_KEY)], end_marker is None, started


def _rule_spans(line: str, section: str, rules: tuple[Rule, ...]) -> list[Span]:
    spans: list[Span] = []
    for rule in rules:
        if rule.section is not None and not rule.section.search(section):
            continue
        for match in rule.pattern.finditer(line):
            start, end = match.span("v")
            if end - start >= 2 and line[start] in _QUOTES and line[end - 1] == line[start]:
                start, end = start + 1, end - 1
            spans.append((start, end, rule.kind))
    return spans


def _kind_of(line: str) -> str:
    """Name the kind of a secret netconan found, from the words of its line."""
    lowered = line.lower()
    for words, kind in (
        (("communit",), "snmp-community"),
        (("pre-shared", "isakmp", "psk"), "pre-shared-key"),
        (("$1$", "$5$", "$6$", "$8$", "$9$", "encrypted-password"), "password-hash"),
        (("passw", "secret"), "password"),
    ):
        if any(w in lowered for w in words):
            return kind
    return "auth-key"


def _marked_secret(line: str, markers: tuple[str, ...]) -> bool:
    return any(marker in line for marker in markers)


def _flagged_span(line: str) -> Span:
    """Everything after the first word, up to a statement's closing ``;`` (and its comment)."""
    match = re.match(r"(\s*\S+\s*)(.*?)\s*(?:;.*)?$", line.rstrip())
    if match is None:
        return (0, 0, FLAGGED_LINE)
    return (match.start(2), match.end(2), FLAGGED_LINE)


def _merge(spans: list[Span]) -> list[Span]:
    """Union overlapping spans; the earliest-starting (then the earliest found) names the kind."""
    merged: list[Span] = []
    for start, end, kind in sorted(spans, key=lambda span: span[0]):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, kind))
    return merged


def _replace(line: str, spans: list[Span]) -> str:
    parts = []
    position = 0
    for start, end, _ in spans:
        parts.append(line[position:start])
        parts.append(MARK)
        position = end
    parts.append(line[position:])
    return "".join(parts)
