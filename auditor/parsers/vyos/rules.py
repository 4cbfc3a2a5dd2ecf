"""One numbered firewall rule into a model ``Rule`` (part of the vyos parser).

Matchers read exactly: ``protocol``, ``source``/``destination`` ``address`` and ``port``
(lists, ranges, ``!``), ``group address-group|network-group|port-group``, ``state`` (1.4+
``state established``, one value per statement; 1.3 ``state established enable``),
``inbound-interface``/``outbound-interface`` (``name``, ``interface-name``, ``group``,
1.3's bare name). Conditions the text cannot decide (flags, rates, marks, DNS names,
GeoIP, ...) make the rule inexact, bounded by what was read; unknown leaves are reported.
Actions: accept, drop/reject (deny), jump (+ ``jump-target``), return, notrack; continue
does nothing; queue, synproxy, offload and 1.3's inspect have an outcome the text cannot
tell.
"""

from __future__ import annotations

from collections.abc import Callable

from auditor.flowspace import ICMP, TCP, FlowSpace
from auditor.model import Action, DiagnosticKind, Rule
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.linux.common import Cond, CondError, ports_space, state_space
from auditor.parsers.vyos.draft import Draft
from auditor.parsers.vyos.groups import Groups
from auditor.parsers.vyos.values import TCP_UDP, address_cubes, negation, port_intervals, protocol_space

ACTIONS = {
    "accept": Action.PERMIT,
    "drop": Action.DENY,
    "reject": Action.DENY,
    "jump": Action.JUMP,
    "return": Action.RETURN,
    "notrack": Action.UNTRACK,
}
UNKNOWN_OUTCOME = frozenset({"queue", "synproxy", "offload", "inspect"})
# Leaves that change nothing about which packets a rule matches or what it does to them.
NO_EFFECT = frozenset(
    {"description", "log", "log-options", "log-level", "offload-target", "set", "queue-options"}
)
# Conditions the text cannot decide; each bounds the rule (a superset) by what it names.
_INEXACT: dict[str, FlowSpace | None] = {
    "icmp": FlowSpace.build(protocols=[(ICMP, ICMP)]),
    "tcp": FlowSpace.build(protocols=[(TCP, TCP)]),
    "limit": None,
    "recent": None,
    "time": None,
    "packet-length": None,
    "packet-length-exclude": None,
    "packet-type": None,
    "dscp": None,
    "dscp-exclude": None,
    "ttl": None,
    "fragment": None,
    "ipsec": None,
    "mark": None,
    "connection-mark": None,
    "connection-status": None,
    "conntrack-helper": None,
    "add-address-to-group": None,
    "gre": None,
    "hop-limit": None,
    "vlan": None,
    "p2p": None,
}
_ADDRESS_GROUPS = frozenset({"address-group", "network-group"})
Resolve = Callable[[str], str]


def _side_space(side: str, cubes: list[tuple[int, int]]) -> FlowSpace:
    return FlowSpace.build(src=cubes) if side == "source" else FlowSpace.build(dst=cubes)


def _side(draft: Draft, groups: Groups, cond: Cond, st: Statement, rest: tuple[str, ...]) -> None:
    """``source|destination ...``: addresses, ports and groups."""
    side, leaf, values = rest[0], rest[1] if len(rest) > 1 else "", rest[2:]
    ports = "sport" if side == "source" else "dport"
    if leaf == "address" and len(values) == 1:
        text, neg = negation(values[0])
        cond.add(_side_space(side, address_cubes(text)), neg)
    elif leaf == "port" and len(values) == 1:
        text, neg = negation(values[0])
        cond.add(ports_space(ports, port_intervals(text)), neg)
    elif leaf == "group" and len(values) == 2 and values[0] in (*_ADDRESS_GROUPS, "port-group"):
        name, neg = negation(values[1])
        if values[0] == "port-group":
            cond.add(ports_space(ports, groups.ports(name)), neg)
        else:
            cond.add(_side_space(side, groups.cubes(values[0], name)), neg)
    elif leaf == "group" and values:
        cond.inexact(f"{side} {values[0]} (members not decidable as IPv4 addresses from the text)")
    elif leaf in ("fqdn", "geoip", "mac-address", "address-mask"):
        cond.inexact(f"{side} {leaf}")
    elif leaf == "description":
        draft.ignored(st)
    else:
        raise CondError(f"unknown {side} condition")


