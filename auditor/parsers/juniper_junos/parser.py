"""The juniper_junos parser: statements in, vendor-neutral model out.

Parse stage of the pipeline (config text -> ``ParseResult``). ``statements`` turns both
display formats into one list of statements with their file lines; ``groups`` applies
configuration groups; ``readers`` records each statement; ``filters``, ``policies``, ``nat``
and ``alg`` build rule sets, bindings, translations and features. Every input line ends up
extracted, known-and-ignored (``ignored.py``), or in a diagnostic; ``parse_with_dispositions``
exposes that accounting for tests.

Bindings, in the order a packet meets them: the ingress interface's input filter, then (on
a flow-mode SRX) the zone-pair policies narrowed to the egress interface, then the egress
interface's output filter. Output filters run after source NAT, so they see translated
sources.
"""

from __future__ import annotations

from auditor.model import (
    Binding,
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Direction,
    Interface,
    Limitation,
    ParseResult,
    Platform,
    Role,
    RuleSet,
    Source,
)
from auditor.parsers.juniper_junos import alg, readers
from auditor.parsers.juniper_junos.draft import Draft
from auditor.parsers.juniper_junos.filters import build_filter_set
from auditor.parsers.juniper_junos.groups import Expansion, expand_groups
from auditor.parsers.juniper_junos.nat import NatModel, build_nat
from auditor.parsers.juniper_junos.objects import Resolver
from auditor.parsers.juniper_junos.policies import build_zones
from auditor.parsers.juniper_junos.statements import Disposition, apply_deactivations, lex

_NOT_TRANSIT = ("lo", "fxp", "me", "vme", "em", "jsrv", "pp0", "dsc")


def _not_transit(unit: str) -> bool:
    """Loopback and management interfaces carry no transit traffic from inside hosts."""
    base = unit.split(".")[0]
    return base.rstrip("0123456789") in _NOT_TRANSIT or base == "lo0"


def _role(d: Draft, unit: str, nat: NatModel) -> tuple[Role, str]:
    member = d.zone_interfaces.get(unit)
    if member is None:
        return Role.UNKNOWN, ""
    zone = member[0]
    if zone in nat.roles:
        role, why = nat.roles[zone]
        return role, f"zone {zone}: {why}"
    if zone.lower() in ("trust", "untrust"):
        role = Role.INSIDE if zone.lower() == "trust" else Role.OUTSIDE
        return role, f"security zone {zone} (line {member[1].line}): Junos factory zone name"
    return Role.UNKNOWN, ""


def _interfaces(d: Draft, nat: NatModel) -> tuple[list[str], tuple[Interface, ...]]:
    units = list(d.units)
    for unit in d.zone_interfaces:
        if unit not in d.units:
            units.append(unit)
    out = []
    for unit in units:
        role, reason = _role(d, unit, nat)
        source = d.unit_sources.get(unit) or d.zone_interfaces[unit][1]
        out.append(
            Interface(unit, tuple(d.units.get(unit, ())), False, role, reason, source, _not_transit(unit))
        )
    return units, tuple(out)


def _filter_bindings(
    d: Draft, res: Resolver, cache: dict[str, RuleSet]
) -> tuple[list[Binding], list[Binding]]:
    ingress: list[Binding] = []
    egress: list[Binding] = []
    for (unit, direction), (names, source, _) in d.filter_bindings.items():
        name = build_filter_set(d, res, names, source, cache)
        if name not in cache:
            d.diagnostics.append(
                Diagnostic(
                    source, DiagnosticKind.UNRECOGNIZED, f"filter {name} is applied but not defined", True
                )
            )
        binding = Binding(name, unit, Direction.IN if direction == "in" else Direction.OUT, source)
        (ingress if direction == "in" else egress).append(binding)
    return ingress, egress


