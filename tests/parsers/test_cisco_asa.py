"""Tests for the cisco_asa parser: goldens per feature and per corpus file, direct semantic
checks, line accounting, detection, and a Hypothesis test against a brute-force oracle."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import STATE_NEW, TCP, UDP, Packet
from auditor.model import Action, DiagnosticKind, Direction, Platform, Provenance, Role, Source
from auditor.parsers.cisco_asa import acl as asa_acl
from auditor.parsers.cisco_asa import lines as asa_lines
from auditor.parsers.cisco_asa import looks_like, parse, parse_with_dispositions
from auditor.parsers.cisco_asa.objects import ObjectError, Tables, is_ipv4
from tests import golden
from tests.universe import DST_BASE, SRC_BASE, UNIVERSE_SPACE, members, universe

HERE = Path(__file__).parent / "cisco_asa"
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "cisco_asa"
IOS_CORPUS = REPO.parent / "shared" / "corpus" / "cisco_ios"
CASES = sorted(HERE.glob("*.conf"))
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
IOS_FILES = sorted(IOS_CORPUS.glob("*")) if IOS_CORPUS.is_dir() else []


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
    assert result.model.platform is Platform.CISCO_ASA
    assert result.model.egress_sees_translated is False


@pytest.mark.parametrize("conf", CASES + CORPUS_FILES, ids=[c.name for c in CASES + CORPUS_FILES])
def test_detects_asa(conf: Path) -> None:
    assert looks_like(conf.read_text(encoding="utf-8"))


@pytest.mark.skipif(not IOS_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", IOS_FILES, ids=[c.name for c in IOS_FILES])
def test_does_not_claim_ios(conf: Path) -> None:
    assert not looks_like(conf.read_text(encoding="utf-8"))


# --- helpers -----------------------------------------------------------------------------

HEAD = """ASA Version 9.8(2)
interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 203.0.113.2 255.255.255.252
interface GigabitEthernet0/1
 nameif inside
 security-level 100
 ip address 10.1.1.1 255.255.255.0
