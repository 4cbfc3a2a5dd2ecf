"""SRX security policies: zone-pair rule sets and their bindings between zone interfaces.

Part of the juniper_junos parser (parse stage). Facts (Juniper "Global Security Policies";
JUNOS-ES 9.2 "Configuring Policies"; 9.3 CLI reference ``default-policy``; VENDORS.md §3.1
[S21][S23][S24]; batfish ``JuniperConfiguration.buildSecurityPolicyAcl`` for the order):
- transit from an interface of zone A to an interface of zone B is looked up in the
  ``from-zone A to-zone B`` policies in the order listed, then in the global policies whose
  ``from-zone``/``to-zone`` match (in order), then the ``default-policy``; the first match
  decides. Traffic within one zone needs an A -> A policy too;
- ``default-policy`` is ``deny-all`` unless ``permit-all`` is configured; the default does
  not print, so the rule set says which it is and whether it is the platform default;
- a policy matches source-address x destination-address x application (each a list: any
  element); ``source-address-excluded`` / ``destination-address-excluded`` negate the list;
  ``then permit`` (with or without ``application-services``, ``tunnel``...) permits, ``deny``
  and ``reject`` drop. A ``scheduler-name``, ``source-identity``, ``dynamic-application``
  or ``url-category`` makes the policy inexact (bounded by what the rest matches);
- an interface in no security zone passes no transit traffic in flow mode.

Zone pairs are modelled as ``in`` bindings on the ingress interface narrowed to the egress
interface (``Binding.peer``), as for IOS zone pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from auditor.flowspace import ANY_CUBE, Cube, FlowSpace
from auditor.model import Action, Binding, DiagnosticKind, Direction, Rule, RuleSet, Source
from auditor.parsers.juniper_junos.draft import Draft, Entry
from auditor.parsers.juniper_junos.objects import ANY_ADDRESS, Match, Resolver
from auditor.parsers.juniper_junos.statements import Statement, words_after
from auditor.parsers.juniper_junos.values import address_space

GLOBAL = ("*", "*")
_INEXACT_KEYS = ("source-identity", "dynamic-application", "url-category", "source-end-user-profile",
                 "from-zone-any", "services-offload")  # fmt: skip
_NO_EFFECT = ("description", "log", "count", "session-init", "session-close")
_ANY_APPLICATION = Match.of(FlowSpace.everything())


@dataclass(slots=True)
class Policy:
    """One policy: what it matches (possibly inexact) and its action."""

    name: str
    source: Source
    rule: Rule
    from_zones: tuple[str, ...] = ()  # global policies only
    to_zones: tuple[str, ...] = ()


# A name a policy matches on, and the index of its statement in the policy's entry.
_Named = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class _Parts:
    """What a policy's statements say; pure in its name and words (``_read_parts``)."""

    sources: _Named
    destinations: _Named
    applications: _Named
    source_negated: bool
    destination_negated: bool
    action: Action | None
    opaque: tuple[str, ...]
    from_zones: tuple[str, ...]
    to_zones: tuple[str, ...]
    # What to report, in reading order: (unsupported, not unrecognized; statement index; reason)
    reports: tuple[tuple[bool, int, str], ...]


def _parts(entry: Entry, res: Resolver) -> _Parts:
    parts = _read_parts(entry.name, tuple([st.words for st in entry.statements]))
    for unsupported, index, reason in parts.reports:
        st = entry.statements[index]
        if unsupported:
            res.d.diagnose(st, DiagnosticKind.UNSUPPORTED, reason, True)
        else:
            res.problem(st, reason)
    return parts


