"""``/ip firewall filter``, ``raw`` and ``nat`` commands into rules and translations.

Part of the mikrotik_routeros parser (parse stage). RouterOS firewall is netfilter
underneath; the semantics encoded here (VENDORS.md §6.1-6.2, help.mikrotik.com "Common
Firewall Matchers and Actions", Manual:IP/Firewall/Filter):

- Rules are first-match, top-down, per chain. A built-in chain (filter input, forward,
  output; raw prerouting, output) that no rule decides accepts; a custom chain returns
  to the rule after the jump. ``action`` defaults to ``accept`` when the line omits it.
- ``passthrough``, ``log`` and ``add-src/dst-to-address-list`` do not decide: the packet
  goes on to the next rule, so they make no rule. ``fasttrack-connection`` may or may not
  fast-track a packet (the defconf follows it with an accept for that reason): it becomes
  an accept of unknown extent within what it matches. ``notrack`` (raw) exempts packets
  from tracking, so later ``connection-state`` conditions see them as untracked.
- ``ipsec-policy=in|out,ipsec|none`` is netfilter's policy match: with no IPsec policy in
  the file (none added, no identity that generates them) no packet is IPsec-processed,
  so ``ipsec`` matches nothing and ``none`` everything; otherwise it is inexact.
- ``tcp-flags`` follows the engine's TCP model: a new connection's packet is a bare SYN,
  later packets carry ACK and no SYN (their other flags unknown).
- Conditions the text cannot decide (ipsec policies present, layer7, time, rates, marks, lists
  whose entries are dynamic or DNS names...) make the rule inexact with the rest of its
  conditions as a bound, never dropped.
"""

from __future__ import annotations

from functools import lru_cache

from auditor.flowspace import TCP, Atom, Cube, FlowSpace
from auditor.model import Action, DiagnosticKind, PortMapping, Rule
from auditor.parsers.linux.common import Cond, CondError, Disposition
from auditor.parsers.mikrotik_routeros.draft import BUILTIN_LISTS, Draft, Item, NatMapping
from auditor.parsers.mikrotik_routeros.lexer import Command
from auditor.parsers.mikrotik_routeros.matchers import (
    address_cubes,
    cached_address_cubes,
    negated,
    plain_cube,
    port_intervals,
    protocol_number,
    state_space,
    tcp_flags_states,
)
from auditor.parsers.mikrotik_routeros.space import FIELD, FULL, MatchBuilder, field_atoms, single_field

BUILTIN_CHAINS = {"filter": ("input", "forward", "output"), "raw": ("prerouting", "output")}
VERDICTS = {
    "accept": Action.PERMIT,
    "drop": Action.DENY,
    "reject": Action.DENY,
    "tarpit": Action.DENY,
    "return": Action.RETURN,
}
NON_DECIDING = frozenset({"passthrough", "log", "add-src-to-address-list", "add-dst-to-address-list"})
# Properties that say what to do with a match, not which packets match.
ACTION_KEYS = frozenset(
    {"chain", "action", "jump-target", "comment", "disabled", "log", "log-prefix", "reject-with"}
    | {"address-list", "address-list-timeout", "hw-offload", "to-addresses", "to-ports"}
    | {"place-before", "copy-from", "passthrough", "randomise-ports"}
)
NAT_TRANSLATIONS = frozenset({"dst-nat", "netmap", "redirect"})


def _interface_names(
    draft: Draft, list_name: str, seen: frozenset[str] = frozenset()
) -> frozenset[str] | None:
    """Members of an interface list, or None when the text cannot tell them all."""
    if list_name in ("dynamic", "static") or list_name in draft.dynamic_interface_lists or list_name in seen:
        return None  # filled at run time (or a list that includes itself)
    found = draft.interface_lists.get(list_name)
    if found is None:
        return None
    members = set(found.members)
    inner = seen | {list_name}
    for other in found.include:
        more = _interface_names(draft, other, inner) if other not in ("all", "none") else None
        if more is None and other != "none":
            return None
        members |= more or set()
    for other in found.exclude:
        less = _interface_names(draft, other, inner) if other != "none" else frozenset()
        if less is None:
            return None
        members -= less
    return frozenset(members)


