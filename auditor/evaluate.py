"""First-match evaluation of one rule set over a set of packets.

Sits between the model and the engine. ``walk`` answers, for a set of packets entering a
rule set, which of them it permits, which entry decided each part, and, when the rule set
holds entries the parser did not understand, the tightest bounds the answer lies between:
``lower`` (permitted whatever the unknown entries say) and ``upper`` (permitted if they
say the most permissive thing).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    unknown: Rule | None = None  # the first not-understood entry that the answer hinges on

    @property
    def exact(self) -> bool:
        """Tell whether the permitted set is known exactly."""
        return self.unknown is None


def walk(ruleset: RuleSet, space: FlowSpace) -> Walk:
    """Walk ``space`` through ``ruleset`` in first-match order.

    An entry the parser did not understand (``match is None``) could match any of what is
    left, with either action: the walk stops there, and what is left becomes the gap
    between the lower and the upper bound. Entries after it cannot narrow that gap, since
    the unknown entry might have taken every packet that reaches it.

    Examples:
        >>> from auditor.flowspace import UDP
        >>> deny = Rule(Action.DENY, FlowSpace.build(dport=[(16385, 16386)]), Source("f", 3, "deny"))
        >>> acl = RuleSet("LAN", (deny,), default_action=Action.PERMIT)
        >>> w = walk(acl, FlowSpace.build(protocols=[(UDP, UDP)], dport=[(16384, 16387)]))
        >>> w.lower.describe()
        'UDP 16384, 16387 to 0.0.0.0/0'
    """
    remaining = space
    permitted = FlowSpace()
    decisions: list[Decision] = []
    for rule in ruleset.rules:
        if remaining.is_empty():
            break
        if rule.match is None:
            return Walk(permitted, permitted | remaining, tuple(decisions), unknown=rule)
        hit = remaining & rule.match
        if hit.is_empty():
            continue
        decisions.append(Decision(rule.action, hit, ruleset.name, rule))
        if rule.action is Action.PERMIT:
            permitted = permitted | hit
        remaining = remaining - rule.match
    if not remaining.is_empty():
        decisions.append(Decision(ruleset.default_action, remaining, ruleset.name, None))
        if ruleset.default_action is Action.PERMIT:
            permitted = permitted | remaining
    return Walk(permitted, permitted, tuple(decisions))


def permitted_by(ruleset: RuleSet, space: FlowSpace) -> tuple[FlowSpace, FlowSpace]:
    """Return the (lower, upper) bounds of what ``ruleset`` permits out of ``space``."""
    result = walk(ruleset, space)
    return result.lower, result.upper
