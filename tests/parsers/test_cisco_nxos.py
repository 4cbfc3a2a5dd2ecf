"""Tests for the cisco_nxos parser: goldens per feature and per corpus file, direct semantic
checks, line accounting, detection, and a Hypothesis test against a brute-force oracle."""

from __future__ import annotations

import dataclasses
import ipaddress
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import STATE_NEW, TCP, UDP, FlowSpace, Packet
from auditor.model import Action, DiagnosticKind, Direction, Platform, Provenance, Role
from auditor.parsers.cisco_nxos import looks_like, parse, parse_with_dispositions
from tests import golden
from tests.universe import DST_BASE, SRC_BASE, UNIVERSE_SPACE, members, universe

HERE = Path(__file__).parent / "cisco_nxos"
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "corpus"
CORPUS = SHARED / "cisco_nxos"
CASES = sorted(HERE.glob("*.conf"))
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
VERDICT_FILES = sorted((REPO / "tests" / "verdicts" / "cisco_nxos").glob("*.cfg"))
OTHER_FILES = (
    sorted(p for p in SHARED.glob("*/*") if p.parent.name != "cisco_nxos" and p.is_file())
    if SHARED.is_dir()
    else []
)


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


ALL_FILES = CASES + CORPUS_FILES + VERDICT_FILES


@pytest.mark.parametrize("conf", ALL_FILES, ids=[c.name for c in ALL_FILES])
def test_every_line_is_accounted_for(conf: Path) -> None:
    text = conf.read_text(encoding="utf-8")
    result, dispositions = parse_with_dispositions(text, conf.name)
    assert result.line_count == len(text.split("\n")) - (1 if text.endswith("\n") else 0)
    assert set(dispositions) == set(range(1, result.line_count + 1))
    assert result.model.platform is Platform.CISCO_NXOS
    diagnosed = {d.source.line for d in result.diagnostics}
    assert diagnosed <= {n for n, d in dispositions.items() if d == "diagnosed"}


@pytest.mark.parametrize("conf", ALL_FILES, ids=[c.name for c in ALL_FILES])
def test_detects_nxos(conf: Path) -> None:
    assert looks_like(conf.read_text(encoding="utf-8"))


