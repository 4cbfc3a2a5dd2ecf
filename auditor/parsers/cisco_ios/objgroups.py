"""IOS ``object-group network`` and ``object-group service`` definitions and their resolution.

Part of the cisco_ios parser (parse stage). Facts (Cisco "Object Groups for ACLs", IOS 15.x
and IOS XE configuration guides; batfish ``CiscoControlPlaneExtractor.exitOgn_ip_with_mask``):
- in a *network* group, ``A M`` is an address and a **subnet mask**, not a wildcard;
  ``host A``, ``range A B``, ``any`` and ``group-object N`` (nesting) are the other members;
- a *service* group lists ``tcp|udp|tcp-udp [source PORTS] [PORTS]``, ``icmp [type]``,
  protocol names or numbers, and ``group-object N``. A bare port after the protocol is an
  ``eq`` (the guide's ``tcp smtp`` example).
Groups may be used before they are defined; resolution happens after the whole file is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from auditor.flowspace import Cube, Interval, cube_from_mask, cube_host, cubes_from_range
from auditor.model import Action, DiagnosticKind, Source
from auditor.parsers.cisco_ios.acl import (
    PORT_OPERATORS,
    AceError,
    Cursor,
    ServiceItem,
    is_ipv4,
    parse_port_operator,
    resolver_for,
)
from auditor.parsers.cisco_ios.ports import protocol_value


class GroupError(Exception):
    """A member line that cannot be read, or a reference that cannot be resolved."""

    def __init__(self, reason: str, kind: DiagnosticKind = DiagnosticKind.UNRECOGNIZED) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(slots=True)
class NetworkGroup:
    """The members of one network object group, as read."""

    name: str
    source: Source
    cubes: list[Cube] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # reasons: members not understood


@dataclass(slots=True)
class ServiceGroup:
    """The members of one service object group, as read."""

    name: str
    source: Source
    items: list[ServiceItem] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def read_network_member(group: NetworkGroup, tokens: Sequence[str]) -> bool:
    """Add one member line to a network group; return False when it is a description.

    Raises:
        GroupError: the line is not a network member the parser understands.
    """
    words = [token.lower() for token in tokens]
    if words[0] == "description":
        return False
    if words[0] == "any" and len(words) == 1:
        group.cubes.append((0, 0))
    elif words[0] == "host" and len(words) == 2 and is_ipv4(tokens[1]):
        group.cubes.append(cube_host(tokens[1]))
    elif words[0] == "range" and len(words) == 3 and is_ipv4(tokens[1]) and is_ipv4(tokens[2]):
        group.cubes.extend(cubes_from_range(tokens[1], tokens[2]))
    elif words[0] == "group-object" and len(words) == 2:
        group.includes.append(tokens[1])
    elif len(words) == 2 and is_ipv4(tokens[0]) and is_ipv4(tokens[1]):
        group.cubes.append(cube_from_mask(tokens[0], tokens[1]))  # a subnet mask here
    else:
        raise GroupError(f"not a network object-group member: {' '.join(tokens)!r}")
    return True


def _service_ports(cur: Cursor, protocols: list[int]) -> tuple[Interval, ...] | None:
    if cur.peek() is None or cur.peek() == "source":
        return None
    if cur.peek() not in PORT_OPERATORS:  # bare port: `tcp smtp` is `tcp eq smtp`
        cur.tokens.insert(cur.pos, "eq")
    return parse_port_operator(cur, resolver_for(protocols), Action.PERMIT)


def parse_service_item(tokens: Sequence[str]) -> ServiceItem:
    """Parse one protocol member of a service group.

    Raises:
        GroupError: the member is not understood or not exact (e.g. an ICMP type).
    """
    cur = Cursor(tokens)
    word = (cur.take() or "").lower()
    transport = {"tcp": [6], "udp": [17], "tcp-udp": [6, 17]}.get(word)
    if transport is None:
        number = None if word == "ip" else protocol_value(word)
        if word != "ip" and number is None:
            raise GroupError(f"unknown protocol {word!r} in a service object-group")
        if not cur.done():
            raise GroupError(
                f"{word} message type or option {' '.join(tokens[1:])!r} is not modelled",
                DiagnosticKind.UNSUPPORTED,
            )
        return ServiceItem(None if number is None else ((number, number),))
    try:
        sport = None
        if cur.peek() == "source":
            cur.take()
            sport = _service_ports(cur, transport)
        dport = _service_ports(cur, transport)
    except AceError as error:
        raise GroupError(error.reason) from error
    if not cur.done():
        raise GroupError(f"unexpected {' '.join(tokens[cur.pos :])!r} in a service object-group")
    protocols = tuple((p, p) for p in transport)
    return ServiceItem(protocols, sport, dport)


def read_service_member(group: ServiceGroup, tokens: Sequence[str]) -> bool:
    """Add one member line to a service group; return False when it is a description.

    Raises:
        GroupError: the line is not a service member the parser understands.
    """
    word = tokens[0].lower()
    if word == "description":
        return False
    if word == "group-object" and len(tokens) == 2:
        group.includes.append(tokens[1])
        return True
    group.items.append(parse_service_item(tokens))
    return True


def resolve_network(name: str, groups: Mapping[str, NetworkGroup]) -> tuple[Cube, ...]:
    """Return every cube of a network group, following nested groups.

    Raises:
        GroupError: the group (or a nested one) is undefined, loops, or has unread members.
    """
    return _flatten(name, groups, "network", "has members not understood", lambda g: g.cubes)


def resolve_service(name: str, groups: Mapping[str, ServiceGroup]) -> tuple[ServiceItem, ...]:
    """Return every service item of a service group, following nested groups.

    Raises:
        GroupError: the group (or a nested one) is undefined, loops, or has unread members.
    """
    return _flatten(name, groups, "service", "has members not understood or not exact", lambda g: g.items)


class _Group(Protocol):
    includes: list[str]
    broken: list[str]


G = TypeVar("G", bound=_Group)
M = TypeVar("M")


def _flatten(
    name: str,
    groups: Mapping[str, G],
    kind: str,
    broken: str,
    members: Callable[[G], Sequence[M]],
    stack: tuple[str, ...] = (),
) -> tuple[M, ...]:
    if name in stack:
        raise GroupError(f"object-group loop: {' -> '.join((*stack, name))}")
    group = groups.get(name)
    if group is None:
        raise GroupError(f"{kind} object-group {name!r} is not defined")
    if group.broken:
        raise GroupError(f"{kind} object-group {name!r} {broken}")
    out = list(members(group))
    for child in group.includes:
        out.extend(_flatten(child, groups, kind, broken, members, (*stack, name)))
    return tuple(out)
