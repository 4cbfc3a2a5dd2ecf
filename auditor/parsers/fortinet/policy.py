"""Firewall policies as rules, and interface-pair bindings with the implicit deny.

Part of the fortinet parser (parse stage). Facts (FortiOS 5.0 Help "Policy order" and
Fortinet Community 207381 "How policy order works", VENDORS.md §4.1 [S32]; batfish
``representation/fortios/Policy.java`` [S36]):
- ``config firewall policy`` entries are evaluated top-down in the order they appear (the
  sequence; ``move`` changes it), not by id; the first policy whose source and destination
  interfaces, addresses, service and schedule match decides; traffic matching none is
  dropped by the implicit deny ("policy 0");
- ``set status disable`` policies are skipped; a policy with no ``set action`` line denies
  (batfish's ``DEFAULT_ACTION = DENY``: FortiOS ``show`` omits defaults; the Fortinet CLI
  reference table was not found to state it);
- ``srcintf``/``dstintf`` name interfaces, zones (``config system zone``: every member), SD-WAN
  zones (their member interfaces) or ``any``;
- ``srcaddr-negate``/``dstaddr-negate``/``service-negate`` invert a field;
- schedules other than ``always``, user/group conditions, ISDB internet services and
  application matches depend on things outside the text: the policy becomes inexact.
A policy's interface sets become bindings: for each ordered pair of interfaces of a VDOM,
one rule set holds, in sequence, the policies whose ``srcintf`` and ``dstintf`` cover the
pair, ending in the implicit deny; it binds ``in`` on the source interface with the
destination interface as ``peer``. Interfaces of different VDOMs have no direct path.
Between two members of a zone with ``set intrazone allow`` (default ``deny``) traffic passes
without a policy: modelled as that pair's end-of-list action, after any policy naming the
zone on both sides (the order between the two is not confirmed).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from auditor.flowspace import FlowSpace
from auditor.model import Action, Diagnostic, DiagnosticKind, Rule, Source
from auditor.parsers.fortinet import predefined
from auditor.parsers.fortinet.objects import EVERYTHING, Match, Objects, as_source_match, unknown
from auditor.parsers.fortinet.state import Entry

ANY = "any"
# Settings that narrow a policy to things outside the text.
_OUTSIDE_TEXT = {
    "users": "user condition",
    "groups": "user group condition",
    "fsso-groups": "FSSO group condition",
    "application": "application (App-ID style) condition",
    "app-category": "application category condition",
    "app-group": "application group condition",
    "url-category": "URL category condition",
    "src-vendor-mac": "source MAC vendor condition",
    "network-service-dynamic": "dynamic network service condition",
    "network-service-src-dynamic": "dynamic source network service condition",
    "reputation-minimum": "device reputation condition",
    "ztna-ems-tag": "ZTNA EMS tag condition",
    "ztna-geo-tag": "ZTNA geography tag condition",
    "sgt": "security group tag condition",
    "tos-mask": "type-of-service condition",
    "vlan-filter": "VLAN condition",
}
_OUTSIDE_KEYS = frozenset(_OUTSIDE_TEXT)
# Values that leave a condition off.
_NEUTRAL = frozenset({"", "0", "0x00", "disable"})


# Settings, in order, whose line is the evidence for an inexact policy.
_INEXACT_KEYS = (
    "internet-service",
    "internet-service-src",
    "schedule",
    *_OUTSIDE_TEXT,
)


@dataclass(slots=True)
class PolicyRule:
    """One enabled policy: its interface names (expanded) and its rule."""

    policy: Entry
    srcintf: frozenset[str] | None  # None: any
    dstintf: frozenset[str] | None
    rule: Rule
    nat: bool
    voip_profile: str | None
    inspection_mode: str | None
    problems: list[str] = field(default_factory=list)


def _names(entry: Entry, key: str) -> tuple[str, ...]:
    setting = entry.settings.get(key)
    return setting.values if setting is not None else ()


# Settings that switch a policy's matching (each off unless set to enable).
_SWITCH_KEYS = frozenset(
    {"internet-service", "internet-service-src", "srcaddr-negate", "dstaddr-negate", "service-negate"}
)


def policy_match(entry: Entry, objects: Objects) -> tuple[Match, list[str]]:
    """What the policy's conditions match, and the settings that make it inexact."""
    match = _policy_match(entry, objects)
    if match.exact is not None:
        return match, []
    keys = [k for k in ("srcaddr", "dstaddr", "service") if _inexact_part(entry, objects, k)]
    return match, keys