def _interface(groups: Groups, cond: Cond, rest: tuple[str, ...]) -> None:
    side = "in" if rest[0] == "inbound-interface" else "out"
    if len(rest) == 3 and rest[1] in ("name", "interface-name"):
        name, neg = negation(rest[2])
        names = frozenset({name[:-1] + "+" if name.endswith("*") else name})
    elif len(rest) == 3 and rest[1] in ("group", "interface-group"):
        group, neg = negation(rest[2])
        names = frozenset(groups.values("interface-group", group))
    elif len(rest) == 2:  # 1.3 / early 1.4: the name itself
        name, neg = negation(rest[1])
        names = frozenset({name})
    else:
        raise CondError("unknown interface condition")
    cond.interface(side, names, neg)


class RuleReader:
    """Reads the statements of one rule into a Rule (or nothing, when disabled)."""

    def __init__(self, draft: Draft, groups: Groups, resolve: Resolve) -> None:
        """Read rules into ``draft``; ``resolve`` turns a jump-target into a rule set name."""
        self.draft = draft
        self.groups = groups
        self.resolve = resolve

    def read(self, statements: list[tuple[Statement, tuple[str, ...]]]) -> Rule | None:
        """Return the Rule the statements (each with its words after ``rule N``) describe."""
        draft = self.draft
        cond = Cond()
        action_word: str | None = None
        action_st: Statement | None = None
        target: str | None = None
        states: list[str] = []
        disabled = False
        undecided: list[tuple[Statement, str]] = []
        for st, rest in statements:
            head = rest[0] if rest else ""
            try:
                if head == "action" and len(rest) == 2:
                    action_word, action_st = rest[1], st
                elif head == "jump-target" and len(rest) == 2:
                    target = self.resolve(rest[1])
                elif head == "disable" and len(rest) == 1:
                    disabled = True
                elif head in NO_EFFECT:
                    draft.ignored(st)
                elif head == "protocol" and len(rest) == 2:
                    text, neg = negation(rest[1])
                    cond.add(protocol_space(text), neg)
                elif head in ("source", "destination"):
                    _side(draft, self.groups, cond, st, rest)
                elif head == "state" and len(rest) == 2:
                    states.append(rest[1])
                elif head == "state" and len(rest) == 3 and rest[2] in ("enable", "disable"):
                    if rest[2] == "enable":
                        states.append(rest[1])
                elif head in ("inbound-interface", "outbound-interface"):
                    _interface(self.groups, cond, rest)
                elif head in _INEXACT:
                    cond.inexact(f"'{' '.join(rest)}'", _INEXACT[head])
                    undecided.append((st, f"cannot decide from the text: {head}"))
                else:
                    cond.inexact(f"unknown condition '{' '.join(rest)}'")
                    draft.unrecognized(st)
            except CondError as exc:
                cond.inexact(str(exc))
                draft.diagnose(st, DiagnosticKind.UNSUPPORTED, str(exc))
            draft.extracted(st)
        if states:
            try:
                cond.add(state_space(states))
            except CondError as exc:
                cond.inexact(str(exc))
        for st, reason in undecided:  # relevant when what the rule could match includes TCP/UDP
            draft.diagnose(st, DiagnosticKind.UNSUPPORTED, reason, relevant=_relevant(cond))
        if disabled:
            return None
        first = statements[0][0]
        source = draft.source(action_st or first)
        if action_word == "continue":
            return None  # no verdict: the next rule decides
        action = ACTIONS.get(action_word or "")
        if action is None or (action is Action.JUMP and target is None):
            what = f"action {action_word!r}" if action_word else "no action"
            reason = f"{what}: what the rule does with the packets it matches is not in the text"
            known = action_word in UNKNOWN_OUTCOME
            kind = DiagnosticKind.UNSUPPORTED if known else DiagnosticKind.UNRECOGNIZED
            draft.diagnose(action_st or first, kind, reason, _relevant(cond))
            return Rule(Action.DENY, None, source, bound=None, interfaces=cond.interfaces())
        if action is not Action.JUMP:
            target = None
        if cond.exact or cond.space.is_empty():
            return Rule(action, cond.space, source, target=target, interfaces=cond.interfaces())
        return Rule(action, None, source, bound=cond.space, target=target, interfaces=cond.interfaces())


def _relevant(cond: Cond) -> bool:
    return cond.space.intersects(TCP_UDP)
