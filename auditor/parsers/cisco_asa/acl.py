"""The grammar of one ASA access-list entry, turned into the packets it matches.

Part of the cisco_asa parser (parse stage). Entries are read once the whole file is read,
with every object, group and ``name`` alias known. Facts (Cisco ASA CLI configuration
guide, "Extended ACLs" and "Access Rules"; VENDORS.md §2.2-2.3):
- ``access-list N extended permit|deny PROTO SRC [SRCPORT] DST [DSTPORT] [options]``, where
  PROTO is ``ip``, a protocol, ``object-group`` (protocol group or untyped service group) or
  ``object`` (service object); with a service object or group no port operator follows;
- addresses: ``any`` (IPv4 and IPv6 since 9.0), ``any4``, ``any6``, ``host A``, ``A M`` with
  M a *netmask*, ``interface NAMEIF``, ``object O``, ``object-group G``, or a ``name`` alias;
- a port operator, or ``object-group`` of a tcp/udp service group, right after the source
  address is a *source*-port condition;
- ``inactive`` entries are kept in the config but do not match; ``time-range`` entries match
  only at some times; ``log ...`` does not change matching.
- ASA *standard* ACLs name destination addresses (route maps, split tunnelling); the ASA
  cannot bind them with ``access-group``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from auditor.flowspace import STATE_MAX, Cube, FlowSpace, Interval, cube_from_mask, cube_host, quad_value
from auditor.model import Action, DiagnosticKind, Rule, Source
from auditor.parsers.cisco_asa.objects import (
    ANY,
    PORT_OPERATORS,
    ObjectError,
    ServiceItem,
    Tables,
    is_ipv4,
    is_ipv6,
    read_port_op,
)
from auditor.parsers.cisco_asa.ports import PORT_TABLES, PROTOCOLS, protocol_value

_ICMP = frozenset({1, 58})
_LOG_LEVELS = frozenset(
    {"emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"}
)


class AceError(Exception):
    """An entry the parser cannot turn into an exact match (it becomes an opaque rule)."""

    def __init__(
        self, action: Action, reason: str, kind: DiagnosticKind = DiagnosticKind.UNRECOGNIZED
    ) -> None:
        super().__init__(reason)
        self.action = action
        self.reason = reason
        self.kind = kind


@dataclass(slots=True)
class _Cursor:
    tokens: Sequence[str]
    pos: int = 0

    def peek(self, offset: int = 0) -> str | None:
        index = self.pos + offset
        return self.tokens[index].lower() if index < len(self.tokens) else None

    def take(self) -> str:
        if self.pos >= len(self.tokens):
            raise ObjectError("entry ends too early")
        self.pos += 1
        return self.tokens[self.pos - 1]


_ACTIONS = {"permit": Action.PERMIT, "deny": Action.DENY}


def _action(token: str | None) -> Action | None:
    return _ACTIONS.get((token or "").lower())


def first_action(tokens: Sequence[str]) -> Action:
    """Return the permit/deny word of an entry when readable, else DENY."""
    for token in tokens[:2]:
        action = _action(token)
        if action is not None:
            return action
    return Action.DENY


def _address_token(tables: Tables, token: str) -> str:
    """Resolve a ``name`` alias to its address (an alias may stand wherever an address does)."""
    return tables.names.get(token, token)


def read_address(cur: _Cursor, tables: Tables) -> tuple[Cube, ...]:
    """Read one address operand; an IPv6 operand yields no cube (no IPv4 packet matches)."""
    word = cur.peek()
    if word in ("any", "any4"):
        cur.take()
        return (ANY,)
    if word == "any6":
        cur.take()
        return ()
    if word in ("host", "object", "object-group", "interface"):
        cur.take()
        name = cur.take()
        if word == "object":
            return tables.network_object(name)
        if word == "object-group":
            return tables.network_group(name)
        if word == "interface":
            addresses = tables.interfaces.get(name)
            if not addresses:
                raise ObjectError(
                    f"interface {name!r} has no static IPv4 address in the config",
                    DiagnosticKind.UNSUPPORTED if not tables.lenient else DiagnosticKind.UNRECOGNIZED,
                )
            return tuple(cube_host(a) for a in addresses)
        address = _address_token(tables, name)
        if is_ipv6(address):
            return ()
        if not is_ipv4(address):
            raise ObjectError(f"expected an address after 'host', got {name!r}")
        return (cube_host(address),)
    token = cur.take()
    address = _address_token(tables, token)
    if is_ipv6(address):
        return ()
    if is_ipv4(address) and is_ipv4(cur.peek()):
        return (cube_from_mask(address, cur.take()),)
    raise ObjectError(f"expected an address, got {token!r}")


def _read_ports(
    cur: _Cursor, tables: Tables, protocols: tuple[int, ...] | None
) -> tuple[Interval, ...] | None:
    """Read an optional port operator or port group for the entry's transport protocols."""
    word = cur.peek()
    is_group = (
        word == "object-group" and cur.peek(1) is not None and tables.is_port_group(cur.tokens[cur.pos + 1])
    )
    if word not in PORT_OPERATORS and not is_group:
        return None
    if protocols is None or not protocols or any(p not in PORT_TABLES for p in protocols):
        raise ObjectError("a port condition on a protocol without ports")
    if is_group:
        cur.take()
        transports, ports = tables.port_group(cur.take())
        if not set(protocols) <= set(transports):
            raise ObjectError("port group type does not cover the entry's protocol")
        return ports
    ports, cur.pos = read_port_op(cur.tokens, cur.pos, protocols)
    return ports


