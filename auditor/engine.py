"""The engine: evaluates a policy pack's checks on one device's model and writes findings.

Sits after the parsers and the policy loader, before the reports. A flow check walks the
required packets through every inside-to-outside path (ingress rule sets, source NAT where
the platform applies it before egress filtering, egress rule sets) and compares what gets
through with what is required. Feature and port-mapping checks read the model's features
and static translations. Every verdict names the lines behind it; a verdict that could
depend on a line the parser did not understand is ``unknown`` and names that line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from auditor.evaluate import Decision
from auditor.flowspace import ANY_CUBE, STATE_MAX, FlowSpace, cube_from_prefix, meets_test
from auditor.model import (
    Action,
    ConfigModel,
    Evidence,
    Feature,
    Finding,
    Limitation,
    Rule,
    Status,
)
from auditor.paths import Trace, trace_path
from auditor.policy import FeatureCheck, FlowCheck, PolicyPack, PortMappingCheck
from auditor.topology import Roles, infer_roles, networks_behind

RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
ROLE_NOTE = "how inside and outside were decided"
# Past this many interfaces, trying every inside/outside pair costs more than it tells.
_MAX_ROLE_GUESS = 24


@dataclass(frozen=True, slots=True)
class AuditOptions:
    """What the user tells the engine about the device's surroundings."""

    inside_networks: tuple[str, ...] = RFC1918
    inside_interfaces: tuple[str, ...] = ()
    outside_interfaces: tuple[str, ...] = ()


def audit(model: ConfigModel, pack: PolicyPack, options: AuditOptions) -> list[Finding]:
    """Evaluate every check of ``pack`` on ``model``, in pack order."""
    roles = infer_roles(model, options.inside_networks, options.inside_interfaces, options.outside_interfaces)
    # The source addresses each inside interface can bring in: the same for every check.
    behind = {
        inside: FlowSpace.build(
            src=[cube_from_prefix(n) for n in networks_behind(model, inside, options.inside_networks)]
        )
        for inside in roles.inside
    }
    focused = _focused(model, pack)
    findings = []
    for check in pack.checks:
        if check.platforms is not None and model.platform.value not in check.platforms:
            findings.append(
                Finding(
                    pack.id,
                    check.id,
                    Status.NOT_APPLICABLE,
                    f"the check applies to {', '.join(check.platforms)} only",
                )
            )
        elif isinstance(check, FlowCheck):
            space = pack.required_flow(check, options.inside_networks)
            findings.append(_flow_finding(focused, roles, pack.id, check.id, space, behind))
        elif isinstance(check, FeatureCheck):
            findings.append(_feature_finding(model, pack.id, check))
        else:
            findings.append(_port_mapping_finding(model, pack, check))
    return findings


# --- flow checks -------------------------------------------------------------------------


def _focused(model: ConfigModel, pack: PolicyPack) -> ConfigModel:
    """Return ``model`` with only the rules that can touch the pack's protocols and ports.

    Every flow walk asks about packets inside that projection (addresses may change under
    NAT, protocol and destination port never do), so a rule outside it decides nothing:
    dropping it up front saves testing it in every walk of every check.
    """
    meets = meets_test(pack.all_required_ports())
    rulesets = []
    for ruleset in model.rulesets:
        kept = tuple(rule for rule in ruleset.rules if _could_match(rule, meets))
        rulesets.append(ruleset if len(kept) == len(ruleset.rules) else replace(ruleset, rules=kept))
    return replace(model, rulesets=tuple(rulesets))


def _could_match(rule: Rule, meets: Callable[[FlowSpace], bool]) -> bool:
    reach = rule.match if rule.match is not None else rule.bound
    return reach is None or meets(reach)


