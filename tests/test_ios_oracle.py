"""Generated IOS access lists, rendered as text and parsed, against a per-packet oracle.

Hypothesis draws ACL entries as data; the same entries are rendered as IOS config text and
parsed by the real parser. The engine's permitted set for the parsed ACL must equal what a
brute-force oracle, reading the drawn data directly, permits for every packet of the tiny
universe (tests/universe.py).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import STATE_NEW, TCP, UDP, Packet
from auditor.parsers.cisco_ios import parse
from tests.universe import DST_BASE, SRC_BASE, UNIVERSE_SPACE, members, universe


@dataclass(frozen=True)
class Address:
    value: int  # low bits within the universe
    wildcard: int  # low-bit wildcard; None-like 'any' when is_any
    is_any: bool = False

    def text(self, base: int) -> str:
        if self.is_any:
            return "any"
        if self.wildcard == 0:
            return f"host {ipaddress.IPv4Address(base + self.value)}"
        return f"{ipaddress.IPv4Address(base + (self.value & ~self.wildcard))} 0.0.0.{self.wildcard}"

    def matches(self, address: int, base: int) -> bool:
        if self.is_any:
            return True
        care = ~self.wildcard & 0xFFFFFFFF
        return (address & care) == ((base + self.value) & care)


@dataclass(frozen=True)
class PortOp:
    op: str
    ports: tuple[int, ...]

    def text(self) -> str:
        return f"{self.op} {' '.join(map(str, self.ports))}"

    def matches(self, port: int) -> bool:
        if self.op == "eq":
            return port in self.ports
        if self.op == "neq":
            return port not in self.ports
        if self.op == "lt":
            return port < self.ports[0]
        if self.op == "gt":
            return port > self.ports[0]
        return self.ports[0] <= port <= self.ports[1]


@dataclass(frozen=True)
class Entry:
    action: str
    protocol: str
    src: Address
    sport: PortOp | None
    dst: Address
    dport: PortOp | None
    established: bool

    def text(self) -> str:
        parts = [self.action, self.protocol, self.src.text(SRC_BASE)]
        if self.sport:
            parts.append(self.sport.text())
        parts.append(self.dst.text(DST_BASE))
        if self.dport:
            parts.append(self.dport.text())
        if self.established:
            parts.append("established")
        return " ".join(parts)

    def matches(self, p: Packet) -> bool:
        proto = {"tcp": TCP, "udp": UDP}.get(self.protocol)
        if proto is not None and p.protocol != proto:
            return False
        if not (self.src.matches(p.src, SRC_BASE) and self.dst.matches(p.dst, DST_BASE)):
            return False
        if self.sport and not self.sport.matches(p.sport):
            return False
        if self.dport and not self.dport.matches(p.dport):
            return False
        return not (self.established and p.state == STATE_NEW)


def addresses(bits: int) -> st.SearchStrategy[Address]:
    top = (1 << bits) - 1
    return st.one_of(
        st.just(Address(0, 0, is_any=True)),
        st.builds(Address, st.integers(0, top), st.integers(0, top)),  # non-contiguous too
    )


# Source ports in the universe are the classes {0} and {1 and above} (tests/universe.py).
sport_ops = st.sampled_from([None, PortOp("gt", (0,)), PortOp("lt", (1,)), PortOp("range", (1, 65535))])


@st.composite
def dport_ops(draw: st.DrawFn) -> PortOp | None:
    op = draw(st.sampled_from(["none", "eq", "neq", "lt", "gt", "range"]))
    if op == "none":
        return None
    if op == "eq":
        return PortOp("eq", tuple(sorted(set(draw(st.lists(st.integers(0, 6), min_size=1, max_size=3))))))
    if op == "range":
        a, b = sorted((draw(st.integers(0, 6)), draw(st.integers(0, 6))))
        return PortOp("range", (a, b))
    # lt 0 would match nothing, which IOS refuses; keep operands sensible.
    return PortOp(op, (draw(st.integers(1, 6)),))


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    protocol = draw(st.sampled_from(["tcp", "udp", "ip"]))
    ported = protocol != "ip"
    return Entry(
        draw(st.sampled_from(["permit", "deny"])),
        protocol,
        draw(addresses(3)),
        draw(sport_ops) if ported else None,
        draw(addresses(2)),
        draw(dport_ops()) if ported else None,
        protocol == "tcp" and draw(st.booleans()),
    )


def render(acl: list[Entry], numbered: bool) -> str:
    if numbered:
        return "\n".join(f"access-list 150 {e.text()}" for e in acl) + "\n"
    body = "\n".join(f" {10 * (i + 1)} {e.text()}" for i, e in enumerate(acl))
    return f"ip access-list extended GEN\n{body}\n"


@settings(max_examples=120, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=8), st.booleans())
def test_parsed_acl_equals_oracle(acl: list[Entry], numbered: bool) -> None:
    text = render(acl, numbered)
    result = parse(text, "generated.cfg")
    assert not result.diagnostics, (text, result.diagnostics)
    ruleset = result.model.ruleset("150" if numbered else "GEN")
    assert ruleset is not None
    permitted = members(walk(ruleset, UNIVERSE_SPACE).lower)
    expected = set()
    for packet in universe():
        hit = next((e for e in acl if e.matches(packet)), None)
        if hit is not None and hit.action == "permit":
            expected.add(packet)
    assert permitted == expected, text
