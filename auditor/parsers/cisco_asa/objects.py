"""ASA objects and object groups: definitions as read, and their resolution.

Part of the cisco_asa parser (parse stage). Facts (Cisco ASA CLI configuration guide,
"Objects for Access Control"; VENDORS.md §2.3):
- ``object network N``: ``host A``, ``subnet A M`` (a netmask), ``range A B`` or
  ``fqdn NAME`` (resolved by DNS at run time: not exact from the text);
- ``object service N``: ``service tcp|udp|tcp-udp [source OP] [destination OP]``, or a
  protocol (``service icmp [type]``, ``service ip``);
- ``object-group network`` (``network-object host A | A M | object O``),
  ``object-group service N tcp|udp|tcp-udp`` (``port-object eq|range``), ``object-group
  service N`` (``service-object PROTO [source OP] [destination OP]``, ``service-object
  object O``), ``object-group protocol`` (``protocol-object P``), ``object-group icmp-type``;
  every kind nests with ``group-object``. A port operator with no ``source``/``destination``
  keyword in a ``service-object`` is a destination condition (8.x syntax).
IPv6 members match no IPv4 packet, so they add nothing to the (IPv4) model exactly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from auditor.flowspace import Cube, Interval, cube_from_mask, cube_host, cubes_from_range, quad_value
from auditor.model import DiagnosticKind
from auditor.parsers.cisco_asa.ports import TRANSPORTS, port_value, protocol_value

ANY: Cube = (0, 0)
GROUP_KINDS = frozenset({"network", "service", "protocol", "icmp-type"})
PORT_OPERATORS = frozenset({"eq", "neq", "lt", "gt", "range"})


class ObjectError(Exception):
    """A member or reference that cannot be resolved exactly."""

    def __init__(self, reason: str, kind: DiagnosticKind = DiagnosticKind.UNRECOGNIZED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True, slots=True)
class ServiceItem:
    """Protocols and ports matched together; None means any value of that field."""

    protocols: tuple[Interval, ...] | None
    sport: tuple[Interval, ...] | None = None
    dport: tuple[Interval, ...] | None = None


@dataclass(slots=True)
class Definition:
    """One object or object group: its members as read and what could not be read."""

    name: str
    kind: str  # network, service, protocol, icmp-type (groups); object-network, object-service
    line: int
    transports: tuple[int, ...] | None = None  # typed service groups: tcp, udp or tcp-udp
    cubes: list[Cube] = field(default_factory=list)
    items: list[ServiceItem] = field(default_factory=list)
    ports: list[Interval] = field(default_factory=list)
    protocols: list[Interval] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)  # `network-object object O` and the like
    includes: list[str] = field(default_factory=list)  # `group-object G`
    inexact: list[str] = field(default_factory=list)  # exact only with run-time facts
    broken: list[str] = field(default_factory=list)  # members not understood


def is_ipv4(token: str | None) -> bool:
    """Tell whether a token is a dotted-quad IPv4 address."""
    if token is None or token.count(".") != 3:
        return False
    return _is_ipv4_text(token)


@lru_cache(maxsize=65536)
def _is_ipv4_text(token: str) -> bool:
    """``is_ipv4`` of a token with three dots (configs repeat addresses: cached)."""
    if quad_value(token) is not None:
        return True  # a plain dotted quad, which ipaddress accepts; anything else it decides
    try:
        ipaddress.IPv4Address(token)
    except ValueError:
        return False
    return True


def is_ipv6(token: str | None) -> bool:
    """Tell whether a token is an IPv6 address or prefix (``2001:db8::/64``)."""
    if token is None or ":" not in token:
        return False
    return _is_ipv6_text(token)


@lru_cache(maxsize=16384)
def _is_ipv6_text(token: str) -> bool:
    """``is_ipv6`` of a token with a colon (cached, as ``is_ipv4``)."""
    try:
        ipaddress.IPv6Network(token, strict=False)
    except ValueError:
        return False
    return True


def complement(values: Sequence[Interval]) -> tuple[Interval, ...]:
    """Return the ports 0-65535 not in ``values``."""
    out: list[Interval] = []
    low = 0
    for lo, hi in sorted(values):
        if lo > low:
            out.append((low, lo - 1))
        low = max(low, hi + 1)
    if low <= 65535:
        out.append((low, 65535))
    return tuple(out)


def read_port_op(
    tokens: Sequence[str], pos: int, protocols: Sequence[int]
) -> tuple[tuple[Interval, ...], int]:
    """Read ``eq p | neq p | lt p | gt p | range a b`` at ``pos``; return (ports, next pos).

    ASA operators take one port each (no IOS-style ``eq 80 443`` lists).

    Raises:
        ObjectError: the operator or a port is not understood.
    """
    op = tokens[pos].lower() if pos < len(tokens) else ""
    count = 2 if op == "range" else 1
    if op not in PORT_OPERATORS:
        raise ObjectError(f"port operator expected, got {' '.join(tokens[pos:])!r}")
    values = []
    for token in tokens[pos + 1 : pos + 1 + count]:
        value = port_value(token, protocols)
        if value is None:
            raise ObjectError(f"unknown port {token!r} (not a number or ASA port literal)")
        values.append(value)
    if len(values) != count:
        raise ObjectError(f"'{op}' without its port")
    if op == "range":
        if values[0] > values[1]:
            raise ObjectError(f"port range {values[0]} {values[1]} is empty")
        return ((values[0], values[1]),), pos + 3
    port = values[0]
    ports: tuple[Interval, ...]
    if op == "eq":
        ports = ((port, port),)
    elif op == "neq":
        ports = complement([(port, port)])
    elif op == "lt":
        ports = ((0, port - 1),) if port > 0 else ()
    else:
        ports = ((port + 1, 65535),) if port < 65535 else ()
    return ports, pos + 2


def read_service(tokens: Sequence[str]) -> ServiceItem:
    """Read ``PROTO [source OP] [destination OP]`` (a service object or service-object).

    Raises:
        ObjectError: not understood; kind UNSUPPORTED when only an ICMP type is not exact.
    """
    word = tokens[0].lower() if tokens else ""
    transports = TRANSPORTS.get(word)
    if transports is None:
        number = None if word == "ip" else protocol_value(word)
        if word != "ip" and number is None:
            raise ObjectError(f"unknown protocol {word!r}")
        if len(tokens) > 1:
            raise ObjectError(
                f"{word} type {' '.join(tokens[1:])!r}: the model has no ICMP type field",
                DiagnosticKind.UNSUPPORTED,
            )
        return ServiceItem(None if number is None else ((number, number),))
    sport = dport = None
    pos = 1
    while pos < len(tokens):
        key = tokens[pos].lower()
        if key in ("source", "destination"):
            ports, pos = read_port_op(tokens, pos + 1, transports)
        elif key in PORT_OPERATORS:  # 8.x `service-object tcp eq www`: a destination port
            key = "destination"
            ports, pos = read_port_op(tokens, pos, transports)
        else:
            raise ObjectError(f"unexpected {' '.join(tokens[pos:])!r} in a service")
        if key == "source":
            sport = ports
        else:
            dport = ports
    return ServiceItem(tuple((p, p) for p in transports), sport, dport)


def _network_member(definition: Definition, tokens: Sequence[str]) -> None:
    words = [token.lower() for token in tokens]
    if words[0] == "host" and len(words) == 2 and is_ipv4(tokens[1]):
        definition.cubes.append(cube_host(tokens[1]))
    elif words[0] == "host" and len(words) == 2 and is_ipv6(tokens[1]):
        pass  # IPv6: matches no IPv4 packet
    elif words[0] in ("subnet",) and len(words) == 3 and is_ipv4(tokens[1]) and is_ipv4(tokens[2]):
        definition.cubes.append(cube_from_mask(tokens[1], tokens[2]))
    elif len(words) == 2 and is_ipv4(tokens[0]) and is_ipv4(tokens[1]):  # group member `A M`
        definition.cubes.append(cube_from_mask(tokens[0], tokens[1]))
    elif len(words) in (1, 2) and words[0] != "range" and is_ipv6(tokens[-1]):
        pass  # `subnet V6/len` or a group's `V6/len`
    elif words[0] == "range" and len(words) == 3 and is_ipv4(tokens[1]) and is_ipv4(tokens[2]):
        definition.cubes.extend(cubes_from_range(tokens[1], tokens[2]))
    elif words[0] == "range" and len(words) == 3 and is_ipv6(tokens[1]):
        pass
    elif words[0] == "fqdn":
        definition.inexact.append(f"fqdn {tokens[-1]} (addresses come from DNS at run time)")
    elif words[0] == "object" and len(words) == 2:
        definition.objects.append(tokens[1])
    else:
        raise ObjectError(f"not a network member: {' '.join(tokens)!r}")


def read_member(definition: Definition, tokens: Sequence[str]) -> bool:
    """Add one sub-command line to an object or group; False for descriptions and NAT lines.

    Raises:
        ObjectError: the member is not understood (recorded as broken by the caller).
    """
    words = [token.lower() for token in tokens]
    first = words[0]
    if first == "description":
        return False
    if first == "group-object" and len(words) == 2 and definition.kind in GROUP_KINDS:
        definition.includes.append(tokens[1])
    elif definition.kind == "object-network":
        _network_member(definition, tokens)
    elif definition.kind == "network" and first == "network-object" and len(words) >= 2:
        _network_member(definition, tokens[1:])
    elif definition.kind == "object-service" and first == "service" and len(words) >= 2:
        _add_service(definition, tokens[1:])
    elif definition.kind == "service" and first == "service-object" and len(words) >= 2:
        if words[1] == "object" and len(words) == 3:
            definition.objects.append(tokens[2])
        else:
            _add_service(definition, tokens[1:])
    elif definition.kind == "service" and first == "port-object" and definition.transports:
        ports, end = read_port_op(tokens, 1, definition.transports)
        if end != len(tokens):
            raise ObjectError(f"unexpected {' '.join(tokens[end:])!r} after the port")
        definition.ports.extend(ports)
    elif definition.kind == "protocol" and first == "protocol-object" and len(words) == 2:
        number = None if words[1] == "ip" else protocol_value(words[1])
        if number is None and words[1] != "ip":
            raise ObjectError(f"unknown protocol {tokens[1]!r}")
        definition.protocols.append((0, 255) if number is None else (number, number))
    elif definition.kind == "icmp-type" and first == "icmp-object":
        definition.inexact.append("ICMP types (the model has no ICMP type field)")
    else:
        raise ObjectError(f"not a {definition.kind} member: {' '.join(tokens)!r}")
    return True


def _add_service(definition: Definition, tokens: Sequence[str]) -> None:
    try:
        definition.items.append(read_service(tokens))
    except ObjectError as error:
        if error.kind is not DiagnosticKind.UNSUPPORTED:
            raise
        definition.inexact.append(error.reason)
        # the protocol alone is a superset of what the member matches
        definition.items.append(read_service(tokens[:1]))


@dataclass(slots=True)
class Tables:
    """Every object, group and name alias of a file, with reference resolution.

    ``lenient`` resolution returns a superset where strict resolution raises for a member
    that is not exact (an ``fqdn`` becomes any address): it is how opaque rules get bounds.
    """

    objects: dict[str, Definition] = field(default_factory=dict)
    groups: dict[str, Definition] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # `name A ALIAS`
    interfaces: dict[str, tuple[str, ...]] = field(default_factory=dict)  # nameif -> addresses
    lenient: bool = False

    def _get(self, table: dict[str, Definition], name: str, kinds: tuple[str, ...], what: str) -> Definition:
        definition = table.get(name)
        if definition is None or definition.kind not in kinds:
            raise ObjectError(f"{what} {name!r} is not defined")
        if definition.broken:
            raise ObjectError(f"{what} {name!r} has members not understood: {definition.broken[0]}")
        if definition.inexact and not self.lenient:
            raise ObjectError(f"{what} {name!r}: {definition.inexact[0]}", DiagnosticKind.UNSUPPORTED)
        return definition

    def _network(self, definition: Definition, stack: tuple[str, ...]) -> list[Cube]:
        cubes = list(definition.cubes)
        if definition.inexact:  # lenient only: an fqdn may be any address
            cubes.append(ANY)
        for name in definition.objects:
            cubes.extend(self.network_object(name))
        for name in definition.includes:
            cubes.extend(self.network_group(name, stack))
        return cubes

    def network_object(self, name: str) -> tuple[Cube, ...]:
        """Return the addresses of ``object network NAME``."""
        return tuple(self._network(self._get(self.objects, name, ("object-network",), "object"), ()))

    def network_group(self, name: str, stack: tuple[str, ...] = ()) -> tuple[Cube, ...]:
        """Return the addresses of a network object group, following nesting."""
        _check_loop(name, stack)
        group = self._get(self.groups, name, ("network",), "network object-group")
        return tuple(self._network(group, (*stack, name)))

    def service_object(self, name: str) -> tuple[ServiceItem, ...]:
        """Return the service of ``object service NAME``."""
        return tuple(self._get(self.objects, name, ("object-service",), "service object").items)

    def service_group(self, name: str, stack: tuple[str, ...] = ()) -> tuple[ServiceItem, ...]:
        """Return the services of a service object group (typed or not), following nesting."""
        _check_loop(name, stack)
        group = self._get(self.groups, name, ("service",), "service object-group")
        if group.transports is not None:
            transports, ports = self.port_group(name, stack)
            return (ServiceItem(tuple((p, p) for p in transports), None, ports),)
        items = list(group.items)
        for child in group.objects:
            items.extend(self.service_object(child))
        for child in group.includes:
            items.extend(self.service_group(child, (*stack, name)))
        return tuple(items)

    def port_group(
        self, name: str, stack: tuple[str, ...] = ()
    ) -> tuple[tuple[int, ...], tuple[Interval, ...]]:
        """Return (transport protocols, ports) of a ``tcp|udp|tcp-udp`` service group."""
        _check_loop(name, stack)
        group = self._get(self.groups, name, ("service",), "service object-group")
        if group.transports is None:
            raise ObjectError(f"service object-group {name!r} has no tcp/udp type: not a port group")
        ports = list(group.ports)
        for child in group.includes:
            ports.extend(self.port_group(child, (*stack, name))[1])
        return group.transports, tuple(ports)

    def protocol_group(self, name: str, stack: tuple[str, ...] = ()) -> tuple[Interval, ...]:
        """Return the protocol numbers of a protocol object group, following nesting."""
        _check_loop(name, stack)
        group = self._get(self.groups, name, ("protocol",), "protocol object-group")
        protocols = list(group.protocols)
        for child in group.includes:
            protocols.extend(self.protocol_group(child, (*stack, name)))
        return tuple(protocols)

    def is_port_group(self, name: str) -> bool:
        """Tell whether ``name`` is a typed (tcp/udp/tcp-udp) service object group."""
        group = self.groups.get(name)
        return group is not None and group.kind == "service" and group.transports is not None


def _check_loop(name: str, stack: tuple[str, ...]) -> None:
    if name in stack:
        raise ObjectError(f"object-group loop: {' -> '.join((*stack, name))}")
