"""IOS interfaces (addresses, roles, ACL bindings, inspection) and static routes.

Part of the cisco_ios parser (parse stage). ``ip access-group ACL in|out`` is the only
interface command that binds a rule set to transit traffic; ACLs named by ``access-class``,
SNMP, route-maps, NAT or class-maps are uses, not bindings. ``ip nat inside|outside`` give
the interface its role (VENDORS.md §1.7).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from auditor.model import Binding, DiagnosticKind, Direction, Role, Route
from auditor.parsers.cisco_ios.acl import is_ipv4
from auditor.parsers.cisco_ios.builder import Builder, InterfaceDraft
from auditor.parsers.cisco_ios.ignored import INTERFACE, lookup
from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition

_DIRECTIONS = {"in": Direction.IN, "out": Direction.OUT}
# Interface commands that can change what transit traffic passes or where it goes.
_UNSUPPORTED: dict[tuple[str, ...], str] = {
    ("ip", "policy"): "policy-based routing can send transit out another interface (not evaluated)",
    ("service-policy",): "QoS/inspection service-policy can police or drop traffic (not evaluated)",
    ("ip", "nat", "enable"): "NAT virtual interface (NVI): roles are not modelled",
    ("ip", "verify"): "unicast RPF drops packets whose source is not routed back via this interface",
    ("ip", "admission"): "authentication proxy (not evaluated)",
    ("ip", "auth-proxy"): "authentication proxy (not evaluated)",
    ("ip", "ips"): "IOS IPS can drop transit (not evaluated)",
    ("ip", "audit"): "IOS IDS can drop transit (not evaluated)",
    ("ip", "urlfilter"): "URL filtering (not evaluated)",
    ("ip", "wccp"): "WCCP redirects transit traffic (not evaluated)",
    ("ip", "port-map"): "port-to-application mapping (not evaluated)",
}


def _address(draft: InterfaceDraft, tokens: tuple[str, ...]) -> bool:
    """Add ``ip address A M [secondary]`` (or ``A/len``); return False if not understood."""
    args = tokens[2:]
    if args and args[0].lower() in ("dhcp", "negotiated", "pool", "unnumbered"):
        return True  # learnt at run time: no address in the config
    try:
        if len(args) >= 2 and is_ipv4(args[0]) and is_ipv4(args[1]):
            iface, rest = ipaddress.IPv4Interface(f"{args[0]}/{args[1]}"), args[2:]
        elif len(args) >= 1 and "/" in args[0]:  # CIDR form (not IOS, but unambiguous)
            iface, rest = ipaddress.IPv4Interface(args[0]), args[1:]
        else:
            return False
    except ValueError:
        return False
    if [token.lower() for token in rest] not in ([], ["secondary"]):
        return False
    draft.addresses.append(str(iface))
    return True


def _role(builder: Builder, draft: InterfaceDraft, line: ConfigLine, role: Role) -> None:
    draft.role = role
    draft.role_reason = f"ip nat {role.value} (line {line.number})"
    builder.mark(line, Disposition.EXTRACTED)


def _filtering_line(builder: Builder, draft: InterfaceDraft, line: ConfigLine) -> bool:
    """Handle access-group, inspect, NAT role and zone lines; return False if not one."""
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
    if words[:2] == ("ip", "inspect"):
        if len(words) == 4 and words[3] in _DIRECTIONS:
            builder.cbac.applied.append((tokens[2], draft.name, words[3], builder.source(line)))
            builder.mark(line, Disposition.EXTRACTED)
        else:
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, "ip inspect form not understood", True)
        return True
    if words in (("ip", "nat", "inside"), ("ip", "nat", "outside")):
        _role(builder, draft, line, Role.INSIDE if words[2] == "inside" else Role.OUTSIDE)
        return True
    if words[:2] == ("zone-member", "security") and len(words) == 3:
        builder.zbf.members.append((draft.name, tokens[2]))
        builder.zbf.sources.append(builder.source(line))
        builder.mark(line, Disposition.LIMITATION)
        return True
    return False


def _interface_line(builder: Builder, draft: InterfaceDraft, line: ConfigLine) -> bool:
    """Handle one interface sub-mode line; return True when it was ignored as known."""
    words = line.words
    if words == ("shutdown",) or words == ("no", "shutdown"):
        draft.shutdown = words == ("shutdown",)
        builder.mark(line, Disposition.EXTRACTED)
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
    elif words[0].startswith("description"):  # free text (also `description:` in redacted exports)
        builder.mark(line, Disposition.IGNORED)
    elif lookup(INTERFACE, words[1:] if words[0] == "no" else words) is not None:
        builder.mark(line, Disposition.IGNORED)
        return True
    else:
        builder.unrecognized(line, "interface command not recognized")
    return False


def read_interface(builder: Builder, block: Block) -> None:
    """Read an ``interface NAME`` block into the builder."""
    header = block.header
    if len(header.tokens) < 2:
        builder.unrecognized(header, "interface without a name")
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    name = header.tokens[1]
    draft = builder.interfaces.setdefault(name, InterfaceDraft(name, builder.source(header)))
    builder.mark(header, Disposition.EXTRACTED)
    read_sub_lines(builder, block, lambda line: _interface_line(builder, draft, line))


def read_sub_lines(builder: Builder, block: Block, read: Callable[[ConfigLine], bool]) -> None:
    """Read a block's lines with ``read``, skipping what sits under an ignored sub-mode.

    ``read`` returns True when its line opened a sub-mode the parser ignores: the lines
    indented under that line are then marked ignored with it.
    """
    ignored_indent: int | None = None
    for line in block.children:
        if ignored_indent is not None and line.indent > ignored_indent:
            builder.mark(line, Disposition.IGNORED)  # under an ignored sub-mode
            continue
        ignored_indent = line.indent if read(line) else None


_ROUTE_WORDS_WITH_ARG = frozenset({"name", "tag", "track"})
_ROUTE_FLAGS = frozenset({"permanent", "global", "multicast", "dhcp"})


def read_route(builder: Builder, line: ConfigLine) -> None:
    """Read ``ip route PREFIX MASK [IF] [NEXT-HOP] [distance] [name X] [permanent] [tag N]``.

    ``ip route vrf ...`` routes belong to a VRF, which is not modelled: known and ignored.
    """
    tokens, words = line.tokens, line.words
    if len(words) > 2 and words[2] in ("vrf", "static", "profile"):
        builder.mark(line, Disposition.IGNORED)
        return
    try:
        network = ipaddress.IPv4Network(f"{tokens[2]}/{tokens[3]}", strict=False)
    except (IndexError, ValueError):
        builder.unrecognized(line, "ip route prefix/mask not understood")
        return
    interface: str | None = None
    next_hop: str | None = None
    index = 4
    while index < len(tokens):
        token, word = tokens[index], words[index]
        if word in _ROUTE_WORDS_WITH_ARG:
            index += 1
        elif is_ipv4(token) and next_hop is None:
            next_hop = token
        elif word in _ROUTE_FLAGS or token.isdigit():
            pass
        elif interface is None and next_hop is None:
            interface = token
        else:
            builder.unrecognized(line, f"ip route token {token!r} not understood")
            return
        index += 1
    builder.routes.append(Route(str(network), interface, next_hop, builder.source(line)))
    builder.mark(line, Disposition.EXTRACTED)
