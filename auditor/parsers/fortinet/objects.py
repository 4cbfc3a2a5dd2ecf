"""Firewall addresses, address groups, services and service groups as packet sets.

Part of the fortinet parser (parse stage). Facts (FortiOS CLI reference ``config firewall
address`` / ``addrgrp`` / ``service custom`` / ``service group``; VENDORS.md §4.2):
- an address's ``type`` defaults to ``ipmask`` and its ``subnet`` to 0.0.0.0 0.0.0.0 (so
  ``edit "all"`` with nothing set is every address); ``subnet`` prints as ``A M`` or ``A/len``;
  ``iprange`` has ``start-ip``/``end-ip``; ``wildcard`` is ``A M`` with set mask bits cared
  for; ``fqdn``, ``geography``, ``dynamic``, ``mac`` and the rest depend on data outside the
  text: inexact (the engine answers ``unknown`` where they matter);
- an address group's ``member`` list nests; ``exclude enable`` removes ``exclude-member``;
- a custom service's ``protocol`` defaults to ``TCP/UDP/SCTP`` with port ranges
  ``DST[-DSTHI][:SRC[-SRCHI]]`` (space-separated; no source part: any source port);
  ``IP`` with ``protocol-number`` (0 or unset: every protocol); ``ICMP`` (a type or code
  narrows it: inexact here); ``ICMP6`` matches no IPv4 packet; ``iprange`` narrows the
  destination; a new ``protocol`` clears the previous protocol's settings (batfish's reading).
A set is kept as an exact ``FlowSpace`` where possible, always with a ``bound`` (a superset).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter

from auditor.flowspace import (
    ICMP,
    TCP,
    UDP,
    Cube,
    FlowSpace,
    Interval,
    cube_from_mask,
    cubes_from_range,
    quad_value,
)
from auditor.parsers.fortinet import predefined
from auditor.parsers.fortinet.state import Entry, Table

SCTP = 132
# Factory addresses printed without a subnet whose members the unit fills in at run time.
DYNAMIC_ADDRESSES = frozenset({"FABRIC_DEVICE", "FIREWALL_AUTH_PORTAL_ADDRESS"})
_PROTOCOL_RANGES = {"tcp-portrange": TCP, "udp-portrange": UDP, "sctp-portrange": SCTP}


@dataclass(frozen=True, slots=True)
class Match:
    """A packet set: ``exact`` when known (else None) and ``bound``, a superset of it."""

    exact: FlowSpace | None
    bound: FlowSpace
    problems: tuple[str, ...] = ()

    def __and__(self, other: Match) -> Match:
        if self.exact is self.bound and other.exact is other.bound:  # exact sets: one intersection
            both = self.bound & other.bound
            return Match(both, both, self.problems + other.problems)
        exact = None if self.exact is None or other.exact is None else self.exact & other.exact
        return Match(exact, self.bound & other.bound, self.problems + other.problems)

    def __or__(self, other: Match) -> Match:
        if self.exact is self.bound and other.exact is other.bound:  # exact sets: one union
            either = self.bound | other.bound
            return Match(either, either, self.problems + other.problems)
        exact = None if self.exact is None or other.exact is None else self.exact | other.exact
        return Match(exact, self.bound | other.bound, self.problems + other.problems)

    def negated(self) -> Match:
        """Every packet not in this set (inexact sets negate to an unknown set)."""
        everything = FlowSpace.everything()
        if self.exact is None:
            return Match(None, everything, self.problems)
        rest = everything - self.exact
        return Match(rest, rest, self.problems)


EVERYTHING = Match(FlowSpace.everything(), FlowSpace.everything())
NOTHING = Match(FlowSpace.nothing(), FlowSpace.nothing())


def unknown(problem: str, bound: FlowSpace | None = None) -> Match:
    """A set the config alone cannot pin down."""
    return Match(None, FlowSpace.everything() if bound is None else bound, (problem,))


def as_source(space: FlowSpace) -> FlowSpace:
    """Move a destination-only set onto the source field."""
    if space is FlowSpace.everything():  # the same set either way (set operations spot it)
        return space
    return FlowSpace(tuple((b[0], b[2], b[1], b[3], b[4], b[5]) for b in space.boxes))


def as_source_match(match: Match) -> Match:
    """``as_source`` for both sides of a Match."""
    bound = as_source(match.bound)
    if match.exact is match.bound:
        return Match(bound, bound, match.problems)
    exact = None if match.exact is None else as_source(match.exact)
    return Match(exact, bound, match.problems)


_ANY_BOX = FlowSpace.everything().boxes[0]


def _dst(cubes: list[Cube]) -> FlowSpace:
    if len(cubes) == 1:  # the common case: the one box FlowSpace.build(dst=cubes) would make
        return FlowSpace(((_ANY_BOX[0], _ANY_BOX[1], cubes[0], _ANY_BOX[3], _ANY_BOX[4], _ANY_BOX[5]),))
    return FlowSpace.build(dst=cubes) if cubes else FlowSpace.nothing()


def parse_subnet(values: tuple[str, ...]) -> list[Cube]:
    """``A M`` or ``A/len`` -> the cube; raises ValueError when malformed."""
    if len(values) == 2:
        cube = _plain_subnet(values[0], values[1])
        if cube is not None:
            return [cube]
    return _general_subnet(values)


@lru_cache(maxsize=4096)
def _plain_subnet(address: str, mask: str) -> Cube | None:
    """``A M`` with a contiguous netmask, read without ``ipaddress``; None: take the general path."""
    value, care = quad_value(address), quad_value(mask)
    if value is None or care is None:
        return None
    free = ~care & 0xFFFFFFFF
    if free & (free + 1):  # not leading ones: ipaddress may read it as a host mask
        return None
    return (value & care, care)


def _general_subnet(values: tuple[str, ...]) -> list[Cube]:
    """``parse_subnet`` through ``ipaddress`` alone (the reference its fast path follows)."""
    if len(values) == 2:
        net = ipaddress.IPv4Network(f"{values[0]}/{values[1]}", strict=False)
    elif len(values) == 1:
        net = ipaddress.IPv4Network(values[0], strict=False)
    else:
        raise ValueError("subnet needs an address and a mask")
    return [cube_from_mask(str(net.network_address), str(net.netmask))]


def parse_range(text: str) -> list[Cube]:
    """``A`` or ``A-B`` -> cubes; raises ValueError when malformed."""
    first, _, last = text.partition("-")
    low = ipaddress.IPv4Address(first)
    if last and ipaddress.IPv4Address(last) < low:
        raise ValueError(f"range {text} runs backwards")
    return cubes_from_range(first, last or first)


@dataclass(slots=True)
class Objects:
    """One VDOM's address and service tables, resolved on demand."""

    addresses: Table
    addrgrps: Table
    services: Table
    svcgrps: Table
    vips: Table
    vipgrps: Table
    interface_subnets: dict[str, list[str]] = field(default_factory=dict)
    assumed: list[str] = field(default_factory=list)  # factory objects used, for the report
    # Names resolved so far (policies name the same objects again and again; the tables do
    # not change once read), with the factory objects each resolution assumed.
    _addresses: dict[str, Match] = field(default_factory=dict, repr=False, compare=False)
    _services: dict[str, tuple[Match, list[str]]] = field(default_factory=dict, repr=False, compare=False)

    # --- addresses --------------------------------------------------------------------------

    def address(self, name: str, seen: frozenset[str] = frozenset()) -> Match:
        """Resolve an address, address group, VIP or VIP group name (destination field)."""
        if seen:
            return self._resolve_address(name, seen)
        match = self._addresses.get(name)
        if match is None:
            match = self._addresses[name] = self._resolve_address(name, seen)
        return match

    def _resolve_address(self, name: str, seen: frozenset[str]) -> Match:
        if name in seen:
            return unknown(f"address group {name!r} contains itself")
        if name in self.addresses.entries:
            return self._address(self.addresses.entries[name])
        if name in self.addrgrps.entries:
            return self._group(self.addrgrps.entries[name], seen | {name})
        if name in self.vips.entries:
            return self._vip(self.vips.entries[name])
        if name in self.vipgrps.entries:
            result = NOTHING
            for member in self.vipgrps.entries[name].get("member") or ():
                result = result | self.address(member, seen | {name})
            return result
        if name in predefined.ADDRESSES:
            if name == "all":  # any destination: the shared set of every packet
                return EVERYTHING
            everything = FlowSpace.everything()
            return Match(_dst(parse_subnet(("0.0.0.0/32",))), everything)
        return unknown(f"address {name!r} is not defined")

    def _address(self, entry: Entry) -> Match:
        settings = _items(entry)
        nets: tuple[str, ...] = ()
        if entry.one("type", "ipmask") == "interface-subnet" and not entry.get("subnet"):
            nets = tuple(self.interface_subnets.get((entry.get("interface") or ("",))[0], []))
        return _address_match(entry.name, settings, nets)

    def _group(self, entry: Entry, seen: frozenset[str]) -> Match:
        result = NOTHING
        for member in entry.get("member") or ():
            result = result | self.address(member, seen)
        if entry.one("exclude", "disable") == "enable":
            excluded = NOTHING
            for member in entry.get("exclude-member") or ():
                excluded = excluded | self.address(member, seen)
            exact = None if result.exact is None or excluded.exact is None else result.exact - excluded.exact
            bound = result.bound - excluded.exact if excluded.exact is not None else result.bound
            return Match(exact, bound, result.problems + excluded.problems)
        return result

    def _vip(self, entry: Entry) -> Match:
        """A VIP as a policy destination matches its external address(es)."""
        try:
            cubes = [c for text in entry.get("extip") or ("0.0.0.0",) for c in parse_range(text)]
        except ValueError:
            return unknown(f"VIP {entry.name!r}: extip not understood")
        space = _dst(cubes)
        if entry.one("portforward", "disable") == "enable":
            return unknown(f"VIP {entry.name!r} forwards only some ports (matched inexactly)", space)
        return Match(space, space)

    # --- services ---------------------------------------------------------------------------

    def service(self, name: str, seen: frozenset[str] = frozenset()) -> Match:
        """Resolve a custom service or service group name."""
        if seen:
            return self._resolve_service(name, seen)
        known = self._services.get(name)
        if known is None:
            before = len(self.assumed)
            known = self._services[name] = (self._resolve_service(name, seen), self.assumed[before:])
        else:
            self.assumed.extend(known[1])  # each use reports the factory objects it relies on
        return known[0]

    def _resolve_service(self, name: str, seen: frozenset[str]) -> Match:
        if name in seen:
            return unknown(f"service group {name!r} contains itself")
        if name in self.services.entries:
            return _service_match(name, _items(self.services.entries[name]))
        if name in self.svcgrps.entries:
            result = NOTHING
            for member in self.svcgrps.entries[name].get("member") or ():
                result = result | self.service(member, seen | {name})
            return result
        if name in predefined.SERVICES:
            self.assumed.append(f"service {name} (FortiOS factory definition)")
            return _service_match(name, tuple(predefined.SERVICES[name].items()))
        if name in predefined.SERVICE_GROUPS:
            self.assumed.append(f"service group {name} (FortiOS factory definition)")
            result = NOTHING
            for member in predefined.SERVICE_GROUPS[name]:
                result = result | self.service(member, seen | {name})
            return result
        return unknown(f"service {name!r} is not defined")


