"""State and vocabulary shared by the iptables-save and nft parsers (parse stage).

Part of the linux parser. ``Draft`` collects model facts, diagnostics and what became of
each line; ``Cond`` accumulates one rule's conditions into a ``FlowSpace`` and an
``InterfaceMatch``; ``finish`` infers interface roles and freezes the model.

Semantics encoded here (sources in VENDORS.md §7):

- Connection states map onto the flowspace's NEW, ESTABLISHED, RELATED and UNTRACKED (what a
  NOTRACK'd packet carries). ``INVALID`` (and the ``SNAT``/``DNAT`` pseudo-states) are none
  of them, so a condition that asks only for those matches no packet the engine reasons about.
- Automatic conntrack helper assignment is off by default since Linux 4.7 (commit
  3bb398d925ec): without an explicit helper assignment, SIP and H.323 helpers do not act.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from auditor.flowspace import (
    STATE_ESTABLISHED,
    STATE_NEW,
    STATE_RELATED,
    STATE_UNTRACKED,
    TCP,
    UDP,
    FlowSpace,
)
from auditor.model import (
    Action,
    Binding,
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Feature,
    Interface,
    InterfaceMatch,
    Limitation,
    ParseResult,
    Platform,
    PortMapping,
    Provenance,
    Role,
    Rule,
    RuleSet,
    Source,
)

PROTOCOLS = {
    "tcp": 6,
    "udp": 17,
    "icmp": 1,
    "igmp": 2,
    "gre": 47,
    "esp": 50,
    "ah": 51,
    "icmpv6": 58,
    "ipv6-icmp": 58,
    "ospf": 89,
    "sctp": 132,
    "udplite": 136,
    "dccp": 33,
    "vrrp": 112,
    "pim": 103,
}
STATES = {
    "new": (STATE_NEW,),
    "established": (STATE_ESTABLISHED,),
    "related": (STATE_RELATED,),
    "invalid": (),
    "untracked": (STATE_UNTRACKED,),
    "snat": (),
    "dnat": (),
}
# Service names nft or hand-written files may use (iptables-save prints numbers).
PORT_NAMES = {
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "http": 80,
    "www": 80,
    "pop3": 110,
    "ntp": 123,
    "imap": 143,
    "snmp": 161,
    "https": 443,
    "submission": 587,
    "sip": 5060,
    "sip-tls": 5061,
}
# Conntrack helper names (iptables ``CT --helper``, nft ``ct helper`` type) -> feature kind.
MEDIA_HELPERS = {"sip": "sip", "h323": "h323", "ras": "h323", "q.931": "h323", "h.245": "h323"}
# Mainline helpers that open no media pinholes the policy checks care about.
OTHER_HELPERS = frozenset({"ftp", "tftp", "irc", "pptp", "sane", "amanda", "netbios-ns", "snmp"})
_TCP_UDP = FlowSpace.build(protocols=[(TCP, TCP), (UDP, UDP)])
_DEFAULT_HELPER = (
    "no conntrack helper is assigned; automatic helper assignment is off by default since "
    "Linux 4.7 (nf_conntrack_helper=0)"
)


class Disposition(StrEnum):
    """What became of one input line."""

    EXTRACTED = "extracted"
    IGNORED = "ignored"
    DIAGNOSED = "diagnosed"
    COMMENT = "comment"


class CondError(ValueError):
    """A condition value the parser cannot read (bad address, port, name)."""


@dataclass(slots=True)
class Cond:
    """One rule's conditions, intersected as they are read.

    ``exact`` turns False when a condition cannot be decided from the text; ``space`` is
    then a bound (a superset) of what the rule matches.
    """

    space: FlowSpace = field(default_factory=FlowSpace.everything)
    exact: bool = True
    why: list[str] = field(default_factory=list)
    ingress: frozenset[str] | None = None
    egress: frozenset[str] | None = None
    ingress_negated: bool = False
    egress_negated: bool = False

    def add(self, space: FlowSpace, negated: bool = False) -> None:
        """Intersect with ``space`` (or its complement when ``negated``)."""
        self.space = self.space & (complement(space) if negated else space)

    def inexact(self, why: str, bound: FlowSpace | None = None) -> None:
        """Record a condition the text cannot decide, optionally bounded."""
        self.exact = False
        self.why.append(why)
        if bound is not None:
            self.space = self.space & bound

    def interface(self, side: str, names: frozenset[str], negated: bool) -> None:
        """Set the ingress (``in``) or egress (``out``) interface condition."""
        if side == "in":
            self.ingress, self.ingress_negated = names, negated
        else:
            self.egress, self.egress_negated = names, negated

    def interfaces(self) -> InterfaceMatch | None:
        """Return the interface condition, or None when there is none."""
        if self.ingress is None and self.egress is None:
            return None
        return InterfaceMatch(self.ingress, self.egress, self.ingress_negated, self.egress_negated)


@lru_cache(maxsize=1024)
def complement(space: FlowSpace) -> FlowSpace:
    """Return every packet not in ``space`` (rules repeat their negated conditions: cached)."""
    return FlowSpace.everything() - space


def ports_space(field_name: str, intervals: Sequence[tuple[int, int]]) -> FlowSpace:
    """Return the packets whose ``sport`` or ``dport`` lies in ``intervals``."""
    return _ports_space(field_name == "sport", tuple(intervals))


@lru_cache(maxsize=4096)
def _ports_space(sport: bool, intervals: tuple[tuple[int, int], ...]) -> FlowSpace:
    # Rule after rule names the same ports; a FlowSpace never changes, so one can be shared.
    if sport:
        return FlowSpace.build(sport=intervals)
    return FlowSpace.build(dport=intervals)


def port_number(text: str) -> int:
    """Return a port given as a number or a known service name."""
    if text.isdigit() and int(text) <= 65535:
        return int(text)
    if text.lower() in PORT_NAMES:
        return PORT_NAMES[text.lower()]
    raise CondError(f"unknown port {text!r}")


def protocol_number(text: str) -> int | None:
    """Return a protocol number, or None for ``all``/``ip`` (any protocol)."""
    name = text.lower()
    if name in ("all", "ip", "0"):
        return None
    if name.isdigit() and int(name) <= 255:
        return int(name)
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    raise CondError(f"unknown protocol {text!r}")


def state_space(names: Sequence[str]) -> FlowSpace:
    """Return the packets in any of the named conntrack states."""
    return _state_space(tuple(names))


@lru_cache(maxsize=1024)
def _state_space(names: tuple[str, ...]) -> FlowSpace:
    values: list[int] = []
    for name in names:
        key = name.lower()
        if key not in STATES:
            raise CondError(f"unknown connection state {name!r}")
        values.extend(STATES[key])
    return FlowSpace.build(state=[(v, v) for v in sorted(set(values))]) if values else FlowSpace()


def helper_kind(name: str) -> str | None:
    """Return the feature kind of a helper name (``sip``/``h323``), None for other helpers."""
    return MEDIA_HELPERS.get(name.lower())


@dataclass(slots=True)
class Draft:
    """Everything read so far from one file."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    rulesets: list[RuleSet] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    forward_roots: list[str] = field(default_factory=list)  # rule sets on the forward hook
    interface_names: dict[str, Source] = field(default_factory=dict)
    outside: dict[str, str] = field(default_factory=dict)  # name -> reason
    outside_negated: list[frozenset[str]] = field(default_factory=list)
    port_mappings: list[PortMapping] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    limitations: list[Limitation] = field(default_factory=list)

    def mark(self, source: Source, disposition: Disposition) -> None:
        """Record what became of a line (the first record wins, diagnoses always win)."""
        if disposition is Disposition.DIAGNOSED:
            self.dispositions[source.line] = disposition
        else:
            self.dispositions.setdefault(source.line, disposition)

    def diagnose(
        self, source: Source, kind: DiagnosticKind, reason: str, security_relevant: bool = True
    ) -> None:
        """Report a line the parser could not (fully) use."""
        self.diagnostics.append(Diagnostic(source, kind, reason, security_relevant))
        self.mark(source, Disposition.DIAGNOSED)

    def see_interfaces(self, cond: Cond, source: Source) -> None:
        """Remember every interface name a rule mentions."""
        for names in (cond.ingress, cond.egress):
            if names:
                for name in names if len(names) == 1 else sorted(names):
                    self.interface_names.setdefault(name, source)

    def rule(self, action: Action, cond: Cond, source: Source, target: str | None = None) -> Rule:
        """Return the Rule for a condition; an inexact one becomes opaque and is reported."""
        self.see_interfaces(cond, source)
        if cond.exact or cond.space.is_empty():  # an empty bound: it matches nothing at all
            return Rule(action, cond.space, source, target=target, interfaces=cond.interfaces())
        relevant = cond.space.intersects(_TCP_UDP)
        reason = "cannot decide from the text: " + "; ".join(dict.fromkeys(cond.why))
        self.diagnose(source, DiagnosticKind.UNSUPPORTED, reason, security_relevant=relevant)
        return Rule(action, None, source, bound=cond.space, target=target, interfaces=cond.interfaces())

    def helper(self, name: str, source: Source, detail: str) -> None:
        """Record an explicit conntrack helper assignment."""
        kind = helper_kind(name)
        if kind is not None:
            self.features.append(Feature(kind, True, Provenance.EXPLICIT, detail, source))


