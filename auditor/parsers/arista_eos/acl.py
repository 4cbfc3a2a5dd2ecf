"""The grammar of one EOS ACL entry (standard or extended).

Part of the arista_eos parser (parse stage). The entry shape is IOS's, so the IOS entry
types, cursor and port-operator reader are reused; what differs is read here:
- addresses are ``any``, ``host A``, ``A/len`` (what ``show running-config`` prints) or
  ``A W`` with W a wildcard mask (the arista.eos Ansible ACL module documents
  ``subnet_address`` and ``wildcard_bits``);
- ``eq`` and ``neq`` take several ports (``eq finger www`` in the arista.eos docs);
- port names are EOS's (``ports.py``; ``https`` is one);
- ``established`` matches TCP segments with ACK or RST set, never a connection's first SYN
  (as on IOS; VENDORS.md engine rule 1), ``fragments`` only non-initial fragments;
- ``log`` changes nothing about matching.
Conditions the model has no field for (TTL, DSCP, TCP flags, ICMP types, ``tracked``) make
the entry inexact: it becomes an opaque rule bounded by the entry without that condition.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from auditor.flowspace import (
    STATE_ESTABLISHED,
    STATE_MAX,
    TCP,
    Interval,
    cube_from_prefix,
    cube_from_wildcard,
    cube_host,
)
from auditor.model import Action, DiagnosticKind
from auditor.parsers.arista_eos.ports import PORT_TABLES, port_value, protocol_value
from auditor.parsers.cisco_ios.acl import (
    AceError,
    AceSpec,
    AddrSpec,
    Cursor,
    ServiceItem,
    is_ipv4,
    parse_port_operator,
)

__all__ = ["is_prefix", "parse_extended", "parse_standard"]

_PORT_OPERATORS = frozenset({"eq", "neq", "lt", "gt", "range"})
# Options that narrow a match on a field the model does not have: the entry is inexact.
_UNSUPPORTED: dict[str, str] = {
    "ttl": "TTL",
    "dscp": "DSCP",
    "ecn": "ECN",
    "tracked": "connection tracking state ('tracked')",
    "ack": "the TCP ACK flag",
    "syn": "the TCP SYN flag",
    "fin": "the TCP FIN flag",
    "psh": "the TCP PSH flag",
    "rst": "the TCP RST flag",
    "urg": "the TCP URG flag",
    "vlan": "VLAN tags",
    "nexthop-group": "a next-hop group (policy routing)",
}
_ICMP_LIKE = frozenset({1, 2})


def _fail(action: Action, reason: str, kind: DiagnosticKind = DiagnosticKind.UNRECOGNIZED) -> AceError:
    return AceError(action, kind, reason)


def is_prefix(token: str | None) -> bool:
    """Tell whether a token is an IPv4 prefix ``A/len``."""
    if token is None or "/" not in token:
        return False
    try:
        ipaddress.IPv4Network(token, strict=False)
    except ValueError:
        return False
    return is_ipv4(token.split("/", 1)[0])


def _address(cur: Cursor, action: Action) -> AddrSpec:
    """Read ``any | host A | A/len | A W``."""
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
    token = cur.take()
    if is_prefix(token):
        assert token is not None
        return AddrSpec((cube_from_prefix(token),))
    if is_ipv4(token) and is_ipv4(cur.peek()):
        wildcard = cur.take()
        assert token is not None and wildcard is not None
        return AddrSpec((cube_from_wildcard(token, wildcard),))
    raise _fail(action, f"expected any, host A, A/len or A W as an address, got {token!r}")


def _ports(cur: Cursor, protocol: int | None, action: Action) -> tuple[Interval, ...] | None:
    if cur.peek() not in _PORT_OPERATORS:
        return None
    if protocol not in PORT_TABLES:
        raise _fail(action, f"port operator '{cur.peek()}' on a protocol without ports")
    assert protocol is not None

    def resolve(token: str) -> int | None:
        return port_value(token, protocol)

    try:
        return parse_port_operator(cur, resolve, action)
    except AceError as error:  # the IOS reader's message names IOS port names
        raise _fail(action, error.reason.replace("IOS port name", "EOS port name"), error.kind) from None


def _options(cur: Cursor, action: Action, protocol: int | None) -> tuple[tuple[Interval, ...] | None, bool]:
    state: tuple[Interval, ...] | None = None
    fragments = False
    while not cur.done():
        word = (cur.take() or "").lower()
        if word == "log":
            continue
        if word == "established" and protocol == TCP:
            state = ((STATE_ESTABLISHED, STATE_MAX),)  # ACK or RST set: never a new SYN
        elif word == "fragments":
            fragments = True
        elif word in _UNSUPPORTED:
            raise _fail(
                action,
                f"matches on {_UNSUPPORTED[word]}, which the configuration alone cannot evaluate",
                DiagnosticKind.UNSUPPORTED,
            )
        elif protocol in _ICMP_LIKE:
            raise _fail(
                action,
                f"{'ICMP' if protocol == 1 else 'IGMP'} message type '{word}': the model has no "
                "type/code field, so the entry is not exact",
                DiagnosticKind.UNSUPPORTED,
            )
        else:
            raise _fail(action, f"unexpected token {word!r}")
    return state, fragments


def _action(cur: Cursor) -> Action:
    word = (cur.take() or "").lower()
    action = {"permit": Action.PERMIT, "deny": Action.DENY}.get(word)
    if action is None:
        raise _fail(Action.DENY, f"expected permit or deny, got {word!r}")
    return action


def parse_extended(tokens: Sequence[str]) -> AceSpec:
    """Parse ``permit|deny PROTO SRC [PORTS] DST [PORTS] [options]`` (sequence number removed).

    Raises:
        AceError: the entry cannot be matched exactly; it becomes an opaque rule.
    """
    cur = Cursor(tokens)
    action = _action(cur)
    word = (cur.take() or "").lower()
    protocol: int | None = None
    if word != "ip":
        protocol = protocol_value(word)
        if protocol is None:
            raise _fail(action, f"unknown protocol {word!r}")
    src = _address(cur, action)
    sport = _ports(cur, protocol, action)
    dst = _address(cur, action)
    dport = _ports(cur, protocol, action)
    protocols = None if protocol is None else ((protocol, protocol),)
    try:
        state, fragments = _options(cur, action, protocol)
    except AceError as error:
        if error.kind is DiagnosticKind.UNSUPPORTED:
            error.bound = AceSpec(action, src, dst, (ServiceItem(protocols, sport, dport),))
        raise
    return AceSpec(action, src, dst, (ServiceItem(protocols, sport, dport),), None, state, fragments)


def parse_standard(tokens: Sequence[str]) -> AceSpec:
    """Parse ``permit|deny any|host A|A/len|A W [log]``: a source-only condition.

    Raises:
        AceError: the entry cannot be matched exactly; it becomes an opaque rule.
    """
    cur = Cursor(tokens)
    action = _action(cur)
    src = _address(cur, action)
    while not cur.done():
        word = (cur.take() or "").lower()
        if word != "log":
            raise _fail(action, f"unexpected token {word!r} in a standard entry")
    return AceSpec(action, src)
