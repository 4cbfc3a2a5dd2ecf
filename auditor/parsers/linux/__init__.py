"""Parser for Linux firewalls (``linux``): ``iptables-save`` and ``nft list ruleset`` text.

Parse stage of the pipeline. The two formats are told apart by content: ``*filter`` /
``:CHAIN POLICY [x:y]`` / ``-A CHAIN`` lines are iptables, ``table inet x {`` blocks are
nftables. ``looks_like`` is the cheap content test behind ``--platform auto``.

Modules: ``common`` (shared state, vocabulary, role inference), ``iptables``,
``nft_lexer`` (tokens and blocks) and ``nft`` (tables, chains, rules).
"""

from __future__ import annotations

import re

from auditor.model import ParseResult
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
    return "table" in text and bool(_NFT.search(text))  # no regex scan when it cannot match


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
    if "\r" in text:  # (without one, rstrip would change no line)
        lines = [line.rstrip("\r") for line in lines]
    draft = Draft(filename)
    if _is_nft(text):
        NftReader(draft, lines).read()
    else:
        IptablesReader(draft, lines).read()
    return finish(draft, len(lines)), draft.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse iptables-save or nft ruleset text into the vendor-neutral model."""
    return parse_with_dispositions(text, filename)[0]
