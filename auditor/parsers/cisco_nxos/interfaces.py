"""NX-OS interfaces (addresses, shutdown, ACL bindings, NAT roles, VRF membership) and routes.

Part of the cisco_nxos parser (parse stage). Facts used (Cisco Nexus 3600/9000 NX-OS Security
Configuration Guides, "IP ACL Types and Applications"; NX-API REST reference, "Configuring ACL
(Egress Direction)"):
- ``ip access-group NAME in|out`` is a router ACL: on routed ports and subinterfaces, routed
  port-channels, SVIs (``interface VlanN``) and the management interface, in both directions;
- ``ip port access-group NAME in`` is a port ACL on a switched port: it filters everything
  entering that port, including traffic an SVI then routes. Which SVI that traffic reaches is
  not in the interface text, so a port ACL is a limitation on flow checks, not a binding;
- ``mgmt0`` is always in VRF ``management``, out of band: never a transit interface;
- an interface in another non-default VRF (``vrf member X``) routes in that VRF's table,
  which this model does not separate: a limitation on flow checks.
"""

from __future__ import annotations

import ipaddress

from auditor.model import Binding, DiagnosticKind, Direction, Limitation, Role, Route
from auditor.parsers.cisco_ios.acl import is_ipv4
from auditor.parsers.cisco_ios.builder import InterfaceDraft
from auditor.parsers.cisco_ios.interfaces import read_sub_lines
from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition
from auditor.parsers.cisco_nxos.ignored import INTERFACE, lookup
from auditor.parsers.cisco_nxos.state import NxBuilder

_DIRECTIONS = {"in": Direction.IN, "out": Direction.OUT}
# Interface commands that can change what transit traffic passes or where it goes.
_UNSUPPORTED: dict[tuple[str, ...], str] = {
    ("ip", "policy"): "policy-based routing can send transit out another interface (not evaluated)",
    ("service-policy",): "a service-policy can police, redirect or drop traffic (not evaluated)",
    ("ip", "verify"): "unicast RPF drops packets whose source is not routed back via this interface",
    ("mac", "port"): "a MAC port ACL can drop traffic entering this port (not evaluated)",
}


def _address(draft: InterfaceDraft, tokens: tuple[str, ...]) -> bool:
    """Add ``ip address A/len|A M [secondary] [tag N]``; return False if not understood."""
    args = list(tokens[2:])
    if args and args[0].lower() == "dhcp":
        return True  # learnt at run time: no address in the config
    try:
        if len(args) >= 2 and is_ipv4(args[0]) and is_ipv4(args[1]):
            iface, rest = ipaddress.IPv4Interface(f"{args[0]}/{args[1]}"), args[2:]
        elif args and "/" in args[0]:
            iface, rest = ipaddress.IPv4Interface(args[0]), args[1:]
        else:
            return False
    except ValueError:
        return False
    words = [w.lower() for w in rest]
    if words[:1] == ["secondary"]:
        words = words[1:]
    if words and not (len(words) == 2 and words[0] == "tag" and words[1].isdigit()):
        return False
    draft.addresses.append(str(iface))
    return True


def _filtering_line(builder: NxBuilder, draft: InterfaceDraft, line: ConfigLine) -> bool:
    """Handle access-group, port ACL, NAT role and VRF lines; return False if not one."""
    words, tokens = line.words, line.tokens
    if words[:2] == ("ip", "access-group"):
        if len(words) == 4 and words[3] in _DIRECTIONS:
            builder.bindings.append(
                Binding(tokens[2], draft.name, _DIRECTIONS[words[3]], builder.source(line))
            )
            builder.mark(line, Disposition.EXTRACTED)
        else:
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, "ip access-group form not understood", True)
        return True
    if words[:3] == ("ip", "port", "access-group"):
        builder.limitations.append(
            Limitation(
                f"port ACL {tokens[3] if len(tokens) > 3 else '?'} on switched port {draft.name} filters "
                "traffic entering it, which an SVI may then route; which SVI is not in the "
                "configuration, so the port ACL is not evaluated",
                frozenset({"flow"}),
                (builder.source(line),),
            )
        )
        builder.mark(line, Disposition.LIMITATION)
        return True
    if words in (("ip", "nat", "inside"), ("ip", "nat", "outside")):
        draft.role = Role.INSIDE if words[2] == "inside" else Role.OUTSIDE
        draft.role_reason = f"ip nat {draft.role.value} (line {line.number})"
        builder.nat_roles.append(builder.source(line))
        builder.mark(line, Disposition.EXTRACTED)
        return True
    if words[:2] == ("vrf", "member") and len(words) == 3:
        builder.vrf_members[draft.name] = (tokens[2], builder.source(line))
        builder.mark(line, Disposition.EXTRACTED)
        return True
    return False


