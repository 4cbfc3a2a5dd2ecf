"""The engine's first-match answers against a brute-force per-packet oracle.

Hypothesis builds rule sets in a tiny universe; the oracle walks every packet through
first-match by hand; the engine's permitted set must equal the oracle's exactly, through a
single rule set and through a whole inside->outside path with two of them.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine import AuditOptions, audit
from auditor.evaluate import walk
from auditor.flowspace import FlowSpace, Packet
from auditor.model import (
    Action,
    Binding,
    ConfigModel,
    Direction,
    Interface,
    Platform,
    Role,
    Rule,
    RuleSet,
    Source,
    Status,
)
from auditor.policy import PolicyPack
from tests.universe import UNIVERSE_SPACE, members, spaces

ORACLE = settings(max_examples=80, deadline=None)


@st.composite
def rulesets(draw: st.DrawFn, name: str = "ACL") -> RuleSet:
    rules = []
    for i in range(draw(st.integers(0, 7))):
        action = draw(st.sampled_from([Action.PERMIT, Action.DENY]))
        rules.append(Rule(action, draw(spaces(max_boxes=2)), Source("t", i + 1, f"rule {i}")))
    default = draw(st.sampled_from([Action.DENY, Action.DENY, Action.PERMIT]))
    return RuleSet(name, tuple(rules), default_action=default)


def oracle_permits(ruleset: RuleSet, packet: Packet) -> bool:
    for rule in ruleset.rules:
        assert rule.match is not None
        if packet in rule.match:
            return rule.action is Action.PERMIT
    return ruleset.default_action is Action.PERMIT


@ORACLE
@given(rulesets(), spaces())
def test_walk_equals_per_packet_first_match(ruleset: RuleSet, query: FlowSpace) -> None:
    result = walk(ruleset, query)
    assert result.exact and result.lower.same_as(result.upper)
    expected = {p for p in members(query) if oracle_permits(ruleset, p)}
    assert members(result.lower) == expected
    # Every decided part is disjoint from the others and together they cover the query.
    decided = FlowSpace()
    for decision in result.decisions:
        assert not decision.space.intersects(decided)
        decided = decided | decision.space
    assert decided.same_as(query)


@ORACLE
@given(
    rulesets(),
    spaces(),
    st.integers(0, 7),
    st.sampled_from([Action.PERMIT, Action.DENY]),
    spaces(2),
    spaces(2),
)
def test_inexact_entry_with_known_action_and_bound_brackets_the_truth(
    ruleset: RuleSet, query: FlowSpace, position: int, action: Action, bound: FlowSpace, part: FlowSpace
) -> None:
    """An entry known to {action} part of {bound} (e.g. a DSCP condition): the truth, for
    any part it really matches, lies between the bounds the walk gives."""
    position = min(position, len(ruleset.rules))
    inexact = Rule(action, None, Source("t", 99, "permit udp any any dscp ef"), bound=bound)
    rules = ruleset.rules
    with_inexact = RuleSet("ACL", rules[:position] + (inexact,) + rules[position:], ruleset.default_action)
    result = walk(with_inexact, query)
    for meaning in (bound, FlowSpace(), bound & part):
        real = RuleSet(
            "ACL",
            rules[:position] + (Rule(action, meaning, inexact.source),) + rules[position:],
            ruleset.default_action,
        )
        truth = members(walk(real, query).lower)
        assert members(result.lower) <= truth <= members(result.upper)
    if result.exact:
        assert result.lower.same_as(result.upper)


@ORACLE
@given(rulesets(), spaces(), st.integers(0, 7), st.sampled_from([Action.PERMIT, Action.DENY]))
def test_unknown_line_bounds_every_possible_meaning(
    ruleset: RuleSet, query: FlowSpace, position: int, meaning_action: Action
) -> None:
    """Whatever an unparsed line really says, the truth lies between lower and upper."""
    position = min(position, len(ruleset.rules))
    unknown = Rule(Action.DENY, None, Source("t", 99, "garbage"))
    with_unknown = RuleSet(
        "ACL",
        ruleset.rules[:position] + (unknown,) + ruleset.rules[position:],
        default_action=ruleset.default_action,
    )
    result = walk(with_unknown, query)
    for meaning in (UNIVERSE_SPACE, FlowSpace(), query):
        real = RuleSet(
            "ACL",
            ruleset.rules[:position]
            + (Rule(meaning_action, meaning, unknown.source),)
            + ruleset.rules[position:],
            default_action=ruleset.default_action,
        )
        truth = members(walk(real, query).lower)
        assert members(result.lower) <= truth <= members(result.upper)


PACK = PolicyPack.model_validate(
    {
        "schema_version": 1,
        "id": "tiny",
        "title": "tiny universe",
        "destinations": ["17.0.0.0/30"],
        "checks": [
            {
                "id": "tcp-0-5",
                "kind": "flow",
                "title": "t",
                "rationale": "r",
                "protocol": "tcp",
                "ports": "0-5",
            }
        ],
    }
)


@ORACLE
@given(rulesets("IN"), rulesets("OUT"))
def test_path_verdict_equals_oracle(inbound: RuleSet, outbound: RuleSet) -> None:
    """Ingress ACL on the inside interface, then egress ACL on the outside one."""
    model = ConfigModel(
        Platform.CISCO_IOS,
        interfaces=(
            Interface("lan", ("10.0.0.1/29",), role=Role.INSIDE, role_reason="test"),
            Interface("wan", ("198.51.100.1/24",), role=Role.OUTSIDE, role_reason="test"),
        ),
        rulesets=(inbound, outbound),
        bindings=(
            Binding("IN", "lan", Direction.IN, Source("t", 1, "in")),
            Binding("OUT", "wan", Direction.OUT, Source("t", 2, "out")),
        ),
    )
    [finding] = audit(model, PACK, AuditOptions(inside_networks=("10.0.0.0/29",)))
    required = PACK.required_flow(PACK.flow_checks()[0], ["10.0.0.0/29"])
    wanted = members(required)
    through = {p for p in wanted if oracle_permits(inbound, p) and oracle_permits(outbound, p)}
    expected = Status.PASS if through == wanted else Status.FAIL if not through else Status.PARTIAL
    assert finding.status is expected, finding.summary
    if expected is not Status.PASS:
        assert finding.witness is not None and finding.witness not in through
