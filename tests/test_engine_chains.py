"""Jumps, gotos, returns and interface conditions against a per-packet oracle.

Hypothesis builds a base rule set and a few user sets that jump and go to each other
(without loops, as netfilter requires), with rules that may be limited to an ingress or
egress interface. The oracle walks every packet by hand, following netfilter's rules:
a jump comes back to the next rule on RETURN or at the end of the target; a goto comes
back to the caller's caller; RETURN or the end of the base set meets its policy.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import FlowSpace, Packet
from auditor.model import Action, InterfaceMatch, Rule, RuleSet, Source
from tests.universe import UNIVERSE_SPACE, members, spaces, universe

INTERFACES = ("lan", "wan", "dmz")


@st.composite
def interface_matches(draw: st.DrawFn) -> InterfaceMatch | None:
    if draw(st.integers(0, 2)):
        return None
    side = draw(st.sampled_from(["ingress", "egress"]))
    names = frozenset(draw(st.lists(st.sampled_from([*INTERFACES, "w+"]), min_size=1, max_size=2)))
    negated = draw(st.booleans())
    if side == "ingress":
        return InterfaceMatch(ingress=names, ingress_negated=negated)
    return InterfaceMatch(egress=names, egress_negated=negated)


@st.composite
def chain_sets(draw: st.DrawFn) -> dict[str, RuleSet]:
    """Sets C0 (base) .. Cn; a rule in Ci may only jump to Cj with j > i (no loops)."""
    count = draw(st.integers(1, 4))
    sets: dict[str, RuleSet] = {}
    for i in range(count):
        rules = []
        for k in range(draw(st.integers(0, 5))):
            choices = [Action.PERMIT, Action.DENY, Action.RETURN]
            if i + 1 < count:
                choices += [Action.JUMP, Action.GOTO]
            action = draw(st.sampled_from(choices))
            target = (
                f"C{draw(st.integers(i + 1, count - 1))}" if action in (Action.JUMP, Action.GOTO) else None
            )
            rules.append(
                Rule(
                    action,
                    draw(spaces(max_boxes=2)),
                    Source("t", 10 * i + k, f"C{i} rule {k}"),
                    target=target,
                    interfaces=draw(interface_matches()),
                )
            )
        default = draw(st.sampled_from([Action.PERMIT, Action.DENY])) if i == 0 else Action.RETURN
        sets[f"C{i}"] = RuleSet(f"C{i}", tuple(rules), default_action=default)
    return sets


def _applies(cond: InterfaceMatch | None, ingress: str, egress: str) -> bool:
    if cond is None:
        return True
    for names, negated, actual in (
        (cond.ingress, cond.ingress_negated, ingress),
        (cond.egress, cond.egress_negated, egress),
    ):
        if names is None:
            continue
        hit = any(actual == n or (n.endswith("+") and actual.startswith(n[:-1])) for n in names)
        if hit == negated:
            return False
    return True


def oracle(sets: dict[str, RuleSet], packet: Packet, ingress: str, egress: str) -> bool:
    """Return True when the base set C0 accepts ``packet``."""

    def run(name: str) -> str:
        """Return 'accept', 'drop' or 'return' for this set."""
        for rule in sets[name].rules:
            assert rule.match is not None
            if packet not in rule.match or not _applies(rule.interfaces, ingress, egress):
                continue
            if rule.action is Action.PERMIT:
                return "accept"
            if rule.action is Action.DENY:
                return "drop"
            if rule.action is Action.RETURN:
                return "return"
            assert rule.target is not None
            verdict = run(rule.target)
            if verdict != "return":
                return verdict
            if rule.action is Action.GOTO:
                return "return"  # back to the caller's caller
        return "return"

    verdict = run("C0")
    if verdict == "return":
        return sets["C0"].default_action is Action.PERMIT
    return verdict == "accept"


@settings(max_examples=150, deadline=None)
@given(chain_sets(), st.sampled_from(INTERFACES), st.sampled_from(INTERFACES))
def test_chains_equal_per_packet_oracle(sets: dict[str, RuleSet], ingress: str, egress: str) -> None:
    result = walk(sets["C0"], UNIVERSE_SPACE, sets.get, ingress, egress)
    assert result.exact
    expected = {p for p in universe() if oracle(sets, p, ingress, egress)}
    assert members(result.lower) == expected


@settings(max_examples=60, deadline=None)
@given(chain_sets())
def test_unknown_interfaces_bracket_every_path(sets: dict[str, RuleSet]) -> None:
    """Walked without a path, interface-limited rules are inexact: every real path lies between."""
    result = walk(sets["C0"], UNIVERSE_SPACE, sets.get)
    for ingress in INTERFACES:
        for egress in INTERFACES:
            truth = members(walk(sets["C0"], UNIVERSE_SPACE, sets.get, ingress, egress).lower)
            assert members(result.lower) <= truth <= members(result.upper)


def test_missing_jump_target_is_inexact_not_a_pass() -> None:
    rule = Rule(Action.JUMP, FlowSpace.everything(), Source("t", 1, "-j NOWHERE"), target="NOWHERE")
    base = RuleSet("FORWARD", (rule,), default_action=Action.PERMIT)
    result = walk(base, UNIVERSE_SPACE, {}.get)
    assert not result.exact
    assert result.lower.is_empty() and result.upper.same_as(UNIVERSE_SPACE)
