"""The grammar of one IOS ACL entry (standard or extended) and its port operators.

Part of the cisco_ios parser (parse stage). An entry is parsed into an ``AceSpec`` that may
still name object groups; ``parser.py`` resolves those once the whole file is read (IOS
lets an ACL use a group defined further down) and turns the spec into a ``FlowSpace``.

IOS facts used here (Cisco IOS Security Configuration Guide, "IP Access List Overview" and
"Named ACL Support for Noncontiguous Ports on an Access Control Entry"):
- addresses are ``any``, ``host A``, ``A W`` with W a wildcard mask (any bit pattern), or
  ``object-group N``; a standard entry's bare ``A`` is a host;
- a port operator right after the source address is a *source*-port condition;
- ``eq`` and ``neq`` accept several ports in one entry (noncontiguous ports);
- ``established`` matches TCP segments with ACK or RST set, never a connection's first SYN;
- ``fragments`` matches non-initial fragments only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from auditor.flowspace import (
    ANY_CUBE,
    STATE_ESTABLISHED,
    STATE_MAX,
    TCP,
    UDP,
    Cube,
    FlowSpace,
    Interval,
    address_value,
    cube_from_wildcard,
    cube_host,
    quad_value,
)
from auditor.model import Action, DiagnosticKind
from auditor.parsers.cisco_ios.ports import PORT_TABLES, PROTOCOLS, port_value, protocol_value

PORT_OPERATORS = frozenset({"eq", "neq", "lt", "gt", "range"})
# Conditions on header fields the model has no dimension for, or on time: the entry's
# match cannot be evaluated from the config alone.
_UNSUPPORTED_OPTIONS = {
    "precedence": "IP precedence",
    "dscp": "DSCP",
    "tos": "type of service",
    "ttl": "TTL",
    "option": "IP options",
    "time-range": "a time range (active only at some times)",
    "match-any": "TCP flags",
    "match-all": "TCP flags",
    "ack": "the TCP ACK flag",
    "syn": "the TCP SYN flag",
    "fin": "the TCP FIN flag",
    "psh": "the TCP PSH flag",
    "rst": "the TCP RST flag",
    "urg": "the TCP URG flag",
    "packet-length": "packet length",
}
_OPTION_WORDS = frozenset({"log", "log-input", "established", "fragments", "reflect", *_UNSUPPORTED_OPTIONS})
_ICMP_LIKE = frozenset({1, 2})  # ICMP and IGMP take a message type after the destination


class AceError(Exception):
    """An entry the parser cannot turn into an exact match (becomes an opaque rule)."""

    def __init__(self, action: Action, kind: DiagnosticKind, reason: str) -> None:
        super().__init__(reason)
        self.action = action
        self.kind = kind
        self.reason = reason
        # The entry without the condition that could not be evaluated: options such as
        # dscp, time-range or an ICMP type only narrow a match, so this is a superset.
        self.bound: AceSpec | None = None


@dataclass(frozen=True, slots=True)
class AddrSpec:
    """An address operand: ``cubes`` (None = any) or the name of a network object group."""

    cubes: tuple[Cube, ...] | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceItem:
    """Protocols and ports matched together; None means any value of that field."""

    protocols: tuple[Interval, ...] | None
    sport: tuple[Interval, ...] | None = None
    dport: tuple[Interval, ...] | None = None


@dataclass(frozen=True, slots=True)
class AceSpec:
    """A parsed entry whose object groups may still need resolving."""

    action: Action
    src: AddrSpec
    dst: AddrSpec = AddrSpec()
    services: tuple[ServiceItem, ...] = (ServiceItem(None),)
    service_group: str | None = None
    state: tuple[Interval, ...] | None = None
    fragments: bool = False


class Cursor:
    """Reads tokens left to right; keywords compare lower-cased."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = list(tokens)
        self.pos = 0

    def peek(self, offset: int = 0) -> str | None:
        index = self.pos + offset
        return self.tokens[index].lower() if index < len(self.tokens) else None

    def take(self) -> str | None:
        token = self.tokens[self.pos] if self.pos < len(self.tokens) else None
        self.pos += 1
        return token

    def done(self) -> bool:
        return self.pos >= len(self.tokens)


def is_ipv4(token: str | None) -> bool:
    """Tell whether a token is a dotted-quad IPv4 address."""
    if token is None or token.count(".") != 3:
        return False
    return _is_quad(token)


