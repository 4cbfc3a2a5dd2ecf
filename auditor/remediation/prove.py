"""Prove a remediation: re-parse the merged config, re-audit it, compare what gets through.

The last step of the remediation. A change is ``verified`` only when every check it
targets passes on the merged config and nothing permitted before is denied after: the
verdicts of every other check must not get worse, and on every inside-to-outside path the
new connections of any protocol, address and port permitted before (the lower bound of
``auditor.paths.trace_path`` over the whole packet space) must still be permitted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from auditor import engine, parsers
from auditor.errors import AuditorError
from auditor.flowspace import STATE_NEW, FlowSpace
from auditor.model import Action, ConfigModel, Finding, Platform, Rule, Status
from auditor.paths import trace_path
from auditor.policy import PolicyPack
from auditor.topology import infer_roles

_GOOD = (Status.PASS, Status.NOT_APPLICABLE)
_RANK = {Status.PASS: 0, Status.NOT_APPLICABLE: 0, Status.PARTIAL: 1, Status.UNKNOWN: 1, Status.FAIL: 2}


def prove(
    platform: Platform,
    before: ConfigModel,
    merged: str,
    filename: str,
    packs: Sequence[PolicyPack],
    options: engine.AuditOptions,
    targeted: set[tuple[str, str]],
    before_findings: Sequence[Finding] | None = None,
) -> list[str]:
    """Return why the merged config is not proven (an empty list: proven).

    ``before_findings`` are the packs' findings on ``before`` when the caller has them.
    """
    try:
        after = parsers.parse(platform, merged, filename).model
    except AuditorError as exc:
        return [f"the merged config does not parse: {exc}"]
    problems: list[str] = []
    for pack in packs:
        known = [f for f in before_findings or () if f.policy == pack.id]
        old = {f.check: f for f in known or engine.audit(before, pack, options)}
        for finding in engine.audit(after, pack, options):
            key = (pack.id, finding.check)
            if key in targeted and finding.status not in _GOOD:
                problems.append(f"{finding.check} is still {finding.status.value}: {finding.summary}")
            elif _RANK[finding.status] > _RANK[old[finding.check].status]:
                problems.append(
                    f"{finding.check} gets worse ({old[finding.check].status.value} -> "
                    f"{finding.status.value}): {finding.summary}"
                )
    problems.extend(lost_flows(before, after, options))
    return problems


def lost_flows(before: ConfigModel, after: ConfigModel, options: engine.AuditOptions) -> list[str]:
    """Return the paths on which a new connection permitted before is not permitted after."""
    if _only_permits_added(before, after):
        # First match is decided packet by packet: an added permit can only take packets that
        # a later entry decided before, so nothing permitted before can be lost. This skips
        # walking the whole packet space, which is slow on long lists.
        return []
    roles = infer_roles(
        before, options.inside_networks, options.inside_interfaces, options.outside_interfaces
    )
    everything = FlowSpace.build(state=[(STATE_NEW, STATE_NEW)])
    pairs: list[tuple[str | None, str | None]] = [
        (i, o) for i in roles.inside for o in roles.outside if i != o
    ]
    if roles.problem or not pairs:
        pairs = [(None, None)]
    out = []
    for inside, outside in pairs:
        old = trace_path(before, inside, outside, everything).lower
        new = trace_path(after, inside, outside, everything).lower
        lost = old - new
        if not lost.is_empty():
            label = f"{inside or 'any interface'} -> {outside or 'any interface'}"
            out.append(f"{label}: {lost.describe(with_source=True)} was permitted and no longer is")
    return out


def _only_permits_added(before: ConfigModel, after: ConfigModel) -> bool:
    """Tell whether ``after`` differs from ``before`` only by exact PERMIT entries added to rule sets."""
    if (
        _without_sources(before.bindings) != _without_sources(after.bindings)
        or _without_sources(before.source_nats) != _without_sources(after.source_nats)
        or before.egress_sees_translated != after.egress_sees_translated
    ):
        return False
    for ruleset in before.rulesets:
        changed = after.ruleset(ruleset.name)
        if changed is None or changed.default_action is not ruleset.default_action:
            return False
        old = [_meaning(r) for r in ruleset.rules]
        position = 0
        for rule in changed.rules:
            if position < len(old) and _meaning(rule) == old[position]:
                position += 1
            elif rule.action is not Action.PERMIT or rule.match is None:
                # A permit limited to some interfaces is still only a permit: on a path it
                # does not apply to, packets go on to the entries that decided them before.
                return False
        if position != len(old):
            return False
    return True


def _meaning(rule: Rule) -> tuple[object, ...]:
    """What a rule does, without where it was written (line numbers move when lines are added)."""
    boxes = rule.match.canonical().boxes if rule.match is not None else None
    bound = rule.bound.canonical().boxes if rule.bound is not None else None
    return (rule.action, boxes, bound, rule.target, rule.interfaces)


def _without_sources(items: Sequence[Any]) -> list[tuple[object, ...]]:
    return [tuple(v for k, v in _fields_of(item).items() if k != "source") for item in items]


def _fields_of(item: Any) -> dict[str, Any]:
    """Return a frozen dataclass's fields as a dict (slotted classes have no __dict__)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}
