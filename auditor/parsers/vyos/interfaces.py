"""Interfaces, static routes and the host name (part of the vyos parser).

``interfaces <type> <name> address A`` (a prefix, or ``dhcp``/``dhcpv6``), ``vif N`` sub-
interfaces named ``<name>.N``, ``disable``; 1.3's ``firewall in|out|local name X`` under an
interface binds a rule set there. ``protocols static route P next-hop H`` (and
``interface I``, 1.2/1.3 ``interface-route P next-hop-interface I``) are routes: the
default route tells which interface faces the outside.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from auditor.model import Interface, Route
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.vyos.draft import Draft
from auditor.parsers.vyos.firewall import Firewall, read_interface_firewall

_SUBINTERFACES = ("vif", "vif-s", "vif-c")


@dataclass(slots=True)
class Iface:
    """One interface as read so far."""

    first: Statement
    addresses: list[str] = field(default_factory=list)
    disabled: bool = False
    loopback: bool = False


def read_interface(draft: Draft, fw: Firewall, seen: dict[str, Iface], st: Statement) -> None:
    """Read one ``interfaces ...`` statement."""
    w = st.words
    if len(w) < 3:
        draft.ignored(st)
        return
    kind, name, rest = w[1], w[2], w[3:]
    while len(rest) >= 2 and rest[0] in _SUBINTERFACES:  # QinQ: vif-s N vif-c M
        name, rest = f"{name}.{rest[1]}", rest[2:]
    iface = seen.setdefault(name, Iface(st, loopback=kind == "loopback"))
    if len(rest) == 2 and rest[0] == "address":
        try:
            ipaddress.IPv4Interface(rest[1])
        except ValueError:
            draft.ignored(st)  # dhcp, dhcpv6 or an IPv6 address: no IPv4 prefix in the text
            return
        iface.addresses.append(rest[1])
        draft.extracted(st)
    elif rest == ("disable",):
        iface.disabled = True
        draft.extracted(st)
    elif rest and rest[0] == "firewall":
        read_interface_firewall(draft, fw, st, name, rest[1:])
    else:
        draft.ignored(st)  # hardware, description, MTU, DHCP options, PPPoE credentials ...


def interfaces(draft: Draft, seen: dict[str, Iface]) -> None:
    """Add the interfaces read to the draft."""
    for name, iface in seen.items():
        draft.interfaces[name] = Interface(
            name,
            tuple(iface.addresses),
            iface.disabled,
            source=draft.source(iface.first),
            loopback=iface.loopback,
        )


def read_static(draft: Draft, st: Statement) -> None:
    """Read one ``protocols static ...`` statement."""
    w = st.words
    if len(w) >= 6 and w[2] == "route" and w[4] in ("next-hop", "interface", "dhcp-interface"):
        hop = w[5] if w[4] == "next-hop" else None
        iface = None if hop else w[5]
        if w[6:] == ("disable",):
            draft.dead_routes.add((w[3], hop, iface))  # a disabled next-hop routes nothing
            draft.extracted(st)
            return
        if not any((r.prefix, r.next_hop, r.interface) == (w[3], hop, iface) for r in draft.routes):
            draft.routes.append(Route(w[3], iface, hop, draft.source(st)))
        draft.extracted(st)  # distance and other next-hop options change nothing here
    elif len(w) == 6 and w[2] == "interface-route" and w[4] == "next-hop-interface":
        draft.routes.append(Route(w[3], w[5], None, draft.source(st)))
        draft.extracted(st)
    else:
        draft.ignored(st)  # distances, blackholes, IPv6 routes, route options