def _interface(
    draft: Draft, cond: Cond, match: MatchBuilder, side: str, value: str, is_list: bool, item: Item
) -> None:
    neg, name = negated(value)
    if not is_list and name.startswith("all-"):
        cond.inexact(f"{side}-interface={value} (every interface of a kind)")
        return
    if is_list and name == "all":
        if neg:
            match.add(FlowSpace())  # "not any interface": matches nothing
        return
    if is_list and name == "none":
        if not neg:
            match.add(FlowSpace())
        return
    if is_list:
        names = _interface_names(draft, name)
        if names is None:
            why = draft.dynamic_interface_lists.get(name) or (
                "a built-in list filled at run time"
                if name in BUILTIN_LISTS
                else "it includes lists whose members are not all in the text"
                if name in draft.interface_lists
                else "not defined in this file"
            )
            cond.inexact(f"{side}-interface-list={value} ({why})")
            return
    else:
        names = frozenset({name})
        draft.see_interface(name, item.source)
    old = cond.ingress if side == "in" else cond.egress
    old_neg = cond.ingress_negated if side == "in" else cond.egress_negated
    if old is not None:  # both in-interface and in-interface-list: both must hold
        if not old_neg and not neg:
            names, neg = old & names, False
        elif old_neg and neg:
            names = old | names
        else:
            names, neg = (old - names, False) if neg else (names - old, False)
    cond.interface(side, names, neg)


def _address_list(draft: Draft, cond: Cond, match: MatchBuilder, field_name: str, value: str) -> None:
    neg, name = negated(value)
    entries = draft.address_lists.get(name)
    why = draft.dynamic_address_lists.get(name)
    if why is None and entries is None:
        why = "no static entries in this file (entries may be dynamic)"
    if why is None and entries is not None and entries.inexact:
        why = "; ".join(entries.inexact)
    if why is not None:
        cond.inexact(f"{field_name}={value}: {why}")
        return
    assert entries is not None
    side = "src" if field_name.startswith("src") else "dst"
    atoms = field_atoms(side, tuple(entries.cubes)) if entries.cubes else ()  # () as FlowSpace()
    if neg:
        match.add(single_field(FIELD[side], atoms), True)
    else:
        match.atoms(FIELD[side], atoms)


def _nat_state(cond: Cond, value: str) -> bool | None:
    """Read ``connection-nat-state``; return the dstnat condition's negation, left for later."""
    neg, states = negated(value)
    names = {s.strip() for s in states.split(",")}
    if not names <= {"srcnat", "dstnat"}:
        raise CondError(f"unknown connection-nat-state {value!r}")
    if "srcnat" in names:
        cond.inexact(f"connection-nat-state={value} (source NAT is decided after the forward chain)")
        return None
    return neg


def _dstnat(draft: Draft, cond: Cond, neg: bool) -> FlowSpace:
    """Apply ``connection-nat-state=[!]dstnat``; return the part of the match left undecided.

    A translated packet reaches the forward chain with its new destination, so only packets
    in ``draft.dstnat_space`` (what the dstnat rules translate to) can be in that state.
    """
    overlap = cond.space & draft.dstnat_space
    if overlap.is_empty():
        if not neg:
            cond.add(FlowSpace())  # no translated packet can match
        return FlowSpace()
    if not neg:
        cond.inexact("connection-nat-state=dstnat", draft.dstnat_space)
        return FlowSpace()
    return overlap  # !dstnat: exact outside what dstnat rules translate to, unknown inside


def _ipsec_policy(draft: Draft, cond: Cond, match: MatchBuilder, value: str) -> None:
    direction, _, kind = value.partition(",")
    if direction not in ("in", "out") or kind not in ("ipsec", "none"):
        raise CondError(f"unknown ipsec-policy {value!r}")
    if draft.ipsec_policies:
        cond.inexact(f"ipsec-policy={value} ({'; '.join(draft.ipsec_policies[:3])})")
    elif kind == "ipsec":
        match.add(FlowSpace())  # no IPsec policy in the file: no packet is IPsec-processed