def _carries_to_outside(match: InterfaceMatch, draft: Draft) -> bool:
    if match.egress is None:
        return True
    if match.egress_negated:
        if any(names == match.egress for names in draft.outside_negated):
            return True
        return any(name not in match.egress for name in draft.outside)
    return any(name in draft.outside for name in match.egress)


def _inside(draft: Draft) -> dict[str, str]:
    """Interfaces that forward rules accept traffic from toward the outside.

    Interface conditions of a jump carry into the chain it jumps to.
    """
    inside: dict[str, str] = {}
    if not draft.outside and not draft.outside_negated:
        return inside
    by_name = {ruleset.name: ruleset for ruleset in draft.rulesets}
    todo = [(name, _NO_INTERFACES) for name in draft.forward_roots]
    seen: set[tuple[str, InterfaceMatch]] = set()
    outside = draft.outside
    # Name sets found placed already: ``inside`` only grows, so they stay placed (rules
    # repeat their -i names, and the sets are shared objects: one hash each).
    placed: set[frozenset[str]] = set()
    while todo:
        name, context = todo.pop(0)
        if (name, context) in seen or name not in by_name:
            continue
        seen.add((name, context))
        # Rules share their interface conditions: combine each one with the context once.
        # ``settled``: its ingress side places nothing whatever the rule's action (no names,
        # negated, or placed already: ``placed`` only grows, so it stays settled).
        last_inner: InterfaceMatch | None = None
        match, settled = context, False
        for rule in by_name[name].rules:
            inner = rule.interfaces
            if inner is not last_inner:
                last_inner, match, settled = inner, _combine(context, inner), False
            if rule.target is not None:
                todo.append((rule.target, match))
            if settled:
                continue
            ingress = match.ingress
            if ingress is None or match.ingress_negated or ingress in placed:
                settled = True
                continue
            if rule.action is not Action.PERMIT:
                continue
            if all(iface in inside or iface in outside for iface in ingress):
                placed.add(ingress)
                continue  # every name here is placed already: the first reason stays
            if not _carries_to_outside(match, draft):
                continue
            for iface in sorted(name for name in ingress if name not in outside):
                line = rule.source.line
                reason = f"forward rules carry traffic from {iface} to the outside (line {line})"
                inside.setdefault(iface, reason)
    return inside


