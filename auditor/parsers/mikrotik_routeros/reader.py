"""Dispatch RouterOS export commands by menu (parse stage, mikrotik_routeros parser).

Definitions are read before the rules that use them, whatever their order in the file:
first interfaces, interface lists, address lists and what dstnat rules may translate,
then firewall rules, NAT, helpers and routes.

Semantics (VENDORS.md §6.5; help.mikrotik.com "Interface Lists", "DHCP client", "Route"):
the predefined interface lists are ``all``, ``none``, ``dynamic`` and ``static``; an
``/ip route add`` without ``dst-address`` is a default route; a DHCP client adds a default
route unless ``add-default-route=no``; a PPPoE (L2TP, PPTP, SSTP, OpenVPN) client only with
``add-default-route=yes``.
RouterOS 6 exports print ``disabled=no`` on DHCP and PPPoE clients because v6 adds them
disabled; v7 exports print it on PPPoE clients only.
"""

from __future__ import annotations

import ipaddress
import re

from auditor.model import Action, DiagnosticKind, Route, Rule, Source
from auditor.parsers.linux.common import Disposition
from auditor.parsers.mikrotik_routeros import features as feat
from auditor.parsers.mikrotik_routeros import firewall
from auditor.parsers.mikrotik_routeros.draft import AddressList, Draft, InterfaceList, Item
from auditor.parsers.mikrotik_routeros.ignored import ignored_reason
from auditor.parsers.mikrotik_routeros.lexer import logical_spans, shared_command
from auditor.parsers.mikrotik_routeros.matchers import address_cubes

_VERSION = re.compile(r"(?:by RouterOS|installed-version:|^#\s+version:)\s*(\d+\.\d+(?:\.\d+)?)", re.M)
# Properties of other menus that fill address lists or interface lists at run time.
_FILLS_ADDRESS_LIST = ("address-list", "address-lists")
_FILLS_INTERFACE_LIST = (
    "interface-list",
    "internet-interface-list",
    "wan-interface-list",
    "lan-interface-list",
)
_DIALUP_CLIENTS = frozenset({"pppoe-client", "l2tp-client", "pptp-client", "sstp-client", "ovpn-client"})
FILTER = ("ip", "firewall", "filter")
RAW = ("ip", "firewall", "raw")
NAT = ("ip", "firewall", "nat")


def _yes(value: str | None) -> bool:
    return (value or "").lower() in ("yes", "true")


# A plain verdict rule (firewall.plain_verdict) as read: its source, its lines, its reading.
PlainLine = tuple[Source, tuple[int, ...], firewall.PlainVerdict]
# The menus whose items ``_rest`` turns into rules of a chain (filter_rule, _gatekeeper).
_CHAIN_MENUS = frozenset({FILTER, RAW, ("ip", "hotspot"), ("ip", "kid-control")})


def read_items(draft: Draft, lines: list[str]) -> list[Item | PlainLine]:
    """Lex every line into items; comments, menu-only lines and most plain rules are done here.

    A plain verdict rule, most lines of a rule set, needs no Item: neither pass below looks
    at anything but its reading. Until the first item that ``_rest`` may turn into a chain's
    rule, such a rule goes straight into its chain (what ``read`` would do with it, in the
    same order: no rule and no chain can come before it); after it, it stays a bare tuple.
    """
    items: list[Item | PlainLine] = []
    menu: tuple[str, ...] = ()
    dispositions = draft.dispositions
    chains, chain_sources = draft.chains, draft.chain_sources
    file = draft.file
    plain_verdict = firewall.plain_verdict
    direct = True  # no item so far puts a rule into a chain
    for first, last, text in logical_spans(lines):
        stripped = text.strip()
        if not stripped or stripped[0] == "#":
            for number in range(first, last + 1):
                dispositions.setdefault(number, Disposition.COMMENT)
            continue
        command = shared_command(stripped, menu)  # the parser never changes a Command
        if command.verb is None and command.inline_menu:
            menu = command.menu
            for number in range(first, last + 1):  # Draft.mark
                dispositions.setdefault(number, Disposition.EXTRACTED)
            continue
        reading = plain_verdict(command)
        if reading is not None and direct:
            # What filter_rule does with a plain verdict rule (Draft.chain, Draft.mark: no
            # other line has a fate yet).
            key, action, match = reading
            source = Source(file, first, text)
            rules = chains.get(key)
            if rules is None:
                rules = chains[key] = []
                chain_sources[key] = source
            rules.append(Rule(action, match, source))
            for number in range(first, last + 1):
                dispositions[number] = Disposition.EXTRACTED
            continue
        numbers = (first,) if first == last else tuple(range(first, last + 1))
        if reading is None:
            items.append(Item(command, Source(file, first, text), numbers))
            if direct and command.menu in _CHAIN_MENUS:
                direct = False
        else:
            items.append((Source(file, first, text), numbers, reading))
    found = _VERSION.search("\n".join(lines[:40]))
    draft.version = found.group(1) if found else None
    return items