def build_result(d: Draft, line_count: int) -> ParseResult:
    """Freeze what the readers recorded into a ``ParseResult``."""
    res = Resolver(d)
    zone_units: dict[str, list[str]] = {}
    for unit, (zone, _) in d.zone_interfaces.items():
        zone_units.setdefault(zone, []).append(unit)
    nat = build_nat(d, res, zone_units)
    units, interfaces = _interfaces(d, nat)
    filter_sets: dict[str, RuleSet] = {}
    ingress, egress = _filter_bindings(d, res, filter_sets)
    for name in d.filters:  # filters nothing applies still show in the model
        source = d.filter_sources[name]
        build_filter_set(d, res, [name], source, filter_sets)
    rulesets: list[RuleSet] = []
    zone_bindings: list[Binding] = []
    limitations: list[Limitation] = []
    if d.srx:
        transit = {i.name for i in interfaces if not i.loopback}
        zones = build_zones(d, res, units, transit)
        rulesets.extend(zones.rulesets)
        zone_bindings = zones.bindings
        if not d.zone_interfaces and (d.policies or d.default_policy):
            sources = [e.source for pols in d.policies.values() for e in pols.values()][:3]
            limitations.append(
                Limitation(
                    "security policies are configured but no interface is in a security zone: "
                    "which policies decide transit between which interfaces is not in the text",
                    frozenset({"flow"}),
                    tuple(sources),
                )
            )
        if d.packet_mode:
            limitations.append(
                Limitation(
                    "the device forwards some families in packet mode: whether IPv4 transit is "
                    "decided by security policies or only by filters is not modelled",
                    frozenset({"flow"}),
                    tuple(d.packet_mode),
                )
            )
    model = ConfigModel(
        platform=Platform.JUNIPER_JUNOS,
        hostname=d.hostname,
        version=d.version,
        interfaces=interfaces,
        rulesets=(*filter_sets.values(), *rulesets),
        bindings=(*ingress, *zone_bindings, *egress),
        routes=tuple(d.routes),
        source_nats=tuple(nat.source_nats),
        port_mappings=tuple(nat.mappings),
        features=tuple(alg.build_features(d)),
        limitations=tuple(limitations),
        egress_sees_translated=True,
    )
    diagnostics = sorted(d.diagnostics, key=lambda x: x.source.line)
    return ParseResult(model, tuple(diagnostics), line_count)


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse Junos text; also return what became of every line (for accounting tests)."""
    return _parse(text, filename, track=True)


def _parse(text: str, filename: str, track: bool) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse; record every line's disposition only when ``track`` (nothing else depends on them)."""
    lexed = lex(text)
    d = Draft(filename, lexed.lines, headers=lexed.headers, track=track)
    d.dispositions.update(lexed.dispositions)
    for number, reason in lexed.problems:
        d.diagnostics.append(
            Diagnostic(
                Source(filename, number, lexed.lines[number - 1]), DiagnosticKind.UNRECOGNIZED, reason, True
            )
        )
        d.dispositions[number] = Disposition.DIAGNOSED
    for _, number in lexed.deactivated:
        d.dispositions[number] = Disposition.EXTRACTED
    statements = apply_deactivations(lexed)
    # Every groups word holds "groups" (words are pieces of the text): no groups to expand.
    expansion = expand_groups(statements) if "groups" in text else Expansion(statements)
    for number in expansion.apply_lines:
        d.dispositions.setdefault(number, Disposition.EXTRACTED)
    for number in expansion.unused_lines:
        d.dispositions.setdefault(number, Disposition.IGNORED)  # a group nothing applies
    for number, reason in expansion.problems:
        d.diagnostics.append(
            Diagnostic(
                Source(filename, number, lexed.lines[number - 1]), DiagnosticKind.UNSUPPORTED, reason, True
            )
        )
        d.dispositions[number] = Disposition.DIAGNOSED
    readers.read_all(d, expansion.statements)
    result = build_result(d, len(lexed.lines))
    if track:
        for number in range(1, len(lexed.lines) + 1):
            d.dispositions.setdefault(number, Disposition.COMMENT)  # structure: `name {` and `}`
    return result, d.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse a Junos configuration (brace or ``display set`` form) into the vendor-neutral model.

    Never raises for odd lines: they become diagnostics.

    Args:
        text: the configuration text.
        filename: the name recorded in every ``Source``.

    Returns:
        The model (platform ``juniper_junos``), the diagnostics and the number of lines read.
    """
    return _parse(text, filename, track=False)[0]
