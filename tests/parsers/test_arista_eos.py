"""Tests for the arista_eos parser: goldens per feature and per corpus file, direct semantic
checks, line accounting, detection, and a Hypothesis test against a brute-force oracle."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import parsers
from auditor.evaluate import walk
from auditor.flowspace import STATE_ESTABLISHED, STATE_NEW, TCP, UDP, FlowSpace, Packet
from auditor.model import Action, DiagnosticKind, Direction, Platform
from auditor.parsers.arista_eos import looks_like, parse, parse_with_dispositions
from tests import golden
from tests.universe import DST_BASE, SRC_BASE, UNIVERSE_SPACE, members, universe

HERE = Path(__file__).parent / "arista_eos"
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "corpus"
CASES = sorted(HERE.glob("*.conf"))
CORPUS_FILES = sorted((SHARED / "arista_eos").glob("*")) if SHARED.is_dir() else []
OTHER_FILES = (
    sorted(p for p in SHARED.glob("*/*") if p.parent.name != "arista_eos") if SHARED.is_dir() else []
)


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _golden(conf: Path, golden_dir: Path, update: bool) -> None:
    result = parse(conf.read_text(encoding="utf-8"), conf.name)
    golden.check_parse(result, golden_dir, conf.name if conf.suffix != ".conf" else conf.stem, update)


@pytest.mark.parametrize("conf", CASES, ids=[c.stem for c in CASES])
def test_golden_feature_case(conf: Path, update_golden: bool) -> None:
    _golden(conf, HERE, update_golden)


@pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", CORPUS_FILES, ids=[c.name for c in CORPUS_FILES])
def test_golden_corpus(conf: Path, update_golden: bool) -> None:
    _golden(conf, HERE / "corpus", update_golden)


@pytest.mark.parametrize("conf", CASES + CORPUS_FILES, ids=[c.name for c in CASES + CORPUS_FILES])
def test_every_line_is_accounted_for(conf: Path) -> None:
    text = conf.read_text(encoding="utf-8")
    result, dispositions = parse_with_dispositions(text, conf.name)
    assert result.line_count == len(text.split("\n")) - (1 if text.endswith("\n") else 0)
    assert set(dispositions) == set(range(1, result.line_count + 1))
    assert result.model.platform is Platform.ARISTA_EOS


@pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", CORPUS_FILES, ids=[c.name for c in CORPUS_FILES])
def test_corpus_is_detected_and_fully_recognized(conf: Path) -> None:
    text = conf.read_text(encoding="utf-8")
    assert looks_like(text)
    detected = parsers.detect(text)
    assert detected is not None and detected[0] is Platform.ARISTA_EOS
    assert parse(text, conf.name).diagnostics == ()


@pytest.mark.skipif(not OTHER_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", OTHER_FILES, ids=[f"{c.parent.name}/{c.name}" for c in OTHER_FILES])
def test_does_not_claim_other_platforms(conf: Path) -> None:
    assert not looks_like(conf.read_text(encoding="utf-8", errors="replace"))


# --- direct semantic checks ----------------------------------------------------------------


def _permits(text: str, acl: str, packet: Packet) -> bool:
    ruleset = parse(text, "t.cfg").model.ruleset(acl)
    assert ruleset is not None
    space = FlowSpace.build(
        protocols=[(packet.protocol, packet.protocol)],
        src=[(packet.src, 0xFFFFFFFF)],
        dst=[(packet.dst, 0xFFFFFFFF)],
        sport=[(packet.sport, packet.sport)],
        dport=[(packet.dport, packet.dport)],
        state=[(packet.state, packet.state)],
    )
    result = walk(ruleset, space)
    assert result.lower.same_as(result.upper)
    return not result.lower.is_empty()


GRAMMAR = (HERE / "acl_grammar.conf").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("packet", "expected"),
    [
        (Packet(TCP, ip("10.1.9.9"), ip("17.1.2.3"), 40000, 80, STATE_NEW), True),  # www
        (Packet(TCP, ip("10.1.9.9"), ip("17.1.2.3"), 40000, 443, STATE_NEW), True),  # https
        (Packet(TCP, ip("10.1.9.9"), ip("17.1.2.3"), 40000, 5223, STATE_NEW), True),
        (Packet(TCP, ip("10.1.9.9"), ip("17.1.2.4"), 40000, 443, STATE_NEW), False),  # not the host
        (Packet(TCP, ip("10.2.9.9"), ip("17.1.2.3"), 40000, 443, STATE_NEW), False),  # not /16
        (Packet(UDP, ip("10.1.200.1"), ip("17.9.9.9"), 40000, 3497, STATE_NEW), True),  # wildcard
        (Packet(UDP, ip("10.1.200.1"), ip("17.9.9.9"), 1000, 3498, STATE_NEW), False),  # sport <= 1023
        (Packet(UDP, ip("10.9.0.1"), ip("17.9.9.9"), 53, 3478, STATE_NEW), False),  # sport 53 deny
        (Packet(UDP, ip("10.9.0.1"), ip("17.9.9.9"), 1024, 16387, STATE_NEW), True),  # gt/lt
        (Packet(UDP, ip("10.9.0.1"), ip("17.9.9.9"), 1023, 16387, STATE_NEW), False),  # gt 1023
        (Packet(UDP, ip("10.9.0.1"), ip("17.9.9.9"), 1024, 16388, STATE_NEW), False),  # lt 16388
        (Packet(TCP, ip("10.9.0.1"), ip("17.9.9.9"), 1024, 5223, STATE_NEW), False),  # SYN
        (Packet(TCP, ip("10.9.0.1"), ip("17.9.9.9"), 1024, 5223, STATE_ESTABLISHED), True),
    ],
)
def test_extended_entry_semantics(packet: Packet, expected: bool) -> None:
    assert _permits(GRAMMAR, "EXT", packet) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [("10.1.1.1", True), ("10.1.1.2", False), ("10.2.0.1", True), ("11.0.0.1", False)],
)
def test_standard_entry_matches_source_only(source: str, expected: bool) -> None:
    packet = Packet(UDP, ip(source), ip("17.0.0.1"), 1, 3478, STATE_NEW)
    assert _permits(GRAMMAR, "STD", packet) is expected


def test_sequence_numbers_order_entries_and_no_deletes() -> None:
    text = (HERE / "replay_and_sequence.conf").read_text(encoding="utf-8")
    model = parse(text, "r.cfg").model
    assert model.ruleset("OLD") is None  # `no ip access-list` after the definition
    seq = model.ruleset("SEQ")
    assert seq is not None
    assert [rule.source.line for rule in seq.rules] == [7, 8, 9]  # 10, 20, then 40; 30 deleted
    assert _permits(text, "SEQ", Packet(TCP, ip("10.0.0.1"), ip("17.0.0.1"), 1, 5223, STATE_NEW)) is False
    assert _permits(text, "SEQ", Packet(UDP, ip("10.0.0.1"), ip("17.0.0.1"), 1, 3478, STATE_NEW)) is True
    assert _permits(text, "SEQ", Packet(TCP, ip("10.0.0.1"), ip("17.0.0.1"), 1, 443, STATE_NEW)) is False


def test_opaque_entries_keep_their_action_and_a_bound() -> None:
    result = parse((HERE / "opaque_entries.conf").read_text(encoding="utf-8"), "o.cfg")
    odd = result.model.ruleset("ODD")
    assert odd is not None
    by_line = {rule.source.line: rule for rule in odd.rules}
    ttl = by_line[5]
    assert ttl.match is None and ttl.action is Action.PERMIT
    assert ttl.bound is not None and ttl.bound.same_as(FlowSpace.everything())
    assert by_line[8].match is None and by_line[8].bound is None  # unknown port name: no bound
    assert by_line[9].match is None  # `https` is TCP only: not a UDP port name
    diagnosed = {d.source.line: d.kind for d in result.diagnostics}
    assert diagnosed[5] is DiagnosticKind.UNSUPPORTED
    assert diagnosed[8] is DiagnosticKind.UNRECOGNIZED
    assert set(diagnosed) == {5, 6, 7, 8, 9, 10, 11}


def test_routed_and_switched_interfaces() -> None:
    model = parse((HERE / "interfaces_and_bindings.conf").read_text(encoding="utf-8"), "e.cfg").model
    names = {iface.name for iface in model.interfaces}
    # Switched ports and the management port in its VRF are not routed default-VRF interfaces.
    assert names == {"Ethernet1", "Port-Channel5", "Loopback0", "Vlan10", "Vlan20"}
    vlan10 = model.interface("Vlan10")
    assert vlan10 is not None and vlan10.addresses == ("10.1.10.1/24", "10.1.11.1/24")
    vlan20 = model.interface("Vlan20")
    assert vlan20 is not None and vlan20.addresses == ("10.1.20.1/24",)  # virtual (anycast) address
    assert {(b.ruleset, b.interface, b.direction) for b in model.bindings} == {
        ("WAN-OUT", "Ethernet1", Direction.OUT),
        ("LAN-IN", "Port-Channel5", Direction.IN),
        ("LAN-IN", "Vlan10", Direction.IN),
    }
    assert [(r.prefix, r.interface, r.next_hop) for r in model.routes] == [
        ("0.0.0.0/0", None, "203.0.113.1"),
        ("10.9.0.0/16", "Vlan10", "10.1.10.254"),
    ]
    assert model.limitations == ()


def test_limitations_name_what_is_not_modelled() -> None:
    result = parse((HERE / "limitations.conf").read_text(encoding="utf-8"), "l.cfg")
    model = result.model
    assert [
        (m.inside_address, m.outside_address, m.protocols, m.inside_ports) for m in model.port_mappings
    ] == [("10.1.10.50", "203.0.113.10", None, None)]
    affects = {lim.sources[0].line: lim.affects for lim in model.limitations}
    assert affects[10] == frozenset({"port-mapping"})  # destination static
    assert affects[9] == frozenset({"flow"})  # source NAT (static and dynamic) with an outbound ACL
    assert [lim.sources for lim in model.limitations if lim.sources[0].line == 9][0][1].line == 11
    assert affects[16] == frozenset({"flow"})  # ACL on a switched port
    assert affects[17] == frozenset({"flow"})  # MAC ACL
    assert affects[21] == frozenset({"flow"})  # Ethernet4 in VRF CUST
    assert affects[23] == frozenset({"flow"})  # traffic-policy
    assert affects[39] == frozenset({"flow", "port-mapping"})  # ip nat profile
    unrecognized = [d.source.line for d in result.diagnostics if d.kind is DiagnosticKind.UNRECOGNIZED]
    assert unrecognized == [43, 45]
    unsupported = [d.source.line for d in result.diagnostics if d.kind is DiagnosticKind.UNSUPPORTED]
    assert unsupported == [24, 28, 41]


# --- generated ACLs against a per-packet oracle --------------------------------------------


@dataclass(frozen=True)
class Address:
    value: int
    wildcard: int
    form: str  # any, host, prefix or wildcard

    def text(self, base: int) -> str:
        if self.form == "any":
            return "any"
        if self.form == "host":
            return f"host {ipaddress.IPv4Address(base + self.value)}"
        network = ipaddress.IPv4Address(base + (self.value & ~self.wildcard))
        if self.form == "prefix":
            return f"{network}/{32 - self.wildcard.bit_length()}"
        return f"{network} 0.0.0.{self.wildcard}"

    def matches(self, address: int, base: int) -> bool:
        if self.form == "any":
            return True
        wildcard = 0 if self.form == "host" else self.wildcard
        care = ~wildcard & 0xFFFFFFFF
        return (address & care) == ((base + self.value) & care)


def addresses(bits: int) -> st.SearchStrategy[Address]:
    top = (1 << bits) - 1
    prefix_wildcards = [(1 << n) - 1 for n in range(bits + 1)]  # contiguous: 0, 1, 3, 7
    return st.one_of(
        st.just(Address(0, 0, "any")),
        st.builds(Address, st.integers(0, top), st.just(0), st.just("host")),
        st.builds(Address, st.integers(0, top), st.sampled_from(prefix_wildcards), st.just("prefix")),
        st.builds(Address, st.integers(0, top), st.integers(0, top), st.just("wildcard")),
    )


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


sport_ops = st.sampled_from([None, PortOp("gt", (0,)), PortOp("lt", (1,)), PortOp("range", (1, 65535))])


@st.composite
def dport_ops(draw: st.DrawFn) -> PortOp | None:
    op = draw(st.sampled_from(["none", "eq", "neq", "lt", "gt", "range"]))
    if op == "none":
        return None
    if op in ("eq", "neq"):
        return PortOp(op, tuple(sorted(set(draw(st.lists(st.integers(0, 6), min_size=1, max_size=3))))))
    if op == "range":
        a, b = sorted((draw(st.integers(0, 6)), draw(st.integers(0, 6))))
        return PortOp("range", (a, b))
    return PortOp(op, (draw(st.integers(1, 6)),))


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


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_generated_acl_equals_oracle(acl: list[Entry], rng: object) -> None:
    # Entries carry sequence numbers 10, 20, ... in evaluation order but are written to the
    # file shuffled: EOS evaluates by sequence number, not by the order lines appear.
    numbered = [(10 * (i + 1), e) for i, e in enumerate(acl)]
    shuffled = list(numbered)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    body = "\n".join(f"   {seq} {entry.text()}" for seq, entry in shuffled)
    text = f"ip access-list GEN\n   counters per-entry\n{body}\n"
    result = parse(text, "generated.cfg")
    assert not result.diagnostics, (text, result.diagnostics)
    ruleset = result.model.ruleset("GEN")
    assert ruleset is not None
    permitted = members(walk(ruleset, UNIVERSE_SPACE).lower)
    expected = set()
    for packet in universe():
        hit = next((e for e in acl if e.matches(packet)), None)
        if hit is not None and hit.action == "permit":
            expected.add(packet)
    assert permitted == expected, text
