"""The IOS zone-based policy firewall (ZBF): zones, zone-pairs, inspect class and policy maps.

Part of the cisco_ios parser (parse stage). The handlers below read the ZBF blocks; ``build``
turns them into rule sets and interface-pair bindings once every ACL is known.

Semantics, from Cisco's "Zone-Based Policy Firewall Design and Application Guide" (its rules
for applying the firewall, repeated in the Cisco SDM 2.5 user guide ch. 34, "Zone Window")
and the IOS XE "Zone-Based Policy Firewalls" configuration guide (VENDORS.md §1.1 [S5][S6]):

- traffic between interfaces of the same zone flows freely, unless an intra-zone zone-pair
  (same source and destination zone, IOS 15.0(1)M and IOS XE) applies a policy;
- a zone member and an interface in no zone never exchange traffic;
- between two zones, traffic is dropped unless a zone-pair from the source zone to the
  destination zone has a ``service-policy type inspect`` that inspects or passes it;
- the ``self`` zone (the router itself) is not transit; interfaces in no zone are plain
  router ports, unless ``zone security default`` puts them in the default zone (IOS XE);
- a ``policy-map type inspect`` is walked class by class, first match; unmatched traffic
  falls into ``class class-default``, whose action is drop unless set to pass (Cisco docs
  quoted on community.cisco.com, "policy-map type inspect XX vs policy-map XX").

``match protocol NAME`` in a type-inspect class-map matches the ports Port-to-Application
Mapping (PAM) gives NAME ("show ip port-map http" -> "http tcp port 80 system defined";
the system-defined PAM table of the IOS Security Configuration Guide), so it is a port
match, not content recognition. An ``ip port-map`` line changes that table: the names it
touches become inexact.

ZBF filtering is modelled as ``in`` bindings on the ingress interface narrowed to the egress
interface (``Binding.peer``), placed after the interface ACLs (ACLs run before the zone
policy, [S6]). It therefore sees the untranslated (inside local) source; that ZBF sees the
pre-NAT source of inside-to-outside traffic is not confirmed (see the report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.flowspace import ICMP, TCP, UDP, FlowSpace, Interval
from auditor.model import (
    Action,
    Binding,
    Diagnostic,
    DiagnosticKind,
    Direction,
    Feature,
    Limitation,
    Provenance,
    Rule,
    RuleSet,
    Source,
)
from auditor.parsers.cisco_ios.firewall import MEDIA_PROTOCOLS, NON_MEDIA_PROTOCOLS
from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition

if TYPE_CHECKING:
    from auditor.parsers.cisco_ios.builder import Builder

# PAM system-defined entries (protocol, first port, last port). http=80, ftp=21, smtp=25,
# h323=1720, tftp=69 are in the IOS PAM system-defined table; the others are the IANA
# well-known ports of the same names (PAM defaults for them not re-verified: an extra
# default port would only matter if it were one of the audited ports).
_Ports = tuple[tuple[int, int, int], ...]
PAM: dict[str, _Ports] = {
    "tcp": ((TCP, 0, 65535),),
    "udp": ((UDP, 0, 65535),),
    "icmp": ((ICMP, 0, 65535),),
    "http": ((TCP, 80, 80),),
    "https": ((TCP, 443, 443),),
    "ftp": ((TCP, 21, 21),),
    "ssh": ((TCP, 22, 22),),
    "telnet": ((TCP, 23, 23),),
    "smtp": ((TCP, 25, 25),),
    "dns": ((TCP, 53, 53), (UDP, 53, 53)),
    "tftp": ((UDP, 69, 69),),
    "pop3": ((TCP, 110, 110),),
    "ntp": ((UDP, 123, 123),),
    "imap": ((TCP, 143, 143),),
    "snmp": ((UDP, 161, 161),),
    "ldap": ((TCP, 389, 389),),
    "rtsp": ((TCP, 554, 554),),
    "h323": ((TCP, 1720, 1720),),
    "skinny": ((TCP, 2000, 2000),),
    "mgcp": ((UDP, 2427, 2427), (UDP, 2727, 2727)),
    "sip": ((TCP, 5060, 5060), (UDP, 5060, 5060)),
}
# ZBF media inspections -> neutral feature kind (H.225 RAS and the H.323 annexes are H.323).
MEDIA = {**MEDIA_PROTOCOLS, "h225ras": "h323", "h323-annexe": "h323", "h323-nxg": "h323"}
GENERIC = frozenset({"tcp", "udp"})
SELF = "self"
DEFAULT_ZONE = "default"  # IOS XE: `zone security default` holds every interface in no zone


@dataclass(slots=True)
class Condition:
    """One ``match`` line of a type-inspect class-map."""

    kind: str  # protocol | access-group | class-map | other
    value: str
    source: Source
    negated: bool = False


@dataclass(slots=True)
class ClassMap:
    """A ``class-map type inspect`` (match-all unless ``match-any``, as for every class-map)."""

    name: str
    match_any: bool
    source: Source
    conditions: list[Condition] = field(default_factory=list)


@dataclass(slots=True)
class PolicyClass:
    """A class of a ``policy-map type inspect`` and its action."""

    name: str  # a class-map name, or "class-default"
    source: Source
    action: str | None = None  # inspect | pass | drop
    opaque: str | None = None  # why the class may also drop what it matches


@dataclass(slots=True)
class PolicyMap:
    """A ``policy-map type inspect``: classes in order."""

    name: str
    source: Source
    classes: list[PolicyClass] = field(default_factory=list)


@dataclass(slots=True)
class ZonePair:
    """A ``zone-pair security`` and its inspect policy."""

    name: str
    src: str
    dst: str
    source: Source
    policy: str | None = None


@dataclass(slots=True)
class Zbf:
    """Everything ZBF read from one file."""

    zones: dict[str, Source] = field(default_factory=dict)
    # `zone-member security Z` lines, recorded by interfaces.py: (interface, zone) and, at
    # the same index, the line's Source.
    members: list[tuple[str, str]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    class_maps: dict[str, ClassMap] = field(default_factory=dict)
    policy_maps: dict[str, PolicyMap] = field(default_factory=dict)
    zone_pairs: list[ZonePair] = field(default_factory=list)
    port_map_apps: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ZbfModel:
    """What ZBF adds to the model."""

    rulesets: list[RuleSet] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    limitations: list[Limitation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------


def _ignore_description(builder: Builder, line: ConfigLine) -> bool:
    if line.words[0] == "description":
        builder.mark(line, Disposition.IGNORED)
        return True
    return False


def read_zone(builder: Builder, block: Block) -> None:
    """Read ``zone security NAME``."""
    header, words = block.header, block.header.words
    if len(words) != 3 or words[1] != "security":
        builder.diagnose(header, DiagnosticKind.UNRECOGNIZED, "zone form not understood", True)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    builder.zbf.zones[header.tokens[2]] = builder.source(header)
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        if not _ignore_description(builder, line):
            builder.unrecognized(line, "zone sub-command not recognized")


def read_zone_pair(builder: Builder, block: Block) -> None:
    """Read ``zone-pair security NAME source Z1 destination Z2`` and its service-policy."""
    header, words, tokens = block.header, block.header.words, block.header.tokens
    if len(words) != 7 or words[1] != "security" or words[3] != "source" or words[5] != "destination":
        builder.diagnose(header, DiagnosticKind.UNRECOGNIZED, "zone-pair form not understood", True)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    pair = ZonePair(tokens[2], tokens[4], tokens[6], builder.source(header))
    builder.zbf.zone_pairs.append(pair)
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        if line.words[:3] == ("service-policy", "type", "inspect") and len(line.words) == 4:
            pair.policy = line.tokens[3]
            builder.mark(line, Disposition.EXTRACTED)
        elif not _ignore_description(builder, line):
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, "zone-pair sub-command not recognized", True)


def _condition(builder: Builder, line: ConfigLine) -> Condition | None:
    words, tokens, source = line.words, line.tokens, builder.source(line)
    negated = words[1:2] == ("not",)
    rest, raw = (words[2:], tokens[2:]) if negated else (words[1:], tokens[1:])
    if rest[:1] == ("protocol",) and len(rest) == 2:
        return Condition("protocol", rest[1], source, negated)
    if rest[:1] == ("access-group",) and len(rest) == 2:
        return Condition("access-group", raw[1], source, negated)
    if rest[:2] == ("access-group", "name") and len(rest) == 3:
        return Condition("access-group", raw[2], source, negated)
    if rest[:1] == ("class-map",) and len(rest) == 2:
        return Condition("class-map", raw[1], source, negated)
    return None


def read_class_map(builder: Builder, block: Block) -> None:
    """Read ``class-map type inspect [match-any|match-all] NAME`` and its match lines.

    ``class-map type inspect PROTOCOL ...`` is an application-layer (Layer 7) class-map: it
    only acts through a Layer 7 policy, which is reported where a class applies it.
    """
    header = block.header
    rest = header.tokens[3:]
    if len(rest) == 2 and rest[0].lower() in ("match-any", "match-all"):
        name, match_any = rest[1], rest[0].lower() == "match-any"
    elif len(rest) == 1:
        name, match_any = rest[0], False
    elif len(rest) >= 2:
        builder.mark(header, Disposition.IGNORED)
        builder.cover(block.children, Disposition.IGNORED)
        return
    else:
        builder.diagnose(header, DiagnosticKind.UNRECOGNIZED, "class-map form not understood", True)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    cmap = ClassMap(name, match_any, builder.source(header))
    builder.zbf.class_maps[name] = cmap
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        if _ignore_description(builder, line):
            continue
        condition = _condition(builder, line) if line.words[0] == "match" else None
        if condition is None:
            cmap.conditions.append(Condition("other", line.raw.strip(), builder.source(line)))
            builder.diagnose(
                line, DiagnosticKind.UNSUPPORTED, f"class-map {name}: match condition not modelled", True
            )
            continue
        cmap.conditions.append(condition)
        builder.mark(line, Disposition.EXTRACTED)


def _policy_line(builder: Builder, policy: PolicyMap, klass: PolicyClass | None, line: ConfigLine) -> None:
    words = line.words
    if klass is None:
        builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, "policy-map line outside a class", True)
    elif words[0] in ("inspect", "pass", "drop") and klass.action is None:
        if words[0] == "inspect" and klass.name == "class-default":
            klass.opaque = "inspect is not a valid class-default action"
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, klass.opaque, True)
            return
        klass.action = words[0]
        builder.mark(line, Disposition.EXTRACTED)
    elif words[0] == "police":
        builder.diagnose(
            line, DiagnosticKind.UNSUPPORTED, "rate limit: drops only above a traffic rate", False
        )
    else:
        klass.opaque = f"'{line.raw.strip()}' may drop or reset what the class matches"
        builder.diagnose(
            line,
            DiagnosticKind.UNSUPPORTED,
            f"policy-map {policy.name}: {klass.opaque} (not evaluated)",
            True,
        )


def read_policy_map(builder: Builder, block: Block) -> None:
    """Read ``policy-map type inspect NAME``: classes, actions and class-default.

    ``policy-map type inspect PROTOCOL NAME`` is a Layer 7 policy: reported where used.
    """
    header = block.header
    if len(header.tokens) != 4:
        builder.mark(header, Disposition.IGNORED)
        builder.cover(block.children, Disposition.IGNORED)
        return
    policy = PolicyMap(header.tokens[3], builder.source(header))
    builder.zbf.policy_maps[policy.name] = policy
    builder.mark(header, Disposition.EXTRACTED)
    klass: PolicyClass | None = None
    for line in block.children:
        words = line.words
        if _ignore_description(builder, line):
            continue
        if words[:3] == ("class", "type", "inspect") and len(words) == 4:
            klass = PolicyClass(line.tokens[3], builder.source(line))
        elif words == ("class", "class-default"):
            klass = PolicyClass("class-default", builder.source(line))
        elif words[0] == "class":
            klass = None
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, "policy-map class form not understood", True)
            continue
        else:
            _policy_line(builder, policy, klass, line)
            continue
        policy.classes.append(klass)
        builder.mark(line, Disposition.EXTRACTED)


def read_port_map(builder: Builder, block: Block) -> None:
    """Report ``ip port-map APP ...`` and remember that APP's PAM ports changed."""
    header = block.header
    builder.cover(block.children, Disposition.DIAGNOSED)
    if len(header.words) > 2:
        builder.zbf.port_map_apps.add(header.words[2])
    builder.diagnose(
        header,
        DiagnosticKind.UNSUPPORTED,
        "port-to-application map changes the ports inspection/ALGs act on",
        True,
    )