@lru_cache(maxsize=4096)
def _read_parts(name: str, statements: tuple[tuple[str, ...], ...]) -> _Parts:
    """Read one policy's statements (the proof parses the same policies again: cached)."""
    sources: list[tuple[str, int]] = []
    destinations: list[tuple[str, int]] = []
    applications: list[tuple[str, int]] = []
    source_negated = destination_negated = False
    action: Action | None = None
    opaque: list[str] = []
    from_zones: list[str] = []
    to_zones: list[str] = []
    reports: list[tuple[bool, int, str]] = []
    for index, words in enumerate(statements):
        tail = words_after(words, "policy", name)
        if tail[:1] == ("match",) and len(tail) >= 2:
            key, values = tail[1], tail[2:]
            if key == "source-address" and len(values) == 1:
                sources.append((values[0], index))
            elif key == "destination-address" and len(values) == 1:
                destinations.append((values[0], index))
            elif key == "application" and len(values) == 1:
                applications.append((values[0], index))
            elif key == "source-address-excluded":
                source_negated = True
            elif key == "destination-address-excluded":
                destination_negated = True
            elif key == "from-zone" and len(values) == 1:
                from_zones.append(values[0])
            elif key == "to-zone" and len(values) == 1:
                to_zones.append(values[0])
            elif key == "dynamic-application" and values in (("any",), ("none",)):
                continue
            elif key in _INEXACT_KEYS:
                opaque.append(f"match {key} is not evaluated")
                reports.append((True, index, f"policy {name}: match {key} is not evaluated"))
            else:
                opaque.append(f"match {key} not understood")
                reports.append((False, index, f"policy {name}: match {key} not understood"))
        elif tail[:1] == ("then",) and len(tail) >= 2:
            verb = tail[1]
            if verb == "permit":
                action = Action.PERMIT
            elif verb in ("deny", "reject"):
                action = Action.DENY
            elif verb not in _NO_EFFECT:
                reports.append((False, index, f"policy {name}: action {verb} not understood"))
                opaque.append(f"then {verb} not understood")
        elif tail[:1] == ("scheduler-name",):
            opaque.append("a scheduler decides when the policy is active")
            reports.append((True, index, f"policy {name}: schedules are not evaluated"))
        elif tail[:1] not in (("description",),):
            reports.append((False, index, f"policy {name}: statement not understood"))
            opaque.append("statement not understood")
    return _Parts(
        tuple(sources),
        tuple(destinations),
        tuple(applications),
        source_negated,
        destination_negated,
        action,
        tuple(opaque),
        tuple(from_zones),
        tuple(to_zones),
        tuple(reports),
    )


def _side(
    names: _Named, statements: list[Statement], books: list[str], res: Resolver
) -> tuple[list[Cube] | None, bool]:
    """Cubes of a list of address names (None: no names, i.e. any) and whether exact."""
    if not names:
        return None, True
    cubes: list[Cube] = []
    exact = True
    for name, index in names:
        got, ok = res.addresses(name, books, statements[index])
        cubes += got
        exact = exact and ok
    return cubes, exact


def _space(cubes: list[Cube] | None, negated: bool, field_name: str) -> FlowSpace:
    # `any` alone is the one box of every packet: the shared value, which intersections skip.
    if cubes is None or (len(cubes) == 1 and cubes[0] == ANY_CUBE):
        space = FlowSpace.everything()
    else:
        space = address_space(cubes, field_name)
    return FlowSpace.everything() - space if negated else space


def _plain_policy(
    entry: Entry, res: Resolver, zones: tuple[str | None, str | None], parts: _Parts
) -> Rule | None:
    """The rule of a policy of one address a side and one application (most policies).

    What the general way (``build_policy``) makes of it when each name reads exactly and
    without a problem; None (reporting nothing) sends it the general way.
    """
    src = _plain_side(res, parts.sources[0][0], zones[0], "src")
    if src is None:
        return None
    dst = _plain_side(res, parts.destinations[0][0], zones[1], "dst")
    if dst is None:
        return None
    apps = res.plain_application(parts.applications[0][0])
    if apps is None:
        return None
    assert parts.action is not None
    return Rule(parts.action, src & dst & apps, entry.source)


def _plain_side(res: Resolver, name: str, zone: str | None, field_name: str) -> FlowSpace | None:
    """``_space`` of one address name that resolves without a problem (else None)."""
    if name in ANY_ADDRESS:
        return FlowSpace.everything()
    cubes = res.plain_address(name, res.books_for(zone))
    if cubes is None:
        return None
    if len(cubes) == 1 and cubes[0] == ANY_CUBE:
        return FlowSpace.everything()
    return address_space(list(cubes), field_name)


def build_policy(entry: Entry, res: Resolver, zones: tuple[str | None, str | None]) -> Policy:
    """Turn one policy's statements into a rule for the zone pair ``zones`` (None: global)."""
    parts = _parts(entry, res)
    if (
        len(parts.sources) == 1
        and len(parts.destinations) == 1
        and len(parts.applications) == 1
        and parts.action is not None
        and not parts.opaque
        and not parts.source_negated
        and not parts.destination_negated
    ):
        plain = _plain_policy(entry, res, zones, parts)
        if plain is not None:
            return Policy(entry.name, entry.source, plain, parts.from_zones, parts.to_zones)
    sts = entry.statements
    src_cubes, src_ok = _side(parts.sources, sts, res.books_for(zones[0]), res)
    dst_cubes, dst_ok = _side(parts.destinations, sts, res.books_for(zones[1]), res)
    src = _space(src_cubes, parts.source_negated, "src")
    dst = _space(dst_cubes, parts.destination_negated, "dst")
    apps = _ANY_APPLICATION
    if len(parts.applications) == 1:  # the union below of one match is that match
        name, index = parts.applications[0]
        apps = res.application(name, sts[index])
    elif parts.applications:
        exact: FlowSpace | None = FlowSpace()
        bound = FlowSpace()
        for name, index in parts.applications:
            got = res.application(name, sts[index])
            bound = bound | got.bound
            exact = None if exact is None or got.exact is None else exact | got.exact
        apps = Match(exact, bound)
    addresses_exact = src_ok and dst_ok
    action = parts.action
    if action is None and not parts.opaque:  # inexact below (no action): nothing else to note
        res.problem(entry.statements[0], f"policy {entry.name} has no then action")
    if parts.opaque or not addresses_exact or apps.exact is None or action is None:
        # Inexact: bounded by the parts that are exact (unresolved addresses bound nothing).
        bound_src = src if src_ok and not parts.source_negated else FlowSpace.everything()
        bound_dst = dst if dst_ok and not parts.destination_negated else FlowSpace.everything()
        bound = bound_src & bound_dst & apps.bound
        rule = Rule(action or Action.PERMIT, None, entry.source, bound if action is not None else None)
    else:
        assert apps.exact is not None
        rule = Rule(action, src & dst & apps.exact, entry.source)
    return Policy(entry.name, entry.source, rule, parts.from_zones, parts.to_zones)