def _read_protocol(
    cur: _Cursor, tables: Tables
) -> tuple[tuple[int, ...] | None, tuple[ServiceItem, ...] | None]:
    """Return (protocols for port operators, service items when PROTO is a service)."""
    token = cur.take()
    word = token.lower()
    if word == "ip":
        return None, None
    if word == "object-group":
        name = cur.take()
        group = tables.groups.get(name)
        if group is not None and group.kind == "protocol":
            intervals = tables.protocol_group(name)
            if any(lo != hi for lo, hi in intervals):
                return None, (ServiceItem(intervals),)
            return tuple(sorted({lo for lo, _ in intervals})), None
        return (), tables.service_group(name)
    if word == "object":
        return (), tables.service_object(cur.take())
    number = protocol_value(word)
    if number is None:
        raise ObjectError(f"unknown protocol {token!r}")
    return (number,), None


def _read_options(cur: _Cursor, lenient: bool) -> None:
    while (word := cur.peek()) is not None:
        cur.take()
        if word == "log":
            if cur.peek() in ("disable", "default"):
                cur.take()
                continue
            if cur.peek() in _LOG_LEVELS or (cur.peek() or "").isdigit():
                cur.take()
            if cur.peek() == "interval":
                cur.take()
                cur.take()
        elif word == "inactive":
            continue
        elif word == "time-range":
            name = cur.take()
            if not lenient:
                raise ObjectError(
                    f"time-range {name}: active only at some times, which the config alone cannot tell",
                    DiagnosticKind.UNSUPPORTED,
                )
        else:
            raise ObjectError(f"unexpected token {word!r}")


def _extended(tokens: Sequence[str], tables: Tables, lenient: bool) -> FlowSpace:
    if not tables.names or tables.names.keys().isdisjoint(tokens):
        # No word is a `name` alias, so the entry's text alone decides a plain entry.
        plain = _plain_extended(tokens if isinstance(tokens, tuple) else tuple(tokens))
        if plain is not None:
            return plain
    return _extended_general(tokens, tables, lenient)


# --- the fast path -------------------------------------------------------------------------
# Most entries are ``permit|deny PROTO any|any4|host A|A M [OP P [Q]] any|any4|host A|A M
# [OP P [Q]]`` with literal addresses and nothing after. ``_read_plain_extended`` reads
# exactly that form and returns what ``_extended_general`` returns for it (strict or lenient:
# the form has nothing either treats differently); for anything else (objects, groups,
# interfaces, aliases, IPv6, options, ICMP types, errors) it returns None and the general
# reader decides.


