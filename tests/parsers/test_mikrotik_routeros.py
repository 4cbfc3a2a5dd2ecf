"""Tests for the mikrotik_routeros parser: goldens per feature and per corpus file, direct
semantic checks, line accounting, and a Hypothesis property test that checks parsed filter
chains against a per-packet reference evaluator written from generated data."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import (
    STATE_ESTABLISHED,
    STATE_NEW,
    STATE_RELATED,
    STATE_UNTRACKED,
    TCP,
    UDP,
    FlowSpace,
    Packet,
    cube_host,
)
from auditor.model import Action, ConfigModel, DiagnosticKind, Platform, Provenance, Role
from auditor.parsers.mikrotik_routeros import looks_like, parse, parse_with_dispositions
from auditor.parsers.mikrotik_routeros.lexer import logical_lines, read_command, split_words
from tests import golden

HERE = Path(__file__).parent / "mikrotik_routeros"
REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO.parent / "shared" / "corpus" / "mikrotik_routeros"
CASES = sorted(HERE.glob("*.rsc"))
CORPUS_FILES = sorted(CORPUS_DIR.iterdir()) if CORPUS_DIR.is_dir() else []


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _golden(conf: Path, golden_dir: Path, update: bool) -> None:
    result = parse(conf.read_text(encoding="utf-8"), conf.name)
    golden.check_parse(result, golden_dir, conf.name, update)


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
    assert looks_like(text)
    result, dispositions = parse_with_dispositions(text, conf.name)
    assert result.line_count == len(text.splitlines())
    assert set(dispositions) == set(range(1, result.line_count + 1))
    diagnosed = {line for d in result.diagnostics for line in _span(text, d.source.line)}
    assert {n for n, d in dispositions.items() if d.value == "diagnosed"} == diagnosed
    assert result.model.platform is Platform.MIKROTIK_ROUTEROS


def _span(text: str, first: int) -> list[int]:
    """The physical lines of the logical line that starts at ``first``."""
    for logical in logical_lines(text.splitlines()):
        if logical.lines[0] == first:
            return list(logical.lines)
    raise AssertionError(f"no logical line starts at {first}")


def test_looks_like_rejects_other_platforms() -> None:
    assert not looks_like("hostname r1\n!\ninterface GigabitEthernet0/1\n ip address 1.1.1.1 255.0.0.0\n")
    assert not looks_like("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n")
    assert not looks_like("/ip firewall filter\n")  # one menu line alone is not enough


# --- lexer ---------------------------------------------------------------------------------


def test_continuations_keep_the_first_line_number() -> None:
    lines = [
        "/ip firewall filter",
        "add action=drop chain=forward \\",
        "    dst-port=5060 protocol=udp",
        "# c",
    ]
    logical = list(logical_lines(lines))
    assert [x.lines for x in logical] == [(1,), (2, 3), (4,)]
    assert logical[1].text == "add action=drop chain=forward dst-port=5060 protocol=udp"
    comment = list(logical_lines(['# a "quoted \\', "/ip firewall filter"]))
    assert [x.lines for x in comment] == [(1,), (2,)]  # a comment never swallows the next line


def test_words_quotes_selectors_and_inline_menus() -> None:
    words = split_words('set [ find default-name=ether1 ] comment="a \\"b\\" c" !mtu name=wan')
    assert words == ["set", "[ find default-name=ether1 ]", 'comment=a "b" c', "!mtu", "name=wan"]
    command = read_command(words, ("interface", "ethernet"))
    assert command.selector == "[ find default-name=ether1 ]" and command.args["name"] == "wan"
    assert command.words == ["!mtu"]
    inline = read_command(split_words("/ip firewall nat add chain=srcnat action=masquerade"), ())
    assert inline.menu == ("ip", "firewall", "nat") and inline.verb == "add"
    slash = read_command(split_words("/ip/firewall/filter/add chain=forward"), ())
    assert slash.menu == ("ip", "firewall", "filter") and slash.verb == "add"


# --- semantics -----------------------------------------------------------------------------


def _model(name: str) -> ConfigModel:
    return parse((HERE / name).read_text(encoding="utf-8"), name).model


def _pkt(proto: int, src: str, dst: str, dport: int, state: int = STATE_NEW) -> Packet:
    return Packet(proto, ip(src), ip(dst), 40000, dport, state)


def test_forward_chain_order_default_and_binding() -> None:
    model = _model("drop_before_accept.rsc")
    forward = model.ruleset("filter/forward")
    assert forward is not None and forward.default_action is Action.PERMIT
    assert [r.action for r in forward.rules] == [Action.PERMIT, Action.DENY, Action.PERMIT, Action.DENY]
    assert [(b.ruleset, b.interface) for b in model.bindings] == [("filter/forward", "*")]
    drop = forward.rules[1].match
    assert drop is not None and _pkt(UDP, "192.168.88.5", "17.1.1.1", 3490) in drop
    assert _pkt(UDP, "192.168.88.5", "17.1.1.1", 3498) not in drop
    accept = forward.rules[2]
    assert accept.interfaces is not None and accept.interfaces.ingress == {"bridge"}
    roles = {i.name: i.role for i in model.interfaces}
    assert roles == {"bridge": Role.INSIDE, "ether1": Role.OUTSIDE}
    assert model.egress_sees_translated is False


def test_custom_chains_jump_return_fasttrack_and_notrack() -> None:
    model = _model("verbose_chains.rsc")
    forward = model.ruleset("filter/forward")
    lan = model.ruleset("filter/lan-out")
    raw = model.ruleset("raw/prerouting")
    assert forward is not None and lan is not None and raw is not None
    bound = [(b.ruleset, b.interface) for b in model.bindings]
    # The hotspot's dynamic rules are opaque, and bound only where the hotspot acts.
    assert bound == [("raw/prerouting", "*"), ("filter/forward", "*"), ("gate/hotspot-hs1", "ether4")]
    fasttrack = forward.rules[0]
    # May fast-track (accept) or fall through: an accept of unknown extent, bounded.
    assert fasttrack.action is Action.PERMIT and fasttrack.match is None and fasttrack.bound is not None
    assert _pkt(TCP, "10.0.2.2", "17.1.1.1", 443) not in fasttrack.bound
    assert _pkt(TCP, "10.0.2.2", "17.1.1.1", 443, STATE_ESTABLISHED) in fasttrack.bound
    untracked = forward.rules[1].match
    assert untracked is not None and _pkt(UDP, "1.1.1.1", "2.2.2.2", 1, STATE_UNTRACKED) in untracked
    jump = forward.rules[2]
    assert jump.action is Action.JUMP and jump.target == "filter/lan-out"
    assert jump.interfaces is not None and jump.interfaces.ingress == {"ether2", "ether3"}  # include=
    assert lan.default_action is Action.RETURN
    # action=log makes no rule; layer7 makes a bounded opaque rule; tcp-flags=syn is a new TCP packet.
    assert [r.action for r in lan.rules] == [
        Action.DENY, Action.RETURN, Action.PERMIT, Action.PERMIT, Action.PERMIT
    ]  # fmt: skip
    syn = lan.rules[2].match
    assert syn is not None and lan.rules[4].match is None
    assert _pkt(TCP, "10.0.2.2", "17.1.1.1", 443) in syn
    assert _pkt(TCP, "10.0.2.2", "17.1.1.1", 443, STATE_ESTABLISHED) not in syn
    not_53 = lan.rules[3].match
    assert not_53 is not None and _pkt(UDP, "1.1.1.1", "17.1.1.1", 53) not in not_53
    assert raw.rules[0].action is Action.UNTRACK
    negated = forward.rules[3].interfaces
    assert negated is not None and negated.ingress_negated and negated.egress_negated


def test_address_lists_ranges_dns_names_and_dynamic_lists() -> None:
    result = parse((HERE / "address_lists.rsc").read_text(encoding="utf-8"), "x")
    forward = result.model.ruleset("filter/forward")
    assert forward is not None
    scanners, by_name, accept, not_apple = forward.rules
    assert scanners.match is None and by_name.match is None
    reasons = {d.source.line: d.reason for d in result.diagnostics}
    assert "filled at run time" in reasons[11] and "DNS name" in reasons[12]
    assert accept.match is not None
    assert _pkt(TCP, "10.9.9.20", "17.200.0.1", 443) in accept.match
    assert _pkt(TCP, "10.9.9.21", "17.200.0.1", 443) not in accept.match
    assert _pkt(TCP, "192.168.1.9", "18.0.0.1", 443) not in accept.match
    assert not_apple.match is not None and _pkt(TCP, "1.1.1.1", "17.5.5.5", 1) not in not_apple.match


def test_disabled_items_are_skipped() -> None:
    model = _model("disabled_rule.rsc")
    forward = model.ruleset("filter/forward")
    assert forward is not None and len(forward.rules) == 1  # the disabled drop is not there
    assert forward.rules[0].match is not None and forward.rules[0].match.is_empty()  # invalid only
    assert {i.name for i in model.interfaces if i.role is Role.OUTSIDE} == {"ether1"}
    assert [(r.prefix, r.interface) for r in model.routes] == [("0.0.0.0/0", "ether1")]


def test_helper_defaults_and_explicit_states() -> None:
    defaults = {f.kind: f for f in _model("defaults.rsc").features}
    assert defaults["sip"].enabled and defaults["sip"].provenance is Provenance.DEFAULT
    assert "5060,5061" in defaults["sip"].detail and "RouterOS 7.18.2" in defaults["sip"].detail
    assert defaults["h323"].enabled and not defaults["rtsp"].enabled
    assert not defaults["upnp"].enabled and defaults["upnp"].provenance is Provenance.DEFAULT
    off = {f.kind: f for f in _model("sip_off.rsc").features}
    assert not off["sip"].enabled and off["sip"].provenance is Provenance.EXPLICIT
    assert off["sip"].source is not None and off["sip"].source.line == 3
    verbose = {f.kind: f for f in _model("verbose_chains.rsc").features}
    assert verbose["sip"].enabled and verbose["sip"].provenance is Provenance.EXPLICIT
    assert not verbose["upnp"].enabled and verbose["upnp"].provenance is Provenance.EXPLICIT


def test_upnp_with_external_interface() -> None:
    model = _model("upnp.rsc")
    upnp = {f.kind: f for f in model.features}["upnp"]
    assert upnp.enabled and "pppoe-out1" in upnp.detail
    assert [(r.prefix, r.interface) for r in model.routes] == [("0.0.0.0/0", "pppoe-out1")]


def test_dstnat_mappings_from_outside_only() -> None:
    model = _model("dstnat_mapping.rsc")
    udp, netmap = model.port_mappings  # the LAN-side redirect and the disabled rule are not mappings
    assert udp.protocols == (UDP,) and udp.outside_ports == ((3478, 3480),)
    assert udp.inside_address == "192.168.88.20"
    assert netmap.protocols is None and netmap.outside_ports is None
    assert netmap.outside_address == "203.0.113.7"


def test_connection_nat_state_without_dstnat_rules_is_exact() -> None:
    model = _model("defaults.rsc")
    forward = model.ruleset("filter/forward")
    assert forward is not None and all(r.match is not None for r in forward.rules)
    wan_drop = forward.rules[1]
    assert wan_drop.interfaces is not None and wan_drop.interfaces.ingress == {"ether1"}


def test_unreadable_values_are_reported_not_dropped() -> None:
    text = "/ip firewall filter\nadd chain=forward action=drop dst-port=http\nadd chain=forward action=frob\n"
    result = parse(text, "x")
    forward = result.model.ruleset("filter/forward")
    assert forward is not None and [r.match for r in forward.rules] == [None, None]
    kinds = {d.source.line: d.kind for d in result.diagnostics}
    assert kinds == {2: DiagnosticKind.UNRECOGNIZED, 3: DiagnosticKind.UNSUPPORTED}


def test_v6_dhcp_client_without_disabled_no_adds_no_route() -> None:
    v6 = parse("# by RouterOS 6.45.1\n/ip dhcp-client\nadd interface=ether1\n", "x").model
    v7 = parse("# by RouterOS 7.12\n/ip dhcp-client\nadd interface=ether1\n", "x").model
    assert v6.routes == () and [r.interface for r in v7.routes] == ["ether1"]


# --- property test: parsed chains against a per-packet reference ---------------------------

IFACES = ("ether1", "ether2")
PREFIXES = ("10.0.0.0/24", "10.0.0.128/25", "17.0.0.0/8", "10.0.0.10-10.0.0.130")
ADDRS = ("10.0.0.1", "10.0.0.129", "10.0.0.200", "17.1.2.3", "192.168.4.5")
PORTS = (80, 443, 3478, 5000)
STATES = {"new": STATE_NEW, "established": STATE_ESTABLISHED, "related": STATE_RELATED}


@dataclass(frozen=True)
class GenRule:
    proto: str | None
    src: tuple[bool, str] | None
    dst: tuple[bool, str] | None
    dports: tuple[bool, tuple[tuple[int, int], ...]] | None
    states: tuple[bool, tuple[str, ...]] | None
    iif: tuple[bool, str] | None
    oif_list: tuple[bool, str] | None  # out-interface-list: "WAN" = {ether1}, "LAN" = {ether2}
    src_list: bool | None  # src-address-list=(!)gen: the generated address list
    iif_list: tuple[bool, str] | None  # in-interface-list: BOTH includes WAN and LAN, LANONLY excludes WAN
    action: str  # accept, drop, reject, return, log, passthrough, jump:N
    disabled: bool

    def matches(self, p: Packet, iif: str, oif: str, entries: tuple[str, ...] = ()) -> bool:
        lists = {"WAN": {"ether1"}, "LAN": {"ether2"}, "BOTH": {"ether1", "ether2"}, "LANONLY": {"ether2"}}
        checks = [
            self.proto is None or {"tcp": TCP, "udp": UDP}[self.proto] == p.protocol,
            self.src is None or _in(p.src, self.src[1]) != self.src[0],
            self.dst is None or _in(p.dst, self.dst[1]) != self.dst[0],
            self.dports is None or any(lo <= p.dport <= hi for lo, hi in self.dports[1]) != self.dports[0],
            self.states is None or any(STATES[s] == p.state for s in self.states[1]) != self.states[0],
            self.iif is None or (self.iif[1] == iif) != self.iif[0],
            self.oif_list is None or (oif in lists[self.oif_list[1]]) != self.oif_list[0],
            self.src_list is None or any(_in(p.src, e) for e in entries) != self.src_list,
            self.iif_list is None or (iif in lists[self.iif_list[1]]) != self.iif_list[0],
        ]
        return all(checks)


def _in(address: int, text: str) -> bool:
    if "-" in text:
        first, last = text.split("-")
        return ip(first) <= address <= ip(last)
    net = ipaddress.IPv4Network(text)
    return int(net.network_address) <= address <= int(net.broadcast_address)


def _rules(n_chains: int, index: int) -> st.SearchStrategy[list[GenRule]]:
    later = [f"jump:{k}" for k in range(index + 1, n_chains)]
    neg = st.booleans()
    port_range = st.tuples(st.sampled_from(PORTS), st.sampled_from(PORTS)).map(lambda t: (min(t), max(t)))

    @st.composite
    def rule(draw: st.DrawFn) -> GenRule:
        proto = draw(st.none() | st.sampled_from(["tcp", "udp"]))
        dports = (
            draw(st.none() | st.tuples(neg, st.lists(port_range, min_size=1, max_size=3).map(tuple)))
            if proto
            else None
        )
        states = draw(
            st.none()
            | st.tuples(neg, st.lists(st.sampled_from(list(STATES)), min_size=1, max_size=2, unique=True))
        )
        return GenRule(
            proto,
            draw(st.none() | st.tuples(neg, st.sampled_from(PREFIXES))),
            draw(st.none() | st.tuples(neg, st.sampled_from(PREFIXES))),
            dports,
            (states[0], tuple(states[1])) if states else None,
            draw(st.none() | st.tuples(neg, st.sampled_from(IFACES))),
            draw(st.none() | st.tuples(neg, st.sampled_from(["WAN", "LAN"]))),
            draw(st.none() | neg),
            draw(st.none() | st.tuples(neg, st.sampled_from(["WAN", "BOTH", "LANONLY"]))),
            draw(st.sampled_from(["accept", "drop", "reject", "return", "log", "passthrough", *later])),
            draw(st.integers(0, 5)) == 0,
        )

    return st.lists(rule(), max_size=6)


Generated = tuple[list[list[GenRule]], tuple[str, ...]]


@st.composite
def chain_sets(draw: st.DrawFn) -> Generated:
    n = draw(st.integers(1, 3))
    entries = draw(st.lists(st.sampled_from(PREFIXES), max_size=3, unique=True))
    return [draw(_rules(n, i)) for i in range(n)], tuple(entries)


def _run(
    chains: list[list[GenRule]], index: int, p: Packet, iif: str, oif: str, entries: tuple[str, ...]
) -> str:
    """RouterOS semantics, packet by packet: first deciding match; log/passthrough go on."""
    for rule in chains[index]:
        if rule.disabled or not rule.matches(p, iif, oif, entries):
            continue
        kind, _, target = rule.action.partition(":")
        if kind in ("log", "passthrough"):
            continue
        if kind in ("accept", "return"):
            return kind
        if kind in ("drop", "reject"):
            return "drop"
        result = _run(chains, int(target), p, iif, oif, entries)
        if result != "return":
            return result
    return "return"


def _oracle(generated: Generated, p: Packet, iif: str, oif: str) -> bool:
    chains, entries = generated
    return _run(chains, 0, p, iif, oif, entries) != "drop"  # the chain accepts what nothing decides


def _render_rule(chain: str, rule: GenRule, names: list[str]) -> str:
    kind, _, target = rule.action.partition(":")
    parts = ["add", f"chain={chain}"]
    if kind != "accept":  # action=accept is the default: leave it out half the time below
        parts.append(f"action={kind}")
    if kind == "jump":
        parts.append(f"jump-target={names[int(target)]}")
    for key, value in (("src-address", rule.src), ("dst-address", rule.dst), ("in-interface", rule.iif)):
        if value is not None:
            parts.append(f"{key}={'!' if value[0] else ''}{value[1]}")
    if rule.oif_list is not None:
        parts.append(f"out-interface-list={'!' if rule.oif_list[0] else ''}{rule.oif_list[1]}")
    if rule.src_list is not None:
        parts.append(f"src-address-list={'!' if rule.src_list else ''}gen")
    if rule.iif_list is not None:
        parts.append(f"in-interface-list={'!' if rule.iif_list[0] else ''}{rule.iif_list[1]}")
    if rule.proto:
        parts.append(f"protocol={rule.proto}")
    if rule.dports is not None:
        ports = ",".join(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in rule.dports[1])
        parts.append(f"dst-port={'!' if rule.dports[0] else ''}{ports}")
    if rule.states is not None:
        parts.append(f"connection-state={'!' if rule.states[0] else ''}{','.join(rule.states[1])}")
    if rule.disabled:
        parts.append("disabled=yes")
    if kind == "log":
        parts.append('log-prefix="gen: x"')
    text = " ".join(parts)
    if len(text) > 60:  # wrap the way /export does: anywhere, even inside a word or quotes
        cut = 51 if text[50] == " " else 50
        text = text[:cut] + "\\\n    " + text[cut:]
    return text


def _render(generated: Generated) -> str:
    chains, entries = generated
    names = ["forward"] + [f"user{i}" for i in range(1, len(chains))]
    lines = [
        "# by RouterOS 7.16",
        "/interface list",
        "add name=WAN",
        "add name=LAN",
        'add exclude="" include=WAN,LAN name=BOTH',
        "add exclude=WAN include=BOTH name=LANONLY",
        "/interface list member",
        "add interface=ether1 list=WAN",
        "add interface=ether2 list=LAN",
        "/ip firewall address-list",
        *(f"add address={entry} list=gen" for entry in entries),
        "add address=17.9.9.9 disabled=yes list=gen",
        "/ip firewall filter",
    ]
    for name, rules in zip(names, chains, strict=True):
        lines += [_render_rule(name, rule, names) for rule in rules]
    return "\n".join([*lines, ""])


def _single(p: Packet) -> FlowSpace:
    return FlowSpace.build(
        protocols=[(p.protocol, p.protocol)],
        src=[cube_host(p.src)],
        dst=[cube_host(p.dst)],
        sport=[(p.sport, p.sport)],
        dport=[(p.dport, p.dport)],
        state=[(p.state, p.state)],
    )


RawPacket = tuple[int, str, str, int, int, tuple[str, str]]
PACKETS = st.tuples(
    st.sampled_from([TCP, UDP]),
    st.sampled_from(ADDRS),
    st.sampled_from(ADDRS),
    st.sampled_from(PORTS),
    st.sampled_from(list(STATES.values())),
    st.sampled_from([("ether2", "ether1"), ("ether1", "ether2")]),
)


GRID = [
    Packet(proto, ip(src), ip(dst), 40000, dport, state)
    for proto in (TCP, UDP)
    for src in ADDRS
    for dst in ADDRS
    for dport in PORTS
    for state in STATES.values()
]


def _permitted(model: ConfigModel, iif: str, oif: str) -> FlowSpace:
    """Everything the bound rule sets let through from ``iif`` to ``oif`` (one walk each)."""
    allowed = FlowSpace.everything()
    for binding in model.bindings:
        ruleset = model.ruleset(binding.ruleset)
        assert ruleset is not None
        result = walk(ruleset, allowed, model.ruleset, iif, oif)
        assert result.exact
        allowed = result.lower
    return allowed


@settings(max_examples=100, deadline=None)
@given(chain_sets())
def test_filter_chains_match_reference(generated: Generated) -> None:
    """Every packet of a small grid, both ways, against the reference walk."""
    text = _render(generated)
    result = parse(text, "gen.rsc")
    assert not result.diagnostics, text
    for iif, oif in (("ether2", "ether1"), ("ether1", "ether2")):
        allowed = _permitted(result.model, iif, oif)
        for p in GRID:
            assert (p in allowed) == _oracle(generated, p, iif, oif), (text, p, iif, oif)


def test_ipsec_policy_matcher_depends_on_installed_policies() -> None:
    forward = _model("ipsec_policy.rsc").ruleset("filter/forward")
    assert forward is not None
    accept, drop = forward.rules
    assert accept.match is not None and accept.match.is_empty()  # no active policy: never IPsec
    assert drop.match is not None and _pkt(UDP, "1.1.1.1", "17.1.1.1", 16385) in drop.match
    text = (HERE / "ipsec_policy.rsc").read_text(encoding="utf-8").replace("add disabled=yes dst", "add dst")
    live = parse(text, "x").model.ruleset("filter/forward")
    assert live is not None and all(rule.match is None for rule in live.rules)


def test_script_insertion_points_are_reported() -> None:
    result = parse("/ip firewall filter\nadd chain=forward action=drop place-before=0\n", "x")
    assert [(d.source.line, d.kind, d.security_relevant) for d in result.diagnostics] == [
        (2, DiagnosticKind.UNSUPPORTED, True)
    ]


def test_kid_control_is_an_opaque_rule_set_everywhere() -> None:
    text = "# by RouterOS 7.12\n/ip kid-control\nadd fri=0s-1d mon=0s-1d name=kids\n"
    model = parse(text, "x").model
    assert [(b.ruleset, b.interface) for b in model.bindings] == [("gate/kid-control-kids", "*")]
    gate = model.ruleset("gate/kid-control-kids")
    assert gate is not None and gate.rules[0].match is None and gate.rules[0].bound is None


def test_lists_filled_at_run_time_are_inexact() -> None:
    text = (
        "/interface list\nadd name=WAN\n/interface list member\nadd interface=ether1 list=WAN\n"
        "/interface detect-internet\nset detect-interface-list=all internet-interface-list=WAN\n"
        "/ip firewall filter\nadd action=drop chain=forward in-interface-list=WAN\n"
    )
    forward = parse(text, "x").model.ruleset("filter/forward")
    assert forward is not None and forward.rules[0].match is None
    quiet = text.replace("detect-interface-list=all", "detect-interface-list=none")
    forward = parse(quiet, "x").model.ruleset("filter/forward")
    assert forward is not None and forward.rules[0].interfaces is not None
    assert forward.rules[0].interfaces.ingress == {"ether1"}


def test_interface_lists_that_include_each_other_are_inexact() -> None:
    text = (
        "/interface list\nadd name=A include=B\nadd name=B include=A\n"
        "/ip firewall filter\nadd chain=forward action=drop in-interface-list=A\n"
    )
    result = parse(text, "x")
    forward = result.model.ruleset("filter/forward")
    assert forward is not None and forward.rules[0].match is None
    assert [d.source.line for d in result.diagnostics] == [5]


# --- property test: raw prerouting (notrack, drop) then the forward chain, along a path ------

RAW_STATES = {**STATES, "untracked": STATE_UNTRACKED}


@dataclass(frozen=True)
class RawRule:
    proto: str | None
    dst: tuple[bool, str] | None
    dports: tuple[tuple[int, int], ...] | None
    action: str  # notrack, drop, accept, log

    def matches(self, p: Packet) -> bool:
        return (
            (self.proto is None or {"tcp": TCP, "udp": UDP}[self.proto] == p.protocol)
            and (self.dst is None or _in(p.dst, self.dst[1]) != self.dst[0])
            and (self.dports is None or any(lo <= p.dport <= hi for lo, hi in self.dports))
        )


@st.composite
def raw_rules(draw: st.DrawFn) -> RawRule:
    proto = draw(st.none() | st.sampled_from(["tcp", "udp"]))
    port_range = st.tuples(st.sampled_from(PORTS), st.sampled_from(PORTS)).map(lambda t: (min(t), max(t)))
    dports = draw(st.none() | st.lists(port_range, min_size=1, max_size=2).map(tuple)) if proto else None
    return RawRule(
        proto,
        draw(st.none() | st.tuples(st.booleans(), st.sampled_from(PREFIXES))),
        dports,
        draw(st.sampled_from(["notrack", "notrack", "drop", "accept", "log"])),
    )


@st.composite
def state_rules(draw: st.DrawFn) -> tuple[str, tuple[str, ...], bool]:
    states = draw(st.lists(st.sampled_from(list(RAW_STATES)), min_size=1, max_size=2, unique=True))
    return draw(st.sampled_from(["accept", "drop"])), tuple(states), draw(st.booleans())


def _raw_oracle(raw: list[RawRule], forward: list[tuple[str, tuple[str, ...], bool]], p: Packet) -> bool:
    state = p.state
    for rule in raw:
        if not rule.matches(p) or rule.action == "log":
            continue
        if rule.action == "notrack":
            state = STATE_UNTRACKED  # exempt from tracking; raw goes on
            continue
        if rule.action == "drop":
            return False
        break  # accept ends the raw chain only
    for action, states, neg in forward:
        if any(RAW_STATES[s] == state for s in states) != neg:
            return action == "accept"
    return True


@settings(max_examples=200, deadline=None)
@given(
    st.lists(raw_rules(), min_size=1, max_size=4),
    st.lists(state_rules(), max_size=4),
    st.lists(PACKETS, min_size=1, max_size=10),
)
@example(  # notrack goes on: a later raw drop still applies, and the forward chain sees untracked
    [RawRule("udp", None, None, "notrack"), RawRule("udp", None, ((3478, 3478),), "drop")],
    [("drop", ("untracked",), False)],
    [
        (UDP, "10.0.0.1", "17.1.2.3", 3478, STATE_NEW, ("ether2", "ether1")),
        (UDP, "10.0.0.1", "17.1.2.3", 80, STATE_NEW, ("ether2", "ether1")),
    ],
)
def test_raw_then_forward_match_reference(
    raw: list[RawRule], forward: list[tuple[str, tuple[str, ...], bool]], packets: list[RawPacket]
) -> None:
    from auditor.paths import trace_path

    lines = ["# by RouterOS 7.16", "/ip firewall raw"]
    for rule in raw:
        parts = [f"add action={rule.action} chain=prerouting"]
        if rule.proto:
            parts.append(f"protocol={rule.proto}")
        if rule.dst:
            parts.append(f"dst-address={'!' if rule.dst[0] else ''}{rule.dst[1]}")
        if rule.dports:
            parts.append("dst-port=" + ",".join(f"{lo}-{hi}" for lo, hi in rule.dports))
        lines.append(" ".join(parts))
    lines.append("/ip firewall filter")
    for action, states, neg in forward:
        lines.append(
            f"add action={action} chain=forward connection-state={'!' if neg else ''}{','.join(states)}"
        )
    text = "\n".join([*lines, ""])
    result = parse(text, "gen.rsc")
    assert not result.diagnostics, text
    for proto, src, dst, dport, state, (iif, oif) in packets:
        p = Packet(proto, ip(src), ip(dst), 40000, dport, state)
        trace = trace_path(result.model, iif, oif, _single(p))
        assert trace.lower.same_as(trace.upper), text
        assert (not trace.lower.is_empty()) == _raw_oracle(raw, forward, p), (text, p)


def test_hairpin_masquerade_does_not_make_the_lan_outside() -> None:
    model = _model("hairpin_nat.rsc")
    roles = {i.name: (i.role, i.role_reason) for i in model.interfaces}
    assert roles["bridge"] == (Role.INSIDE, "member of interface list LAN")
    assert roles["ether1"][0] is Role.OUTSIDE and "line 11" in roles["ether1"][1]


def test_dialup_clients_add_default_routes_only_when_asked() -> None:
    text = (
        "# by RouterOS 7.19\n/interface l2tp-client\n"
        "add add-default-route=yes connect-to=192.0.2.9 disabled=no name=l2tp-out user=u\n"
        "add connect-to=192.0.2.10 disabled=no name=l2tp-plain user=u\n"
        '/ip dhcp-server lease\nadd address=10.0.99.10 address-lists="" mac-address=00:11:32:C9:FD:24\n'
    )
    model = parse(text, "x").model
    assert [(r.prefix, r.interface) for r in model.routes] == [("0.0.0.0/0", "l2tp-out")]


def test_not_dstnat_is_exact_outside_what_dstnat_rules_translate_to() -> None:
    forward = _model("dstnat_mapping.rsc").ruleset("filter/forward")
    assert forward is not None
    exact, unsure = forward.rules
    assert exact.match is not None and unsure.match is None and unsure.bound is not None
    assert _pkt(UDP, "198.51.100.1", "17.1.1.1", 3478) in exact.match
    assert _pkt(UDP, "198.51.100.1", "192.168.88.20", 3478) not in exact.match
    assert _pkt(UDP, "198.51.100.1", "192.168.88.20", 3478) in unsure.bound
    assert _pkt(TCP, "198.51.100.1", "192.168.88.30", 22) in unsure.bound  # netmap: every port
    assert unsure.interfaces == exact.interfaces


def test_redirect_never_reaches_the_forward_chain() -> None:
    text = (
        "/ip firewall nat\nadd action=redirect chain=dstnat dst-port=53 protocol=udp to-ports=53\n"
        "/ip firewall filter\nadd action=accept chain=forward connection-nat-state=dstnat\n"
    )
    forward = parse(text, "x").model.ruleset("filter/forward")
    assert forward is not None and forward.rules[0].match is not None
    assert forward.rules[0].match.is_empty()


def test_tcp_flags_follow_the_engines_tcp_model() -> None:
    text = (
        "/ip firewall filter\n"
        "add action=drop chain=forward connection-state=new protocol=tcp tcp-flags=!syn\n"
        "add action=drop chain=forward protocol=tcp tcp-flags=fin\n"
    )
    result = parse(text, "x")
    forward = result.model.ruleset("filter/forward")
    assert forward is not None
    not_syn, fin = forward.rules
    assert not_syn.match is not None and not_syn.match.is_empty()  # a new TCP packet is a SYN
    assert fin.match is None and fin.bound is not None
    assert _pkt(TCP, "1.1.1.1", "17.1.1.1", 443) not in fin.bound
    assert [d.source.line for d in result.diagnostics] == [3]