def read(draft: Draft, lines: list[str]) -> feat.Services:
    """Read ``lines`` into ``draft``; return the helper and mapping-service state."""
    items = read_items(draft, lines)
    for item in items:
        if isinstance(item, Item):  # a plain verdict rule defines nothing
            _definitions(draft, item)
    services = feat.Services()
    chains, chain_sources, dispositions = draft.chains, draft.chain_sources, draft.dispositions
    for item in items:
        if isinstance(item, Item):
            _rest(draft, services, item)
            continue
        # What filter_rule does with a plain verdict rule (Draft.chain, Draft.mark).
        source, numbers, (key, action, match) = item
        chain_sources.setdefault(key, source)
        rules = chains.get(key)
        if rules is None:
            rules = chains[key] = []
        rules.append(Rule(action, match, source))
        for number in numbers:
            dispositions.setdefault(number, Disposition.EXTRACTED)
    return services


def _definitions(draft: Draft, item: Item) -> None:
    command, menu = item.command, item.command.menu
    args = command.args
    if menu == FILTER or menu == RAW:  # most items: of the tests below, only this one applies
        if args.get("action", "").startswith("add-") and "address-list" in args:
            name = args["address-list"]
            draft.dynamic_address_lists.setdefault(
                name, f"filled at run time by the rule on line {item.source.line}"
            )
        return
    detecting = (
        menu != ("interface", "detect-internet") or args.get("detect-interface-list", "none") != "none"
    )
    for key in _FILLS_INTERFACE_LIST:
        if key in args and detecting and menu[:2] not in (("interface", "list"), ("ip", "firewall")):
            for name in filter(None, args[key].split(",")):
                draft.dynamic_interface_lists.setdefault(name, f"filled at run time by /{' '.join(menu)}")
    for key in _FILLS_ADDRESS_LIST:
        if key in args and menu[:2] != ("ip", "firewall"):
            for name in filter(None, args[key].split(",")):
                draft.dynamic_address_lists.setdefault(name, f"filled at run time by /{' '.join(menu)}")
    if (
        menu[:2] == ("ip", "firewall")
        and args.get("action", "").startswith("add-")
        and "address-list" in args
    ):
        name = args["address-list"]
        draft.dynamic_address_lists.setdefault(
            name, f"filled at run time by the rule on line {item.source.line}"
        )
    if command.verb != "add":
        if menu and menu[0] == "interface" and command.verb == "set":
            _interface_set(draft, item)
        return
    if (
        menu == ("ip", "ipsec", "policy")
        and not _yes(args.get("disabled"))
        and not _yes(args.get("template"))
    ):
        draft.ipsec_policies.append(f"IPsec policy on line {item.source.line}")
    elif menu == ("ip", "ipsec", "identity") and args.get("generate-policy", "no") != "no":
        draft.ipsec_policies.append(f"IPsec identity on line {item.source.line} generates policies")
    elif menu == ("interface", "list"):
        found = draft.interface_lists.setdefault(args.get("name", ""), InterfaceList())
        found.include = [n for n in args.get("include", "").split(",") if n]
        found.exclude = [n for n in args.get("exclude", "").split(",") if n]
        found.source = item.source
    elif menu == ("interface", "list", "member"):
        if not _yes(args.get("disabled")) and "list" in args and "interface" in args:
            found = draft.interface_lists.setdefault(args["list"], InterfaceList())
            found.members.add(args["interface"])
            draft.see_interface(args["interface"], item.source)
    elif menu == ("ip", "firewall", "address-list"):
        _address_entry(draft, item)
    elif menu == NAT:
        firewall.scan_dstnat(draft, item)
    elif menu and menu[0] == "interface" and "name" in args and ignored_reason(menu) is None:
        draft.see_interface(args["name"], item.source)
        if _yes(args.get("disabled")):
            draft.disabled_interfaces.add(args["name"])


