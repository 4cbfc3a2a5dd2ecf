"""juniper_junos remediation: goldens per verdict case, the set-form editor, rollback, and an oracle.

For every hand-labelled Junos config with a failing check (tests/verdicts/juniper_junos), the
rendered change and rollback must equal ``tests/remediation/juniper_junos/<case>.txt`` and be
verified by re-audit. The rollback applied to the merged text must give back the original
configuration (the same statements, the same order of policies, terms and NAT rules). The
property tests generate failing SRX policy lists and MX filters (the generators of
tests/parsers/test_juniper_junos.py, in set and brace form), remediate them, and check the
merged text packet by packet with an oracle of this file that reads the set commands itself.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import engine, parsers, policy
from auditor.model import Platform, Rule, Status
from auditor.remediation import DeviceRemediation, remediate
from auditor.remediation.junos_text import JunosText
from auditor.remediation.merge import MergeError
from tests.golden import check_golden
from tests.parsers.test_juniper_junos import (
    FLOWS,
    PORTS,
    Entry,
    _entries,
    render_filter,
    render_srx,
    to_brace,
)

ROOT = Path(__file__).parent
PACK = policy.resolve("apple-facetime-imessage")
OPTIONS = engine.AuditOptions()
CASES = sorted((ROOT / "verdicts" / "juniper_junos").glob("*.conf"))
# Cases that honestly cannot be verified, with a word of the reason that must be given.
NOT_VERIFIED: dict[str, str] = {}
_OK = (Status.PASS, Status.NOT_APPLICABLE)


def _remediate(
    text: str, name: str, options: engine.AuditOptions = OPTIONS
) -> tuple[DeviceRemediation, list[str]]:
    model = parsers.parse(Platform.JUNIPER_JUNOS, text, name).model
    findings = engine.audit(model, PACK, options)
    failing = [f.check for f in findings if f.status not in _OK]
    return remediate(Platform.JUNIPER_JUNOS, text, name, findings, [PACK], options), failing


def _golden_text(result: DeviceRemediation) -> str:
    parts = [result.config, "# --- rollback ---\n", result.rollback]
    parts.append(f"# --- verified: {str(result.verified).lower()}\n")
    if not result.verified:
        parts.append(f"# --- reason: {result.reason}\n")
    return "".join(parts)


def _meaning(rule: Rule) -> tuple[object, ...]:
    boxes = rule.match.canonical().boxes if rule.match is not None else None
    bound = rule.bound.canonical().boxes if rule.bound is not None else None
    return (rule.action, boxes, bound, rule.target)


def _same_configuration(original: str, restored: str) -> None:
    """The restored text holds the original's statements, and its lists in the original order."""
    assert sorted(JunosText(original).lines) == sorted(JunosText(restored).lines)
    before = parsers.parse(Platform.JUNIPER_JUNOS, original, "a.conf").model
    after = parsers.parse(Platform.JUNIPER_JUNOS, restored, "b.conf").model
    name = lambda r: re.sub(r"\(line \d+\)", "", r.name)  # noqa: E731
    assert [(name(r), [_meaning(x) for x in r.rules]) for r in before.rulesets] == [
        (name(r), [_meaning(x) for x in r.rules]) for r in after.rulesets
    ]
    strip = lambda m: (m.protocols, m.inside_address, m.outside_address, m.inside_ports, m.outside_ports)  # noqa: E731
    assert [strip(m) for m in before.port_mappings] == [strip(m) for m in after.port_mappings]
    assert [(f.kind, f.enabled) for f in before.features] == [(f.kind, f.enabled) for f in after.features]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_junos(path: Path, update_golden: bool) -> None:
    text = path.read_text()
    result, failing = _remediate(text, path.name)
    if not failing:
        assert result.verified and result.config == ""
        return
    if path.stem in NOT_VERIFIED:
        assert not result.verified
        assert NOT_VERIFIED[path.stem] in result.reason, result.reason
    else:
        assert result.verified, result.reason
        assert set(result.per_check) == set(failing)
        after = parsers.parse(Platform.JUNIPER_JUNOS, result.merged, path.name).model
        for finding in engine.audit(after, PACK, OPTIONS):
            assert finding.status in _OK, (finding.check, finding.summary)
    check_golden(
        ROOT / "remediation" / "juniper_junos" / f"{path.stem}.txt", _golden_text(result), update_golden
    )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_rollback_restores_the_configuration(path: Path) -> None:
    text = path.read_text()
    result, failing = _remediate(text, path.name)
    if not failing or not result.merged:
        return
    editor = JunosText(result.merged)
    editor.apply(result.rollback)
    _same_configuration(text, editor.text())


