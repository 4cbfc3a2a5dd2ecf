"""SRX NAT: source NAT (roles, translations) and destination/static NAT (port mappings).

Part of the juniper_junos parser (parse stage). Facts (JUNOS-ES 9.3 CLI reference
``rule-set (Destination NAT)``, ``static``; VENDORS.md §3.1 [S27]):
- ``security nat source rule-set RS from zone X to zone Y rule R match ... then source-nat
  interface | pool P | off``: rules of a rule set are first match; the traffic it names goes
  from zone X (inside) to zone Y (outside), which also tells interface roles;
- ``security nat destination pool P address A [port N]`` with ``rule-set RS from zone Z rule R
  match destination-address B [destination-port N [to M]] then destination-nat pool P``
  maps outside B (port N..M) to inside A (port N): a port mapping; ``destination-nat off``
  maps nothing;
- ``security nat static rule-set RS from zone Z rule R match destination-address B then
  static-nat prefix A`` maps every port of B to A (unless ``destination-port`` /
  ``mapped-port`` name ports).
Policies see the untranslated source (source NAT runs after the policy lookup); the exact
NAT/policy processing order is **not re-verified** (VENDORS.md §9).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import Cube, FlowSpace, Interval
from auditor.model import PortMapping, Role, Source, SourceNat
from auditor.parsers.juniper_junos.draft import Draft, Entry
from auditor.parsers.juniper_junos.objects import Resolver
from auditor.parsers.juniper_junos.statements import Statement, words_after
from auditor.parsers.juniper_junos.values import port_range, prefix_cube, protocol_number


@dataclass(slots=True)
class NatModel:
    """What NAT contributes to the model."""

    roles: dict[str, tuple[Role, str]] = field(default_factory=dict)  # zone -> role, reason
    role_interfaces: dict[str, tuple[Role, str]] = field(default_factory=dict)  # unit -> role
    source_nats: list[SourceNat] = field(default_factory=list)
    mappings: list[PortMapping] = field(default_factory=list)


def _tail(st: Statement, key: str, name: str) -> tuple[str, ...]:
    return words_after(st.words, key, name)


def _rule_parts(
    entry: Entry,
) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, list[tuple[str, ...]]], Statement | None]:
    """``match`` and ``then`` values of a NAT rule by key, and the first ``then`` statement."""
    rule = entry.name.split(" ")[-1]
    match: dict[str, list[tuple[str, ...]]] = {}
    then: dict[str, list[tuple[str, ...]]] = {}
    then_st = None
    for st in entry.statements:
        tail = _tail(st, "rule", rule)
        if tail[:1] == ("match",) and len(tail) >= 2:
            match.setdefault(tail[1], []).append(tail[2:])
        elif tail[:1] == ("then",) and len(tail) >= 2:
            then.setdefault(tail[1], []).append(tail[2:])
            then_st = then_st or st
    return match, then, then_st


def _ports(values: list[tuple[str, ...]]) -> tuple[Interval, ...] | None:
    out: list[Interval] = []
    for words in values:
        first = port_range(words[0]) if words else None
        if first is None:
            return None
        last = port_range(words[2]) if len(words) >= 3 and words[1] == "to" else first
        if last is None:
            return None
        out.append((first[0], last[0]))
    return tuple(out)


def _set_of(d: Draft, kind: str, rule_key: str) -> tuple[dict[str, list[str]], Entry | None]:
    ruleset = rule_key.split(" ")[1]
    entry = d.nat_sets.get(f"{kind} {ruleset}")
    sides: dict[str, list[str]] = {}
    if entry is None:
        return sides, None
    for st in entry.statements:
        tail = _tail(st, "rule-set", ruleset)
        if len(tail) == 3 and tail[0] in ("from", "to"):
            sides.setdefault(f"{tail[0]} {tail[1]}", []).append(tail[2])
    return sides, entry


def _cubes(names: list[tuple[str, ...]]) -> list[Cube] | None:
    cubes: list[Cube] = []
    for words in names:
        cube = prefix_cube(words[0]) if words else None
        if cube is None or isinstance(cube, str):
            return None
        cubes.append(cube)
    return cubes


def _source_nat(d: Draft, res: Resolver, out: NatModel, zone_units: dict[str, list[str]]) -> None:
    claimed: dict[str, FlowSpace] = {}
    for key, entry in d.nat.items():
        kind = key.split(" ")[0]
        if kind != "source":
            continue
        sides, set_entry = _set_of(d, "source", key)
        ruleset = key.split(" ")[1]
        if set_entry is not None:
            for zone in sides.get("from zone", []):
                out.roles.setdefault(
                    zone,
                    (
                        Role.INSIDE,
                        f"source NAT rule-set {ruleset} from zone {zone} (line {set_entry.source.line})",
                    ),
                )
            for zone in sides.get("to zone", []):
                out.roles.setdefault(
                    zone,
                    (
                        Role.OUTSIDE,
                        f"source NAT rule-set {ruleset} to zone {zone} (line {set_entry.source.line})",
                    ),
                )
        match, then, then_st = _rule_parts(entry)
        src = _cubes(match.get("source-address", []))
        dst = _cubes(match.get("destination-address", []))
        exact = (
            src is not None and dst is not None and set(match) <= {"source-address", "destination-address"}
        )
        space = FlowSpace.build(src=src or None, dst=dst or None) if exact else None
        earlier = claimed.get(ruleset, FlowSpace())
        if space is not None:
            claimed[ruleset] = earlier | space
            space = space - earlier
        action = then.get("source-nat", [])
        if not action or action[0][:1] == ("off",):
            continue
        source = d.source(then_st) if then_st is not None else entry.source
        if action[0][:1] == ("interface",):
            egress = [u for z in sides.get("to zone", []) for u in zone_units.get(z, [])]
            egress += sides.get("to interface", [])
            for unit in egress or [None]:  # type: ignore[list-item]
                out.source_nats.append(SourceNat(source, match=space, interface=unit))
        elif action[0][:1] == ("pool",) and len(action[0]) >= 2:
            pool = d.nat_pools.get(f"source {action[0][1]}")
            cubes: list[Cube] = []
            if pool is not None:
                for st in pool.statements:
                    tail = _tail(st, "pool", action[0][1])
                    if tail[:1] == ("address",) and len(tail) >= 2:
                        cube = prefix_cube(tail[1])
                        if cube is not None and not isinstance(cube, str):
                            cubes.append(cube)
            out.source_nats.append(SourceNat(source, match=space, translated=tuple(cubes)))


def _pool(d: Draft, name: str) -> tuple[str | None, tuple[Interval, ...] | None]:
    pool = d.nat_pools.get(f"destination {name}")
    if pool is None:
        return None, None
    address: str | None = None
    port: tuple[Interval, ...] | None = None
    for st in pool.statements:
        tail = _tail(st, "pool", name)
        for i, word in enumerate(tail[:-1]):
            if word == "address" and tail[i + 1] != "port":
                address = tail[i + 1]
            elif word == "port":
                got = port_range(tail[i + 1])
                port = (got,) if got is not None else None
    return address, port


def _protocols(values: list[tuple[str, ...]], ports: bool) -> tuple[int, ...] | None:
    numbers = [protocol_number(w[0]) for w in values if w]
    known = tuple(n for n in numbers if n is not None)
    if known:
        return known
    return (6, 17) if ports else None


def _mapping(d: Draft, entry: Entry, kind: str, out: NatModel) -> None:
    match, then, _ = _rule_parts(entry)
    source: Source = entry.source  # the `rule R {` line, or the rule's first set statement
    outside = (
        " ".join(" ".join(w) for w in match.get("destination-address", []))
        or " ".join(" ".join(w) for w in match.get("destination-address-name", []))
        or "any"
    )
    outside_ports = _ports(match.get("destination-port", [])) if "destination-port" in match else None
    if kind == "destination":
        action = then.get("destination-nat", [])
        if not action or action[0][:1] == ("off",):
            return
        pool_name = action[0][1] if len(action[0]) >= 2 and action[0][0] == "pool" else None
        inside, inside_ports = _pool(d, pool_name) if pool_name else (None, None)
        inside = inside or f"pool {pool_name}"
    else:
        action = then.get("static-nat", [])
        if not action:
            return
        words = action[0]
        inside = (
            words[1] if len(words) >= 2 and words[0] in ("prefix", "prefix-name") else " ".join(words) or "?"
        )
        inside_ports = None
        if "mapped-port" in words:
            at = words.index("mapped-port")
            inside_ports = _ports([words[at + 1 :]])
    has_ports = outside_ports is not None or inside_ports is not None
    protocols = _protocols(match.get("protocol", []), has_ports)
    if has_ports and outside_ports is None:
        outside_ports = ((0, 65535),)  # every port of the outside address, to one inside port
    out.mappings.append(PortMapping(protocols, inside, outside, inside_ports, outside_ports, source))


def build_nat(d: Draft, res: Resolver, zone_units: dict[str, list[str]]) -> NatModel:
    """Roles, source translations and port mappings from ``security nat``."""
    out = NatModel()
    _source_nat(d, res, out, zone_units)
    for key, entry in d.nat.items():
        kind = key.split(" ")[0]
        if kind in ("destination", "static"):
            _mapping(d, entry, kind, out)
    return out