def _inexact_part(entry: Entry, objects: Objects, key: str) -> bool:
    resolve = objects.service if key == "service" else objects.address
    return any(resolve(name).exact is None for name in entry.get(key) or ())


def _policy_match(entry: Entry, objects: Objects) -> Match:
    """What the policy's address, service and other conditions match."""
    src_names, dst_names = _names(entry, "srcaddr"), _names(entry, "dstaddr")
    services = _names(entry, "service")
    flagged = not _SWITCH_KEYS.isdisjoint(entry.settings)  # most policies set none of them
    isdb_dst = flagged and entry.one("internet-service", "disable") == "enable"
    isdb_src = flagged and entry.one("internet-service-src", "disable") == "enable"
    if (
        (not src_names and not isdb_src)
        or (not dst_names and not isdb_dst)
        or (not services and not isdb_dst)
    ):
        has_v6 = bool(entry.get("srcaddr6") or entry.get("dstaddr6"))
        if has_v6 and not src_names and not dst_names:
            return Match(FlowSpace.nothing(), FlowSpace.nothing())  # an IPv6-only policy
        return unknown(f"policy {entry.name} lacks srcaddr, dstaddr or service (FortiOS would not save it)")
    # Resolve the names here, in the order the sets are built (a factory service is reported
    # at each use). The policy's set is kept by the resolved sets themselves (objects with the
    # same content resolve to the same kept set, in the proof's parse of the remediated text
    # too) and the policy's other conditions, so each policy's set is built once.
    address, service = objects.address, objects.service
    src = tuple(map(address, src_names))
    dst = None if isdb_dst else tuple(map(address, dst_names))
    svc = tuple(map(service, services))
    outside = (
        tuple((key, entry.get(key)) for key in _OUTSIDE_TEXT if key in entry.settings)
        if not _OUTSIDE_KEYS.isdisjoint(entry.settings)  # most policies set none of them
        else ()
    )
    conditions = (
        entry.name,
        isdb_src,
        flagged and entry.one("srcaddr-negate", "disable") == "enable",
        flagged and entry.one("dstaddr-negate", "disable") == "enable",
        flagged and entry.one("service-negate", "disable") == "enable",
        (entry.get("schedule") or (predefined.ALWAYS,))[0],
        outside,
    )
    # The sets by identity: hashing a set's boxes costs about what joining them does. The
    # kept value holds the sets, so no other object can take their ids while it is kept.
    key = (
        tuple(map(id, src)),
        None if dst is None else tuple(map(id, dst)),
        tuple(map(id, svc)),
        conditions,
    )
    kept = _KEPT.get(key)  # one dict lookup needs no lock (changes are made under it)
    if kept is not None:
        return kept[0]
    match = _combined(src, dst, svc, *conditions)
    with _KEPT_LOCK:
        _KEPT[key] = (match, src, dst, svc)
        if len(_KEPT) > _KEEP:
            del _KEPT[next(iter(_KEPT))]  # the oldest first
    return match


_Parts = tuple[Match, ...]
_KEPT: dict[tuple[object, ...], tuple[Match, _Parts, _Parts | None, _Parts]] = {}
_KEEP = 1024  # a few devices' policies: the proof parses its text right after the first parse
_KEPT_LOCK = threading.Lock()


def _combined(
    src_parts: tuple[Match, ...],
    dst_parts: tuple[Match, ...] | None,  # None: the destination is an internet service
    svc_parts: tuple[Match, ...],
    name: str,
    isdb_src: bool,
    src_negate: bool,
    dst_negate: bool,
    svc_negate: bool,
    schedule: str,
    outside: tuple[tuple[str, tuple[str, ...] | None], ...],
) -> Match:
    """A policy's set from its resolved addresses and services and its other conditions."""
    src = as_source_match(_joined(src_parts)) if src_parts else EVERYTHING
    if isdb_src:
        src = unknown(f"policy {name}: source is an internet service (ISDB, contents not in the config)")
    if src_negate:
        src = src.negated()
    if dst_parts is None:
        dst = unknown(f"policy {name}: destination is an internet service (ISDB, contents not in the config)")
        svc = EVERYTHING if not svc_parts else _joined(svc_parts)
    else:
        dst = _joined(dst_parts)
        svc = _joined(svc_parts)
    if dst_negate:
        dst = dst.negated()
    if svc_negate:
        svc = svc.negated()
    match = src & dst & svc
    if schedule.lower() != predefined.ALWAYS:
        match = Match(
            None,
            match.bound,
            (*match.problems, f"policy {name}: schedule {schedule!r} (time-dependent)"),
        )
    if outside:
        values = dict(outside)
        for key, what in _OUTSIDE_TEXT.items():
            if any(value.lower() not in _NEUTRAL for value in values.get(key) or ()):
                match = Match(None, match.bound, (*match.problems, f"policy {name}: {what}"))
    return match


