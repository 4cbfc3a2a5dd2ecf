"""PAN-OS NAT rules: port mappings, source translations and the zone roles they imply.

Part of the paloalto_panos parser (parse stage). NAT rules are matched top-down on pre-NAT
zones and addresses (PAN-OS "NAT Policy Overview", VENDORS.md 5.5 [S42]); disabled rules
are skipped.

- ``destination-translation`` (and ``dynamic-destination-translation``) of the rule's
  service ports, with an optional ``translated-port``, lets outside hosts reach an inside
  one: a ``PortMapping`` of the service's protocols and ports (every port for ``any``);
- ``source-translation static-ip ... bi-directional yes`` maps every port of one address
  both ways: a full ``PortMapping``;
- other source translations (``dynamic-ip-and-port``, ``dynamic-ip``, one-way
  ``static-ip``) hide inside hosts: a ``SourceNat``, and the rule's ``from`` zones are
  inside and its ``to`` zones outside (the role hint the topology uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import Cube, Interval
from auditor.model import Diagnostic, Limitation, PortMapping, Role, Source, SourceNat
from auditor.parsers.paloalto_panos.draft import Draft, RuleDraft
from auditor.parsers.paloalto_panos.objects import Resolver


@dataclass(slots=True)
class NatModel:
    """What the NAT rulebase contributes to the model."""

    mappings: list[PortMapping] = field(default_factory=list)
    source_nats: list[SourceNat] = field(default_factory=list)
    roles: dict[str, tuple[Role, str]] = field(default_factory=dict)  # zone -> role, reason
    limitations: list[Limitation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _option(words: list[tuple[str, ...]], key: str) -> str | None:
    """The value after ``key`` in any of a field's statements (``translated-port 8080``)."""
    for path in words:
        for index, word in enumerate(path[:-1]):
            if word == key:
                return path[index + 1]
    return None


def _address_cubes(resolver: Resolver, names: list[str], side: str) -> list[Cube]:
    resolved = resolver.addresses(names, False, side)
    if resolved.inexact or resolved.problems:
        return []
    return [box[1 if side == "src" else 2] for box in resolved.space.boxes]


def _port_mapping(rule: RuleDraft, resolver: Resolver, out: NatModel, key: str) -> None:
    paths = [path for path, _ in rule.fields[key]]
    inside = _option(paths, "translated-address")
    port = _option(paths, "translated-port")
    source = rule.line(key)
    service = rule.value("service") or "any"
    protocols, ports, known = resolver.service_ports(service)
    if not known:
        out.limitations.append(
            Limitation(
                f"NAT rule {rule.name} maps the ports of service {service}, which is not understood",
                frozenset({"port-mapping"}),
                (source,),
            )
        )
        return
    inside_ports: tuple[Interval, ...] | None = ports
    if port is not None and port.isdigit():
        inside_ports = ((int(port), int(port)),)
    outside = ", ".join(rule.values("destination")) or "any"
    out.mappings.append(PortMapping(protocols or None, inside or "?", outside, inside_ports, ports, source))


def build_nat(draft: Draft) -> NatModel:
    """Read every enabled NAT rule (pre, local, post) into mappings and translations."""
    out = NatModel()
    resolver = Resolver(draft)
    for base in ("pre", "local", "post"):
        for rule in draft.nat[base].values():
            if rule.value("disabled") == "yes":
                continue
            for key in ("destination-translation", "dynamic-destination-translation"):
                if key in rule.fields:
                    _port_mapping(rule, resolver, out, key)
            if "source-translation" not in rule.fields:
                continue
            paths = [path for path, _ in rule.fields["source-translation"]]
            kinds = {path[0] for path in paths if path}
            source = rule.line("source-translation")
            if "static-ip" in kinds and _option(paths, "bi-directional") == "yes":
                translated = _option(paths, "translated-address") or "?"
                inside = ", ".join(rule.values("source")) or "any"
                out.mappings.append(PortMapping(None, inside, translated, None, None, source))
                continue
            _source_nat(rule, resolver, out, paths, source)
    return out


def _source_nat(
    rule: RuleDraft, resolver: Resolver, out: NatModel, paths: list[tuple[str, ...]], source: Source
) -> None:
    src = resolver.addresses(rule.values("source") or ["any"], False, "src")
    dst = resolver.addresses(rule.values("destination") or ["any"], False, "dst")
    svc = resolver.services([rule.value("service") or "any"])
    exact = not any(p.inexact or p.problems for p in (src, dst, svc))
    match = src.space & dst.space & svc.space if exact else None
    interface = _option(paths, "interface")
    translated = (
        ()
        if interface
        else tuple(_address_cubes(resolver, [_option(paths, "translated-address") or "?"], "src"))
    )
    out.source_nats.append(SourceNat(source, None, match, translated, interface))
    froms = [z for z in rule.values("from") if z != "any"]
    tos = [z for z in rule.values("to") if z != "any"]
    if not tos:
        return
    why = f"source NAT rule {rule.name} (line {source.line}) translates traffic"
    why += f" from zone {', '.join(froms) or 'any'} to zone {', '.join(tos)}"
    for zone in tos:
        out.roles.setdefault(zone, (Role.OUTSIDE, why))
    for zone in froms:
        if zone not in tos:
            out.roles.setdefault(zone, (Role.INSIDE, why))