# --- building ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Match:
    """What a condition matches: exactly ``exact``, or an unknown part of ``bound``."""

    exact: FlowSpace | None
    bound: FlowSpace | None  # None with exact None: could be anything

    @property
    def reach(self) -> FlowSpace | None:
        return self.exact if self.exact is not None else self.bound


_UNKNOWN = _Match(None, None)


def _acl_match(ruleset: RuleSet) -> _Match:
    """The packets an ACL permits, first match, as a class-map ``match access-group`` sees it."""
    if all(rule.match is not None for rule in ruleset.rules):
        remaining, permitted = FlowSpace.everything(), FlowSpace.nothing()
        for rule in ruleset.rules:
            assert rule.match is not None
            if rule.action is Action.PERMIT:
                permitted = permitted | (remaining & rule.match)
            remaining = remaining - rule.match
        return _Match(permitted, permitted)
    bound: FlowSpace | None = FlowSpace.nothing()
    for rule in ruleset.rules:
        reach = rule.match if rule.match is not None else rule.bound
        if rule.action is Action.PERMIT and bound is not None:
            bound = None if reach is None else bound | reach
    return _Match(None, bound)


def _all(parts: list[_Match]) -> _Match:
    exact = FlowSpace.everything()
    bound: FlowSpace | None = None
    inexact = False
    for part in parts:
        if part.exact is not None:
            exact = exact & part.exact
        else:
            inexact = True
            if part.bound is not None:
                bound = part.bound if bound is None else bound & part.bound
    if not inexact:
        return _Match(exact, exact)
    if all(part.exact is None for part in parts) and bound is None:
        return _UNKNOWN
    return _Match(None, exact if bound is None else exact & bound)


