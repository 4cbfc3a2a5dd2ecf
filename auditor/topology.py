"""Which interfaces face the inside and the outside, and the paths traffic takes between them.

Sits between the model and the engine. Roles come, in this order, from the user
(``--inside-interface`` / ``--outside-interface`` or the inventory), from the config's own
roles (NAT inside/outside, security levels, zone names: set by the parser with a reason),
from the default route for the outside, and from connected networks for the inside. When
a role cannot be inferred the engine is told why, and says so instead of guessing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.model import ConfigModel, Interface, Role


@dataclass(frozen=True, slots=True)
class Roles:
    """The interfaces on each side, why, and what could not be decided."""

    inside: tuple[str, ...]
    outside: tuple[str, ...]
    reasons: tuple[str, ...]
    problem: str | None = None


def infer_roles(
    model: ConfigModel,
    inside_networks: Sequence[str],
    inside_override: Sequence[str] = (),
    outside_override: Sequence[str] = (),
) -> Roles:
    """Decide the inside and outside interfaces of ``model``."""
    reasons: list[str] = []
    missing = [n for n in (*inside_override, *outside_override) if model.interface(n) is None]
    if missing and model.interfaces_listed:
        known = ", ".join(i.name for i in model.interfaces) or "none"
        return Roles(
            (),
            (),
            (),
            f"interface {', '.join(missing)} named by the user is not in the config (interfaces: {known})",
        )
    live = [i for i in model.interfaces if not i.shutdown and not i.loopback]
    outside = _outside(model, live, outside_override, reasons)
    inside = _inside(model, live, inside_networks, inside_override, outside, reasons)
    problem = None
    if not outside:
        problem = (
            "cannot tell which interface faces the outside (no NAT outside role, no default "
            "route through an interface); name it with --outside-interface"
        )
    elif not inside:
        problem = (
            "no interface faces the inside networks "
            f"({', '.join(inside_networks)}); name one with --inside-interface"
        )
    return Roles(tuple(inside), tuple(outside), tuple(reasons), problem)


def _outside(
    model: ConfigModel, live: list[Interface], override: Sequence[str], reasons: list[str]
) -> list[str]:
    if override:
        reasons.extend(f"{name} is outside: named by the user" for name in override)
        return list(override)
    explicit = [i for i in live if i.role is Role.OUTSIDE]
    if explicit:
        reasons.extend(f"{i.name} is outside: {i.role_reason}" for i in explicit)
        return [i.name for i in explicit]
    names: list[str] = []
    for route in model.routes:
        if route.prefix != "0.0.0.0/0":
            continue
        name = route.interface or _interface_towards(live, route.next_hop)
        if name and name not in names and any(i.name == name for i in live):
            names.append(name)
            reasons.append(f"{name} is outside: default route (line {route.source.line})")
    return names


def _inside(
    model: ConfigModel,
    live: list[Interface],
    inside_networks: Sequence[str],
    override: Sequence[str],
    outside: list[str],
    reasons: list[str],
) -> list[str]:
    if override:
        reasons.extend(f"{name} is inside: named by the user" for name in override)
        return list(override)
    explicit = [i for i in live if i.role is Role.INSIDE and i.name not in outside]
    if explicit:
        reasons.extend(f"{i.name} is inside: {i.role_reason}" for i in explicit)
        return [i.name for i in explicit]
    nets = [ipaddress.IPv4Network(n) for n in inside_networks]
    names = []
    for interface in live:
        if interface.name in outside:
            continue
        for address in interface.addresses:
            connected = ipaddress.IPv4Interface(address).network
            if any(connected.overlaps(n) for n in nets):
                names.append(interface.name)
                reasons.append(f"{interface.name} is inside: connected network {connected}")
                break
    return names


def _interface_towards(live: list[Interface], next_hop: str | None) -> str | None:
    if not next_hop:
        return None
    try:
        hop = ipaddress.IPv4Address(next_hop)
    except ValueError:
        return None
    for interface in live:
        for address in interface.addresses:
            if hop in ipaddress.IPv4Interface(address).network:
                return interface.name
    return None


def interface_addresses(model: ConfigModel, name: str) -> list[str]:
    """Return the host addresses of interface ``name`` (no prefix length)."""
    interface = model.interface(name)
    if interface is None:
        return []
    return [str(ipaddress.IPv4Interface(a).ip) for a in interface.addresses]


def networks_behind(model: ConfigModel, name: str, inside_networks: Sequence[str]) -> list[str]:
    """Return the inside networks that can send traffic into interface ``name``.

    Those are the inside networks within its connected subnets and the static routes that
    point through it (the default route excepted). Sources that cannot arrive on an
    interface do not make a verdict on it partial. When nothing narrows them (no address,
    or none of its networks is inside), every inside network is assumed.
    """
    interface = model.interface(name)
    reachable = [ipaddress.IPv4Interface(a).network for a in interface.addresses] if interface else []
    live = [i for i in model.interfaces if not i.shutdown]
    for route in model.routes:
        if route.prefix == "0.0.0.0/0":
            continue
        if route.interface == name or (
            route.interface is None and _interface_towards(live, route.next_hop) == name
        ):
            reachable.append(ipaddress.IPv4Network(route.prefix))
    out: list[str] = []
    for inside in (ipaddress.IPv4Network(n) for n in inside_networks):
        for net in reachable:
            if net.subnet_of(inside):
                out.append(str(net))
            elif inside.subnet_of(net):
                out.append(str(inside))
    return sorted(set(out)) or list(inside_networks)