# A token that starts with an ASCII digit is an address or a number, never a keyword (any,
# host, a port operator), whatever its case: the common operands skip the keyword tests.
_DIGITS = frozenset("0123456789")


def _plain_address(
    tokens: tuple[str, ...], i: int, n: int, operand: Callable[[str, str], Cube | None]
) -> tuple[Cube, int] | None:
    """Read ``any | any4 | host A | A M`` with literal addresses at ``tokens[i]`` (``i < n``).

    ``operand`` reads ``A M``: ``_mask_operand`` (remembered) or ``_read_mask_operand``.
    """
    word = tokens[i]
    if word[:1] not in _DIGITS:
        low = word.lower()
        if low == "any" or low == "any4":
            return ANY, i + 1
        if i + 1 >= n:
            return None
        if low == "host":
            return (cube_host(tokens[i + 1]), i + 2) if is_ipv4(tokens[i + 1]) else None
    elif i + 1 >= n:
        return None
    cube = operand(word, tokens[i + 1])
    return None if cube is None else (cube, i + 2)


_mask_value = lru_cache(maxsize=256)(quad_value)  # a config repeats a few masks


def _read_mask_operand(address: str, mask: str) -> Cube | None:
    """Return the cube of the operand ``A M``, or None when either is not an IPv4 address."""
    care = _mask_value(mask)
    value = quad_value(address)
    if care is not None and value is not None:
        return (value & care, care)  # what the general test and cube_from_mask give plain quads
    if is_ipv4(address) and is_ipv4(mask.lower()):
        return cube_from_mask(address, mask)
    return None


# Source operands repeat (a device's inside networks), so they are remembered; destinations
# rarely do, and are read afresh (a miss costs more than the reading).
_mask_operand = lru_cache(maxsize=16384)(_read_mask_operand)


@lru_cache(maxsize=1024)
def _port_operand(words: tuple[str, ...], protocol: int) -> tuple[Interval, ...] | None:
    """Return ``read_port_op`` of ``OP P [Q]`` (all it reads) for one protocol, or None on an error."""
    try:
        return read_port_op(words, 0, (protocol,))[0]
    except ObjectError:
        return None


def _plain_ports(
    tokens: tuple[str, ...], i: int, protocols: tuple[int, ...] | None
) -> tuple[tuple[Interval, ...] | None, int] | None:
    """Read an optional port operator at ``tokens[i]``; None when the general reader must."""
    if i >= len(tokens):
        return None, i
    op = tokens[i].lower()
    if op not in PORT_OPERATORS:
        return None, i
    if protocols is None or protocols[0] not in PORT_TABLES:
        return None
    end = i + 3 if op == "range" else i + 2
    ports = _port_operand(tokens[i:end], protocols[0])
    return None if ports is None else (ports, end)


# The atom of a field no condition names (FlowSpace.build's "any value").
_ALL_PROTOCOLS: Interval = (0, 255)
_ALL_PORTS: Interval = (0, 65535)
_ALL_STATES: Interval = (0, STATE_MAX)


# What `protocol_value` gives each protocol name (a lowered word), as the fast path wants it.
_PROTOCOL_NAMES = {name: (number,) for name, number in PROTOCOLS.items()}


