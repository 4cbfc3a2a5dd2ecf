"""PAN-OS security rules as zone-pair rule sets bound to interface pairs.

Part of the paloalto_panos parser (parse stage). Semantics (VENDORS.md 5.1; PAN-OS web
interface help "Security Policy Overview" [S38]; batfish ``SecurityRule`` rule types):

- rules are matched top-down, first match: Panorama pre-rules, local rules, post-rules
  (the pre/local/post order is partially confirmed), then the predefined default rules:
  ``intrazone-default`` allows traffic that stays in its zone, ``interzone-default`` denies
  traffic between zones. Their action can be overridden under
  ``rulebase default-security-rules rules NAME action``;
- a rule matches source zones (``from``), destination zones (``to``), with ``any`` as a
  wildcard; ``rule-type`` ``universal`` (the default) matches both, ``intrazone`` only
  traffic that stays in its zone, ``interzone`` only traffic that changes zone;
- ``disabled yes`` rules are skipped; actions ``allow`` permit, ``deny``, ``drop`` and the
  ``reset-*`` actions block;
- rules use pre-NAT addresses and the post-NAT (egress) zone [S42]: modelled as ``in``
  bindings on the ingress interface narrowed to the egress interface (``Binding.peer``),
  so they see the original addresses;
- a rule whose ``application`` is not ``any`` matches only traffic App-ID identifies as
  one of those applications: a port flow may or may not be that application, so the rule
  is a bound (what it could match), never a match. ``service application-default``, users,
  URL categories, HIP profiles, schedules, FQDN and dynamic address objects are bounds
  for the same reason;
- an interface in no zone passes no traffic.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from auditor.flowspace import ICMP, TCP, UDP, FlowSpace
from auditor.model import (
    Action,
    Binding,
    Diagnostic,
    DiagnosticKind,
    Direction,
    Interface,
    Limitation,
    Role,
    Rule,
    RuleSet,
    Source,
)
from auditor.parsers.paloalto_panos.draft import Draft, RuleDraft
from auditor.parsers.paloalto_panos.ignored import RULE_FIELDS_IGNORED
from auditor.parsers.paloalto_panos.objects import Resolver

ACTIONS = {
    "allow": Action.PERMIT,
    "deny": Action.DENY,
    "drop": Action.DENY,
    "reset-client": Action.DENY,
    "reset-server": Action.DENY,
    "reset-both": Action.DENY,
}
DEFAULTS = {"intrazone-default": Action.PERMIT, "interzone-default": Action.DENY}
REQUIRED = ("from", "to", "source", "destination", "application", "service")
# Fields that narrow the match to something the config alone cannot decide, unless "any".
_OPAQUE_UNLESS_ANY = {
    "source-user": "source users (User-ID)",
    "category": "URL categories",
    "source-hip": "source HIP profiles",
    "destination-hip": "destination HIP profiles",
    "hip-profiles": "HIP profiles",
    "source-imei": "source IMEI",
    "source-imsi": "source IMSI",
    "source-nw-slice": "network slices",
}
_KNOWN = frozenset(
    {*REQUIRED, *_OPAQUE_UNLESS_ANY, "action", "disabled", "negate-source", "negate-destination"}
    | {"rule-type", "schedule"}
)
_MAX_BOXES = 20_000
# Standard ports of a few common App-IDs, used only to narrow the bound of a rule with
# ``service application-default`` (the rule stays inexact). Assumed from Applipedia's
# "standard ports" as commonly cited, not confirmed by a vendor page in this pass; an
# application outside the table leaves the bound at every port.
APP_DEFAULT_PORTS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "web-browsing": ((TCP, 80, 80),),
    "ssl": ((TCP, 443, 443),),
    "dns": ((TCP, 53, 53), (UDP, 53, 53)),
    "ssh": ((TCP, 22, 22),),
    "ntp": ((UDP, 123, 123),),
    "ping": ((ICMP, 0, 0),),
    "icmp": ((ICMP, 0, 0),),
}
_OUTSIDE_NAMES = ("untrust", "outside", "wan", "internet", "external", "public")
_INSIDE_NAMES = ("trust", "inside", "lan", "internal", "private", "corp")


@dataclass(slots=True)
class SecurityRule:
    """One security rule, resolved: where it applies and what it does."""

    name: str
    from_zones: frozenset[str] | None  # None: any
    to_zones: frozenset[str] | None
    rule_type: str
    rule: Rule

    def applies(self, src: str, dst: str) -> bool:
        """Whether the rule is evaluated for traffic from zone ``src`` to zone ``dst``."""
        if self.from_zones is not None and src not in self.from_zones:
            return False
        if self.to_zones is not None and dst not in self.to_zones:
            return False
        if self.rule_type == "intrazone":
            return src == dst
        if self.rule_type == "interzone":
            return src != dst
        return True


@dataclass(slots=True)
class SecurityModel:
    """What the security rulebase contributes to the model."""

    interfaces: list[Interface] = field(default_factory=list)
    rulesets: list[RuleSet] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    limitations: list[Limitation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _zones(values: list[str]) -> frozenset[str] | None:
    return None if not values or "any" in values else frozenset(values)


def build_rule(draft: RuleDraft, resolver: Resolver, diagnose: list[Diagnostic]) -> SecurityRule | None:
    """Resolve one security rule; None when it is disabled."""
    if draft.value("disabled") == "yes":
        return None
    reasons: list[str] = []  # the config is not understood: reported
    opaque: list[str] = []  # decided by App-ID, users, DNS...: a bound by nature
    for key, entries in draft.fields.items():
        if key not in _KNOWN and key not in RULE_FIELDS_IGNORED:
            for _, source in entries:
                diagnose.append(
                    Diagnostic(
                        source,
                        DiagnosticKind.UNRECOGNIZED,
                        f"security rule {draft.name}: "
                        f"field {key} not recognized; the rule is treated as inexact",
                        True,
                    )
                )
            reasons.append(f"field {key} not recognized")
    missing = [key for key in REQUIRED if key not in draft.fields]
    if missing:
        reasons.append(f"no {', '.join(missing)} (PAN-OS requires them)")
    action_word = draft.value("action")
    action = ACTIONS.get(action_word or "")
    if action is None:
        reasons.append(f"action {action_word or '(none)'} not understood")
    src = resolver.addresses(draft.values("source") or ["any"], draft.value("negate-source") == "yes", "src")
    dst = resolver.addresses(
        draft.values("destination") or ["any"], draft.value("negate-destination") == "yes", "dst"
    )
    services = draft.values("service") or ["any"]
    apps = draft.values("application")
    svc = resolver.services([s for s in services if s != "application-default"])
    bounds: list[FlowSpace] = []
    for part in (src, dst, svc):
        reasons.extend(part.problems)
        opaque.extend(part.inexact)
        bounds.append(FlowSpace.everything() if part.inexact or part.problems else part.space)
    if "application-default" in services:
        opaque.append("service application-default: the ports are the App-ID's own defaults")
        known = app_default_ports(apps)
        bounds[2] = FlowSpace.everything() if known is None else bounds[2] | known
    sizes = [max(1, len(part.space.boxes)) for part in (src, dst, svc)]
    if sizes[0] * sizes[1] * sizes[2] > _MAX_BOXES:
        # Thousands of source and destination prefixes: their product is too large to hold
        # exactly; keep the smaller side as a bound (a superset of the match).
        reasons.append(f"address lists too large to evaluate exactly ({sizes[0]} x {sizes[1]} prefixes)")
        bounds[0 if sizes[0] > sizes[1] else 1] = FlowSpace.everything()
    if apps and "any" not in apps:
        opaque.append(f"application {', '.join(apps)}: App-ID decides, not the ports")
    for key, what in _OPAQUE_UNLESS_ANY.items():
        values = draft.values(key)
        if values and values != ["any"]:
            opaque.append(f"{what} {', '.join(values)}")
    if draft.values("schedule"):
        opaque.append(f"schedule {draft.value('schedule')}")
    rule_type = draft.value("rule-type") or "universal"
    if rule_type not in ("universal", "intrazone", "interzone"):
        reasons.append(f"rule-type {rule_type} not understood")
        rule_type = "universal"
    source = draft.source
    draft.problems.extend((reason, source) for reason in reasons)
    if reasons or opaque:
        bound = bounds[2] & bounds[0] & bounds[1]
        if action is None:
            rule = Rule(Action.DENY, None, source, None)
        else:
            rule = Rule(action, None, source, bound)
    else:
        assert action is not None
        rule = Rule(action, src.space & dst.space & svc.space, source)
    return SecurityRule(draft.name, _zones(draft.values("from")), _zones(draft.values("to")), rule_type, rule)


def app_default_ports(apps: list[str]) -> FlowSpace | None:
    """The union of the standard ports of ``apps``; None when one is not in the table."""
    if not apps or "any" in apps:
        return None
    space = FlowSpace()
    for app in apps:
        ports = APP_DEFAULT_PORTS.get(app)
        if ports is None:
            return None
        for proto, low, high in ports:
            dport = None if proto == ICMP else [(low, high)]
            space = space | FlowSpace.build(protocols=[(proto, proto)], dport=dport)
    return space


def _interface_address(draft: Draft, value: str) -> str | None:
    """An interface address as ``a.b.c.d/len``: literal, or an address object's ip-netmask."""
    candidates = [value]
    for scope in draft.objects.values():
        obj = scope.addresses.get(value.removesuffix("/32"))  # the reader adds /32 to bare values
        if obj is not None and obj.kind == "ip-netmask":
            candidates.insert(0, obj.value)
    for candidate in candidates:
        try:
            return str(ipaddress.IPv4Interface(candidate))
        except ValueError:
            continue
    return None  # IPv6, or a name not defined here