"""


def _model(text: str):  # type: ignore[no-untyped-def]
    return parse(HEAD + text, "t.cfg").model


def _rule(entry: str, prefix: str = "", index: int = 0):  # type: ignore[no-untyped-def]
    ruleset = _model(f"{prefix}access-list T extended {entry}\n").ruleset("T")
    assert ruleset is not None
    return ruleset.rules[index]


def P(proto: int, src: str, dst: str, sport: int, dport: int) -> Packet:  # noqa: N802
    return Packet(proto, ip(src), ip(dst), sport, dport, STATE_NEW)


# --- ACL semantics -----------------------------------------------------------------------


def test_netmask_not_wildcard() -> None:
    rule = _rule("deny udp 10.1.1.0 255.255.255.0 17.0.0.0 255.0.0.0 range 16384 16387")
    assert P(UDP, "10.1.1.9", "17.2.3.4", 9, 16384) in rule.match
    assert P(UDP, "10.1.2.9", "17.2.3.4", 9, 16384) not in rule.match
    assert P(UDP, "10.1.1.9", "17.2.3.4", 9, 16388) not in rule.match


def test_named_ports_and_source_port_position() -> None:
    www = _rule("permit tcp any any eq www")
    assert P(TCP, "10.1.1.1", "17.1.1.1", 9, 80) in www.match
    https = _rule("permit tcp any any eq https")
    assert P(TCP, "10.1.1.1", "17.1.1.1", 9, 443) in https.match
    src = _rule("permit tcp any eq 80 any")
    assert P(TCP, "10.1.1.1", "17.1.1.1", 80, 9) in src.match
    assert P(TCP, "10.1.1.1", "17.1.1.1", 9, 80) not in src.match


def test_any6_matches_no_ipv4_and_inactive_matches_nothing() -> None:
    assert _rule("deny ip any any6").match.is_empty()
    assert _rule("deny ip any any inactive").match.is_empty()


def test_time_range_is_opaque_with_bound() -> None:
    result = parse(HEAD + "access-list T extended permit udp any any eq 3478 time-range WORK\n", "t")
    rule = result.model.ruleset("T").rules[0]
    assert rule.match is None and rule.bound is not None
    assert P(UDP, "10.1.1.1", "17.1.1.1", 9, 3478) in rule.bound
    assert P(UDP, "10.1.1.1", "17.1.1.1", 9, 3479) not in rule.bound
    (diag,) = result.diagnostics
    assert diag.kind is DiagnosticKind.UNSUPPORTED and diag.security_relevant


def test_service_object_group_with_ranges_and_nesting() -> None:
    prefix = (
        "object service PUSH\n service tcp destination eq 5223\n"
        "object-group service MEDIA\n service-object udp destination range 16384 16387\n"
        " service-object object PUSH\n"
        "object-group service ALL\n group-object MEDIA\n service-object tcp eq https\n"
    )
    rule = _rule("permit object-group ALL any any", prefix)
    assert P(UDP, "10.1.1.1", "17.1.1.1", 9, 16387) in rule.match
    assert P(TCP, "10.1.1.1", "17.1.1.1", 9, 5223) in rule.match
    assert P(TCP, "10.1.1.1", "17.1.1.1", 9, 443) in rule.match
    assert P(UDP, "10.1.1.1", "17.1.1.1", 9, 443) not in rule.match


def test_group_loop_is_reported() -> None:
    prefix = "object-group network A\n group-object B\nobject-group network B\n group-object A\n"
    result = parse(HEAD + prefix + "access-list T extended permit ip object-group A any\n", "t")
    assert result.model.ruleset("T").rules[0].match is None
    assert any("loop" in d.reason for d in result.diagnostics)


def test_interface_address_operand_and_names() -> None:
    rule = _rule("deny tcp any interface outside eq ssh")
    assert P(TCP, "10.1.1.1", "203.0.113.2", 9, 22) in rule.match
    aliased = _rule("permit ip host LAPTOP any", "names\nname 10.1.1.50 LAPTOP\n")
    assert P(TCP, "10.1.1.50", "17.1.1.1", 9, 22) in aliased.match


def test_line_inserts_at_position() -> None:
    model = _model(
        "access-list T extended permit ip any any\naccess-list T line 1 extended deny ip any any\n"
    )
    assert [r.action for r in model.ruleset("T").rules] == [Action.DENY, Action.PERMIT]


# --- bindings, roles, NAT, inspection ----------------------------------------------------


def test_roles_from_security_levels() -> None:
    model = parse((HERE / "interfaces_levels.conf").read_text(), "x").model
    roles = {i.name: (i.role, i.loopback) for i in model.interfaces}
    assert roles == {
        "outside": (Role.OUTSIDE, False),
        "inside": (Role.INSIDE, False),
        "dmz": (Role.INSIDE, False),
        "management": (Role.INSIDE, True),
    }
    assert model.interface("inside").role_reason == "security-level 100 (line 9)"


def test_security_level_pairs_without_acl() -> None:
    model = parse((HERE / "interfaces_levels.conf").read_text(), "x").model
    pairs = {(b.interface, b.peer): model.ruleset(b.ruleset).default_action for b in model.bindings}
    assert pairs[("inside", "outside")] is Action.PERMIT
    assert pairs[("outside", "inside")] is Action.DENY
    assert pairs[("dmz", "outside")] is Action.PERMIT
    assert pairs[("dmz", "inside")] is Action.DENY
    assert all(b.direction is Direction.IN for b in model.bindings)


def test_interface_then_global_acl_combined() -> None:
    model = parse((HERE / "global_and_out.conf").read_text(), "x").model
    inside = [b for b in model.bindings if b.interface == "inside" and b.peer is None]
    assert [b.ruleset for b in inside] == ["inside_acl + global_acl".replace("inside_acl", "inside_in")]
    combined = model.ruleset("inside_in + global_acl")
    assert [r.action for r in combined.rules] == [Action.PERMIT, Action.DENY]
    assert [
        b.ruleset for b in model.bindings if b.interface == "outside" and b.direction is Direction.OUT
    ] == ["outside_out"]
    # equal levels stay denied with an ACL unless same-security-traffic is configured
    same = [b for b in model.bindings if b.interface == "inside" and b.peer == "guest"]
    assert same and model.ruleset(same[0].ruleset).default_action is Action.DENY


def test_static_nat_port_mappings() -> None:
    model = parse((HERE / "nat_static.conf").read_text(), "x").model
    udp = model.port_mappings[0]
    assert udp.protocols == (UDP,) and udp.inside_ports == ((3478, 3478),)
    assert model.port_mappings[1].protocols is None  # full static
    assert any(
        m.outside_ports == ((8443, 8443),) and m.inside_ports == ((443, 443),) for m in model.port_mappings
    )
    assert model.limitations and "MISSING" in model.limitations[0].reason


def test_inspection_features() -> None:
    model = parse((HERE / "inspect_default.conf").read_text(), "x").model
    by_kind = {(f.kind, f.enabled) for f in model.features}
    assert ("sip", False) in by_kind and ("sip", True) not in by_kind
    assert {("h323", True), ("rtsp", True), ("sccp", True), ("mgcp", True)} <= by_kind
    assert all(f.provenance is Provenance.EXPLICIT for f in model.features)
    assert all("global_policy" in f.detail for f in model.features)


# --- Hypothesis: generated extended entries against a per-packet oracle -------------------


@dataclass(frozen=True)
class Addr:
    kind: str  # any, host, mask, group
    value: int
    prefix: int  # mask length within the universe's low bits

    def text(self, base: int, bits: int, name: str) -> str:
        if self.kind == "any":
            return "any"
        if self.kind == "group":
            return f"object-group {name}"
        address = ipaddress.IPv4Address(base + self.value)
        if self.kind == "host":
            return f"host {address}"
        mask = ipaddress.IPv4Address((0xFFFFFFFF << (bits - self.prefix)) & 0xFFFFFFFF)
        network = ipaddress.IPv4Address(int(address) & int(mask))
        return f"{network} {mask}"

    def matches(self, address: int, base: int, bits: int) -> bool:
        if self.kind == "any":
            return True
        if self.kind in ("host", "group"):
            return address == base + self.value
        shift = bits - self.prefix
        return (address - base) >> shift == self.value >> shift


@dataclass(frozen=True)
class Ports:
    op: str
    a: int
    b: int = 0

    def text(self, protocol: str) -> str:
        # ASA literals: www is TCP and UDP 80, https is TCP 443 only (no UDP literal)
        names = {80: "www", 443: "https"} if protocol == "tcp" else {80: "www"}
        value = names.get(self.a, str(self.a))
        return f"range {self.a} {self.b}" if self.op == "range" else f"{self.op} {value}"

    def matches(self, port: int) -> bool:
        return {
            "eq": port == self.a,
            "neq": port != self.a,
            "lt": port < self.a,
            "gt": port > self.a,
            "range": self.a <= port <= self.b,
        }[self.op]


@dataclass(frozen=True)
class Entry:
    action: str
    protocol: str
    src: Addr
    dst: Addr
    dport: Ports | None

    def matches(self, p: Packet) -> bool:
        proto = {"tcp": TCP, "udp": UDP}.get(self.protocol)
        if proto is not None and p.protocol != proto:
            return False
        if not (self.src.matches(p.src, SRC_BASE, 3) and self.dst.matches(p.dst, DST_BASE, 2)):
            return False
        return self.dport is None or self.dport.matches(p.dport)


def _addr(bits: int) -> st.SearchStrategy[Addr]:
    return st.builds(
        Addr,
        st.sampled_from(["any", "host", "mask", "group"]),
        st.integers(0, (1 << bits) - 1),
        st.integers(0, bits),
    )


@st.composite
def _ports(draw: st.DrawFn) -> Ports | None:
    op = draw(st.sampled_from(["none", "eq", "neq", "lt", "gt", "range"]))
    if op == "none":
        return None
    if op == "range":
        a, b = sorted((draw(_PORT_VALUES), draw(_PORT_VALUES)))
        return Ports("range", a, b)
    return Ports(op, max(1, draw(_PORT_VALUES)))


# small ports the universe enumerates, plus the named ones (www=80, https=443) beyond it
_PORT_VALUES = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 80, 443])


@st.composite
def _entries(draw: st.DrawFn) -> Entry:
    protocol = draw(st.sampled_from(["tcp", "udp", "ip"]))
    return Entry(
        draw(st.sampled_from(["permit", "deny"])),
        protocol,
        draw(_addr(3)),
        draw(_addr(2)),
        draw(_ports()) if protocol != "ip" else None,
    )


def _render(acl: list[Entry]) -> str:
    lines = []
    for n, e in enumerate(acl):
        # each group is nested one level: G<n>S holds G<n>S-inner which holds the host
        for side, addr, base in (("S", e.src, SRC_BASE), ("D", e.dst, DST_BASE)):
            if addr.kind == "group":
                host = ipaddress.IPv4Address(base + addr.value)
                lines += [
                    f"object-group network G{n}{side}-inner",
                    f" network-object host {host}",
                    f"object-group network G{n}{side}",
                    f" group-object G{n}{side}-inner",
                ]
    for n, e in enumerate(acl):
        parts = [e.action, e.protocol, e.src.text(SRC_BASE, 3, f"G{n}S"), e.dst.text(DST_BASE, 2, f"G{n}D")]
        if e.dport:
            parts.append(e.dport.text(e.protocol))
        lines.append("access-list GEN extended " + " ".join(parts))
    return "\n".join(lines) + "\n"


@settings(max_examples=120, deadline=None)
@given(st.lists(_entries(), min_size=1, max_size=8))
def test_parsed_acl_equals_oracle(acl: list[Entry]) -> None:
    text = _render(acl)
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


# --- fast paths agree with the general reader --------------------------------------------


_ASA_QUADS = st.sampled_from(
    [
        "10.0.0.0",
        "255.255.255.0",
        "17.0.0.0",
        "255.0.0.0",
        "0.0.0.0",
        "010.1.1.1",
        "256.1.1.1",
        "1.2.3",
        "٣.1.1.1",
        "SERVER",
    ]
)
_ASA_ADDRESSES = st.one_of(
    st.sampled_from(
        [["any"], ["any4"], ["ANY"], ["any6"], ["host"], ["object-group", "G"], ["interface", "inside"]]
    ),
    st.builds(lambda a: ["host", a], _ASA_QUADS),
    st.builds(lambda a, m: [a, m], _ASA_QUADS, _ASA_QUADS),
    st.just(["2001:db8::/32"]),
)
_ASA_PORTS = st.one_of(
    st.just([]),
    st.builds(
        lambda op, ports: [op, *ports],
        st.sampled_from(["eq", "range", "neq", "lt", "gt", "EQ"]),
        st.lists(
            st.sampled_from(["80", "0", "65535", "65536", "www", "https", "domain", "sip", "x"]), max_size=3
        ),
    ),
)


@st.composite
def _asa_tokens(draw: st.DrawFn) -> tuple[str, ...]:
    return tuple(
        [
            draw(st.sampled_from(["permit", "deny"])),
            draw(st.sampled_from(["tcp", "udp", "ip", "icmp", "6", "object-group", "TCP", "esp"])),
        ]
        + draw(_ASA_ADDRESSES)
        + draw(_ASA_PORTS)
        + draw(_ASA_ADDRESSES)
        + draw(_ASA_PORTS)
        + draw(st.lists(st.sampled_from(["log", "inactive", "time-range", "T", "echo"]), max_size=2))
    )


def _asa_outcome(tokens: tuple[str, ...], tables: Tables, lenient: bool, read: object) -> object:
    try:
        return read(tokens, tables, lenient)  # type: ignore[operator]
    except ObjectError as error:
        return ("error", error.reason, error.kind)


@st.composite
def _asa_plain_tokens(draw: st.DrawFn) -> tuple[str, ...]:
    """Entries in the plain form (or one word away from it)."""
    quads = st.sampled_from(["10.0.0.0", "255.255.255.0", "17.0.0.0", "255.0.0.0", "SERVER"])
    address = st.one_of(
        st.sampled_from([["any"], ["any4"], ["any6"]]),
        st.builds(lambda a: ["host", a], quads),
        st.builds(lambda a, m: [a, m], quads, quads),
    )
    port = st.sampled_from(["80", "0", "65535", "www", "https", "domain"])
    ports = st.one_of(
        st.just([]),
        st.builds(lambda op, p: [op, p], st.sampled_from(["eq", "neq", "lt", "gt"]), port),
        st.builds(lambda a, b: ["range", a, b], port, port),
    )
    tokens = [
        draw(st.sampled_from(["permit", "deny"])),
        draw(st.sampled_from(["tcp", "udp", "ip", "6", "icmp"])),
    ]
    tokens += draw(address) + draw(ports) + draw(address) + draw(ports)
    return tuple(tokens + draw(st.lists(st.sampled_from(["log", "echo", "inactive"]), max_size=1)))


@settings(max_examples=200, deadline=None)
@given(st.one_of(_asa_tokens(), _asa_plain_tokens()), st.booleans(), st.booleans())
def test_asa_plain_entry_fast_path_agrees_with_the_general_reader(
    tokens: tuple[str, ...], lenient: bool, aliases: bool
) -> None:
    """The fast path matches the general reader; a `name` alias in the entry sends it there."""
    tables = Tables(names={"SERVER": "10.9.9.9", "10.0.0.0": "10.5.5.5"} if aliases else {})
    plain = asa_acl._plain_extended.__wrapped__(tokens)
    general = _asa_outcome(tokens, tables, lenient, asa_acl._extended_general)
    if plain is not None and not aliases:
        assert plain == general
    assert _asa_outcome(tokens, tables, lenient, asa_acl._extended) == general


@settings(max_examples=200, deadline=None)
@given(st.one_of(_ASA_QUADS, st.text(alphabet="0123456789.٣ ", max_size=16)))
def test_asa_is_ipv4_is_what_ipaddress_accepts(token: str) -> None:
    try:
        ipaddress.IPv4Address(token)
        expected = token.count(".") == 3
    except ValueError:
        expected = False
    assert is_ipv4(token) is expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=" \tAbZz09!.İ\x1c\u00a0é", max_size=20))
def test_asa_line_words_are_the_lowered_tokens(raw: str) -> None:
    line = asa_lines._make_line(1, raw)
    assert line.words == tuple(t.lower() for t in line.tokens)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["ethertype", "webtype", "advanced", "acl", "line", "1", "extended", "remark", "Alert-Interval"]
        ),
        max_size=3,
    )
)
def test_access_list_shortcut_picks_what_the_tables_pick(rest: list[str]) -> None:
    """An ``access-list`` line reaches the ACL reader directly exactly when the tables would send it there."""
    from auditor.parsers.cisco_asa import blocks as asa_blocks
    from auditor.parsers.cisco_asa import parser as asa_parser

    words = ("access-list", *(w.lower() for w in rest))
    shortcut = len(words) < 2 or words[1] not in asa_parser._ACL_SECOND_WORDS
    assert shortcut == (asa_parser._table(words) == ("handler", asa_blocks.read_acl_line))


@settings(max_examples=200, deadline=None)
@given(st.one_of(_asa_tokens(), _asa_plain_tokens()), st.booleans(), st.booleans(), st.booleans())
def test_asa_build_rule_fast_path_gives_the_general_rule(
    tokens: tuple[str, ...], aliases: bool, inactive: bool, shout: bool
) -> None:
    """``build_rule``'s shortcut for plain entries gives the rule and error the general steps give."""
    tables = Tables(names={"SERVER": "10.9.9.9", "10.0.0.0": "10.5.5.5"} if aliases else {})
    if inactive:
        tokens = (*tokens, "inactive")
    if shout:
        tokens = (tokens[0].upper(), *tokens[1:])
    source = Source("f.conf", 7, "access-list A extended " + " ".join(tokens))

    def outcome(read: object) -> object:
        rule, error = read(tokens, tables, source, standard=False)  # type: ignore[operator]
        return rule, None if error is None else (error.action, error.reason, error.kind)

    assert outcome(asa_acl.build_rule) == outcome(asa_acl._build_rule_general)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_asa_tokens(), _asa_plain_tokens()), st.booleans())
