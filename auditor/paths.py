"""One inside-to-outside path: the required packets walked through what filters it.

Sits between ``evaluate`` (one rule set) and ``engine`` (verdicts). A path is an ingress
interface and an egress interface; along it apply the ingress bindings, the source
translations the platform performs before egress filtering, and the egress bindings. A
``Trace`` keeps what got through (as lower and upper bounds), which entries decided what,
and the caveats met on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.evaluate import Decision, Walk, walk
from auditor.flowspace import (
    ANY_CUBE,
    STATE_MAX,
    STATE_UNTRACKED,
    Cube,
    FlowSpace,
    Interval,
    cube_host,
    cube_to_text,
)
from auditor.model import Binding, ConfigModel, Direction, Evidence, Role, Rule, RuleSet, SourceNat
from auditor.topology import interface_addresses

_UNTRACKED: Interval = (STATE_UNTRACKED, STATE_UNTRACKED)
_ANY_STATE: Interval = (0, STATE_MAX)


@dataclass
class Trace:
    """What one path did to the required packets: bounds, decisions, caveats."""

    label: str
    ingress: str | None
    egress: str | None
    required: FlowSpace
    lower: FlowSpace
    upper: FlowSpace
    decisions: list[Decision] = field(default_factory=list)
    rulesets: list[str] = field(default_factory=list)
    unknown: list[Rule] = field(default_factory=list)
    notes: list[Evidence] = field(default_factory=list)
    untracked: FlowSpace = field(default_factory=FlowSpace)  # exempted from tracking on the way


def trace_path(model: ConfigModel, inside: str | None, outside: str | None, required: FlowSpace) -> Trace:
    """Walk ``required`` from ``inside`` out of ``outside`` (None: any interface)."""
    label = f"{inside or 'any interface'} -> {outside or 'any interface'}"
    trace = Trace(label, inside, outside, required, required, required)
    for binding in bound(model, inside, Direction.IN, outside):
        _filter(model, binding, trace)
    egress = bound(model, outside, Direction.OUT, inside)
    if inside is None or outside is None or not model.egress_sees_translated:
        nats = []
    else:
        nats = applicable_nats(model, inside, outside)
    if not egress:
        return trace
    if not nats or outside is None:
        for binding in egress:
            _filter(model, binding, trace)
        return trace
    for binding in egress:
        _filter_translated(model, binding, nats, outside, trace)
    return trace


def bound(model: ConfigModel, interface: str | None, direction: Direction, peer: str | None) -> list[Binding]:
    """Bindings that filter traffic crossing ``interface`` in ``direction`` with ``peer`` at the other end."""
    return [
        b
        for b in model.bindings
        if b.interface in (interface, "*") and b.direction is direction and b.peer in (None, peer)
    ]


def _walk(model: ConfigModel, ruleset: RuleSet, space: FlowSpace, trace: Trace) -> Walk:
    """Walk ``space``; packets untracked earlier on the path are walked as untracked."""
    return walk_marked(model, ruleset, space, trace.ingress, trace.egress, trace.untracked)


def walk_marked(
    model: ConfigModel,
    ruleset: RuleSet,
    space: FlowSpace,
    ingress: str | None,
    egress: str | None,
    untracked: FlowSpace,
) -> Walk:
    """Walk ``space``; its packets in ``untracked`` (exempted earlier on the path) as UNTRACKED.

    The result speaks of the original packets, whatever state they were walked in.
    """
    marked = space & untracked
    if marked.is_empty():
        return walk(ruleset, space, model.ruleset, ingress, egress)
    plain = walk(ruleset, space - untracked, model.ruleset, ingress, egress)
    seen = walk(ruleset, marked.replace_field("state", [_UNTRACKED]), model.ruleset, ingress, egress)

    def back(part: FlowSpace) -> FlowSpace:  # restate over the original packets
        return marked & part.replace_field("state", [_ANY_STATE])

    return Walk(
        plain.lower | back(seen.lower),
        plain.upper | back(seen.upper),
        plain.decisions + tuple(Decision(d.action, back(d.space), d.ruleset, d.rule) for d in seen.decisions),
        plain.unknown or seen.unknown,
        plain.untracked | back(seen.untracked),
    )


def _filter(model: ConfigModel, binding: Binding, trace: Trace) -> None:
    ruleset = model.ruleset(binding.ruleset)
    if ruleset is None:
        trace.notes.append(_undefined(binding))
        return
    trace.rulesets.append(ruleset.name)
    high = _walk(model, ruleset, trace.upper, trace)
    # Bounds are one set until something inexact splits them: walk once then.
    low = high if trace.lower is trace.upper else _walk(model, ruleset, trace.lower, trace)
    trace.lower, trace.upper = low.lower, high.upper
    trace.decisions.extend(high.decisions)
    trace.untracked = trace.untracked | high.untracked
    if high.unknown is not None:
        trace.unknown.append(high.unknown)


def _undefined(binding: Binding) -> Evidence:
    # IOS treats an applied access list that does not exist as permit-all; VENDORS.md marks
    # this unconfirmed, so the evidence says so.
    return Evidence(
        binding.source.text.strip(),
        binding.source.line,
        binding.ruleset,
        note=f"{binding.ruleset} is applied but not defined: treated as permitting all traffic "
        "(the platform's behaviour for an undefined list; unconfirmed)",
    )


def applicable_nats(model: ConfigModel, inside: str, outside: str) -> list[SourceNat]:
    """Source translations that apply on the way from ``inside`` out of ``outside``."""
    ins, out = model.interface(inside), model.interface(outside)
    if ins is None or out is None or ins.role is not Role.INSIDE or out.role is not Role.OUTSIDE:
        return []
    nats = [n for n in model.source_nats if n.interface in (None, outside)]
    # One-to-one translations of a host win over dynamic lists (IOS looks up static first).
    return sorted(nats, key=lambda n: n.match is None)


def _filter_translated(
    model: ConfigModel, binding: Binding, nats: list[SourceNat], outside: str, trace: Trace
) -> None:
    """Filter ``trace`` by an egress rule set that sees translated sources."""
    ruleset = model.ruleset(binding.ruleset)
    if ruleset is None:
        trace.notes.append(_undefined(binding))
        return
    trace.rulesets.append(ruleset.name)
    untouched_low, untouched_high = trace.lower, trace.upper
    lower, upper = FlowSpace(), FlowSpace()
    for nat in nats:
        sure, maybe = selected(model, nat, untouched_high)
        translated = _translated_sources(model, nat, outside, trace)
        if len(translated) > 1:
            trace.notes.append(
                Evidence(
                    nat.source.text.strip(),
                    nat.source.line,
                    note="a connection may get any of the pool's addresses; the config does not say which",
                )
            )
        for part, certain in ((sure, True), (maybe, False)):
            if part.is_empty():
                continue
            high = _walk(model, ruleset, part.replace_field("src", translated), trace)
            seen_low = (part & untouched_low).replace_field("src", translated)
            low = _walk(model, ruleset, seen_low, trace)
            # Decisions were made on translated packets; evidence speaks of the original ones.
            trace.decisions.extend(_untranslated(d, part) for d in high.decisions)
            if certain:
                shown = ", ".join(cube_to_text(c) for c in translated[:3])
                trace.notes.append(
                    Evidence(
                        nat.source.text.strip(),
                        nat.source.line,
                        note=f"translates the source to {shown} before {ruleset.name} sees it",
                    )
                )
            if high.unknown is not None:
                trace.unknown.append(high.unknown)
            # A packet is surely permitted only if every address it may be translated to is.
            denied_somewhere = (seen_low - low.lower).replace_field("src", [ANY_CUBE])
            low_ok = (part & untouched_low) - denied_somewhere
            high_ok = part & high.upper.replace_field("src", [ANY_CUBE])
            if not certain:
                # The translation may or may not apply: bound by both outcomes.
                plain = _walk(model, ruleset, part, trace)
                low_ok = low_ok & plain.lower
                high_ok = high_ok | plain.upper
                trace.notes.append(
                    Evidence(
                        nat.source.text.strip(),
                        nat.source.line,
                        note="which packets this translation selects is not known exactly",
                    )
                )
            lower, upper = lower | low_ok, upper | high_ok
        handled = sure | maybe
        untouched_low, untouched_high = untouched_low - handled, untouched_high - handled
    rest_low, rest_high = (
        _walk(model, ruleset, untouched_low, trace),
        _walk(model, ruleset, untouched_high, trace),
    )
    trace.decisions.extend(rest_high.decisions)
    if rest_high.unknown is not None:
        trace.unknown.append(rest_high.unknown)
    trace.lower, trace.upper = lower | rest_low.lower, upper | rest_high.upper


def _untranslated(decision: Decision, original: FlowSpace) -> Decision:
    """Return ``decision`` restated over the original (untranslated) packets it decided."""
    space = original & decision.space.replace_field("src", [ANY_CUBE])
    return Decision(decision.action, space, decision.ruleset, decision.rule)


def selected(model: ConfigModel, nat: SourceNat, space: FlowSpace) -> tuple[FlowSpace, FlowSpace]:
    """Split ``space`` into packets ``nat`` surely translates and packets it may translate."""
    if nat.match is not None:
        return space & nat.match, FlowSpace()
    ruleset = model.ruleset(nat.match_ruleset) if nat.match_ruleset else None
    if ruleset is None:
        return FlowSpace(), space
    result = walk(ruleset, space, model.ruleset)
    return result.lower, result.upper - result.lower


def translated_sources(model: ConfigModel, nat: SourceNat, outside: str) -> list[Cube]:
    """Return the source addresses ``nat`` gives packets leaving ``outside`` (empty: not in the config)."""
    if nat.translated:
        return list(nat.translated)
    addresses = interface_addresses(model, nat.interface or outside)
    return [cube_host(a) for a in addresses[:1]]


def _translated_sources(model: ConfigModel, nat: SourceNat, outside: str, trace: Trace) -> list[Cube]:
    sources = translated_sources(model, nat, outside)
    if sources:
        return sources
    trace.notes.append(
        Evidence(
            nat.source.text.strip(),
            nat.source.line,
            note=f"the address {outside} translates to is not in the config (DHCP?): any address assumed",
        )
    )
    return [ANY_CUBE]
