"""First-match evaluation of one rule set over a set of packets.

Sits between the model and the engine. ``walk`` answers, for a set of packets entering a
rule set, which of them it permits, which entry decided each part, and, when the rule set
holds entries whose match is not known exactly, the tightest bounds the answer lies
between: ``lower`` (permitted whatever those entries really match) and ``upper``
(permitted if they match in the most permissive way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from auditor.flowspace import FIELDS, FlowSpace
from auditor.model import Action, Rule, RuleSet, Source

_PROTO, _DPORT = FIELDS.index("protocol"), FIELDS.index("dport")


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
    untracked: FlowSpace = FlowSpace()  # input packets an UNTRACK entry exempted from tracking

    @property
    def exact(self) -> bool:
        """Tell whether the permitted set is known exactly."""
        return self.unknown is None


Resolver = Callable[[str], RuleSet | None]
_MAX_DEPTH = 64  # jumps deeper than this are treated as not understood (a loop, most likely)


@dataclass(frozen=True, slots=True)
class _Context:
    mode: Literal["exact", "lower", "upper"]
    resolve: Resolver | None
    ingress: str | None
    egress: str | None
    # interfaces_match by id of an entry's condition, asked up to twice per entry per walk;
    # conditions are shared objects held by the rule set, so an id stays theirs meanwhile.
    matched: dict[int, bool | None]


@dataclass
class _Outcome:
    permitted: FlowSpace
    returned: FlowSpace  # packets that fall off the end of a jumped-to set, or hit RETURN
    decisions: list[Decision]
    first_inexact: Rule | None = None
    untracked: FlowSpace = FlowSpace()


def walk(
    ruleset: RuleSet,
    space: FlowSpace,
    resolve: Resolver | None = None,
    ingress: str | None = None,
    egress: str | None = None,
) -> Walk:
    """Walk ``space`` through ``ruleset`` in first-match order.

    ``resolve`` looks up the targets of JUMP and GOTO entries; ``ingress`` and ``egress``
    name the interfaces of the path, against which entries with interface conditions are
    matched (unknown interfaces make such entries inexact).

    An inexact entry (``match is None``) matches some unknown part of its ``bound``
    (everything, when no bound is known). Each packet's fate depends on that packet
    alone, so two walks bound the truth: for the lower one, inexact permits match nothing
    and inexact denies match their whole bound; for the upper one, the reverse. An entry
    whose outcome is unknown (no bound, or a jump) counts as a deny in the lower walk and a
    permit in the upper one.

    Examples:
        >>> from auditor.flowspace import UDP
        >>> deny = Rule(Action.DENY, FlowSpace.build(dport=[(16385, 16386)]), Source("f", 3, "deny"))
        >>> acl = RuleSet("LAN", (deny,), default_action=Action.PERMIT)
        >>> w = walk(acl, FlowSpace.build(protocols=[(UDP, UDP)], dport=[(16384, 16387)]))
        >>> w.lower.describe()
        'UDP 16384, 16387 to 0.0.0.0/0'
    """
    matched: dict[int, bool | None] = {}
    exact = _Context("exact", resolve, ingress, egress, matched)
    if not _has_inexact(ruleset, exact, 0, set()):
        outcome = _walk_set(ruleset, space, exact, 0, top=True)
        return Walk(outcome.permitted, outcome.permitted, tuple(outcome.decisions), None, outcome.untracked)
    low = _walk_set(ruleset, space, _Context("lower", resolve, ingress, egress, matched), 0, top=True)
    high = _walk_set(ruleset, space, _Context("upper", resolve, ingress, egress, matched), 0, top=True)
    unknown = high.first_inexact or low.first_inexact
    if low.permitted.same_as(high.permitted):
        unknown = None
    return Walk(low.permitted, high.permitted, tuple(high.decisions), unknown, high.untracked)


def _has_inexact(ruleset: RuleSet, ctx: _Context, depth: int, seen: set[str]) -> bool:
    if depth > _MAX_DEPTH or ruleset.name in seen:
        return True
    for rule in ruleset.rules:
        if rule.match is None or _interfaces_match(rule, ctx) is None:
            return True
        if rule.action in (Action.JUMP, Action.GOTO):
            target = _target(rule, ctx)
            if target is None or _has_inexact(target, ctx, depth + 1, seen | {ruleset.name}):
                return True
    return False


def _walk_set(ruleset: RuleSet, space: FlowSpace, ctx: _Context, depth: int, top: bool) -> _Outcome:
    """Walk one set; ``top`` sets apply their default action, others return what is left."""
    out = _Outcome(FlowSpace(), FlowSpace(), [])
    remaining = space
    hull: tuple[int, int, int, int] | None = None  # of ``remaining``; None: not computed yet
    for rule in ruleset.rules:
        if remaining.is_empty():
            break
        action, match = _as_walked(rule, ctx, depth)
        if match is None:
            continue
        if hull is None:
            hull = _hull(remaining)
        if _misses(match, hull):  # most entries: a protocol or port the walk does not carry
            continue
        hit = remaining & match
        if hit.is_empty():
            continue
        hull = None  # ``remaining`` changes below (or the walk ends)
        if _inexact(rule, ctx, depth) and out.first_inexact is None:
            out.first_inexact = rule
        if action is Action.UNTRACK:  # not a verdict: the packets go on, marked
            out.untracked = out.untracked | hit
            out.decisions.append(Decision(action, hit, ruleset.name, rule))
            continue
        remaining = remaining - match
        if action in (Action.JUMP, Action.GOTO):
            target = _target(rule, ctx)
            assert target is not None  # an unresolvable target is walked as inexact
            inner = _walk_set(target, hit, ctx, depth + 1, top=False)
            out.decisions.extend(inner.decisions)
            out.permitted = out.permitted | inner.permitted
            out.untracked = out.untracked | inner.untracked
            out.first_inexact = out.first_inexact or inner.first_inexact
            if action is Action.JUMP:
                remaining = remaining | inner.returned  # back to the entry after the jump
            else:
                out.returned = out.returned | inner.returned  # back to the caller's caller
            continue
        out.decisions.append(Decision(action, hit, ruleset.name, rule))
        if action is Action.PERMIT:
            out.permitted = out.permitted | hit
        elif action is Action.RETURN:
            out.returned = out.returned | hit
    if not top:
        out.returned = out.returned | remaining
        return out
    # RETURN in a top-level set, and the end of it, both meet its default action.
    left = remaining | out.returned
    out.returned = FlowSpace()
    if not left.is_empty():
        default = Action.DENY if ruleset.default_action is Action.DENY else Action.PERMIT
        if ruleset.default_action not in (Action.PERMIT, Action.DENY):
            default = Action.PERMIT  # a top-level set ending in RETURN: nothing dropped it
        out.decisions.append(Decision(default, left, ruleset.name, None))
        if default is Action.PERMIT:
            out.permitted = out.permitted | left
    return out


def _hull(space: FlowSpace) -> tuple[int, int, int, int]:
    """Return the protocols and destination ports ``space`` spans: (lowest, highest) of each."""
    boxes = space.boxes
    return (
        min(b[_PROTO][0] for b in boxes),
        max(b[_PROTO][1] for b in boxes),
        min(b[_DPORT][0] for b in boxes),
        max(b[_DPORT][1] for b in boxes),
    )


def _misses(match: FlowSpace, hull: tuple[int, int, int, int]) -> bool:
    """Tell whether no box of ``match`` reaches into ``hull``: then it meets nothing inside it."""
    low, high, first, last = hull
    for box in match.boxes:
        (plo, phi), (dlo, dhi) = box[_PROTO], box[_DPORT]
        if plo <= high and low <= phi and dlo <= last and first <= dhi:
            return False
    return True


def _target(rule: Rule, ctx: _Context) -> RuleSet | None:
    if rule.target is None or ctx.resolve is None:
        return None
    return ctx.resolve(rule.target)


def _interfaces_match(rule: Rule, ctx: _Context) -> bool | None:
    cond = rule.interfaces
    if cond is None:
        return True
    key = id(cond)
    try:
        return ctx.matched[key]
    except KeyError:
        answer = ctx.matched[key] = interfaces_match(rule, ctx.ingress, ctx.egress)
        return answer


def interfaces_match(rule: Rule, ingress: str | None, egress: str | None) -> bool | None:
    """Tell whether the rule's interface condition holds on a path (None: cannot tell)."""
    cond = rule.interfaces
    if cond is None:
        return True
    if cond.ingress is not None:
        if ingress is None:
            return None
        if _names_hit(cond.ingress, ingress) == cond.ingress_negated:
            return False
    if cond.egress is not None:
        if egress is None:
            return None
        if _names_hit(cond.egress, egress) == cond.egress_negated:
            return False
    return True