# --- the editor ------------------------------------------------------------------------------

SRX = """set security policies from-zone trust to-zone untrust policy a match source-address any
set security policies from-zone trust to-zone untrust policy a match destination-address any
set security policies from-zone trust to-zone untrust policy a match application junos-http
set security policies from-zone trust to-zone untrust policy a then permit
set security policies from-zone trust to-zone untrust policy b match source-address any
set security policies from-zone trust to-zone untrust policy b match destination-address any
set security policies from-zone trust to-zone untrust policy b match application [ junos-dns-udp junos-ntp ]
set security policies from-zone trust to-zone untrust policy b then deny
set security alg sip disable
"""


def test_new_policy_goes_last_in_its_context_and_insert_moves_it() -> None:
    editor = JunosText(SRX)
    editor.apply("set security policies from-zone trust to-zone untrust policy n then permit\n")
    assert editor.lines[8] == "set security policies from-zone trust to-zone untrust policy n then permit"
    editor.apply("insert security policies from-zone trust to-zone untrust policy n before policy b\n")
    names = [line.split()[8] for line in editor.lines if line.startswith("set security policies")]
    assert list(dict.fromkeys(names)) == ["a", "n", "b"]


def test_editor_refuses_what_the_cli_would_refuse() -> None:
    editor = JunosText(SRX)
    with pytest.raises(MergeError, match="statement not found"):
        editor.apply("delete security alg h323 disable\n")
    with pytest.raises(MergeError, match="no policy c"):
        editor.apply(
            "set security policies from-zone trust to-zone untrust policy n then permit\n"
            "insert security policies from-zone trust to-zone untrust policy n before policy c\n"
        )
    with pytest.raises(MergeError, match="no such element"):
        editor.apply("insert security policies from-zone trust to-zone untrust policy z before policy a\n")
    with pytest.raises(MergeError, match="not understood"):
        editor.apply("rename security policies from-zone trust to-zone untrust policy a to policy q\n")


def test_delete_keeps_the_other_values_of_a_list_line() -> None:
    editor = JunosText(SRX)
    editor.apply(
        "delete security policies from-zone trust to-zone untrust policy b match application junos-ntp\n"
    )
    assert (
        "set security policies from-zone trust to-zone untrust policy b match application junos-dns-udp"
        in editor.lines
    )
    assert not any("junos-ntp" in line for line in editor.lines)


def test_brace_form_becomes_display_set_with_deactivate_lines() -> None:
    plain = SRX.replace("[ junos-dns-udp junos-ntp ]", "junos-ntp")  # the helper writes no lists
    brace = to_brace(plain + "deactivate security policies from-zone trust to-zone untrust policy b\n")
    editor = JunosText(brace)
    assert "deactivate security policies from-zone trust to-zone untrust policy b" in editor.lines
    assert "set security alg sip disable" in editor.lines
    before = parsers.parse(Platform.JUNIPER_JUNOS, brace, "b.conf").model
    after = parsers.parse(Platform.JUNIPER_JUNOS, editor.text(), "s.conf").model
    assert [[_meaning(r) for r in s.rules] for s in before.rulesets] == [
        [_meaning(r) for r in s.rules] for s in after.rulesets
    ]


# --- placement rules ----------------------------------------------------------------------------

HEAD = """set interfaces ge-0/0/0 unit 0 family inet address 203.0.113.2/30
set interfaces ge-0/0/1 unit 0 family inet address 10.1.1.1/24
set routing-options static route 0.0.0.0/0 next-hop 203.0.113.1
set security alg sip disable
set security alg h323 disable
set security alg rtsp disable
set security alg sccp disable
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone untrust interfaces ge-0/0/0.0
"""


