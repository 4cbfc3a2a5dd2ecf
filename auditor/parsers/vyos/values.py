"""VyOS values as packet sets: addresses, port lists, protocols (part of the vyos parser).

Syntax (vyos-1x interface definitions): an address is a host, a prefix or a range
``a.b.c.d-e.f.g.h``, a port value is a comma list of numbers, ranges ``3478-3497`` or
service names, a protocol is a name, a number, ``tcp_udp`` or ``all``; a leading ``!``
negates any of them.
"""

from __future__ import annotations

import ipaddress

from auditor.flowspace import TCP, UDP, Cube, FlowSpace, cube_from_prefix, cubes_from_range
from auditor.parsers.linux.common import CondError, port_number, protocol_number

TCP_UDP = FlowSpace.build(protocols=[(TCP, TCP), (UDP, UDP)])


def negation(text: str) -> tuple[str, bool]:
    """Split a leading ``!`` off a value."""
    return (text[1:], True) if text.startswith("!") else (text, False)


def address_cubes(text: str) -> list[Cube]:
    """Return the cubes of an IPv4 host, prefix or range; CondError for anything else."""
    try:
        if "-" in text:
            first, last = text.split("-", 1)
            ipaddress.IPv4Address(first)
            ipaddress.IPv4Address(last)
            return cubes_from_range(first, last)
        network = ipaddress.IPv4Network(text, strict=False)
    except ValueError as exc:
        raise CondError(f"not an IPv4 address, prefix or range: {text!r}") from exc
    return [cube_from_prefix(str(network))]


def port_intervals(text: str) -> list[tuple[int, int]]:
    """Return the port intervals of a comma list of ports, ranges and service names."""
    out: list[tuple[int, int]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        low, sep, high = part.partition("-")
        first = port_number(low)
        last = port_number(high) if sep else first
        if last < first:
            raise CondError(f"empty port range {part!r}")
        out.append((first, last))
    if not out:
        raise CondError("empty port list")
    return out


def protocol_space(text: str) -> FlowSpace:
    """Return the packets of a protocol value (``tcp_udp`` is both, ``all`` any)."""
    if text.lower() == "tcp_udp":
        return TCP_UDP
    number = protocol_number(text)
    return FlowSpace.everything() if number is None else FlowSpace.build(protocols=[(number, number)])