def _any(parts: list[_Match]) -> _Match:
    exact = FlowSpace.nothing()
    bound: FlowSpace | None = FlowSpace.nothing()
    inexact = False
    for part in parts:
        if part.exact is not None:
            exact = exact | part.exact
        else:
            inexact = True
        reach = part.reach
        bound = None if reach is None or bound is None else bound | reach
    return _Match(None, bound) if inexact else _Match(exact, exact)


@dataclass
class _Builder:
    """Builds ZBF rule sets for one file."""

    zbf: Zbf
    acls: dict[str, RuleSet]
    out: ZbfModel = field(default_factory=ZbfModel)
    matches: dict[str, _Match] = field(default_factory=dict)
    reported: set[tuple[int, str]] = field(default_factory=set)

    def diagnose(self, source: Source, reason: str) -> None:
        if (source.line, reason) not in self.reported:
            self.reported.add((source.line, reason))
            self.out.diagnostics.append(Diagnostic(source, DiagnosticKind.UNRECOGNIZED, reason, True))

    def condition(self, cond: Condition, stack: tuple[str, ...]) -> _Match:
        match = self._positive(cond, stack)
        if not cond.negated:
            return match
        if match.exact is None:
            return _UNKNOWN
        complement = FlowSpace.everything() - match.exact
        return _Match(complement, complement)

    def _positive(self, cond: Condition, stack: tuple[str, ...]) -> _Match:
        if cond.kind == "protocol":
            ports = PAM.get(cond.value)
            if ports is None or cond.value in self.zbf.port_map_apps:
                return _UNKNOWN
            space = FlowSpace.nothing()
            for proto, low, high in ports:
                dport: list[Interval] | None = None if proto == ICMP else [(low, high)]
                space = space | FlowSpace.build(protocols=[(proto, proto)], dport=dport)
            return _Match(space, space)
        if cond.kind == "access-group":
            acl = self.acls.get(cond.value)
            if acl is None:
                self.diagnose(
                    cond.source, f"ACL {cond.value} is not defined: what the class matches is unknown"
                )
                return _UNKNOWN
            return _acl_match(acl)
        if cond.kind == "class-map":
            if cond.value in stack:
                self.diagnose(cond.source, f"class-map {cond.value} refers to itself")
                return _UNKNOWN
            return self.class_match(cond.value, stack, cond.source)
        return _UNKNOWN

    def class_match(self, name: str, stack: tuple[str, ...], used_at: Source) -> _Match:
        cmap = self.zbf.class_maps.get(name)
        if cmap is None:
            self.diagnose(used_at, f"class-map type inspect {name} is not defined")
            return _UNKNOWN
        if name in self.matches:
            return self.matches[name]
        if not cmap.conditions:
            match = _UNKNOWN  # an empty class-map: what it matches is not confirmed
        else:
            parts = [self.condition(c, (*stack, name)) for c in cmap.conditions]
            match = _any(parts) if cmap.match_any else _all(parts)
        self.matches[name] = match
        return match

    def protocols(self, name: str, seen: frozenset[str] = frozenset()) -> list[Condition]:
        """Every non-negated ``match protocol`` condition of a class-map, nested ones included."""
        cmap = self.zbf.class_maps.get(name)
        if cmap is None or name in seen:
            return []
        out: list[Condition] = []
        for cond in cmap.conditions:
            if cond.negated:
                continue
            if cond.kind == "protocol":
                out.append(cond)
            elif cond.kind == "class-map":
                out.extend(self.protocols(cond.value, seen | {name}))
        return out

    def policy_ruleset(self, pair: ZonePair, policy: PolicyMap) -> RuleSet:
        rules: list[Rule] = []
        default = Action.DENY
        for klass in policy.classes:
            action = Action.DENY if klass.action in ("drop", None) else Action.PERMIT
            if klass.name == "class-default":
                # class-default: drop unless set to pass [S6].
                if klass.opaque is not None:
                    rules.append(Rule(Action.PERMIT, None, klass.source, FlowSpace.everything()))
                rules.append(Rule(action, FlowSpace.everything(), klass.source))
                default = action
                break
            match = self.class_match(klass.name, (), klass.source)
            if klass.action is None:
                klass.opaque = klass.opaque or "no action is configured for the class"
                self.diagnose(klass.source, f"policy-map {policy.name}: {klass.opaque}")
            if klass.opaque is not None:
                # Matched packets are permitted or dropped, never passed on to later classes.
                rules.append(Rule(Action.PERMIT, None, klass.source, match.reach))
                rules.append(Rule(Action.DENY, match.exact, klass.source, match.bound))
            else:
                bound = match.bound if match.exact is None else None
                rules.append(Rule(action, match.exact, klass.source, bound))
        name = f"zone-pair {pair.name} ({pair.src} -> {pair.dst}, policy-map {policy.name})"
        return RuleSet(name, tuple(rules), default, policy.source)

    def media(self, pair: ZonePair, policy: PolicyMap) -> None:
        generic: list[Source] = []
        for klass in policy.classes:
            if klass.action != "inspect" or klass.name not in self.zbf.class_maps:
                continue
            conds = self.protocols(klass.name)
            for cond in conds:
                kind = MEDIA.get(cond.value)
                detail = (
                    f"zone-based firewall class-map '{klass.name}' inspects {cond.value} in policy-map "
                    f"'{policy.name}' on zone-pair '{pair.name}' ({pair.src} -> {pair.dst})"
                )
                if kind is not None:
                    self.out.features.append(Feature(kind, True, Provenance.EXPLICIT, detail, cond.source))
                elif cond.value not in NON_MEDIA_PROTOCOLS:
                    self.out.limitations.append(
                        Limitation(
                            f"{detail}: whether that inspection opens media ports is not known",
                            frozenset({"feature"}),
                            (cond.source,),
                        )
                    )
            if not conds or any(c.value in GENERIC for c in conds):
                generic.append(next((c.source for c in conds if c.value in GENERIC), klass.source))
        if generic:
            reason = (
                f"zone-pair '{pair.name}' inspects generic TCP/UDP traffic (policy-map '{policy.name}'): "
                "whether Layer 4 inspection also runs the SIP/H.323/RTSP/SCCP ALGs is unconfirmed "
                "(VENDORS.md 1.5)"
            )
            self.out.limitations.append(Limitation(reason, frozenset({"feature"}), tuple(generic)))