def test_zone_address_books_get_the_new_addresses() -> None:
    text = HEAD + (
        "set security zones security-zone untrust address-book address WEB 192.0.2.0/24\n"
        "set security policies from-zone trust to-zone untrust policy web match source-address any\n"
        "set security policies from-zone trust to-zone untrust policy web match destination-address WEB\n"
        "set security policies from-zone trust to-zone untrust policy web match application junos-https\n"
        "set security policies from-zone trust to-zone untrust policy web then permit\n"
    )
    result, _ = _remediate(text, "zb.conf")
    assert result.verified, result.reason
    assert (
        "set security zones security-zone trust address-book address auditor-10.1.1.0-24 10.1.1.0/24"
        in result.config
    )
    assert (
        "set security zones security-zone untrust address-book address auditor-17.0.0.0-8 17.0.0.0/8"
        in result.config
    )
    assert "address-book global" not in result.config


def test_global_deny_gets_a_zone_policy_and_existing_names_are_not_reused() -> None:
    text = HEAD + (
        "set applications application auditor-tcp-5223 protocol tcp\n"
        "set applications application auditor-tcp-5223 destination-port 5222\n"
        "set security policies global policy no-push match source-address any\n"
        "set security policies global policy no-push match destination-address any\n"
        "set security policies global policy no-push match application junos-https\n"
        "set security policies global policy no-push then permit\n"
    )
    result, _ = _remediate(text, "g.conf")
    assert result.verified, result.reason
    assert "set applications application auditor-tcp-5223-2 destination-port 5223" in result.config
    assert "delete applications application auditor-tcp-5223-2" in result.rollback
    assert "delete applications application auditor-tcp-5223\n" not in result.rollback
    # A new context was created: the rollback removes it whole.
    assert "delete security policies from-zone trust to-zone untrust\n" in result.rollback


def test_a_nat_rule_in_the_middle_is_restored_at_its_place() -> None:
    text = HEAD + (
        "set security nat destination pool WEB address 10.1.1.10/32\n"
        "set security nat destination pool PUSH address 10.1.1.20/32\n"
        "set security nat destination rule-set in from zone untrust\n"
        "set security nat destination rule-set in rule web match destination-address 203.0.113.2/32\n"
        "set security nat destination rule-set in rule web match destination-port 8080\n"
        "set security nat destination rule-set in rule web then destination-nat pool WEB\n"
        "set security nat destination rule-set in rule push match destination-address 203.0.113.2/32\n"
        "set security nat destination rule-set in rule push match destination-port 5223\n"
        "set security nat destination rule-set in rule push then destination-nat pool PUSH\n"
        "set security nat destination rule-set in rule late match destination-address 203.0.113.2/32\n"
        "set security nat destination rule-set in rule late match destination-port 9000\n"
        "set security nat destination rule-set in rule late then destination-nat pool WEB\n"
        "set security policies from-zone trust to-zone untrust policy out match source-address any\n"
        "set security policies from-zone trust to-zone untrust policy out match destination-address any\n"
        "set security policies from-zone trust to-zone untrust policy out match application any\n"
        "set security policies from-zone trust to-zone untrust policy out then permit\n"
    )
    result, _ = _remediate(text, "nat.conf")
    assert result.verified, result.reason
    assert "delete security nat destination rule-set in rule push\n" in result.config
    assert "insert security nat destination rule-set in rule push before rule late\n" in result.rollback
    editor = JunosText(result.merged)
    editor.apply(result.rollback)
    assert editor.lines == text.splitlines()


# --- per-packet oracle over the merged set commands ----------------------------------------------

Packet = tuple[str, int, int, int]  # protocol, source, destination, destination port
INSIDE = ipaddress.ip_network("10.1.1.0/24")
APPLE = ipaddress.ip_network("17.0.0.0/8")
SOURCES = [int(ipaddress.ip_address(a)) for a in ("10.1.1.7", "10.200.0.1", "198.51.100.9")]
DESTINATIONS = [int(ipaddress.ip_address(a)) for a in ("17.1.2.3", "8.8.8.8")]
SAMPLE_PORTS = sorted({*PORTS, 80, 443, 5223, 1, 65535})
PACKETS: list[Packet] = [
    (proto, s, d, port)
    for proto in ("tcp", "udp")
    for s in SOURCES
    for d in DESTINATIONS
    for port in SAMPLE_PORTS
]


def _required(packet: Packet) -> bool:
    proto, src, dst, port = packet
    if ipaddress.ip_address(src) not in INSIDE or ipaddress.ip_address(dst) not in APPLE:
        return False
    return any(p == proto and lo <= port <= hi for p, (lo, hi) in FLOWS.values())


