"""Tests for the fortinet parser: goldens per feature and per corpus file, direct semantic
checks, line accounting, detection, and a Hypothesis test against a brute-force oracle."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.flowspace import TCP, UDP, Cube, FlowSpace, Packet
from auditor.model import Action, Direction, Platform, Provenance, Role
from auditor.parsers import detect
from auditor.parsers.fortinet import looks_like, parse, parse_with_dispositions
from auditor.parsers.fortinet.lines import tokenize
from auditor.parsers.fortinet.objects import _dst, _general_subnet, parse_subnet, service_space
from auditor.paths import trace_path
from tests import golden
from tests.universe import DST_BASE, SRC_BASE, UNIVERSE_SPACE, members, universe

HERE = Path(__file__).parent / "fortinet"
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "corpus"
CORPUS = SHARED / "fortinet"
CASES = sorted(HERE.glob("*.conf"))
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
OTHER_FILES = sorted(p for p in SHARED.glob("*/*") if p.parent.name != "fortinet") if SHARED.is_dir() else []


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
    assert result.model.platform is Platform.FORTINET
    for diagnostic in result.diagnostics:  # diagnostics quote the original line
        assert text.split("\n")[diagnostic.source.line - 1].rstrip("\r") == diagnostic.source.text


@pytest.mark.parametrize("conf", CASES + CORPUS_FILES, ids=[c.name for c in CASES + CORPUS_FILES])
def test_detects_fortinet(conf: Path) -> None:
    text = conf.read_text(encoding="utf-8")
    assert looks_like(text)
    found = detect(text)
    assert found is not None and found[0] is Platform.FORTINET


@pytest.mark.skipif(not OTHER_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", OTHER_FILES, ids=[f"{c.parent.name}/{c.name}" for c in OTHER_FILES])
def test_does_not_claim_other_platforms(conf: Path) -> None:
    assert not looks_like(conf.read_text(encoding="utf-8", errors="replace"))


# --- direct semantic checks ----------------------------------------------------------------


def _case(name: str):  # type: ignore[no-untyped-def]
    return parse((HERE / f"{name}.conf").read_text(encoding="utf-8"), f"{name}.conf")


def _permitted(name: str, ingress: str, egress: str, packet: Packet) -> bool:
    model = _case(name).model
    trace = trace_path(model, ingress, egress, UNIVERSE_SPACE | _space(packet))
    return packet in trace.lower and packet in trace.upper


def _space(packet: Packet):  # type: ignore[no-untyped-def]
    from auditor.flowspace import FlowSpace, cube_host

    return FlowSpace.build(
        protocols=[(packet.protocol, packet.protocol)],
        src=[cube_host(packet.src)],
        dst=[cube_host(packet.dst)],
        sport=[(packet.sport, packet.sport)],
        dport=[(packet.dport, packet.dport)],
        state=[(packet.state, packet.state)],
    )


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def pkt(proto: int, src: str, dst: str, dport: int, sport: int = 40000) -> Packet:
    return Packet(proto, ip(src), ip(dst), sport, dport, 0)


def test_sequence_order_and_deny_first() -> None:
    assert not _permitted("deny_before_accept", "internal", "wan1", pkt(UDP, "192.168.1.5", "17.1.2.3", 3478))
    assert _permitted("deny_before_accept", "internal", "wan1", pkt(UDP, "192.168.1.5", "18.1.2.3", 3478))
    assert _permitted("deny_before_accept", "internal", "wan1", pkt(TCP, "192.168.1.5", "17.1.2.3", 443))
    # nothing goes the other way: the implicit deny
    assert not _permitted("deny_before_accept", "wan1", "internal", pkt(TCP, "8.8.8.8", "192.168.1.5", 443))


def test_source_port_part_of_a_range() -> None:
    # 16384-16387:1024-65535 needs a source port of 1024 or more
    assert _permitted("partial_range", "internal", "wan1", pkt(UDP, "192.168.1.5", "17.0.0.1", 16385, 5000))
    assert not _permitted(
        "partial_range", "internal", "wan1", pkt(UDP, "192.168.1.5", "17.0.0.1", 16385, 500)
    )
    assert not _permitted("partial_range", "internal", "wan1", pkt(UDP, "192.168.1.5", "17.0.0.1", 3481))


def test_nested_groups_with_exclusion_and_fqdn() -> None:
    result = _case("nested_groups")
    ruleset = result.model.ruleset("firewall policy internal -> wan1 (then implicit deny)")
    assert ruleset is not None
    first, second = ruleset.rules
    assert first.match is not None and second.match is None  # the FQDN member is not in the text
    assert pkt(TCP, "192.168.1.15", "17.9.9.9", 5223) in first.match
    assert pkt(TCP, "192.168.1.15", "17.0.0.9", 443) not in first.match  # excluded range
    assert pkt(TCP, "192.168.1.9", "17.9.9.9", 443) not in first.match  # outside the source range
    assert pkt(UDP, "192.168.1.15", "17.9.9.9", 443) not in first.match
    reasons = " ".join(d.reason for d in result.diagnostics)
    assert "fqdn" in reasons and "HTTP" in reasons  # the FQDN and the assumed factory services


def test_disabled_policy_is_skipped_and_missing_action_denies() -> None:
    assert _permitted("disabled_policy", "internal", "wan1", pkt(TCP, "192.168.1.5", "17.0.0.1", 443))
    ruleset = _case("default_action_deny").model.ruleset(
        "firewall policy internal -> wan1 (then implicit deny)"
    )
    assert ruleset is not None
    rules = ruleset.rules
    assert [r.action for r in rules] == [Action.DENY, Action.PERMIT]
    assert not _permitted("default_action_deny", "internal", "wan1", pkt(TCP, "192.168.1.5", "17.0.0.1", 443))
    assert _permitted("default_action_deny", "internal", "wan1", pkt(TCP, "192.168.1.5", "17.0.0.1", 80))


def test_vip_port_mappings_need_a_policy() -> None:
    model = _case("vip_port_mapping").model
    mapped = {(m.protocols, m.outside_ports, m.inside_address) for m in model.port_mappings}
    assert mapped == {
        ((TCP,), ((5223, 5223),), "192.168.1.50"),
        ((UDP,), ((16384, 16387),), "192.168.1.51-192.168.1.52"),
        (None, None, "192.168.1.60"),
    }
    assert [lim.reason.split(" ")[1] for lim in model.limitations] == ["unused"]


def test_sip_alg_off_and_helpers_as_printed() -> None:
    features = {(f.kind, f.enabled, f.provenance) for f in _case("sip_alg_off").model.features}
    assert features == {("sip", False, Provenance.EXPLICIT), ("h323", True, Provenance.EXPLICIT)}
    defaults = _case("disabled_policy").model.features
    assert {f.kind for f in defaults if f.enabled} == {"sip", "sccp", "h323", "rtsp", "mgcp"}
    assert all(f.provenance is Provenance.DEFAULT for f in defaults)


def test_flow_mode_note_names_the_release() -> None:
    sip = next(f for f in _case("deny_before_accept").model.features if f.kind == "sip")
    assert "FortiOS 6.4.11" in sip.detail and "flow-based SIP" not in sip.detail
    text = (HERE / "deny_before_accept.conf").read_text().replace("6.4.11", "7.2.5")
    sip = next(f for f in parse(text, "x.conf").model.features if f.kind == "sip")
    assert "FortiOS 7.2.5" in sip.detail and "flow-based SIP" in sip.detail and sip.enabled


def test_zones_roles_and_vdoms() -> None:
    model = _case("zones_vdoms").model
    roles = {i.name: i.role for i in model.interfaces}
    assert roles["wan1"] is Role.OUTSIDE and roles["lan1"] is Role.INSIDE and roles["lan2"] is Role.INSIDE
    assert _permitted("zones_vdoms", "lan2", "wan1", pkt(UDP, "192.168.2.5", "17.0.0.1", 3478))
    assert _permitted("zones_vdoms", "lan1", "lan2", pkt(UDP, "192.168.1.5", "192.168.2.9", 53))  # intrazone
    assert not _permitted("zones_vdoms", "guest1", "wan1", pkt(TCP, "10.9.0.5", "17.0.0.1", 443))
    assert not _permitted("zones_vdoms", "wan1", "lan1", pkt(TCP, "8.8.8.8", "192.168.1.5", 443))
    guest = [f for f in model.features if "VDOM guest" in f.detail and f.kind == "sip"]
    assert guest and not guest[0].enabled
    binding = next(b for b in model.bindings if b.interface == "lan1" and b.peer == "wan1")
    assert binding.direction is Direction.IN


def test_multiline_values_and_comments_keep_line_numbers() -> None:
    text = (
        'config system global\n    set hostname "fw1"\nend\n'
        'config vpn certificate local\n    edit "c"\n        set private-key "-----BEGIN\nabc \'\nEND-----"\n'
        "    next\nend\n"
        "# a comment with a quote ' in it\n"
        'config firewall policy\n    edit 1\n        set srcintf "a"\n'
        "        set bogus-key x\n    next\nend\n"
    )
    result, dispositions = parse_with_dispositions(text, "m.conf")
    assert result.model.hostname == "fw1"
    assert set(dispositions) == set(range(1, 18))
    bogus = [d for d in result.diagnostics if "bogus-key" in d.source.text]
    assert bogus and bogus[0].source.line == 15 and bogus[0].security_relevant


# --- Hypothesis: generated policy lists against a per-packet oracle ------------------------

INTERFACES = ("port1", "port2", "port3")
ZONE = ("Z", frozenset({"port2", "port3"}))


@dataclass(frozen=True)
class Net:
    value: int
    prefix: int  # within the universe's low bits
    kind: str  # subnet, range

    def text(self, base: int, bits: int) -> list[str]:
        lo, hi = self.bounds(base, bits)
        if self.kind == "range":
            return ["set type iprange", f"set start-ip {ipaddress.IPv4Address(lo)}",
                    f"set end-ip {ipaddress.IPv4Address(hi)}"]  # fmt: skip
        mask = (0xFFFFFFFF << (bits - self.prefix)) & 0xFFFFFFFF
        return [f"set subnet {ipaddress.IPv4Address(lo)} {ipaddress.IPv4Address(mask)}"]

    def bounds(self, base: int, bits: int) -> tuple[int, int]:
        if self.kind == "range":
            a, b = sorted((self.value, self.prefix))
            return base + a, base + b
        shift = bits - self.prefix
        lo = base + ((self.value >> shift) << shift)
        return lo, lo + (1 << shift) - 1

    def matches(self, address: int, base: int, bits: int) -> bool:
        lo, hi = self.bounds(base, bits)
        return lo <= address <= hi


@dataclass(frozen=True)
class Svc:
    proto: str  # tcp, udp, ip
    lo: int
    hi: int
    sport: str  # "", "0", "1-65535"

    def text(self) -> list[str]:
        if self.proto == "ip":
            return ["set protocol IP"]
        ports = f"{self.lo}-{self.hi}" + (f":{self.sport}" if self.sport else "")
        return [f"set {self.proto}-portrange {ports}"]

    def matches(self, p: Packet) -> bool:
        if self.proto == "ip":
            return True
        if p.protocol != (TCP if self.proto == "tcp" else UDP) or not (self.lo <= p.dport <= self.hi):
            return False
        return {"": True, "0": p.sport == 0, "1-65535": p.sport >= 1}[self.sport]


@dataclass(frozen=True)
class Pol:
    ident: int
    action: str  # accept, deny, "" (not printed: deny)
    enabled: bool
    srcintf: tuple[str, ...]
    dstintf: tuple[str, ...]
    src: tuple[int, ...]  # indexes into the source nets; () is "all"
    dst: tuple[int, ...]
    svc: tuple[int, ...]  # indexes into the services; () is "ALL"
    src_negate: bool
    dst_negate: bool

    def covers(self, names: tuple[str, ...], interface: str) -> bool:
        expanded = set()
        for n in names:
            expanded |= set(INTERFACES) if n == "any" else set(ZONE[1]) if n == ZONE[0] else {n}
        return interface in expanded


_SRC_BITS, _DST_BITS = 3, 2


def _nets(bits: int) -> st.SearchStrategy[Net]:
    return st.builds(
        Net, st.integers(0, (1 << bits) - 1), st.integers(0, bits), st.sampled_from(["subnet", "range"])
    )


_svcs = st.builds(
    Svc,
    st.sampled_from(["tcp", "udp", "ip"]),
    st.integers(0, 5),
    st.integers(0, 5),
    st.sampled_from(["", "0", "1-65535"]),
).map(lambda s: Svc(s.proto, min(s.lo, s.hi), max(s.lo, s.hi), s.sport))
_intf = st.lists(st.sampled_from([*INTERFACES, "any", ZONE[0]]), min_size=1, max_size=2, unique=True).map(
    tuple
)


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[list[Net], list[Net], list[Svc], list[Pol]]:
    src_nets = draw(st.lists(_nets(_SRC_BITS), min_size=1, max_size=3))
    dst_nets = draw(st.lists(_nets(_DST_BITS), min_size=1, max_size=3))
    svcs = draw(st.lists(_svcs, min_size=1, max_size=3))
    idents = draw(st.permutations(range(1, 7)))
    pols = []
    for n in range(draw(st.integers(0, 5))):
        pols.append(
            Pol(
                idents[n],
                draw(st.sampled_from(["accept", "deny", ""])),
                draw(st.integers(0, 4)) > 0,
                draw(_intf),
                draw(_intf),
                tuple(draw(st.lists(st.integers(0, len(src_nets) - 1), max_size=2, unique=True))),
                tuple(draw(st.lists(st.integers(0, len(dst_nets) - 1), max_size=2, unique=True))),
                tuple(draw(st.lists(st.integers(0, len(svcs) - 1), max_size=2, unique=True))),
                draw(st.integers(0, 5)) == 0,
                draw(st.integers(0, 5)) == 0,
            )
        )
    return src_nets, dst_nets, svcs, pols


def _render(src_nets: list[Net], dst_nets: list[Net], svcs: list[Svc], pols: list[Pol]) -> str:
    out = ["config system interface"]
    for n, name in enumerate(INTERFACES):
        out += [f'    edit "{name}"', f"        set ip 10.{n + 50}.0.1 255.255.255.0", "    next"]
    members = " ".join(f'"{m}"' for m in sorted(ZONE[1]))
    out += [
        "end",
        "config system zone",
        f'    edit "{ZONE[0]}"',
        f"        set interface {members}",
        "    next",
        "end",
    ]
    out.append("config firewall address")
    for side, nets, base, bits in (
        ("S", src_nets, SRC_BASE, _SRC_BITS),
        ("D", dst_nets, DST_BASE, _DST_BITS),
    ):
        for n, net in enumerate(nets):
            out += [f'    edit "{side}{n}"', *(f"        {t}" for t in net.text(base, bits)), "    next"]
    out.append("end")
    # every address also sits in a nested group, used for the second member of a policy
    out += ["config firewall addrgrp"]
    for side, nets in (("S", src_nets), ("D", dst_nets)):
        for n in range(len(nets)):
            out += [f'    edit "G{side}{n}i"', f'        set member "{side}{n}"', "    next"]
            out += [f'    edit "G{side}{n}"', f'        set member "G{side}{n}i"', "    next"]
    out += ["end", "config firewall service custom", '    edit "ALL"', "        set protocol IP", "    next"]
    for n, svc in enumerate(svcs):
        out += [f'    edit "V{n}"', *(f"        {t}" for t in svc.text()), "    next"]
    out += ["end", "config firewall policy"]
    for p in pols:
        src = " ".join(f'"{"GS" if i % 2 else "S"}{i}"' for i in p.src) or '"all"'
        dst = " ".join(f'"{"GD" if i % 2 else "D"}{i}"' for i in p.dst) or '"all"'
        svc = " ".join(f'"V{i}"' for i in p.svc) or '"ALL"'
        body = [
            "set srcintf " + " ".join(f'"{i}"' for i in p.srcintf),
            "set dstintf " + " ".join(f'"{i}"' for i in p.dstintf),
            f"set srcaddr {src}",
            f"set dstaddr {dst}",
            f"set service {svc}",
            'set schedule "always"',
        ]
        if p.action:
            body.append(f"set action {p.action}")
        if not p.enabled:
            body.append("set status disable")
        if p.src_negate:
            body.append("set srcaddr-negate enable")
        if p.dst_negate:
            body.append("set dstaddr-negate enable")
        out += [f"    edit {p.ident}", *(f"        {t}" for t in body), "    next"]
    out.append("end")
    return "\n".join(out) + "\n"


def _oracle(src_nets: list[Net], dst_nets: list[Net], svcs: list[Svc], pols: list[Pol],
            ingress: str, egress: str, p: Packet) -> bool:  # fmt: skip
    for pol in pols:
        if not pol.enabled or not pol.covers(pol.srcintf, ingress) or not pol.covers(pol.dstintf, egress):
            continue
        src = not pol.src or any(src_nets[i].matches(p.src, SRC_BASE, _SRC_BITS) for i in pol.src)
        dst = not pol.dst or any(dst_nets[i].matches(p.dst, DST_BASE, _DST_BITS) for i in pol.dst)
        svc = not pol.svc or any(svcs[i].matches(p) for i in pol.svc)
        if (src != pol.src_negate) and (dst != pol.dst_negate) and svc:
            return pol.action == "accept"
    return False


@settings(max_examples=120, deadline=None)
@given(_scenario())
def test_parsed_policies_equal_oracle(scenario: tuple[list[Net], list[Net], list[Svc], list[Pol]]) -> None:
    src_nets, dst_nets, svcs, pols = scenario
    text = _render(*scenario)
    result = parse(text, "generated.conf")
    assert not result.diagnostics, (text, result.diagnostics)
    packets = list(universe())
    for ingress in INTERFACES:
        for egress in INTERFACES:
            if ingress == egress:
                continue
            trace = trace_path(result.model, ingress, egress, UNIVERSE_SPACE)
            assert trace.lower.same_as(trace.upper)
            got = members(trace.lower)
            expected = {p for p in packets if _oracle(src_nets, dst_nets, svcs, pols, ingress, egress, p)}
            assert got == expected, (ingress, egress, text)


SDWAN = """config system interface
    edit "wan1"
        set ip 203.0.113.2 255.255.255.252
    next
    edit "wan2"
        set ip 198.51.100.2 255.255.255.252
    next
    edit "lan"
        set ip 192.168.1.1 255.255.255.0
        set role lan
    next