def _joined(parts: tuple[Match, ...]) -> Match:
    """The union of resolved parts, in order."""
    result: Match | None = None
    for part in parts:
        result = part if result is None else result | part
    return result if result is not None else Match(FlowSpace.nothing(), FlowSpace.nothing())


def build_policy(
    entry: Entry,
    objects: Objects,
    expand: dict[str, frozenset[str]],
    unknown_keys: list[str],
) -> tuple[PolicyRule | None, list[Diagnostic]]:
    """Turn one policy entry into a rule (None when disabled)."""
    diagnostics: list[Diagnostic] = []
    if entry.one("status", "enable") == "disable":
        return None, diagnostics
    action_word = entry.one("action", "deny")
    match, inexact_keys = policy_match(entry, objects)
    problems = list(match.problems)
    if action_word == "accept":
        action = Action.PERMIT
    elif action_word == "deny":
        action = Action.DENY
    else:  # ipsec: traffic is tunnelled, the path is not the routed one
        action = Action.PERMIT
        match = Match(None, match.bound)
        problems.append(f"policy {entry.name}: action {action_word} (policy-based VPN) not evaluated")
    if unknown_keys:
        match = Match(None, match.bound)
        problems.append(f"policy {entry.name}: setting(s) {', '.join(unknown_keys)} not understood")
    source = entry.source
    if match.exact is None:  # point the evidence at the setting that made the policy inexact
        for key in (*_INEXACT_KEYS, *inexact_keys, *unknown_keys, "action"):
            if key == "schedule" and (entry.one("schedule", predefined.ALWAYS) == predefined.ALWAYS):
                continue
            if key in _OUTSIDE_TEXT and all(v.lower() in _NEUTRAL for v in entry.get(key) or ()):
                continue
            if entry.get(key) and entry.source_of(key) is not None:
                found = entry.source_of(key)
                assert found is not None
                source = found
                break
    rule = Rule(action, match.exact, source, bound=None if match.exact is not None else match.bound)
    for problem in dict.fromkeys(problems):
        diagnostics.append(Diagnostic(source, DiagnosticKind.UNSUPPORTED, problem, True))
    srcintf = _interfaces(entry, "srcintf", expand)
    dstintf = _interfaces(entry, "dstintf", expand)
    if srcintf == frozenset() or dstintf == frozenset():
        diagnostics.append(
            Diagnostic(
                source, DiagnosticKind.UNRECOGNIZED, f"policy {entry.name} has no srcintf or dstintf", True
            )
        )
    pr = PolicyRule(
        entry,
        srcintf,
        dstintf,
        rule,
        entry.one("nat", "disable") == "enable" and action is Action.PERMIT,
        (entry.get("voip-profile") or (None,))[0],
        entry.one("inspection-mode"),
        problems,
    )
    return pr, diagnostics


def _interfaces(entry: Entry, key: str, expand: dict[str, frozenset[str]]) -> frozenset[str] | None:
    names = _names(entry, key)
    if len(names) == 1:  # the common case: one interface or zone
        name = names[0]
        if name.lower() == ANY:
            return None
        members = expand.get(name)  # a zone with no members expands to no interface
        return frozenset(names) if members is None else frozenset(members)
    if any(name.lower() == ANY for name in names):
        return None
    out: set[str] = set()
    for name in names:
        out |= expand.get(name, frozenset({name}))
    return frozenset(out)


def covers(names: frozenset[str] | None, interface: str) -> bool:
    """Whether an expanded interface condition includes ``interface``."""
    return names is None or interface in names


def implicit_source(header: Source | None, fallback: Source) -> Source:
    """The line the implicit deny of a pair is reported against."""
    return header if header is not None else fallback
