"""Small value readers shared by the juniper_junos modules: ports, protocols, prefixes.

Part of the juniper_junos parser (parse stage). Each returns None when the text is not a
value it knows, so the caller can mark what uses it inexact instead of guessing.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from auditor.flowspace import (
    ANY_CUBE,
    FULL_INTERVALS,
    Cube,
    FlowSpace,
    Interval,
    cube_from_prefix,
    cube_is_prefix,
    cube_to_text,
    quad_value,
)
from auditor.parsers.juniper_junos.tables import PORTS, PROTOCOLS

IPV6 = "ipv6"
_ALL32 = 0xFFFFFFFF


def port_range(text: str) -> Interval | None:
    """Read ``80``, ``3478-3497`` or a port name (``https``).

    Examples:
        >>> port_range("3478-3497"), port_range("https"), port_range("nonsense")
        ((3478, 3497), (443, 443), None)
    """
    if text.isdigit():
        value = int(text)
        return (value, value) if value <= 65535 else None
    if "-" in text:
        lo, _, hi = text.partition("-")
        a, b = port_range(lo), port_range(hi)
        if a is None or b is None or a[0] > b[0]:
            return None
        return (a[0], b[0])
    named = PORTS.get(text.lower())
    return None if named is None else (named, named)


def protocol_number(text: str) -> int | None:
    """Read a protocol name or number (``tcp``, ``17``)."""
    if text.isdigit():
        value = int(text)
        return value if value <= 255 else None
    return PROTOCOLS.get(text.lower())


def plain_prefix(text: str) -> bool:
    """Tell whether ``text`` is ``A.B.C.D`` or ``A.B.C.D/N`` (N of one or two ASCII digits, <= 32).

    Those are most prefixes in a config; ``prefix_cube`` reads them without ``ipaddress``.
    """
    address, slash, length = text.partition("/")
    if slash and not (length.isascii() and length.isdigit() and len(length) <= 2 and int(length) <= 32):
        return False
    return quad_value(address) is not None


@lru_cache(maxsize=65536)
def prefix_cube(text: str) -> Cube | str | None:
    """Read an IPv4 prefix or host as a cube; ``IPV6`` for an IPv6 one; None otherwise.

    Pure and cached (configs repeat prefixes, and a proof parses the text again).

    Examples:
        >>> prefix_cube("17.0.0.0/8") == cube_from_prefix("17.0.0.0/8"), prefix_cube("2001:db8::/32")
        (True, 'ipv6')
    """
    # A plain prefix (``plain_prefix``) is read here in one pass: what ipaddress would read,
    # host bits cleared the same way as ``cube_from_prefix``.
    address, slash, length = text.partition("/")
    value = quad_value(address)
    if value is not None:
        if not slash:
            return (value, _ALL32)
        if length.isascii() and length.isdigit() and len(length) <= 2 and int(length) <= 32:
            care = (_ALL32 << (32 - int(length))) & _ALL32
            return (value & care, care)
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    if net.version == 6:
        return IPV6
    return cube_from_prefix(str(net))


def address_space(cubes: list[Cube], field_name: str) -> FlowSpace:
    """The packets whose ``src`` or ``dst`` is in any of ``cubes``.

    Large address books hold hundreds of prefixes: prefixes are merged first (exactly, as
    CIDR aggregation) and become one box each, which keeps big books fast to build.

    Examples:
        >>> halves = [cube_from_prefix("10.0.0.0/25"), cube_from_prefix("10.0.0.128/25")]
        >>> address_space(halves, "src").describe(with_source=True)
        'IP from 10.0.0.0/24 to 0.0.0.0/0'
    """
    if len(cubes) == 1 and field_name in _ONE_CUBE:
        # One cube (most address elements): the one box ``FlowSpace.build`` makes of it,
        # built directly; cheaper than a cache miss, about as cheap as a hit.
        before, after = _ONE_CUBE[field_name]
        return FlowSpace(((*before, cubes[0], *after),))  # type: ignore[arg-type]
    return _address_space(tuple(cubes), field_name)


# ``FlowSpace.build(src=[c])`` / ``build(dst=[c])`` is one box: these fields around the cube.
_FULL = (FULL_INTERVALS[0], ANY_CUBE, ANY_CUBE, FULL_INTERVALS[3], FULL_INTERVALS[4], FULL_INTERVALS[5])
_ONE_CUBE = {"src": (_FULL[:1], _FULL[2:]), "dst": (_FULL[:2], _FULL[3:])}


@lru_cache(maxsize=16384)
def _address_space(cubes: tuple[Cube, ...], field_name: str) -> FlowSpace:
    """``address_space``, cached: pure in its cubes (a FlowSpace never changes once built)."""
    if len(cubes) < 2 or not all(cube_is_prefix(c) for c in cubes):
        return FlowSpace.build(**{field_name: cubes}) if cubes else FlowSpace()
    nets = ipaddress.collapse_addresses(ipaddress.IPv4Network(cube_to_text(c)) for c in cubes)
    merged = [cube_from_prefix(str(n)) for n in nets]
    index = 1 if field_name == "src" else 2
    full = (FULL_INTERVALS[0], ANY_CUBE, ANY_CUBE, FULL_INTERVALS[3], FULL_INTERVALS[4], FULL_INTERVALS[5])
    boxes = tuple(full[:index] + (cube,) + full[index + 1 :] for cube in merged)
    return FlowSpace(boxes)  # type: ignore[arg-type]


def service_space(
    protocols: list[Interval] | None, sport: list[Interval] | None, dport: list[Interval] | None
) -> FlowSpace:
    """``FlowSpace.build`` of protocols and ports (None: any), cached: applications repeat."""
    return _service_space(
        None if protocols is None else tuple(protocols),
        None if sport is None else tuple(sport),
        None if dport is None else tuple(dport),
    )


@lru_cache(maxsize=4096)
def _service_space(
    protocols: tuple[Interval, ...] | None,
    sport: tuple[Interval, ...] | None,
    dport: tuple[Interval, ...] | None,
) -> FlowSpace:
    return FlowSpace.build(protocols=protocols, sport=sport, dport=dport)
