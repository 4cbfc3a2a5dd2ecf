"""First-match evaluation of one rule set over a set of packets.

Sits between the model and the engine. ``walk`` answers, for a set of packets entering a
rule set, which of them it permits, which entry decided each part, and, when the rule set
holds entries whose match is not known exactly, the tightest bounds the answer lies
between: ``lower`` (permitted whatever those entries really match) and ``upper``
(permitted if they match in the most permissive way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from auditor.flowspace import FlowSpace
from auditor.model import Action, Rule, RuleSet, Source


@dataclass(frozen=True, slots=True)
class Decision:
    """A part of the input decided by one entry, or by the rule set's implicit default."""

    action: Action
    space: FlowSpace
    ruleset: str
    rule: Rule | None  # None: the implicit default at the end of the rule set

    @property
    def source(self) -> Source | None:
        """The config line behind the decision, if any."""
        return self.rule.source if self.rule is not None else None


@dataclass(frozen=True, slots=True)
class Walk:
    """The result of walking a set of packets through one rule set."""

    lower: FlowSpace
    upper: FlowSpace
    decisions: tuple[Decision, ...]
    unknown: Rule | None = None  # the first inexact entry the answer may hinge on

    @property
    def exact(self) -> bool:
        """Tell whether the permitted set is known exactly."""
        return self.unknown is None


def walk(ruleset: RuleSet, space: FlowSpace) -> Walk:
    """Walk ``space`` through ``ruleset`` in first-match order.

    An inexact entry (``match is None``) matches some unknown part of its ``bound``
    (everything, when no bound is known). Each packet's fate depends on that packet
    alone, so two walks bound the truth: for the lower one, inexact permits match nothing
    and inexact denies match their whole bound; for the upper one, the reverse. An entry
    whose action is unknown (bound None) counts as a deny in the lower walk and a permit
    in the upper one, which is the same as matching its whole bound either way.

    Examples:
        >>> from auditor.flowspace import UDP
        >>> deny = Rule(Action.DENY, FlowSpace.build(dport=[(16385, 16386)]), Source("f", 3, "deny"))
        >>> acl = RuleSet("LAN", (deny,), default_action=Action.PERMIT)
        >>> w = walk(acl, FlowSpace.build(protocols=[(UDP, UDP)], dport=[(16384, 16387)]))
        >>> w.lower.describe()
        'UDP 16384, 16387 to 0.0.0.0/0'
    """
    if all(rule.match is not None for rule in ruleset.rules):
        permitted, decisions, _ = _walk(ruleset, space, "exact")
        return Walk(permitted, permitted, decisions)
    lower, _, first_low = _walk(ruleset, space, "lower")
    upper, decisions, first_high = _walk(ruleset, space, "upper")
    unknown = first_high or first_low
    if lower.same_as(upper):
        unknown = None
    return Walk(lower, upper, decisions, unknown)


def _walk(
    ruleset: RuleSet, space: FlowSpace, mode: Literal["exact", "lower", "upper"]
) -> tuple[FlowSpace, tuple[Decision, ...], Rule | None]:
    remaining = space
    permitted = FlowSpace()
    decisions: list[Decision] = []
    first_inexact: Rule | None = None
    for rule in ruleset.rules:
        if remaining.is_empty():
            break
        action, match = _as_walked(rule, mode)
        if match is None:
            continue
        hit = remaining & match
        if hit.is_empty():
            continue
        if rule.match is None and first_inexact is None:
            first_inexact = rule
        decisions.append(Decision(action, hit, ruleset.name, rule))
        if action is Action.PERMIT:
            permitted = permitted | hit
        remaining = remaining - match
    if not remaining.is_empty():
        decisions.append(Decision(ruleset.default_action, remaining, ruleset.name, None))
        if ruleset.default_action is Action.PERMIT:
            permitted = permitted | remaining
    return permitted, tuple(decisions), first_inexact


def _as_walked(rule: Rule, mode: str) -> tuple[Action, FlowSpace | None]:
    """Return how a walk in ``mode`` treats ``rule``: (action, match or None to skip it)."""
    if rule.match is not None:
        return rule.action, rule.match
    if rule.bound is None:  # nothing known: it may take every packet, either way
        return (Action.DENY if mode == "lower" else Action.PERMIT), FlowSpace.everything()
    wanted = Action.DENY if mode == "lower" else Action.PERMIT
    return (rule.action, rule.bound) if rule.action is wanted else (rule.action, None)
