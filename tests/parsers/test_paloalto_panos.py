"""Tests for the paloalto_panos parser: goldens per feature and per corpus file, direct
semantic checks in all three printed forms, line accounting, detection, and a Hypothesis
test of generated rulebases against a brute-force per-packet oracle."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import STATE_NEW, TCP, UDP, Packet
from auditor.model import Action, ConfigModel, Direction, Platform, Provenance, Role
from auditor.parsers.paloalto_panos import looks_like, parse, parse_with_dispositions
from tests import golden
from tests.universe import DST_BASE, SRC_BASE, UNIVERSE_SPACE, members, universe

HERE = Path(__file__).parent / "paloalto_panos"
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "paloalto_panos"
CASES = sorted([*HERE.glob("*.conf"), *HERE.glob("*.xml")])
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
PAIR = "zone trust -> zone untrust"


def _golden(conf: Path, golden_dir: Path, update: bool) -> None:
    result = parse(conf.read_text(encoding="utf-8"), conf.name)
    golden.check_parse(result, golden_dir, conf.name if conf.suffix != ".conf" else conf.stem, update)


@pytest.mark.parametrize("conf", CASES, ids=[c.name for c in CASES])
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
    assert result.model.platform is Platform.PALOALTO_PANOS
    assert result.model.egress_sees_translated is False
    for diagnostic in result.diagnostics:
        assert dispositions[diagnostic.source.line] == "diagnosed"


@pytest.mark.parametrize("conf", CASES + CORPUS_FILES, ids=[c.name for c in CASES + CORPUS_FILES])
def test_detects_panos(conf: Path) -> None:
    assert looks_like(conf.read_text(encoding="utf-8"))


# --- helpers -----------------------------------------------------------------------------


def _model(name: str) -> ConfigModel:
    return parse((HERE / name).read_text(encoding="utf-8"), name).model


def _pair(model: ConfigModel, src: str = "trust", dst: str = "untrust"):  # type: ignore[no-untyped-def]
    sets = [r for r in model.rulesets if r.name.startswith(f"zone {src} -> zone {dst}")]
    assert len(sets) == 1, [r.name for r in model.rulesets]
    return sets[0]


def P(proto: int, src: str, dst: str, dport: int, sport: int = 40000) -> Packet:  # noqa: N802
    return Packet(
        proto, int(ipaddress.IPv4Address(src)), int(ipaddress.IPv4Address(dst)), sport, dport, STATE_NEW
    )


def _permits(model: ConfigModel, packet: Packet, src: str = "trust", dst: str = "untrust") -> bool:
    from auditor.flowspace import FlowSpace, cube_host

    space = FlowSpace.build(
        protocols=[(packet.protocol, packet.protocol)],
        src=[cube_host(packet.src)],
        dst=[cube_host(packet.dst)],
        sport=[(packet.sport, packet.sport)],
        dport=[(packet.dport, packet.dport)],
        state=[(packet.state, packet.state)],
    )
    result = walk(_pair(model, src, dst), space)
    assert result.lower.same_as(result.upper), "exact rules expected"
    return not result.lower.is_empty()


# --- rule semantics ----------------------------------------------------------------------


def test_deny_before_allow_in_order() -> None:
    model = _model("deny_before_allow.conf")
    assert not _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 3478))
    assert not _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 3497))
    assert _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 3498))
    assert _permits(model, P(UDP, "10.1.1.5", "18.1.2.3", 3478))
    rules = _pair(model).rules
    assert [r.action for r in rules] == [Action.DENY, Action.PERMIT]
    assert rules[0].source.text.startswith("set rulebase security rules block-stun")


def test_partial_range_and_predefined_services() -> None:
    model = _model("partial_range.conf")
    for port in (80, 8080, 443, 5223):
        assert _permits(model, P(TCP, "10.1.1.5", "17.1.2.3", port)), port
    assert not _permits(model, P(TCP, "10.1.1.5", "17.1.2.3", 8443))
    assert not _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 443))  # service-https is TCP only
    assert _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 3480))
    assert not _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 3481))
    assert _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 16384))
    assert not _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 16385))


def test_nested_groups_and_dynamic_group_is_a_bound() -> None:
    model = _model("nested_groups.conf")
    rules = _pair(model).rules
    media = rules[0].match
    assert media is not None
    assert P(UDP, "10.1.1.200", "17.1.2.3", 16402) in media  # ip-range member, nested group
    assert P(UDP, "10.1.1.5", "17.1.2.3", 16393) in media
    assert P(UDP, "10.1.1.5", "17.1.2.3", 16390) not in media
    assert P(UDP, "10.1.2.5", "17.1.2.3", 16384) not in media
    dyn = rules[1]
    assert dyn.match is None and dyn.bound is not None
    assert P(TCP, "10.1.1.5", "17.1.2.3", 443) in dyn.bound


def test_disabled_rule_is_skipped() -> None:
    model = _model("disabled_rule.conf")
    assert [r.action for r in _pair(model).rules] == [Action.PERMIT]
    assert _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 3478))


def test_default_rules_and_override() -> None:
    flipped = _model("default_rule_flip.conf")
    ruleset = _pair(flipped)
    assert ruleset.default_action is Action.PERMIT
    assert ruleset.rules[-1].source.text.endswith("interzone-default action allow")
    assert _permits(flipped, P(UDP, "10.1.1.5", "17.1.2.3", 3478))
    assert not _permits(flipped, P(TCP, "10.1.1.5", "17.1.2.3", 443))  # reset-both blocks
    plain = _model("deny_before_allow.conf")
    assert _pair(plain).default_action is Action.DENY
    assert "interzone-default (deny" in _pair(plain).name


def test_app_id_rules_are_bounds_not_matches() -> None:
    model = _model("app_id_bound.conf")
    p2p, apple, web = _pair(model).rules
    assert p2p.match is None and p2p.action is Action.DENY
    assert apple.match is None and apple.bound is not None
    assert P(TCP, "10.1.1.5", "18.1.2.3", 443) not in apple.bound  # destination still applies
    assert web.match is not None


def test_zones_roles_and_bindings() -> None:
    model = _model("deny_before_allow.conf")
    roles = {i.name: i.role for i in model.interfaces}
    assert roles == {"ethernet1/1": Role.OUTSIDE, "ethernet1/2": Role.INSIDE}
    assert "source NAT rule hide" in model.interface("ethernet1/2").role_reason
    (binding,) = [b for b in model.bindings if b.interface == "ethernet1/2"]
    assert binding.peer == "ethernet1/1" and binding.direction is Direction.IN
    assert binding.ruleset.startswith(PAIR)
    assert model.routes[0].prefix == "0.0.0.0/0" and model.routes[0].next_hop == "203.0.113.1"


def test_port_mappings() -> None:
    model = _model("dnat_port_mapping.conf")
    dnat, static = model.port_mappings
    assert dnat.protocols == (UDP,) and dnat.outside_ports == ((3478, 3478),)
    assert dnat.inside_address == "web-server" and dnat.outside_address == "public"
    assert static.protocols is None and static.outside_address == "203.0.113.9"


def test_alg_defaults_and_overrides() -> None:
    default = {f.kind: f for f in _model("deny_before_allow.conf").features}
    assert default["sip"].enabled and default["sip"].provenance is Provenance.DEFAULT
    assert "inferred" in default["sip"].detail
    off = {f.kind: f for f in _model("sip_alg_off.conf").features}
    assert not off["sip"].enabled and off["sip"].provenance is Provenance.EXPLICIT
    assert off["sip"].source is not None and "alg-override application sip" in off["sip"].source.text
    assert not off["rtsp"].enabled
    assert off["h323"].enabled and off["h323"].provenance is Provenance.DEFAULT


def test_xml_form_keeps_original_lines() -> None:
    text = (HERE / "xml_running_config.xml").read_text()
    model = parse(text, "x.xml").model
    lines = text.split("\n")
    block, allow = _pair(model).rules
    assert lines[block.source.line - 1].strip() == '<entry name="block-media">'
    assert lines[allow.source.line - 1].strip() == '<entry name="allow-out">'
    assert model.hostname == "fw-xml" and model.version == "10.1.0"
    sip = next(f for f in model.features if f.kind == "sip")
    assert not sip.enabled and sip.source is not None and "alg-disabled" in sip.source.text
    (mapping,) = model.port_mappings
    assert mapping.inside_ports == ((8443, 8443),) and mapping.outside_ports == ((443, 443),)
    assert not _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 16384))
    assert _permits(model, P(UDP, "10.1.1.5", "17.1.2.3", 3478))


def test_xml_default_override_disabled_rule_units_and_dhcp() -> None:
    model = _model("xml_default_rule_and_disabled.xml")
    ruleset = _pair(model, "L3-Trust", "L3-Untrust")
    assert len(ruleset.rules) == 1 and ruleset.default_action is Action.PERMIT  # old-deny disabled
    assert ruleset.rules[0].source.text.strip() == "<action>allow</action>"
    assert _permits(model, P(UDP, "192.168.1.5", "17.1.2.3", 16384), "L3-Trust", "L3-Untrust")
    roles = {i.name: i.role for i in model.interfaces}
    assert roles == {"ethernet1/1.100": Role.OUTSIDE, "ethernet1/2": Role.INSIDE}
    assert model.interface("ethernet1/2").addresses == ()  # DHCP client


def test_brace_form_and_rule_types() -> None:
    model = _model("brace_basic.conf")
    assert model.hostname == "fw-brace"
    ruleset = _pair(model, "inside", "outside")
    assert len(ruleset.rules) == 1  # the intrazone rule does not apply between zones
    intra = _pair(model, "inside", "inside")  # ethernet1/2 <-> ethernet1/3
    assert len(intra.rules) == 1 and intra.default_action is Action.PERMIT  # intrazone-default
    assert _permits(model, P(TCP, "10.1.1.5", "17.1.2.3", 5223), "inside", "outside")
    assert not _permits(model, P(TCP, "10.1.1.5", "17.1.2.3", 80), "inside", "outside")


def test_shared_objects_and_other_vsys() -> None:
    text = (
        "set vsys vsys1 zone trust network layer3 ethernet1/2\n"
        "set vsys vsys1 zone untrust network layer3 ethernet1/1\n"
        "set shared address apple ip-netmask 17.0.0.0/8\n"
        "set shared service push protocol tcp port 5223\n"
        "set vsys vsys1 rulebase security rules r1 from trust to untrust source any destination apple "
        "application any service push action allow\n"
        "set vsys vsys2 rulebase security rules r9 from any to any source any destination any "
        "application any service any action deny\n"
    )
    result = parse(text, "multi.conf")
    model = result.model
    assert _permits(model, P(TCP, "10.1.1.5", "17.1.2.3", 5223))
    assert not _permits(model, P(TCP, "10.1.1.5", "18.1.2.3", 5223))
    (limitation,) = model.limitations
    assert "vsys2" in limitation.reason and "flow" in limitation.affects
    assert [d.source.line for d in result.diagnostics] == [6]


def test_multi_attribute_set_lines_and_quoted_names() -> None:
    text = (
        "set zone trust network layer3 [ ethernet1/2 ethernet1/3 ]\n"
        "set zone untrust network layer3 ethernet1/1\n"
        'set rulebase security rules "Allow Apple" from trust to untrust '
        "source [ 10.0.0.0/8 192.168.0.0/16 ] destination 17.0.0.0/8 "
        "application any service service-https action allow "
        'description "from to service"\n'
    )
    model = parse(text, "q.conf").model
    (rule,) = _pair(model).rules
    assert rule.match is not None and rule.action is Action.PERMIT
    assert P(TCP, "192.168.1.1", "17.1.2.3", 443) in rule.match
    assert P(TCP, "172.16.1.1", "17.1.2.3", 443) not in rule.match


def test_interface_address_objects_and_ipv6() -> None:
    text = (
        "set network interface ethernet ethernet1/1 layer3 ip wan-ip\n"
        "set network interface ethernet ethernet1/3 layer3 ip 2001:db8::1/64\n"
        "set address wan-ip ip-netmask 198.51.100.2/30\n"
        "set zone trust network layer3 ethernet1/3\n"
        "set zone untrust network layer3 ethernet1/1\n"
    )
    model = parse(text, "a.conf").model
    assert model.interface("ethernet1/1").addresses == ("198.51.100.2/30",)
    assert model.interface("ethernet1/3").addresses == ()


@pytest.mark.parametrize(
    ("zone", "role"),
    [
        ("L3-Untrust", Role.OUTSIDE),
        ("Inside_LAN", Role.INSIDE),
        ("trust", Role.INSIDE),
        ("DMZ", Role.UNKNOWN),
    ],
)
def test_zone_name_roles(zone: str, role: Role) -> None:
    from auditor.parsers.paloalto_panos.rules import zone_role

    assert zone_role(zone) is role


def test_xml_entities_are_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><config version="9.0"><x>&a;</x></config>\n'
    result = parse(bomb, "bomb.xml")
    assert result.diagnostics and "refused" in result.diagnostics[0].reason
    assert result.model.limitations


# --- Hypothesis: generated rulebases against a per-packet oracle ---------------------------


@dataclass(frozen=True)
class Addr:
    kind: str  # any, host, prefix, object, group
    value: int
    prefix: int

    def text(self, base: int, bits: int, name: str) -> str:
        if self.kind == "any":
            return "any"
        if self.kind in ("object", "group"):
            return name
        if self.kind == "host":
            return str(ipaddress.IPv4Address(base + self.value))
        network = ipaddress.IPv4Network((base + self.value, 32 - bits + self.prefix), strict=False)
        return str(network)

    def matches(self, address: int, base: int, bits: int) -> bool:
        if self.kind == "any":
            return True
        if self.kind in ("host", "object", "group"):
            return address == base + self.value
        shift = bits - self.prefix
        return (address - base) >> shift == self.value >> shift


@dataclass(frozen=True)
class Svc:
    kind: str  # any, object, group
    protocol: str
    low: int
    high: int

    def matches(self, p: Packet) -> bool:
        if self.kind == "any":
            return True
        return p.protocol == (TCP if self.protocol == "tcp" else UDP) and self.low <= p.dport <= self.high


@dataclass(frozen=True)
class Entry:
    action: str
    src: Addr
    dst: Addr
    svc: Svc
    negate_src: bool
    negate_dst: bool
    disabled: bool

    def matches(self, p: Packet) -> bool:
        src = self.src.matches(p.src, SRC_BASE, 3) != self.negate_src
        dst = self.dst.matches(p.dst, DST_BASE, 2) != self.negate_dst
        return src and dst and self.svc.matches(p)


def _addr(bits: int) -> st.SearchStrategy[Addr]:
    return st.builds(
        Addr,
        st.sampled_from(["any", "host", "prefix", "object", "group"]),
        st.integers(0, (1 << bits) - 1),
        st.integers(0, bits),
    )


@st.composite
def _svc(draw: st.DrawFn) -> Svc:
    kind = draw(st.sampled_from(["any", "object", "group"]))
    a, b = sorted((draw(st.integers(1, 5)), draw(st.integers(1, 5))))
    return Svc(kind, draw(st.sampled_from(["tcp", "udp"])), a, b)


_entries = st.builds(
    Entry,
    st.sampled_from(["allow", "deny", "drop", "reset-client"]),
    _addr(3),
    _addr(2),
    _svc(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


def render(rules: list[Entry], default_allow: bool) -> str:
    lines = [
        "set network interface ethernet ethernet1/1 layer3 ip 203.0.113.2/30",
        "set network interface ethernet ethernet1/2 layer3 ip 10.0.0.1/24",
        "set zone trust network layer3 ethernet1/2",
        "set zone untrust network layer3 ethernet1/1",
    ]
    for n, e in enumerate(rules):
        for side, addr, base in (("S", e.src, SRC_BASE), ("D", e.dst, DST_BASE)):
            host = ipaddress.IPv4Address(base + addr.value)
            if addr.kind == "object":
                lines.append(f"set address A{n}{side} ip-netmask {host}/32")
            elif addr.kind == "group":
                lines.append(f"set address A{n}{side}-host ip-range {host}-{host}")
                lines.append(f"set address-group A{n}{side}-inner static A{n}{side}-host")
                lines.append(f"set address-group A{n}{side} static [ A{n}{side}-inner ]")
        if e.svc.kind != "any":
            ports = str(e.svc.low) if e.svc.low == e.svc.high else f"{e.svc.low}-{e.svc.high}"
            lines.append(f"set service S{n} protocol {e.svc.protocol} port {ports}")
            if e.svc.kind == "group":
                lines.append(f"set service-group G{n} members [ S{n} ]")
    for n, e in enumerate(rules):
        service = {"any": "any", "object": f"S{n}", "group": f"G{n}"}[e.svc.kind]
        prefix = f"set rulebase security rules r{n}"
        lines.append(
            f"{prefix} from trust to untrust source {e.src.text(SRC_BASE, 3, f'A{n}S')} "
            f"destination [ {e.dst.text(DST_BASE, 2, f'A{n}D')} ] application any service {service}"
        )
        lines.append(f"{prefix} action {e.action}")
        if e.negate_src:
            lines.append(f"{prefix} negate-source yes")
        if e.negate_dst:
            lines.append(f"{prefix} negate-destination yes")
        if e.disabled:
            lines.append(f"{prefix} disabled yes")
    if default_allow:
        lines.append("set rulebase default-security-rules rules interzone-default action allow")
    return "\n".join(lines) + "\n"


@settings(max_examples=120, deadline=None)
@given(st.lists(_entries, min_size=0, max_size=6), st.booleans())
def test_parsed_rulebase_equals_oracle(rules: list[Entry], default_allow: bool) -> None:
    text = render(rules, default_allow)
    result = parse(text, "generated.conf")
    assert not result.diagnostics, (text, result.diagnostics)
    ruleset = _pair(result.model)
    permitted = members(walk(ruleset, UNIVERSE_SPACE).lower)
    expected = set()
    for packet in universe():
        hit = next((e for e in rules if not e.disabled and e.matches(packet)), None)
        if (hit.action == "allow") if hit is not None else default_allow:
            expected.add(packet)
    assert permitted == expected, text