@lru_cache(maxsize=65536)
def _is_quad(token: str) -> bool:
    """``is_ipv4`` for a token with three dots (configs repeat addresses: cached)."""
    try:
        address_value(token)
    except ValueError:
        return False
    return True


_ACTIONS = {"permit": Action.PERMIT, "deny": Action.DENY}


def _action(token: str | None) -> Action | None:
    return _ACTIONS.get((token or "").lower())


def _fail(action: Action, reason: str, kind: DiagnosticKind = DiagnosticKind.UNRECOGNIZED) -> AceError:
    return AceError(action, kind, reason)


def parse_address(cur: Cursor, action: Action, *, standard: bool = False) -> AddrSpec:
    """Read ``any | host A | object-group N | A W`` (standard entries: ``A [W]``)."""
    word = cur.peek()
    if word == "any":
        cur.take()
        return AddrSpec()
    if word == "host":
        cur.take()
        address = cur.take()
        if not is_ipv4(address):
            raise _fail(action, f"expected an IPv4 address after 'host', got {address!r}")
        assert address is not None
        return AddrSpec((cube_host(address),))
    if word == "object-group" and not standard:
        cur.take()
        name = cur.take()
        if name is None:
            raise _fail(action, "object-group without a name")
        return AddrSpec(group=name)
    address = cur.take()
    if not is_ipv4(address):
        raise _fail(action, f"expected an address, got {address!r}")
    assert address is not None
    if is_ipv4(cur.peek()):
        wildcard = cur.take()
        assert wildcard is not None
        return AddrSpec((cube_from_wildcard(address, wildcard),))
    if standard:  # a standard entry's bare address is one host
        return AddrSpec((cube_host(address),))
    raise _fail(action, f"address {address} without a wildcard mask")


