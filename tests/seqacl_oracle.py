"""Generated failing EOS / NX-OS access lists and a per-packet oracle that reads their text.

Shared by tests/test_remediation_arista_eos.py and tests/test_remediation_cisco_nxos.py. The
generator writes one ``ip access-list LAN`` bound in on the LAN SVI or out on the uplink, with
sequence numbers tight (1, 2, 3: no room, so the list must be renumbered), spaced, shuffled in
the file, or left out (numbered by the switch), and numbered remarks among the entries. The
oracle never uses the parser: it reads the list's lines, orders them by sequence number
(an unnumbered line is the highest so far + 10, remarks included) and walks concrete packets.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

LAN = ipaddress.ip_network("10.0.0.0/29")
APPLE = ipaddress.ip_network("17.0.0.0/8")
PORTS = [80, 443, 5223, 3478, 3497, 16384, 16387, 16393, 16402, 5060, 79, 444, 3477, 3498, 16388, 16392]
SOURCES = [ipaddress.ip_address(a) for a in ("10.0.0.1", "10.0.0.6", "10.0.1.9")]
DESTINATIONS = [ipaddress.ip_address(a) for a in ("17.0.0.1", "17.200.1.1", "9.9.9.9")]
PROBE_PORTS = sorted({q for p in PORTS for q in (p - 1, p, p + 1)} | {1, 65535})
REQUIRED_PORTS = {
    "tcp": [(80, 80), (443, 443), (5223, 5223)],
    "udp": [(3478, 3497), (16384, 16387), (16393, 16402)],
}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Packet = tuple[str, Address, Address, int]


@dataclass(frozen=True)
class Dialect:
    """What differs between the two platforms' text: indentation, the host form, multi-port eq."""

    indent: str
    host: Callable[[str], str]
    multi_eq: bool


EOS = Dialect("   ", lambda a: f"host {a}", True)
NXOS = Dialect("  ", lambda a: f"{a}/32", False)


def _sources(dialect: Dialect) -> st.SearchStrategy[str]:
    return st.sampled_from(
        ["any", "10.0.0.0/29", "10.0.0.0/30", dialect.host("10.0.0.6"), "10.0.0.0 0.0.0.5"]
    )


_DESTS = st.sampled_from(["any", "17.0.0.0/8", "17.0.0.0/9", "17.0.0.0 0.254.255.255"])


@st.composite
def entry(draw: st.DrawFn, dialect: Dialect) -> str:
    """Return one permit/deny entry (no number)."""
    action = draw(st.sampled_from(["permit", "deny"]))
    proto = draw(st.sampled_from(["tcp", "udp", "ip"]))
    src, dst = draw(_sources(dialect)), draw(_DESTS)
    if proto == "ip":
        return f"{action} ip {src} {dst}"
    op = draw(st.sampled_from(["none", "eq", "neq", "lt", "gt", "range", "established"]))
    if op == "none":
        return f"{action} {proto} {src} {dst}"
    if op == "established":
        return f"{action} tcp {src} {dst} established"
    low = draw(st.sampled_from(PORTS))
    if op == "range":
        high = draw(st.sampled_from([p for p in PORTS if p >= low]))
        return f"{action} {proto} {src} {dst} range {low} {high}"
    if op == "eq" and dialect.multi_eq and draw(st.booleans()):
        other = draw(st.sampled_from(PORTS))
        return f"{action} {proto} {src} {dst} eq {low} {other}"
    return f"{action} {proto} {src} {dst} {op} {low}"


@st.composite
def config(draw: st.DrawFn, dialect: Dialect, head: Callable[[str], str]) -> str:
    """Return a whole config: ``head(direction)`` then the generated list."""
    body = draw(st.lists(st.one_of(entry(dialect), st.just("remark note")), min_size=0, max_size=6))
    numbering = draw(st.sampled_from(["tight", "spaced", "shuffled", "none"]))
    if numbering == "none":
        lines = [f"{dialect.indent}{e}" for e in body]
    else:
        step = 1 if numbering == "tight" else 10
        lines = [f"{dialect.indent}{step * (i + 1)} {e}" for i, e in enumerate(body)]
        if numbering == "shuffled":
            lines = draw(st.permutations(lines))
    direction = draw(st.sampled_from(["in", "out"]))
    return head(direction) + "\n".join(["ip access-list LAN", *lines]) + "\n"