def _drop_set(name: str, source: Source) -> RuleSet:
    return RuleSet(name, (), Action.DENY, source)


def build(zbf: Zbf, interfaces: list[str], acls: dict[str, RuleSet]) -> ZbfModel:
    """Turn the ZBF definitions into rule sets, interface-pair bindings and features.

    Args:
        zbf: what the handlers read.
        interfaces: the names of the router's interfaces (loopbacks excluded).
        acls: the ACL rule sets by name (for ``match access-group``).

    Returns:
        Rule sets and ``in`` bindings with ``peer`` for every ordered interface pair that
        ZBF filters, explicit media-inspection features, and limitations.
    """
    state = _Builder(zbf, acls)
    out = state.out
    if not zbf.members and not zbf.zone_pairs and not zbf.zones:
        return out
    members = {iface: (zone, source) for (iface, zone), source in zip(zbf.members, zbf.sources, strict=True)}
    zones = set(zbf.zones) | {SELF}
    problems: list[tuple[str, Source]] = []
    for iface, (zone, source) in members.items():
        if zone not in zones:
            problems.append((f"{iface} is a member of zone {zone}, which is not defined", source))
    pairs: dict[tuple[str, str], ZonePair] = {}
    for pair in zbf.zone_pairs:
        if SELF in (pair.src, pair.dst):
            continue  # traffic to or from the router itself is not transit
        for zone in (pair.src, pair.dst):
            if zone not in zones:
                problems.append(
                    (f"zone-pair {pair.name} names zone {zone}, which is not defined", pair.source)
                )
        if pair.policy is not None and pair.policy not in zbf.policy_maps:
            problems.append(
                (f"zone-pair {pair.name} applies policy-map {pair.policy}, which is not defined", pair.source)
            )
        pairs.setdefault((pair.src, pair.dst), pair)
    if problems:
        reason = "zone-based firewall: " + "; ".join(text for text, _ in problems)
        out.limitations.append(Limitation(reason, frozenset({"flow"}), tuple(s for _, s in problems)))
    pair_sets: dict[str, RuleSet] = {}
    for pair in pairs.values():
        if pair.policy is not None and pair.policy in zbf.policy_maps:
            policy = zbf.policy_maps[pair.policy]
            pair_sets[pair.name] = state.policy_ruleset(pair, policy)
            state.media(pair, policy)
    sets: dict[str, RuleSet] = {}

    def bind(ruleset: RuleSet, ingress: str, egress: str, source: Source) -> None:
        sets.setdefault(ruleset.name, ruleset)
        out.bindings.append(Binding(ruleset.name, ingress, Direction.IN, source, peer=egress))

    default_zone = zbf.zones.get(DEFAULT_ZONE)
    member_of: dict[str, tuple[str, Source]] = {}
    for iface in interfaces:
        if iface in members:
            member_of[iface] = members[iface]
        elif default_zone is not None:
            member_of[iface] = (DEFAULT_ZONE, default_zone)
    for ingress in interfaces:
        for egress in interfaces:
            if ingress == egress:
                continue
            src, dst = member_of.get(ingress), member_of.get(egress)
            if src is None and dst is None:
                continue
            if src is None or dst is None:
                member = src or dst
                assert member is not None
                left = f"{ingress} (zone {src[0]})" if src else f"{ingress} (no zone)"
                right = f"{egress} (zone {dst[0]})" if dst else f"{egress} (no zone)"
                bind(
                    _drop_set(f"zone-based firewall: {left} -> {right}", member[1]),
                    ingress,
                    egress,
                    member[1],
                )
                continue
            zone_pair = pairs.get((src[0], dst[0]))
            if zone_pair is None:
                if src[0] == dst[0]:
                    continue  # intra-zone traffic flows freely without a zone-pair
                name = f"zone-based firewall: zone {src[0]} -> zone {dst[0]} (no zone-pair)"
                bind(_drop_set(name, src[1]), ingress, egress, src[1])
            elif zone_pair.name in pair_sets:
                bind(pair_sets[zone_pair.name], ingress, egress, zone_pair.source)
            elif zone_pair.policy is None:
                name = f"zone-based firewall: zone-pair {zone_pair.name} has no service-policy"
                bind(_drop_set(name, zone_pair.source), ingress, egress, zone_pair.source)
    out.rulesets.extend(sets.values())
    return out