# Conditions on one header field each: the FlowSpace.build field their values fill.
_SINGLE_FIELD = {
    "src-address": "src",
    "dst-address": "dst",
    "protocol": "protocols",
    "dst-port": "dport",
    "src-port": "sport",
    "connection-state": "state",
}


@lru_cache(maxsize=1024)
def _single(key: str, value: str) -> tuple[int, tuple[Atom, ...], bool]:
    """Read a single-field condition: its field, its atoms and whether it is negated; cached.

    The atoms are those of ``FlowSpace.build`` on the values (no atom: no packet).
    Raises CondError when the value cannot be read.
    """
    neg = value[:1] == "!"  # negated(value), without the call
    bare = value[1:] if neg else value
    name = _SINGLE_FIELD[key]
    index = FIELD[name]
    if key == "connection-state":
        return index, tuple(box[index] for box in state_space(bare).boxes), neg
    values: tuple[tuple[int, int], ...]
    if key == "protocol":
        number = protocol_number(bare)
        values = ((number, number),)
    elif key in ("src-address", "dst-address"):
        values = cached_address_cubes(bare)
        if len(values) == 1:
            return index, values, neg  # field_atoms keeps a single cube as it is
    else:
        values = tuple(port_intervals(bare))
    return index, field_atoms(name, values), neg


@lru_cache(maxsize=4096)
def _either_port(ports: tuple[tuple[int, int], ...]) -> FlowSpace:
    """Return the packets with either port in ``ports`` (``port=``)."""
    return FlowSpace.build(dport=ports) | FlowSpace.build(sport=ports)


def _read_single(match: MatchBuilder, key: str, value: str) -> None:
    index, atoms, neg = _single(key, value)
    if neg:
        match.add(single_field(index, atoms), True)
    else:
        match.atoms(index, atoms)


def _read_port(match: MatchBuilder, value: str) -> None:
    neg, bare = negated(value)
    match.add(_either_port(tuple(port_intervals(bare))), neg)


# Conditions whose packet set depends on their own text only, not on the rest of the file.
_CONTEXT_FREE = frozenset(_SINGLE_FIELD) | {"port"}


@lru_cache(maxsize=4096)
def _context_free(matchers: tuple[tuple[str, str], ...]) -> FlowSpace:
    """Return the match of a rule whose conditions are all context free; cached on their text.

    Such a rule reads the same wherever it stands (the proof of a remediation parses the
    edited export again), and nothing else of its Cond changes: it stays exact, with no
    interface. Raises CondError on the first unreadable condition, as the full reading does.
    """
    box = list(FULL)
    seen: set[int] = set()
    for key, value in matchers:  # most rules: one atom per field, no negation, no port=
        if key == "port":
            break
        index, atoms, neg = _single(key, value)
        if neg or len(atoms) != 1 or index in seen:
            break
        box[index] = atoms[0]
        seen.add(index)
    else:
        return FlowSpace((tuple(box),))  # type: ignore[arg-type]  # what MatchBuilder.space makes of it
    match = MatchBuilder()
    for key, value in matchers:
        if key == "port":
            _read_port(match, value)
        else:
            _read_single(match, key, value)
    return match.space()


# What a plain verdict rule does with each property: skip it (what to do with a match), read
# a plain address straight into its field (the index), read it by _single, or give up the
# one-box reading (port=, which is two fields); a property not here is not context free.
_SKIP, _SINGLE, _PORT = -1, 0, 9
_PLAIN_KINDS: dict[str, int] = (
    dict.fromkeys(_SINGLE_FIELD, _SINGLE)
    | {"src-address": FIELD["src"], "dst-address": FIELD["dst"], "port": _PORT}
    | dict.fromkeys(ACTION_KEYS, _SKIP)
)
_PLAIN_MENUS = frozenset({("ip", "firewall", "filter"), ("ip", "firewall", "raw")})
# plain_cube's readings: a plain dict, no LRU bookkeeping (a rule's source address mostly
# repeats, its destination mostly does not); emptied when it holds one device's worth.
_PLAIN_CUBES: dict[str, Cube] = {}
PlainVerdict = tuple[tuple[str, str], Action, FlowSpace]


