"""Interfaces, zones, SD-WAN members, static routes and inside/outside roles.

Part of the fortinet parser (parse stage). Facts (FortiOS CLI reference ``config system
interface`` / ``system zone`` / ``router static``; VENDORS.md §4.6):
- ``set ip A M`` (or ``A/len``), ``set vdom V`` (``root`` on a single-VDOM unit), ``set status
  down``, ``set role lan|wan|dmz|undefined`` (the GUI's role: lan is inside, wan outside),
  ``set dedicated-to management`` (a management port: no transit traffic);
- a zone's ``set interface`` lists its members; policies name the zone, never a member;
- SD-WAN (``config system sdwan``, 6.4+, or ``config system virtual-wan-link``) members sit
  in a zone (``set zone``; ``virtual-wan-link`` by default) that policies name;
- ``config router static`` entries: ``set dst`` (0.0.0.0 0.0.0.0, the default route, when
  not printed), ``set gateway``, ``set device``; ``set status disable`` and ``blackhole``
  routes carry no traffic out;
- policies with ``set nat enable`` translate traffic leaving by their destination
  interface: a hint that it faces the outside, and that the source interface faces inside.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from auditor.model import Interface, Role, Route, Source
from auditor.parsers.fortinet.lines import Disposition, Section, Stmt
from auditor.parsers.fortinet.state import Builder, Entry, Setting, Table

SDWAN_ZONE = "virtual-wan-link"


@dataclass(frozen=True, slots=True)
class InterfaceDraft:
    """An interface as read, before roles are decided."""

    name: str
    vdom: str
    addresses: tuple[str, ...]
    shutdown: bool
    role: str | None
    role_source: Source | None
    management: bool
    source: Source


def read_interfaces(table: Table | None) -> list[InterfaceDraft]:
    """Every ``config system interface`` entry."""
    out: list[InterfaceDraft] = []
    if table is None:
        return out
    for entry in table.entries.values():
        values = entry.get("ip")
        out.append(
            InterfaceDraft(
                entry.name,
                (entry.get("vdom") or ("root",))[0],
                _addresses(values) if values else (),
                entry.one("status", "up") == "down",
                entry.one("role"),
                entry.source_of("role"),
                entry.one("dedicated-to", "none") == "management",
                entry.source,
            )
        )
    return out


@lru_cache(maxsize=1024)
def _addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    """An interface's ``set ip`` values as its address (``A/len``), none when unset or unreadable."""
    try:
        iface = ipaddress.IPv4Interface("/".join(values[:2]) if len(values) >= 2 else values[0])
    except ValueError:
        return ()
    return (str(iface),) if int(iface.ip) != 0 else ()


def zone_members(table: Table | None) -> dict[str, frozenset[str]]:
    """Zone name -> member interfaces."""
    if table is None:
        return {}
    return {entry.name: frozenset(entry.get("interface") or ()) for entry in table.entries.values()}


def sdwan_members(b: Builder) -> dict[str, frozenset[str]]:
    """SD-WAN zone name -> member interfaces (from ``config members`` entries)."""
    table = b.global_tables.get("system sdwan")
    if table is None:
        return {}
    zones: dict[str, set[str]] = {}
    for entry in table.entries.values():
        for section in entry.sections:
            for line in (section.header, section.close):
                if line is not None:
                    b.mark(line, Disposition.EXTRACTED)
            for item in section.items:
                if isinstance(item, Stmt):
                    b.cover(item, Disposition.IGNORED)
                    continue
                if isinstance(item, Section):
                    b.cover(item, Disposition.IGNORED)
                    continue
                member = Entry(item.name, b.source(item.header))
                for stmt in item.items:
                    if isinstance(stmt, Stmt) and stmt.verb == "set" and stmt.args:
                        member.settings[stmt.key] = Setting(stmt.values, (stmt,))
                    b.cover(
                        stmt,
                        Disposition.EXTRACTED
                        if isinstance(stmt, Stmt) and stmt.key in ("interface", "zone")
                        else Disposition.IGNORED,
                    )
                for line in (item.header, item.close):
                    if line is not None:
                        b.mark(line, Disposition.EXTRACTED)
                if section.key and section.key[0] == "members" and member.get("interface"):
                    zone = (member.get("zone") or (SDWAN_ZONE,))[0]
                    zones.setdefault(zone, set()).add(member.get("interface")[0])  # type: ignore[index]
    return {zone: frozenset(members) for zone, members in zones.items()}


def read_routes(table: Table | None) -> list[Route]:
    """Static routes that carry traffic (enabled, not blackhole)."""
    out: list[Route] = []
    if table is None:
        return out
    for entry in table.entries.values():
        if entry.one("status", "enable") == "disable" or entry.one("blackhole", "disable") == "enable":
            continue
        net = _network(entry.get("dst") or ("0.0.0.0", "0.0.0.0"))
        if net is None:
            continue
        device = (entry.get("device") or (None,))[0]
        gateway = (entry.get("gateway") or (None,))[0]
        out.append(Route(net, device, gateway, entry.source))
    return out


@lru_cache(maxsize=1024)
def _network(values: tuple[str, ...]) -> str | None:
    """A route's ``set dst`` values as a network (``A/len``), None when unreadable."""
    try:
        net = ipaddress.IPv4Network("/".join(values[:2]) if len(values) >= 2 else values[0], strict=False)
    except ValueError:
        return None
    return str(net)


def build_interfaces(
    drafts: list[InterfaceDraft], extra: dict[str, Source], hints: dict[str, tuple[Role, str]]
) -> list[Interface]:
    """Model interfaces: drafts plus names only policies mention; roles with reasons."""
    out: list[Interface] = []
    for d in drafts:
        role, reason = Role.UNKNOWN, ""
        if d.management:
            reason = f"dedicated-to management (line {d.source.line}): no transit traffic"
        elif d.role in ("lan", "wan") and d.role_source is not None:
            role = Role.INSIDE if d.role == "lan" else Role.OUTSIDE
            reason = f"role {d.role} (line {d.role_source.line})"
        elif d.name in hints:
            role, reason = hints[d.name]
        out.append(Interface(d.name, d.addresses, d.shutdown, role, reason, d.source, d.management))
    for name, source in extra.items():
        role, reason = hints.get(name, (Role.UNKNOWN, ""))
        out.append(
            Interface(name, (), False, role, reason or "named in a policy; not defined in the text", source)
        )
    return out