def _flow_finding(
    model: ConfigModel,
    roles: Roles,
    policy: str,
    check: str,
    required: FlowSpace,
    behind: dict[str, FlowSpace],
) -> Finding:
    wanted = required.describe()
    blocking = [lim for lim in model.limitations if "flow" in lim.affects]
    if blocking:
        return _limited(policy, check, f"{wanted}: cannot be decided", blocking)
    if not model.bindings:
        return Finding(
            policy,
            check,
            Status.PASS,
            f"{wanted} is permitted: no rule set filters transit traffic on any interface",
            (Evidence("no access list or filter is applied to any interface"),),
            witness=required.witness(),
        )
    traces: list[Trace] = []
    guessed_pairs = False
    if roles.problem:
        # Which side is which is not known; if every possible path gives the same verdict,
        # the verdict does not depend on it.
        live = [i.name for i in model.interfaces if not i.shutdown and not i.loopback]
        if all(b.interface == "*" and b.peer is None for b in model.bindings):
            # Filters that see every forwarded packet: one path with unknown interfaces
            # (rules that test interfaces become inexact and bound the answer).
            traces = [trace_path(model, None, None, required)]
        elif 2 <= len(live) <= _MAX_ROLE_GUESS:
            traces = [trace_path(model, a, b, required) for a in live for b in live if a != b]
            guessed_pairs = True
        else:
            return _roles_unknown(policy, check, wanted, roles)
    for inside in roles.inside:
        from_here = required & behind[inside]
        traces.extend(
            trace_path(model, inside, outside, from_here) for outside in roles.outside if inside != outside
        )
    wanted_space, maybe_denied, surely_denied = FlowSpace(), FlowSpace(), FlowSpace()
    for trace in traces:
        wanted_space = wanted_space | trace.required
        maybe = trace.required - trace.lower
        maybe_denied = maybe_denied | maybe
        # An exact path has one bound (the same object): the same difference, not computed twice.
        surely_denied = surely_denied | (
            maybe if trace.upper is trace.lower else trace.required - trace.upper
        )
    exact = all(trace.upper is trace.lower for trace in traces)
    evidence = (
        _flow_evidence(traces, maybe_denied)
        + _near_misses(model, traces, maybe_denied)
        + tuple(Evidence(r, note=ROLE_NOTE) for r in roles.reasons)
    )
    if maybe_denied.is_empty():
        return Finding(
            policy,
            check,
            Status.PASS,
            f"{wanted} is permitted on {_paths_text(traces)}"
            + (
                " (inside and outside are unknown, and the verdict does not depend on them)"
                if roles.problem
                else ""
            ),
            evidence,
            witness=wanted_space.witness(),
        )
    if guessed_pairs and any(trace.required.intersects(trace.upper) for trace in traces):
        # Only "every pair passes" or "every pair denies everything" hold whatever the roles.
        return _roles_unknown(policy, check, wanted, roles)
    if (wanted_space - surely_denied).is_empty():
        return Finding(
            policy,
            check,
            Status.FAIL,
            f"{wanted} is denied by {_deniers(traces, maybe_denied)}",
            evidence,
            witness=surely_denied.witness(),
        )
    if not exact and not maybe_denied.same_as(surely_denied):  # exact: built alike, so the same
        return Finding(
            policy,
            check,
            Status.UNKNOWN,
            f"{wanted}: {_uncertainty(traces)}",
            evidence,
            witness=(maybe_denied - surely_denied).witness(),
        )
    return Finding(
        policy,
        check,
        Status.PARTIAL,
        f"{_describe_part(surely_denied, wanted_space)} is denied by "
        f"{_deniers(traces, surely_denied)}; "
        f"{_describe_part(wanted_space - surely_denied, wanted_space)} is permitted",
        evidence,
        witness=surely_denied.witness(),
    )


def _uncertainty(traces: Sequence[Trace]) -> str:
    """Say what the gap between the lower and the upper bound comes from."""
    for trace in traces:
        for rule in trace.unknown:
            line = f"line {rule.source.line} ({rule.source.text.strip()!r})"
            return f"the verdict depends on {line}, {_doubt(rule)}"
    for trace in traces:
        for note in trace.notes:
            if note.line is not None:
                return f"the verdict depends on line {note.line}: {note.note}"
    return "the verdict depends on facts the config does not state"


def _doubt(rule: Rule) -> str:
    """Say why an entry leaves the verdict open."""
    if rule.match is None:
        if rule.bound is None:
            return "which auditor did not understand"
        return "part of which auditor could not evaluate"
    if rule.action in (Action.JUMP, Action.GOTO):
        return "whose target could not be followed"
    return (
        "whose interface test depends on which interfaces are inside and outside "
        "(name them with --inside-interface / --outside-interface)"
    )