_NO_INTERFACES = InterfaceMatch()


def _combine(outer: InterfaceMatch, inner: InterfaceMatch | None) -> InterfaceMatch:
    if inner is None:
        return outer
    if (outer is _NO_INTERFACES or outer == _NO_INTERFACES) and (
        inner.ingress is not None or not inner.ingress_negated
    ):
        if inner.egress is not None or not inner.egress_negated:
            return inner  # the value the general case builds, without building it
    take_in = inner.ingress is not None
    take_out = inner.egress is not None
    return InterfaceMatch(
        inner.ingress if take_in else outer.ingress,
        inner.egress if take_out else outer.egress,
        inner.ingress_negated if take_in else outer.ingress_negated,
        inner.egress_negated if take_out else outer.egress_negated,
    )


def _default_features(draft: Draft) -> list[Feature]:
    have = {feature.kind for feature in draft.features}
    return [
        Feature(kind, False, Provenance.DEFAULT, _DEFAULT_HELPER)
        for kind in ("sip", "h323")
        if kind not in have
    ]


def finish(draft: Draft, line_count: int) -> ParseResult:
    """Freeze the draft into a ParseResult, inferring interface roles."""
    inside = _inside(draft)
    interfaces = []
    names = sorted(set(draft.interface_names) | set(draft.outside))
    for name in names:
        if name in draft.outside:
            role, reason = Role.OUTSIDE, draft.outside[name]
        elif name in inside:
            role, reason = Role.INSIDE, inside[name]
        else:
            role, reason = Role.UNKNOWN, ""
        interfaces.append(
            Interface(name, role=role, role_reason=reason, source=draft.interface_names.get(name))
        )
    model = ConfigModel(
        platform=Platform.LINUX,
        interfaces=tuple(interfaces),
        rulesets=tuple(draft.rulesets),
        bindings=tuple(draft.bindings),
        port_mappings=tuple(draft.port_mappings),
        features=tuple(draft.features + _default_features(draft)),
        limitations=tuple(draft.limitations),
        egress_sees_translated=False,
        interfaces_listed=False,
    )
    diagnostics = tuple(sorted(draft.diagnostics, key=lambda d: d.source.line))
    return ParseResult(model, diagnostics, line_count)


