"""ASA interfaces (nameif, security level, addresses) and static routes.

Part of the cisco_asa parser (parse stage). Facts (Cisco ASA CLI configuration guide,
"Routed Mode Interfaces"; VENDORS.md §2.7):
- an interface carries traffic only once it has a ``nameif``; ACLs, NAT, routes and
  access-groups name interfaces by that name, so the model uses it as ``Interface.name``;
- ``security-level`` is 0-100; an interface named ``inside`` without an explicit level gets
  100, any other name 0 (ASA default on ``nameif``);
- ``ip address A M [standby S]``: the standby address belongs to the failover peer;
- ``management-only`` interfaces accept traffic to the box only, never through traffic.
"""

from __future__ import annotations

import ipaddress

from auditor.model import DiagnosticKind, Route
from auditor.parsers.cisco_asa.builder import Builder, InterfaceDraft
from auditor.parsers.cisco_asa.ignored import INTERFACE, lookup
from auditor.parsers.cisco_asa.lines import Block, ConfigLine, Disposition
from auditor.parsers.cisco_asa.objects import is_ipv4


def _address(draft: InterfaceDraft, tokens: tuple[str, ...]) -> bool:
    """Add ``ip address A M [standby S]``; return False if not understood."""
    args = tokens[2:]
    words = [token.lower() for token in args]
    if words and words[0] in ("dhcp", "pppoe"):
        return True  # learnt at run time: no address in the config
    if len(args) < 2 or not (is_ipv4(args[0]) and is_ipv4(args[1])):
        return False
    rest = words[2:]
    if rest and not (len(rest) == 2 and rest[0] == "standby" and is_ipv4(args[3])):
        return False
    try:
        draft.addresses.append(str(ipaddress.IPv4Interface(f"{args[0]}/{args[1]}")))
    except ValueError:
        return False
    return True


def _child(builder: Builder, draft: InterfaceDraft, line: ConfigLine) -> None:
    words = line.words
    extracted = True
    if words[0] == "nameif" and len(words) == 2:
        draft.nameif = line.tokens[1]
    elif words[0] == "security-level" and len(words) == 2 and words[1].isdigit() and int(words[1]) <= 100:
        draft.level = int(words[1])
        draft.level_source = builder.source(line)
    elif words[:2] == ("ip", "address"):
        if not _address(draft, line.tokens):
            builder.unrecognized(line, "interface address form not understood")
            return
    elif words == ("shutdown",):
        draft.shutdown = True
    elif words == ("no", "shutdown"):
        draft.shutdown = False
    elif words == ("management-only",):
        draft.management_only = True
    elif words in (("no", "nameif"), ("no", "security-level"), ("no", "ip", "address")):
        pass
    elif lookup(INTERFACE, words):
        extracted = False
    elif words[0] in ("access-group", "service-policy", "nat", "inspect"):
        builder.diagnose(line, DiagnosticKind.UNSUPPORTED, "interface command not modelled", True)
        return
    else:
        builder.unrecognized(line, "interface command not recognized")
        return
    builder.mark(line, Disposition.EXTRACTED if extracted else Disposition.IGNORED)


def read_interface(builder: Builder, block: Block) -> None:
    """Read an ``interface`` block into an interface draft."""
    header = block.header
    if len(header.tokens) != 2:
        builder.unrecognized(header, "interface header not understood")
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    draft = InterfaceDraft(header.tokens[1], builder.source(header))
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        _child(builder, draft, line)
    builder.interfaces.append(draft)


def read_route(builder: Builder, line: ConfigLine) -> None:
    """Read ``route NAMEIF PREFIX MASK NEXTHOP [distance] [track N | tunneled]``."""
    tokens = line.tokens
    if len(tokens) < 5 or not (is_ipv4(tokens[2]) and is_ipv4(tokens[3]) and is_ipv4(tokens[4])):
        builder.unrecognized(line, "route form not understood")
        return
    try:
        prefix = str(ipaddress.IPv4Network(f"{tokens[2]}/{tokens[3]}", strict=False))
    except ValueError:
        builder.unrecognized(line, "route mask not understood")
        return
    builder.routes.append(Route(prefix, tokens[1], tokens[4], builder.source(line)))
    builder.mark(line, Disposition.EXTRACTED)
