"""Resolving PAN-OS address and service references into packet sets.

Part of the paloalto_panos parser (parse stage). Names are looked up in the modelled vsys
first, then in ``shared`` (a vsys object shadows a shared one of the same name).

- Addresses: ``any``; literals (``10.0.0.0/8``, ``10.0.0.1``, ``10.0.0.1-10.0.0.9``);
  ``address`` objects of kind ``ip-netmask`` and ``ip-range`` are exact; ``fqdn`` depends on
  DNS answers and ``ip-wildcard`` has mask semantics not confirmed here: both are inexact;
  ``address-group`` static members nest,
  ``dynamic`` groups (tag filters) are inexact. IPv6 values match no IPv4 packet.
- Services: ``any``; ``application-default`` (the App-ID's standard ports) is inexact;
  the predefined ``service-http`` is TCP 80 and 8080 and ``service-https`` TCP 443
  (batfish ``representation/palo_alto/ServiceBuiltIn.java``, VENDORS.md [S41]);
  ``service`` objects carry a protocol and comma lists of ports and ranges, with an
  optional source-port list; ``service-group`` members nest.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from auditor.flowspace import (
    ANY_CUBE,
    TCP,
    UDP,
    Cube,
    FlowSpace,
    Interval,
    cube_from_prefix,
    cubes_from_range,
)
from auditor.parsers.paloalto_panos.draft import SHARED, VSYS, Draft

SCTP = 132
PROTOCOLS = {"tcp": TCP, "udp": UDP, "sctp": SCTP}
BUILTIN_SERVICES: dict[str, tuple[int, tuple[Interval, ...]]] = {
    "service-http": (TCP, ((80, 80), (8080, 8080))),
    "service-https": (TCP, ((443, 443),)),
}


@dataclass(slots=True)
class Resolved:
    """A reference resolved: the exact part, and why the rest (if any) is not exact."""

    space: FlowSpace = field(default_factory=FlowSpace)
    inexact: list[str] = field(default_factory=list)  # decided outside the config (DNS, App-ID)
    problems: list[str] = field(default_factory=list)  # the config itself is not understood


def _literal(value: str) -> list[Cube] | None:
    """Cubes of an address literal, [] for IPv6, None when ``value`` is not a literal."""
    try:
        if "-" in value:
            first, last = value.split("-", 1)
            a, b = ipaddress.ip_address(first), ipaddress.ip_address(last)
            if a.version == 6:
                return []
            return cubes_from_range(int(a), int(b))
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    return [] if network.version == 6 else [cube_from_prefix(str(network))]


def _side_space(cubes: list[Cube], side: str) -> FlowSpace:
    """The packets whose ``side`` address is in one of the prefix ``cubes``.

    Large address groups hold thousands of prefixes: they are collapsed into disjoint
    prefixes first, so the set is built directly instead of by pairwise unions.
    """
    if ANY_CUBE in cubes:
        return FlowSpace.everything()
    networks = [ipaddress.IPv4Network((value, bin(care).count("1"))) for value, care in cubes]
    merged = [cube_from_prefix(str(n)) for n in ipaddress.collapse_addresses(networks)]
    full = FlowSpace.everything().boxes[0]
    index = 1 if side == "src" else 2
    return FlowSpace(tuple(tuple(c if i == index else a for i, a in enumerate(full)) for c in merged))  # type: ignore[misc]


class Resolver:
    """Looks names up in the modelled vsys and in shared, detecting loops."""

    def __init__(self, draft: Draft) -> None:
        self.vsys = draft.objects[VSYS]
        self.shared = draft.objects[SHARED]

    def _address_cubes(self, name: str, stack: tuple[str, ...], out: Resolved) -> list[Cube]:
        if name == "any":
            return [ANY_CUBE]
        for scope in (self.vsys, self.shared):
            obj = scope.addresses.get(name)
            if obj is not None:
                if obj.kind in ("ip-netmask", "ip-range"):
                    cubes = _literal(obj.value)
                elif obj.kind == "ip-wildcard":
                    # Which mask bits are free was not confirmed in vendor documentation.
                    out.inexact.append(
                        f"address {name} is an ip-wildcard ({obj.value}): semantics unconfirmed"
                    )
                    return []
                else:
                    out.inexact.append(
                        f"address {name} is an FQDN ({obj.value}): its addresses come from DNS"
                    )
                    return []
                if cubes is None:
                    out.problems.append(f"address {name}: value {obj.value} not understood")
                    return []
                return cubes
            group = scope.address_groups.get(name)
            if group is not None:
                if name in stack:
                    out.problems.append(f"address-group {name} contains itself")
                    return []
                if group.dynamic is not None:
                    out.inexact.append(f"address-group {name} is dynamic (tag filter {group.dynamic})")
                    return []
                cubes = []
                for member in group.members:
                    cubes.extend(self._address_cubes(member, (*stack, name), out))
                return cubes
        literal = _literal(name)
        if literal is not None:
            return literal
        if name.startswith("panw-"):
            # predefined external dynamic lists (panw-highrisk-ip-list ...): fetched at run time
            out.inexact.append(f"address {name} is a predefined external dynamic list")
            return []
        out.problems.append(f"address {name} is not defined here (external list, region or Panorama object?)")
        return []

    def addresses(self, names: list[str], negate: bool, side: str) -> Resolved:
        """The packets whose ``side`` (src or dst) address is one of ``names`` (or not, negated)."""
        out = Resolved()
        cubes: list[Cube] = []
        for name in names:
            cubes.extend(self._address_cubes(name, (), out))
        space = _side_space(cubes, side)
        if negate:
            space = FlowSpace.everything() - space
        out.space = space
        return out

    def _service(self, name: str, stack: tuple[str, ...], out: Resolved) -> FlowSpace:
        if name == "any":
            return FlowSpace.everything()
        if name == "application-default":
            out.inexact.append("service application-default: the ports are the App-ID's own defaults")
            return FlowSpace()
        for scope in (self.vsys, self.shared):
            svc = scope.services.get(name)
            if svc is not None:
                proto = PROTOCOLS.get(svc.protocol or "")
                dports = parse_ports(svc.ports)
                sports = parse_ports(svc.source_ports) if svc.source_ports else None
                if proto is None or dports is None or (svc.source_ports and sports is None):
                    out.problems.append(f"service {name}: protocol or ports not understood")
                    return FlowSpace()
                return FlowSpace.build(protocols=[(proto, proto)], dport=dports, sport=sports)
            group = scope.service_groups.get(name)
            if group is not None:
                if name in stack:
                    out.problems.append(f"service-group {name} contains itself")
                    return FlowSpace()
                space = FlowSpace()
                for member in group[1]:
                    space = space | self._service(member, (*stack, name), out)
                return space
        if name in BUILTIN_SERVICES:
            proto, ports = BUILTIN_SERVICES[name]
            return FlowSpace.build(protocols=[(proto, proto)], dport=list(ports))
        out.problems.append(f"service {name} is not defined here")
        return FlowSpace()

    def services(self, names: list[str]) -> Resolved:
        """The packets any of the services ``names`` matches."""
        out = Resolved()
        for name in names:
            out.space = out.space | self._service(name, (), out)
        return out

    def service_ports(self, name: str) -> tuple[tuple[int, ...] | None, tuple[Interval, ...] | None, bool]:
        """Protocols and destination ports of one NAT service (None: any); False when unknown."""
        if name == "any":
            return None, None, True
        out = Resolved()
        space = self._service(name, (), out)
        if out.inexact or out.problems:
            return None, None, False
        protocols = sorted({box[0][0] for box in space.boxes if box[0][0] == box[0][1]})
        ports = sorted({box[4] for box in space.boxes})
        return tuple(protocols), tuple(ports), True


def parse_ports(text: str | None) -> list[Interval] | None:
    """``80,443,1000-2000`` -> intervals; None when the text is not a port list."""
    if not text:
        return None
    out: list[Interval] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = (int(p) for p in part.split("-", 1))
            else:
                lo = hi = int(part)
        except ValueError:
            return None
        if not 0 <= lo <= hi <= 65535:
            return None
        out.append((lo, hi))
    return out