def plain_verdict(command: Command) -> PlainVerdict | None:
    """Return ``((table, chain), action, match)`` when ``command`` is a plain verdict rule, else None.

    A plain verdict rule is an enabled ``add`` of ``/ip firewall filter`` or ``raw`` with a
    chain, a deciding action, no ``place-before`` and only context-free conditions, all
    readable: ``filter_rule`` makes it one exact Rule without interfaces, and nothing in it
    defines a list. Its reading depends on the command's own text only, so it is kept on the
    Command, which the lexer caches per line (the proof parses the same lines again).
    """
    reading = command.reading
    if reading is None:
        reading = command.reading = _plain_verdict(command) or False
    return reading or None


def _plain_verdict(command: Command) -> PlainVerdict | None:
    if command.verb != "add" or command.menu not in _PLAIN_MENUS:
        return None
    args = command.args
    chain_name = args.get("chain")
    action = args.get("action", "accept")
    if not chain_name or action not in VERDICTS or "place-before" in args:
        return None
    if args.get("disabled", "no").lower() in ("yes", "true"):  # as _disabled
        return None
    # _context_free(matchers), its one-box case read here directly: most rules' conditions
    # are new to the cache (an address), so its lookup would only cost. Each property names
    # a different field, so no field is read twice.
    box = list(FULL)
    one_box = True
    kinds, cubes = _PLAIN_KINDS, _PLAIN_CUBES
    try:
        for key, value in args.items():
            kind = kinds.get(key)
            if kind is None:
                return None  # not context free: the general path reads it
            if kind == _SKIP:
                continue
            if kind > 0:
                if kind == _PORT:
                    one_box = False
                    continue
                # Most rules' addresses: a plain one is its cube, what _single makes of it.
                cube = cubes.get(value)
                if cube is None:
                    cube = plain_cube(value)
                    if cube is not None:
                        if len(cubes) >= 4096:  # one device's worth
                            cubes.clear()
                        cubes[value] = cube
                if cube is not None:
                    box[kind] = cube
                    continue
            if one_box:
                index, atoms, neg = _single(key, value)
                if neg or len(atoms) != 1:
                    one_box = False
                    continue
                box[index] = atoms[0]
        if one_box:
            match = FlowSpace((tuple(box),))  # type: ignore[arg-type]
        else:
            match = _context_free(tuple([(k, v) for k, v in args.items() if k not in ACTION_KEYS]))
    except CondError:
        return None  # filter_rule reports it
    return (command.menu[2], chain_name), VERDICTS[action], match


def conditions(draft: Draft, item: Item) -> tuple[Cond, FlowSpace]:
    """Read a firewall command's matchers into a Cond; raises CondError on bad values.

    Also returns the part of the match whose ``connection-nat-state=!dstnat`` cannot be
    decided (empty when there is none).
    """
    args = item.command.args
    matchers = tuple([(key, value) for key, value in args.items() if key not in ACTION_KEYS])
    if _CONTEXT_FREE.issuperset([key for key, _ in matchers]):
        return Cond(space=_context_free(matchers)), FlowSpace()
    cond = Cond()
    match = MatchBuilder()  # the intersections of cond.add, read in the same order
    nat_state: bool | None = None
    for key, value in matchers:
        if key in _SINGLE_FIELD:
            _read_single(match, key, value)
        elif key in ("src-address-list", "dst-address-list"):
            _address_list(draft, cond, match, key, value)
        elif key == "port":
            _read_port(match, value)
        elif key == "connection-nat-state":
            nat_state = _nat_state(cond, value)
        elif key in ("in-interface", "out-interface", "in-interface-list", "out-interface-list"):
            side = "in" if key.startswith("in-") else "out"
            _interface(draft, cond, match, side, value, key.endswith("-list"), item)
        elif key == "ipsec-policy":
            _ipsec_policy(draft, cond, match, value)
        elif key == "tcp-flags":
            sure, maybe = tcp_flags_states(value)
            tcp = FlowSpace.build(protocols=[(TCP, TCP)])
            states_space = FlowSpace.build(state=[(v, v) for v in sorted(sure + maybe)])
            if maybe:
                cond.inexact(f"tcp-flags={value} on packets after the first")
                match.add(tcp & states_space)
            else:
                match.add(tcp & states_space if sure else FlowSpace())
        else:
            cond.inexact(f"{key}={value}")
    cond.space = match.space()
    undecided = _dstnat(draft, cond, nat_state) if nat_state is not None else FlowSpace()
    return cond, undecided


