"""EOS interfaces (addresses, switching, VRF, ACL bindings, static NAT) and static routes.

Part of the arista_eos parser (parse stage). EOS facts used here:
- Ethernet and Port-Channel interfaces switch (layer 2) unless ``no switchport`` makes them
  routed; Vlan (SVI), Loopback, Management and Tunnel interfaces are routed. An
  ``ip access-group`` on a routed interface filters routed traffic in or out; on a switched
  port it is a port ACL on bridged traffic, which the path model does not have: a
  ``Limitation`` (flow checks unknown), never a guess.
- ``ip address A/len`` (also ``A M``, ``dhcp``); ``ip address virtual A/len`` is the
  anycast-gateway address of an SVI (VARP / EVPN), and hosts use it as their gateway.
- ``vrf NAME`` (EOS 4.23 and later) or ``vrf forwarding NAME`` puts the interface in a VRF.
- Under an interface, ``ip nat source static A B`` (form confirmed by Batfish's Arista test
  config ``ip-nat-source-static``) is a one-to-one static NAT: every port of B reaches A.
  Other NAT forms (``destination static``, port or ACL variants, ``dynamic``) are not
  confirmed here: they become limitations, so the checks they touch go unknown.
"""

from __future__ import annotations

import ipaddress

from auditor.model import Binding, DiagnosticKind, Direction, Limitation, PortMapping, Route
from auditor.parsers.arista_eos.acl import is_prefix
from auditor.parsers.arista_eos.builder import EosBuilder, EosInterface
from auditor.parsers.arista_eos.ignored import INTERFACE, lookup
from auditor.parsers.cisco_ios.acl import is_ipv4
from auditor.parsers.cisco_ios.builder import InterfaceDraft
from auditor.parsers.cisco_ios.interfaces import read_sub_lines
from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition

__all__ = ["read_interface", "read_route", "switched_by_default"]

_DIRECTIONS = {"in": Direction.IN, "out": Direction.OUT}
_UNSUPPORTED: dict[tuple[str, ...], str] = {
    ("service-policy",): "policy-based routing or QoS policy can redirect or drop traffic (not evaluated)",
    ("ip", "verify"): "unicast RPF drops packets whose source is not routed back via this interface",
}


def switched_by_default(name: str) -> bool:
    """Tell whether an EOS interface is a layer-2 port until ``no switchport``."""
    return name.lower().startswith(("ethernet", "port-channel"))


def _address(draft: InterfaceDraft, tokens: tuple[str, ...]) -> bool:
    """Add ``ip address [virtual] A/len|A M [secondary]``; return False if not understood."""
    args = list(tokens[2:])
    if args and args[0].lower() == "virtual":
        args = args[1:]
    if args and args[0].lower() == "dhcp":
        return True  # learnt at run time: no address in the config
    try:
        if args and is_prefix(args[0]):
            iface, rest = ipaddress.IPv4Interface(args[0]), args[1:]
        elif len(args) >= 2 and is_ipv4(args[0]) and is_ipv4(args[1]):
            iface, rest = ipaddress.IPv4Interface(f"{args[0]}/{args[1]}"), args[2:]
        else:
            return False
    except ValueError:
        return False
    if [token.lower() for token in rest] not in ([], ["secondary"]):
        return False
    draft.addresses.append(str(iface))
    return True


def _nat(builder: EosBuilder, draft: InterfaceDraft, eos: EosInterface, line: ConfigLine) -> None:
    words, tokens = line.words, line.tokens
    source = builder.source(line)
    if words[2:4] == ("source", "static") and len(tokens) == 6 and is_ipv4(tokens[4]) and is_ipv4(tokens[5]):
        builder.mappings.append(PortMapping(None, tokens[4], tokens[5], None, None, source))
        builder.mark(line, Disposition.EXTRACTED)
        return
    if words[2:4] == ("source", "dynamic"):
        eos.dynamic_nat.append(source)  # matters only where an outbound ACL sees the source
        builder.mark(line, Disposition.LIMITATION)
        return
    builder.limitations.append(
        Limitation(
            f"EOS NAT form on {draft.name} is not modelled (syntax unconfirmed): "
            "whether it maps a required port cannot be decided",
            frozenset({"port-mapping"}),
            (source,),
        )
    )
    builder.mark(line, Disposition.LIMITATION)


def _flow_limitation(builder: EosBuilder, line: ConfigLine, what: str) -> None:
    builder.limitations.append(Limitation(what, frozenset({"flow"}), (builder.source(line),)))
    builder.mark(line, Disposition.LIMITATION)


