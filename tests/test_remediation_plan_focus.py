"""The planner's focused models: walks and first blockers match the full model's.

``plan.focused`` drops, per reach, the entries whose match (or bound) cannot meet it, with
a protocol / destination-port pretest before the exact test. For packets inside the reach
every walk and every ``first_blocker`` must answer as over the full rule sets, with the
same ``Rule`` objects: checked here on generated rule sets (jumps, inexact entries, entries
whose interfaces decide).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.evaluate import walk
from auditor.flowspace import TCP, UDP, FlowSpace
from auditor.model import Action, ConfigModel, InterfaceMatch, Platform, Rule, RuleSet, Source
from auditor.remediation.plan import first_blocker, focused
from tests.universe import dport_intervals, spaces

_ACTIONS = [Action.PERMIT, Action.DENY, Action.JUMP, Action.RETURN]


@st.composite
def _rules(draw: st.DrawFn, name: str, targets: list[str]) -> RuleSet:
    rules = []
    for line in range(draw(st.integers(0, 8))):
        action = draw(st.sampled_from(_ACTIONS if targets else _ACTIONS[:2] + _ACTIONS[3:]))
        match = draw(st.one_of(st.none(), spaces(max_boxes=2)))
        bound = draw(st.one_of(st.none(), spaces(max_boxes=2))) if match is None else None
        interfaces = draw(st.sampled_from([None, InterfaceMatch(ingress=frozenset({"in0"}))]))
        target = draw(st.sampled_from(targets)) if action is Action.JUMP else None
        source = Source("f", line + 1, f"{name} {line}")
        rules.append(Rule(action, match, source, bound, target, interfaces))
    default = Action.DENY if draw(st.booleans()) else Action.PERMIT
    return RuleSet(name, tuple(rules), default_action=default if targets else Action.RETURN)


@st.composite
def _models(draw: st.DrawFn) -> ConfigModel:
    inner = draw(_rules("INNER", []))
    top = draw(_rules("TOP", ["INNER"]))
    return ConfigModel(Platform.LINUX, rulesets=(top, inner))


@st.composite
def _reaches(draw: st.DrawFn) -> list[FlowSpace]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        proto = draw(st.sampled_from([TCP, UDP]))
        ports = draw(st.lists(dport_intervals, min_size=1, max_size=2))
        out.append(FlowSpace.build(protocols=[(proto, proto)], dport=ports))
    return out


@settings(max_examples=150, deadline=None)
@given(_models(), _reaches(), st.data(), st.sampled_from(["in0", "in1", None]))
def test_focused_models_walk_and_block_as_the_full_model(
    model: ConfigModel, reaches: list[FlowSpace], data: st.DataObject, ingress: str | None
) -> None:
    views = focused(model, reaches)
    assert len(views) == len(reaches)
    for reach, view in zip(reaches, views, strict=True):
        space = reach & data.draw(spaces(max_boxes=3))
        for name in ("TOP", "INNER"):
            full, kept = model.ruleset(name), view.ruleset(name)
            assert full is not None and kept is not None
            assert all(any(rule is mine for mine in full.rules) for rule in kept.rules)
            a = walk(full, space, model.ruleset, ingress, "out0")
            b = walk(kept, space, view.ruleset, ingress, "out0")
            assert a.lower.boxes == b.lower.boxes
            assert a.untracked.boxes == b.untracked.boxes
            assert a.lower.same_as(b.lower) and a.upper.same_as(b.upper)
            at_full = first_blocker(full, space, ingress, "out0")
            at_kept = first_blocker(kept, space, ingress, "out0")
            blocker_full = full.rules[at_full] if at_full < len(full.rules) else None
            blocker_kept = kept.rules[at_kept] if at_kept < len(kept.rules) else None
            assert blocker_full is blocker_kept


def test_focus_drops_entries_off_the_checks_ports_and_keeps_unknown_ones() -> None:
    source = Source("f", 1, "x")
    web = Rule(Action.DENY, FlowSpace.build(protocols=[(TCP, TCP)], dport=[(443, 443)]), source)
    ssh = Rule(Action.DENY, FlowSpace.build(protocols=[(TCP, TCP)], dport=[(22, 22)]), source)
    dns = Rule(Action.DENY, FlowSpace.build(protocols=[(UDP, UDP)], dport=[(443, 443)]), source)
    unread = Rule(Action.DENY, None, source)
    model = ConfigModel(Platform.LINUX, rulesets=(RuleSet("FWD", (web, ssh, dns, unread)),))
    https = FlowSpace.build(protocols=[(TCP, TCP)], dport=[(443, 443)])
    [view] = focused(model, [https])
    kept = view.ruleset("FWD")
    assert kept is not None and kept.rules == (web, unread)
