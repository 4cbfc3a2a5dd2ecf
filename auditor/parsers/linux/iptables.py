"""``iptables-save`` text (and aerleon-style bare rule fragments) into the neutral model.

Part of the linux parser (parse stage). Every chain of the filter, raw, mangle and security
tables becomes a rule set ``<table>/<chain>``; the nat table yields port mappings and the
outside interface; ``raw`` ``CT --helper`` rules yield ALG features.

Semantics (iptables(8), VENDORS.md §7.1): a built-in chain ends in its policy, a user
chain returns to its caller; ``-g`` does not return to the chain that issued it; LOG, MARK
and other non-terminating targets let the packet continue, so they make no rule.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from auditor.flowspace import (
    STATE_MAX,
    TCP,
    Box,
    FlowSpace,
    cube_from_mask,
    cube_from_prefix,
    cubes_from_range,
    quad_value,
)
from auditor.model import (
    Action,
    Binding,
    DiagnosticKind,
    Direction,
    InterfaceMatch,
    Limitation,
    PortMapping,
    Rule,
    RuleSet,
    Source,
)
from auditor.parsers.base import shell_words
from auditor.parsers.linux.common import (
    OTHER_HELPERS,
    TCP_FLAG_NAMES,
    Cond,
    CondError,
    Disposition,
    Draft,
    complement,
    flags_equal,
    helper_kind,
    port_number,
    ports_space,
    protocol_number,
    state_space,
    tcp_flags_space,
)

_SYN_MASK = frozenset({"syn", "ack", "rst", "fin"})  # what --syn tests (iptables-extensions(8))


def _flag_names(text: str) -> frozenset[str]:
    """Return iptables flag names (``SYN,ACK``, ``ALL``, ``NONE``) as lowercase names."""
    names = frozenset(f.lower() for f in text.split(","))
    return TCP_FLAG_NAMES if names == {"all"} else frozenset() if names == {"none"} else names


BUILTIN = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}
# Chains a forwarded packet crosses that can drop it, in netfilter hook/priority order:
# PREROUTING (raw -300, mangle -150), FORWARD (mangle -150, filter 0, security 50),
# POSTROUTING (mangle -150).
TRANSIT = (
    ("raw", "PREROUTING"),
    ("mangle", "PREROUTING"),
    ("mangle", "FORWARD"),
    ("filter", "FORWARD"),
    ("security", "FORWARD"),
    ("mangle", "POSTROUTING"),
)
FILTERING_TABLES = ("filter", "raw", "mangle", "security")
VERDICTS = {"ACCEPT": Action.PERMIT, "DROP": Action.DENY, "REJECT": Action.DENY, "RETURN": Action.RETURN}
NON_TERMINATING = frozenset(
    {"LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE", "TCPMSS", "CLASSIFY"}
    | {"DSCP", "TOS", "TTL", "HL", "SET", "AUDIT", "CHECKSUM", "CONNSECMARK", "SECMARK", "LED"}
    | {"IDLETIMER", "RATEEST", "TEE", "HMARK", "CLUSTERIP"}
)
NAT_TARGETS = frozenset({"MASQUERADE", "SNAT", "DNAT", "REDIRECT", "NETMAP"})
# Options of targets and of modules that do not change which packets a rule matches.
TARGET_OPTIONS = frozenset(
    {"--reject-with", "--log-prefix", "--log-level", "--log-tcp-sequence", "--log-tcp-options"}
    | {"--log-ip-options", "--log-uid", "--nflog-group", "--nflog-prefix", "--nflog-threshold"}
    | {"--set-mark", "--set-xmark", "--and-mark", "--or-mark", "--xor-mark", "--save-mark"}
    | {"--restore-mark", "--nfmask", "--ctmask", "--mask", "--notrack", "--zone", "--ctevents"}
    | {"--timeout", "--set-mss", "--clamp-mss-to-pmtu", "--set-class", "--set-dscp"}
    | {"--set-dscp-class", "--to-source", "--to-destination", "--to-ports", "--to", "--random"}
    | {"--random-fully", "--persistent", "--helper", "--comment", "--nflog-size", "--nflog-range"}
)
EXACT_MODULES = frozenset({"tcp", "udp", "multiport", "state", "conntrack", "iprange", "comment", "icmp"})


@dataclass(slots=True)
class Chain:
    """A chain being read."""

    table: str
    name: str
    policy: Action | None  # None: a user chain
    source: Source | None
    rules: list[Rule | Source] = field(default_factory=list)  # a Source: a line not understood
    opaque: bool = False  # whether ``rules`` holds a Source


@dataclass(slots=True)
class Parsed:
    """One ``-A`` line, read."""

    chain: str
    cond: Cond
    jump: str | None = None
    goto: bool = False
    options: dict[str, str] = field(default_factory=dict)
    protocol: int | None = None
    dport: list[tuple[int, int]] | None = None
    daddr: str | None = None
    # Worked out once per reading (a memoized line serves every rule with its text):
    interfaces: InterfaceMatch | None = None  # cond.interfaces()
    names: tuple[str, ...] = ()  # the interface names, in the order Draft.see_interfaces takes them
    verdict: Action | None = None  # an exact -j ACCEPT/DROP/REJECT/RETURN rule's action, else None


def _address(value: str, ipv6: bool) -> list[tuple[int, int]]:
    cubes: list[tuple[int, int]] = []
    for part in value.split(","):
        if ":" in part:
            if not ipv6:
                raise CondError(f"IPv6 address {part!r} in an IPv4 ruleset")
            return []
        address, _, mask = part.partition("/")
        if not mask:
            cubes.append(cube_from_prefix(address + "/32"))
        elif mask.isdigit():
            cubes.append(cube_from_prefix(f"{address}/{mask}"))
        else:
            cubes.append(cube_from_mask(address, mask))
    return cubes


def _ranges(value: str, sep: str = ":") -> list[tuple[int, int]]:
    out = []
    for part in value.split(","):
        lo, has_sep, hi = part.partition(sep)
        first = port_number(lo) if lo else 0
        last = (port_number(hi) if hi else 65535) if has_sep else first
        if first > last:
            raise CondError(f"empty port range {part!r}")
        out.append((first, last))
    return out


_OPTION_KINDS = {
    **dict.fromkeys(("-p", "--protocol"), "protocol"),
    **dict.fromkeys(("-s", "--source", "--src"), "src"),
    **dict.fromkeys(("-d", "--destination", "--dst"), "dst"),
    **dict.fromkeys(("-i", "--in-interface"), "in"),
    **dict.fromkeys(("-o", "--out-interface"), "out"),
    **dict.fromkeys(("-j", "--jump", "-g", "--goto"), "jump"),
    **dict.fromkeys(("-m", "--match"), "match"),
    **dict.fromkeys(("--dport", "--destination-port", "--dports", "--destination-ports"), "dport"),
    **dict.fromkeys(("--sport", "--source-port", "--sports", "--source-ports"), "sport"),
    "--ports": "ports",
    **dict.fromkeys(("--state", "--ctstate"), "state"),
    "--syn": "syn",
    **dict.fromkeys(("--src-range", "--dst-range"), "range"),
    "--tcp-flags": "tcp-flags",
    **dict.fromkeys(("--icmp-type", "--icmpv6-type"), "icmp"),
    **dict.fromkeys(TARGET_OPTIONS, "target"),
}
_FLAG_OPTIONS = frozenset({"--random", "--random-fully", "--persistent", "--notrack", "--clamp-mss-to-pmtu"})


# Pure text -> value helpers, cached: a ruleset repeats its addresses, ports and protocols,
# and the proof of a fix reads the same lines again. A FlowSpace never changes, so one value
# can serve every rule that names the same text.
_protocol_number = lru_cache(maxsize=256)(protocol_number)


@lru_cache(maxsize=256)
def _protocol_space(number: int) -> FlowSpace:
    return FlowSpace.build(protocols=[(number, number)])


_ANY_CUBE = (0, 0)
_FULL_PROTOCOL, _FULL_PORTS, _FULL_STATE = (0, 255), (0, 65535), (0, STATE_MAX)


# The care mask of every prefix length text the plain form takes: one or two ASCII digits
# (a leading zero too, as ``int`` reads it) up to 32; any other text is not in the table.
_CARE_OF_LENGTH = {
    text: (0xFFFFFFFF << (32 - int(text))) & 0xFFFFFFFF
    for text in [str(bits) for bits in range(10)] + [f"{bits:02d}" for bits in range(33)]
}


def _prefix_cube(value: str) -> tuple[int, int] | None:
    """Return the cube of a plain ``a.b.c.d`` or ``a.b.c.d/len``, or None for any other form.

    The fast path of ``_address`` for one operand: None sends the text to the general path,
    which gives the same cube for every text this accepts.
    """
    address, slash, length = value.partition("/")
    quad = quad_value(address)
    if quad is None:
        return None
    if not slash:
        return (quad, 0xFFFFFFFF)
    care = _CARE_OF_LENGTH.get(length)
    if care is None:
        return None
    return (quad & care, care)


# Cached: a ruleset names the same source prefix on line after line.
plain_prefix_cube = lru_cache(maxsize=4096)(_prefix_cube)


@lru_cache(maxsize=8192)
def _address_space(side: str, value: str, ipv6: bool) -> FlowSpace:
    cube = plain_prefix_cube(value)
    if cube is not None:  # the box FlowSpace.build makes of one cube on one side
        if side == "src":
            return FlowSpace(((_FULL_PROTOCOL, cube, _ANY_CUBE, _FULL_PORTS, _FULL_PORTS, _FULL_STATE),))
        return FlowSpace(((_FULL_PROTOCOL, _ANY_CUBE, cube, _FULL_PORTS, _FULL_PORTS, _FULL_STATE),))
    cubes = _address(value, ipv6)
    return FlowSpace.build(**{side: cubes}) if cubes else FlowSpace()


@lru_cache(maxsize=4096)
def _port_ranges(value: str) -> tuple[tuple[int, int], ...]:
    return tuple(_ranges(value))


@lru_cache(maxsize=1024)
def _either_port_space(value: str) -> FlowSpace:
    ports = _port_ranges(value)
    return ports_space("sport", ports) | ports_space("dport", ports)


@lru_cache(maxsize=256)
def _ctstate_space(value: str) -> FlowSpace:
    return state_space(value.split(","))


@lru_cache(maxsize=2)
def _syn_space(negated: bool) -> FlowSpace:
    return tcp_flags_space(flags_equal(_SYN_MASK, frozenset({"syn"}), negated))


@lru_cache(maxsize=1024)
def _range_space(side: str, value: str) -> FlowSpace:
    first, _, last = value.partition("-")
    return FlowSpace.build(**{side: cubesfrom(first, last)})


def _read_rule(tokens: list[str], ipv6: bool) -> Parsed:
    """Read the tokens after ``-A``; raises CondError on values it cannot read."""
    parsed = Parsed(tokens[0], Cond())
    cond = parsed.cond
    boxes: tuple[Box, ...] | None = None  # what the conditions so far match; None: every packet
    i, negate, count = 1, False, len(tokens)
    while i < count:
        opt = tokens[i]
        arg = tokens[i + 1] if i + 1 < count else ""
        i += 2
        if opt == "!":
            negate, i = True, i - 1
            continue
        kind = _OPTION_KINDS.get(opt)
        if kind == "protocol":
            number = _protocol_number(arg)
            parsed.protocol = number
            if number is not None:
                boxes = _meet(boxes, _protocol_space(number), negate)
        elif kind == "src" or kind == "dst":
            boxes = _meet(boxes, _address_space(kind, arg, ipv6), negate)
            if kind == "dst" and not negate:
                parsed.daddr = arg
        elif kind == "in":
            cond.ingress, cond.ingress_negated = frozenset({arg}), negate
        elif kind == "out":
            cond.egress, cond.egress_negated = frozenset({arg}), negate
        elif kind == "jump":
            parsed.jump, parsed.goto = arg, opt in ("-g", "--goto")
        elif kind == "match":
            if arg not in EXACT_MODULES:
                cond.inexact(f"match module {arg!r}")
        elif kind == "dport":
            ports = _port_ranges(arg)
            parsed.dport = list(ports)
            boxes = _meet(boxes, ports_space("dport", ports), negate)
        elif kind == "sport":
            boxes = _meet(boxes, ports_space("sport", _port_ranges(arg)), negate)
        elif kind == "ports":
            boxes = _meet(boxes, _either_port_space(arg), negate)
        elif kind == "state":
            boxes = _meet(boxes, _ctstate_space(arg), negate)
        elif kind == "syn":  # SYN set, ACK, RST and FIN clear
            i -= 1
            boxes = _meet(boxes, _syn_space(negate))
        elif kind == "range":
            boxes = _meet(boxes, _range_space("src" if opt == "--src-range" else "dst", arg), negate)
        elif kind == "tcp-flags":
            mask = _flag_names(arg)
            comp = _flag_names(tokens[i] if i < count else "NONE")
            i += 1
            if mask | comp <= TCP_FLAG_NAMES:  # the flags under the mask must be exactly the set ones
                boxes = _meet(boxes, tcp_flags_space(flags_equal(mask, comp, negate)))
            else:
                cond.inexact(f"--tcp-flags {arg}")
                boxes = _meet(boxes, _TCP_ONLY)
        elif kind == "icmp":
            cond.inexact(f"{opt} {arg}")
        elif kind == "target":
            parsed.options[opt] = arg
            if opt in _FLAG_OPTIONS:
                i -= 1
        elif opt.startswith("-"):
            cond.inexact(f"option {opt!r}")
            i -= 1
            while i < count and not tokens[i].startswith("-") and tokens[i] != "!":
                i += 1
        else:
            raise CondError(f"unexpected word {opt!r}")
        negate = False
    if boxes is not None:
        cond.space = FlowSpace(boxes)
    return _settle(parsed)


def _settle(parsed: Parsed) -> Parsed:
    """Fill in what the reader needs of every reading: its interface condition and names."""
    cond = parsed.cond
    parsed.interfaces = cond.interfaces()
    names: list[str] = []
    for side in (cond.ingress, cond.egress):
        if side:
            names.extend(side if len(side) == 1 else sorted(side))
    parsed.names = tuple(names)
    parsed.verdict = _verdict(parsed.jump, parsed.goto, cond.exact)
    return parsed


def _verdict(jump: str | None, goto: bool, exact: bool) -> Action | None:
    """Return the action of an exact verdict rule (``_append``'s common case), else None."""
    if jump is None or goto or not exact:
        return None
    return VERDICTS.get(jump)


_TCP_ONLY = FlowSpace.build(protocols=[(TCP, TCP)])


def _meet(boxes: tuple[Box, ...] | None, space: FlowSpace, negated: bool = False) -> tuple[Box, ...]:
    """Return the boxes of ``FlowSpace(boxes) & space`` (or its complement) in ``&``'s order.

    What ``Cond.add`` does, one condition after another, without a FlowSpace per step; None
    is every packet (nothing added yet), and every packet met with ``space`` is ``space``.
    """
    if negated:
        space = complement(space)
    if boxes is None:
        return space.boxes
    other = space.boxes
    if len(boxes) == 1 and len(other) == 1:  # the common case: one box each
        box = _meet_box(boxes[0], other[0])
        return () if box is None else (box,)
    out = []
    for a in boxes:
        for b in other:
            box = _meet_box(a, b)
            if box is not None:
                out.append(box)
    return tuple(out)


def _meet_box(a: Box, b: Box) -> Box | None:
    """Return the box both boxes hold, or None (protocol, ports, state: intervals; addresses: cubes)."""
    # Comparisons rather than max()/min() calls: this runs for every condition of every rule.
    (plo, phi), (qlo, qhi) = a[0], b[0]
    lo0, hi0 = (plo if plo > qlo else qlo), (phi if phi < qhi else qhi)
    (sv, sc), (tv, tc) = a[1], b[1]
    (dv, dc), (ev, ec) = a[2], b[2]
    if lo0 > hi0 or (sv ^ tv) & sc & tc or (dv ^ ev) & dc & ec:
        return None
    (plo, phi), (qlo, qhi) = a[3], b[3]
    lo3, hi3 = (plo if plo > qlo else qlo), (phi if phi < qhi else qhi)
    (plo, phi), (qlo, qhi) = a[4], b[4]
    lo4, hi4 = (plo if plo > qlo else qlo), (phi if phi < qhi else qhi)
    (plo, phi), (qlo, qhi) = a[5], b[5]
    lo5, hi5 = (plo if plo > qlo else qlo), (phi if phi < qhi else qhi)
    if lo3 > hi3 or lo4 > hi4 or lo5 > hi5:
        return None
    return ((lo0, hi0), (sv | tv, sc | tc), (dv | ev, dc | ec), (lo3, hi3), (lo4, hi4), (lo5, hi5))


# The common plain rule, as iptables-save and hand-written files print it: interfaces,
# plain dotted-quad prefixes (either order), one protocol and its module, one destination
# port or range, one conntrack state list and a target without options. Words are single
# spaces apart and hold no quoting character, so they are the words shell_words gives.
_WORD = r"[\w.+@][\w.+@-]*"
# Each optional part is written ``(?:X|)``, not ``(?:X)?``: the same tries in the same order
# (X first, then nothing), so the same match, but a branch where ``?`` is a repeat (slower).
_PLAIN_RULE = re.compile(
    rf"-A (\w[\w.-]*)"
    r"(?: -s ([0-9./]+)|)(?: -d ([0-9./]+)|)"
    rf"(?: -i ({_WORD})|)(?: -o ({_WORD})|)"
    r"(?: -s ([0-9./]+)|)(?: -d ([0-9./]+)|)"
    r"(?: -p ([A-Za-z0-9]+)|)(?: -m (?:tcp|udp)|)(?: --dport ([0-9]{1,5}(?::[0-9]{1,5}|))|)"
    r"(?: -m (?:conntrack --ctstate|state --state) ([A-Za-z]+(?:,[A-Za-z]+)*)|)"
    r" -j (\w[\w-]*)"
)


# What the line loop keeps of a plain exact verdict line: its action, space, interface
# condition, chain and interface names (in the order Draft.see_interfaces takes them). That
# is all its Rule needs, without the Parsed and Cond of a full reading.
PlainVerdict = tuple[Action, FlowSpace, InterfaceMatch | None, str, tuple[str, ...]]


def read_plain_rule(text: str, ipv6: bool = False) -> Parsed | None:
    """Read a plain ``-A`` line (``_PLAIN_RULE``) without the general reader, or return None.

    The value is the one ``_read_rule`` gives for the same words, boxes in the same order:
    every condition here but the state list is one box on a field of its own (the same
    cached spaces the general reader meets), so they meet into one box in any order, and the
    state boxes each meet that box in their own order. None (a form outside the pattern, an
    address that is not one box, a value the general reader rejects) sends the line to the
    general reader.
    """
    reading = _read_plain(text, ipv6, True)
    assert not isinstance(reading, tuple)  # a full reading is asked for
    return reading


def _read_plain(text: str, ipv6: bool, full: bool) -> Parsed | PlainVerdict | None:
    """Return ``read_plain_rule``'s reading, or (not ``full``) an exact verdict line's compact one."""
    match = _PLAIN_RULE.fullmatch(text)
    if match is None:
        return None
    chain, src1, dst1, ingress, egress, src2, dst2, protocol, dport, states, jump = match.groups()
    if src2 is None:
        src = src1
    elif src1 is None:
        src = src2
    else:
        return None  # the same field twice: the general reader meets them
    if dst2 is None:
        dst = dst1
    elif dst1 is None:
        dst = dst2
    else:
        return None
    try:
        number, protocol_atom, ranges, state, verdict = _plain_tail(protocol, dport, states, jump)
        src_cube: tuple[int, int] | None = _ANY_CUBE
        if src is not None:  # (a cube is never falsy)
            src_cube = plain_prefix_cube(src) or _one_cube("src", src, ipv6)
        dst_cube: tuple[int, int] | None = _ANY_CUBE
        if dst is not None:
            dst_cube = plain_prefix_cube(dst) or _one_cube("dst", dst, ipv6)
    except (CondError, ValueError):
        return None
    if src_cube is None or dst_cube is None:
        return None  # not one box: the general reader meets them
    dport_atom = _FULL_PORTS if ranges is None else ranges[0]
    box = (protocol_atom, src_cube, dst_cube, _FULL_PORTS, dport_atom, _FULL_STATE)
    if src is not None or dst is not None or number is not None or ranges is not None:
        space = FlowSpace(_meet((box,), state)) if state is not None else FlowSpace((box,))
    else:  # no condition but the state list, if any
        space = FlowSpace(state.boxes) if state is not None else FlowSpace.everything()
    in_names, out_names, interfaces, names = _plain_interfaces(ingress, egress)
    if verdict is not None and not full:
        return (verdict, space, interfaces, chain, names)
    cond = Cond(space, True, [], in_names, out_names, False, False)
    dports = None if ranges is None else list(ranges)
    return Parsed(chain, cond, jump, False, {}, number, dports, dst, interfaces, names, verdict)


@lru_cache(maxsize=1024)
def _plain_tail(
    protocol: str | None, dport: str | None, states: str | None, jump: str
) -> tuple[int | None, tuple[int, int], tuple[tuple[int, int], ...] | None, FlowSpace | None, Action | None]:
    """Return what a plain rule's protocol, port, state list and target give its reading.

    The protocol number and atom, the port ranges, the state space and the exact verdict's
    action; raises CondError or ValueError as the general reader does on the same values.
    Cached: rule after rule names the same few of these.
    """
    number = None if protocol is None else _protocol_number(protocol)
    ranges = None if dport is None else _port_ranges(dport)
    state = None if states is None else _ctstate_space(states)
    atom = _FULL_PROTOCOL if number is None else (number, number)
    return number, atom, ranges, state, VERDICTS.get(jump)


def _one_cube(side: str, value: str, ipv6: bool) -> tuple[int, int] | None:
    """Return the one cube ``_address_space`` gives ``value`` on ``side``, or None if not one."""
    cube = plain_prefix_cube(value)  # what _address_space puts in its box, without the box
    if cube is not None:
        return cube
    boxes = _address_space(side, value, ipv6).boxes
    return None if len(boxes) != 1 else boxes[0][1 if side == "src" else 2]


@lru_cache(maxsize=256)
def _plain_interfaces(
    ingress: str | None, egress: str | None
) -> tuple[frozenset[str] | None, frozenset[str] | None, InterfaceMatch | None, tuple[str, ...]]:
    """Return what ``_settle`` makes of ``-i ingress -o egress`` (rules repeat them: cached)."""
    cond = Cond(
        ingress=None if ingress is None else frozenset((ingress,)),
        egress=None if egress is None else frozenset((egress,)),
    )
    parsed = _settle(Parsed("", cond))
    return cond.ingress, cond.egress, parsed.interfaces, parsed.names


# A plain rule line cut at its `` -d `` word: the part before the destination (chain, source,
# interfaces) and the part after it (protocol, port, state list, target), as ``_PLAIN_RULE``
# reads them with the destination in its second place. The rules of a file share the first
# part and repeat the second, so each part is read once (cached); only the destination, new
# on nearly every line, is read line by line.
_PLAIN_HEAD = re.compile(
    rf"-A (\w[\w.-]*)(?: -s ([0-9./]+)|)(?: -i ({_WORD})|)(?: -o ({_WORD})|)(?: -s ([0-9./]+)|)"
)
_PLAIN_REST = re.compile(
    r"(?: -p ([A-Za-z0-9]+)|)(?: -m (?:tcp|udp)|)(?: --dport ([0-9]{1,5}(?::[0-9]{1,5}|))|)"
    r"(?: -m (?:conntrack --ctstate|state --state) ([A-Za-z]+(?:,[A-Za-z]+)*)|)"
    r" -j (\w[\w-]*)"
)


def read_cut_rule(text: str) -> PlainVerdict | None:
    """Return the compact reading of a plain verdict line with a destination, or None.

    Read from its two cached parts and its destination. A line this reads is one
    ``_PLAIN_RULE`` takes (the parts' patterns around a plain prefix are a path through it,
    the source and destination in one of its two places each), so the value is the one
    ``_read_plain`` gives. None (no `` -d `` word, a part of another form, a source that is
    not a plain prefix, a target that is not a verdict) sends the line to ``_read_plain``.
    """
    head, _, tail = text.partition(" -d ")
    end = tail.find(" ")  # (-1 also when there is no -d: the tail is empty)
    if end < 0:
        return None
    first = _plain_head(head)
    if first is None:
        return None
    rest = _plain_rest(tail[end:])
    if rest is None:
        return None
    dst_cube = _prefix_cube(tail[:end])  # not cached: a destination is new on nearly every line
    if dst_cube is None:
        return None
    chain, src_cube, interfaces, names = first
    protocol_atom, dport_atom, state, verdict = rest
    box = (protocol_atom, src_cube, dst_cube, _FULL_PORTS, dport_atom, _FULL_STATE)
    space = FlowSpace((box,)) if state is None else FlowSpace(_meet((box,), state))
    return (verdict, space, interfaces, chain, names)


@lru_cache(maxsize=256)
def _plain_head(
    head: str,
) -> tuple[str, tuple[int, int], InterfaceMatch | None, tuple[str, ...]] | None:
    """Return the chain, source cube, interface condition and names of a plain line's head."""
    match = _PLAIN_HEAD.fullmatch(head)
    if match is None:
        return None
    chain, src1, ingress, egress, src2 = match.groups()
    if src1 is not None and src2 is not None:
        return None  # the same field twice: the general reader meets them
    src = src1 if src2 is None else src2
    cube = _ANY_CUBE if src is None else plain_prefix_cube(src)
    if cube is None:
        return None
    _, _, interfaces, names = _plain_interfaces(ingress, egress)
    return chain, cube, interfaces, names


@lru_cache(maxsize=1024)
def _plain_rest(
    rest: str,
) -> tuple[tuple[int, int], tuple[int, int], FlowSpace | None, Action] | None:
    """Return the protocol and port atoms, state space and action of a plain verdict line's rest."""
    match = _PLAIN_REST.fullmatch(rest)
    if match is None:
        return None
    try:
        _, protocol_atom, ranges, state, verdict = _plain_tail(*match.groups())
    except (CondError, ValueError):
        return None
    if verdict is None:
        return None  # not a verdict: the whole line is read in full
    return protocol_atom, _FULL_PORTS if ranges is None else ranges[0], state, verdict


@lru_cache(maxsize=4096)
def _line_reading(text: str, ipv6: bool) -> Parsed | PlainVerdict:
    # A pure function of the line and the file's family: the proof of a fix reads the same
    # lines again, and fleets repeat rules. Callers only read what they get: one reading
    # serves every line with this text. A plain exact verdict line keeps its compact reading.
    reading = read_cut_rule(text) or _read_plain(text, ipv6, False)  # (a reading is never falsy)
    return _read_rule(shell_words(text)[1:], ipv6) if reading is None else reading


def _read_line(text: str, ipv6: bool) -> Parsed:
    """Return the full reading of a rule line (memoized by ``_line_reading``: never change it)."""
    reading = _line_reading(text, ipv6)
    if isinstance(reading, Parsed):
        return reading
    full = read_plain_rule(text, ipv6)  # a compact reading's line, read in full (rarely asked)
    assert full is not None
    return full


def cubesfrom(first: str, last: str) -> list[tuple[int, int]]:
    """Return the cubes of an inclusive address range ``first``-``last``."""
    try:
        return cubes_from_range(first, last)
    except ValueError as exc:
        raise CondError(f"bad address range {first}-{last}") from exc


class IptablesReader:
    """Reads iptables-save text line by line into a Draft."""

    def __init__(self, draft: Draft, lines: list[str]) -> None:
        """Prepare to read ``lines`` into ``draft``."""
        self.draft = draft
        self.lines = lines
        self.table = "filter"
        self.chains: dict[tuple[str, str], Chain] = {}
        # (No colon: no IPv6.) One search over the lines with a colon, joined: a hint across
        # a line break only sends them to the line by line test.
        colon = [line for line in lines if ":" in line]
        self.ipv6 = _V6_HINT.search("\n".join(colon)) is not None and any(_looks_ipv6(line) for line in colon)
        self._declared_chains: set[tuple[str, str]] | None = None

    @property
    def declared(self) -> set[tuple[str, str]]:
        """The (table, chain) pairs the text declares, found when first asked (a jump's target)."""
        if self._declared_chains is None:
            self._declared_chains = self._declared()
        return self._declared_chains

    def _declared(self) -> set[tuple[str, str]]:
        table, out = "filter", set()
        for line in self.lines:
            if line[:2] == "-A":  # most lines: a rule, never a declaration
                continue
            head = line.lstrip()[:2]
            if head[:1] not in ("*", ":") and head != "-N":  # no table, chain or -N here
                continue
            words = line.split()
            if words and words[0].startswith("*"):
                table = words[0][1:]
            elif words and words[0].startswith(":") or words[:1] == ["-N"] and len(words) > 1:
                out.add((table, words[0][1:] if words[0].startswith(":") else words[1]))
        return out

    def chain(self, name: str, source: Source, policy: Action | None = None) -> Chain:
        """Return the chain ``name`` of the current table, creating it on first sight."""
        key = (self.table, name)
        chain = self.chains.get(key)
        if chain is None:
            if policy is None and name in BUILTIN.get(self.table, ()):
                policy = Action.PERMIT
            chain = self.chains[key] = Chain(self.table, name, policy, source)
        return chain

    def read(self) -> None:
        """Read every line."""
        draft = self.draft
        file, ipv6, chains = draft.file, self.ipv6, self.chains
        seen, dispositions = draft.interface_names, draft.dispositions
        extracted = Disposition.EXTRACTED
        # The chain (and its rules' append) and the interface names of the last verdict rule:
        # lines repeat them. Any other line may change the table, so it forgets the chain.
        last_name: str | None = None
        append = None
        last_names: tuple[str, ...] | None = None
        table = self.table
        filtering = table in FILTERING_TABLES
        for number, raw in enumerate(self.lines, start=1):
            text = raw.strip()
            if text[:3] != "-A " and (text[:2] != "-A" or len(text) < 3 or not text[2].isspace()):
                self._line(Source(file, number, raw), text)
                last_name = None
                table = self.table
                filtering = table in FILTERING_TABLES
                continue
            # Most lines: one rule (stripped, so another word follows the -A).
            src = Source(file, number, raw)
            if not filtering:  # nat, or a table that is not evaluated
                self._append(src, text)
                last_name = None
                continue
            try:
                reading = _line_reading(text, ipv6)  # memoized: read it, never change it
            except (CondError, ValueError, IndexError):
                self._append(src, text)  # reads it again, to report why
                last_name = None
                continue
            if isinstance(reading, Parsed):
                verdict = reading.verdict
                if verdict is None:
                    self._append(src, text, reading)
                    last_name = None
                    continue
                space, interfaces, name, names = (
                    reading.cond.space,
                    reading.interfaces,
                    reading.chain,
                    reading.names,
                )
            else:
                verdict, space, interfaces, name, names = reading
            # What _append does with an exact verdict rule in a filtering table, inline.
            if name != last_name or append is None:
                chain = chains.get((table, name))
                if chain is None:
                    chain = self.chain(name, src)
                last_name, append = name, chain.rules.append
            if names is not last_names:  # Draft.see_interfaces (names only join ``seen``)
                for iface in names:
                    if iface not in seen:
                        seen[iface] = src
                last_names = names
            append(Rule(verdict, space, src, None, None, interfaces))
            dispositions[number] = extracted  # (nothing has marked this line yet)
        self._build()

    def _line(self, src: Source, text: str) -> None:
        draft = self.draft
        words = text.split()
        if not words or words[0].startswith("#"):
            draft.mark(src, Disposition.COMMENT)
        elif words[0].startswith("*") and len(words) == 1:
            self.table = words[0][1:]
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "COMMIT":
            draft.mark(src, Disposition.IGNORED)
        elif words[0].startswith(":") and len(words) >= 2:
            policy = {"ACCEPT": Action.PERMIT, "DROP": Action.DENY}.get(words[1])
            if words[1] not in ("ACCEPT", "DROP", "-"):
                draft.diagnose(src, DiagnosticKind.UNRECOGNIZED, f"unknown chain policy {words[1]!r}")
            chain = self.chain(words[0][1:], src, policy)
            chain.policy, chain.source = policy if words[1] != "-" else None, src
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "-P" and len(words) == 3:
            chain = self.chain(words[1], src)
            chain.policy = {"ACCEPT": Action.PERMIT, "DROP": Action.DENY}.get(words[2], chain.policy)
            chain.source = src
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "-N" and len(words) == 2:
            self.chain(words[1], src)
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "-A" and len(words) >= 2:
            self._append(src, text)
        elif words[0].startswith("[") and len(words) > 2 and words[1] == "-A":
            self._append(src, text.split(None, 1)[1])  # iptables-save -c counters
        else:
            draft.diagnose(src, DiagnosticKind.UNRECOGNIZED, "line not recognized")

    def _append(self, src: Source, text: str, parsed: Parsed | None = None) -> None:
        """Read one rule line (``parsed``: its reading, when the caller has it)."""
        draft = self.draft
        if parsed is None:
            try:
                parsed = _read_line(text, self.ipv6)  # memoized: read it, never change it
            except (CondError, ValueError, IndexError) as exc:
                chain = self.chain(text.split()[1], src)
                draft.diagnose(src, DiagnosticKind.UNRECOGNIZED, f"rule not understood: {exc}")
                chain.rules.append(src)
                chain.opaque = True
                return
        chain = self.chain(parsed.chain, src)
        if self.table == "nat":
            self._nat(parsed, src)
        elif parsed.jump == "CT" and "--helper" in parsed.options:
            self._helper(parsed, src)
        if parsed.names:  # Draft.see_interfaces, with the names worked out once per reading
            seen = draft.interface_names
            for name in parsed.names:
                if name not in seen:
                    seen[name] = src
        if self.table not in FILTERING_TABLES:
            if self.table != "nat":
                draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"table {self.table!r} is not evaluated")
            return
        jump = parsed.jump
        if jump == "NOTRACK" or (jump == "CT" and "--notrack" in parsed.options):
            # Not a verdict, but later state conditions see these packets as untracked.
            chain.rules.append(draft.rule(Action.UNTRACK, parsed.cond, src))
            draft.mark(src, Disposition.EXTRACTED)
            return
        if jump is None or jump in NON_TERMINATING:
            draft.mark(src, Disposition.EXTRACTED)  # counts, logs or marks: the packet goes on
            return
        if jump in VERDICTS and not parsed.goto:
            if parsed.cond.exact:  # Draft.rule's exact case (its interface names are seen above)
                chain.rules.append(
                    Rule(VERDICTS[jump], parsed.cond.space, src, None, None, parsed.interfaces)
                )
                draft.dispositions.setdefault(src.line, Disposition.EXTRACTED)
                return
            chain.rules.append(draft.rule(VERDICTS[jump], parsed.cond, src))
        elif (self.table, jump) in self.declared:
            action = Action.GOTO if parsed.goto else Action.JUMP
            chain.rules.append(draft.rule(action, parsed.cond, src, target=f"{self.table}/{jump}"))
        else:
            draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"target {jump!r} is not evaluated")
            chain.rules.append(src)
            chain.opaque = True
            return
        draft.mark(src, Disposition.EXTRACTED)

    def _helper(self, parsed: Parsed, src: Source) -> None:
        name = parsed.options["--helper"]
        if helper_kind(name) is not None:
            detail = f"conntrack helper {name} assigned by CT target ({self.table} table)"
            self.draft.helper(name, src, detail)
        elif name.lower() not in OTHER_HELPERS:
            self.draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"unknown conntrack helper {name!r}")

    def _nat(self, parsed: Parsed, src: Source) -> None:
        draft, cond, jump = self.draft, parsed.cond, parsed.jump
        if jump in ("MASQUERADE", "SNAT") and cond.exact:
            if cond.egress and not cond.egress_negated:
                for name in sorted(cond.egress):
                    draft.outside.setdefault(name, f"{jump.lower()} out {name} (line {src.line})")
            elif cond.egress:
                draft.outside_negated.append(cond.egress)
        elif jump in ("DNAT", "REDIRECT", "NETMAP") and parsed.chain not in ("OUTPUT", "POSTROUTING"):
            draft.port_mappings.append(_mapping(parsed, src))
        elif jump is not None and jump not in NAT_TARGETS and jump not in VERDICTS:
            if ("nat", jump) not in self.declared and jump not in NON_TERMINATING:
                draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"nat target {jump!r} not evaluated")
        draft.mark(src, Disposition.EXTRACTED)

    def _build(self) -> None:
        draft = self.draft
        for (table, name), chain in self.chains.items():
            if table not in FILTERING_TABLES:
                continue
            if chain.opaque:  # A line not understood may match anything and do anything.
                rules = tuple(Rule(Action.DENY, None, r) if isinstance(r, Source) else r for r in chain.rules)
            else:
                rules = tuple(cast(list[Rule], chain.rules))  # no Source among them
            default = chain.policy if chain.policy is not None else Action.RETURN
            draft.rulesets.append(RuleSet(f"{table}/{name}", rules, default, chain.source))
        for table, name in TRANSIT:
            transit = self.chains.get((table, name))
            if transit is not None and transit.source is not None:
                draft.bindings.append(Binding(f"{table}/{name}", "*", Direction.IN, transit.source))
        draft.forward_roots.append("filter/FORWARD")
        if self.ipv6:
            draft.bindings.clear()
            draft.limitations.append(
                Limitation("ip6tables text: the IPv4 rule set is not in this file", frozenset({"flow"}))
            )
        elif ("filter", "FORWARD") not in self.chains:
            draft.limitations.append(
                Limitation("the file does not show the filter FORWARD chain", frozenset({"flow"}))
            )


