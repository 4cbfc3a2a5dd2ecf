"""Tests for the linux parser (iptables-save and nft): goldens per feature and per corpus
file, direct semantic checks, line accounting, and Hypothesis property tests that check
the parsed chains against a per-packet reference evaluator written from generated data."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import (
    STATE_ESTABLISHED,
    STATE_NEW,
    STATE_RELATED,
    TCP,
    UDP,
    FlowSpace,
    Packet,
    cube_host,
)
from auditor.model import Action, ConfigModel, DiagnosticKind, Platform, Provenance, Role
from auditor.parsers.linux import looks_like, parse, parse_with_dispositions
from tests import golden

HERE = Path(__file__).parent / "linux"
REPO = Path(__file__).resolve().parents[2]
CORPUS_DIRS = [REPO.parent / "shared" / "corpus" / d for d in ("linux_iptables", "linux_nftables")]
CASES = sorted(p for p in HERE.glob("*") if p.suffix in (".rules", ".nft", ".ipt"))
CORPUS_FILES = sorted(f for d in CORPUS_DIRS if d.is_dir() for f in d.iterdir())


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
    diagnosed = {d.source.line for d in result.diagnostics}
    assert {n for n, d in dispositions.items() if d.value == "diagnosed"} == diagnosed
    assert result.model.platform is Platform.LINUX


def test_looks_like_rejects_cisco() -> None:
    assert not looks_like("hostname r1\n!\ninterface GigabitEthernet0/1\n ip address 1.1.1.1 255.0.0.0\n")
    assert not looks_like("ip access-list extended X\n permit tcp any any eq 80\n")


# --- iptables semantics ------------------------------------------------------------------


def _model(name: str) -> ConfigModel:
    return parse((HERE / name).read_text(encoding="utf-8"), name).model


def _pkt(proto: int, src: str, dst: str, dport: int, state: int = STATE_NEW) -> Packet:
    return Packet(proto, ip(src), ip(dst), 40000, dport, state)


def test_iptables_chains_and_actions() -> None:
    model = _model("ipt_router.rules")
    forward = model.ruleset("filter/FORWARD")
    assert forward is not None and forward.default_action is Action.DENY
    actions = [(r.action, r.target) for r in forward.rules]
    assert actions == [
        (Action.PERMIT, None),
        (Action.DENY, None),
        (Action.JUMP, "filter/LAN-OUT"),
        (Action.GOTO, "filter/BLOCKED"),
    ]
    jump = forward.rules[2]
    assert jump.interfaces is not None
    assert jump.interfaces.ingress == {"eth1"} and jump.interfaces.egress == {"ppp0"}
    assert forward.rules[3].interfaces is not None and forward.rules[3].interfaces.ingress == {"wg+"}
    # INVALID is none of our three states: that rule matches no packet.
    assert forward.rules[1].match is not None and forward.rules[1].match.is_empty()
    lan = model.ruleset("filter/LAN-OUT")
    assert lan is not None and lan.default_action is Action.RETURN
    web = lan.rules[0].match
    assert web is not None
    assert _pkt(TCP, "192.168.1.7", "17.1.1.1", 5223) in web
    assert _pkt(TCP, "192.168.1.7", "10.1.1.1", 443) not in web
    assert _pkt(TCP, "192.168.2.7", "17.1.1.1", 443) not in web
    syn = lan.rules[2].match
    assert syn is not None and lan.rules[2].action is Action.DENY
    assert _pkt(TCP, "1.1.1.1", "2.2.2.2", 8000) in syn
    assert _pkt(TCP, "1.1.1.1", "2.2.2.2", 8000, STATE_ESTABLISHED) not in syn
    assert lan.rules[3].action is Action.RETURN
    assert lan.rules[3].match is not None and _pkt(UDP, "1.1.1.1", "17.0.0.6", 1) in lan.rules[3].match


def test_iptables_bindings_nat_and_helpers() -> None:
    model = _model("ipt_router.rules")
    assert [b.ruleset for b in model.bindings] == ["raw/PREROUTING", "filter/FORWARD"]
    assert all(b.interface == "*" for b in model.bindings)
    roles = {i.name: i.role for i in model.interfaces}
    assert roles["ppp0"] is Role.OUTSIDE and roles["eth1"] is Role.INSIDE
    assert roles["wg+"] is Role.UNKNOWN
    assert model.egress_sees_translated is False
    first, second, third = model.port_mappings
    assert first.protocols == (UDP,) and first.outside_ports == ((3478, 3480),)
    assert first.inside_address == "192.168.1.10" and first.outside_address == "*"
    assert second.inside_ports == ((443, 443),) and second.outside_address == "203.0.113.5/32"
    assert third.inside_address == "local" and third.inside_ports == ((3128, 3128),)
    features = {f.kind: f for f in model.features}
    assert features["sip"].enabled and features["sip"].provenance is Provenance.EXPLICIT
    assert features["h323"].provenance is Provenance.DEFAULT and not features["h323"].enabled


def test_iptables_opaque_rules_are_bounded_and_reported() -> None:
    result = parse((HERE / "ipt_opaque.rules").read_text(encoding="utf-8"), "x")
    forward = result.model.ruleset("filter/FORWARD")
    assert forward is not None
    assert all(rule.match is None for rule in forward.rules[:-1])
    assert forward.rules[1].bound is not None
    assert _pkt(UDP, "1.1.1.1", "2.2.2.2", 53) not in forward.rules[1].bound
    kinds = {d.source.line: (d.kind, d.security_relevant) for d in result.diagnostics}
    assert kinds[3] == (DiagnosticKind.UNSUPPORTED, True)
    assert kinds[6] == (DiagnosticKind.UNSUPPORTED, False)  # ICMP only: no TCP/UDP flow
    assert kinds[9][0] is DiagnosticKind.UNRECOGNIZED


def test_iptables_fragment_is_a_filter_table() -> None:
    model = _model("ipt_fragment.ipt")
    assert [b.ruleset for b in model.bindings] == ["filter/FORWARD"]
    forward = model.ruleset("filter/FORWARD")
    assert forward is not None and forward.default_action is Action.DENY


def test_no_forward_chain_is_a_limitation() -> None:
    model = parse("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", "x").model
    assert model.limitations and "FORWARD" in model.limitations[0].reason


# --- nft semantics -----------------------------------------------------------------------


def test_nft_base_chains_in_priority_order() -> None:
    model = _model("nft_router.nft")
    assert [b.ruleset for b in model.bindings] == ["inet fw/pre", "inet fw/forward", "inet fw/late"]
    forward = model.ruleset("inet fw/forward")
    late = model.ruleset("inet fw/late")
    assert forward is not None and forward.default_action is Action.DENY
    assert late is not None and late.default_action is Action.PERMIT
    vmap = forward.rules[-2:]
    assert [(r.action, r.target) for r in vmap] == [(Action.DENY, None), (Action.JUMP, "inet fw/web")]
    assert vmap[1].match is not None and _pkt(TCP, "1.1.1.1", "2.2.2.2", 8080) in vmap[1].match
    assert late.rules[0].match is None  # meta mark
    assert late.rules[1].interfaces is not None and late.rules[1].interfaces.egress == {"eth1"}
    assert forward.rules[3].action is Action.GOTO


def test_nft_named_sets_and_negation() -> None:
    model = _model("nft_router.nft")
    lan = model.ruleset("inet fw/lan-out")
    assert lan is not None and lan.default_action is Action.RETURN
    apple, media = lan.rules[0].match, lan.rules[1].match
    assert apple is not None and media is not None
    assert _pkt(TCP, "192.168.1.2", "17.9.9.9", 5223) in apple
    assert _pkt(TCP, "192.168.1.2", "18.9.9.9", 5223) not in apple
    assert _pkt(UDP, "192.168.1.2", "17.9.9.9", 16400) in media
    assert _pkt(UDP, "192.168.1.2", "10.9.9.9", 16400) not in media
    assert _pkt(UDP, "192.168.1.2", "17.9.9.9", 16390) not in media


def test_nft_nat_roles_and_helpers() -> None:
    model = _model("nft_router.nft")
    roles = {i.name: i.role for i in model.interfaces}
    assert roles["ppp0"] is Role.OUTSIDE and roles["eth1"] is Role.INSIDE
    assert [m.inside_address for m in model.port_mappings] == ["192.168.1.10", "192.168.1.11"]
    assert model.port_mappings[1].inside_ports == ((443, 443),)
    sip = [f for f in model.features if f.kind == "sip"]
    assert len(sip) == 1 and sip[0].enabled and sip[0].source is not None


def test_nft_garbage_is_reported() -> None:
    result = parse((HERE / "nft_garbage.nft").read_text(encoding="utf-8"), "g")
    lines = {d.source.line for d in result.diagnostics}
    assert {4, 5, 6, 7, 9, 11} <= lines


# --- property tests: parsed chains against a per-packet reference -------------------------

IFACES = ("eth0", "eth1")
PREFIXES = ("10.0.0.0/24", "10.0.0.128/25", "17.0.0.0/8", "192.168.0.0/16")
ADDRS = ("10.0.0.1", "10.0.0.200", "17.1.2.3", "192.168.4.5")
PORTS = (80, 443, 3478, 5000)
STATES = {"NEW": STATE_NEW, "ESTABLISHED": STATE_ESTABLISHED, "RELATED": STATE_RELATED}


@dataclass(frozen=True)
class GenRule:
    proto: str | None
    src: tuple[bool, str] | None
    dst: tuple[bool, str] | None
    dports: tuple[tuple[int, int], ...] | None
    states: tuple[str, ...] | None
    iif: tuple[bool, str] | None
    oif: tuple[bool, str] | None
    verdict: str  # accept, drop, return, jump:N, goto:N

    def matches(self, p: Packet, iif: str, oif: str) -> bool:
        checks = [
            self.proto is None or {"tcp": TCP, "udp": UDP}[self.proto] == p.protocol,
            self.src is None or (p.src in _net(self.src[1])) != self.src[0],
            self.dst is None or (p.dst in _net(self.dst[1])) != self.dst[0],
            self.dports is None or any(lo <= p.dport <= hi for lo, hi in self.dports),
            self.states is None or any(STATES[s] == p.state for s in self.states),
            self.iif is None or (self.iif[1] == iif) != self.iif[0],
            self.oif is None or (self.oif[1] == oif) != self.oif[0],
        ]
        return all(checks)


def _net(prefix: str) -> range:
    net = ipaddress.IPv4Network(prefix)
    return range(int(net.network_address), int(net.broadcast_address) + 1)


def _rules(n_chains: int, index: int) -> st.SearchStrategy[list[GenRule]]:
    later = [f"{kind}:{k}" for k in range(index + 1, n_chains) for kind in ("jump", "goto")]
    neg_pair = st.tuples(st.booleans(), st.sampled_from(PREFIXES))
    iface = st.none() | st.tuples(st.booleans(), st.sampled_from(IFACES))
    port_range = st.tuples(st.sampled_from(PORTS), st.sampled_from(PORTS)).map(lambda t: (min(t), max(t)))

    @st.composite
    def rule(draw: st.DrawFn) -> GenRule:
        proto = draw(st.none() | st.sampled_from(["tcp", "udp"]))
        dports = draw(st.lists(port_range, min_size=1, max_size=3).map(tuple)) if proto else None
        states = draw(
            st.none() | st.lists(st.sampled_from(list(STATES)), min_size=1, max_size=2, unique=True)
        )
        return GenRule(
            proto,
            draw(st.none() | neg_pair),
            draw(st.none() | neg_pair),
            dports,
            tuple(states) if states else None,
            draw(iface),
            draw(iface),
            draw(st.sampled_from(["accept", "drop", "return", *later])),
        )

    return st.lists(rule(), max_size=5)


@st.composite
def chain_sets(draw: st.DrawFn) -> tuple[bool, list[list[GenRule]]]:
    n = draw(st.integers(1, 3))
    return draw(st.booleans()), [draw(_rules(n, i)) for i in range(n)]


RawPacket = tuple[int, str, str, int, int, tuple[str, str]]
PACKETS = st.tuples(
    st.sampled_from([TCP, UDP]),
    st.sampled_from(ADDRS),
    st.sampled_from(ADDRS),
    st.sampled_from(PORTS),
    st.sampled_from(list(STATES.values())),
    st.sampled_from([("eth0", "eth1"), ("eth1", "eth0")]),
)


def _run(chains: list[list[GenRule]], index: int, p: Packet, iif: str, oif: str) -> str:
    for rule in chains[index]:
        if not rule.matches(p, iif, oif):
            continue
        kind, _, target = rule.verdict.partition(":")
        if kind in ("accept", "drop", "return"):
            return kind
        result = _run(chains, int(target), p, iif, oif)
        if kind == "goto" or result != "return":
            return result
    return "return"


def _oracle(policy_accept: bool, chains: list[list[GenRule]], p: Packet, iif: str, oif: str) -> bool:
    result = _run(chains, 0, p, iif, oif)
    return result == "accept" or (result == "return" and policy_accept)


def _ipt_rule(chain: str, rule: GenRule, names: list[str]) -> str:
    parts = [f"-A {chain}"]
    for flag, value in (("-s", rule.src), ("-d", rule.dst), ("-i", rule.iif), ("-o", rule.oif)):
        if value is not None:
            parts.append(f"{'! ' if value[0] else ''}{flag} {value[1]}")
    if rule.proto:
        parts.append(f"-p {rule.proto}")
        assert rule.dports is not None
        ports = ",".join(f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in rule.dports)
        parts.append(f"-m multiport --dports {ports}" if len(rule.dports) > 1 else f"--dport {ports}")
    if rule.states:
        parts.append(f"-m conntrack --ctstate {','.join(rule.states)}")
    kind, _, target = rule.verdict.partition(":")
    verdicts = {"accept": "-j ACCEPT", "drop": "-j DROP", "return": "-j RETURN"}
    parts.append(verdicts.get(kind) or f"{'-j' if kind == 'jump' else '-g'} {names[int(target or 0)]}")
    return " ".join(parts)


def _render_iptables(policy_accept: bool, chains: list[list[GenRule]]) -> str:
    names = ["FORWARD"] + [f"USER{i}" for i in range(1, len(chains))]
    lines = ["*filter", f":FORWARD {'ACCEPT' if policy_accept else 'DROP'} [0:0]"]
    lines += [f":{name} - [0:0]" for name in names[1:]]
    for name, rules in zip(names, chains, strict=True):
        lines += [_ipt_rule(name, rule, names) for rule in rules]
    return "\n".join([*lines, "COMMIT", ""])


def _single(p: Packet) -> FlowSpace:
    return FlowSpace.build(
        protocols=[(p.protocol, p.protocol)],
        src=[cube_host(p.src)],
        dst=[cube_host(p.dst)],
        sport=[(p.sport, p.sport)],
        dport=[(p.dport, p.dport)],
        state=[(p.state, p.state)],
    )


def _permits(model: ConfigModel, p: Packet, iif: str, oif: str) -> bool:
    for binding in model.bindings:
        ruleset = model.ruleset(binding.ruleset)
        assert ruleset is not None
        result = walk(ruleset, _single(p), model.ruleset, iif, oif)
        assert result.exact
        if result.lower.is_empty():
            return False
    return True


def _packet(raw: RawPacket) -> tuple[Packet, str, str]:
    proto, src, dst, dport, state, (iif, oif) = raw
    return Packet(proto, ip(src), ip(dst), 40000, dport, state), iif, oif


@settings(max_examples=150, deadline=None)
@given(chain_sets(), st.lists(PACKETS, min_size=1, max_size=12))
def test_iptables_chains_match_reference(
    generated: tuple[bool, list[list[GenRule]]],
    packets: list[RawPacket],
) -> None:
    policy, chains = generated
    result = parse(_render_iptables(policy, chains), "gen.rules")
    assert not result.diagnostics
    for raw in packets:
        p, iif, oif = _packet(raw)
        assert _permits(result.model, p, iif, oif) == _oracle(policy, chains, p, iif, oif), raw


def _nft_rule(rule: GenRule, names: list[str]) -> str:
    parts = []
    for key, value in (("ip saddr", rule.src), ("ip daddr", rule.dst)):
        if value is not None:
            parts.append(f"{key} {'!= ' if value[0] else ''}{value[1]}")
    for key, iface in (("iifname", rule.iif), ("oifname", rule.oif)):
        if iface is not None:
            parts.append(f'{key} {"!= " if iface[0] else ""}"{iface[1]}"')
    if rule.proto:
        assert rule.dports is not None
        ports = ", ".join(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in rule.dports)
        parts.append(f"{rule.proto} dport {{ {ports} }}")
    if rule.states:
        parts.append(f"ct state {{ {', '.join(s.lower() for s in rule.states)} }}")
    kind, _, target = rule.verdict.partition(":")
    parts.append(kind if not target else f"{kind} {names[int(target)]}")
    return " ".join(parts)


@st.composite
def nft_sets(draw: st.DrawFn) -> list[tuple[int, bool, list[list[GenRule]]]]:
    n_base = draw(st.integers(1, 3))
    return [(draw(st.sampled_from([-300, -150, 0, 10, 50])), *draw(chain_sets())) for _ in range(n_base)]


def _render_nft(bases: list[tuple[int, bool, list[list[GenRule]]]]) -> str:
    lines = ["table inet gen {"]
    for b, (prio, policy, chains) in enumerate(bases):
        names = [f"base{b}"] + [f"user{b}_{i}" for i in range(1, len(chains))]
        for i, (name, rules) in enumerate(zip(names, chains, strict=True)):
            lines.append(f"\tchain {name} {{")
            if i == 0:
                policy_word = "accept" if policy else "drop"
                lines.append(f"\t\ttype filter hook forward priority {prio}; policy {policy_word};")
            lines += [f"\t\t{_nft_rule(rule, names)}" for rule in rules]
            lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n"


@settings(max_examples=100, deadline=None)
@given(nft_sets(), st.lists(PACKETS, min_size=1, max_size=10))
def test_nft_base_chains_match_reference(
    bases: list[tuple[int, bool, list[list[GenRule]]]],
    packets: list[RawPacket],
) -> None:
    result = parse(_render_nft(bases), "gen.nft")
    assert not result.diagnostics
    order = sorted(range(len(bases)), key=lambda b: bases[b][0])
    assert [b.ruleset for b in result.model.bindings] == [f"inet gen/base{b}" for b in order]
    for raw in packets:
        p, iif, oif = _packet(raw)
        expected = all(_oracle(bases[b][1], bases[b][2], p, iif, oif) for b in order)
        assert _permits(result.model, p, iif, oif) == expected, raw


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.sampled_from(PORTS), st.sampled_from(["accept", "drop"]), min_size=1),
    st.booleans(),
    st.lists(PACKETS, min_size=1, max_size=8),
)
def test_nft_vmap_matches_reference(vmap: dict[int, str], policy: bool, packets: list[RawPacket]) -> None:
    elements = ", ".join(f"{port} : {verdict}" for port, verdict in vmap.items())
    text = (
        "table ip t {\n chain f {\n  type filter hook forward priority 0; "
        f"policy {'accept' if policy else 'drop'};\n  udp dport vmap {{ {elements} }}\n }}\n}}\n"
    )
    model = parse(text, "v.nft").model
    for raw in packets:
        p, iif, oif = _packet(raw)
        verdict = vmap.get(p.dport) if p.protocol == UDP else None
        expected = verdict == "accept" or (verdict is None and policy)
        assert _permits(model, p, iif, oif) == expected