# Settings as (name, values) pairs: the key of the caches below (configs, and a config and its
# remediated copy, define the same objects again and again).
SettingItems = tuple[tuple[str, tuple[str, ...]], ...]


def _items(entry: Entry) -> SettingItems:
    settings = entry.settings
    return tuple(zip(settings, map(_values, settings.values()), strict=True))


_values = attrgetter("values")


@lru_cache(maxsize=4096)
def _address_match(name: str, items: SettingItems, interface_nets: tuple[str, ...]) -> Match:
    """The packets an address entry matches (its interface's subnets matter for ``interface-subnet``)."""
    settings = dict(items)

    def one(key: str, default: str) -> str:
        values = settings.get(key)
        return values[0].lower() if values else default

    kind = one("type", "ipmask")
    if name in DYNAMIC_ADDRESSES and not settings.get("subnet"):
        return unknown(f"address {name!r} is filled in by the FortiGate at run time")
    try:
        if kind == "ipmask":
            cubes = parse_subnet(settings.get("subnet") or ("0.0.0.0", "0.0.0.0"))
        elif kind == "iprange":
            start = one("start-ip", "0.0.0.0") or "0.0.0.0"
            end = one("end-ip", "0.0.0.0") or "0.0.0.0"
            if ipaddress.IPv4Address(start) > ipaddress.IPv4Address(end):
                return NOTHING
            cubes = cubes_from_range(start, end)
        elif kind == "wildcard":
            values = settings.get("wildcard") or ("0.0.0.0", "0.0.0.0")
            cubes = [cube_from_mask(values[0], values[1])]
        elif kind == "interface-subnet":  # backups print the subnet; else the interface's
            interface = (settings.get("interface") or ("",))[0]
            printed = settings.get("subnet")
            nets = ["/".join(printed[:2])] if printed else list(interface_nets)
            if not nets:
                return unknown(f"address {name!r}: subnet of interface {interface!r} not known")
            cubes = [c for n in nets for c in parse_subnet((n,))]
        else:
            return unknown(f"address {name!r} is of type {kind} (contents not in the config)")
    except (ValueError, IndexError):
        return unknown(f"address {name!r}: value not understood")
    space = _dst(cubes)
    return Match(space, space)


