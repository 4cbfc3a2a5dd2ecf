"""The vendor-neutral configuration model, and the findings the engine writes about it.

Parsers fill a ``ConfigModel``; the engine reads it. Nothing past the parsers knows any
vendor's syntax: a rule is an action and a ``FlowSpace``, a binding is an interface and a
direction, a feature (an ALG, UPnP) is on or off with the line or the platform default
that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from auditor.flowspace import Cube, FlowSpace, Interval, Packet
from auditor.quick import quick_init


class Platform(StrEnum):
    """Platform names: netmiko ``device_type`` values, as DESIGN.md fixes them."""

    CISCO_IOS = "cisco_ios"
    CISCO_XE = "cisco_xe"
    CISCO_ASA = "cisco_asa"
    JUNIPER_JUNOS = "juniper_junos"
    FORTINET = "fortinet"
    PALOALTO_PANOS = "paloalto_panos"
    MIKROTIK_ROUTEROS = "mikrotik_routeros"
    LINUX = "linux"
    ARISTA_EOS = "arista_eos"
    CISCO_NXOS = "cisco_nxos"
    VYOS = "vyos"
    UBIQUITI_EDGE = "ubiquiti_edge"


class Action(StrEnum):
    """What a rule does with the packets it matches.

    ``JUMP`` and ``GOTO`` hand the packets to the rule set named by the rule's ``target``
    (a jump comes back on ``RETURN`` or at the end of that set; a goto returns to the
    caller's caller). ``RETURN`` is also the implicit end of a set that is only jumped to.
    """

    PERMIT = "permit"
    DENY = "deny"
    JUMP = "jump"
    GOTO = "goto"
    RETURN = "return"
    # Not a verdict: the packets matched go on, exempt from connection tracking, so later
    # state conditions see them as untracked instead of new (netfilter NOTRACK).
    UNTRACK = "untrack"


class Direction(StrEnum):
    """Which way a rule set filters traffic on an interface."""

    IN = "in"
    OUT = "out"


class Role(StrEnum):
    """Where an interface sits relative to the networks a policy protects."""

    INSIDE = "inside"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


class Provenance(StrEnum):
    """Why a feature has the state it has: a config line, or the platform's default."""

    EXPLICIT = "explicit"
    DEFAULT = "default"


class Status(StrEnum):
    """A check's verdict: exactly one of the five words of the JSON contract."""

    PASS = "pass"
    FAIL = "fail"
    PARTIAL = "partial"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class DiagnosticKind(StrEnum):
    """How a parser failed to use a line (batfish's support states 3 and 4)."""

    UNSUPPORTED = "unsupported"
    UNRECOGNIZED = "unrecognized"


@quick_init
@dataclass(frozen=True, slots=True)
class Source:
    """Where something came from: file, line number (1-based) and the raw line."""

    file: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A line the parser did not turn into model facts."""

    source: Source
    kind: DiagnosticKind
    reason: str
    security_relevant: bool = False


@quick_init
@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of an ordered rule set.

    ``match`` is None when the parser could not tell exactly what the entry matches (a line
    it did not understand, or a condition the config alone cannot decide, such as a DSCP
    value or a time range): the engine then asks whether the verdict could depend on it.
    ``bound``, when known, is a superset of what such an entry can match (the part the
    parser did understand); None means it could match anything, with either action.
    """

    action: Action
    match: FlowSpace | None
    source: Source
    bound: FlowSpace | None = None
    target: str | None = None  # the rule set a JUMP or GOTO hands packets to
    interfaces: InterfaceMatch | None = None  # None: any interfaces


@dataclass(frozen=True, slots=True)
class InterfaceMatch:
    """A rule's condition on the interfaces a packet arrives by and leaves by.

    Names ending in ``+`` or ``*`` match every interface that starts with the rest
    (``eth+`` matches ``eth0``). A None side is not a condition; ``*_negated`` turns a side
    into "any interface but these".
    """

    ingress: frozenset[str] | None = None
    egress: frozenset[str] | None = None
    ingress_negated: bool = False
    egress_negated: bool = False


@dataclass(frozen=True, slots=True)
class RuleSet:
    """An ordered, first-match rule set with its implicit end-of-list action."""

    name: str
    rules: tuple[Rule, ...]
    default_action: Action = Action.DENY
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    """A rule set applied to transit traffic on an interface in one direction.

    ``interface`` ``*`` means every interface (a host firewall's forward chain). ``peer``,
    when set, narrows the binding to traffic whose other end is that interface: for ``in``,
    traffic leaving by ``peer``; for ``out``, traffic that arrived by it (interface-pair
    defaults, zone pairs, policies with source and destination interfaces). Bindings of one
    interface and direction apply in model order, and each must permit.
    """

    ruleset: str
    interface: str
    direction: Direction
    source: Source
    peer: str | None = None


@dataclass(frozen=True, slots=True)
class Interface:
    """A layer-3 interface and what the config says about its role."""

    name: str
    addresses: tuple[str, ...] = ()
    shutdown: bool = False
    role: Role = Role.UNKNOWN
    role_reason: str = ""
    source: Source | None = None
    loopback: bool = False  # a router-internal interface: no host sends transit traffic into it


@dataclass(frozen=True, slots=True)
class Route:
    """A static route; the default route tells which interface faces the outside."""

    prefix: str
    interface: str | None
    next_hop: str | None
    source: Source


@dataclass(frozen=True, slots=True)
class SourceNat:
    """A source translation of traffic from inside to outside interfaces.

    The packets it translates are those the rule set ``match_ruleset`` permits, or those in
    ``match``; when both are None the parser could not tell (e.g. a route-map) and the engine
    treats the translation as uncertain. Translated sources are ``translated`` or, when
    ``interface`` is set, that interface's own address.
    """

    source: Source
    match_ruleset: str | None = None
    match: FlowSpace | None = None
    translated: tuple[Cube, ...] = ()
    interface: str | None = None


@dataclass(frozen=True, slots=True)
class PortMapping:
    """A static translation that lets outside hosts reach inside ones (a port forward).

    ``protocols`` and the port tuples are None when every protocol or port is mapped
    (a one-to-one static NAT).
    """

    protocols: tuple[int, ...] | None
    inside_address: str
    outside_address: str
    inside_ports: tuple[Interval, ...] | None
    outside_ports: tuple[Interval, ...] | None
    source: Source


@dataclass(frozen=True, slots=True)
class Feature:
    """The state of an ALG, inspection engine or mapping protocol (UPnP, NAT-PMP).

    ``kind`` is a neutral name: ``sip``, ``h323``, ``rtsp``, ``sccp``, ``mgcp``, ``upnp``,
    ``nat-pmp``. ``detail`` says what the state means here ("NAT SIP ALG, UDP 5060"), and
    for a default, which platform default and release it rests on.
    """

    kind: str
    enabled: bool
    provenance: Provenance
    detail: str
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Limitation:
    """Something in the config the engine cannot evaluate yet: checks it touches go unknown.

    ``affects`` names the kinds of check that must not claim an answer: ``flow``,
    ``feature`` or ``port-mapping``.
    """

    reason: str
    affects: frozenset[str]
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)  # not slotted: the name indexes below are cached on the instance
class ConfigModel:
    """Everything the engine needs from one device's configuration."""

    platform: Platform
    hostname: str | None = None
    version: str | None = None
    interfaces: tuple[Interface, ...] = ()
    rulesets: tuple[RuleSet, ...] = ()
    bindings: tuple[Binding, ...] = ()
    routes: tuple[Route, ...] = ()
    source_nats: tuple[SourceNat, ...] = ()
    port_mappings: tuple[PortMapping, ...] = ()
    features: tuple[Feature, ...] = ()
    limitations: tuple[Limitation, ...] = ()
    # Whether an egress rule set sees sources after source NAT (IOS: NAT runs between the
    # inbound and the outbound ACL) or the real, untranslated ones (ASA 8.3 and later).
    egress_sees_translated: bool = True
    # Whether the text lists every interface (a router config does; a host firewall's rules
    # name only the interfaces they test, so an interface the user names may be absent).
    interfaces_listed: bool = True

    @cached_property
    def _rulesets_by_name(self) -> dict[str, RuleSet]:
        return {ruleset.name: ruleset for ruleset in self.rulesets}

    @cached_property
    def _interfaces_by_name(self) -> dict[str, Interface]:
        return {interface.name: interface for interface in self.interfaces}

    def ruleset(self, name: str) -> RuleSet | None:
        """Return the rule set called ``name``, or None when the config does not define it."""
        return self._rulesets_by_name.get(name)

    def interface(self, name: str) -> Interface | None:
        """Return the interface called ``name``, or None."""
        return self._interfaces_by_name.get(name)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """A parser's output: the model, what it could not use, and how many lines it read."""

    model: ConfigModel
    diagnostics: tuple[Diagnostic, ...]
    line_count: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """A config line (or a platform default) behind a verdict."""

    text: str
    line: int | None = None
    ruleset: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """The verdict of one check on one device, with the evidence behind it."""

    policy: str
    check: str
    status: Status
    summary: str
    evidence: tuple[Evidence, ...] = ()
    witness: Packet | None = None
    remediation: str | None = None