def _read_plain_extended(tokens: tuple[str, ...]) -> FlowSpace | None:
    """Return the packets of a plain entry (``tokens[0]`` the action), or None."""
    n = len(tokens)
    if n < 4:
        return None
    word = tokens[1].lower()
    protocols: tuple[int, ...] | None = None
    if word != "ip":
        protocols = _PROTOCOL_NAMES.get(word)
        if protocols is None:
            number = protocol_value(word)
            if number is None:
                return None
            protocols = (number,)
    # The operands, read inline when they are the common `A M` (a digit starts A); a source
    # is remembered (a device's inside networks repeat), a destination read afresh.
    if tokens[2][:1] in _DIGITS and n > 3:
        src = _mask_operand(tokens[2], tokens[3])
        i = 4
    else:
        read = _plain_address(tokens, 2, n, _mask_operand)
        src, i = (None, 0) if read is None else read
    if src is None or i >= n:
        return None
    sports = None
    if tokens[i][:1] not in _DIGITS:  # an address (the common case) is no port operator
        sport = _plain_ports(tokens, i, protocols)
        if sport is None or sport[1] >= n:
            return None
        sports, i = sport
    if tokens[i][:1] in _DIGITS and i + 1 < n:
        dst = _read_mask_operand(tokens[i], tokens[i + 1])
        i += 2
    else:
        read = _plain_address(tokens, i, n, _read_mask_operand)
        dst, i = (None, 0) if read is None else read
    if dst is None:
        return None
    dports = None
    if i != n:  # a port operator ending the entry
        op = tokens[i].lower()
        if op not in PORT_OPERATORS or protocols is None or protocols[0] not in PORT_TABLES:
            return None
        end = i + 3 if op == "range" else i + 2
        if end != n:
            return None
        dports = _port_operand(tokens[i:end], protocols[0])
        if dports is None:
            return None
    if (sports is None or (len(sports) == 1 and sports[0][0] <= sports[0][1])) and (
        dports is None or (len(dports) == 1 and dports[0][0] <= dports[0][1])
    ):
        # One box, as FlowSpace.build makes it when every field names at most one atom.
        return FlowSpace(
            (
                (
                    _ALL_PROTOCOLS if protocols is None else (protocols[0], protocols[0]),
                    src,
                    dst,
                    _ALL_PORTS if sports is None else sports[0],
                    _ALL_PORTS if dports is None else dports[0],
                    _ALL_STATES,
                ),
            )
        )
    items = None if protocols is None else tuple((p, p) for p in protocols)
    return FlowSpace.build(protocols=items, src=(src,), dst=(dst,), sport=sports, dport=dports)


# Pure on the tokens, so cached for `build_rule` and `_extended` (`plain_rule` remembers its own).
_plain_extended = lru_cache(maxsize=4096)(_read_plain_extended)


def _extended_general(tokens: Sequence[str], tables: Tables, lenient: bool) -> FlowSpace:
    """``_extended`` for every form, token by token (the fast path falls back here)."""
    cur = _Cursor(tokens, 1)
    protocols, services = _read_protocol(cur, tables)
    src = read_address(cur, tables)
    sport = _read_ports(cur, tables, protocols) if services is None else None
    dst = read_address(cur, tables)
    dport = _read_ports(cur, tables, protocols) if services is None else None
    if services is None and protocols and set(protocols) <= _ICMP and dport is None:
        word = cur.peek()
        if word is not None and word not in ("log", "inactive", "time-range"):
            cur.take()  # an ICMP type, an icmp-type group name or a code
            if word == "object-group" or (cur.peek() or "").isdigit():
                cur.take()
            if not lenient:
                raise ObjectError(
                    "an ICMP type condition: the model has no ICMP type field", DiagnosticKind.UNSUPPORTED
                )
    _read_options(cur, lenient)
    if services is None:
        items: tuple[ServiceItem, ...] = (
            ServiceItem(None if protocols is None else tuple((p, p) for p in protocols), sport, dport),
        )
    else:
        items = services
    if len(items) == 1:  # what the union below gives for one item
        return FlowSpace.build(
            protocols=items[0].protocols, src=src, dst=dst, sport=items[0].sport, dport=items[0].dport
        )
    match = FlowSpace.nothing()
    for item in items:
        match = match | FlowSpace.build(
            protocols=item.protocols, src=src, dst=dst, sport=item.sport, dport=item.dport
        )
    return match


def _standard(tokens: Sequence[str], tables: Tables) -> FlowSpace:
    cur = _Cursor(tokens, 1)
    dst = read_address(cur, tables)
    if cur.peek() is not None:
        raise ObjectError(f"unexpected {' '.join(tokens[cur.pos :])!r} in a standard entry")
    return FlowSpace.build(dst=dst)


