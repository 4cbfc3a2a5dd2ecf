"""What the mikrotik_routeros parser has read so far from one export (parse stage).

``Draft`` collects commands, definitions (interface lists, address lists), rules,
translations and features, the diagnostics, and what became of every physical line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import TCP, UDP, Cube, FlowSpace
from auditor.model import (
    Action,
    Diagnostic,
    DiagnosticKind,
    Feature,
    Limitation,
    PortMapping,
    Route,
    Rule,
    Source,
)
from auditor.parsers.linux.common import Cond, Disposition
from auditor.parsers.mikrotik_routeros.lexer import Command

_TCP_UDP = FlowSpace.build(protocols=[(TCP, TCP), (UDP, UDP)])
BUILTIN_LISTS = frozenset({"all", "none", "dynamic", "static"})


@dataclass(slots=True)
class Item:
    """One command with where it came from."""

    command: Command
    source: Source
    lines: tuple[int, ...]


@dataclass(slots=True)
class AddressList:
    """The static entries of one ``/ip firewall address-list`` list."""

    cubes: list[Cube] = field(default_factory=list)
    inexact: list[str] = field(default_factory=list)  # why the entries are not all known
    sources: list[Source] = field(default_factory=list)


@dataclass(slots=True)
class InterfaceList:
    """A user interface list: its static members and the lists it includes or excludes."""

    members: set[str] = field(default_factory=set)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    source: Source | None = None


@dataclass(slots=True)
class NatMapping:
    """A destination translation, kept until roles tell whether it faces the outside."""

    mapping: PortMapping
    ingress: frozenset[str] | None  # the positive in-interface condition, if any
    source: Source


@dataclass(slots=True)
class Draft:
    """Everything read so far from one file."""

    file: str
    version: str | None = None
    hostname: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    chains: dict[tuple[str, str], list[Rule]] = field(default_factory=dict)
    chain_sources: dict[tuple[str, str], Source] = field(default_factory=dict)
    interface_names: dict[str, Source] = field(default_factory=dict)
    disabled_interfaces: set[str] = field(default_factory=set)
    addresses: dict[str, list[str]] = field(default_factory=dict)
    interface_lists: dict[str, InterfaceList] = field(default_factory=dict)
    dynamic_interface_lists: dict[str, str] = field(default_factory=dict)  # name -> why
    address_lists: dict[str, AddressList] = field(default_factory=dict)
    dynamic_address_lists: dict[str, str] = field(default_factory=dict)  # name -> why
    ipsec_policies: list[str] = field(default_factory=list)  # why IPsec policies may be installed
    gates: list[tuple[str, str, Source]] = field(default_factory=list)  # opaque rule sets bound in
    dstnat_space: FlowSpace = field(default_factory=FlowSpace)  # what dstnat rules may translate
    outside: dict[str, str] = field(default_factory=dict)  # name -> reason
    routes: list[Route] = field(default_factory=list)
    nat_mappings: list[NatMapping] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    limitations: list[Limitation] = field(default_factory=list)

    def mark(self, item: Item, disposition: Disposition) -> None:
        """Record what became of every physical line of ``item`` (diagnoses always win)."""
        for line in item.lines:
            if disposition is Disposition.DIAGNOSED:
                self.dispositions[line] = disposition
            else:
                self.dispositions.setdefault(line, disposition)

    def diagnose(self, item: Item, kind: DiagnosticKind, reason: str, security_relevant: bool = True) -> None:
        """Report a command the parser could not (fully) use."""
        self.diagnostics.append(Diagnostic(item.source, kind, reason, security_relevant))
        self.mark(item, Disposition.DIAGNOSED)

    def see_interface(self, name: str, source: Source) -> None:
        """Remember an interface name (the first line that names it)."""
        if name and name not in BUILTIN_LISTS:
            self.interface_names.setdefault(name, source)

    def chain(self, table: str, name: str, source: Source) -> list[Rule]:
        """Return the rule list of ``table``/``name``, creating it on first sight."""
        key = (table, name)
        self.chain_sources.setdefault(key, source)
        return self.chains.setdefault(key, [])

    def rule(self, item: Item, action: Action, cond: Cond, target: str | None = None) -> Rule:
        """Return the Rule for a condition; an inexact one becomes opaque and is reported."""
        source = item.source
        if cond.exact or cond.space.is_empty():
            return Rule(action, cond.space, source, target=target, interfaces=cond.interfaces())
        relevant = cond.space.intersects(_TCP_UDP)
        reason = "cannot decide from the text: " + "; ".join(dict.fromkeys(cond.why))
        self.diagnose(item, DiagnosticKind.UNSUPPORTED, reason, security_relevant=relevant)
        return Rule(action, None, source, bound=cond.space, target=target, interfaces=cond.interfaces())
