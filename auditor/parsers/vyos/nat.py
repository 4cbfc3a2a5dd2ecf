"""Destination and source NAT rules (part of the vyos parser).

``nat destination rule N`` with ``translation address`` is a port forward: outside hosts
reach the inside address on the rule's ``destination port`` (all ports when none) for its
``protocol`` (tcp, udp, tcp_udp; all when none). ``nat static rule N`` is a one-to-one
mapping. ``nat source rule N outbound-interface I`` translates traffic leaving by ``I``,
which makes ``I`` an outside interface. 1.3 names the interface bare
(``inbound-interface eth0``), 1.4+ with ``name`` (``interface-name`` in early 1.4).
Disabled and ``exclude`` rules translate nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import TCP, UDP, FlowSpace, Interval
from auditor.model import DiagnosticKind, PortMapping, SourceNat
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.linux.common import CondError, protocol_number
from auditor.parsers.vyos.draft import Draft
from auditor.parsers.vyos.values import address_cubes, negation, port_intervals

_NO_EFFECT = frozenset({"description", "log", "packet-type"})
_IGNORED_NAT = frozenset({"nat66", "cgnat"})


@dataclass(slots=True)
class NatRule:
    """The leaves of one NAT rule, keyed by their path after ``rule N``."""

    kind: str
    first: Statement
    leaves: dict[tuple[str, ...], tuple[str, Statement]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_nat(draft: Draft, rules: dict[tuple[str, int], NatRule], st: Statement) -> None:
    """Gather one ``nat ...`` statement."""
    w = st.words
    if len(w) >= 5 and w[1] in ("destination", "source", "static") and w[2] == "rule" and w[3].isdigit():
        rule = rules.setdefault((w[1], int(w[3])), NatRule(w[1], st))
        rest = w[4:]
        if rest[0] in _NO_EFFECT:
            draft.ignored(st)
        elif len(rest) == 1:
            rule.flags.add(rest[0])
            draft.extracted(st)
        else:
            rule.leaves[rest[:-1]] = (rest[-1], st)
            draft.extracted(st)
    else:
        draft.ignored(st) if len(w) > 1 and w[1] in _IGNORED_NAT else draft.unrecognized(st)


def _interface(rule: NatRule, side: str) -> str | None:
    for key in ((side, "name"), (side, "interface-name"), (side,)):
        if key in rule.leaves:
            return rule.leaves[key][0]
    return None


def _protocols(rule: NatRule) -> tuple[int, ...] | None:
    if ("protocol",) not in rule.leaves:
        return None
    text, neg = negation(rule.leaves[("protocol",)][0])
    if neg:
        raise CondError("a negated protocol")
    if text.lower() == "tcp_udp":
        return (TCP, UDP)
    number = protocol_number(text)
    return None if number is None else (number,)


def _ports(rule: NatRule, key: tuple[str, ...]) -> tuple[Interval, ...] | None:
    if key not in rule.leaves:
        return None
    text, neg = negation(rule.leaves[key][0])
    if neg:
        raise CondError("a negated port list")
    return tuple(port_intervals(text))


def build_nat(draft: Draft, rules: dict[tuple[str, int], NatRule]) -> None:
    """Turn NAT rules into port mappings and source translations."""
    for (_kind, _number), rule in sorted(rules.items()):
        if "disable" in rule.flags or "exclude" in rule.flags:
            continue
        try:
            if rule.kind == "source":
                _source(draft, rule)
            else:
                _destination(draft, rule)
        except CondError as exc:
            draft.diagnose(rule.first, DiagnosticKind.UNSUPPORTED, f"NAT rule not modelled: {exc}")


def _destination(draft: Draft, rule: NatRule) -> None:
    if ("translation", "address") not in rule.leaves and ("translation", "port") not in rule.leaves:
        return
    inside, anchor = rule.leaves.get(("translation", "address"), ("(the router)", rule.first))
    outside = rule.leaves.get(("destination", "address"), (None, None))[0]
    iface = _interface(rule, "inbound-interface")
    outside_text = outside or (f"interface {iface}" if iface else "any address")
    protocols = _protocols(rule)
    outside_ports = _ports(rule, ("destination", "port"))
    inside_ports = _ports(rule, ("translation", "port")) or outside_ports
    if rule.kind == "static":
        protocols, outside_ports, inside_ports = None, None, None
    draft.port_mappings.append(
        PortMapping(protocols, inside, outside_text, inside_ports, outside_ports, draft.source(anchor))
    )


def _source(draft: Draft, rule: NatRule) -> None:
    iface = _interface(rule, "outbound-interface")
    if iface is None:
        return
    text, neg = negation(iface)
    if neg or text.endswith(("*", "+")):
        raise CondError("a negated or wildcard outbound-interface")
    fallback = rule.leaves.get(("outbound-interface",), ("", rule.first))
    anchor = rule.leaves.get(("outbound-interface", "name"), fallback)
    match = FlowSpace.everything()
    if ("source", "address") in rule.leaves:
        value, neg = negation(rule.leaves[("source", "address")][0])
        space = FlowSpace.build(src=address_cubes(value))
        match = FlowSpace.everything() - space if neg else space
    translated = rule.leaves.get(("translation", "address"), ("masquerade", rule.first))[0]
    if translated == "masquerade":
        draft.source_nats.append(SourceNat(draft.source(anchor[1]), match=match, interface=text))
    else:
        value, _ = negation(translated)
        cubes = tuple(address_cubes(value))
        draft.source_nats.append(SourceNat(draft.source(anchor[1]), match=match, translated=cubes))
    line = anchor[1].line
    draft.outside.setdefault(text, f"source NAT translates traffic leaving by {text} (line {line})")