end
config system sdwan
    set status enable
    config zone
        edit "virtual-wan-link"
        next
    end
    config members
        edit 1
            set interface "wan1"
            set gateway 203.0.113.1
        next
        edit 2
            set interface "wan2"
            set gateway 198.51.100.1
        next
    end
end
config system settings
    set central-nat enable
end
config firewall vip
    edit "unused-but-central"
        set extip 203.0.113.2
        set mappedip "192.168.1.9"
        set portforward enable
        set protocol udp
        set extport 3478
    next
end
config firewall policy
    edit 1
        set srcintf "lan"
        set dstintf "virtual-wan-link"
        set srcaddr "all"
        set dstaddr "all"
        set action accept
        set schedule "always"
        set service "ALL"
        set nat enable
    next
end
"""


def test_sdwan_zone_stands_for_its_members_and_central_nat_vips_count() -> None:
    result, dispositions = parse_with_dispositions(SDWAN, "sdwan.conf")
    assert set(dispositions) == set(range(1, len(SDWAN.splitlines()) + 1))
    model = result.model
    for wan in ("wan1", "wan2"):
        trace = trace_path(model, "lan", wan, _space(pkt(TCP, "192.168.1.5", "17.0.0.1", 443)))
        assert not trace.lower.is_empty()
    assert {i.name: i.role for i in model.interfaces}["wan2"] is Role.OUTSIDE  # NAT policy hint
    assert [(m.protocols, m.outside_ports) for m in model.port_mappings] == [((UDP,), ((3478, 3478),))]
    assert not model.limitations


def _policy(extra: str) -> str:
    return (
        'config system interface\n    edit "a"\n        set ip 10.0.0.1 255.0.0.0\n    next\n'
        '    edit "b"\n        set ip 192.0.2.1 255.255.255.0\n    next\nend\n'
        'config firewall policy\n    edit 1\n        set srcintf "a"\n        set dstintf "b"\n'
        '        set srcaddr "all"\n        set dstaddr "all"\n        set service "ALL"\n'
        f'        set action accept\n        set schedule "always"\n{extra}    next\nend\n'
    )


@pytest.mark.parametrize(
    ("extra", "exact"),
    [
        ("", True),
        ("        set tos-mask 0x00\n        set logtraffic all\n", True),
        ('        set users "alice"\n', False),
        ("        set tos-mask 0x0f\n        set tos 0x04\n", False),
        ("        set some-future-key enable\n", False),
    ],
)
def test_conditions_outside_the_text_make_a_policy_inexact(extra: str, exact: bool) -> None:
    result = parse(_policy(extra), "p.conf")
    ruleset = result.model.ruleset("firewall policy a -> b (then implicit deny)")
    assert ruleset is not None
    (rule,) = ruleset.rules
    assert (rule.match is not None) is exact
    if not exact:
        assert rule.bound is not None and rule.source.line > 10  # points at the setting


def test_nested_block_in_a_policy_makes_it_inexact() -> None:
    extra = "        set identity-based enable\n        config identity-based-policy\n            edit 1\n"
    extra += '                set groups "staff"\n            next\n        end\n'
    result = parse(_policy(extra), "p.conf")
    ruleset = result.model.ruleset("firewall policy a -> b (then implicit deny)")
    assert ruleset is not None and ruleset.rules[0].match is None
    assert any(d.security_relevant and "identity-based" in d.source.text for d in result.diagnostics)


def test_empty_values_of_full_configuration_mean_unset() -> None:
    settings = "config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n"
    settings += "config system session-helper\nend\n"
    extra = "        set voip-profile ''\n        set users ''\n        set ssl-cipher-suites x\n"
    result = parse(settings + _policy(extra), "p.conf")
    sip = [f for f in result.model.features if f.kind == "sip"]
    assert [f.enabled for f in sip] == [False]  # no profile on the policy, no SIP helper
    ruleset = result.model.ruleset("firewall policy a -> b (then implicit deny)")
    assert ruleset is not None and ruleset.rules[0].match is None  # ssl-cipher-suites: not a policy key
    assert not any("users" in d.source.text for d in result.diagnostics)


_FRAGMENTS = st.sampled_from(
    [
        "config firewall policy", "config firewall address", "config firewall service custom",
        "config firewall vip", "config system interface", "config system zone", "config vdom",
        "config global", "config system settings", "config voip profile", "config sip",
        "config system session-helper", "config router static", "config firewall addrgrp",
        "edit 1", 'edit "x"', "edit root", "next", "end", "set srcintf x", "set dstintf any",
        "set srcaddr x all", "set dstaddr x", "set service x ALL", "set action accept",
        "set action", "set subnet 10.0.0.0 255.0.0.0", "set subnet 999.1.1.1/40", "set type iprange",
        "set start-ip 10.0.0.9", "set end-ip 10.0.0.1", "set tcp-portrange 5-1:2", "set udp-portrange x",
        "set protocol IP", "set protocol-number abc", "set extip 1.1.1.1-1.1.1.0", "set portforward enable",
        "set extport 99999", "set mappedip y", "set member x x", "set interface x", "set ip 1.2.3",
        'set name "unterminated', "append srcaddr x", "unset action", "delete x", "move 1 before 2",
        "purge", "set status disable", "set default-voip-alg-mode kernel-helper-based", "# c",
        "set exclude enable", "set exclude-member x", "set dst 0.0.0.0 0.0.0.0", "set device x",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40))
def test_parser_never_raises_and_accounts_for_every_line(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    result, dispositions = parse_with_dispositions(text, "fuzz.conf")
    assert set(dispositions) == set(range(1, result.line_count + 1))


def test_custom_service_naming_a_media_helper_turns_it_on() -> None:
    text = 'config firewall service custom\n    edit "voice"\n        set udp-portrange 5062\n'
    text += '        set helper sip\n    next\n    edit "web"\n        set tcp-portrange 80\n'
    text += "        set helper auto\n    next\nend\n"
    features = [f for f in parse(text, "s.conf").model.features if "custom service" in f.detail]
    assert [(f.kind, f.enabled, f.source.line if f.source else None) for f in features] == [("sip", True, 4)]


# --- the tokenizer's fast paths against the plain character walk -----------------------------


def _walk_tokens(text: str) -> tuple[list[str], bool]:
    """FortiOS word splitting, one character at a time (the reference the fast paths follow)."""
    tokens: list[str] = []
    current: list[str] = []
    quote = ""
    in_token = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
            else:
                current.append(ch)
        elif ch in "\"'":
            quote = ch
            in_token = True
        elif ch in " \t":
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
        else:
            current.append(ch)
            in_token = True
        i += 1
    if in_token:
        tokens.append("".join(current))
    return tokens, bool(quote)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=" \t\"'\\ab\n\r\x0b", max_size=16),
        st.text(alphabet=' \t"ab', max_size=16),  # the double-quote fast path
        st.lists(st.sampled_from(["set", "edit", '"port 1"', "'x'", '""', "a\\b", '"a\\"b"', " ", "\t"])).map(
            "".join
        ),
    )
)
def test_tokenize_agrees_with_a_character_walk(text: str) -> None:
    assert tokenize(text) == _walk_tokens(text)


_OCTETS = st.one_of(
    st.integers(0, 255).map(str),
    st.sampled_from(["00", "01", "256", "999", "", "1a", "²", " 1", "0x1", "1000"]),
)
_QUADS = st.lists(_OCTETS, min_size=3, max_size=5).map(".".join)
_MASKS = st.one_of(
    st.integers(0, 32).map(lambda n: str(ipaddress.IPv4Address((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF))),
    st.integers(0, 32).map(lambda n: str(ipaddress.IPv4Address((1 << (32 - n)) - 1))),  # host masks
    _QUADS,
)


@settings(max_examples=200, deadline=None)
@given(_QUADS, _MASKS)
def test_subnet_fast_path_agrees_with_ipaddress(address: str, mask: str) -> None:
    def read(read_subnet: Callable[[tuple[str, ...]], list[Cube]]) -> list[Cube] | str:
        try:
            return read_subnet((address, mask))
        except ValueError:
            return "refused"

    assert read(parse_subnet) == read(_general_subnet)


_PORTS = st.tuples(st.integers(0, 65535), st.integers(0, 65535)).map(sorted)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([("tcp-portrange", TCP), ("udp-portrange", UDP), ("sctp-portrange", 132)]),
    st.lists(st.tuples(_PORTS, st.one_of(st.none(), _PORTS)), min_size=1, max_size=3),
    st.tuples(st.integers(0, 0xFFFFFFFF), st.integers(0, 32)),
)
def test_directly_built_boxes_are_those_flowspace_builds(
    kind: tuple[str, int], ranges: list[tuple[list[int], list[int] | None]], net: tuple[int, int]
) -> None:
    key, number = kind
    texts = tuple(f"{d[0]}-{d[1]}" + (f":{s[0]}-{s[1]}" if s else "") for d, s in ranges)
    expected = FlowSpace.nothing()
    for d, s in ranges:
        expected = expected | FlowSpace.build(
            protocols=[(number, number)], dport=[(d[0], d[1])], sport=None if s is None else [(s[0], s[1])]
        )
    assert service_space({key: texts}, "svc").exact == expected
    care = (0xFFFFFFFF << (32 - net[1])) & 0xFFFFFFFF
    cube = (net[0] & care, care)
    assert _dst([cube]) == FlowSpace.build(dst=[cube])
