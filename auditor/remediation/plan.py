"""What must change, in neutral terms: the remediation's planning step.

Sits after the engine (it reads the model, the pack and the findings) and before the
platform layers that turn a plan into template values. For a failing flow check it walks
every inside-to-outside path binding by binding, as ``auditor.paths`` does, and records
each rule set that denies part of the required packets: where a permit must go (before the
first entry that could deny them, or at the end, before the implicit default) and which
sources that rule set sees (the inside networks behind the ingress interface, or the
translated source when the rule set filters after source NAT).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from auditor.engine import AuditOptions
from auditor.evaluate import interfaces_match
from auditor.flowspace import (
    ANY_CUBE,
    STATE_UNTRACKED,
    Cube,
    FlowSpace,
    Interval,
    cube_from_prefix,
    meets_test,
)
from auditor.model import (
    Action,
    ConfigModel,
    Direction,
    Feature,
    Finding,
    PortMapping,
    Rule,
    RuleSet,
    Status,
)
from auditor.paths import applicable_nats, bound, selected, translated_sources, walk_marked
from auditor.policy import FeatureCheck, FlowCheck, PolicyPack, PortMappingCheck
from auditor.topology import infer_roles, networks_behind

_PROTOCOLS = {"tcp": 6, "udp": 17}


@dataclass(frozen=True, slots=True)
class Permit:
    """One permit a rule set needs so that a check's packets get through it.

    ``before`` is the entry the permit must precede (None: the end of the rule set, before
    its implicit default). ``ingress``/``egress`` name the path, for platforms whose rule
    sets see every interface (a host's forward chain) and must not open other paths.
    """

    check: str
    ruleset: str
    before: Rule | None
    protocol: str
    src: Cube
    dst: Cube
    ports: Interval
    ingress: str | None
    egress: str | None
    translated: bool = False


@dataclass(frozen=True, slots=True)
class FlowPlan:
    """Permits to add, per check, and the checks no permit can fix (with the reason)."""

    permits: tuple[Permit, ...]
    unresolved: dict[str, str]


def plan_flows(
    model: ConfigModel, pack: PolicyPack, options: AuditOptions, checks: Sequence[FlowCheck]
) -> FlowPlan:
    """Return the permits that make every check in ``checks`` pass on every path."""
    permits: list[Permit] = []
    unresolved: dict[str, str] = {}
    roles = infer_roles(model, options.inside_networks, options.inside_interfaces, options.outside_interfaces)
    limits = [lim.reason for lim in model.limitations if "flow" in lim.affects]
    narrowed: list[ConfigModel] = []  # per check, the entries it can meet (made once, when needed)
    behind_of: dict[str, list[Cube]] = {}  # per inside interface: the same for every check
    for index, check in enumerate(checks):
        if limits:
            unresolved[check.id] = "the flow cannot be decided: " + "; ".join(limits)
            continue
        if roles.problem:
            unresolved[check.id] = f"{roles.problem}: name them with --inside-interface / --outside-interface"
            continue
        required = pack.required_flow(check, options.inside_networks)
        if not narrowed:
            narrowed = focused(model, [_reach_of(c) for c in checks])
        for inside in roles.inside:
            behind = behind_of.get(inside)
            if behind is None:
                nets = networks_behind(model, inside, options.inside_networks)
                behind = behind_of[inside] = [cube_from_prefix(n) for n in nets]
            space = required & FlowSpace.build(src=behind)
            for outside in roles.outside:
                if outside == inside:
                    continue
                permits.extend(_path_permits(narrowed[index], check, pack, space, behind, inside, outside))
    return FlowPlan(tuple(dict.fromkeys(permits)), unresolved)


def _reach_of(check: FlowCheck) -> FlowSpace:
    """Return protocol x destination port of ``check``, any address and state.

    Every set of packets the planner walks for a check lies inside its projection: source
    translation changes addresses and connection tracking the state, never the protocol
    or the destination port.
    """
    number = protocol_number(check.protocol)
    return FlowSpace.build(protocols=[(number, number)], dport=check.port_ranges)


def focused(model: ConfigModel, reaches: Sequence[FlowSpace]) -> list[ConfigModel]:
    """Return, per set in ``reaches``, ``model`` with only the entries that can meet it.

    For packets inside a reach an entry whose match (or bound) misses it is never hit, so
    walks and ``first_blocker`` give the same answers over the kept entries, and they are
    the same ``Rule`` objects; an entry that could match anything stays. Dropping the rest
    up front saves testing them in every walk of every path.
    """
    meets = [meets_test(reach) for reach in reaches]
    kept: list[list[list[Rule]]] = [[] for _ in reaches]  # per reach, per rule set
    for ruleset in model.rulesets:
        for rules in kept:
            rules.append([])
        for rule in ruleset.rules:
            space = rule.match if rule.match is not None else rule.bound
            for which, test in enumerate(meets):
                if space is None or test(space):  # no space: it could match anything
                    kept[which][-1].append(rule)
    out = []
    for per_set in kept:
        rulesets = tuple(
            ruleset if len(rules) == len(ruleset.rules) else replace(ruleset, rules=tuple(rules))
            for ruleset, rules in zip(model.rulesets, per_set, strict=True)
        )
        out.append(replace(model, rulesets=rulesets))
    return out


def _path_permits(
    model: ConfigModel,
    check: FlowCheck,
    pack: PolicyPack,
    space: FlowSpace,
    behind: list[Cube],
    inside: str,
    outside: str,
) -> list[Permit]:
    out: list[Permit] = []
    untracked = FlowSpace()  # packets a rule set on the way exempted from connection tracking
    for binding in bound(model, inside, Direction.IN, outside):
        seen = [(cube, space & FlowSpace.build(src=[cube])) for cube in behind]
        permits, untracked = _ruleset_permits(
            model, check, pack, binding.ruleset, seen, (inside, outside), untracked, False
        )
        out.extend(permits)
    egress = bound(model, outside, Direction.OUT, inside)
    if not egress:
        return out
    seen, translated = _egress_sources(model, space, behind, inside, outside)
    for binding in egress:
        permits, untracked = _ruleset_permits(
            model, check, pack, binding.ruleset, seen, (inside, outside), untracked, translated
        )
        out.extend(permits)
    return out


def _ruleset_permits(
    model: ConfigModel,
    check: FlowCheck,
    pack: PolicyPack,
    name: str,
    seen: list[tuple[Cube, FlowSpace]],
    path: tuple[str, str],
    untracked: FlowSpace,
    translated: bool,
) -> tuple[list[Permit], FlowSpace]:
    """Return the permits rule set ``name`` needs, and the untracked packets after it."""
    inside, outside = path
    ruleset = model.ruleset(name)
    if ruleset is None:  # an applied list that is not defined permits everything
        return [], untracked
    total = FlowSpace()
    for _, part in seen:
        total = total | part
    result = walk_marked(model, ruleset, total, inside, outside, untracked)
    untracked = untracked | result.untracked
    denied = total - result.lower
    if denied.is_empty():
        return [], untracked
    # Untracked packets meet the rules in the UNTRACKED state: the permit (which names no
    # state) must come before whatever blocks them too.
    position = first_blocker(ruleset, total - untracked, inside, outside)
    marked = total & untracked
    if not marked.is_empty():
        as_untracked = marked.replace_field("state", [(STATE_UNTRACKED, STATE_UNTRACKED)])
        position = min(position, first_blocker(ruleset, as_untracked, inside, outside))
    before = ruleset.rules[position] if position < len(ruleset.rules) else None  # the full model's Rule too
    out = []
    for cube, part in seen:
        if not part.intersects(denied):
            continue
        for dst in check.destinations or pack.destinations:
            for ports in check.port_ranges:
                out.append(
                    Permit(
                        check.id,
                        name,
                        before,
                        check.protocol,
                        cube,
                        cube_from_prefix(dst),
                        ports,
                        inside,
                        outside,
                        translated,
                    )
                )
    return out, untracked


def first_blocker(ruleset: RuleSet, space: FlowSpace, ingress: str | None, egress: str | None) -> int:
    """Return the index of the first entry that could deny part of ``space`` (or the length).

    Entries before it only permit parts of ``space`` or miss it, so a permit for all of
    ``space`` placed there decides every packet the way the check needs. An entry the parser
    did not understand, a jump and an entry whose interfaces are unknown all count as
    possible deniers: the permit goes before them.
    """
    remaining = space
    for index, rule in enumerate(ruleset.rules):
        applies = interfaces_match(rule, ingress, egress)
        if applies is False:
            continue
        reach = rule.match if rule.match is not None else rule.bound
        if reach is not None and not remaining.intersects(reach):
            continue
        if rule.match is None or applies is None or rule.action is not Action.PERMIT:
            return index
        remaining = remaining - rule.match
        if remaining.is_empty():
            return len(ruleset.rules)
    return len(ruleset.rules)


def _egress_sources(
    model: ConfigModel, space: FlowSpace, behind: list[Cube], inside: str, outside: str
) -> tuple[list[tuple[Cube, FlowSpace]], bool]:
    """Return the sources an egress rule set sees for ``space`` (translated, when NAT runs first)."""
    plain = [(cube, space & FlowSpace.build(src=[cube])) for cube in behind]
    nats = applicable_nats(model, inside, outside) if model.egress_sees_translated else []
    if not nats:
        return plain, False
    out: list[tuple[Cube, FlowSpace]] = []
    untouched = space
    for nat in nats:
        sure, maybe = selected(model, nat, untouched)
        picked = sure | maybe
        if picked.is_empty():
            continue
        for cube in translated_sources(model, nat, outside) or [ANY_CUBE]:
            out.append((cube, picked.replace_field("src", [cube])))
        if not maybe.is_empty():  # the translation may not apply: the real source is seen too
            out.extend((c, p & maybe) for c, p in plain if not (p & maybe).is_empty())
        untouched = untouched - picked
    out.extend((c, p & untouched) for c, p in plain if not (p & untouched).is_empty())
    merged: dict[Cube, FlowSpace] = {}
    for cube, part in out:
        merged[cube] = merged.get(cube, FlowSpace()) | part
    return list(merged.items()), True


def protocol_number(name: str) -> int:
    """Return the IP protocol number of ``tcp`` or ``udp``."""
    return _PROTOCOLS[name]


# --- features and port mappings ------------------------------------------------------------


def enabled_features(model: ConfigModel, kinds: Sequence[str]) -> list[Feature]:
    """Return the enabled features of ``kinds``: what a feature check fails on."""
    return [f for f in model.features if f.kind in kinds and f.enabled]


def mapped_required(model: ConfigModel, pack: PolicyPack) -> list[tuple[PortMapping, FlowSpace]]:
    """Return the port mappings that map a required port, each with the part it maps."""
    required = pack.all_required_ports()
    out = []
    for mapping in model.port_mappings:
        ports = [p for p in (mapping.outside_ports, mapping.inside_ports) if p is not None]
        if mapping.protocols is None or not ports:
            protocols = [(p, p) for p in mapping.protocols] if mapping.protocols else None
            space = FlowSpace.build(protocols=protocols)
        else:
            space = FlowSpace()
            for port_list in ports:
                space = space | FlowSpace.build(
                    protocols=[(p, p) for p in mapping.protocols], dport=list(port_list)
                )
        if required.intersects(space):
            out.append((mapping, space))
    return out


def describe_mapping(mapping: PortMapping, space: FlowSpace) -> str:
    """Say in words which inbound service removing ``mapping`` stops."""
    if mapping.protocols is None:
        what = "every protocol and port"
    else:
        names = "/".join({6: "TCP", 17: "UDP"}.get(p, str(p)) for p in mapping.protocols)
        outside = ", ".join(_ports_text(i) for i in mapping.outside_ports or ())
        inside = ", ".join(_ports_text(i) for i in mapping.inside_ports or ())
        what = f"{names} {outside or 'all ports'} (to inside port {inside or 'the same'})"
    return f"inbound {what} from outside via {mapping.outside_address} to {mapping.inside_address}"


def _ports_text(interval: Interval) -> str:
    return str(interval[0]) if interval[0] == interval[1] else f"{interval[0]}-{interval[1]}"


def address_facts(cube: Cube) -> dict[str, object]:
    """Return an address set as neutral facts for templates.

    Examples:
        >>> address_facts(cube_from_prefix("17.0.0.0/8"))["wildcard"]
        '0.255.255.255'
    """
    value, care = cube
    mask = care & 0xFFFFFFFF
    inverted = ~care & 0xFFFFFFFF
    contiguous = (inverted + 1) & inverted == 0
    return {
        "any": care == 0,
        "host": mask == 0xFFFFFFFF,
        "address": str(ipaddress.IPv4Address(value)),
        "mask": str(ipaddress.IPv4Address(mask)),
        "wildcard": str(ipaddress.IPv4Address(inverted)),
        "prefix": bin(mask).count("1") if contiguous else None,
    }


@dataclass(frozen=True, slots=True)
class ChangeBuilders:
    """A platform's builders of template inputs (list edits, feature and mapping removals)."""

    acl: Callable[[str, FlowPlan, dict[str, str]], list[dict[str, Any]]]
    features: Callable[[ConfigModel, str, FeatureCheck], list[dict[str, Any]]]
    mappings: Callable[[ConfigModel, str, PolicyPack], list[dict[str, Any]]]


def assemble_changes(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
    builders: ChangeBuilders,
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return a device's changes, and each failing check's part of them.

    ``builders`` are the platform's own: list edits for the planned permits, feature
    removals and port-mapping removals, each a list of template inputs.
    """
    full: list[dict[str, Any]] = []
    per_check: dict[str, list[dict[str, Any]]] = {}
    checks = {c.id: c for c in pack.checks}
    for change in builders.acl(text, plan, unresolved):
        full.append(change)
        for check in dict.fromkeys(e["check"] for e in change["entries"]):
            part = dict(change, entries=[e for e in change["entries"] if e["check"] == check])
            per_check.setdefault(check, []).append(part)
    for finding in failing:
        check = checks[finding.check]
        if isinstance(check, FlowCheck):
            continue
        if finding.status is not Status.FAIL:
            unresolved.setdefault(check.id, f"the verdict is {finding.status.value}: {finding.summary}")
            continue
        if isinstance(check, PortMappingCheck):
            found = builders.mappings(model, text, pack)
        else:
            found = builders.features(model, text, check)
        if not found:
            unresolved.setdefault(check.id, "no change found for: " + finding.summary)
            continue
        per_check[check.id] = found
        full.extend(c for c in found if c not in full)
    return full, per_check