# What the model's states mean for TCP flags: the packets a flow check asks about are the first
# packet of a connection (a SYN without ACK), tracked (NEW) or exempted by NOTRACK (UNTRACKED);
# ESTABLISHED and RELATED stand for the packets after it (ACK set, SYN clear). A flags match
# tests the bits, not conntrack, so an untracked SYN matches --syn just as a NEW one does.
TCP_FLAG_NAMES = frozenset({"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"})
FIRST_PACKET = frozenset({"syn"})
LATER_PACKET = frozenset({"ack"})


FlagsTest = Callable[[frozenset[str]], bool]


def flags_equal(mask: frozenset[str], value: frozenset[str], negated: bool = False) -> FlagsTest:
    """Return the test ``(flags & mask) == value`` (or its negation)."""
    return lambda flags: ((flags & mask) == value) != negated


def flags_any(value: frozenset[str]) -> FlagsTest:
    """Return the test "any of ``value`` is set"."""
    return lambda flags: bool(flags & value)


def tcp_flags_space(matches: FlagsTest) -> FlowSpace:
    """Return the TCP packets a flags test matches, from its answer on a first and a later packet."""
    states = [(STATE_NEW, STATE_NEW), (STATE_UNTRACKED, STATE_UNTRACKED)] if matches(FIRST_PACKET) else []
    if matches(LATER_PACKET):
        states.append((STATE_ESTABLISHED, STATE_RELATED))
    return FlowSpace.build(protocols=[(TCP, TCP)], state=states) if states else FlowSpace()
