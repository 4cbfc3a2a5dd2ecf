"""Freeze a mikrotik_routeros draft into the vendor-neutral model (parse stage).

Rule sets are ``<table>/<chain>``; ``raw/prerouting`` and then ``filter/forward`` bind to
every interface inbound (netfilter hook order: raw prerouting, dstnat, filter forward,
srcnat), and the forward chain sees sources before source NAT. Roles: interfaces that
source NAT leaves by are outside (masquerade/src-nat ``out-interface``, lists expanded);
otherwise members of a list named ``WAN``. Members of a list named ``LAN`` are inside;
without one, the interfaces forward rules accept (or jump on) traffic from toward the
outside.
Hotspot servers and kid-control bind an opaque rule set where they act.
A dst-nat limited to inside interfaces (a transparent proxy, a hairpin) maps nothing
from the outside, so it is no port mapping.
"""

from __future__ import annotations

from auditor.model import (
    Action,
    Binding,
    ConfigModel,
    Direction,
    Interface,
    ParseResult,
    Platform,
    PortMapping,
    Role,
    RuleSet,
)
from auditor.parsers.mikrotik_routeros.draft import Draft
from auditor.parsers.mikrotik_routeros.features import Services, features
from auditor.parsers.mikrotik_routeros.firewall import BUILTIN_CHAINS

BOUND = (("raw", "prerouting"), ("filter", "forward"))


def _list_members(draft: Draft, wanted: str) -> set[str]:
    for name, found in draft.interface_lists.items():
        if name.upper() == wanted:
            return set(found.members)
    return set()


def _roles(draft: Draft) -> dict[str, tuple[Role, str]]:
    roles: dict[str, tuple[Role, str]] = {}
    for name, reason in draft.outside.items():
        roles[name] = (Role.OUTSIDE, reason)
    if not roles:
        for name in sorted(_list_members(draft, "WAN")):
            roles[name] = (Role.OUTSIDE, "member of interface list WAN")
    for name in sorted(_list_members(draft, "LAN")):
        roles.setdefault(name, (Role.INSIDE, "member of interface list LAN"))
    if not any(role is Role.INSIDE for role, _ in roles.values()):
        outside = {name for name, (role, _) in roles.items() if role is Role.OUTSIDE}
        for name, reason in _forwarded_from(draft, outside).items():
            roles.setdefault(name, (Role.INSIDE, reason))
    return roles


def _forwarded_from(draft: Draft, outside: set[str]) -> dict[str, str]:
    """Interfaces that forward rules accept (or jump on) traffic from toward the outside."""
    found: dict[str, str] = {}
    if not outside:
        return found
    for rule in draft.chains.get(("filter", "forward"), []):
        match = rule.interfaces
        if rule.action not in (Action.PERMIT, Action.JUMP) or match is None or match.ingress is None:
            continue
        if match.ingress_negated:
            continue
        if match.egress is not None and match.egress_negated == bool(match.egress & outside):
            continue  # it names where the traffic goes, and that is not the outside
        for name in sorted(match.ingress - outside):
            line = rule.source.line
            found.setdefault(name, f"forward rules carry traffic from {name} to the outside (line {line})")
    return found


def _rulesets(draft: Draft) -> list[RuleSet]:
    out = []
    for (table, name), rules in draft.chains.items():
        builtin = name in BUILTIN_CHAINS.get(table, ())
        default = Action.PERMIT if builtin else Action.RETURN
        out.append(RuleSet(f"{table}/{name}", tuple(rules), default, draft.chain_sources[(table, name)]))
    return out


def _port_mappings(draft: Draft, roles: dict[str, tuple[Role, str]]) -> list[PortMapping]:
    outside = {name for name, (role, _) in roles.items() if role is Role.OUTSIDE}
    out = []
    for nat in draft.nat_mappings:
        if nat.ingress is not None and outside and not (nat.ingress & outside):
            continue  # only from inside interfaces: not reachable from the outside
        out.append(nat.mapping)
    return out


def finish(draft: Draft, services: Services, line_count: int) -> ParseResult:
    """Freeze the draft into a ParseResult."""
    roles = _roles(draft)
    names = sorted(set(draft.interface_names) | set(roles) | set(draft.addresses))
    interfaces = []
    for name in names:
        role, reason = roles.get(name, (Role.UNKNOWN, ""))
        interfaces.append(
            Interface(
                name,
                addresses=tuple(draft.addresses.get(name, ())),
                shutdown=name in draft.disabled_interfaces,
                role=role,
                role_reason=reason,
                source=draft.interface_names.get(name),
            )
        )
    bindings = [
        Binding(f"{table}/{chain}", "*", Direction.IN, draft.chain_sources[(table, chain)])
        for table, chain in BOUND
        if (table, chain) in draft.chains
    ]
    bindings += [Binding(name, interface, Direction.IN, source) for name, interface, source in draft.gates]
    model = ConfigModel(
        platform=Platform.MIKROTIK_ROUTEROS,
        hostname=draft.hostname,
        version=draft.version,
        interfaces=tuple(interfaces),
        rulesets=tuple(_rulesets(draft)),
        bindings=tuple(bindings),
        routes=tuple(draft.routes),
        port_mappings=tuple(_port_mappings(draft, roles)),
        features=tuple(features(services, draft.version)),
        limitations=tuple(draft.limitations),
        egress_sees_translated=False,
        interfaces_listed=False,  # /export prints a default ethernet port only when changed
    )
    diagnostics = tuple(sorted(draft.diagnostics, key=lambda d: d.source.line))
    return ParseResult(model, diagnostics, line_count)