def _inactive(words: Sequence[str]) -> bool:
    return "inactive" in words[-4:] and words[words.index("inactive", max(0, len(words) - 4)) - 1] not in (
        "object",
        "object-group",
        "time-range",
        "host",
        "interface",
    )


# Rules of plain entries by raw line: the entry's text decides its rule when no word is a
# `name` alias (the caller checks that: the aliases are context). The proof re-parses the
# same file with a line inserted: the lines before it are met again as they were, the lines
# after it with their number one higher (a new `Source`, the same packets). Two halves of
# 2,048 (about one device's worth in all): when the newer fills it becomes the older, so a
# device's lines read just before are still there when its proof reads them again.
_HALF = 2048
_newer_rules: dict[str, Rule] = {}
_older_rules: dict[str, Rule] = {}


def plain_rule(tokens: tuple[str, ...], file: str, number: int, raw: str) -> Rule | None:
    """Return ``build_rule``'s rule for a plain extended entry with no alias word, else None.

    ``tokens`` are the entry's words (from ``permit|deny`` on) of the access-list line
    ``raw``, line ``number`` of ``file``; the caller has checked that no token is a ``name``
    alias. The words of a line are its text's (``raw`` alone decides them), so the rule is
    remembered by ``raw``.
    """
    global _newer_rules, _older_rules
    rule = _newer_rules.get(raw) or _older_rules.get(raw)
    if rule is not None:
        source = rule.source
        if source.line == number and source.file == file:
            return rule
        return Rule(rule.action, rule.match, Source(file, number, raw))
    action = _ACTIONS.get(tokens[0]) if tokens else None
    if action is None:
        return None
    match = _read_plain_extended(tokens)
    if match is None:
        return None
    if len(_newer_rules) >= _HALF:
        _older_rules, _newer_rules = _newer_rules, {}
    rule = _newer_rules[raw] = Rule(action, match, Source(file, number, raw))
    return rule


def build_rule(
    tokens: Sequence[str], tables: Tables, source: Source, *, standard: bool
) -> tuple[Rule, AceError | None]:
    """Turn one entry (``permit|deny ...``) into a rule; inexact entries become opaque rules.

    An opaque rule's ``bound`` is the entry read leniently (an fqdn as any address, the
    time range or ICMP type dropped): a superset of what it can match.
    """
    if not standard and tokens and (not tables.names or tables.names.keys().isdisjoint(tokens)):
        # A plain entry (the fast path's form) holds no `inactive` word: the general steps
        # below would give this same rule.
        action = _ACTIONS.get(tokens[0])
        if action is not None:
            plain = _plain_extended(tokens if isinstance(tokens, tuple) else tuple(tokens))
            if plain is not None:
                return Rule(action, plain, source), None
    return _build_rule_general(tokens, tables, source, standard=standard)


def _build_rule_general(
    tokens: Sequence[str], tables: Tables, source: Source, *, standard: bool
) -> tuple[Rule, AceError | None]:
    """``build_rule`` for every entry, step by step (its fast path falls back here)."""
    action = _action(tokens[0] if tokens else None)
    if action is None:
        error = AceError(
            first_action(tokens), f"expected permit or deny, got {tokens[0] if tokens else ''!r}"
        )
        return Rule(error.action, None, source), error
    # `_inactive` looks at the last four words first: lower-case the rest only when needed.
    if "inactive" in map(str.lower, tokens[-4:]) and _inactive([t.lower() for t in tokens]):
        return Rule(action, FlowSpace.nothing(), source), None
    try:
        match = _standard(tokens, tables) if standard else _extended(tokens, tables, False)
        return Rule(action, match, source), None
    except ObjectError as strict:
        error = AceError(action, strict.reason, strict.kind)
    bound = None
    if error.kind is DiagnosticKind.UNSUPPORTED and not standard:
        try:
            bound = _extended(tokens, dataclasses.replace(tables, lenient=True), True)
        except ObjectError:
            bound = None
    return Rule(action, None, source, bound), error
