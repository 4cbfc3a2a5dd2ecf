"""Tests for the cisco_ios parser: goldens per feature and per corpus file, direct semantic
checks, line accounting, and a Hypothesis property test against a brute-force oracle."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.flowspace import STATE_ESTABLISHED, STATE_NEW, STATE_RELATED, Packet
from auditor.model import Action, DiagnosticKind, Direction, Platform, Provenance, Role
from auditor.parsers.cisco_ios import acl as ios_acl
from auditor.parsers.cisco_ios import lines as ios_lines
from auditor.parsers.cisco_ios import looks_like, parse, parse_with_dispositions
from auditor.parsers.cisco_ios import parser as ios_parser
from auditor.parsers.cisco_ios.lines import split_lines
from tests import golden

HERE = Path(__file__).parent / "cisco_ios"
REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "cisco_ios"
CASES = sorted(HERE.glob("*.conf"))
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []


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
    assert result.line_count == len(text.splitlines())
    assert set(dispositions) == set(range(1, result.line_count + 1))
    diagnosed = {d.source.line for d in result.diagnostics}
    for line, disposition in dispositions.items():
        if disposition.value == "diagnosed" and line not in diagnosed:
            # covered by the diagnostic of the block header above it
            assert any(d < line for d in diagnosed), line
    assert result.model.platform is Platform.CISCO_IOS


# --- helpers -----------------------------------------------------------------------------


def _model(text: str):  # type: ignore[no-untyped-def]
    return parse(text, "t.conf").model


def _rule(text: str, acl: str = "T", index: int = 0):  # type: ignore[no-untyped-def]
    ruleset = _model(text).ruleset(acl)
    assert ruleset is not None
    return ruleset.rules[index]


def _ext(line: str):  # type: ignore[no-untyped-def]
    return _rule(f"ip access-list extended T\n {line}\n")


# --- ACL semantics -----------------------------------------------------------------------


def test_range_on_destination_ports() -> None:
    rule = _ext("deny udp any 17.0.0.0 0.255.255.255 range 16384 16387")
    assert rule.action is Action.DENY
    assert Packet(17, ip("10.1.1.1"), ip("17.1.2.3"), 5000, 16385, STATE_NEW) in rule.match
    assert Packet(17, ip("10.1.1.1"), ip("17.1.2.3"), 5000, 16388, STATE_NEW) not in rule.match
    assert Packet(6, ip("10.1.1.1"), ip("17.1.2.3"), 5000, 16385, STATE_NEW) not in rule.match
    assert Packet(17, ip("10.1.1.1"), ip("18.1.2.3"), 5000, 16385, STATE_NEW) not in rule.match


def test_established_excludes_new_connections() -> None:
    rule = _ext("permit tcp any any eq 443 established")
    assert Packet(6, 1, 2, 1000, 443, STATE_NEW) not in rule.match
    assert Packet(6, 1, 2, 1000, 443, STATE_ESTABLISHED) in rule.match
    assert Packet(6, 1, 2, 1000, 443, STATE_RELATED) in rule.match


def test_established_on_udp_is_opaque() -> None:
    result = parse("ip access-list extended T\n permit udp any any established\n", "t")
    assert result.model.rulesets[0].rules[0].match is None
    assert result.diagnostics[0].security_relevant


def test_source_port_position() -> None:
    rule = _ext("permit tcp any eq 80 any")
    assert Packet(6, 1, 2, 80, 5555, 0) in rule.match
    assert Packet(6, 1, 2, 5555, 80, 0) not in rule.match


def test_neq_lt_gt_boundaries() -> None:
    neq = _ext("permit tcp any any neq 23")
    assert Packet(6, 1, 2, 9, 22, 0) in neq.match and Packet(6, 1, 2, 9, 23, 0) not in neq.match
    lt = _ext("permit udp any any lt 1024")
    assert Packet(17, 1, 2, 9, 1023, 0) in lt.match and Packet(17, 1, 2, 9, 1024, 0) not in lt.match
    gt = _ext("permit udp any any gt 1023")
    assert Packet(17, 1, 2, 9, 1024, 0) in gt.match and Packet(17, 1, 2, 9, 1023, 0) not in gt.match


def test_multi_port_eq_and_named_ports() -> None:
    rule = _ext("permit tcp any any eq www 443 5223")
    for port in (80, 443, 5223):
        assert Packet(6, 1, 2, 9, port, 0) in rule.match
    assert Packet(6, 1, 2, 9, 8080, 0) not in rule.match
    udp = _ext("permit udp any any eq non500-isakmp")
    assert Packet(17, 1, 2, 9, 4500, 0) in udp.match


def test_unknown_port_name_is_opaque_not_guessed() -> None:
    result = parse("ip access-list extended T\n permit tcp any any eq https\n", "t")
    assert result.model.rulesets[0].rules[0].match is None
    assert result.model.rulesets[0].rules[0].action is Action.PERMIT
    assert result.diagnostics[0].kind is DiagnosticKind.UNRECOGNIZED
    assert "https" in result.diagnostics[0].reason


@pytest.mark.parametrize("option", ["time-range WORK", "dscp ef", "precedence 5", "tos 4", "ttl eq 1"])
def test_unevaluable_conditions_are_opaque(option: str) -> None:
    result = parse(f"ip access-list extended T\n deny ip any any {option}\n", "t")
    rule = result.model.rulesets[0].rules[0]
    assert rule.match is None and rule.action is Action.DENY
    assert result.diagnostics[0].kind is DiagnosticKind.UNSUPPORTED
    assert result.diagnostics[0].security_relevant


def test_icmp_type_is_opaque_but_plain_icmp_is_exact() -> None:
    assert _ext("permit icmp any any echo-reply").match is None
    plain = _ext("permit icmp any any")
    assert Packet(1, 1, 2, 0, 0, 0) in plain.match and Packet(6, 1, 2, 0, 0, 0) not in plain.match


def test_fragments_match_nothing() -> None:
    assert _ext("deny ip any any fragments").match.is_empty()


def test_wildcard_is_bitwise_and_non_contiguous() -> None:
    rule = _ext("permit ip 10.0.0.0 0.0.255.0 any")
    assert Packet(6, ip("10.0.77.0"), 1, 0, 0, 0) in rule.match
    assert Packet(6, ip("10.0.77.1"), 1, 0, 0, 0) not in rule.match


def test_standard_acl_matches_source_only() -> None:
    rule = _rule("access-list 10 permit 10.1.1.0 0.0.0.255\n", "10")
    assert Packet(17, ip("10.1.1.9"), ip("17.0.0.1"), 1, 3478, STATE_NEW) in rule.match
    assert Packet(6, ip("10.1.2.9"), ip("17.0.0.1"), 1, 443, STATE_NEW) not in rule.match
    bare = _rule("ip access-list standard S\n permit 192.168.1.7\n", "S")
    assert Packet(6, ip("192.168.1.7"), 1, 1, 1, 0) in bare.match
    assert Packet(6, ip("192.168.1.8"), 1, 1, 1, 0) not in bare.match


def test_sequence_numbers_order_and_implicit_numbering() -> None:
    ruleset = _model((HERE / "acl_kinds.conf").read_text()).ruleset("SEQ")
    assert ruleset is not None
    lines = [rule.source.line for rule in ruleset.rules]
    text = (HERE / "acl_kinds.conf").read_text().splitlines()
    ordered = [text[n - 1].strip() for n in lines]
    assert ordered[0].startswith("10 permit ip host")
    assert ordered[1].startswith("20 permit tcp")
    assert ordered[2].startswith("30 deny udp")
    assert ordered[3] == "permit udp any any"  # 30 + 10
    assert ruleset.default_action is Action.DENY


def test_no_ip_access_list_deletes_earlier_definition() -> None:
    assert _model((HERE / "acl_kinds.conf").read_text()).ruleset("GONE") is None


def test_object_group_mask_versus_acl_wildcard() -> None:
    model = _model((HERE / "object_groups.conf").read_text())
    rules = model.ruleset("USES-GROUPS").rules  # type: ignore[union-attr]
    first = rules[0].match
    assert Packet(6, ip("10.0.0.200"), ip("17.5.5.5"), 1, 443, 0) in first  # mask 255.255.255.0
    assert Packet(6, ip("10.0.1.1"), ip("17.5.5.5"), 1, 443, 0) not in first
    assert Packet(6, ip("172.16.0.6"), ip("17.5.5.5"), 1, 443, 0) in first  # range
    assert Packet(6, ip("172.16.0.7"), ip("17.5.5.5"), 1, 443, 0) not in first
    assert Packet(6, ip("192.168.50.127"), ip("17.5.5.5"), 1, 443, 0) in first  # nested
    assert Packet(6, ip("192.168.50.128"), ip("17.5.5.5"), 1, 443, 0) not in first


def test_service_group_and_nesting() -> None:
    model = _model((HERE / "object_groups.conf").read_text())
    svc = model.ruleset("USES-GROUPS").rules[1].match  # type: ignore[union-attr]
    src = ip("10.0.0.5")
    assert Packet(6, src, 9, 1, 5223, 0) in svc
    assert Packet(17, src, 9, 1, 3480, 0) in svc
    assert Packet(17, src, 9, 1, 53, 0) in svc and Packet(6, src, 9, 1, 53, 0) in svc
    assert Packet(6, src, 9, 2000, 80, 0) in svc and Packet(6, src, 9, 1000, 80, 0) not in svc
    assert Packet(17, src, 9, 1, 16386, 0) in svc  # nested MORE-SVC
    assert Packet(50, src, 9, 0, 0, 0) in svc


@pytest.mark.parametrize("index,word", [(2, "loop"), (3, "not defined"), (4, "not"), (5, "not understood")])
def test_unresolvable_groups_give_opaque_rules(index: int, word: str) -> None:
    result = parse((HERE / "object_groups.conf").read_text(), "g")
    rule = result.model.ruleset("USES-GROUPS").rules[index]  # type: ignore[union-attr]
    assert rule.match is None
    assert any(d.source.line == rule.source.line and word in d.reason for d in result.diagnostics)


# --- interfaces, bindings, routes --------------------------------------------------------


def test_bindings_roles_and_routes() -> None:
    model = _model((HERE / "binding_out.conf").read_text())
    bindings = {(b.ruleset, b.interface, b.direction) for b in model.bindings}
    assert bindings == {
        ("LAN-IN", "GigabitEthernet0/0", Direction.IN),
        ("WAN-OUT", "GigabitEthernet0/1", Direction.OUT),
        ("120", "GigabitEthernet0/1", Direction.IN),
    }
    lan, wan, dhcp = model.interfaces
    assert lan.role is Role.INSIDE and lan.addresses == ("10.0.0.1/24", "10.0.1.1/24")
    assert wan.role is Role.OUTSIDE and "line" in wan.role_reason
    assert dhcp.shutdown and dhcp.addresses == ()
    assert model.ruleset("UNBOUND") is not None and model.ruleset("5") is not None
    assert [(r.prefix, r.interface, r.next_hop) for r in model.routes] == [
        ("0.0.0.0/0", None, "198.51.100.1"),
        ("192.168.0.0/16", "GigabitEthernet0/0", "10.0.0.254"),
    ]


def test_pbr_is_reported() -> None:
    result = parse((HERE / "binding_out.conf").read_text(), "b")
    assert any("policy-based routing" in d.reason and d.security_relevant for d in result.diagnostics)


# --- NAT and ALGs ------------------------------------------------------------------------


def _features(name: str) -> dict[tuple[str, str], tuple[bool, Provenance]]:
    model = _model((HERE / name).read_text())
    return {
        (f.kind, f.detail.split(" ")[4] if f.kind == "sip" else ""): (f.enabled, f.provenance)
        for f in model.features
    }


def test_nat_algs_default_on() -> None:
    feats = _features("nat_sip_default.conf")
    assert feats[("sip", "UDP")] == (True, Provenance.DEFAULT)
    assert feats[("sip", "TCP")] == (True, Provenance.DEFAULT)
    assert feats[("h323", "")] == (True, Provenance.DEFAULT)
    assert feats[("sccp", "")] == (True, Provenance.DEFAULT)
    assert feats[("rtsp", "")] == (True, Provenance.DEFAULT)


def test_nat_sip_udp_disabled_only() -> None:
    feats = _features("nat_sip_udp_disabled.conf")
    assert feats[("sip", "UDP")] == (False, Provenance.EXPLICIT)
    assert feats[("sip", "TCP")] == (True, Provenance.DEFAULT)


def test_nat_sip_both_disabled_h225_unconfirmed() -> None:
    feats = _features("nat_sip_both_disabled.conf")
    assert feats[("sip", "UDP")] == (False, Provenance.EXPLICIT)
    assert feats[("sip", "TCP")] == (False, Provenance.EXPLICIT)
    assert feats[("sccp", "")] == (False, Provenance.EXPLICIT)
    assert feats[("h323", "")] == (True, Provenance.DEFAULT)


def test_all_algs_disabled_then_sip_on_other_port() -> None:
    feats = _features("nat_all_algs.conf")
    assert feats[("sip", "UDP")] == (True, Provenance.EXPLICIT)  # the later line wins
    assert all(not enabled for key, (enabled, _) in feats.items() if key != ("sip", "UDP"))


def test_no_nat_alg_features_when_nat_does_not_act() -> None:
    model = _model((HERE / "nat_without_outside.conf").read_text())
    assert model.features == ()
    assert model.source_nats[0].match_ruleset == "10" and len(model.source_nats[0].translated) == 1
    assert model.source_nats[1].match_ruleset is None and model.source_nats[1].match is None


def test_static_port_mappings() -> None:
    model = _model((HERE / "nat_static.conf").read_text())
    maps = model.port_mappings
    assert (maps[0].protocols, maps[0].inside_ports, maps[0].outside_ports) == (
        (17,),
        ((3478, 3478),),
        ((3478, 3478),),
    )
    assert maps[0].outside_address == "interface GigabitEthernet0/1"
    assert (maps[1].protocols, maps[1].outside_ports) == ((6,), ((443, 443),))
    assert maps[2].protocols is None and maps[2].inside_ports is None
    assert maps[3].inside_address == "10.0.5.0/26"
    full = [n for n in model.source_nats if n.source.line == maps[2].source.line][0]
    assert Packet(6, ip("10.0.0.7"), 1, 1, 1, 0) in full.match


def test_cbac_applied_vs_unapplied() -> None:
    model = _model((HERE / "cbac.conf").read_text())
    assert sorted((f.kind, f.provenance) for f in model.features) == [
        ("sccp", Provenance.EXPLICIT),
        ("sip", Provenance.EXPLICIT),
    ]
    assert "applied on GigabitEthernet0/1 out" in model.features[0].detail


def _apple(text: str) -> dict[str, str]:
    from auditor.engine import AuditOptions, audit
    from auditor.policy import resolve

    findings = audit(_model(text), resolve("apple-facetime-imessage"), AuditOptions())
    return {f.check: f.status.value for f in findings}


_ZBF_IFACES = """
interface GigabitEthernet0/0
 ip address 203.0.113.2 255.255.255.252
 ip nat outside
 zone-member security WAN