def zone_role(name: str) -> Role:
    """Guess a zone's role from its name (trust/untrust, inside/outside, lan/wan...)."""
    # Word by word, so "L3-Untrust" and "Inside_LAN" count; outside words first, since
    # "untrust" is not a kind of "trust".
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    if any(w.startswith(n) for w in words for n in _OUTSIDE_NAMES):
        return Role.OUTSIDE
    if any(w.startswith(n) for w in words for n in _INSIDE_NAMES):
        return Role.INSIDE
    return Role.UNKNOWN


def _pair_ruleset(src: str, dst: str, rules: list[SecurityRule], draft: Draft, fallback: Source) -> RuleSet:
    default_name = "intrazone-default" if src == dst else "interzone-default"
    chosen = [r.rule for r in rules if r.applies(src, dst)]
    override = draft.default_rules.get(default_name)
    name = f"zone {src} -> zone {dst}"
    if override is not None and override[0] in ACTIONS:
        action = ACTIONS[override[0]]
        chosen.append(Rule(action, FlowSpace.everything(), override[1]))
        name += f", then {default_name} ({override[0]}, overridden)"
    else:
        action = DEFAULTS[default_name]
        verb = "allow" if action is Action.PERMIT else "deny"
        name += f", then {default_name} ({verb}: PAN-OS predefined rule, not printed)"
    return RuleSet(name, tuple(chosen), action, fallback)


