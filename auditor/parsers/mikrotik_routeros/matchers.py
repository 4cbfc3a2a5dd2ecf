"""RouterOS firewall matcher values into packet sets (parse stage, mikrotik_routeros parser).

Value syntax (VENDORS.md §6.2; help.mikrotik.com "Common Firewall Matchers and Actions"):
addresses are a host, a prefix or a range ``a.b.c.d-e.f.g.h``; ports are comma lists of
numbers and ranges (``80,443,3478-3497``); a leading ``!`` negates the whole value;
``protocol`` takes a name or a number; ``connection-state`` is a comma list of
new/established/related/invalid/untracked.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from auditor.flowspace import (
    STATE_ESTABLISHED,
    STATE_NEW,
    STATE_RELATED,
    STATE_UNTRACKED,
    Cube,
    FlowSpace,
    Interval,
    cube_from_prefix,
    cubes_from_range,
    quad_value,
)
from auditor.parsers.linux.common import CondError

_ALL32 = 0xFFFFFFFF

# RouterOS protocol names (``/ip firewall filter add protocol=?`` completion list).
PROTOCOLS = {
    "icmp": 1,
    "igmp": 2,
    "ggp": 3,
    "ip-encap": 4,
    "st": 5,
    "tcp": 6,
    "egp": 8,
    "pup": 12,
    "udp": 17,
    "hmp": 20,
    "xns-idp": 22,
    "rdp": 27,
    "iso-tp4": 29,
    "dccp": 33,
    "xtp": 36,
    "ddp": 37,
    "idpr-cmtp": 38,
    "ipv6-encap": 41,
    "ipv6-route": 43,
    "ipv6-frag": 44,
    "idrp": 45,
    "rsvp": 46,
    "gre": 47,
    "ipsec-esp": 50,
    "ipsec-ah": 51,
    "icmpv6": 58,
    "ipv6-nonxt": 59,
    "ipv6-opts": 60,
    "rspf": 73,
    "vmtp": 81,
    "ospf": 89,
    "ipip": 94,
    "etherip": 97,
    "encap": 98,
    "pim": 103,
    "vrrp": 112,
    "l2tp": 115,
    "sctp": 132,
    "udp-lite": 136,
}
STATES = {
    "new": (STATE_NEW,),
    "established": (STATE_ESTABLISHED,),
    "related": (STATE_RELATED,),
    "untracked": (STATE_UNTRACKED,),
    "invalid": (),  # none of the states the engine reasons about
}


TCP_FLAGS = frozenset({"syn", "ack", "fin", "rst", "psh", "urg", "ece", "cwr"})
# The engine's model of a TCP flow (VENDORS.md §0 rule 1): a new connection's packet is a
# bare SYN; every later packet carries ACK and no SYN, its other flags unknown.
_NEW_FLAGS = {"syn": True, "ack": False, "fin": False, "rst": False, "psh": False, "urg": False}
_LATER_FLAGS = {"syn": False, "ack": True}


def tcp_flags_states(value: str) -> tuple[list[int], list[int]]:
    """Return the connection states a ``tcp-flags`` list surely matches, and those it may match.

    Every listed flag must hold (``!flag``: must be clear), as netfilter's ``--tcp-flags``.
    """
    terms = []
    for part in value.split(","):
        neg, flag = negated(part.strip().lower())
        if flag not in TCP_FLAGS:
            raise CondError(f"unknown TCP flag {part!r}")
        terms.append((flag, not neg))
    sure: list[int] = []
    maybe: list[int] = []
    for states, known in (
        ([STATE_NEW], _NEW_FLAGS | {"ece": False, "cwr": False}),
        ([STATE_ESTABLISHED, STATE_RELATED, STATE_UNTRACKED], _LATER_FLAGS),
    ):
        values = [known.get(flag) for flag, _ in terms]
        if any(v is not None and v != want for v, (_, want) in zip(values, terms, strict=True)):
            continue
        (sure if all(v is not None for v in values) else maybe).extend(states)
    return sure, maybe


def negated(value: str) -> tuple[bool, str]:
    """Split a leading ``!`` off ``value``."""
    return (True, value[1:]) if value.startswith("!") else (False, value)


def address_cubes(value: str) -> list[Cube]:
    """Return the cubes of one address value: host, prefix or range; CondError otherwise."""
    return list(cached_address_cubes(value))


# The masks of a prefix length written with one or two ASCII digits ("8", "08", "24"), as
# ipaddress reads it.
_LENGTH_MASKS = {
    text: (_ALL32 << (32 - bits)) & _ALL32 for bits in range(33) for text in (str(bits), f"{bits:02d}")
}


def plain_cube(value: str) -> Cube | None:
    """Return the cube of a plain ``a.b.c.d`` or ``a.b.c.d/len``, else None (read by the general path).

    The commonest address forms, read without a cache: most rule addresses are new to it.
    A dotted quad as ``flowspace.quad_value`` reads it, the length as ``ipaddress`` does.
    """
    address, slash, length = value.partition("/")
    number = quad_value(address)
    if number is None:
        return None
    if not slash:
        return (number, _ALL32)
    mask = _LENGTH_MASKS.get(length)
    return None if mask is None else (number & mask, mask)


@lru_cache(maxsize=1024)
def cached_address_cubes(value: str) -> tuple[Cube, ...]:
    """``address_cubes`` as a tuple, cached: configs repeat their addresses (pure text -> value)."""
    text = value.strip()
    cube = plain_cube(text)
    if cube is not None:  # the commonest forms
        return (cube,)
    try:
        if "-" in text:
            first, _, last = text.partition("-")
            return tuple(cubes_from_range(first.strip(), last.strip()))
        if "/" not in text:
            ipaddress.IPv4Address(text)
            return (cube_from_prefix(text + "/32"),)
        return (cube_from_prefix(str(ipaddress.IPv4Network(text, strict=False))),)
    except ValueError as exc:
        raise CondError(f"not an IPv4 address, prefix or range: {value!r}") from exc


def port_intervals(value: str) -> list[Interval]:
    """Return the intervals of a port list such as ``80,443,3478-3497``."""
    out: list[Interval] = []
    for part in value.split(","):
        lo, dash, hi = part.strip().partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise CondError(f"not a port or port range: {part!r}")
        first, last = int(lo), int(hi) if dash else int(lo)
        if first > last or last > 65535:
            raise CondError(f"empty or out-of-range port range: {part!r}")
        out.append((first, last))
    return out


def protocol_number(value: str) -> int:
    """Return the protocol number of a RouterOS protocol name or number."""
    name = value.strip().lower()
    if name.isdigit() and int(name) <= 255:
        return int(name)
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    raise CondError(f"unknown protocol {value!r}")


def state_space(value: str) -> FlowSpace:
    """Return the packets in any of the listed connection states."""
    states: list[int] = []
    for name in value.split(","):
        key = name.strip().lower()
        if key not in STATES:
            raise CondError(f"unknown connection state {name!r}")
        states.extend(STATES[key])
    return FlowSpace.build(state=[(s, s) for s in sorted(set(states))]) if states else FlowSpace()