def _disabled(item: Item) -> bool:
    return item.command.args.get("disabled", "no").lower() in ("yes", "true")


def _split(
    draft: Draft, item: Item, action: Action, cond: Cond, undecided: FlowSpace, target: str | None = None
) -> list[Rule]:
    """One rule, or two when part of its match has an undecidable ``!dstnat`` (same action)."""
    if undecided.is_empty() or not cond.exact:
        return [draft.rule(item, action, cond, target)]
    exact = Rule(action, cond.space - undecided, item.source, target=target, interfaces=cond.interfaces())
    unsure = Cond(space=undecided, ingress=cond.ingress, egress=cond.egress)
    unsure.ingress_negated, unsure.egress_negated = cond.ingress_negated, cond.egress_negated
    unsure.inexact(
        f"connection-nat-state=!dstnat for {undecided.describe()} (what dstnat rules translate to)"
    )
    return [exact, draft.rule(item, action, unsure, target)]


def filter_rule(draft: Draft, item: Item, table: str) -> None:
    """Read one ``add`` of ``/ip firewall filter`` or ``raw`` into its chain."""
    args = item.command.args
    chain_name = args.get("chain")
    if not chain_name:
        draft.diagnose(item, DiagnosticKind.UNRECOGNIZED, "firewall rule without chain=")
        return
    if _disabled(item):
        draft.mark(item, Disposition.IGNORED)  # disabled=yes: the router skips it
        return
    rules = draft.chain(table, chain_name, item.source)
    action = args.get("action", "accept")
    if "place-before" in args:  # a script, not an export: the insertion point needs the live list
        reason = f"place-before={args['place-before']}: insertion point not evaluated, read as appended"
        draft.diagnose(item, DiagnosticKind.UNSUPPORTED, reason)
    try:
        if action in VERDICTS:
            matchers = tuple([(key, value) for key, value in args.items() if key not in ACTION_KEYS])
            if _CONTEXT_FREE.issuperset([key for key, _ in matchers]):
                # What conditions and _split make of it: an exact match, no interface.
                rules.append(Rule(VERDICTS[action], _context_free(matchers), item.source))
                draft.mark(item, Disposition.EXTRACTED)
                return
        cond, undecided = conditions(draft, item)
    except CondError as exc:
        draft.diagnose(item, DiagnosticKind.UNRECOGNIZED, f"rule not understood: {exc}")
        rules.append(Rule(Action.DENY, None, item.source))  # may match anything, do anything
        return
    if action in NON_DECIDING:
        draft.mark(item, Disposition.EXTRACTED)  # counts, logs or fills a list: goes on
        return
    if action in VERDICTS:
        rules.extend(_split(draft, item, VERDICTS[action], cond, undecided))
    elif action == "jump" and args.get("jump-target"):
        target = args["jump-target"]
        draft.chain(table, target, item.source)
        rules.extend(_split(draft, item, Action.JUMP, cond, undecided, f"{table}/{target}"))
    elif action == "fasttrack-connection":
        rules.append(Rule(Action.PERMIT, None, item.source, bound=cond.space, interfaces=cond.interfaces()))
    elif action == "notrack" and table == "raw":
        rules.append(draft.rule(item, Action.UNTRACK, cond))
    else:
        draft.diagnose(item, DiagnosticKind.UNSUPPORTED, f"action {action!r} is not evaluated")
        rules.append(Rule(Action.DENY, None, item.source))
        return
    draft.mark(item, Disposition.EXTRACTED)