@dataclass
class _Config:
    """What the oracle reads from set commands: one policy context, the global ones, or one filter."""

    addresses: dict[str, list[ipaddress.IPv4Network]] = field(default_factory=dict)
    applications: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)
    elements: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)  # (list, name)
    inactive: set[tuple[str, str]] = field(default_factory=set)
    default: str = "deny-all"


def _ports(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def _read(text: str) -> _Config:
    cfg = _Config()
    for line in text.splitlines():
        w = line.split()
        if w[:1] == ["deactivate"] and len(w) >= 3:
            cfg.inactive.add((w[-2], w[-1]))
        if w[:1] != ["set"]:
            continue
        w = w[1:]
        if w[:3] == ["security", "address-book", "global"] and w[3] == "address":
            cfg.addresses.setdefault(w[4], []).append(ipaddress.ip_network(w[5]))
        elif w[:2] == ["applications", "application"]:
            app = cfg.applications.setdefault(w[2], [("", 0, 0)])
            proto, low, high = app[0]
            for key, value in zip(w[3::2], w[4::2], strict=False):
                if key == "protocol":
                    proto = value
                elif key == "destination-port":
                    low, high = _ports(value)
            app[0] = (proto, low, high)
        elif w[:3] == ["security", "policies", "from-zone"] and w[3:6] == ["trust", "to-zone", "untrust"]:
            element = cfg.elements.setdefault(("zone", w[7]), {})
            element.setdefault(w[8] if w[8] == "then" else w[9], []).append(w[-1])
        elif w[:3] == ["security", "policies", "global"]:
            element = cfg.elements.setdefault(("global", w[4]), {})
            element.setdefault(w[5] if w[5] == "then" else w[6], []).append(w[-1])
        elif w[:3] == ["security", "policies", "default-policy"]:
            cfg.default = w[3]
        elif w[:5] == ["firewall", "family", "inet", "filter", "IN"]:
            element = cfg.elements.setdefault(("term", w[6]), {})
            key = w[8] if w[7] == "from" else "then"
            element.setdefault(key, []).append(" ".join(w[8:]) if key == "then" else w[9])
    return cfg


def _in(address: int, names: list[str], cfg: _Config) -> bool:
    ip = ipaddress.ip_address(address)
    return any(n == "any" or any(ip in net for net in cfg.addresses[n]) for n in names)


def _srx_permits(cfg: _Config, packet: Packet) -> bool:
    proto, src, dst, port = packet
    ordered = [k for k in cfg.elements if k[0] == "zone"] + [k for k in cfg.elements if k[0] == "global"]
    for key in ordered:
        policy_ = cfg.elements[key]
        if (("policy", key[1]) in cfg.inactive) or (
            key[0] == "global" and policy_.get("from-zone") != ["trust"]
        ):
            continue
        apps = [a for name in policy_["application"] for a in cfg.applications[name]]
        if (
            _in(src, policy_["source-address"], cfg)
            and _in(dst, policy_["destination-address"], cfg)
            and any(p == proto and lo <= port <= hi for p, lo, hi in apps)
        ):
            return policy_["then"] == ["permit"]
    return cfg.default == "permit-all"


def _filter_permits(cfg: _Config, packet: Packet) -> bool:
    proto, src, dst, port = packet
    for key, term in cfg.elements.items():
        if ("term", key[1]) in cfg.inactive:
            continue
        ip_src, ip_dst = ipaddress.ip_address(src), ipaddress.ip_address(dst)
        if "protocol" in term and proto not in term["protocol"]:
            continue
        if "source-address" in term and not any(
            ip_src in ipaddress.ip_network(n) for n in term["source-address"]
        ):
            continue
        if "destination-address" in term and not any(
            ip_dst in ipaddress.ip_network(n) for n in term["destination-address"]
        ):
            continue
        if "destination-port" in term and not any(
            _ports(p)[0] <= port <= _ports(p)[1] for p in term["destination-port"]
        ):
            continue
        actions = term.get("then", [])
        if "next term" in actions:
            continue
        return "discard" not in actions and "reject" not in actions
    return False


def _check_against_oracle(
    original: str, brace: bool, permits: Callable[[_Config, Packet], bool], options: engine.AuditOptions
) -> None:
    text = to_brace(original) if brace else original
    result, failing = _remediate(text, "gen.conf", options)
    if not failing:
        return
    assert result.verified, (result.reason, text)
    before, after = _read(original), _read(result.merged)
    for packet in PACKETS:
        was, now = permits(before, packet), permits(after, packet)
        if _required(packet):
            assert now, (packet, result.config)
        elif was:
            assert now, ("lost", packet, result.config)
        else:
            assert not now, ("newly permitted", packet, result.config)
    editor = JunosText(result.merged)
    editor.apply(result.rollback)
    restored = _read(editor.text())
    assert [permits(restored, p) for p in PACKETS] == [permits(before, p) for p in PACKETS]


SRX_OPTIONS = engine.AuditOptions(inside_interfaces=("ge-0/0/1.0",), outside_interfaces=("ge-0/0/0.0",))
ALGS_OFF = "".join(f"set security alg {a} disable\n" for a in ("sip", "h323", "rtsp", "sccp"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_entries(["permit", "deny", "reject"]), max_size=4),
    st.lists(st.tuples(_entries(["permit", "deny"]), st.booleans()), max_size=3),
    st.sampled_from([None, "deny-all", "permit-all"]),
    st.booleans(),
)
def test_srx_remediation_equals_oracle(
    zone: list[Entry], glob: list[tuple[Entry, bool]], default: str | None, brace: bool
) -> None:
    original = render_srx(zone, glob, default) + ALGS_OFF
    _check_against_oracle(original, brace, _srx_permits, SRX_OPTIONS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_entries(["accept", "discard", "none", "next"]), max_size=5), st.booleans())
