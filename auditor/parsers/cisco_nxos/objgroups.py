"""NX-OS object groups: ``object-group ip address`` and ``object-group ip port``.

Part of the cisco_nxos parser (parse stage). Address-group members are ``host A``,
``A/len`` or ``A W`` (network wildcard), optionally after a sequence number; port-group
members are ``eq|neq|lt|gt p`` or ``range a b`` (Cisco Nexus 5000 command reference,
``object-group ip address`` / ``object-group ip port``; batfish's NX-OS grammar test).
Groups are referenced from ACL entries as ``addrgroup NAME`` and ``portgroup NAME``; NX-OS
groups do not nest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditor.flowspace import TCP, UDP, Cube, Interval, cube_from_wildcard, cube_host
from auditor.model import Action
from auditor.parsers.cisco_ios.acl import AceError, Cursor, is_ipv4
from auditor.parsers.cisco_ios.objgroups import GroupError, NetworkGroup
from auditor.parsers.cisco_nxos.acl import prefix_cube, read_port_operator
from auditor.parsers.cisco_nxos.state import PortGroup

_PORT_OPERATORS = frozenset({"eq", "neq", "lt", "gt", "range"})


def _strip_seq(tokens: Sequence[str]) -> Sequence[str]:
    return tokens[1:] if tokens and tokens[0].isdigit() else tokens


def address_member(tokens: Sequence[str]) -> Cube:
    """Return the cube of one address-group member line.

    Raises:
        GroupError: the member is not understood.
    """
    tokens = _strip_seq(tokens)
    words = [t.lower() for t in tokens]
    try:
        if len(words) == 2 and words[0] == "host" and is_ipv4(tokens[1]):
            return cube_host(tokens[1])
        if len(words) == 1 and "/" in tokens[0]:
            return prefix_cube(tokens[0])
        if len(words) == 2 and is_ipv4(tokens[0]) and is_ipv4(tokens[1]):
            return cube_from_wildcard(tokens[0], tokens[1])
    except AceError as error:
        raise GroupError(error.reason) from error
    raise GroupError(f"not an address-group member: {' '.join(tokens)!r}")


def port_member(tokens: Sequence[str]) -> tuple[Interval, ...]:
    """Return the port intervals of one port-group member line.

    Names are accepted only where TCP and UDP agree on them (a port group has no protocol).

    Raises:
        GroupError: the member is not understood.
    """
    tokens = _strip_seq(tokens)
    if not tokens or tokens[0].lower() not in _PORT_OPERATORS:
        raise GroupError(f"not a port-group member: {' '.join(tokens)!r}")
    cur = Cursor(tokens)
    try:
        intervals = read_port_operator(cur, [TCP, UDP], Action.PERMIT)
    except AceError as error:
        raise GroupError(error.reason) from error
    if not cur.done():
        raise GroupError(f"unexpected {' '.join(tokens[cur.pos :])!r} in a port group")
    return intervals


def resolve_addresses(name: str, groups: Mapping[str, NetworkGroup]) -> tuple[Cube, ...]:
    """Return the cubes of an address group.

    Raises:
        GroupError: the group is undefined or has members not understood.
    """
    group = groups.get(name)
    if group is None:
        raise GroupError(f"address group {name!r} is not defined")
    if group.broken:
        raise GroupError(f"address group {name!r} has members not understood")
    return tuple(group.cubes)


def resolve_ports(name: str, groups: Mapping[str, PortGroup]) -> tuple[Interval, ...]:
    """Return the port intervals of a port group.

    Raises:
        GroupError: the group is undefined or has members not understood.
    """
    group = groups.get(name)
    if group is None:
        raise GroupError(f"port group {name!r} is not defined")
    if group.broken:
        raise GroupError(f"port group {name!r} has members not understood")
    return tuple(group.intervals)


__all__ = ["address_member", "port_member", "resolve_addresses", "resolve_ports"]