def _filtering_line(builder: EosBuilder, draft: InterfaceDraft, eos: EosInterface, line: ConfigLine) -> bool:
    """Handle access-group, NAT, traffic-policy and MAC ACL lines; return False if not one."""
    words, tokens = line.words, line.tokens
    if words[:2] == ("ip", "access-group"):
        if len(words) == 4 and words[3] in _DIRECTIONS:
            builder.bindings.append(
                Binding(tokens[2], draft.name, _DIRECTIONS[words[3]], builder.source(line))
            )
            eos.acl_lines.append(builder.source(line))
            builder.mark(line, Disposition.EXTRACTED)
        else:
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, "ip access-group form not understood", True)
        return True
    if words[:2] == ("ip", "nat"):
        _nat(builder, draft, eos, line)
        return True
    if words[:1] == ("traffic-policy",):
        _flow_limitation(builder, line, f"traffic-policy on {draft.name} can drop transit (not evaluated)")
        return True
    if words[:2] == ("mac", "access-group"):
        _flow_limitation(builder, line, f"MAC ACL on {draft.name} can drop transit (not evaluated)")
        return True
    return False


def _interface_line(builder: EosBuilder, draft: InterfaceDraft, eos: EosInterface, line: ConfigLine) -> bool:
    """Handle one interface sub-mode line; return True when it was ignored as known."""
    words = line.words
    if words in (("shutdown",), ("no", "shutdown")):
        draft.shutdown = words == ("shutdown",)
        builder.mark(line, Disposition.EXTRACTED)
    elif words in (("switchport",), ("no", "switchport")):
        eos.switched = words == ("switchport",)
        builder.mark(line, Disposition.EXTRACTED)
    elif words[:2] == ("ip", "address"):
        if _address(draft, line.tokens):
            builder.mark(line, Disposition.EXTRACTED)
        else:
            builder.unrecognized(line, "ip address form not understood")
    elif words[:3] in (("no", "ip", "address"), ("no", "ip", "access-group")):
        builder.mark(line, Disposition.EXTRACTED)  # nothing configured
    elif words[0] == "vrf" and len(words) in (2, 3) and (len(words) == 2 or words[1] == "forwarding"):
        eos.vrf = line.tokens[-1]
        eos.vrf_source = builder.source(line)
        builder.mark(line, Disposition.EXTRACTED)
    elif _filtering_line(builder, draft, eos, line):
        pass
    elif (reason := lookup(_UNSUPPORTED, words)) is not None:
        builder.diagnose(line, DiagnosticKind.UNSUPPORTED, reason, True)
    elif words[0].startswith("description"):
        builder.mark(line, Disposition.IGNORED)
    elif lookup(INTERFACE, words[1:] if words[0] in ("no", "default") else words) is not None:
        builder.mark(line, Disposition.IGNORED)
        return True
    else:
        builder.unrecognized(line, "interface command not recognized")
    return False


def read_interface(builder: EosBuilder, block: Block) -> None:
    """Read an ``interface NAME`` block into the builder."""
    header = block.header
    if len(header.tokens) != 2:
        builder.unrecognized(header, "interface header not understood (one name expected)")
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    name = header.tokens[1]
    draft = builder.interfaces.setdefault(name, InterfaceDraft(name, builder.source(header)))
    eos = builder.eos.setdefault(name, EosInterface(switched_by_default(name)))
    builder.mark(header, Disposition.EXTRACTED)
    read_sub_lines(builder, block, lambda line: _interface_line(builder, draft, eos, line))


_ROUTE_WORDS_WITH_ARG = frozenset({"name", "tag", "metric", "track"})


def read_route(builder: EosBuilder, line: ConfigLine) -> None:
    """Read ``ip route [vrf V] PREFIX [IF] [NEXT-HOP] [distance] [tag N] [name X] [metric N]``.

    Routes in a non-default VRF do not steer default-VRF traffic: known and ignored.
    """
    tokens, words = line.tokens, line.words
    index = 2
    if len(words) > 3 and words[2] == "vrf":
        if words[3] != "default":
            builder.mark(line, Disposition.IGNORED)
            return
        index = 4
    try:
        if is_prefix(tokens[index]):
            network = ipaddress.IPv4Network(tokens[index], strict=False)
            index += 1
        else:
            network = ipaddress.IPv4Network(f"{tokens[index]}/{tokens[index + 1]}", strict=False)
            index += 2
    except (IndexError, ValueError):
        builder.unrecognized(line, "ip route prefix not understood")
        return
    interface: str | None = None
    next_hop: str | None = None
    while index < len(tokens):
        token, word = tokens[index], words[index]
        if word in _ROUTE_WORDS_WITH_ARG:
            index += 1
        elif is_ipv4(token) and next_hop is None:
            next_hop = token
        elif token.isdigit():
            pass  # administrative distance
        elif interface is None and next_hop is None and word != "null0":
            interface = token
        elif word == "null0":
            builder.mark(line, Disposition.EXTRACTED)
            return  # a discard route: nothing leaves through it
        else:
            builder.unrecognized(line, f"ip route token {token!r} not understood")
            return
        index += 1
    builder.routes.append(Route(str(network), interface, next_hop, builder.source(line)))
    builder.mark(line, Disposition.EXTRACTED)