interface GigabitEthernet0/1
 ip address 10.1.1.1 255.255.255.0
 ip nat inside
 zone-member security LAN
ip route 0.0.0.0 0.0.0.0 203.0.113.1
zone security LAN
zone security WAN
zone-pair security L2W source LAN destination WAN
 service-policy type inspect PM
"""


def test_zbf_sip_feature_and_bindings() -> None:
    model = _model((HERE / "zbf.conf").read_text())
    assert not [lim for lim in model.limitations if "flow" in lim.affects]
    assert [f.kind for f in model.features] == ["sip"]
    assert model.features[0].source is not None and model.features[0].source.line == 6
    assert "VOICE" in model.features[0].detail and "IN-TO-OUT" in model.features[0].detail
    # VOICE also inspects generic tcp: the ALG question for L4 inspection stays open.
    assert any(lim.affects == frozenset({"feature"}) for lim in model.limitations)
    pairs = {(b.interface, b.peer): b.ruleset for b in model.bindings}
    assert pairs["GigabitEthernet0/0", "GigabitEthernet0/1"].startswith("zone-pair IN-TO-OUT")
    assert "no zone-pair" in pairs["GigabitEthernet0/1", "GigabitEthernet0/0"]


def test_zbf_acl_class_permits_apple_ports() -> None:
    status = _apple((HERE / "zbf_apple_acl.conf").read_text())
    assert [status[c] for c in ("tcp-80", "tcp-443", "tcp-5223", "udp-3478-3497")] == ["pass"] * 4
    model = _model((HERE / "zbf_apple_acl.conf").read_text())
    # self zone-pairs are not transit; only LAN<->WAN bindings exist.
    assert len(model.bindings) == 2 and all("SELF" not in b.ruleset for b in model.bindings)


def test_zbf_class_default_drop_and_no_pair() -> None:
    text = _ZBF_IFACES + "policy-map type inspect PM\n class class-default\n  drop\n"
    assert set(_apple(text).values()) >= {"fail"}
    assert _apple(text)["tcp-80"] == "fail"
    no_pair = _apple((HERE / "zbf_no_pair.conf").read_text())
    assert no_pair["tcp-443"] == "fail"


def test_zbf_member_to_non_member_and_same_zone() -> None:
    model = _model((HERE / "zbf_no_pair.conf").read_text())
    pairs = {(b.interface, b.peer): b.ruleset for b in model.bindings}
    name = pairs["GigabitEthernet0/1", "GigabitEthernet0/2"]
    assert name == "zone-based firewall: GigabitEthernet0/1 (zone LAN) -> GigabitEthernet0/2 (no zone)"
    ruleset = model.ruleset(name)
    assert ruleset is not None and ruleset.rules == () and ruleset.default_action is Action.DENY
    assert ("GigabitEthernet0/1", "GigabitEthernet0/3") not in pairs  # same zone: free
    assert ("GigabitEthernet0/2", "GigabitEthernet0/2") not in pairs


def test_zbf_match_any_all_nested_pass_inspect() -> None:
    model = _model((HERE / "zbf_classes.conf").read_text())
    (ruleset,) = [r for r in model.rulesets if r.name.startswith("zone-pair")]
    rules = ruleset.rules
    web_lan, web_any, nested, pass_media, stun, unknown, default = rules
    assert web_lan.match is not None
    assert Packet(6, ip("10.1.1.5"), ip("17.1.1.1"), 1, 80, 0) in web_lan.match
    assert Packet(6, ip("10.2.1.5"), ip("17.1.1.1"), 1, 80, 0) not in web_lan.match  # match-all
    assert web_any.match is not None and web_any.action is Action.PERMIT  # pass
    assert Packet(17, ip("10.2.1.5"), ip("17.1.1.1"), 1, 53, 0) in web_any.match  # match-any
    assert nested.match is not None
    assert Packet(17, ip("10.1.1.5"), ip("17.1.1.1"), 1, 5060, 0) in nested.match
    assert Packet(17, ip("10.9.1.5"), ip("17.1.1.1"), 1, 5060, 0) not in nested.match
    assert stun.match is not None  # ACL: deny 3478-3487 first, then permit 3478-3497
    assert Packet(17, 1, ip("17.1.1.1"), 1, 3490, 0) in stun.match
    assert Packet(17, 1, ip("17.1.1.1"), 1, 3480, 0) not in stun.match
    assert unknown.match is None and unknown.bound is None  # no PAM entry for bittorrent
    assert default.action is Action.PERMIT and ruleset.default_action is Action.PERMIT
    # inspect of sip/h323 (nested) -> features; `pass` of skinny -> none.
    assert sorted(f.kind for f in model.features) == ["h323", "sip"]


def test_zbf_undefined_zone_is_a_flow_limitation() -> None:
    text = _ZBF_IFACES.replace("zone security WAN\n", "") + "policy-map type inspect PM\n"
    (lim,) = [lim for lim in _model(text).limitations if "flow" in lim.affects]
    assert "WAN" in lim.reason


def test_banner_and_ipv6_are_ignored() -> None:
    result = parse((HERE / "ipv6_banner.conf").read_text(), "v")
    assert result.model.ruleset("NOT-AN-ACL") is None
    assert result.model.version == "17.3"
    texts = {d.source.text for d in result.diagnostics}
    assert texts == {"upnp enable", "ip nat frobnicate", "frobnicate everything"}
    assert all(d.security_relevant for d in result.diagnostics if "frobnicate everything" != d.source.text)


def test_crlf_and_line_numbers() -> None:
    text = "hostname a\r\n!\r\ninterface Gi0/0\r\n ip access-group X in\r\n"
    result = parse(text, "c")
    assert result.line_count == 4
    assert result.model.bindings[0].source.line == 4
    assert result.model.bindings[0].source.text == " ip access-group X in"
    assert split_lines("a\x0cb\n") == ["a\x0cb"]


def test_looks_like() -> None:
    for conf in CORPUS_FILES:
        if conf.name.startswith(("batfish__as", "netutils", "oxidized", "pybatfish__firewall")):
            assert looks_like(conf.read_text()), conf.name
    assert not looks_like("ASA Version 9.8(2)\nhostname fw\ninterface GigabitEthernet0/0\n nameif outside\n")
    assert not looks_like("set system host-name r1\n")


def test_never_raises_on_garbage() -> None:
    for text in (
        "",
        "\n\n",
        "interface\n",
        "ip access-list extended\n permit\n",
        "access-list 101 permit tcp\n",
        "ip nat inside source static tcp 1.1.1.1\n",
        "ip route 1.1.1.1\n",
        "banner motd ^C\nnever closed\n",
        "object-group network X\n host\n",
        " indented first\n",
        "ip inspect name\n",
    ):
        parse(text, "g")


# --- property: parser vs a brute-force oracle --------------------------------------------

_HOSTS = ["10.0.0.1", "10.0.0.2", "10.0.1.1", "17.0.0.1", "17.1.0.9"]
_PORTS = [0, 1, 22, 79, 80, 81, 443, 1023, 1024, 3478, 3497, 65534, 65535]


@dataclass(frozen=True)
class _Addr:
    kind: str  # any | host | wild
    value: str = "0.0.0.0"
    wildcard: str = "0.0.0.0"

    def text(self) -> str:
        return {"any": "any", "host": f"host {self.value}"}.get(self.kind, f"{self.value} {self.wildcard}")

    def holds(self, address: str) -> bool:
        if self.kind == "any":
            return True
        if self.kind == "host":
            return address == self.value
        care = ~ip(self.wildcard) & 0xFFFFFFFF
        return (ip(address) ^ ip(self.value)) & care == 0


@dataclass(frozen=True)
class _Ports:
    op: str
    values: tuple[int, ...]

    def text(self) -> str:
        return f"{self.op} {' '.join(map(str, self.values))}"

    def holds(self, port: int) -> bool:
        v = self.values
        return {
            "eq": port in v,
            "neq": port not in v,
            "lt": port < v[0],
            "gt": port > v[0],
            "range": v[0] <= port <= v[-1],
        }[self.op]


addresses = st.one_of(
    st.just(_Addr("any")),
    st.builds(_Addr, st.just("host"), st.sampled_from(_HOSTS)),
    st.builds(
        _Addr,
        st.just("wild"),
        st.sampled_from(_HOSTS),
        st.sampled_from(["0.0.0.255", "0.255.255.255", "0.0.1.0", "255.0.0.0", "0.0.0.0"]),
    ),
)
ports = st.one_of(
    st.builds(
        _Ports,
        st.sampled_from(["eq", "neq"]),
        st.lists(st.sampled_from(_PORTS), min_size=1, max_size=3).map(tuple),
    ),
    st.builds(_Ports, st.sampled_from(["lt", "gt"]), st.sampled_from(_PORTS).map(lambda p: (p,))),
    st.builds(
        _Ports,
        st.just("range"),
        st.tuples(st.sampled_from(_PORTS), st.sampled_from(_PORTS)).map(lambda t: tuple(sorted(t))),
    ),
)


@st.composite
def entries(draw: st.DrawFn) -> dict[str, object]:
    protocol = draw(st.sampled_from(["tcp", "udp", "ip"]))
    entry: dict[str, object] = {
        "action": draw(st.sampled_from(["permit", "deny"])),
        "protocol": protocol,
        "src": draw(addresses),
        "dst": draw(addresses),
        "sport": None,
        "dport": None,
        "established": False,
    }
    if protocol != "ip":
        entry["sport"] = draw(st.none() | ports)
        entry["dport"] = draw(st.none() | ports)
    if protocol == "tcp":
        entry["established"] = draw(st.booleans())
    return entry


def _render(e: dict[str, object]) -> str:
    parts = [e["action"], e["protocol"], e["src"].text()]  # type: ignore[attr-defined]
    if e["sport"] is not None:
        parts.append(e["sport"].text())  # type: ignore[attr-defined]
    parts.append(e["dst"].text())  # type: ignore[attr-defined]
    if e["dport"] is not None:
        parts.append(e["dport"].text())  # type: ignore[attr-defined]
    if e["established"]:
        parts.append("established")
    return " ".join(str(p) for p in parts)


def _oracle(e: dict[str, object], proto: int, src: str, dst: str, sport: int, dport: int, state: int) -> bool:
    number = {"tcp": 6, "udp": 17, "ip": None}[e["protocol"]]  # type: ignore[index]
    if number is not None and proto != number:
        return False
    if not (e["src"].holds(src) and e["dst"].holds(dst)):  # type: ignore[attr-defined]
        return False
    if e["sport"] is not None and not e["sport"].holds(sport):  # type: ignore[attr-defined]
        return False
    if e["dport"] is not None and not e["dport"].holds(dport):  # type: ignore[attr-defined]
        return False
    return not (e["established"] and state == STATE_NEW)


packets = st.tuples(
    st.sampled_from([1, 6, 17, 47]),
    st.sampled_from(_HOSTS),
    st.sampled_from(_HOSTS),
    st.sampled_from(_PORTS),
    st.sampled_from(_PORTS),
    st.sampled_from([0, 1, 2]),
)


@settings(max_examples=300, deadline=None)
@given(entries(), st.lists(packets, min_size=1, max_size=20))
def test_property_extended_entry_matches_oracle(
    entry: dict[str, object], sample: list[tuple[int, str, str, int, int, int]]
) -> None:
    text = _render(entry)
    result = parse(f"ip access-list extended P\n {text}\n", "p")
    assert result.diagnostics == (), text
    rule = result.model.rulesets[0].rules[0]
    assert rule.action.value == entry["action"]
    for proto, src, dst, sport, dport, state in sample:
        packet = Packet(proto, ip(src), ip(dst), sport, dport, state)
        assert (packet in rule.match) == _oracle(entry, proto, src, dst, sport, dport, state), (text, packet)


# --- fast paths agree with the general reader --------------------------------------------


_ACTION_WORDS = st.sampled_from(["permit", "deny", "PERMIT", "Deny", "remark", "allow"])
_PROTOCOL_WORDS = st.sampled_from(
    ["tcp", "udp", "ip", "TCP", "icmp", "gre", "6", "17", "0", "255", "256", "object-group", "sctp"]
)
_QUADS = st.sampled_from(
    [
        "10.0.0.0",
        "0.0.0.255",
        "17.0.0.0",
        "0.255.255.255",
        "255.255.255.255",
        "0.0.0.0",
        "010.1.1.1",
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "1..2.3",
        "٣.1.1.1",
    ]
)
_ADDRESS_WORDS = st.one_of(
    st.just(["any"]),
    st.just(["ANY"]),
    st.builds(lambda a: ["host", a], _QUADS),
    st.builds(lambda a, w: [a, w], _QUADS, _QUADS),
    st.builds(lambda a: [a], _QUADS),
    st.just(["object-group", "SERVERS"]),
    st.just(["host"]),
)
_PORT_WORDS = st.sampled_from(
    ["80", "443", "0", "65535", "65536", "www", "domain", "https", "ntp", "WWW", "log", "1.2.3.4"]
)
_OPERATOR_WORDS = st.sampled_from(["eq", "range", "neq", "lt", "gt", "EQ", "Range"])
_PORT_CONDITIONS = st.one_of(
    st.just([]),
    st.builds(lambda op, ports: [op, *ports], _OPERATOR_WORDS, st.lists(_PORT_WORDS, min_size=0, max_size=3)),
)
_OPTIONS = st.lists(
    st.sampled_from(["log", "established", "fragments", "dscp", "ef", "time-range", "T", "log-input", "www"]),
    max_size=2,
)


@st.composite
def _extended_tokens(draw: st.DrawFn) -> tuple[str, ...]:
    """Extended entries near the plain form: valid ones and every way to miss it."""
    return tuple(
        [draw(_ACTION_WORDS), draw(_PROTOCOL_WORDS)]
        + draw(_ADDRESS_WORDS)
        + draw(_PORT_CONDITIONS)
        + draw(_ADDRESS_WORDS)
        + draw(_PORT_CONDITIONS)
        + draw(_OPTIONS)
    )


def _outcome(read: object, tokens: tuple[str, ...]) -> object:
    try:
        return read(tokens)  # type: ignore[operator]
    except ios_acl.AceError as error:
        return ("error", error.action, error.kind, error.reason, error.bound)


_GOOD_QUADS = st.sampled_from(["10.0.0.0", "0.0.0.255", "17.0.0.0", "0.255.255.255", "192.168.1.1"])


@st.composite
def _plain_tokens(draw: st.DrawFn) -> tuple[str, ...]:
    """Entries in the plain form (or one word away from it)."""
    address = st.one_of(
        st.just(["any"]),
        st.builds(lambda a: ["host", a], _GOOD_QUADS),
        st.builds(lambda a, w: [a, w], _GOOD_QUADS, _GOOD_QUADS),
    )
    ports = st.one_of(
        st.just([]),
        st.builds(lambda p: ["eq", p], _PORT_WORDS),
        st.builds(lambda a, b: ["range", a, b], _PORT_WORDS, _PORT_WORDS),
    )
    tokens = [
        draw(st.sampled_from(["permit", "deny"])),
        draw(st.sampled_from(["tcp", "udp", "ip", "6", "icmp"])),
    ]
    tokens += draw(address) + draw(ports) + draw(address) + draw(ports)
    return tuple(tokens + draw(st.lists(_PORT_WORDS, max_size=1)))


@settings(max_examples=200, deadline=None)
@given(st.one_of(_extended_tokens(), _plain_tokens()))
def test_plain_entry_fast_path_agrees_with_the_general_reader(tokens: tuple[str, ...]) -> None:
    """Whatever the fast path accepts, the general reader reads the same; the rest falls back."""
    plain = ios_acl._plain_extended(tokens)
    general = _outcome(ios_acl.parse_extended_general, tokens)
    if plain is not None:
        assert plain == general
    assert _outcome(ios_acl.parse_extended, tokens) == general


@settings(max_examples=200, deadline=None)
@given(st.one_of(_extended_tokens(), _plain_tokens()))
def test_plain_match_agrees_with_the_general_reader_and_match(tokens: tuple[str, ...]) -> None:
    """The rule fast path (no spec) gives the general reader's action and the parser's match."""
    fast = ios_acl.plain_match.__wrapped__(tokens)
    assert (fast is None) == (ios_acl._plain_extended(tokens) is None)
    if fast is not None:
        spec = ios_acl.parse_extended_general(tokens)
        assert fast == (spec.action, ios_parser._match_general(None, spec, False))


def test_protocol_names_read_without_lowering_are_the_lower_case_ones() -> None:
    # The fast path looks a protocol word up as written before lowering it: that gives the
    # same number only because every name in the table is lower-case.
    assert all(name == name.lower() and not name.isdigit() for name in ios_acl._PROTOCOL_WORDS)
    assert ios_acl._PROTOCOL_WORDS["ip"] is None


def test_plain_entries_take_the_fast_path() -> None:
    for text in (
        "permit tcp 10.0.1.0 0.0.0.255 17.0.0.0 0.255.255.255 eq 443",
        "deny udp any host 17.1.2.3 range 16384 16387",
        "permit tcp host 10.0.0.1 eq www any",
        "permit ip any any",
    ):
        tokens = tuple(text.split())
        assert ios_acl._plain_extended(tokens) == ios_acl.parse_extended_general(tokens)
    for text in ("permit tcp any any eq 80 443", "permit tcp any any eq 80 log", "permit tcp any any neq 80"):
        assert ios_acl._plain_extended(tuple(text.split())) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=" \tAbZz09!.İ\x1c\u00a0\u2028é", max_size=20))
def test_line_words_are_the_lowered_tokens(raw: str) -> None:
    line = ios_lines._make_line(1, raw)
    assert line.words == tuple(t.lower() for t in line.tokens)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=" \tAbZz09!#.İ\x1c\u00a0\u2028é", max_size=12), max_size=8))
def test_split_config_lines_are_made_as_make_line_makes_them(raws: list[str]) -> None:
    # split_config writes the line reading out in its loop; it must give _make_line's lines.
    split = ios_lines.split_config("\n".join(raws) + "\n")
    seen = [block.header for block in split.blocks] + [c for block in split.blocks for c in block.children]
    for line in seen:
        assert line == ios_lines._make_line(line.number, split_lines("\n".join(raws) + "\n")[line.number - 1])
    assert {line.number for line in seen}.isdisjoint(split.dispositions)