def test_filter_remediation_equals_oracle(terms: list[Entry], brace: bool) -> None:
    options = engine.AuditOptions(inside_interfaces=("xe-0/0/1.0",), outside_interfaces=("xe-0/0/0.0",))
    _check_against_oracle(render_filter(terms), brace, _filter_permits, options)


CORPUS = sorted((ROOT.parent.parent / "shared" / "corpus" / "juniper_junos").glob("*"))


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_changes_apply_and_roll_back(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    result, failing = _remediate(text, path.name)
    if not result.merged:
        assert not result.verified or not failing, result.reason
        return
    editor = JunosText(result.merged)
    editor.apply(result.rollback)
    _same_configuration(text, editor.text())


def test_filter_list_gets_terms_in_the_filter_that_denies() -> None:
    text = (
        "set interfaces xe-0/0/0 unit 0 family inet address 198.51.100.1/30\n"
        "set interfaces xe-0/0/1 unit 0 family inet address 10.1.1.1/24\n"
        "set interfaces xe-0/0/1 unit 0 family inet filter input-list A\n"
        "set interfaces xe-0/0/1 unit 0 family inet filter input-list B\n"
        "set routing-options static route 0.0.0.0/0 next-hop 198.51.100.2\n"
        "set firewall filter A term web from protocol tcp\n"
        "set firewall filter A term web from destination-port 443\n"
        "set firewall filter A term web then accept\n"
        "set firewall filter B term block from protocol udp\n"
        "set firewall filter B term block then discard\n"
    )
    result, _ = _remediate(text, "list.conf")
    assert result.verified, result.reason
    assert "insert firewall filter B term auditor-udp-3478-3497-1 before term block\n" in result.config
    assert "set firewall filter B term auditor-tcp-80-1 then accept\n" in result.config
    assert "insert firewall filter B term auditor-tcp-80-1" not in result.config
    editor = JunosText(result.merged)
    editor.apply(result.rollback)
    assert editor.lines == text.splitlines()


def test_static_nat_rule_with_ports_is_deleted_and_restored() -> None:
    text = HEAD + (
        "set security nat static rule-set st from zone untrust\n"
        "set security nat static rule-set st rule push match destination-address 203.0.113.2/32\n"
        "set security nat static rule-set st rule push then static-nat prefix 10.1.1.20/32\n"
        "set security policies from-zone trust to-zone untrust policy out match source-address any\n"
        "set security policies from-zone trust to-zone untrust policy out match destination-address any\n"
        "set security policies from-zone trust to-zone untrust policy out match application any\n"
        "set security policies from-zone trust to-zone untrust policy out then permit\n"
    )
    result, _ = _remediate(text, "static.conf")
    assert result.verified, result.reason
    assert "delete security nat static rule-set st\n" in result.config
    assert "every protocol and port" in result.config
    editor = JunosText(result.merged)
    editor.apply(result.rollback)
    _same_configuration(text, editor.text())  # Junos prints hierarchies in schema order


def test_an_interface_in_no_zone_is_left_to_a_person() -> None:
    text = HEAD.replace("set security zones security-zone trust interfaces ge-0/0/1.0\n", "")
    result, failing = _remediate(text, "nozone.conf", SRX_OPTIONS)
    assert "tcp-443" in failing and not result.verified
    assert "in no security zone" in result.unresolved["tcp-443"]


def test_a_denying_policy_from_a_group_is_left_to_a_person() -> None:
    base = "set groups G security policies from-zone trust to-zone untrust policy no-web"
    text = HEAD + (
        f"{base} match source-address any\n"
        f"{base} match destination-address any\n"
        f"{base} match application junos-https\n"
        f"{base} then deny\n"
        "set apply-groups G\n"
        "set security policies default-policy permit-all\n"
    )
    result, failing = _remediate(text, "group.conf", SRX_OPTIONS)
    assert "tcp-443" in failing and not result.verified
    assert "inherited from a configuration group" in result.unresolved["tcp-443"]


# --- the editor's fast paths agree with its line-by-line reading -----------------------------

_WORD = st.sampled_from(["security", "policies", "policy", "p1", "p2", "match", "then", "permit", "a", "b",
                         '"x y"', '"t\tab"', '""', "[", "]"])  # fmt: skip
_VERB = st.sampled_from(["set", "set", "set", "deactivate", "delete", "activate", "#", "/*"])
_PLAIN_WORD = st.sampled_from(["security", "policies", "policy", "p1", "p2", "match", "a", "b"])
_COMMAND_LINE = st.one_of(
    st.tuples(_VERB, st.lists(_WORD, max_size=6)).map(lambda v: " ".join([v[0], *v[1]])),
    st.tuples(st.sampled_from(["set", "set", "deactivate", "delete"]), st.lists(_PLAIN_WORD, max_size=6)).map(
        lambda v: " ".join([v[0], *v[1]])
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_COMMAND_LINE, max_size=15), st.lists(st.lists(_WORD, max_size=6), min_size=1, max_size=4))
def test_editor_places_a_set_as_the_line_scan_does(lines: list[str], commands: list[list[str]]) -> None:
    """The substring search over line keys finds the same place (or "already there") as the
    line-by-line scan, and a plain line reads as the lexer reads it."""
    from auditor.remediation import junos_text

    for line in lines:
        verb = line.split()[0]
        if verb in ("set", "deactivate") and junos_text._NOT_PLAIN.search(line) is None:
            assert junos_text._paths(line) == junos_text._lexed_paths.__wrapped__(line)
    editor = JunosText("\n".join(lines) + "\n")
    assert editor._parsed == [junos_text._paths(line) for line in editor.lines]  # plain files read fast
    assert editor._keys == [junos_text._key(parsed) for parsed in editor._parsed]
    for words in commands:
        rendered = "set " + " ".join(words)
        paths = [s.words for s in junos_text.lex(rendered).statements]
        for path in paths:
            if path and None not in editor._keys:
                assert editor._place_search(path) == editor._place_scan(path), (editor.lines, path)
        if paths:
            editor.apply(rendered)


_SIMPLE_WORD = st.sampled_from(
    ["security", "policies", "policy", "p1", "p2", "p10", "match", "then", "a", "b", "ab", "x\ty"]
)  # p1 and p10, a and ab: a word that starts another
_SIMPLE_LINE = st.lists(_SIMPLE_WORD, min_size=1, max_size=6).map(lambda w: "set " + " ".join(w))


_SIMPLE_COMMAND = st.one_of(
    st.lists(st.one_of(_SIMPLE_WORD, _WORD), min_size=1, max_size=6).map(lambda w: "set " + " ".join(w)),
    st.tuples(
        st.lists(_SIMPLE_WORD, min_size=1, max_size=4),
        st.sampled_from(["policy", "match", "a"]),
        _SIMPLE_WORD,
    ).map(lambda c: f"insert {' '.join(c[0])} {c[1]} {c[2]} before {c[1]} {c[2] if c[2] != 'a' else 'b'}"),
    st.lists(_SIMPLE_WORD, min_size=1, max_size=3).map(lambda w: "delete " + " ".join(w)),
)


def _apply_to_both(fast: JunosText, slow: JunosText, rendered: str) -> None:
    """Apply ``rendered`` to both editors: both take it, or both refuse it with the same reason."""
    refused = []
    for editor in (fast, slow):
        try:
            editor.apply(rendered)
        except MergeError as exc:
            refused.append(str(exc))
    assert len(refused) in (0, 2) and refused[:1] == refused[1:]


@settings(max_examples=200, deadline=None)
@given(st.lists(_SIMPLE_LINE, min_size=1, max_size=15), st.lists(_SIMPLE_COMMAND, min_size=1, max_size=6))
def test_a_simple_file_takes_commands_as_its_line_lists_do(lines: list[str], commands: list[str]) -> None:
    """A file of simple set lines edits its text; the same commands on its per-line lists (read
    up front) give the same lines or the same refusal, and the text stays those lines."""
    from auditor.remediation import junos_text

    text = "\n".join(lines) + "\n"
    fast, slow = JunosText(text), JunosText(text)
    assert (fast._body is not None) == all("\t" not in line for line in lines)
    slow._read_rows()
    for rendered in commands:
        if not junos_text.lex("set" + rendered.partition(" ")[1] + rendered.partition(" ")[2]).statements:
            continue
        _apply_to_both(fast, slow, rendered)
        assert fast.text() == slow.text()  # read from the joined keys while no line is asked for
        assert fast.lines == slow.lines
        if fast._body is not None:  # still edited as its text: every line still simple
            assert fast._body == "\n" + "".join(line + "\n" for line in slow.lines)
            assert junos_text._simple(fast.text())
    assert fast._parsed == slow._parsed and fast._keys == slow._keys


_POLICY_LINE = st.tuples(
    st.sampled_from(["p1", "p2", "p3"]),
    st.lists(st.sampled_from(["match", "a", "then", "permit"]), max_size=3),
).map(lambda v: " ".join(["set security policies policy", v[0], *v[1]]))
_POLICY_INSERT = st.tuples(
    st.sampled_from(["p1", "p2", "p3", "p4"]), st.sampled_from(["p1", "p2", "p3"])
).map(lambda v: f"insert security policies policy {v[0]} before policy {v[1]}")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_POLICY_LINE, min_size=1, max_size=12),
    st.lists(st.one_of(_POLICY_INSERT, _POLICY_LINE), min_size=1, max_size=5),
)
def test_a_simple_file_moves_elements_as_its_line_lists_do(lines: list[str], commands: list[str]) -> None:
    """``insert`` on a simple file's text moves the same lines (or refuses the same way) as on
    its per-line lists, elements named as their lines name them."""
    text = "\n".join(lines) + "\n"
    fast, slow = JunosText(text), JunosText(text)
    assert fast._body is not None
    slow._read_rows()
    for rendered in commands:
        _apply_to_both(fast, slow, rendered)
        assert fast.text() == slow.text()
        assert fast.lines == slow.lines


