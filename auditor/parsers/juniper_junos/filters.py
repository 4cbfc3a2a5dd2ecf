"""Stateless firewall filters (MX/EX, and SRX interfaces): terms as first-match rules.

Part of the juniper_junos parser (parse stage). Facts (Juniper "term (Firewall Filter)" and
"How Simple Filters Evaluate Packets"; "Example: Adding a Final then accept Term";
O'Reilly "Juniper MX Series - Filter Operation"; VENDORS.md §3.2 [S25][S57]):
- terms are evaluated in order; the first term whose ``from`` conditions all match and that
  has a terminating action decides; a term without ``from`` matches every packet; a term
  without a terminating action (only ``count``, ``log``...) accepts; ``next term`` goes on
  to the next term; every filter ends with an implicit ``discard``;
- ``accept`` permits, ``discard`` and ``reject`` drop; ``routing-instance`` forwards
  (permits here);
- within one condition, values are alternatives; addresses follow longest-prefix match,
  so ``10.0.0.0/8`` with ``10.1.0.0/16 except`` is 10/8 without 10.1/16; ``address`` /
  ``port`` / ``prefix-list`` match either side; ``tcp-established`` matches TCP packets with
  ACK or RST (never a connection's first SYN) and ``tcp-initial`` the first SYN;
- ``input-list``/``output-list`` consult the filters in list order with one implicit discard
  after the last (**not re-verified**; VENDORS.md §9).
Conditions the model cannot evaluate (DSCP, packet length, fragment flags, interfaces...)
make the term inexact, bounded by the conditions it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import ICMP, STATE_ESTABLISHED, STATE_MAX, STATE_NEW, TCP, FlowSpace, Interval
from auditor.model import Action, DiagnosticKind, Rule, RuleSet, Source
from auditor.parsers.juniper_junos.draft import Draft, Entry
from auditor.parsers.juniper_junos.objects import Resolver
from auditor.parsers.juniper_junos.statements import Statement, words_after
from auditor.parsers.juniper_junos.values import IPV6, port_range, prefix_cube, protocol_number

_ADDRESS = {"source-address": ("src",), "destination-address": ("dst",), "address": ("src", "dst")}
_PREFIX_LIST = {
    "source-prefix-list": ("src",),
    "destination-prefix-list": ("dst",),
    "prefix-list": ("src", "dst"),
}
_PORTS = {"source-port": ("sport",), "destination-port": ("dport",), "port": ("sport", "dport")}
_NON_TERMINATING = frozenset(
    {
        "count", "log", "syslog", "sample", "policer", "three-color-policer", "forwarding-class",
        "loss-priority", "port-mirror", "dscp", "traffic-class", "service-accounting",
        "prefix-action", "packet-mode", "service-filter-hit", "analyzer", "port-mirror-instance",
    }
)  # fmt: skip
_PERMITS = frozenset(
    {"accept", "routing-instance", "next-ip", "next-interface", "next-hop-group", "decapsulate"}
)
_DENIES = frozenset({"discard", "reject"})
_ICMP_KEYS = frozenset({"icmp-type", "icmp-code", "icmp-type-except", "icmp-code-except"})
_KNOWN = frozenset({"protocol", "protocol-except", *_ADDRESS, *_PREFIX_LIST, *_ICMP_KEYS})


@dataclass(slots=True)
class _Term:
    conditions: dict[str, list[tuple[tuple[str, ...], Statement]]] = field(default_factory=dict)
    action: Action | None = None
    next_term: bool = False
    opaque: list[str] = field(default_factory=list)


def _tail(st: Statement, name: str) -> tuple[str, ...]:
    return words_after(st.words, "term", name)


def _read_term(entry: Entry, res: Resolver) -> _Term:
    term = _Term()
    for st in entry.statements:
        tail = _tail(st, entry.name)
        if tail[:1] == ("from",) and len(tail) >= 2:
            term.conditions.setdefault(tail[1], []).append((tail[2:], st))
        elif tail[:1] == ("then",) and len(tail) >= 2:
            verb = tail[1]
            if verb in _PERMITS:
                term.action = Action.PERMIT
            elif verb in _DENIES:
                term.action = Action.DENY
            elif verb == "next" and tail[2:] == ("term",):
                term.next_term = True
            elif verb not in _NON_TERMINATING:
                term.opaque.append(f"then {verb}")
                res.problem(st, f"term {entry.name}: action {verb} not understood")
        elif tail[:1] == ("filter",):
            term.opaque.append("a nested filter")
            res.d.diagnose(
                st, DiagnosticKind.UNSUPPORTED, f"term {entry.name}: nested filters are not modelled", True
            )
        elif tail[:1] not in (("only-at-create",),):
            term.opaque.append("statement not understood")
            res.problem(st, f"term {entry.name}: statement not understood")
    return term


def _prefix_length(care: int) -> int:
    return bin(care).count("1")


def _addresses(
    values: list[tuple[tuple[str, ...], Statement]], res: Resolver, lists: bool
) -> tuple[list[tuple[tuple[int, int], bool]], bool]:
    """(cube, except) entries of an address or prefix-list condition, and whether exact."""
    entries: list[tuple[tuple[int, int], bool]] = []
    exact = True
    for words, st in values:
        if not words:
            continue
        negated = words[1:] == ("except",)
        if lists:
            members = res.d.prefix_lists.get(words[0])
            if members is None:
                res.problem(st, f"prefix-list {words[0]} is not defined")
                exact = False
                continue
            texts = [m for m, _ in members]
        else:
            texts = [words[0]]
        for text in texts:
            cube = prefix_cube(text)
            if cube == IPV6:
                continue
            if cube is None or isinstance(cube, str):
                res.problem(st, f"address {text} not understood")
                exact = False
                continue
            entries.append((cube, negated))
    return entries, exact


def _longest_match(entries: list[tuple[tuple[int, int], bool]], field_name: str) -> FlowSpace:
    """Longest-prefix semantics: a more specific ``except`` carves out, a more specific entry adds back."""
    space = FlowSpace()
    for cube, negated in sorted(entries, key=lambda e: _prefix_length(e[0][1])):
        part = FlowSpace.build(**{field_name: [cube]})
        space = space - part if negated else space | part
    return space


def _port_intervals(
    values: list[tuple[tuple[str, ...], Statement]], res: Resolver
) -> tuple[list[Interval], bool]:
    out: list[Interval] = []
    exact = True
    for words, st in values:
        for text in words[:1]:
            got = port_range(text)
            if got is None:
                res.problem(st, f"port {text} not understood")
                exact = False
            else:
                out.append(got)
    return out, exact


def _condition(
    key: str, values: list[tuple[tuple[str, ...], Statement]], res: Resolver
) -> tuple[FlowSpace, bool]:
    """The packets one ``from`` condition matches, and whether that is exact."""
    if key in ("protocol", "protocol-except"):
        numbers: list[Interval] = []
        exact = True
        for words, st in values:
            number = protocol_number(words[0]) if words else None
            if number is None:
                res.problem(st, f"protocol {' '.join(words)} not understood")
                exact = False
            else:
                numbers.append((number, number))
        space = FlowSpace.build(protocols=numbers) if numbers else FlowSpace()
        return (FlowSpace.everything() - space if key.endswith("except") else space), exact
    if key in _ADDRESS or key in _PREFIX_LIST:
        fields = _ADDRESS.get(key) or _PREFIX_LIST[key]
        entries, exact = _addresses(values, res, key in _PREFIX_LIST)
        out = FlowSpace()
        for name in fields:
            out = out | _longest_match(entries, name)
        return out, exact
    base = key.removesuffix("-except")
    if base in _PORTS:
        intervals, exact = _port_intervals(values, res)
        out = FlowSpace()
        for name in _PORTS[base]:
            out = out | (FlowSpace.build(**{name: intervals}) if intervals else FlowSpace())
        return (FlowSpace.everything() - out if key.endswith("-except") else out), exact
    if key == "tcp-established":
        return FlowSpace.build(protocols=[(TCP, TCP)], state=[(STATE_ESTABLISHED, STATE_MAX)]), True
    if key == "tcp-initial":
        return FlowSpace.build(protocols=[(TCP, TCP)], state=[(STATE_NEW, STATE_NEW)]), True
    if key in _ICMP_KEYS:
        # An ICMP type or code narrows ICMP only: bounded by ICMP, it never touches TCP/UDP.
        return FlowSpace.build(protocols=[(ICMP, ICMP)]), False
    return FlowSpace.everything(), False


def _term_rule(entry: Entry, res: Resolver, filter_name: str) -> Rule | None:
    term = _read_term(entry, res)
    if term.next_term and term.action is None and not term.opaque:
        return None  # only non-terminating actions, then the next term: no decision here
    match = FlowSpace.everything()
    exact = True
    for key, values in term.conditions.items():
        space, ok = _condition(key, values, res)
        match = match & space
        if not ok:
            exact = False
            if key not in _KNOWN and key.removesuffix("-except") not in _PORTS:
                reason = f"filter {filter_name} term {entry.name}: match condition {key} is not evaluated"
                for _, st in values:
                    res.d.diagnose(st, DiagnosticKind.UNSUPPORTED, reason, True)
    action = term.action or Action.PERMIT  # no terminating action: accept
    if term.opaque:
        return Rule(action, None, entry.source, None)
    if not exact:
        return Rule(action, None, entry.source, match)
    return Rule(action, match, entry.source)


def filter_rules(d: Draft, res: Resolver, name: str) -> list[Rule] | None:
    """The rules of filter ``name`` in term order, or None when it is not defined."""
    terms = d.filters.get(name)
    if terms is None:
        return None
    rules = []
    for entry in terms.values():
        rule = _term_rule(entry, res, name)
        if rule is not None:
            rules.append(rule)
    return rules


def build_filter_set(
    d: Draft, res: Resolver, names: list[str], source: Source, cache: dict[str, RuleSet]
) -> str:
    """The rule set for one filter or a filter list applied to an interface; returns its name."""
    label = names[0] if len(names) == 1 else f"filter list [ {' '.join(names)} ]"
    if label in cache:
        return label
    rules: list[Rule] = []
    missing = []
    for name in names:
        got = filter_rules(d, res, name)
        if got is None:
            missing.append(name)
            continue
        rules.extend(got)
    if missing and len(names) == 1:
        return label  # undefined: the binding names a set that does not exist (reported)
    cache[label] = RuleSet(label, tuple(rules), Action.DENY, d.filter_sources.get(names[0], source))
    return label