# --- the oracle ------------------------------------------------------------------------------

_LINE = re.compile(r"^(?:(\d+)\s+)?(\S.*)$")


def _address(words: list[str]) -> Callable[[ipaddress.IPv4Address], bool]:
    if words[0] == "any":
        words.pop(0)
        return lambda a: True
    if words[0] == "host":
        host = ipaddress.ip_address(words[1])
        del words[:2]
        return lambda a: a == host
    if "/" in words[0]:
        net = ipaddress.ip_network(words.pop(0), strict=False)
        return lambda a: a in net
    base, wildcard = int(ipaddress.ip_address(words[0])), int(ipaddress.ip_address(words[1]))
    del words[:2]
    return lambda a: (int(a) & ~wildcard) == (base & ~wildcard)


def _port(words: list[str]) -> Callable[[int], bool]:
    if not words or words[0] not in ("eq", "neq", "lt", "gt", "range"):
        return lambda p: True
    op = words.pop(0)
    args = []
    while words and words[0].isdigit():
        args.append(int(words.pop(0)))
    tests: dict[str, Callable[[int], bool]] = {
        "eq": lambda p: p in args,
        "neq": lambda p: p not in args,
        "lt": lambda p: p < args[0],
        "gt": lambda p: p > args[0],
        "range": lambda p: args[0] <= p <= args[1],
    }
    return tests[op]


def _entries(
    text: str,
) -> list[tuple[bool, str, Callable[..., bool], Callable[..., bool], Callable[[int], bool], bool]]:
    """Return the LAN list's entries in sequence order: (permit, proto, src, dst, dport, established)."""
    block = text.split("\nip access-list LAN\n", 1)[1]
    numbered = []
    highest = 0
    for line in block.splitlines():
        if not line.startswith(" "):
            break
        text_ = line.strip()
        if not text_ or text_.startswith("!"):
            continue
        match = _LINE.match(text_)
        assert match, f"the oracle does not read {line!r}"
        seq = int(match.group(1)) if match.group(1) else highest + 10
        highest = max(highest, seq)
        words = match.group(2).split()
        if words[0] == "remark":
            continue
        assert words[0] in ("permit", "deny"), f"the oracle does not read {line!r}"
        proto = words[1]
        rest = words[2:]
        src = _address(rest)
        _port(rest)  # source ports: the generator writes none
        dst = _address(rest)
        dport = _port(rest)
        established = rest == ["established"]
        assert not rest or established, f"the oracle does not read {line!r}"
        numbered.append((seq, (words[0] == "permit", proto, src, dst, dport, established)))
    return [e for _, e in sorted(numbered, key=lambda x: x[0])]


def permitted(text: str) -> set[Packet]:
    """Return the probe packets (new connections) the LAN list permits."""
    acl = _entries(text)
    out: set[Packet] = set()
    for proto, src, dst, port in itertools.product(("tcp", "udp"), SOURCES, DESTINATIONS, PROBE_PORTS):
        for permit, p, s, d, dport, established in acl:
            if p in (proto, "ip") and s(src) and d(dst) and (p == "ip" or dport(port)) and not established:
                if permit:
                    out.add((proto, src, dst, port))
                break
    return out


def required() -> set[Packet]:
    """Return the probe packets the Apple pack requires from the LAN."""
    return {
        (proto, src, dst, port)
        for proto, spans in REQUIRED_PORTS.items()
        for src, dst, port in itertools.product(SOURCES, DESTINATIONS, PROBE_PORTS)
        if src in LAN and dst in APPLE and any(low <= port <= high for low, high in spans)
    }