def nat_rule(draft: Draft, item: Item) -> None:
    """Read one ``/ip firewall nat add``: outside interfaces and port mappings."""
    args = item.command.args
    if _disabled(item):
        draft.mark(item, Disposition.IGNORED)
        return
    action = args.get("action", "accept")
    chain = args.get("chain", "")
    try:
        cond, _ = conditions(draft, item)
    except CondError as exc:
        draft.diagnose(item, DiagnosticKind.UNRECOGNIZED, f"nat rule not understood: {exc}")
        return
    if action in ("masquerade", "src-nat", "same"):
        # Hairpin NAT (back out of the LAN to a forwarded server) names a destination;
        # translation toward the outside does not.
        hairpin = any(key in args for key in ("dst-address", "dst-address-list"))
        lan = next(
            (found.members for name, found in draft.interface_lists.items() if name.upper() == "LAN"), set()
        )
        if cond.egress and not cond.egress_negated and not hairpin:
            for name in sorted(cond.egress - lan):
                reason = f"{action} out {name} (line {item.source.line})"
                draft.outside.setdefault(name, reason)
                draft.see_interface(name, item.source)
    elif action in NAT_TRANSLATIONS and chain != "srcnat":
        draft.nat_mappings.append(NatMapping(_mapping(item, cond), _ingress(cond), item.source))
    elif action not in ("accept", "return", "jump", "passthrough", "log", *NON_DECIDING):
        draft.diagnose(item, DiagnosticKind.UNSUPPORTED, f"nat action {action!r} is not evaluated", False)
        return
    draft.mark(item, Disposition.EXTRACTED)


def _ingress(cond: Cond) -> frozenset[str] | None:
    return cond.ingress if cond.ingress is not None and not cond.ingress_negated else None


def _mapping(item: Item, cond: Cond) -> PortMapping:
    args = item.command.args
    protocol = args.get("protocol", "")
    protocols: tuple[int, ...] | None = None
    if protocol and not protocol.startswith("!"):
        try:
            protocols = (protocol_number(protocol),)
        except CondError:
            protocols = None
    dport = args.get("dst-port", "")
    outside = tuple(port_intervals(dport)) if dport and not dport.startswith("!") else None
    to_ports = args.get("to-ports", "")
    inside = tuple(port_intervals(to_ports)) if to_ports else outside
    if args.get("action") == "redirect":
        address = "local"
    else:
        address = args.get("to-addresses", "?")
    where = args.get("dst-address") or args.get("dst-address-list") or args.get("in-interface")
    where = where or args.get("in-interface-list") or "*"
    return PortMapping(protocols, address, where, inside, outside, item.source)


def scan_dstnat(draft: Draft, item: Item) -> None:
    """Widen what dstnat rules translate to (for ``connection-nat-state``), before rules are read.

    The forward chain sees a translated packet's new destination: ``to-addresses`` and
    ``to-ports`` when given, else the rule's own ``dst-address`` and ``dst-port``. A
    ``redirect`` sends packets to the router itself, never through the forward chain.
    """
    args = item.command.args
    action = args.get("action")
    if _disabled(item) or action not in ("dst-nat", "netmap") or args.get("chain") == "srcnat":
        return
    space = FlowSpace.everything()
    try:
        protocol = args.get("protocol", "")
        if protocol and not protocol.startswith("!"):
            number = protocol_number(protocol)
            space = space & FlowSpace.build(protocols=[(number, number)])
        source = args.get("src-address", "")
        if source and not source.startswith("!"):
            space = space & FlowSpace.build(src=address_cubes(source))
        target = args.get("to-addresses") or args.get("dst-address", "")
        if target and not target.startswith("!"):
            space = space & FlowSpace.build(dst=address_cubes(target))
        ports = args.get("to-ports") or args.get("dst-port", "")
        if ports and not ports.startswith("!"):
            space = space & FlowSpace.build(dport=port_intervals(ports))
    except CondError:
        space = FlowSpace.everything()
    draft.dstnat_space = draft.dstnat_space | space