def _service_match(name: str, items: SettingItems) -> Match:
    """``service_space`` of a service's settings, kept by the settings alone when it names no problem.

    The name appears only in the problems of a set that is not exact, and configs define the
    same services (a port, a range) under many names.
    """
    match = _service_settings_match(items)
    return match if not match.problems else _named_service_match(name, items)


@lru_cache(maxsize=4096)
def _service_settings_match(items: SettingItems) -> Match:
    return service_space(dict(items), "")


@lru_cache(maxsize=1024)
def _named_service_match(name: str, items: SettingItems) -> Match:
    return service_space(dict(items), name)


def parse_ports(text: str) -> tuple[Interval, Interval | None]:
    """``DST[-HI][:SRC[-HI]]`` -> (destination interval, source interval or None).

    Examples:
        >>> parse_ports("3478-3497")
        ((3478, 3497), None)
        >>> parse_ports("53:80")
        ((53, 53), (80, 80))
    """
    dst, _, src = text.partition(":")

    def interval(part: str) -> Interval:
        low, _, high = part.partition("-")
        lo, hi = int(low), int(high or low)
        if not (0 <= lo <= hi <= 65535):
            raise ValueError(part)
        return lo, hi

    return interval(dst), (interval(src) if src else None)


def service_space(settings: dict[str, tuple[str, ...]], name: str) -> Match:
    """The packets a custom service matches, from its folded settings."""
    protocol = (settings.get("protocol") or ("TCP/UDP/SCTP",))[0].upper()
    if settings.get("proxy", ("disable",))[0].lower() == "enable":
        return unknown(f"service {name!r} is an explicit-proxy service")
    if settings.get("fqdn") and settings["fqdn"][0]:
        return unknown(f"service {name!r} is limited to an FQDN")
    dst_limit = FlowSpace.everything()
    iprange = (settings.get("iprange") or ("0.0.0.0",))[0]
    if iprange not in ("0.0.0.0", ""):
        try:
            dst_limit = _dst(parse_range(iprange))
        except ValueError:
            return unknown(f"service {name!r}: iprange not understood")
    if protocol in ("IP", "ALL"):
        text = (settings.get("protocol-number") or ("0",))[0]
        if not text.isdigit() or int(text) > 255:
            return unknown(f"service {name!r}: protocol-number {text!r} not understood")
        number = int(text)
        space = FlowSpace.everything() if number == 0 else FlowSpace.build(protocols=[(number, number)])
        space = space & dst_limit
        return Match(space, space)
    if protocol == "ICMP":
        space = FlowSpace.build(protocols=[(ICMP, ICMP)]) & dst_limit
        if settings.get("icmptype") or settings.get("icmpcode"):
            return unknown(f"service {name!r} matches one ICMP type", space)
        return Match(space, space)
    if protocol == "ICMP6":
        return NOTHING
    if protocol != "TCP/UDP/SCTP":
        return unknown(f"service {name!r}: protocol {protocol} not understood")
    space = FlowSpace.nothing()
    for key, number in _PROTOCOL_RANGES.items():
        for text in settings.get(key) or ():
            try:
                dport, sport = parse_ports(text)
            except ValueError:
                return unknown(f"service {name!r}: port range {text!r} not understood")
            # The one box FlowSpace.build(protocols=[(number, number)], dport=[dport], sport=...)
            # makes (parse_ports gives non-empty intervals).
            box = (
                (number, number),
                _ANY_BOX[1],
                _ANY_BOX[2],
                _ANY_BOX[3] if sport is None else sport,
                dport,
                _ANY_BOX[5],
            )
            space = space | FlowSpace((box,))
    space = space & dst_limit
    return Match(space, space)
