"""The grammar of one NX-OS IPv4 ACL entry: addresses, port operators, port names, options.

Part of the cisco_nxos parser (parse stage). An entry becomes an ``AceSpec`` (shared with the
cisco_ios parser) whose address and port groups are resolved once the whole file is read.

NX-OS facts used here (Cisco Nexus 5000/9000 NX-OS Security Configuration Guides, "Configuring
IP ACLs" and the ``deny (IPv4)`` command reference; batfish's NX-OS grammar test config
``nxos_ip_access_list``, in the shared corpus):
- addresses are ``any``, ``host A``, ``A/len``, ``A W`` (network wildcard) or
  ``addrgroup NAME`` (an ``object-group ip address``);
- a port condition is ``eq|neq|lt|gt p``, ``range a b`` or ``portgroup NAME`` (an
  ``object-group ip port``); one after the source address is a *source*-port condition;
  ``eq``/``neq`` take one port (no noncontiguous list as on IOS);
- ``established`` matches TCP segments with ACK or RST set, never a connection's first SYN;
- ``fragments`` matches non-initial fragments only, never a new connection's first packet;
- DSCP, precedence, TTL, packet length, TCP flags/options, HTTP method, VXLAN VNI, VLAN,
  time ranges and ICMP/IGMP types only narrow an entry: the entry without them is a bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from auditor.flowspace import (
    STATE_ESTABLISHED,
    STATE_MAX,
    TCP,
    UDP,
    Cube,
    Interval,
    cube_from_wildcard,
    cube_host,
)
from auditor.model import Action, DiagnosticKind
from auditor.parsers.cisco_ios.acl import AceError, AceSpec, AddrSpec, Cursor, ServiceItem, is_ipv4
from auditor.parsers.cisco_ios.ports import TCP_PORTS, UDP_PORTS, protocol_value

# The TCP names NX-OS accepts (batfish's NX-OS grammar test lists exactly these); the values
# are the IOS ones. `https` is not among them: NX-OS wants `eq 443`.
_NXOS_TCP_NAMES = frozenset(
    "bgp chargen cmd daytime discard domain drip echo exec finger ftp ftp-data gopher hostname "
    "ident irc klogin kshell login lpd nntp pim-auto-rp pop2 pop3 smtp sunrpc tacacs talk telnet "
    "time uucp whois www".split()
)
_NXOS_UDP_NAMES = frozenset(
    "biff bootpc bootps discard dnsix domain echo isakmp mobile-ip nameserver netbios-dgm "
    "netbios-ns netbios-ss non500-isakmp ntp pim-auto-rp rip snmp snmptrap sunrpc syslog tacacs "
    "talk tftp time who xdmcp".split()
)
PORTS: Mapping[int, Mapping[str, int]] = MappingProxyType(
    {
        TCP: MappingProxyType({k: v for k, v in TCP_PORTS.items() if k in _NXOS_TCP_NAMES}),
        UDP: MappingProxyType({k: v for k, v in UDP_PORTS.items() if k in _NXOS_UDP_NAMES}),
    }
)
PORT_OPERATORS = frozenset({"eq", "neq", "lt", "gt", "range", "portgroup"})

# Options that only narrow an entry (the entry without them is a superset), and what they test.
_NARROWING: Mapping[str, str] = MappingProxyType(
    {
        "dscp": "DSCP",
        "precedence": "IP precedence",
        "ttl": "TTL",
        "packet-length": "packet length",
        "time-range": "a time range (active only at some times)",
        "http-method": "the HTTP method",
        "tcp-option-length": "TCP option length",
        "tcp-flags-mask": "TCP flags",
        "ack": "the TCP ACK flag",
        "fin": "the TCP FIN flag",
        "psh": "the TCP PSH flag",
        "rst": "the TCP RST flag",
        "syn": "the TCP SYN flag",
        "urg": "the TCP URG flag",
        "nve": "a VXLAN VNI",
        "vlan": "a VLAN",
        "udf": "user-defined fields",
    }
)
_ICMP_LIKE = frozenset({1, 2})


@dataclass(frozen=True, slots=True)
class PortRef:
    """A port condition: intervals, or the name of a port group."""

    intervals: tuple[Interval, ...] | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class NxAce:
    """A parsed entry: the shared spec plus the port groups still to resolve."""

    spec: AceSpec
    sport_group: str | None = None
    dport_group: str | None = None


class BoundedAceError(AceError):
    """An entry with a condition the model cannot evaluate; ``bound_ace`` is it without."""

    bound_ace: NxAce | None = None


def _fail(action: Action, reason: str, kind: DiagnosticKind = DiagnosticKind.UNRECOGNIZED) -> AceError:
    return AceError(action, kind, reason)


def port_value(token: str, protocol: int) -> int | None:
    """Return the port a token names for ``protocol`` on NX-OS, or None.

    Examples:
        >>> port_value"www", port_value"443", port_value("https", 6)
        (80, 443, None)
    """
    if token.isdigit():
        value = int(token)
        return value if value <= 65535 else None
    return PORTS.get(protocol, {}).get(token.lower())


def parse_address(cur: Cursor, action: Action) -> tuple[tuple[Cube, ...] | None, str | None]:
    """Read ``any | host A | A/len | A W | addrgroup N``; return (cubes or None=any, group)."""
    word = cur.peek()
    if word == "any":
        cur.take()
        return None, None
    if word == "addrgroup":
        cur.take()
        name = cur.take()
        if name is None:
            raise _fail(action, "addrgroup without a name")
        return None, name
    if word == "host":
        cur.take()
        address = cur.take()
        if not is_ipv4(address):
            raise _fail(action, f"expected an IPv4 address after 'host', got {address!r}")
        assert address is not None
        return (cube_host(address),), None
    token = cur.take() or ""
    if "/" in token:
        return (prefix_cube(token, action),), None
    if is_ipv4(token) and is_ipv4(cur.peek()):
        wildcard = cur.take()
        assert wildcard is not None
        return (cube_from_wildcard(token, wildcard),), None
    raise _fail(action, f"expected an address, got {token!r}")


def prefix_cube(token: str, action: Action = Action.DENY) -> Cube:
    """Return the cube of ``A/len`` (host bits in A are ignored, as the switch does)."""
    address, _, length = token.partition("/")
    if not is_ipv4(address) or not length.isdigit() or int(length) > 32:
        raise _fail(action, f"prefix {token!r} not understood")
    mask = (0xFFFFFFFF << (32 - int(length))) & 0xFFFFFFFF
    host = cube_host(address)[0]
    return (host & mask, mask)


def port_interval(op: str, values: Sequence[int]) -> tuple[Interval, ...]:
    """Return the port intervals of one operator and its operands."""
    if op == "range":
        return ((values[0], values[1]),) if values[0] <= values[1] else ()
    port = values[0]
    if op == "eq":
        return ((port, port),)
    if op == "neq":
        return tuple(i for i in ((0, port - 1), (port + 1, 65535)) if i[0] <= i[1])
    if op == "lt":
        return ((0, port - 1),) if port > 0 else ()
    return ((port + 1, 65535),) if port < 65535 else ()


def read_port_operator(cur: Cursor, protocols: Sequence[int], action: Action) -> tuple[Interval, ...]:
    """Read ``eq|neq|lt|gt p`` or ``range a b``; names must mean one port for every protocol."""
    op = (cur.take() or "").lower()
    values: list[int] = []
    for _ in range(2 if op == "range" else 1):
        token = cur.take()
        found = {port_value(token, p) for p in protocols} if token is not None else {None}
        value = found.pop() if len(found) == 1 else None
        if value is None:
            raise _fail(action, f"unknown port {token!r} after '{op}' (not a number or NX-OS port name)")
        values.append(value)
    if op == "range" and values[0] > values[1]:
        raise _fail(action, f"port range {values[0]} {values[1]} is empty")
    return port_interval(op, values)


def _maybe_ports(cur: Cursor, protocol: int | None, action: Action) -> PortRef:
    if cur.peek() not in PORT_OPERATORS:
        return PortRef()
    if protocol not in PORTS:
        raise _fail(
            action,
            f"port operator '{cur.peek()}' where NX-OS takes none (a protocol without ports, "
            "or one given as a number)",
        )
    assert protocol is not None
    if cur.peek() == "portgroup":
        cur.take()
        name = cur.take()
        if name is None:
            raise _fail(action, "portgroup without a name")
        return PortRef(group=name)
    return PortRef(read_port_operator(cur, [protocol], action))


def _protocol(cur: Cursor, action: Action) -> tuple[int | None, bool]:
    """Return (protocol number or None for `ip`, whether it was given by name)."""
    token = cur.take() or ""
    if token.lower() == "ip":
        return None, True
    number = protocol_value(token)
    if number is None:
        raise _fail(action, f"unknown protocol {token!r}")
    return number, not token.isdigit()


def _options(cur: Cursor, action: Action, protocol: int | None) -> tuple[tuple[Interval, ...] | None, bool]:
    state: tuple[Interval, ...] | None = None
    fragments = False
    while not cur.done():
        word = (cur.take() or "").lower()
        if word == "log":
            continue
        if word == "established" and protocol == TCP:
            state = ((STATE_ESTABLISHED, STATE_MAX),)  # ACK or RST set: anything but a new SYN
        elif word == "fragments":
            fragments = True
        elif word in _NARROWING:
            what = _NARROWING[word]
            raise _fail(
                action,
                f"matches on {what}, which the configuration alone cannot evaluate",
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


def parse_entry(tokens: Sequence[str]) -> NxAce:
    """Parse ``permit|deny PROTO SRC [PORTS] DST [PORTS] [options]`` (no sequence number).

    Raises:
        AceError: the entry cannot be matched exactly; it becomes an opaque rule (with a
            bound when only a narrowing option was not understood).
    """
    cur = Cursor(tokens)
    action = {"permit": Action.PERMIT, "deny": Action.DENY}.get((cur.take() or "").lower())
    if action is None:
        raise _fail(Action.DENY, f"expected permit or deny, got {tokens[0] if tokens else ''!r}")
    protocol, named = _protocol(cur, action)
    src, src_group = parse_address(cur, action)
    # A protocol given as a number takes no port conditions on NX-OS (batfish grammar test).
    sport = _maybe_ports(cur, protocol if named else None, action)
    dst, dst_group = parse_address(cur, action)
    dport = _maybe_ports(cur, protocol if named else None, action)
    protocols = None if protocol is None else ((protocol, protocol),)

    def spec(state: tuple[Interval, ...] | None = None, fragments: bool = False) -> AceSpec:
        return AceSpec(
            action,
            AddrSpec(src, src_group),
            AddrSpec(dst, dst_group),
            (ServiceItem(protocols, sport.intervals, dport.intervals),),
            None,
            state,
            fragments,
        )

    try:
        state, fragments = _options(cur, action, protocol)
    except AceError as error:
        if error.kind is not DiagnosticKind.UNSUPPORTED:
            raise
        bounded = BoundedAceError(action, error.kind, error.reason)
        bounded.bound_ace = NxAce(spec(), sport.group, dport.group)
        raise bounded from error
    return NxAce(spec(state, fragments), sport.group, dport.group)


__all__ = [
    "BoundedAceError",
    "PORTS",
    "PORT_OPERATORS",
    "NxAce",
    "PortRef",
    "parse_address",
    "parse_entry",
    "port_interval",
    "port_value",
    "prefix_cube",
    "read_port_operator",
]