def _interface_set(draft: Draft, item: Item) -> None:
    """``set [ find default-name=ether1 ] name=wan disabled=yes``: names and states."""
    selector = item.command.selector or ""
    match = re.search(r"default-name=(\S+)", selector) or re.fullmatch(r"(\S+)", selector)
    if match is None or item.command.menu[:2] == ("interface", "list"):
        return
    name = item.command.args.get("name", match.group(1).rstrip("]"))
    if not name or name.startswith("[") or name.isdigit():
        return
    if ignored_reason(item.command.menu) is None:
        draft.see_interface(name, item.source)
        if _yes(item.command.args.get("disabled")):
            draft.disabled_interfaces.add(name)


def _address_entry(draft: Draft, item: Item) -> None:
    args = item.command.args
    if "list" not in args:
        return
    entries = draft.address_lists.setdefault(args["list"], AddressList())  # a disabled entry names it too
    if _yes(args.get("disabled")):
        return
    entries.sources.append(item.source)
    address = args.get("address", "")
    if "timeout" in args:
        entries.inexact.append(
            f"entry {address} expires (timeout={args['timeout']}, line {item.source.line})"
        )
    try:
        entries.cubes.extend(address_cubes(address))
    except ValueError:
        if ":" in address:  # an IPv6 entry in an IPv4 list never matches IPv4 packets
            return
        entries.inexact.append(
            f"entry {address!r} is a DNS name resolved at run time (line {item.source.line})"
        )


def _rest(draft: Draft, services: feat.Services, item: Item) -> None:
    command, menu = item.command, item.command.menu
    verb = command.verb
    if menu == FILTER or menu == RAW:
        if verb == "add":
            firewall.filter_rule(draft, item, menu[2])
        else:
            _other_verb(draft, item)
    elif menu == NAT:
        if verb == "add":
            firewall.nat_rule(draft, item)
        else:
            _other_verb(draft, item)
    elif menu == ("ip", "firewall", "address-list"):
        _mark_or_other(draft, item)
    elif menu == ("ip", "firewall", "service-port"):
        feat.service_port(draft, services, item)
    elif menu in (("ip", "upnp"), ("ip", "nat-pmp")):
        feat.mapping_service(draft, services, item, "upnp" if menu[1] == "upnp" else "nat-pmp")
    elif menu in (("ip", "upnp", "interfaces"), ("ip", "nat-pmp", "interfaces")):
        feat.mapping_interface(draft, services, item, "upnp" if menu[1] == "upnp" else "nat-pmp")
    elif menu == ("ip", "address"):
        _address(draft, item)
    elif menu == ("ip", "route"):
        _route(draft, item)
    elif menu == ("ip", "dhcp-client"):
        _dhcp_client(draft, item)
    elif len(menu) == 2 and menu[0] == "interface" and menu[1] in _DIALUP_CLIENTS:
        _dialup_client(draft, item)
    elif menu == ("system", "identity") and "name" in command.args:
        draft.hostname = command.args["name"]
        draft.mark(item, Disposition.EXTRACTED)
    elif menu == ("ip", "firewall", "connection", "tracking") and command.args.get("enabled") == "no":
        draft.diagnose(
            item, DiagnosticKind.UNSUPPORTED, "connection tracking is off: state matchers are not evaluated"
        )
    elif menu and menu[0] == "interface" and ignored_reason(menu) is None:
        draft.mark(item, Disposition.EXTRACTED)  # interfaces, lists and members: read above
    elif ignored_reason(menu) is not None:
        draft.mark(item, Disposition.IGNORED)
    elif not menu:
        draft.diagnose(item, DiagnosticKind.UNRECOGNIZED, "command outside any menu", False)
    elif (
        menu in (("ip", "hotspot"), ("ip", "kid-control"))
        and verb == "add"
        and not _yes(command.args.get("disabled"))
    ):
        _gatekeeper(draft, item)
    else:
        relevant = menu[:2] in (("ip", "firewall"), ("ip", "hotspot")) or menu == ("ip", "kid-control")
        draft.diagnose(item, DiagnosticKind.UNRECOGNIZED, f"menu /{' '.join(menu)} is not read", relevant)