def build_security(draft: Draft, roles: dict[str, tuple[Role, str]]) -> SecurityModel:
    """Zone-pair rule sets, interface-pair bindings and interfaces with roles.

    Args:
        draft: what the reader collected.
        roles: zone -> (role, reason) hints from source NAT rules.
    """
    out = SecurityModel()
    resolver = Resolver(draft)
    rules: list[SecurityRule] = []
    for base in ("pre", "local", "post"):
        for rule_draft in draft.security[base].values():
            built = build_rule(rule_draft, resolver, out.diagnostics)
            if rule_draft.problems:
                reasons = "; ".join(dict.fromkeys(r for r, _ in rule_draft.problems))
                out.diagnostics.append(
                    Diagnostic(
                        rule_draft.source,
                        DiagnosticKind.UNSUPPORTED,
                        f"security rule {rule_draft.name} is inexact (bounds only): {reasons}",
                        True,
                    )
                )
            if built is not None:
                rules.append(built)
    members: dict[str, tuple[str, Source]] = {}  # interface -> zone
    for zdef in draft.zones.values():
        for member in zdef.members:
            members.setdefault(member, (zdef.name, zdef.source))
    pseudo = not members
    interfaces: dict[str, tuple[str | None, Source, list[str]]] = {}
    if pseudo:
        # No zone has member interfaces here (a rulebase-only export): each zone stands for
        # its interfaces, under the zone's own name.
        names = list(draft.zones)
        for rule in rules:
            for zones in (rule.from_zones, rule.to_zones):
                names.extend(sorted(zones or ()))
        for zone_name in dict.fromkeys(names):
            zsource = draft.zones[zone_name].source if zone_name in draft.zones else None
            rsource = zsource or next(r.rule.source for r in rules)
            interfaces[zone_name] = (zone_name, rsource, [])
    else:
        for iface in draft.interfaces.values():
            found = members.get(iface.name)
            addresses = [a for a in (_interface_address(draft, v) for v in iface.addresses) if a]
            interfaces[iface.name] = (found[0] if found else None, iface.source, addresses)
        for member, (zone_name, zsource) in members.items():
            if member not in interfaces:
                interfaces[member] = (zone_name, zsource, [])
    zone_sources = {z.name: z.source for z in draft.zones.values()}
    for name, (zone, source, addresses) in interfaces.items():
        role, reason = Role.UNKNOWN, ""
        if zone is not None and zone in roles:
            role, reason = roles[zone]
        elif zone is not None and zone_role(zone) is not Role.UNKNOWN:
            role = zone_role(zone)
            where = f" (line {zone_sources[zone].line})" if zone in zone_sources else ""
            reason = f"zone name {zone}{where}"
        if pseudo:
            reason = (reason + "; " if reason else "") + "zone without member interfaces in the config"
        internal = name.startswith("loopback")  # router-internal: no hosts behind it
        out.interfaces.append(Interface(name, tuple(addresses), False, role, reason, source, internal))
    pair_sets: dict[tuple[str, str], RuleSet] = {}
    for ingress, (zin, sin, _) in interfaces.items():
        for egress, (zout, _, _) in interfaces.items():
            if ingress == egress:
                continue
            if zin is None or zout is None:
                lonely = ingress if zin is None else egress
                name = f"interface {lonely} is in no zone: PAN-OS passes no traffic through it"
                if not any(r.name == name for r in out.rulesets):
                    out.rulesets.append(RuleSet(name, (), Action.DENY, interfaces[lonely][1]))
                out.bindings.append(Binding(name, ingress, Direction.IN, interfaces[lonely][1], peer=egress))
                continue
            key = (zin, zout)
            if key not in pair_sets:
                pair_sets[key] = _pair_ruleset(zin, zout, rules, draft, zone_sources.get(zin, sin))
                out.rulesets.append(pair_sets[key])
            out.bindings.append(
                Binding(pair_sets[key].name, ingress, Direction.IN, zone_sources.get(zin, sin), peer=egress)
            )
    for zdef in draft.zones.values():
        for kind, source in zdef.other:
            out.limitations.append(
                Limitation(
                    f"zone {zdef.name} is a {kind} zone: traffic through it is not evaluated",
                    frozenset({"flow"}),
                    (source,),
                )
            )
    return out