def _roles_unknown(policy: str, check: str, wanted: str, roles: Roles) -> Finding:
    return Finding(
        policy,
        check,
        Status.UNKNOWN,
        f"{wanted}: {roles.problem}",
        tuple(Evidence(r, note=ROLE_NOTE) for r in roles.reasons),
    )


def _flow_evidence(traces: Sequence[Trace], denied: FlowSpace) -> tuple[Evidence, ...]:
    out: list[Evidence] = []
    seen: set[tuple[int | None, str | None, str]] = set()

    def add(item: Evidence) -> None:
        key = (item.line, item.ruleset, item.text)
        if key not in seen:
            seen.add(key)
            out.append(item)

    for trace in traces:
        for decision in trace.decisions:
            if decision.action is not Action.PERMIT and not decision.space.intersects(denied):
                continue
            add(_decision_evidence(decision, trace.label))
        for rule in trace.unknown:
            add(
                Evidence(
                    rule.source.text.strip(),
                    rule.source.line,
                    note=f"the verdict may depend on it: {_doubt(rule)}",
                )
            )
        for note in trace.notes:
            add(note)
    return tuple(out)


def _near_misses(model: ConfigModel, traces: Sequence[Trace], denied: FlowSpace) -> tuple[Evidence, ...]:
    """Permits on the path that match the denied packets in every way but the connection state.

    An admin who sees "denied" next to a permit for the same port needs to be told that the
    permit only matches established traffic, never a new connection.
    """
    if denied.is_empty():
        return ()
    any_state = denied.replace_field("state", [(0, STATE_MAX)]).replace_field("src", [ANY_CUBE])
    blind_to_state = denied.replace_field("src", [ANY_CUBE])
    out = []
    for name in dict.fromkeys(n for t in traces for n in t.rulesets):
        ruleset = model.ruleset(name)
        for rule in ruleset.rules if ruleset else ():
            if (
                rule.action is Action.PERMIT
                and rule.match is not None
                and rule.match.intersects(any_state)
                and not rule.match.intersects(blind_to_state)
            ):
                out.append(
                    Evidence(
                        rule.source.text.strip(),
                        rule.source.line,
                        name,
                        note="matches only established or return traffic, "
                        "never the first packet of a new connection",
                    )
                )
    return tuple(out)


def _decision_evidence(decision: Decision, path: str) -> Evidence:
    verb = {Action.PERMIT: "permits", Action.UNTRACK: "exempts from connection tracking"}.get(
        decision.action, "denies"
    )
    what = decision.space.describe()
    if decision.rule is None:
        return Evidence(
            f"implicit {decision.action.value} at the end of {decision.ruleset}",
            ruleset=decision.ruleset,
            note=f"{verb} {what} ({path})",
        )
    return Evidence(
        decision.rule.source.text.strip(),
        decision.rule.source.line,
        decision.ruleset,
        note=f"{verb} {what} ({path})",
    )


def _deniers(traces: Sequence[Trace], denied: FlowSpace) -> str:
    names: list[str] = []
    for trace in traces:
        for d in trace.decisions:
            if d.action is not Action.DENY or not d.space.intersects(denied):
                continue
            name = (
                f"{d.ruleset} line {d.rule.source.line}"
                if d.rule is not None
                else f"the implicit deny at the end of {d.ruleset}"
            )
            if name not in names:
                names.append(name)
    return ", ".join(names) if names else "the path's filters"


def _paths_text(traces: Sequence[Trace]) -> str:
    if len(traces) == 1:
        return f"the path {traces[0].label}"
    return f"all {len(traces)} paths ({', '.join(t.label for t in traces)})"


def _describe_part(part: FlowSpace, required: FlowSpace) -> str:
    """Describe a part of the required flow, naming sources only when they matter."""
    if (required & part.replace_field("src", [ANY_CUBE])).same_as(part):
        return part.describe()
    sources = part.sources()
    if (required & sources).same_as(part):
        # The part is "these sources, every required port": name the sources, or the ones
        # left out when that is shorter.
        everywhere = required.sources().canonical()
        missing = everywhere - sources
        if len(everywhere.boxes) == 1 and len(missing.canonical().boxes) < len(sources.canonical().boxes):
            everyone, left_out = required.describe_sources(), missing.describe_sources()
            return f"{required.describe()} from {everyone} except {left_out}"
        return f"{required.describe()} from {part.describe_sources()}"
    text = part.describe(with_source=True)
    if text.count(";") < 3:
        return text
    count = len(sources.canonical().boxes)
    return f"{part.describe()} from {count} source ranges (e.g. {text.split(';')[0]})"


