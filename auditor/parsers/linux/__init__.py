"""Parser for Linux firewalls (``linux``): ``iptables-save`` and ``nft list ruleset`` text.

Parse stage of the pipeline. The two formats are told apart by content: ``*filter`` /
``:CHAIN POLICY [x:y]`` / ``-A CHAIN`` lines are iptables, ``table inet x {`` blocks are
nftables. ``looks_like`` is the cheap content test behind ``--platform auto``.

Modules: ``common`` (shared state, vocabulary, role inference), ``iptables``,
``nft_lexer`` (tokens and blocks) and ``nft`` (tables, chains, rules).
"""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.model import Limitation, ParseResult, Source
from auditor.parsers.linux.common import Disposition, Draft, finish
from auditor.parsers.linux.iptables import IptablesReader
from auditor.parsers.linux.nft import NftReader

__all__ = ["looks_like", "parse", "parse_with_dispositions"]

_NFT = re.compile(r"^\s*table\s+(ip|ip6|inet|arp|bridge|netdev)\s+\S+\s*\{", re.M)
_IPT_TABLE = re.compile(r"^\*(filter|nat|mangle|raw|security)\s*$", re.M)
_IPT_CHAIN = re.compile(r"^:\S+ (ACCEPT|DROP|-) \[\d+:\d+\]\s*$", re.M)
_IPT_RULE = re.compile(r"^(\[\d+:\d+\] )?-A \S+( |$)", re.M)
_IPT_FRAGMENT = re.compile(r"^-[PN] \S+", re.M)


def _is_nft(text: str) -> bool:
    return bool(_NFT.search(text))


DETECTION_RULE = (
    "iptables-save tables and chains (*filter, :CHAIN POLICY, -A, COMMIT) or nft 'table <family> <name> {'"
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` is iptables-save or nft ruleset text.

    Examples:
        >>> looks_like("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n")
        True
        >>> looks_like("table inet fw {\n chain fwd {\n }\n}\n")
        True
        >>> looks_like("hostname r1\ninterface GigabitEthernet0/1\n")
        False
    """
    sample = text[:200_000]
    if _is_nft(sample):
        return True
    if _IPT_TABLE.search(sample) and (_IPT_CHAIN.search(sample) or "COMMIT" in sample):
        return True
    return bool(_IPT_RULE.search(sample) and (_IPT_FRAGMENT.search(sample) or _IPT_CHAIN.search(sample)))


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse ``text`` and also return what became of each line (for tests and audits)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.rstrip("\r") for line in lines]
    draft = Draft(filename)
    if _is_nft(text):
        NftReader(draft, lines).read()
    else:
        IptablesReader(draft, lines).read()
    return finish(draft, len(lines)), draft.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse iptables-save or nft ruleset text into the vendor-neutral model."""
    result = parse_with_dispositions(text, filename)[0]
    untracked = _notrack_lines(text, filename)
    if not untracked:
        return result
    # NOTRACK / `notrack` leave packets untracked, so a later `--ctstate NEW` / `ct state new`
    # accept does not match them (shown on a real kernel by tests/test_linux_netns.py). The
    # model has no state rewrite yet: say so instead of answering as if nothing happened.
    limitation = Limitation(
        "NOTRACK marks packets as untracked, which later connection-state matches treat "
        "differently; auditor does not evaluate that yet",
        frozenset({"flow"}),
        tuple(untracked),
    )
    model = replace(result.model, limitations=(*result.model.limitations, limitation))
    return replace(result, model=model)


_NOTRACK = re.compile(r"(-j\s+NOTRACK\b|--notrack\b|^\s*[^#]*\bnotrack\b)")


def _notrack_lines(text: str, filename: str) -> list[Source]:
    return [
        Source(filename, number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if not line.lstrip().startswith("#") and _NOTRACK.search(line)
    ]