def _names_hit(names: frozenset[str], actual: str) -> bool:
    """Tell whether an interface is one of ``names`` (``eth+`` / ``eth*``: a name prefix)."""
    if actual in names:
        return True
    return any(n[-1:] in ("+", "*") and actual.startswith(n[:-1]) for n in names)


def _inexact(rule: Rule, ctx: _Context, depth: int) -> bool:
    if rule.match is None or _interfaces_match(rule, ctx) is None:
        return True
    if rule.action in (Action.JUMP, Action.GOTO):
        return _target(rule, ctx) is None or depth >= _MAX_DEPTH
    return False


def _as_walked(rule: Rule, ctx: _Context, depth: int) -> tuple[Action, FlowSpace | None]:
    """Return how a walk treats ``rule``: (action, match), or (action, None) to skip it."""
    applies = _interfaces_match(rule, ctx)
    if applies is False:
        return rule.action, None
    if applies and rule.match is not None and rule.action not in (Action.JUMP, Action.GOTO):
        return rule.action, rule.match  # exact: what _inexact says, without asking again
    if not _inexact(rule, ctx, depth):
        return rule.action, rule.match
    if ctx.mode == "exact":  # not reached: walk() checks for inexact entries first
        raise AssertionError("inexact entry in an exact walk")
    bound = rule.bound if rule.match is None else rule.match
    # A permit or deny whose only doubt is which packets it matches (an unread part of the
    # entry, or an interface the path does not name) still does what it says to those.
    known_outcome = rule.action in (Action.PERMIT, Action.DENY) and bound is not None
    if not known_outcome:
        # Anything may happen to what it matches: the worst case below, the best above.
        action = Action.DENY if ctx.mode == "lower" else Action.PERMIT
        return action, bound if bound is not None else FlowSpace.everything()
    wanted = Action.DENY if ctx.mode == "lower" else Action.PERMIT
    return (rule.action, bound) if rule.action is wanted else (rule.action, None)