def _complement(values: Sequence[Interval]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    low = 0
    for lo, hi in sorted(values):
        if lo > low:
            out.append((low, lo - 1))
        low = max(low, hi + 1)
    if low <= 65535:
        out.append((low, 65535))
    return tuple(out)


PortResolver = Callable[[str], int | None]


def resolver_for(protocols: Sequence[int]) -> PortResolver:
    """Return a port-name resolver valid for every protocol given (tcp-udp: both agree)."""

    def resolve(token: str) -> int | None:
        values = {port_value(token, protocol) for protocol in protocols}
        return values.pop() if len(values) == 1 else None

    return resolve


def _ports_after(cur: Cursor, resolve: PortResolver, action: Action, op: str) -> list[int]:
    first = cur.take()
    value = resolve(first) if first is not None else None
    if value is None:
        raise _fail(action, f"unknown port {first!r} after '{op}' (not a number or IOS port name)")
    ports = [value]
    if op in ("eq", "neq"):  # noncontiguous ports: eq/neq take a list
        while (token := cur.peek()) is not None and token not in _OPTION_WORDS:
            nxt = resolve(token)
            if nxt is None:
                break
            cur.take()
            ports.append(nxt)
    return ports


def parse_port_operator(cur: Cursor, resolve: PortResolver, action: Action) -> tuple[Interval, ...]:
    """Read ``eq p..|neq p..|lt p|gt p|range a b`` and return the matching port intervals."""
    op = (cur.take() or "").lower()
    if op == "range":
        lo, hi = _ports_after(cur, resolve, action, op)[0], _ports_after(cur, resolve, action, op)[0]
        if lo > hi:
            raise _fail(action, f"port range {lo} {hi} is empty")
        return ((lo, hi),)
    ports = _ports_after(cur, resolve, action, op)
    if op == "eq":
        return tuple((p, p) for p in ports)
    if op == "neq":
        return _complement([(p, p) for p in ports])
    if op == "lt":
        return ((0, ports[0] - 1),) if ports[0] > 0 else ()
    return ((ports[0] + 1, 65535),) if ports[0] < 65535 else ()


def _read_log_tag(cur: Cursor) -> None:
    token = cur.peek()
    if token is not None and token not in _OPTION_WORDS:
        cur.take()  # `log <cookie>`: a user tag for syslog, no effect on matching


def _parse_options(
    cur: Cursor, action: Action, protocol: int | None
) -> tuple[tuple[Interval, ...] | None, bool]:
    state: tuple[Interval, ...] | None = None
    fragments = False
    while not cur.done():
        word = cur.take()
        assert word is not None
        word = word.lower()
        if word in ("log", "log-input"):
            _read_log_tag(cur)
        elif word == "established" and protocol == TCP:
            state = ((STATE_ESTABLISHED, STATE_MAX),)  # ACK or RST set: anything but a new SYN
        elif word == "fragments":
            fragments = True
        elif word == "reflect":  # reflexive ACL: this entry matches as usual, return
            cur.take()  # traffic is let in elsewhere (`evaluate`), which is opaque
            if cur.peek() == "timeout":
                cur.take()
                cur.take()
        elif word in _UNSUPPORTED_OPTIONS:
            raise _fail(
                action,
                f"matches on {_UNSUPPORTED_OPTIONS[word]}, which the configuration alone cannot evaluate",
                DiagnosticKind.UNSUPPORTED,
            )
        elif protocol in _ICMP_LIKE:
            raise _fail(
                action,
                f"{'ICMP' if protocol == 1 else 'IGMP'} message type '{word}': the "
                "model has no type/code field, so the entry is not exact",
                DiagnosticKind.UNSUPPORTED,
            )
        else:
            raise _fail(action, f"unexpected token {word!r}")
    return state, fragments


def _parse_protocol(cur: Cursor, action: Action) -> tuple[int | None, str | None]:
    """Return (protocol number or None for `ip`, service group name)."""
    token = cur.take()
    word = (token or "").lower()
    if word == "ip":
        return None, None
    if word == "object-group":
        name = cur.take()
        if name is None:
            raise _fail(action, "object-group without a name")
        return None, name
    number = protocol_value(word)
    if number is None:
        raise _fail(action, f"unknown protocol {token!r}")
    return number, None


def _maybe_ports(cur: Cursor, protocol: int | None, action: Action) -> tuple[Interval, ...] | None:
    if cur.peek() not in PORT_OPERATORS:
        return None
    if protocol not in PORT_TABLES:
        raise _fail(action, f"port operator '{cur.peek()}' on a protocol without ports")
    assert protocol is not None
    return parse_port_operator(cur, resolver_for([protocol]), action)


def parse_extended(tokens: Sequence[str]) -> AceSpec:
    """Parse ``permit|deny PROTO SRC [PORTS] DST [PORTS] [options]`` (sequence number removed).

    Raises:
        AceError: the entry cannot be matched exactly; it becomes an opaque rule.
    """
    spec = _plain_extended(tokens if isinstance(tokens, tuple) else tuple(tokens))
    return spec if spec is not None else parse_extended_general(tokens)


# --- the fast path -------------------------------------------------------------------------
# Most entries are ``permit|deny PROTO any|host A|A W [eq P|range P Q] any|host A|A W
# [eq P|range P Q]`` with nothing after. ``_plain_extended`` reads exactly that form and
# returns what ``parse_extended_general`` returns for it; for anything else (options, port
# lists, other operators, object groups, errors) it returns None and the general reader
# decides. Everything here is pure on its text, so cached: configs repeat operands, and the
# proof re-parses the same entries.

_ALL32 = 0xFFFFFFFF
# An operand's cubes (None: any address); plain tuples, so the rule fast path builds no AddrSpec.
_Cubes = tuple[Cube, ...] | None


@lru_cache(maxsize=16384)
def _wildcard_operand(address: str, wildcard: str) -> tuple[Cube] | None:
    """Return the cubes of the operand ``A W``, or None when either word is not a dotted quad."""
    try:  # `address_value` refuses exactly what `is_ipv4` refuses
        value = quad_value(address)
        if value is None:  # an odd form (leading zeros...): the general reading decides
            return (cube_from_wildcard(address, wildcard),)
        # A plain quad reads as `address_value` reads it; the mask repeats, so its value is
        # the cached one, and the operand's address does not fill that cache.
        care = ~address_value(wildcard) & _ALL32
        return ((value & care, care),)
    except ValueError:
        return None


@lru_cache(maxsize=16384)
def _host_operand(address: str) -> tuple[Cube] | None:
    """Return the cubes of the operand ``host A``, or None when ``A`` is not a dotted quad."""
    return (cube_host(address),) if is_ipv4(address) else None


def _plain_address(tokens: tuple[str, ...], i: int, n: int) -> tuple[_Cubes, int] | None:
    """Read ``any | host A | A W`` at ``tokens[i]`` (``i < n``); None for any other form."""
    word = tokens[i]
    low = word.lower()
    if low == "any":
        return None, i + 1
    if i + 1 >= n:
        return None
    cubes = _host_operand(tokens[i + 1]) if low == "host" else _wildcard_operand(word, tokens[i + 1])
    return None if cubes is None else (cubes, i + 2)


def _plain_ports(tokens: tuple[str, ...], i: int, n: int, protocol: int) -> tuple[Interval, int] | None:
    """Read ``eq P`` (one port) or ``range P Q`` at ``tokens[i]``; None for any other form."""
    op = tokens[i].lower()
    if op == "eq" and i + 1 < n:
        port = port_value(tokens[i + 1], protocol)
        if port is None:
            return None
        if i + 2 < n and port_value(tokens[i + 2].lower(), protocol) is not None:
            return None  # a list of ports: the general reader takes it
        return (port, port), i + 2
    if op == "range" and i + 2 < n:
        lo, hi = port_value(tokens[i + 1], protocol), port_value(tokens[i + 2], protocol)
        if lo is None or hi is None or lo > hi:
            return None
        return (lo, hi), i + 3
    return None


@lru_cache(maxsize=4096)
def _plain_services(
    protocol: int | None, sport: Interval | None, dport: Interval | None
) -> tuple[ServiceItem, ...]:
    """Return the one service item of an entry (shared: entries repeat protocol and ports)."""
    protocols = None if protocol is None else ((protocol, protocol),)
    return (ServiceItem(protocols, None if sport is None else (sport,), None if dport is None else (dport,)),)


# What ``_plain_fields`` reads: action, protocol (None = ip), source cubes, source ports,
# destination cubes, destination ports (None = any address or port).
_PlainFields = tuple[Action, int | None, _Cubes, Interval | None, _Cubes, Interval | None]


@lru_cache(maxsize=4096)
def _last_ports(protocol: int | None, tail: tuple[str, ...]) -> Interval | None:
    """Read an entry's last words ``tail`` as its one destination port condition, or None.

    What ``_plain_fields`` asks of the words after the destination (a value of them and the
    protocol alone, so cached: entries repeat their ports).
    """
    if protocol not in PORT_TABLES or tail[0].lower() not in PORT_OPERATORS:
        return None
    assert protocol is not None
    read = _plain_ports(tail, 0, len(tail), protocol)
    if read is None or read[1] != len(tail):
        return None
    return read[0]


# Protocol words as ``_plain_fields`` reads them when already lower-case (``ip``: any).
_PROTOCOL_WORDS: dict[str, int | None] = {**PROTOCOLS, "ip": None}


@lru_cache(maxsize=4096)
def _plain_head(head: tuple[str, ...]) -> tuple[Action, int | None, _Cubes, int] | None:
    """Read an entry's first four words (action, protocol, source), or None if not plain.

    Returns the action, the protocol (None = ip), the source cubes and the index after the
    source operand. A value of those words alone (the source operand ends by the fourth
    word), so cached: entries of a list repeat their action, protocol and source.
    """
    action = _ACTIONS.get(head[0].lower())
    if action is None:
        return None
    protocol = _PROTOCOL_WORDS.get(head[1], -1)
    if protocol == -1:  # not a lower-case name: the word as the general reader reads it
        word = head[1].lower()
        protocol = None if word == "ip" else protocol_value(word)
        if protocol is None and word != "ip":
            return None
    src = _plain_address(head, 2, 4)
    if src is None:
        return None
    return action, protocol, src[0], src[1]


def _plain_fields(tokens: tuple[str, ...]) -> _PlainFields | None:
    """Read a plain extended entry into its fields, or None to leave it to the general reader."""
    n = len(tokens)
    if n < 4:
        return None
    head = _plain_head(tokens[:4])
    if head is None:
        return None
    action, protocol, src, at = head
    sport = dport = None
    if at < n and tokens[at].lower() in PORT_OPERATORS:
        if protocol not in PORT_TABLES:
            return None
        assert protocol is not None
        read = _plain_ports(tokens, at, n, protocol)
        if read is None:
            return None
        sport, at = read
    if at >= n:
        return None
    dst = _plain_address(tokens, at, n)
    if dst is None:
        return None
    at = dst[1]
    if at < n:
        dport = _last_ports(protocol, tokens[at:])
        if dport is None:
            return None
    return action, protocol, src, sport, dst[0], dport


def _plain_extended(tokens: tuple[str, ...]) -> AceSpec | None:
    """Return the spec of a plain extended entry, or None to leave it to the general reader."""
    fields = _plain_fields(tokens)
    if fields is None:
        return None
    action, protocol, src, sport, dst, dport = fields
    return AceSpec(action, AddrSpec(src), AddrSpec(dst), _plain_services(protocol, sport, dport))


@lru_cache(maxsize=4096)
def plain_match(tokens: tuple[str, ...]) -> tuple[Action, FlowSpace] | None:
    """Return a plain extended entry's action and the packets it matches, or None.

    The fast path for callers that read a None as "parse the entry in full": for an entry
    it reads, ``parse_extended`` gives a spec with this action, and this set is what the
    parser's ``_match`` gives for that spec (a plain entry names no object group, so its
    match is a value of its text alone). Built from the fields directly, without the spec;
    cached per entry text, so the proof's re-parse of the same entries finds them.
    """
    fields = _plain_fields(tokens)
    if fields is None:
        return None
    action, protocol, src, sport, dst, dport = fields
    # The one box ``FlowSpace.build`` makes of these one-atom fields (in ``FIELDS`` order),
    # built directly: the test against the parser's general match holds it to that.
    box = (
        (0, 255) if protocol is None else (protocol, protocol),
        ANY_CUBE if src is None else src[0],
        ANY_CUBE if dst is None else dst[0],
        (0, 65535) if sport is None else sport,
        (0, 65535) if dport is None else dport,
        (0, STATE_MAX),
    )
    return action, FlowSpace((box,))


def parse_extended_general(tokens: Sequence[str]) -> AceSpec:
    """``parse_extended`` for every form, token by token (the fast path falls back here).

    Raises:
        AceError: the entry cannot be matched exactly; it becomes an opaque rule.
    """
    cur = Cursor(tokens)
    action = _action(cur.take())
    if action is None:
        raise _fail(Action.DENY, f"expected permit or deny, got {tokens[0] if tokens else ''!r}")
    protocol, service_group = _parse_protocol(cur, action)
    src = parse_address(cur, action)
    sport = _maybe_ports(cur, protocol, action)
    dst = parse_address(cur, action)
    dport = _maybe_ports(cur, protocol, action)
    try:
        state, fragments = _parse_options(cur, action, protocol)
    except AceError as error:
        if error.kind is DiagnosticKind.UNSUPPORTED:
            protocols = None if protocol is None else ((protocol, protocol),)
            error.bound = AceSpec(action, src, dst, (ServiceItem(protocols, sport, dport),), service_group)
        raise
    if service_group is not None and state is not None:
        raise _fail(action, "'established' with a service object group")
    protocols = None if protocol is None else ((protocol, protocol),)
    return AceSpec(action, src, dst, (ServiceItem(protocols, sport, dport),), service_group, state, fragments)


def parse_standard(tokens: Sequence[str]) -> AceSpec:
    """Parse ``permit|deny any|host A|A [W] [log [tag]]``: a source-only condition.

    Raises:
        AceError: the entry cannot be matched exactly; it becomes an opaque rule.
    """
    cur = Cursor(tokens)
    action = _action(cur.take())
    if action is None:
        raise _fail(Action.DENY, f"expected permit or deny, got {tokens[0] if tokens else ''!r}")
    src = parse_address(cur, action, standard=True)
    while not cur.done():
        word = (cur.take() or "").lower()
        if word == "log":
            _read_log_tag(cur)
        else:
            raise _fail(action, f"unexpected token {word!r} in a standard entry")
    return AceSpec(action, src)


def first_action(tokens: Sequence[str]) -> Action:
    """Return the permit/deny word of an entry when readable, else DENY (for opaque rules)."""
    for token in tokens[:3]:
        action = _action(token)
        if action is not None:
            return action
    return Action.DENY


__all__ = [
    "TCP",
    "UDP",
    "AceError",
    "AceSpec",
    "AddrSpec",
    "ServiceItem",
    "first_action",
    "is_ipv4",
    "parse_extended",
    "parse_extended_general",
    "parse_port_operator",
    "parse_standard",
    "plain_match",
    "resolver_for",
]