def test_asa_plain_rule_is_the_rule_build_rule_gives(tokens: tuple[str, ...], shout: bool) -> None:
    """The remembered rule of a plain entry (no alias words) is ``build_rule``'s, met again or not."""
    if shout:
        tokens = (tokens[0].upper(), *tokens[1:])
    raw = "access-list A extended " + " ".join(tokens)
    expected, error = asa_acl.build_rule(tokens, Tables(), Source("f.conf", 3, raw), standard=False)
    for _ in range(2):  # the second read is the remembered rule
        rule = asa_acl.plain_rule(tokens, "f.conf", 3, raw)
        if rule is not None:
            assert error is None and rule == expected
    if tokens[0] in ("permit", "deny") and asa_acl._plain_extended(tokens) is not None:
        assert rule is not None  # every plain entry is remembered
    # Met again one line lower (a line inserted above it) or in another file: its own Source.
    for file, number in (("f.conf", 4), ("g.conf", 4), ("f.conf", 3)):
        expected, error = asa_acl.build_rule(tokens, Tables(), Source(file, number, raw), standard=False)
        rule = asa_acl.plain_rule(tokens, file, number, raw)
        if rule is not None:
            assert error is None and rule == expected


# Lines around access lists: plain ones, every form the plain reader leaves to the blocks
# (case, `line N`, table-claimed names, short lines, tabs), bodies, comments, an alias.
_ASA_ACL_LINES = [
    "access-list A extended permit tcp any host 10.0.0.1 eq 80",
    "access-list A extended deny ip 10.0.0.0 255.0.0.0 any",
    "access-list B extended permit udp host SERVER any range 1 9",
    "access-list A EXTENDED permit ip any any",
    "access-list A line 1 extended deny ip any any",
    "access-list A line 9 extended permit icmp any any",
    "access-list ethertype extended permit ip any any",
    "access-list WebType extended permit ip any any",
    "access-list A remark text",
    "access-list A standard permit host 10.0.0.1",
    "access-list A",
    "access-list A extended",
    "access-list A extended bogus",
    "access-list\tA extended permit ip any any",
    "access-list  A  extended  permit ip any any  ",
    "ACCESS-LIST A extended permit ip any any",
    "access-list A permit ip any any",
    " indented under the line before",
    "  description deeper",
    "! a comment",
    ": Saved",
    "",
    "   ",
    "name 10.0.0.9 SERVER",
    "interface GigabitEthernet0/1",
    " nameif inside",
    "access-group A in interface inside",
    "access-group B global",
    "clear configure access-list A",
    "hostname fw",
]