@pytest.mark.skipif(not OTHER_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", OTHER_FILES, ids=[f"{c.parent.name}/{c.name}" for c in OTHER_FILES])
def test_does_not_claim_other_platforms(conf: Path) -> None:
    assert not looks_like(conf.read_text(encoding="utf-8", errors="replace"))


# --- direct semantic checks ----------------------------------------------------------------


def _case(name: str) -> tuple[object, ...]:
    result = parse((HERE / name).read_text(encoding="utf-8"), name)
    return result.model, result.diagnostics  # type: ignore[return-value]


def _pkt(proto: int, src: str, dst: str, dport: int, sport: int = 40000) -> FlowSpace:
    s, d = int(ipaddress.IPv4Address(src)), int(ipaddress.IPv4Address(dst))
    return FlowSpace.build(
        protocols=[(proto, proto)],
        src=[(s, 0xFFFFFFFF)],
        dst=[(d, 0xFFFFFFFF)],
        sport=[(sport, sport)],
        dport=[(dport, dport)],
        state=[(STATE_NEW, STATE_NEW)],
    )


def _grammar() -> dict[str, object]:
    result = parse((HERE / "acl_grammar.conf").read_text(encoding="utf-8"), "acl_grammar.conf")
    return {r.name: r for r in result.model.rulesets} | {"_diag": result.diagnostics}


def test_entries_follow_sequence_numbers_and_remarks_take_numbers() -> None:
    order = _grammar()["ORDER"]
    # 10 deny 1, 13 deny 4, 15 deny 2, 25 deny 3, (35 remark), 45 permit ip.
    rules = order.rules  # type: ignore[attr-defined]
    for rule, proto in zip(rules[:4], (1, 4, 2, 3), strict=True):
        assert rule.action is Action.DENY
        assert rule.match.same_as(FlowSpace.build(protocols=[(proto, proto)]))
    assert rules[4].action is Action.PERMIT and rules[4].match.same_as(FlowSpace.everything())
    assert [r.source.line for r in order.rules] == [19, 22, 20, 21, 25]  # type: ignore[attr-defined]


def test_prefix_wildcard_host_and_groups() -> None:
    acl = _grammar()["GRAMMAR"]
    rules = acl.rules  # type: ignore[attr-defined]
    assert rules[0].match.intersects(_pkt(TCP, "10.1.200.1", "17.5.5.5", 80))
    assert not rules[0].match.intersects(_pkt(TCP, "10.2.0.1", "17.5.5.5", 80))
    assert rules[1].match.intersects(_pkt(TCP, "10.2.0.5", "17.0.0.1", 443))
    media = rules[2].match
    for port in (16384, 16387, 3478, 65001, 8):
        assert media.intersects(_pkt(UDP, "10.3.9.9", "17.1.1.1", port)), port
    assert media.intersects(_pkt(UDP, "10.3.9.9", "17.1.1.1", 3479))  # `neq 7` covers 3479
    assert not media.intersects(_pkt(UDP, "10.4.0.1", "17.1.1.1", 3478))  # source not in INSIDE
    # `10.1.2.3/16`: host bits ignored, the /16 network matches.
    assert rules[9].match.intersects(_pkt(TCP, "10.1.99.1", "17.1.1.1", 5223))


def test_port_group_without_neq_is_exact() -> None:
    text = (
        "object-group ip port P\n  eq 3478\n  range 16384 16387\n"
        "ip access-list A\n  10 permit udp any any portgroup P\n"
    )
    rule = parse(text, "t").model.ruleset("A").rules[0]  # type: ignore[union-attr]
    assert rule.match.intersects(_pkt(UDP, "10.0.0.1", "17.0.0.1", 3478))
    assert not rule.match.intersects(_pkt(UDP, "10.0.0.1", "17.0.0.1", 3479))
    assert not rule.match.intersects(_pkt(TCP, "10.0.0.1", "17.0.0.1", 3478))


def test_established_and_fragments_never_match_a_new_connection() -> None:
    rules = _grammar()["GRAMMAR"].rules  # type: ignore[attr-defined]
    assert not rules[5].match.intersects(_pkt(TCP, "10.0.0.1", "17.0.0.1", 443))
    assert rules[6].match.is_empty()


def test_inexact_entries_are_opaque_with_bounds_where_only_a_narrowing_option_is_unknown() -> None:
    grammar = _grammar()
    rules = grammar["INEXACT"].rules  # type: ignore[attr-defined]
    assert all(r.match is None for r in rules)
    dscp, icmp, https, eq_list, missing, broken, numeric, nope, length = rules
    assert dscp.bound is not None and dscp.bound.intersects(_pkt(UDP, "10.0.0.1", "17.0.0.1", 3478))
    assert icmp.bound is not None
    assert length.bound is not None
    assert https.bound is None and eq_list.bound is None and numeric.bound is None
    reasons = {d.source.line: d.reason for d in grammar["_diag"]}  # type: ignore[attr-defined]
    assert "'https'" in reasons[41] and "NX-OS port name" in reasons[41]
    assert "unexpected token '443'" in reasons[42]  # one port after eq on NX-OS
    assert "not defined" in reasons[43]
    assert "members not understood" in reasons[44]
    assert "given as a number" in reasons[45]
    kinds = {d.source.line: d.kind for d in grammar["_diag"]}  # type: ignore[attr-defined]
    assert kinds[39] is DiagnosticKind.UNSUPPORTED and kinds[41] is DiagnosticKind.UNRECOGNIZED


def test_interfaces_bindings_and_limitations() -> None:
    result = parse((HERE / "interfaces.conf").read_text(encoding="utf-8"), "interfaces.conf")
    model = result.model
    by_name = {i.name: i for i in model.interfaces}
    assert by_name["Vlan20"].addresses == ("10.20.0.1/24", "10.21.0.1/24")
    assert by_name["port-channel10"].addresses == ("192.0.2.1/30",)
    assert by_name["mgmt0"].loopback and by_name["loopback0"].loopback
    assert by_name["Ethernet1/4"].shutdown
    assert {(b.ruleset, b.interface, b.direction) for b in model.bindings} == {
        ("IN-ACL", "Vlan20", Direction.IN),
        ("OUT-ACL", "port-channel10", Direction.OUT),
    }
    reasons = " | ".join(lim.reason for lim in model.limitations)
    assert "port ACL PACL on switched port Ethernet1/2" in reasons
    assert "Ethernet1/3 routes in VRF TENANT-A" in reasons
    assert "management" not in reasons
    routes = {(r.prefix, r.interface, r.next_hop) for r in model.routes}
    assert routes == {
        ("0.0.0.0/0", None, "192.0.2.2"),
        ("10.30.0.0/16", "Vlan20", "10.20.0.9"),
        ("10.40.0.0/16", None, "10.20.0.10"),
    }
    unsupported = {d.source.text.strip() for d in result.diagnostics if d.kind is DiagnosticKind.UNSUPPORTED}
    assert unsupported == {"ip policy route-map PBR", "service-policy type qos input MARK"}


def test_nat_mappings_limitation_and_assumed_absent_algs() -> None:
    result = parse((HERE / "nat.conf").read_text(encoding="utf-8"), "nat.conf")
    model = result.model
    mappings = {(m.protocols, m.inside_address, m.outside_address, m.inside_ports, m.outside_ports)
                for m in model.port_mappings}  # fmt: skip
    assert mappings == {
        ((TCP,), "10.0.10.5", "203.0.113.2", ((443, 443),), ((8443, 8443),)),
        (None, "10.0.10.6", "203.0.113.9", None, None),
        ((UDP,), "10.0.10.7", "203.0.113.2", ((3478, 3478),), ((3478, 3478),)),
    }
    affects = {lim.affects for lim in model.limitations}
    assert frozenset({"port-mapping", "flow"}) in affects  # the `sip` port name is not read
    assert any("outbound ACL" in lim.reason for lim in model.limitations)
    assert {f.kind for f in model.features} == {"sip", "h323", "rtsp", "sccp", "mgcp"}
    assert all(not f.enabled and f.provenance is Provenance.DEFAULT for f in model.features)
    roles = {i.name: i.role for i in model.interfaces}
    assert roles == {"Ethernet1/1": Role.OUTSIDE, "Vlan10": Role.INSIDE}


def test_source_nat_without_an_outbound_acl_is_not_a_limitation() -> None:
    text = (
        "feature nat\ninterface Vlan10\n  ip address 10.0.0.1/24\n  ip nat inside\n"
        "ip nat inside source list L interface Ethernet1/1 overload\n"
    )
    result, dispositions = parse_with_dispositions(text, "t")
    assert result.model.limitations == ()
    assert dispositions[5] == "ignored"


def test_vacl_is_a_flow_limitation_and_unknown_lines_are_reported() -> None:
    result = parse((HERE / "ignored_and_unknown.conf").read_text(encoding="utf-8"), "x")
    assert [lim.reason.split(":")[0] for lim in result.model.limitations] == [
        "VLAN access map (VACL)",
        "VLAN access map (VACL) applied to VLANs",
    ]
    unrecognized = [
        d.source.text.strip() for d in result.diagnostics if d.kind is DiagnosticKind.UNRECOGNIZED
    ]
    assert unrecognized == ["no frobnicate this", "frobnicate that"]  # the child is covered, not listed
    assert result.model.ruleset("GONE") is not None


# --- oracle --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    value: int
    wildcard: int
    is_any: bool = False
    as_group: bool = False

    def text(self, base: int) -> str:
        if self.is_any:
            return "any"
        address = ipaddress.IPv4Address(base + (self.value & ~self.wildcard))
        if self.wildcard == 0:
            return f"host {address}"
        if (self.wildcard + 1) & self.wildcard == 0:  # contiguous: prefix notation
            return f"{address}/{32 - self.wildcard.bit_length()}"
        return f"{address} 0.0.0.{self.wildcard}"

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
            return port == self.ports[0]
        if self.op == "neq":
            return port != self.ports[0]
        if self.op == "lt":
            return port < self.ports[0]
        if self.op == "gt":
            return port > self.ports[0]
        return self.ports[0] <= port <= self.ports[1]


@dataclass(frozen=True)
class Entry:
    seq: int
    action: str
    protocol: str
    src: Address
    sport: PortOp | None
    dst: Address
    dport: tuple[PortOp, ...]  # one op, or several through a port group
    established: bool

    def text(self, group: str | None, src: str, dst: str) -> str:
        parts = [self.action, self.protocol, src]
        if self.sport:
            parts.append(self.sport.text())
        parts.append(dst)
        if group is not None:
            parts.append(f"portgroup {group}")
        elif self.dport:
            parts.append(self.dport[0].text())
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
        if self.dport and not any(op.matches(p.dport) for op in self.dport):
            return False
        return not (self.established and p.state == STATE_NEW)


def addresses(bits: int) -> st.SearchStrategy[Address]:
    top = (1 << bits) - 1
    return st.one_of(
        st.just(Address(0, 0, is_any=True)),
        st.builds(Address, st.integers(0, top), st.integers(0, top), st.just(False), st.booleans()),
    )


sport_ops = st.sampled_from([None, PortOp("gt", (0,)), PortOp("lt", (1,)), PortOp("range", (1, 65535))])


@st.composite
def port_op(draw: st.DrawFn) -> PortOp:
    op = draw(st.sampled_from(["eq", "neq", "lt", "gt", "range"]))
    if op == "range":
        a, b = sorted((draw(st.integers(0, 6)), draw(st.integers(0, 6))))
        return PortOp("range", (a, b))
    if op in ("lt", "gt"):
        return PortOp(op, (draw(st.integers(1, 6)),))
    return PortOp(op, (draw(st.integers(0, 6)),))


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    protocol = draw(st.sampled_from(["tcp", "udp", "ip"]))
    ported = protocol != "ip"
    dport: tuple[PortOp, ...] = ()
    if ported and draw(st.booleans()):
        dport = tuple(draw(st.lists(port_op(), min_size=1, max_size=3)))
    return Entry(
        0,
        draw(st.sampled_from(["permit", "deny"])),
        protocol,
        draw(addresses(3)),
        draw(sport_ops) if ported else None,
        draw(addresses(2)),
        dport,
        protocol == "tcp" and draw(st.booleans()),
    )


def render(acl: list[Entry], shuffle_seed: int) -> str:
    """Render with port groups where an entry has several ports, address groups where drawn,
    and the entries in a shuffled file order (their sequence numbers give the order)."""
    groups: list[str] = []
    lines: list[str] = []

    def address(addr: Address, base: int, name: str) -> str:
        if not addr.as_group:
            return addr.text(base)
        groups.append(f"object-group ip address {name}\n  10 {addr.text(base)}")
        return f"addrgroup {name}"

    for index, entry in enumerate(acl):
        group = None
        if len(entry.dport) > 1:
            group = f"PG{index}"
            body = "\n".join(f"  {op.text()}" for op in entry.dport)
            groups.append(f"object-group ip port {group}\n{body}")
        src = address(entry.src, SRC_BASE, f"SRC{index}")
        dst = address(entry.dst, DST_BASE, f"DST{index}")
        lines.append(f"  {entry.seq} {entry.text(group, src, dst)}")
    random.Random(shuffle_seed).shuffle(lines)
    return "\n".join(groups) + "\nip access-list GEN\n" + "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(st.lists(entries(), min_size=1, max_size=8), st.integers(0, 1000), st.randoms(use_true_random=False))
def test_parsed_acl_equals_oracle(drawn: list[Entry], seed: int, rnd: random.Random) -> None:
    seqs = sorted(rnd.sample(range(1, 500), len(drawn)))
    acl = [dataclasses.replace(entry, seq=seq) for seq, entry in zip(seqs, drawn, strict=True)]
    text = render(acl, seed)
    result = parse(text, "generated.cfg")
    assert not result.diagnostics, (text, result.diagnostics)
    ruleset = result.model.ruleset("GEN")
    assert ruleset is not None
    permitted = members(walk(ruleset, UNIVERSE_SPACE).lower)
    expected = set()
    for packet in universe():
        hit = next((e for e in acl if e.matches(packet)), None)  # acl is in sequence order
        if hit is not None and hit.action == "permit":
            expected.add(packet)
    assert permitted == expected, text
