"""What the paloalto_panos reader collects before the model is built.

Part of the paloalto_panos parser (parse stage). Objects are kept per scope (the modelled
vsys, and ``shared``, which every vsys sees); rules keep every field statement with its
source line, so a field the builder cannot use still names its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Diagnostic, Route, Source
from auditor.parsers.paloalto_panos.statements import Disposition

VSYS = "vsys"
SHARED = "shared"


@dataclass(slots=True)
class AddressObject:
    """``address NAME ip-netmask|ip-range|ip-wildcard|fqdn VALUE``."""

    kind: str
    value: str
    source: Source


@dataclass(slots=True)
class AddressGroup:
    """``address-group NAME static [ ... ]`` or ``dynamic filter ...``."""

    source: Source
    members: list[str] = field(default_factory=list)
    dynamic: str | None = None


@dataclass(slots=True)
class ServiceObject:
    """``service NAME protocol tcp|udp|sctp port P [source-port P]``."""

    source: Source
    protocol: str | None = None
    ports: str | None = None
    source_ports: str | None = None


@dataclass(slots=True)
class Objects:
    """The objects of one scope."""

    addresses: dict[str, AddressObject] = field(default_factory=dict)
    address_groups: dict[str, AddressGroup] = field(default_factory=dict)
    services: dict[str, ServiceObject] = field(default_factory=dict)
    service_groups: dict[str, tuple[Source, list[str]]] = field(default_factory=dict)
    applications: set[str] = field(default_factory=set)  # custom applications and groups


@dataclass(slots=True)
class RuleDraft:
    """A security or NAT rule: its fields, each value with the line that set it."""

    name: str
    source: Source
    fields: dict[str, list[tuple[tuple[str, ...], Source]]] = field(default_factory=dict)
    problems: list[tuple[str, Source]] = field(default_factory=list)

    def values(self, key: str) -> list[str]:
        """The first word of every value set for ``key`` (a member list)."""
        return [words[0] for words, _ in self.fields.get(key, []) if words]

    def value(self, key: str) -> str | None:
        """The last single value set for ``key``."""
        found = self.values(key)
        return found[-1] if found else None

    def line(self, key: str) -> Source:
        """The line that set ``key`` (the rule's own line when unset)."""
        entries = self.fields.get(key)
        return entries[-1][1] if entries else self.source


@dataclass(slots=True)
class Zone:
    """``zone NAME network layer3 [ ifaces ]`` (other network types are noted)."""

    name: str
    source: Source
    members: list[str] = field(default_factory=list)
    other: list[tuple[str, Source]] = field(default_factory=list)  # layer2, virtual-wire, tap


@dataclass(slots=True)
class InterfaceDraft:
    """A layer-3 interface or subinterface (``units``)."""

    name: str
    source: Source
    addresses: list[str] = field(default_factory=list)
    dhcp: bool = False


@dataclass(slots=True)
class Draft:
    """Everything read from one configuration."""

    filename: str
    form: str = "set"  # set | brace | xml
    hostname: str | None = None
    version: str | None = None
    vsys_name: str | None = None  # the vsys that is modelled
    objects: dict[str, Objects] = field(default_factory=lambda: {VSYS: Objects(), SHARED: Objects()})
    zones: dict[str, Zone] = field(default_factory=dict)
    security: dict[str, dict[str, RuleDraft]] = field(
        default_factory=lambda: {"pre": {}, "local": {}, "post": {}}
    )
    nat: dict[str, dict[str, RuleDraft]] = field(default_factory=lambda: {"pre": {}, "local": {}, "post": {}})
    default_rules: dict[str, tuple[str, Source]] = field(default_factory=dict)
    alg_overrides: dict[str, tuple[bool, Source]] = field(default_factory=dict)
    app_overrides: list[Source] = field(default_factory=list)
    interfaces: dict[str, InterfaceDraft] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    route_fields: dict[str, dict[str, str]] = field(default_factory=dict)  # static routes, by field
    other_vsys: dict[str, Source] = field(default_factory=dict)
    panorama: list[Source] = field(default_factory=list)  # this is a Panorama configuration
    pushed: list[Source] = field(default_factory=list)  # Panorama-pushed rules on a firewall
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def source(self, line: int) -> Source:
        """The ``Source`` of a 1-based line number."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Source(self.filename, line, text)