def _mostly(usual: list[str], others: list[str]) -> st.SearchStrategy[str]:
    """One of ``usual`` five times in six, else one of ``others``."""
    return st.sampled_from(usual * (5 * len(others)) + others * len(usual))


_RAW_WORD = _mostly(["policy", "p1", "a"], ["*", "/*", "{", '"q"', "é", "\x00", "\x01", ""])
_RAW_SPACE = _mostly([" "], ["  ", "\t", "\x1c", "\r", ""])


@st.composite
def _raw_line(draw: st.DrawFn) -> str:
    """Mostly ``set`` and plain words at single spaces; sometimes another verb, space or word."""
    verb = draw(_mostly(["set"], ["deactivate", ""]))
    words = draw(st.lists(_RAW_WORD, min_size=1, max_size=4))
    gaps = [draw(_RAW_SPACE) for _ in words]
    lead, trail = draw(_mostly([""], [" "])), draw(_mostly([""], [" ", "\t"]))
    return lead + verb + "".join(gap + word for gap, word in zip(gaps, words, strict=True)) + trail


@settings(max_examples=200, deadline=None)
@given(st.lists(_raw_line(), min_size=1, max_size=4), st.sampled_from([True, True, False]))
def test_a_file_is_simple_by_its_lexed_lines_as_by_its_text(lines: list[str], newline: bool) -> None:
    """``_simple_file`` (the lexer's words of each line) says what ``_simple`` (searches over
    the whole text) says."""
    from auditor.remediation import junos_text

    text = "\n".join(lines) + ("\n" if newline else "")
    assert junos_text._simple_file(text) == junos_text._simple(text), repr(text)