def check_names(entry: Entry, res: Resolver, zones: tuple[str, str]) -> None:
    """Resolve a policy's names only (reporting undefined ones) without building its match."""
    parts = _parts(entry, res)
    for names, zone in ((parts.sources, zones[0]), (parts.destinations, zones[1])):
        for name, index in names:
            res.known_address(name, res.books_for(zone), entry.statements[index])
    for name, index in parts.applications:
        res.application(name, entry.statements[index])


@dataclass(slots=True)
class ZoneModel:
    """Rule sets and bindings of flow mode."""

    rulesets: list[RuleSet] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)


def _default(d: Draft) -> tuple[Action, str, Source | None]:
    if d.default_policy is not None:
        word, source = d.default_policy
        action = Action.PERMIT if word == "permit-all" else Action.DENY
        return action, f"default-policy {word} (line {source.line})", source
    return Action.DENY, "default-policy deny-all (Junos default; does not print)", None


def pair_ruleset(
    d: Draft,
    res: Resolver,
    pair: tuple[str, str],
    global_policies: list[Policy],
    cache: dict[tuple[str, str], RuleSet],
) -> RuleSet:
    """The rule set that decides transit from zone ``pair[0]`` to zone ``pair[1]``."""
    key = src_zone, dst_zone = pair
    if key in cache:
        return cache[key]
    rules: list[Rule] = []
    own = list(d.policies.get(key, {}).values())
    for entry in own:
        rules.append(build_policy(entry, res, key).rule)
    for policy in global_policies:
        if (not policy.from_zones or src_zone in policy.from_zones or "any" in policy.from_zones) and (
            not policy.to_zones or dst_zone in policy.to_zones or "any" in policy.to_zones
        ):
            rules.append(policy.rule)
    action, label, source = _default(d)
    if source is not None:
        rules.append(Rule(action, FlowSpace.everything(), source))
    name = f"from-zone {src_zone} to-zone {dst_zone}, then global policies, then {label}"
    first = own[0].source if own else None
    ruleset = RuleSet(name, tuple(rules), action, first or source or d.zones.get(src_zone))
    cache[key] = ruleset
    return ruleset


def build_zones(d: Draft, res: Resolver, units: list[str], transit: set[str]) -> ZoneModel:
    """Bindings for every ordered pair of transit interfaces on a flow-mode SRX."""
    out = ZoneModel()
    cache: dict[tuple[str, str], RuleSet] = {}
    global_policies = [build_policy(e, res, (None, None)) for e in d.policies.get(GLOBAL, {}).values()]
    drop_sets: dict[str, RuleSet] = {}
    for ingress in units:
        if ingress not in transit:
            continue
        member = d.zone_interfaces.get(ingress)
        for egress in units:
            if egress == ingress or egress not in transit:
                continue
            other = d.zone_interfaces.get(egress)
            if member is None or other is None:
                lonely = ingress if member is None else egress
                name = f"{lonely} is in no security zone: flow mode passes no transit traffic"
                source = (member or other or (None, d.unit_sources.get(lonely)))[1]
                if source is None:
                    continue
                ruleset = drop_sets.setdefault(name, RuleSet(name, (), Action.DENY, source))
                out.bindings.append(Binding(ruleset.name, ingress, Direction.IN, source, peer=egress))
                continue
            ruleset = pair_ruleset(d, res, (member[0], other[0]), global_policies, cache)
            assert ruleset.source is not None or member[1] is not None
            out.bindings.append(
                Binding(ruleset.name, ingress, Direction.IN, ruleset.source or member[1], peer=egress)
            )
    for key, entries in d.policies.items():  # contexts no interface pair uses: check names only
        if key not in cache and key != GLOBAL:
            for entry in entries.values():
                check_names(entry, res, key)
    out.rulesets = [*cache.values(), *drop_sets.values()]
    return out