def _read_by_blocks(text: str, filename: str) -> tuple[object, dict[int, object]]:
    """The general way: every line split and classified, grouped into blocks, each dispatched."""
    from auditor.parsers.cisco_asa import parser as asa_parser
    from auditor.parsers.cisco_asa.builder import Builder

    b = Builder(filename)
    found: list[asa_lines.Block] = []
    raws = asa_lines.split_lines(text)
    for number, raw in enumerate(raws, start=1):
        indent, tokens, words = asa_lines.line_parts(raw)
        if asa_lines.is_comment(indent, tokens, words):
            b.dispositions[number] = asa_lines.Disposition.COMMENT
            continue
        line = asa_lines.ConfigLine(number, raw, indent, tokens, words)
        if indent == 0 or not found:
            found.append(asa_lines.Block(line, []))
        else:
            found[-1].children.append(line)
    for block in found:
        asa_parser.dispatch(b, block)
    return asa_parser.build_result(b, len(raws)), b.dispositions


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_ASA_ACL_LINES), max_size=12))
def test_plain_access_list_lines_read_as_their_blocks_would_be(picked: list[str]) -> None:
    """Reading plain access-list lines from their text gives the model, diagnostics and
    line accounting that splitting every line into blocks and dispatching them gives."""
    text = "\n".join(picked) + "\n"
    assert parse_with_dispositions(text, "f.conf") == _read_by_blocks(text, "f.conf")