def _interface_line(builder: NxBuilder, draft: InterfaceDraft, line: ConfigLine) -> bool:
    """Handle one interface sub-mode line; return True when it was ignored as known."""
    words = line.words
    if words in (("shutdown",), ("no", "shutdown")):
        draft.shutdown = words == ("shutdown",)
        builder.mark(line, Disposition.EXTRACTED)
    elif words in (("switchport",), ("no", "switchport")):
        builder.mark(line, Disposition.IGNORED)  # the address, not the port mode, makes it routed
    elif words[:2] == ("ip", "address"):
        if _address(draft, line.tokens):
            builder.mark(line, Disposition.EXTRACTED)
        else:
            builder.unrecognized(line, "ip address form not understood")
    elif words[:3] == ("no", "ip", "address"):
        builder.mark(line, Disposition.EXTRACTED)
    elif _filtering_line(builder, draft, line):
        pass
    elif (reason := lookup(_UNSUPPORTED, words)) is not None:
        builder.diagnose(line, DiagnosticKind.UNSUPPORTED, reason, True)
    elif lookup(INTERFACE, words[1:] if words[0] == "no" else words) is not None:
        builder.mark(line, Disposition.IGNORED)
        return True
    else:
        builder.unrecognized(line, "interface command not recognized")
    return False


def read_interface(builder: NxBuilder, block: Block) -> None:
    """Read an ``interface NAME`` block (a range such as ``Ethernet1/1-4`` stays one name)."""
    header = block.header
    if len(header.tokens) != 2:
        builder.unrecognized(header, "interface header not understood")
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    name = header.tokens[1]
    draft = builder.interfaces.setdefault(name, InterfaceDraft(name, builder.source(header)))
    builder.mark(header, Disposition.EXTRACTED)
    read_sub_lines(builder, block, lambda line: _interface_line(builder, draft, line))


_ROUTE_WORDS_WITH_ARG = frozenset({"name", "tag", "track"})


def read_route(builder: NxBuilder, line: ConfigLine) -> None:
    """Read a default-VRF ``ip route PREFIX/LEN|A M [IF] [NEXT-HOP] [pref] [tag N] [name X]``.

    A next hop in another VRF (``vrf X`` at the end) leaves the default VRF: known, ignored.
    """
    tokens, words = line.tokens, line.words
    try:
        if "/" in tokens[2]:
            network, index = ipaddress.IPv4Network(tokens[2], strict=False), 3
        else:
            network, index = ipaddress.IPv4Network(f"{tokens[2]}/{tokens[3]}", strict=False), 4
    except (IndexError, ValueError):
        builder.unrecognized(line, "ip route prefix not understood")
        return
    if "vrf" in words[index:]:
        builder.mark(line, Disposition.IGNORED)
        return
    interface: str | None = None
    next_hop: str | None = None
    while index < len(tokens):
        token, word = tokens[index], words[index]
        if word in _ROUTE_WORDS_WITH_ARG:
            index += 1
        elif is_ipv4(token.split("/")[0]) and next_hop is None:
            next_hop = token.split("/")[0]
        elif token.isdigit():
            pass  # preference (administrative distance)
        elif interface is None and next_hop is None and word != "null0":
            interface = token
        elif word == "null0":
            interface = token
        else:
            builder.unrecognized(line, f"ip route token {token!r} not understood")
            return
        index += 1
    builder.routes.append(Route(str(network), interface, next_hop, builder.source(line)))
    builder.mark(line, Disposition.EXTRACTED)


__all__ = ["read_interface", "read_route"]
