"""``firewall group``: address, network, port and interface groups (part of the vyos parser).

``address-group X address A`` (hosts or ranges), ``network-group X network P``,
``port-group X port V`` and ``interface-group X interface I`` each add one member;
``include Y`` (1.4+) adds the members of group ``Y`` of the same kind. IPv6 and domain
groups never match routed IPv4 by address from the text alone: their references are
inexact in rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import Cube
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.linux.common import CondError
from auditor.parsers.vyos.draft import Draft
from auditor.parsers.vyos.values import address_cubes, port_intervals

MEMBER = {
    "address-group": "address",
    "network-group": "network",
    "port-group": "port",
    "interface-group": "interface",
}
_IGNORED_KINDS = frozenset(
    {"ipv6-address-group", "ipv6-network-group", "mac-group", "domain-group", "dynamic-group", "remote-group"}
)


@dataclass(slots=True)
class Groups:
    """Group members by kind and name, with the includes still to resolve."""

    members: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    includes: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def values(self, kind: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
        """Return every member of a group, includes resolved; CondError when undefined."""
        key = (kind, name)
        if key not in self.members and key not in self.includes:
            raise CondError(f"{kind} {name!r} is not defined")
        if key in seen:
            raise CondError(f"{kind} {name!r} includes itself")
        out = list(self.members.get(key, []))
        for other in self.includes.get(key, []):
            out.extend(self.values(kind, other, seen | {key}))
        return out

    def cubes(self, kind: str, name: str) -> list[Cube]:
        """Return the address cubes of an address or network group."""
        return [cube for value in self.values(kind, name) for cube in address_cubes(value)]

    def ports(self, name: str) -> list[tuple[int, int]]:
        """Return the port intervals of a port group."""
        return [iv for value in self.values("port-group", name) for iv in port_intervals(value)]


def read_group(draft: Draft, groups: Groups, st: Statement) -> None:
    """Read one ``firewall group ...`` statement (words after ``firewall group``)."""
    rest = st.words[2:]
    if rest and rest[0] in _IGNORED_KINDS:
        draft.ignored(st)  # IPv6, MAC and domain groups: rules naming them are inexact anyway
        return
    if len(rest) < 3 or rest[0] not in MEMBER:
        draft.unrecognized(st)
        return
    kind, name, leaf = rest[0], rest[1], rest[2]
    key = (kind, name)
    if leaf == "description":
        draft.ignored(st)
    elif leaf == MEMBER[kind] and len(rest) == 4:
        groups.members.setdefault(key, []).append(rest[3])
        draft.extracted(st)
    elif leaf == "include" and len(rest) == 4:
        groups.includes.setdefault(key, []).append(rest[3])
        draft.extracted(st)
    else:
        draft.unrecognized(st)