def _gatekeeper(draft: Draft, item: Item) -> None:
    """A hotspot server or kid-control profile: dynamic rules the export does not show.

    It becomes an opaque rule bound where it acts (the hotspot's interface; every interface
    for kid-control, which follows devices), so only the paths through it go unknown.
    """
    hotspot = item.command.menu[1] == "hotspot"
    what = "hotspot server" if hotspot else "kid-control profile"
    interface = item.command.args.get("interface", "*") if hotspot else "*"
    name = item.command.args.get("name", str(item.source.line))
    draft.chain("gate", f"{what.split()[0]}-{name}", item.source).append(Rule(Action.DENY, None, item.source))
    draft.gates.append((f"gate/{what.split()[0]}-{name}", interface, item.source))
    if interface != "*":
        draft.see_interface(interface, item.source)
    draft.diagnose(item, DiagnosticKind.UNSUPPORTED, f"{what}: its dynamic firewall rules are not evaluated")


def _mark_or_other(draft: Draft, item: Item) -> None:
    if item.command.verb == "add":
        draft.mark(item, Disposition.EXTRACTED)
    else:
        _other_verb(draft, item)


def _other_verb(draft: Draft, item: Item) -> None:
    """``set``/``remove``/``move`` on numbered firewall items cannot be resolved from an export."""
    verb = item.command.verb
    if verb in ("print", "export"):
        draft.mark(item, Disposition.IGNORED)
        return
    draft.diagnose(item, DiagnosticKind.UNSUPPORTED, f"'{verb}' on firewall items is not evaluated")


def _address(draft: Draft, item: Item) -> None:
    args = item.command.args
    if item.command.verb != "add" or "interface" not in args or "address" not in args:
        draft.mark(item, Disposition.IGNORED)
        return
    if not _yes(args.get("disabled")):
        try:
            iface = ipaddress.IPv4Interface(args["address"])
        except ValueError:
            draft.diagnose(item, DiagnosticKind.UNRECOGNIZED, f"bad address {args['address']!r}", False)
            return
        draft.addresses.setdefault(args["interface"], []).append(str(iface))
    draft.see_interface(args["interface"], item.source)
    draft.mark(item, Disposition.EXTRACTED)


def _route(draft: Draft, item: Item) -> None:
    args = item.command.args
    table = args.get("routing-table", args.get("routing-mark", "main"))
    if item.command.verb != "add" or _yes(args.get("disabled")) or table != "main":
        draft.mark(item, Disposition.IGNORED)
        return
    prefix = args.get("dst-address", "0.0.0.0/0")
    gateway = args.get("gateway", "").split(",")[0]
    address, _, via = gateway.partition("%")
    interface: str | None = via or None
    next_hop: str | None = address or None
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        interface, next_hop = (address or None), None  # a gateway given as an interface
    try:
        prefix = str(ipaddress.IPv4Network(prefix, strict=False))
    except ValueError:
        draft.mark(item, Disposition.IGNORED)  # an IPv6 or malformed prefix
        return
    if interface:
        draft.see_interface(interface, item.source)
    draft.routes.append(Route(prefix, interface, next_hop, item.source))
    draft.mark(item, Disposition.EXTRACTED)


def _major(draft: Draft) -> int:
    return int(draft.version.split(".")[0]) if draft.version else 7


def _dhcp_client(draft: Draft, item: Item) -> None:
    args = item.command.args
    if item.command.verb != "add" or "interface" not in args:
        draft.mark(item, Disposition.IGNORED)
        return
    disabled = args.get("disabled", "yes" if _major(draft) < 7 else "no")
    draft.see_interface(args["interface"], item.source)
    if not _yes(disabled) and args.get("add-default-route", "yes") != "no":
        draft.routes.append(Route("0.0.0.0/0", args["interface"], None, item.source))
    draft.mark(item, Disposition.EXTRACTED)


def _dialup_client(draft: Draft, item: Item) -> None:
    """PPPoE, L2TP, PPTP, SSTP and OpenVPN clients: added disabled, no default route unless asked."""
    args = item.command.args
    name = args.get("name")
    if item.command.verb == "add" and name:
        draft.see_interface(name, item.source)
        if not _yes(args.get("disabled", "yes")) and _yes(args.get("add-default-route")):
            draft.routes.append(Route("0.0.0.0/0", name, None, item.source))
    draft.mark(item, Disposition.EXTRACTED)
