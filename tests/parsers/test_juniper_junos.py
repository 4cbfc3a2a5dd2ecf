"""Tests for the juniper_junos parser: goldens per feature and per corpus file, direct semantic
checks, line accounting, detection, and Hypothesis tests against a brute-force oracle."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine import AuditOptions, audit
from auditor.flowspace import STATE_ESTABLISHED, STATE_NEW, TCP, UDP, Packet
from auditor.model import Action, Direction, Platform, Provenance, Role, Status
from auditor.parsers.juniper_junos import looks_like, parse, parse_with_dispositions
from auditor.policy import resolve
from tests import golden

HERE = Path(__file__).parent / "juniper_junos"
REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "corpus"
CORPUS = SHARED / "juniper_junos"
CASES = sorted(HERE.glob("*.conf"))
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
OTHER_FILES = (
    sorted(p for p in SHARED.glob("*/*") if p.parent.name != "juniper_junos" and p.is_file())
    if SHARED.is_dir()
    else []
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
    assert parse(text, conf.name) == result  # parse skips the accounting, nothing else
    assert result.line_count == len(text.split("\n")) - (1 if text.endswith("\n") else 0)
    assert set(dispositions) == set(range(1, result.line_count + 1))
    assert result.model.platform is Platform.JUNIPER_JUNOS
    for diag in result.diagnostics:  # every diagnostic names the real file line
        assert diag.source.text == text.split("\n")[diag.source.line - 1].rstrip("\r")


@pytest.mark.parametrize("conf", CASES + CORPUS_FILES, ids=[c.name for c in CASES + CORPUS_FILES])
def test_detects_junos(conf: Path) -> None:
    assert looks_like(conf.read_text(encoding="utf-8"))


@pytest.mark.skipif(not OTHER_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", OTHER_FILES, ids=[f"{c.parent.name}/{c.name}" for c in OTHER_FILES])
def test_does_not_claim_other_platforms(conf: Path) -> None:
    assert not looks_like(conf.read_text(encoding="utf-8", errors="replace"))


# --- helpers -----------------------------------------------------------------------------

HEAD = """set system host-name t
set interfaces ge-0/0/0 unit 0 family inet address 203.0.113.2/30
set interfaces ge-0/0/1 unit 0 family inet address 10.1.1.1/24
set security zones security-zone trust interfaces ge-0/0/1.0
set security zones security-zone untrust interfaces ge-0/0/0.0
"""
PACK = resolve("apple-facetime-imessage")
OPTIONS = AuditOptions(inside_interfaces=("ge-0/0/1.0",), outside_interfaces=("ge-0/0/0.0",))


def _verdicts(text: str) -> dict[str, Status]:
    return {f.check: f.status for f in audit(parse(text, "t.conf").model, PACK, OPTIONS)}


def P(proto: int, src: str, dst: str, dport: int, state: int = STATE_NEW) -> Packet:  # noqa: N802
    return Packet(proto, ip(src), ip(dst), 1024, dport, state)


def _case(name: str):  # type: ignore[no-untyped-def]
    return parse((HERE / name).read_text(encoding="utf-8"), name)


# --- formats, lines, inactive, groups ----------------------------------------------------


def test_brace_and_set_forms_give_the_same_rules() -> None:
    brace, flat = _case("inactive_rule.brace.conf").model, _case("deactivated_rule.set.conf").model
    name = (
        "from-zone trust to-zone untrust, then global policies, "
        "then default-policy deny-all (Junos default; does not print)"
    )
    a, b = brace.ruleset(name), flat.ruleset(name)
    assert a is not None and b is not None
    assert (
        [r.action for r in a.rules] == [r.action for r in b.rules] == [Action.PERMIT]
    )  # the inactive one is gone
    assert all(
        x.match is not None and y.match is not None and x.match.same_as(y.match)
        for x, y in zip(a.rules, b.rules, strict=True)
    )


def test_rule_sources_are_original_file_lines() -> None:
    result = _case("partial_range.brace.conf")
    (ruleset,) = [r for r in result.model.rulesets if r.name.startswith("from-zone trust")]
    (rule,) = ruleset.rules
    assert rule.source.text.strip() == "policy web-and-some-stun {"
    assert rule.source.line == 38


def test_groups_are_inherited_with_wildcards_and_unapplied_groups_ignored() -> None:
    result, dispositions = parse_with_dispositions((HERE / "groups.set.conf").read_text(), "g")
    model = result.model
    assert {f.kind: f.enabled for f in model.features}["sip"] is False
    assert {f.kind: f.enabled for f in model.features}["h323"] is True  # group UNUSED is not applied
    out = [b for b in model.bindings if b.direction is Direction.OUT]
    assert [(b.interface, b.ruleset, b.source.line) for b in out] == [("ge-0/0/0.0", "NO-PUSH", 7)]
    assert dispositions[8].value == "ignored"


# --- SRX policies ------------------------------------------------------------------------


def test_deny_before_permit_and_default_route_roles() -> None:
    verdicts = _verdicts(_case_text("deny_before_permit.set.conf"))
    assert verdicts["udp-3478-3497"] is Status.FAIL
    assert verdicts["tcp-5223"] is Status.PASS
    model = _case("deny_before_permit.set.conf").model
    roles = {i.name: i.role for i in model.interfaces}
    assert roles == {"ge-0/0/0.0": Role.OUTSIDE, "ge-0/0/1.0": Role.INSIDE}


def _case_text(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def test_default_policy_permit_all_flips_the_verdict() -> None:
    text = _case_text("default_permit_all.set.conf")
    assert _verdicts(text)["tcp-443"] is Status.PASS
    without = text.replace("set security policies default-policy permit-all\n", "")
    assert _verdicts(without)["tcp-443"] is Status.FAIL
    model = parse(without, "t").model
    (ruleset,) = [r for r in model.rulesets if r.name.startswith("from-zone trust to-zone untrust")]
    assert "Junos default; does not print" in ruleset.name and ruleset.default_action is Action.DENY


def test_intra_zone_traffic_needs_a_policy() -> None:
    text = HEAD + "set interfaces ge-0/0/2 unit 0 family inet address 10.2.2.1/24\n"
    text += "set security zones security-zone trust interfaces ge-0/0/2.0\n"
    model = parse(text, "t").model
    binding = next(b for b in model.bindings if b.interface == "ge-0/0/1.0" and b.peer == "ge-0/0/2.0")
    ruleset = model.ruleset(binding.ruleset)
    assert (
        ruleset is not None and ruleset.name.startswith("from-zone trust to-zone trust") and not ruleset.rules
    )


def test_global_policies_follow_zone_policies_and_respect_zones() -> None:
    text = HEAD + (
        "set security policies from-zone trust to-zone untrust policy web match source-address any\n"
        "set security policies from-zone trust to-zone untrust policy web match destination-address any\n"
        "set security policies from-zone trust to-zone untrust policy web match application junos-https\n"
        "set security policies from-zone trust to-zone untrust policy web then permit\n"
        "set security policies global policy g1 match source-address any\n"
        "set security policies global policy g1 match destination-address any\n"
        "set security policies global policy g1 match application any\n"
        "set security policies global policy g1 match from-zone dmz\n"
        "set security policies global policy g1 then deny\n"
        "set security policies global policy g2 match source-address any\n"
        "set security policies global policy g2 match destination-address any\n"
        "set security policies global policy g2 match application junos-http\n"
        "set security policies global policy g2 then permit\n"
    )
    verdicts = _verdicts(text)
    assert verdicts["tcp-443"] is Status.PASS and verdicts["tcp-80"] is Status.PASS
    assert verdicts["tcp-5223"] is Status.FAIL


def test_nested_sets_and_zone_address_book() -> None:
    model = _case("nested_sets.set.conf").model
    (ruleset,) = [r for r in model.rulesets if r.name.startswith("from-zone trust")]
    (rule,) = ruleset.rules
    assert rule.match is not None and rule.action is Action.PERMIT  # permit application-services
    assert P(UDP, "10.2.1.9", "17.1.2.3", 16400) in rule.match
    assert P(TCP, "10.2.2.9", "17.1.2.3", 5223) in rule.match
    assert P(TCP, "10.2.3.9", "17.1.2.3", 5223) not in rule.match  # not in LANS
    assert P(UDP, "10.2.1.9", "17.1.2.3", 16390) not in rule.match


def test_any_ipv6_matches_no_ipv4_and_dns_name_is_inexact() -> None:
    text = HEAD + (
        "set security address-book global address CDN dns-name cdn.example.com\n"
        "set security policies from-zone trust to-zone untrust policy v6 match source-address any\n"
        "set security policies from-zone trust to-zone untrust policy v6 match destination-address any-ipv6\n"
        "set security policies from-zone trust to-zone untrust policy v6 match application any\n"
        "set security policies from-zone trust to-zone untrust policy v6 then deny\n"
        "set security policies from-zone trust to-zone untrust policy cdn match source-address any\n"
        "set security policies from-zone trust to-zone untrust policy cdn match destination-address CDN\n"
        "set security policies from-zone trust to-zone untrust policy cdn match application any\n"
        "set security policies from-zone trust to-zone untrust policy cdn then permit\n"
    )
    result = parse(text, "t")
    (ruleset,) = [r for r in result.model.rulesets if r.name.startswith("from-zone trust")]
    v6, cdn = ruleset.rules
    assert v6.match is not None and v6.match.is_empty()
    assert cdn.match is None and cdn.action is Action.PERMIT
    assert any("dns-name" in d.reason for d in result.diagnostics)
    assert _verdicts(text)["tcp-443"] is Status.UNKNOWN


def test_unknown_predefined_application_is_unknown_not_guessed() -> None:
    text = HEAD + (
        "set security policies from-zone trust to-zone untrust policy p match source-address any\n"
        "set security policies from-zone trust to-zone untrust policy p match destination-address any\n"
        "set security policies from-zone trust to-zone untrust policy p match application junos-made-up\n"
        "set security policies from-zone trust to-zone untrust policy p then permit\n"
    )
    assert _verdicts(text)["tcp-443"] is Status.UNKNOWN


def test_stun_application_covers_only_part_of_the_range() -> None:
    assert _verdicts(_case_text("partial_range.brace.conf"))["udp-3478-3497"] is Status.PARTIAL


def test_interface_in_no_zone_passes_nothing() -> None:
    text = HEAD.replace("set security zones security-zone trust interfaces ge-0/0/1.0\n", "")
    text += "set security policies default-policy permit-all\n"
    assert _verdicts(text)["tcp-443"] is Status.FAIL


# --- NAT and ALGs --------------------------------------------------------------------------


def test_destination_and_static_nat_are_port_mappings() -> None:
    model = _case("destination_nat.brace.conf").model
    dnat, static = model.port_mappings
    assert (dnat.protocols, dnat.outside_ports, dnat.inside_ports) == (
        (6, 17),
        ((5223, 5223),),
        ((5223, 5223),),
    )
    assert (dnat.inside_address, dnat.outside_address) == ("10.1.1.5/32", "203.0.113.2/32")
    assert (
        static.protocols is None and static.outside_ports is None and static.inside_address == "10.1.1.6/32"
    )
    roles = {i.name: (i.role, i.role_reason) for i in model.interfaces}
    assert (
        roles["ge-0/0/1.0"][0] is Role.INSIDE and "source NAT rule-set inside-out" in roles["ge-0/0/1.0"][1]
    )
    assert roles["ge-0/0/0.0"][0] is Role.OUTSIDE
    (snat,) = model.source_nats
    assert snat.interface == "ge-0/0/0.0"
    assert _verdicts(_case_text("destination_nat.brace.conf"))["port-mapping"] is Status.FAIL


def test_alg_defaults_and_explicit_disables() -> None:
    features = {f.kind: f for f in _case("alg_disabled.set.conf").model.features}
    for kind in ("sip", "h323", "rtsp", "sccp"):
        assert features[kind].enabled is False and features[kind].provenance is Provenance.EXPLICIT
    assert features["mgcp"].enabled is False and features["mgcp"].provenance is Provenance.DEFAULT
    assert "9.3" in features["mgcp"].detail
    defaults = {f.kind: f for f in parse(HEAD, "t").model.features}
    assert defaults["sip"].enabled and defaults["sip"].provenance is Provenance.DEFAULT
    assert "defaults vary by model and release" in defaults["sip"].detail


def test_a_router_with_filters_has_no_algs() -> None:
    assert _case("filter.brace.conf").model.features == ()


# --- firewall filters ----------------------------------------------------------------------


def test_filter_semantics() -> None:
    model = _case("filter.brace.conf").model
    lan = model.ruleset("LAN-IN")
    assert lan is not None and lan.default_action is Action.DENY
    no_guests, web = lan.rules  # the count/next-term term makes no decision
    assert no_guests.match is not None and web.match is not None
    assert P(UDP, "10.9.1.1", "17.0.0.1", 3478) in no_guests.match
    assert P(UDP, "10.9.200.1", "17.0.0.1", 3478) not in no_guests.match  # except
    assert web.action is Action.PERMIT  # count only: accept
    assert P(TCP, "10.9.1.1", "17.0.0.1", 443) in web.match
    out = model.ruleset("filter list [ COUNT-ALL EDGE-OUT ]")
    assert out is not None
    established, _, syn = out.rules
    assert established.match is not None and syn.match is not None
    assert P(TCP, "10.9.1.1", "17.0.0.1", 443) not in established.match  # a SYN is never established
    assert P(TCP, "10.9.1.1", "17.0.0.1", 443, STATE_ESTABLISHED) in established.match
    assert P(TCP, "10.9.1.1", "17.0.0.1", 443) in syn.match


def test_longest_prefix_except_adds_back() -> None:
    text = (
        "set interfaces xe-0/0/1 unit 0 family inet address 10.0.0.1/8\n"
        "set firewall family inet filter F term t from destination-address 17.0.0.0/8\n"
        "set firewall family inet filter F term t from destination-address 17.1.0.0/16 except\n"
        "set firewall family inet filter F term t from destination-address 17.1.1.0/24\n"
        "set firewall family inet filter F term t then accept\n"
    )
    (rule,) = parse(text, "t").model.ruleset("F").rules  # type: ignore[union-attr]
    assert rule.match is not None
    assert P(TCP, "10.0.0.1", "17.2.0.1", 80) in rule.match
    assert P(TCP, "10.0.0.1", "17.1.2.1", 80) not in rule.match
    assert P(TCP, "10.0.0.1", "17.1.1.1", 80) in rule.match


# --- the oracle: generated policies and filters in both formats ---------------------------

FLOWS = {c.id: (c.protocol, c.port_ranges[0]) for c in PACK.flow_checks()}
PORTS = sorted({p for _, (lo, hi) in FLOWS.values() for p in (lo - 1, lo, hi, hi + 1)})


@dataclass(frozen=True)
class Entry:
    action: str  # permit | deny | reject for policies; accept | discard | none | next for terms
    protocol: str
    low: int
    high: int
    inactive: bool = False
    apple_only: bool = True

    def matches(self, protocol: str, port: int) -> bool:
        return protocol == self.protocol and self.low <= port <= self.high

    def ports(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


def _entries(actions: list[str]) -> st.SearchStrategy[Entry]:
    @st.composite
    def build(draw: st.DrawFn) -> Entry:
        a, b = sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))))
        return Entry(
            draw(st.sampled_from(actions)),
            draw(st.sampled_from(["tcp", "udp"])),
            a,
            b,
            draw(st.integers(0, 5)) == 0,
            draw(st.integers(0, 4)) != 0,
        )

    return build()


def _policy_lines(context: str, name: str, e: Entry, app: str, extra: list[str]) -> list[str]:
    dst = "APPLE" if e.apple_only else "any"
    base = f"set security policies {context} policy {name}"
    lines = [
        f"{base} match source-address any",
        f"{base} match destination-address {dst}",
        f"{base} match application {app}",
        *(f"{base} match {x}" for x in extra),
        f"{base} then {e.action}",
    ]
    if e.inactive:
        lines.append(f"deactivate security policies {context} policy {name}")
    return lines


def render_srx(zone: list[Entry], glob: list[tuple[Entry, bool]], default: str | None) -> str:
    lines = HEAD.splitlines() + ["set security address-book global address APPLE 17.0.0.0/8"]
    for i, e in enumerate([*zone, *(g for g, _ in glob)]):
        lines.append(f"set applications application A{i} protocol {e.protocol} destination-port {e.ports()}")
    for i, e in enumerate(zone):
        lines += _policy_lines("from-zone trust to-zone untrust", f"z{i}", e, f"A{i}", [])
    for j, (e, ours) in enumerate(glob):
        zones = ["from-zone trust", "to-zone untrust"] if ours else ["from-zone dmz"]
        lines += _policy_lines("global", f"g{j}", e, f"A{len(zone) + j}", zones)
    if default is not None:
        lines.append(f"set security policies default-policy {default}")
    return "\n".join(lines) + "\n"


def to_brace(set_text: str) -> str:
    """Render set commands as the brace hierarchy (``deactivate`` as ``inactive:``)."""
    tree: dict[str, object] = {}
    inactive: set[tuple[str, ...]] = set()
    for line in set_text.splitlines():
        words = tuple(line.split()[1:])
        if line.startswith("deactivate "):
            inactive.add(words)
            continue
        node = tree
        for word in words[:-1]:
            node = node.setdefault(word, {})  # type: ignore[assignment]
        node.setdefault(words[-1], None)
    out: list[str] = []

    def emit(node: dict[str, object], path: tuple[str, ...], depth: int) -> None:
        for key, child in node.items():
            here = (*path, key)
            mark = "inactive: " if here in inactive else ""
            pad = "    " * depth
            if child is None:
                out.append(f"{pad}{mark}{key};")
            elif len(child) == 1 and next(iter(child.values())) is None and not mark:  # type: ignore[attr-defined]
                out.append(f"{pad}{key} {next(iter(child))};")  # type: ignore[call-overload]
            else:
                out.append(f"{pad}{mark}{key} {{")
                emit(child, here, depth + 1)  # type: ignore[arg-type]
                out.append(f"{pad}}}")

    emit(tree, (), 0)
    return "\n".join(out) + "\n"


def oracle_srx(
    zone: list[Entry], glob: list[tuple[Entry, bool]], default: str | None, protocol: str, port: int
) -> bool:
    for e in [*zone, *(g for g, ours in glob if ours)]:
        if not e.inactive and e.matches(protocol, port):
            return e.action == "permit"
    return default == "permit-all"


def _expected(permits) -> dict[str, Status]:  # type: ignore[no-untyped-def]
    out = {}
    for check, (protocol, (lo, hi)) in FLOWS.items():
        through = [p for p in range(lo, hi + 1) if permits(protocol, p)]
        out[check] = (
            Status.PASS if len(through) == hi - lo + 1 else Status.FAIL if not through else Status.PARTIAL
        )
    return out


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_entries(["permit", "deny", "reject"]), max_size=4),
    st.lists(st.tuples(_entries(["permit", "deny"]), st.booleans()), max_size=3),
    st.sampled_from([None, "permit-all", "deny-all"]),
    st.booleans(),
)
def test_srx_policies_equal_oracle(
    zone: list[Entry], glob: list[tuple[Entry, bool]], default: str | None, brace: bool
) -> None:
    text = render_srx(zone, glob, default)
    if brace:
        text = to_brace(text)
    found = {f.check: f for f in audit(parse(text, "fw.conf").model, PACK, OPTIONS)}
    expected = _expected(lambda proto, port: oracle_srx(zone, glob, default, proto, port))
    for check, status in expected.items():
        assert found[check].status is status, (check, found[check].summary, text)


def render_filter(terms: list[Entry]) -> str:
    lines = [
        "set interfaces xe-0/0/0 unit 0 family inet address 198.51.100.1/30",
        "set interfaces xe-0/0/1 unit 0 family inet address 10.1.1.1/24",
        "set interfaces xe-0/0/1 unit 0 family inet filter input IN",
    ]
    for i, e in enumerate(terms):
        base = f"set firewall family inet filter IN term t{i}"
        lines.append(f"{base} from protocol {e.protocol}")
        if e.apple_only:
            lines.append(f"{base} from destination-address 17.0.0.0/8")
        lines.append(f"{base} from destination-port {e.ports()}")
        if e.action in ("accept", "discard"):
            lines.append(f"{base} then {e.action}")
        elif e.action == "next":
            lines += [f"{base} then count c{i}", f"{base} then next term"]
        else:
            lines.append(f"{base} then count c{i}")  # no terminating action: accept
        if e.inactive:
            lines.append(f"deactivate firewall family inet filter IN term t{i}")
    # Junos refuses to commit an applied filter that does not exist: keep one ICMP-only term.
    lines += ["set firewall family inet filter IN term icmp from protocol icmp",
              "set firewall family inet filter IN term icmp then accept"]  # fmt: skip
    return "\n".join(lines) + "\n"


def oracle_filter(terms: list[Entry], protocol: str, port: int) -> bool:
    for e in terms:
        if e.inactive or e.action == "next" or not e.matches(protocol, port):
            continue
        return e.action in ("accept", "none")
    return False  # implicit discard


@settings(max_examples=100, deadline=None)
@given(st.lists(_entries(["accept", "discard", "none", "next"]), max_size=5), st.booleans())
def test_filters_equal_oracle(terms: list[Entry], brace: bool) -> None:
    text = render_filter(terms)
    if brace:
        text = to_brace(text)
    options = AuditOptions(inside_interfaces=("xe-0/0/1.0",), outside_interfaces=("xe-0/0/0.0",))
    found = {f.check: f for f in audit(parse(text, "mx.conf").model, PACK, options)}
    expected = _expected(lambda proto, port: oracle_filter(terms, proto, port))
    for check, status in expected.items():
        assert found[check].status is status, (check, found[check].summary, text)


_PIECES = st.sampled_from(
    ["set", "security", "policies", "from-zone", "trust", "to-zone", "policy", "p", "match", "then",
     "permit", "{", "}", ";", "[", "]", '"q r"', "/*", "*/", "#", "inactive:", "deactivate",
     "interfaces", "unit", "0", "family", "inet", "filter", "term", "groups", "apply-groups", "<*>",
     "firewall", "address", "17.0.0.0/8", "destination-port", "3478-3497", "\n", "\n", "\n"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=60))
def test_any_text_parses_with_every_line_accounted_for(pieces: list[str]) -> None:
    text = " ".join(pieces)
    result, dispositions = parse_with_dispositions(text, "fuzz.conf")
    assert set(dispositions) == set(range(1, result.line_count + 1))
    lines = text.split("\n")
    for diag in result.diagnostics:
        assert diag.source.text == lines[diag.source.line - 1]


def test_brace_groups_apply_at_a_level_and_inactive_leaves_drop_out() -> None:
    text = """groups {
    NO-SIP {
        security {
            alg {
                sip {
                    disable;
                }
            }
        }
    }
}
security {
    apply-groups NO-SIP;
    address-book {
        global {
            address A1 17.1.0.0/16;
            address A2 17.2.0.0/16;
        }
    }
    zones {
        security-zone trust {
            interfaces {
                ge-0/0/1.0;
            }
        }
        security-zone untrust {
            interfaces {
                ge-0/0/0.0;
            }
        }
    }
    policies {
        from-zone trust to-zone untrust {
            policy p {
                match {
                    source-address any;
                    destination-address A1;
                    inactive: destination-address A2;
                    application any;
                }
                then {
                    permit;
                }
            }
        }
    }
}
"""
    text = HEAD.split("set security")[0] + text
    result = parse(text, "g.conf")
    features = {f.kind: f for f in result.model.features}
    assert features["sip"].enabled is False and features["sip"].source is not None
    assert features["sip"].source.line == 9  # the group's `disable;` line
    (ruleset,) = [r for r in result.model.rulesets if r.name.startswith("from-zone trust")]
    (rule,) = ruleset.rules
    assert rule.match is not None
    assert P(TCP, "10.1.1.9", "17.1.0.1", 443) in rule.match
    assert P(TCP, "10.1.1.9", "17.2.0.1", 443) not in rule.match  # the inactive leaf does not apply


# --- fast paths: each must read exactly what the general path reads -------------------------

_PLAIN_WORDS = st.sampled_from(["set", "deactivate", "activate", "security", "policies", "p", "inactive:",
                                "replace:", "a.b", "17.0.0.0/8", "-", "*", "/", "\t", "\r", ""])  # fmt: skip
_LINE = st.one_of(
    st.lists(_PLAIN_WORDS, max_size=6).map(" ".join),
    st.lists(_PIECES, max_size=6).map(lambda p: " ".join(w for w in p if w != "\n")),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=12))
def test_plain_lines_lex_as_the_tokenizer_reads_them(lines: list[str]) -> None:
    """A line without quotes, comments or punctuation skips the tokenizer: ending each such
    line with a comment sends it through the tokenizer instead, with the same statements."""
    from auditor.parsers.juniper_junos.statements import _NOT_PLAIN, is_plain, lex

    for text in (*lines, "\n".join(lines)):
        assert is_plain(text) == (_NOT_PLAIN.search(text) is None)

    fast = lex("".join(line + "\n" for line in lines))
    slow = lex("".join(line + (" #\n" if _NOT_PLAIN.search(line) is None else "\n") for line in lines))
    assert fast.statements == slow.statements
    assert fast.dispositions == slow.dispositions
    assert fast.deactivated == slow.deactivated
    assert fast.headers == slow.headers
    assert fast.problems == slow.problems


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(_PLAIN_WORDS, max_size=5).map(lambda w: " ".join(["set", *w])), min_size=1, max_size=8)
)
def test_a_file_of_set_lines_lexes_as_the_tokenizer_reads_it(lines: list[str]) -> None:
    """A plain file whose every line is a `set` line is read in one pass; the tokenizer (each
    line ending in a comment) reads the same statements, and nothing else."""
    from auditor.parsers.juniper_junos.statements import lex

    fast = lex("".join(line + "\n" for line in lines))
    slow = lex("".join(line + " #\n" for line in lines))
    assert fast.statements == slow.statements
    assert fast.dispositions == slow.dispositions
    assert (fast.deactivated, fast.headers, fast.problems) == (slow.deactivated, slow.headers, slow.problems)


_OCTET = st.one_of(
    st.integers(0, 300).map(str), st.sampled_from(["00", "01", "007", "1a", "", " 1", "٣", "+1"])
)
_LENGTH = st.one_of(
    st.integers(0, 40).map(str), st.sampled_from(["", "08", "032", "٣", "255.0.0.0", "0.0.0.255"])
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_OCTET, min_size=3, max_size=5), st.one_of(st.none(), _LENGTH))
def test_plain_prefixes_read_as_ipaddress_reads_them(octets: list[str], length: str | None) -> None:
    from auditor.flowspace import cube_from_prefix
    from auditor.parsers.juniper_junos.values import plain_prefix, prefix_cube

    text = ".".join(octets) + ("" if length is None else "/" + length)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        net = None
    expected = None if net is None else "ipv6" if net.version == 6 else cube_from_prefix(str(net))
    assert prefix_cube(text) == expected
    if plain_prefix(text):
        assert net is not None and net.version == 4


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["policy", "term", "p", "q", ""]), max_size=8), st.sampled_from(["p", "q"]))
def test_words_after_finds_the_first_keyword_name_pair(words: list[str], name: str) -> None:
    from auditor.parsers.juniper_junos.statements import words_after

    expected: tuple[str, ...] = ()
    for i in range(len(words) - 1):
        if words[i] == "policy" and words[i + 1] == name:
            expected = tuple(words[i + 2 :])
            break
    assert words_after(tuple(words), "policy", name) == expected


# --- the plain-policy fast path agrees with the general way -----------------------------------

_ADDRESS_NAMES = ["any", "any-ipv4", "any-ipv6", "H", "N", "WIDE", "ODD", "DNS", "SET", "MISSING", "ZONED",
                  "V6", "BARE", "TWO"]  # fmt: skip
_APP_NAMES = ["any", "WEB", "ODDPORT", "ICMPISH", "junos-https", "junos-ping", "APPSET", "NOPE"]
_POLICY_EXTRA = st.sampled_from(
    ["", "match source-address-excluded", "match destination-address-excluded", "match url-category x",
     "then log session-init", "then count", "description d"]
)  # fmt: skip
_OBJECTS = [
    "set security address-book global address H 17.1.2.3",
    "set security address-book global address N 17.0.0.0/8",
    "set security address-book global address WIDE 0.0.0.0/0",
    "set security address-book global address ODD 17.0.0.0/40",
    "set security address-book global address DNS dns-name example.com",
    "set security address-book global address V6 2001:db8::/32",
    "set security address-book global address BARE description",
    "set security address-book global address TWO 17.2.0.0/16",
    "set security address-book global address TWO description two",
    "set security address-book global address-set SET address H",
    "set security zones security-zone untrust address-book address ZONED 198.51.100.0/24",
    "set applications application WEB protocol tcp destination-port 443",
    "set applications application ODDPORT protocol udp destination-port nonsense",
    "set applications application ICMPISH protocol icmp icmp-type 8",
    "set applications application-set APPSET application WEB",
]


def _assert_fast_path_reads_as_general(text: str) -> None:
    """Parse ``text`` with the plain-policy fast path and without it: the results are equal."""
    from auditor.parsers.juniper_junos import policies as policy_module

    fast = parse(text, "fw.conf")
    general = policy_module._plain_policy
    try:
        policy_module._plain_policy = lambda *args: None  # type: ignore[assignment]
        slow = parse(text, "fw.conf")
    finally:
        policy_module._plain_policy = general  # type: ignore[assignment]
    assert fast == slow


def _names(names: list[str]) -> st.SearchStrategy[list[str]]:
    """Mostly one name (the fast path's shape), sometimes none or two."""
    one = st.lists(st.sampled_from(names), min_size=1, max_size=1)
    return st.one_of(one, one, one, st.lists(st.sampled_from(names), max_size=2))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            _names(_ADDRESS_NAMES),
            _names(_ADDRESS_NAMES),
            _names(_APP_NAMES),
            st.sampled_from(["permit", "deny", "reject", "permit", None]),
            st.one_of(st.just(""), st.just(""), _POLICY_EXTRA),
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_plain_policies_read_as_the_general_way_reads_them(
    policies: list[tuple[list[str], list[str], list[str], str | None, str]], brace: bool
) -> None:
    lines = HEAD.splitlines() + list(_OBJECTS)
    for i, (sources, destinations, apps, action, extra) in enumerate(policies):
        base = f"set security policies from-zone trust to-zone untrust policy p{i}"
        lines += [f"{base} match source-address {name}" for name in sources]
        lines += [f"{base} match destination-address {name}" for name in destinations]
        lines += [f"{base} match application {name}" for name in apps]
        lines += [f"{base} then {action}"] if action else []
        lines += [f"{base} {extra}"] if extra else []
    text = "\n".join(lines) + "\n"
    if brace:
        text = to_brace(text)
    _assert_fast_path_reads_as_general(text)


@pytest.mark.parametrize("brace", [False, True])
def test_every_plain_policy_shape_reads_as_the_general_way_reads_it(brace: bool) -> None:
    """Each source, destination and application name of the list above, one each a policy, in
    both directions between two zones: the fast path gives what the general way gives."""
    lines = HEAD.splitlines() + list(_OBJECTS)
    n = 0
    for context in ("from-zone trust to-zone untrust", "from-zone untrust to-zone trust"):
        for source in _ADDRESS_NAMES:
            for destination in _ADDRESS_NAMES:
                for app in _APP_NAMES:
                    base = f"set security policies {context} policy q{n}"
                    lines += [
                        f"{base} match source-address {source}",
                        f"{base} match destination-address {destination}",
                        f"{base} match application {app}",
                        f"{base} then {('permit', 'deny', 'reject')[n % 3]}",
                    ]
                    n += 1
    text = "\n".join(lines) + "\n"
    if brace:
        text = to_brace(text)
    _assert_fast_path_reads_as_general(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 32), st.sampled_from(["src", "dst"]))
def test_one_cube_address_space_is_what_build_makes(value: int, length: int, field_name: str) -> None:
    from auditor.parsers.juniper_junos import values

    care = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
    cube = (value & care, care)
    assert values.address_space([cube], field_name) == values._address_space.__wrapped__((cube,), field_name)