def _mapping(parsed: Parsed, src: Source) -> PortMapping:
    target = parsed.options.get("--to-destination") or parsed.options.get("--to") or ""
    ports = parsed.options.get("--to-ports")
    if target.startswith("["):  # [v6addr]:port
        address, _, port = target[1:].partition("]")
        port = port.lstrip(":")
    elif target.count(":") == 1:
        address, _, port = target.partition(":")
    else:
        address, port = target, ""
    if parsed.jump == "REDIRECT":
        address, port = "local", ports or ""
    outside = parsed.dport
    inside = _ranges(port, "-") if port else outside
    protocols = (parsed.protocol,) if parsed.protocol is not None else None
    return PortMapping(
        protocols,
        address or "?",
        parsed.daddr or "*",
        tuple(inside) if inside else None,
        tuple(outside) if outside else None,
        src,
    )


# A word ``-s`` or ``-d`` whose next word holds a colon: what every IPv6 operand needs. (Not
# asked whether the ``-`` starts a word: a lookbehind first would cost a test at every
# character, and the word test after it decides anyway.)
_V6_HINT = re.compile(r"-[sd]\s+\S*:")


def _looks_ipv6(line: str) -> bool:
    if ":" not in line or _V6_HINT.search(line) is None:  # every IPv6 address has one
        return False
    words = line.split()
    for flag, value in zip(words, words[1:], strict=False):
        if flag in ("-s", "-d") and ":" in value:
            try:
                ipaddress.IPv6Network(value, strict=False)
            except ValueError:
                continue
            return True
    return False
