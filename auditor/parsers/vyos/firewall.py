"""Firewall rule sets and where they bind (part of the vyos parser).

VyOS 1.4 and later (nftables): ``firewall ipv4 forward filter`` is the base chain on the
forward hook, bound to every interface; ``firewall ipv4 prerouting raw`` runs before it
(drops and ``notrack``); ``firewall ipv4 name X`` are chains reached by ``jump``. Rules run
in rule-number order, first match. A base chain with no ``default-action`` accepts, a
named chain drops (vyos-1x ``default-action-base-chains.xml.i`` / ``default-action.xml.i``;
VENDORS.md §8.3); early 1.4 rolling builds defaulted base chains to drop, which the
evidence names. ``global-options state-policy`` runs first in the base chains.

VyOS 1.3 and earlier (iptables): ``firewall name X`` rule sets apply to forwarded traffic
through ``interfaces <type> <if> firewall in|out name X``; ``local`` filters traffic to the
router itself. A 1.3 rule set without ``default-action`` drops (vyos-1x PR #1506, T4655:
"default action drop for 1.3"); ``state-policy`` runs first in every rule set.

Rolling 1.4 builds of 2022-23 bound the same ``firewall name X`` sets with
``firewall interface <if> in|out name X``, read the same way.

Zone-based policy (``firewall zone`` in 1.4+, ``zone-policy`` in 1.3) is not evaluated: its
lines are reported and flows go ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import FlowSpace
from auditor.model import Action, Binding, DiagnosticKind, Direction, Limitation, Rule, RuleSet, Source
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.linux.common import CondError, state_space
from auditor.parsers.vyos.draft import Draft
from auditor.parsers.vyos.groups import Groups, read_group
from auditor.parsers.vyos.rules import RuleReader

BASE_FORWARD = "ipv4 forward filter"
BASE_RAW = "ipv4 prerouting raw"
DEFAULT_ACTIONS = {
    "accept": Action.PERMIT,
    "drop": Action.DENY,
    "reject": Action.DENY,
    "return": Action.RETURN,
}
# Hooks that never see routed transit traffic, IPv6 and bridge filtering, and knobs with no
# effect on whether a new IPv4 connection is forwarded.
_IGNORED_FIREWALL = frozenset(
    {"ipv6", "ipv6-name", "bridge", "flowtable", "all-ping", "broadcast-ping", "config-trap", "ip-src-route",
     "ipv6-receive-redirects", "ipv6-src-route", "log-martians", "receive-redirects", "send-redirects",
     "source-validation", "syn-cookies", "twa-hazards-protection"}
)  # fmt: skip
_IGNORED_IPV4 = frozenset({"input", "output"})
_CHAIN_NO_EFFECT = frozenset({"description", "default-log", "enable-default-log", "default-log-options"})
_BASE_DEFAULT = (
    "default-action accept (not printed: the VyOS 1.4+ default for a base chain; "
    "early 1.4 rolling builds defaulted to drop)"
)


@dataclass(slots=True)
class Chain:
    """The statements of one rule set, gathered before rules are built."""

    name: str
    base: bool
    first: Statement
    default: Statement | None = None
    default_target: Statement | None = None
    rules: dict[int, list[tuple[Statement, tuple[str, ...]]]] = field(default_factory=dict)


@dataclass(slots=True)
class Firewall:
    """Everything read under ``firewall`` and the 1.3 interface bindings."""

    groups: Groups = field(default_factory=Groups)
    chains: dict[str, Chain] = field(default_factory=dict)
    state_policy: list[tuple[str, str, Statement]] = field(default_factory=list)  # state, action
    legacy_bindings: list[tuple[str, str, Direction, Statement]] = field(default_factory=list)
    zones: list[Statement] = field(default_factory=list)


def _chain(fw: Firewall, name: str, base: bool, st: Statement) -> Chain:
    if name not in fw.chains:
        fw.chains[name] = Chain(name, base, st)
    return fw.chains[name]


def _chain_statement(draft: Draft, chain: Chain, st: Statement, rest: tuple[str, ...]) -> None:
    if len(rest) >= 3 and rest[0] == "rule" and rest[1].isdigit():
        chain.rules.setdefault(int(rest[1]), []).append((st, rest[2:]))
    elif len(rest) == 2 and rest[0] == "default-action":
        chain.default = st
    elif len(rest) == 2 and rest[0] == "default-jump-target":
        chain.default_target = st
    elif rest and rest[0] in _CHAIN_NO_EFFECT:
        draft.ignored(st)
    else:
        draft.unrecognized(st)


def read_firewall(draft: Draft, fw: Firewall, st: Statement) -> None:
    """Read one statement under ``firewall``."""
    w = st.words
    sub = w[1] if len(w) > 1 else ""
    if sub == "group":
        read_group(draft, fw.groups, st)
    elif sub == "ipv4" and len(w) > 3 and w[2] == "forward" and w[3] == "filter":
        _chain_statement(draft, _chain(fw, BASE_FORWARD, True, st), st, w[4:])
    elif sub == "ipv4" and len(w) > 3 and w[2] == "prerouting" and w[3] == "raw":
        _chain_statement(draft, _chain(fw, BASE_RAW, True, st), st, w[4:])
    elif sub == "ipv4" and len(w) > 3 and w[2] == "name":
        _chain_statement(draft, _chain(fw, f"ipv4 name {w[3]}", False, st), st, w[4:])
    elif sub == "ipv4" and len(w) > 2 and w[2] in _IGNORED_IPV4:
        draft.ignored(st)  # input/output hooks: traffic to and from the router itself
    elif sub == "name" and len(w) > 2:
        _chain_statement(draft, _chain(fw, f"name {w[2]}", False, st), st, w[3:])
    elif sub == "global-options" and len(w) > 2 and w[2] == "state-policy":
        _state_policy(draft, fw, st, w[3:])
    elif sub == "state-policy":
        _state_policy(draft, fw, st, w[2:])
    elif sub == "global-options" or sub in _IGNORED_FIREWALL:
        draft.ignored(st)
    elif sub == "zone":
        fw.zones.append(st)
    elif sub == "interface" and len(w) > 3:  # 1.4 rolling, 2022-23: `firewall interface eth0 in name X`
        read_interface_firewall(draft, fw, st, w[2], w[3:])
    else:
        draft.unrecognized(st)


def _state_policy(draft: Draft, fw: Firewall, st: Statement, rest: tuple[str, ...]) -> None:
    if len(rest) == 3 and rest[1] == "action":
        fw.state_policy.append((rest[0], rest[2], st))
        draft.extracted(st)
    elif len(rest) >= 2 and rest[1] in ("log", "log-level"):
        draft.ignored(st)
    else:
        draft.unrecognized(st)


def read_interface_firewall(
    draft: Draft, fw: Firewall, st: Statement, interface: str, rest: tuple[str, ...]
) -> None:
    """1.3: ``interfaces <type> <if> [vif N] firewall in|out|local name|ipv6-name X``."""
    if len(rest) == 3 and rest[0] in ("in", "out") and rest[1] == "name":
        direction = Direction.IN if rest[0] == "in" else Direction.OUT
        fw.legacy_bindings.append((f"name {rest[2]}", interface, direction, st))
        draft.extracted(st)
    elif len(rest) == 3 and (rest[0] == "local" or rest[1] == "ipv6-name"):
        draft.ignored(st)  # traffic to the router itself, or IPv6
    else:
        draft.unrecognized(st)


def _resolver(name: str) -> str:
    return name


class _Builder:
    def __init__(self, draft: Draft, fw: Firewall) -> None:
        self.draft = draft
        self.fw = fw
        legacy = any(not c.base and not c.name.startswith("ipv4 ") for c in fw.chains.values())
        self.prefix = "name " if legacy and not any(c.base for c in fw.chains.values()) else "ipv4 name "
        self.reader = RuleReader(draft, fw.groups, lambda target: self.prefix + target)

    def state_rules(self) -> list[Rule]:
        rules = []
        for state, action_word, st in self.fw.state_policy:
            action = DEFAULT_ACTIONS.get(action_word)
            try:
                space = state_space([state])
            except CondError as exc:
                self.draft.diagnose(st, DiagnosticKind.UNSUPPORTED, str(exc))
                continue
            if action is None or action is Action.RETURN:
                self.draft.diagnose(st, DiagnosticKind.UNRECOGNIZED, f"state-policy action {action_word!r}")
                continue
            rules.append(Rule(action, space, self.draft.source(st)))
        return rules

    def default(self, chain: Chain, legacy: bool) -> tuple[Action, Rule | None]:
        """The set's end-of-list action and, for a set reached by jumps, an explicit last rule."""
        draft = self.draft
        if chain.default is not None:
            draft.extracted(chain.default)
            word = chain.default.words[-1]
            source = draft.source(chain.default)
            if word == "jump" and chain.default_target is not None:
                draft.extracted(chain.default_target)
                target = self.prefix + chain.default_target.words[-1]
                return Action.RETURN, Rule(Action.JUMP, FlowSpace.everything(), source, target=target)
            action = DEFAULT_ACTIONS.get(word)
            if action is None:
                reason = f"default-action {word!r} not modelled"
                draft.diagnose(chain.default, DiagnosticKind.UNSUPPORTED, reason)
                return Action.RETURN, Rule(Action.DENY, None, source)
            if chain.base or action is Action.RETURN:
                return action, None
            return action, Rule(action, FlowSpace.everything(), source)
        if chain.base:
            text = f"firewall {chain.name} {_BASE_DEFAULT}"
            implicit = Source(draft.file, chain.first.line, text)
            return Action.PERMIT, Rule(Action.PERMIT, FlowSpace.everything(), implicit)
        words = chain.name
        note = "1.3 rule set" if legacy else "1.4+ named chain"
        text = f"firewall {words} default-action drop (not printed: the VyOS default for a {note})"
        implicit = Source(draft.file, chain.first.line, text)
        return Action.DENY, Rule(Action.DENY, FlowSpace.everything(), implicit)

    def build(self) -> None:
        draft, fw = self.draft, self.fw
        legacy = any(not c.base and not c.name.startswith("ipv4 ") for c in fw.chains.values())
        state_rules = self.state_rules()
        for chain in fw.chains.values():
            rules: list[Rule] = []
            if chain.name == BASE_FORWARD or (legacy and not chain.base):
                rules.extend(state_rules)
            for number in sorted(chain.rules):
                rule = self.reader.read(chain.rules[number])
                if rule is not None:
                    rules.append(rule)
            default, last = self.default(chain, legacy and not chain.base)
            if last is not None:
                rules.append(last)
            source = draft.source(chain.first)
            draft.rulesets.append(RuleSet(chain.name, tuple(rules), default, source))
        for name in (BASE_RAW, BASE_FORWARD):
            if name in fw.chains:
                draft.bindings.append(Binding(name, "*", Direction.IN, draft.source(fw.chains[name].first)))
        defined = {rs.name for rs in draft.rulesets}
        for ruleset, interface, direction, st in fw.legacy_bindings:
            if ruleset not in defined:  # what it holds is not in the text: an opaque rule set
                defined.add(ruleset)
                reason = f"rule set {ruleset.removeprefix('name ')!r} is not defined in the text"
                draft.diagnose(st, DiagnosticKind.UNSUPPORTED, reason)
                opaque = Rule(Action.DENY, None, draft.source(st))
                draft.rulesets.append(RuleSet(ruleset, (opaque,), Action.DENY, draft.source(st)))
            draft.bindings.append(Binding(ruleset, interface, direction, draft.source(st)))
        for st in fw.zones:
            draft.diagnose(st, DiagnosticKind.UNSUPPORTED, "zone-based firewall policy is not evaluated")
        if fw.zones:
            draft.limitations.append(
                Limitation(
                    "zone-based firewall policy is configured; which zone pairs let the flows "
                    "through is not evaluated",
                    frozenset({"flow"}),
                    tuple(draft.source(st) for st in fw.zones[:3]),
                )
            )


def build_firewall(draft: Draft, fw: Firewall) -> None:
    """Turn the gathered chains into rule sets and bindings."""
    _Builder(draft, fw).build()
