"""Tests for the vyos parser: goldens per feature (set and config.boot forms) and per corpus
file, line accounting, detection, direct semantic checks, and generated forward filters
rendered as VyOS set commands against a brute-force per-packet oracle."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine import AuditOptions, audit
from auditor.evaluate import walk
from auditor.flowspace import STATE_ESTABLISHED, STATE_NEW, STATE_RELATED, TCP, UDP, Packet
from auditor.model import Action, Direction, Platform, Provenance, Role, Status
from auditor.parsers.vyos import looks_like, parse, parse_with_dispositions
from auditor.policy import resolve
from tests import golden
from tests.universe import DST_BASE, SRC_BASE, UNIVERSE_SPACE, members, universe

HERE = Path(__file__).parent / "vyos"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CORPUS = SHARED / "vyos"
CASES = sorted(HERE.glob("*.conf"))
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
OTHER_FILES = (
    sorted(p for p in SHARED.glob("*/*") if p.parent.name != "vyos" and p.is_file())
    if SHARED.is_dir()
    else []
)


def _golden(conf: Path, golden_dir: Path, update: bool) -> None:
    result = parse(conf.read_text(encoding="utf-8"), conf.name)
    golden.check_parse(result, golden_dir, conf.stem if conf.suffix == ".conf" else conf.name, update)


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
    assert result.model.platform is Platform.VYOS
    for diag in result.diagnostics:  # every diagnostic names the real file line
        assert diag.source.text == text.split("\n")[diag.source.line - 1]


@pytest.mark.parametrize("conf", CASES + CORPUS_FILES, ids=[c.name for c in CASES + CORPUS_FILES])
def test_detects_vyos(conf: Path) -> None:
    assert looks_like(conf.read_text(encoding="utf-8"))


@pytest.mark.skipif(not OTHER_FILES, reason="shared corpus not present")
@pytest.mark.parametrize("conf", OTHER_FILES, ids=[f"{c.parent.name}/{c.name}" for c in OTHER_FILES])
def test_does_not_claim_other_platforms(conf: Path) -> None:
    assert not looks_like(conf.read_text(encoding="utf-8", errors="replace"))


def test_edgeos_is_not_claimed() -> None:
    text = "firewall {\n    name WAN_IN {\n        default-action drop\n    }\n}\n"
    text += "/* Release version: v2.0.9 */\n"
    assert not looks_like(text)


# --- the two forms ---------------------------------------------------------------------


def _shape(conf: str) -> list[tuple[str, object, list[tuple[object, ...]]]]:
    model = parse((HERE / conf).read_text(encoding="utf-8"), conf).model
    return [
        (
            rs.name,
            rs.default_action,
            [(r.action, r.match and r.match.canonical(), r.bound, r.target, r.interfaces) for r in rs.rules],
        )
        for rs in model.rulesets
    ]


def test_set_and_boot_forms_give_the_same_rule_sets() -> None:
    assert _shape("forward_filter.set.conf") == _shape("forward_filter.boot.conf")


def test_forward_filter_semantics() -> None:
    model = parse((HERE / "forward_filter.set.conf").read_text(encoding="utf-8"), "f").model
    base = model.ruleset("ipv4 forward filter")
    assert base is not None and base.default_action is Action.DENY
    # state-policy first, then rules by number; disabled and continue rules are gone.
    lines = [r.source.line for r in base.rules]
    assert lines == [1, 2, 11, 14, 20, 24, 25]
    assert base.rules[2].action is Action.JUMP and base.rules[2].target == "ipv4 name LAN_OUT"
    assert base.rules[2].interfaces is not None and base.rules[2].interfaces.ingress == {"eth1", "eth2"}
    apple_web = Packet(UDP, SRC_BASE, 0x11000001, 1000, 80, STATE_NEW)
    assert base.rules[3].match is not None and apple_web in base.rules[3].match
    assert Packet(UDP, SRC_BASE, 0x12000001, 1000, 80, STATE_NEW) not in base.rules[3].match
    assert base.rules[4].match is None and base.rules[4].bound is not None  # the rate limit
    assert base.rules[5].match is None and base.rules[5].bound is None  # queue: outcome unknown
    assert base.rules[6].match is None  # an unknown leaf
    named = model.ruleset("ipv4 name LAN_OUT")
    assert named is not None and named.default_action is Action.RETURN
    assert [r.action for r in named.rules] == [Action.DENY, Action.PERMIT, Action.RETURN]
    server = Packet(TCP, 0xC0A8010F, DST_BASE, 1, 1, STATE_NEW)  # 192.168.1.15
    assert named.rules[1].match is not None and server not in named.rules[1].match
    assert [b.ruleset for b in model.bindings] == ["ipv4 forward filter"]
    assert model.bindings[0].interface == "*"


def test_defaults_when_nothing_is_printed() -> None:
    text = (
        "set firewall ipv4 forward filter rule 10 action 'jump'\n"
        "set firewall ipv4 forward filter rule 10 jump-target 'X'\n"
        "set firewall ipv4 name X rule 10 action 'accept'\n"
        "set firewall ipv4 name X rule 10 protocol 'tcp'\n"
    )
    model = parse(text, "d").model
    base, named = model.ruleset("ipv4 forward filter"), model.ruleset("ipv4 name X")
    assert base is not None and named is not None
    assert base.default_action is Action.PERMIT
    assert base.rules[-1].action is Action.PERMIT and "not printed" in base.rules[-1].source.text
    assert named.rules[-1].action is Action.DENY and "default-action drop" in named.rules[-1].source.text
    result = walk(base, UNIVERSE_SPACE, model.ruleset)
    assert members(result.lower) == {p for p in universe() if p.protocol == TCP}


def test_legacy_bindings_helpers_and_zones() -> None:
    result = parse((HERE / "legacy_13.boot.conf").read_text(encoding="utf-8"), "l")
    model = result.model
    bound = {(b.ruleset, b.interface, b.direction) for b in model.bindings}
    assert bound == {("name WAN_IN", "eth0", Direction.IN), ("name VLAN_IN", "eth1.20", Direction.IN)}
    wan = model.ruleset("name WAN_IN")
    assert wan is not None and wan.rules[0].source.text.strip() == "action accept"  # state-policy
    vlan = model.ruleset("name VLAN_IN")
    assert vlan is not None and vlan.rules[-1].action is Action.DENY  # unprinted 1.3 default drop
    features = {f.kind: f for f in model.features}
    assert features["sip"].enabled is False and features["sip"].provenance is Provenance.EXPLICIT
    assert features["h323"].enabled is True and features["h323"].provenance is Provenance.DEFAULT
    assert "rtsp" in features and features["rtsp"].enabled is False
    assert any("zone-based" in lim.reason for lim in model.limitations)
    assert model.version == "1.3.0"


@pytest.mark.parametrize(
    ("text", "sip_on"),
    [
        ("// Release version: 1.3.8\n", True),
        ("// Release version: 1.4.0\n", False),
        ('// vyos-config-version: "conntrack@3:system@26"\n', False),
        ('// vyos-config-version: "conntrack@1:system@21"\n', True),
        ("# Release train:    equuleus\n", True),
        ("# Release train:    circinus\n", False),
        ("set firewall name X default-action 'drop'\n", True),
        ("set firewall ipv4 forward filter default-action 'drop'\n", False),
        ("set system conntrack modules h323 disable\n", True),
        ("set system conntrack modules h323 enable\n", False),
        ("set firewall interface eth0 local name 'X'\n", False),
    ],
)
def test_generation_decides_the_sip_helper_default(text: str, sip_on: bool) -> None:
    model = parse("set interfaces ethernet eth0 address '10.0.0.1/24'\n" + text, "g").model
    sip = [f for f in model.features if f.kind == "sip"]
    assert len(sip) == 1 and sip[0].provenance is Provenance.DEFAULT and sip[0].enabled is sip_on
    assert not model.limitations


def test_unknown_generation_is_a_limitation_not_a_guess() -> None:
    model = parse("set interfaces ethernet eth0 address '10.0.0.1/24'\n", "u").model
    assert not [f for f in model.features if f.kind in ("sip", "h323")]
    assert [lim.affects for lim in model.limitations] == [frozenset({"feature"})]


def test_nat_and_upnp() -> None:
    result = parse((HERE / "nat_upnp.set.conf").read_text(encoding="utf-8"), "n")
    model = result.model
    maps = [(m.protocols, m.inside_address, m.inside_ports, m.outside_ports) for m in model.port_mappings]
    assert maps == [
        ((UDP,), "192.168.1.20", ((3478, 3479),), ((3478, 3479),)),
        ((TCP, UDP), "192.168.1.21", ((443, 443),), ((8443, 8443),)),
        (None, "192.168.1.23", None, None),
    ]
    pppoe = model.interface("pppoe0")
    assert pppoe is not None and pppoe.role is Role.OUTSIDE
    assert [n.interface for n in model.source_nats] == ["pppoe0"]
    assert any(f.kind == "upnp" and f.enabled for f in model.features)
    assert [d.source.line for d in result.diagnostics] == [28]


# --- oracle ------------------------------------------------------------------------------

STATE_NAMES = {"new": STATE_NEW, "established": STATE_ESTABLISHED, "related": STATE_RELATED, "invalid": None}


@dataclass(frozen=True)
class GenRule:
    number: int
    action: str
    target: str | None
    protocol: str | None
    src: tuple[int, int, bool] | None  # first, last host offset, negated
    dst: tuple[int, int, bool] | None
    dports: tuple[tuple[tuple[int, int], ...], bool] | None
    sport: int | None
    states: tuple[str, ...]
    disabled: bool


@dataclass(frozen=True)
class GenChain:
    name: str
    default: str | None
    rules: tuple[GenRule, ...]


def _proto_ok(spec: str | None, proto: int) -> bool:
    if spec is None:
        return True
    names = {"tcp": {TCP}, "udp": {UDP}, "tcp_udp": {TCP, UDP}, "!tcp": {UDP}}
    return proto in names[spec]


def _matches(rule: GenRule, p: Packet) -> bool:
    if not _proto_ok(rule.protocol, p.protocol):
        return False
    for spec, value, base in ((rule.src, p.src, SRC_BASE), (rule.dst, p.dst, DST_BASE)):
        if spec is not None and ((spec[0] <= value - base <= spec[1]) == spec[2]):
            return False
    if rule.dports is not None:
        inside = any(lo <= p.dport <= hi for lo, hi in rule.dports[0])
        if inside == rule.dports[1]:
            return False
    if rule.sport is not None and p.sport != rule.sport:
        return False
    if rule.states:
        wanted = {STATE_NAMES[s] for s in rule.states} - {None}
        if p.state not in wanted:
            return False
    return True


def oracle(chains: dict[str, GenChain], packet: Packet) -> bool:
    """VyOS semantics by hand: rules by number, first match; defaults per chain kind."""

    def run(name: str) -> str:
        chain = chains[name]
        for rule in sorted(chain.rules, key=lambda r: r.number):
            if rule.disabled or not _matches(rule, packet):
                continue
            if rule.action == "jump":
                assert rule.target is not None
                verdict = run(rule.target)
                if verdict != "return":
                    return verdict
                continue
            return rule.action
        base = name == "forward"
        default = chain.default or ("accept" if base else "drop")
        return "accept" if base and default == "return" else default

    return run("forward") == "accept"


def _address(base: int, first: int, last: int) -> str:
    def text(n: int) -> str:
        value = base + n
        return ".".join(str((value >> s) & 255) for s in (24, 16, 8, 0))

    if first == last:
        return text(first)
    return f"{text(first)}-{text(last)}"


@st.composite
def gen_rule(draw: st.DrawFn, number: int, targets: list[str], named: bool) -> GenRule:
    actions = ["accept", "drop"] + (["return"] if named else []) + (["jump"] if targets else [])
    action = draw(st.sampled_from(actions))
    target = draw(st.sampled_from(targets)) if action == "jump" else None

    def span(bits: int) -> st.SearchStrategy[tuple[int, int, bool] | None]:
        top = (1 << bits) - 1
        return st.one_of(
            st.none(),
            st.tuples(st.integers(0, top), st.integers(0, top), st.booleans()).map(
                lambda t: (min(t[0], t[1]), max(t[0], t[1]), t[2])
            ),
        )

    ranges = st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5)).map(lambda t: (min(t), max(t))),
        min_size=1,
        max_size=3,
    )
    return GenRule(
        number=number,
        action=action,
        target=target,
        protocol=draw(st.sampled_from([None, "tcp", "udp", "tcp_udp", "!tcp"])),
        src=draw(span(3)),
        dst=draw(span(2)),
        dports=draw(st.one_of(st.none(), st.tuples(ranges.map(tuple), st.booleans()))),
        sport=draw(st.one_of(st.none(), st.integers(0, 1))),
        states=tuple(draw(st.lists(st.sampled_from(sorted(STATE_NAMES)), max_size=2, unique=True))),
        disabled=draw(st.integers(0, 5)) == 0,
    )


@st.composite
def gen_chains(draw: st.DrawFn) -> dict[str, GenChain]:
    """A forward filter and up to two named chains; a chain only jumps to later ones."""
    names = ["forward"] + [f"N{i}" for i in range(draw(st.integers(0, 2)))]
    chains: dict[str, GenChain] = {}
    for i, name in enumerate(names):
        numbers = draw(st.lists(st.integers(1, 999), max_size=5, unique=True))
        named = i > 0
        rules = tuple(draw(gen_rule(n, names[i + 1 :], named)) for n in numbers)
        defaults = [None, "accept", "drop"] + (["return"] if named else [])
        chains[name] = GenChain(name, draw(st.sampled_from(defaults)), rules)
    return chains


def render(chains: dict[str, GenChain]) -> str:
    """The chains as `set` commands, rules in their generated (unsorted) order."""
    out: list[str] = []
    for name, chain in chains.items():
        path = "firewall ipv4 forward filter" if name == "forward" else f"firewall ipv4 name {name}"
        out.append(f"set {path} description 'generated'")  # the chain exists even when empty
        if chain.default:
            out.append(f"set {path} default-action '{chain.default}'")
        for r in chain.rules:
            at = f"set {path} rule {r.number}"
            out.append(f"{at} action '{r.action}'")
            if r.target:
                out.append(f"{at} jump-target '{r.target}'")
            if r.protocol:
                out.append(f"{at} protocol '{r.protocol}'")
            for side, spec, base in (("source", r.src, SRC_BASE), ("destination", r.dst, DST_BASE)):
                if spec is not None:
                    neg = "!" if spec[2] else ""
                    out.append(f"{at} {side} address '{neg}{_address(base, spec[0], spec[1])}'")
            if r.dports is not None:
                ports = ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in r.dports[0])
                out.append(f"{at} destination port '{'!' if r.dports[1] else ''}{ports}'")
            if r.sport is not None:
                out.append(f"{at} source port '{r.sport}'")
            out.extend(f"{at} state '{s}'" for s in r.states)
            if r.disabled:
                out.append(f"{at} disable")
    return "\n".join(out) + "\n"


Tree = dict[str, "Tree"]
_TAGS = frozenset({"rule", "name"})


def render_boot(set_text: str) -> str:
    """The same configuration as a config.boot tree (`rule N {`, one leaf per line)."""
    tree: Tree = {}
    for line in set_text.splitlines():
        node = tree
        for word in shlex.split(line)[1:]:
            node = node.setdefault(word, {})
    out: list[str] = []

    def emit(node: Tree, depth: int) -> None:
        pad = "    " * depth
        for key, children in node.items():
            if not children:
                out.append(f"{pad}{key}")
            elif key in _TAGS:
                for tag, inner in children.items():
                    out.append(f"{pad}{key} {tag} {{")
                    emit(inner, depth + 1)
                    out.append(f"{pad}}}")
            elif all(not grand for grand in children.values()):
                out.extend(f'{pad}{key} "{value}"' for value in children)
            else:
                out.append(f"{pad}{key} {{")
                emit(children, depth + 1)
                out.append(f"{pad}}}")

    emit(tree, 0)
    return "\n".join(out) + "\n"


@settings(max_examples=150, deadline=None)
@given(gen_chains(), st.booleans())
def test_generated_forward_filters_equal_per_packet_oracle(chains: dict[str, GenChain], boot: bool) -> None:
    text = render_boot(render(chains)) if boot else render(chains)
    result = parse(text, "gen")
    assert not result.diagnostics, text
    base = result.model.ruleset("ipv4 forward filter")
    assert base is not None
    walked = walk(base, UNIVERSE_SPACE, result.model.ruleset)
    assert walked.exact
    expected = {p for p in universe() if oracle(chains, p)}
    assert members(walked.lower) == expected, text


def test_routes_with_options_and_disabled_next_hops() -> None:
    text = (
        "set protocols static route 10.0.0.0/8 next-hop 192.0.2.9 disable\n"
        "set protocols static route 10.0.0.0/8 next-hop 192.0.2.9 distance '5'\n"
        "set protocols static route 0.0.0.0/0 next-hop 192.0.2.1 distance '10'\n"
        "set protocols static route 0.0.0.0/0 next-hop 192.0.2.1 interface 'eth0'\n"
        "set protocols static route 0.0.0.0/0 dhcp-interface 'eth3'\n"
    )
    routes = [(r.prefix, r.next_hop, r.interface) for r in parse(text, "r").model.routes]
    assert routes == [("0.0.0.0/0", "192.0.2.1", None), ("0.0.0.0/0", None, "eth3")]


def test_binding_to_an_undefined_rule_set_is_unknown_not_a_pass() -> None:
    text = (
        "set interfaces ethernet eth0 address '192.0.2.2/24'\n"
        "set interfaces ethernet eth1 address '192.168.1.1/24'\n"
        "set interfaces ethernet eth1 firewall in name 'NOPE'\n"
        "set protocols static route 0.0.0.0/0 next-hop 192.0.2.1\n"
    )
    result = parse(text, "u")
    assert [d.source.line for d in result.diagnostics] == [3]
    findings = audit(result.model, resolve("apple-facetime-imessage"), AuditOptions())
    assert {f.status for f in findings if f.check.startswith(("tcp", "udp"))} == {Status.UNKNOWN}


def test_rolling_14_interface_bindings() -> None:
    text = (
        "set firewall interface eth1 in name 'LAN_IN'\n"
        "set firewall interface eth1 local name 'LAN_LOCAL'\n"
        "set firewall interface eth0 out name 'WAN_OUT'\n"
        "set firewall name LAN_IN rule 10 action 'drop'\n"
        "set firewall name LAN_IN rule 10 protocol 'udp'\n"
        "set firewall name WAN_OUT default-action 'accept'\n"
    )
    model = parse(text, "r").model
    bound = [(b.ruleset, b.interface, b.direction) for b in model.bindings]
    assert bound == [("name LAN_IN", "eth1", Direction.IN), ("name WAN_OUT", "eth0", Direction.OUT)]
    lan = model.ruleset("name LAN_IN")
    assert lan is not None and [r.action for r in lan.rules] == [Action.DENY, Action.DENY]
    assert not model.limitations  # `firewall interface` only ever existed in 1.4 rolling builds
    assert not [f for f in model.features if f.kind in ("sip", "h323") and f.enabled]