def _limited(policy: str, check: str, summary: str, limitations: Sequence[Limitation]) -> Finding:
    evidence = []
    reasons = []
    for lim in limitations:
        reasons.append(lim.reason)
        for src in lim.sources[:5]:
            evidence.append(Evidence(src.text.strip(), src.line, note=lim.reason))
    return Finding(policy, check, Status.UNKNOWN, f"{summary}: {'; '.join(reasons)}", tuple(evidence))


# --- feature checks ----------------------------------------------------------------------


def _feature_evidence(features: Sequence[Feature]) -> tuple[Evidence, ...]:
    """One evidence item per config line, or per platform default, behind ``features``."""
    items: dict[tuple[int | None, str], list[str]] = {}
    for f in features:
        key = (f.source.line, f.source.text.strip()) if f.source else (None, f"platform default: {f.detail}")
        items.setdefault(key, []).append(f.detail)
    return tuple(
        Evidence(text, line, note="; ".join(dict.fromkeys(notes))) for (line, text), notes in items.items()
    )


def _feature_finding(model: ConfigModel, policy: str, check: FeatureCheck) -> Finding:
    wanted = set(check.features)
    relevant = [f for f in model.features if f.kind in wanted]
    enabled = [f for f in relevant if f.enabled]
    names = "/".join(k.upper() for k in check.features)
    if enabled:
        kinds = ", ".join(dict.fromkeys(f"{f.kind.upper()} ({f.provenance.value})" for f in enabled))
        return Finding(policy, check.id, Status.FAIL, f"enabled: {kinds}", _feature_evidence(enabled))
    blocking = [lim for lim in model.limitations if "feature" in lim.affects]
    if blocking:
        return _limited(policy, check.id, f"whether a {names} ALG acts cannot be decided", blocking)
    summary = f"no {names} ALG or inspection is enabled" + (
        "" if relevant else " (none configured, and none is on by default here)"
    )
    return Finding(policy, check.id, Status.PASS, summary, _feature_evidence(relevant))


def _port_mapping_finding(model: ConfigModel, pack: PolicyPack, check: PortMappingCheck) -> Finding:
    required = pack.all_required_ports()
    evidence: list[Evidence] = []
    mapped: list[str] = []
    for mapping in model.port_mappings:
        ports = [p for p in (mapping.outside_ports, mapping.inside_ports) if p is not None]
        if mapping.protocols is None or not ports:
            space = FlowSpace.build(
                protocols=[(p, p) for p in mapping.protocols] if mapping.protocols else None
            )
        else:
            space = FlowSpace()
            for port_list in ports:
                space = space | FlowSpace.build(
                    protocols=[(p, p) for p in mapping.protocols], dport=list(port_list)
                )
        hit = required & space
        if not hit.is_empty():
            what = (
                "every port"
                if space.same_as(FlowSpace.everything())
                else hit.describe().replace(" to 0.0.0.0/0", "")
            )
            evidence.append(
                Evidence(
                    mapping.source.text.strip(),
                    mapping.source.line,
                    note=f"maps {what} ({mapping.outside_address} -> {mapping.inside_address})",
                )
            )
            mapped.append(f"{what} (line {mapping.source.line})")
    for feature in model.features:
        if feature.kind in check.features and feature.enabled:
            evidence.extend(_feature_evidence([feature]))
            mapped.append(f"{feature.kind.upper()} lets hosts create mappings")
    if evidence:
        more = f" and {len(mapped) - 3} more" if len(mapped) > 3 else ""
        return Finding(
            pack.id,
            check.id,
            Status.FAIL,
            f"required ports are mapped: {'; '.join(mapped[:3])}{more}",
            tuple(evidence),
        )
    blocking = [lim for lim in model.limitations if "port-mapping" in lim.affects]
    if blocking:
        return _limited(pack.id, check.id, "port mappings cannot be decided", blocking)
    return Finding(
        pack.id,
        check.id,
        Status.PASS,
        "no static translation maps a required port, and no UPnP / NAT-PMP is enabled",
    )
