"""Reading statements into the draft: one small reader per hierarchy the model needs.

Part of the juniper_junos parser (parse stage). ``read`` sends every active statement to
the reader of its hierarchy, the ignore table, or a diagnostic. Readers only record what the
statement says; meaning (rule sets, bindings, NAT, features) is built in later modules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from auditor.model import DiagnosticKind, Route
from auditor.parsers.juniper_junos import ignored
from auditor.parsers.juniper_junos.draft import Draft
from auditor.parsers.juniper_junos.statements import Disposition, Statement

Reader = Callable[[Draft, Statement], bool | None]  # True: extracted; None: marked; False: unknown

_INET_IGNORED = frozenset(
    {
        "sampling", "mtu", "rpf-check", "targeted-broadcast", "no-redirects", "policer",
        "accounting", "dhcp-client", "unnumbered-address", "negotiate-address", "ipsec-sa",
        "receive-options-packets", "receive-ttl-exceeded", "destination-class-usage",
        "source-class-usage", "arp-max-cache", "primary", "preferred",
    }
)  # fmt: skip
# Hierarchies only flow-mode SRX devices have.
_SRX_ONLY = frozenset(
    {"zones", "policies", "nat", "alg", "address-book", "screen", "flow", "forwarding-options"}
)


def unit_name(name: str) -> str:
    """``ge-0/0/0`` stands for its unit 0; ``ge-0/0/0.5`` is unit 5."""
    return name if "." in name else f"{name}.0"


def _interfaces(d: Draft, st: Statement) -> bool | None:
    w = st.words
    if len(w) < 2 or w[1] in ("interface-range", "traceoptions"):
        return _ignore(d, st)
    if len(w) < 4 or w[2] != "unit":
        return _ignore(d, st)  # physical settings: description, mtu, speed, ether-options...
    unit = f"{w[1]}.{w[3]}"
    rest = w[4:]
    if rest[:2] != ("family", "inet"):
        return _ignore(d, st)  # unit description, vlan-id, family inet6/ethernet-switching/iso/mpls
    d.units.setdefault(unit, [])
    d.unit_sources.setdefault(unit, d.source(st))
    attrs = rest[2:]
    if not attrs or attrs[0] in ("dhcp", "dhcp-client"):
        return True
    if attrs[0] == "address" and len(attrs) >= 2:
        address = attrs[1] if "/" in attrs[1] else f"{attrs[1]}/32"
        try:
            ipaddress.IPv4Interface(address)
        except ValueError:
            return False
        if address not in d.units[unit]:
            d.units[unit].append(address)
        return True
    if (
        attrs[0] == "filter"
        and len(attrs) == 3
        and attrs[1] in ("input", "output", "input-list", "output-list")
    ):
        direction = "in" if attrs[1].startswith("input") else "out"
        listed = attrs[1].endswith("-list")
        key = (unit, direction)
        old = d.filter_bindings.get(key)
        if listed and old is not None and old[2] == "list":
            old[0].append(attrs[2])
        else:
            d.filter_bindings[key] = ([attrs[2]], d.source(st), "list" if listed else "single")
        return True
    if attrs[0] == "filter":
        d.diagnose(
            st, DiagnosticKind.UNSUPPORTED, "this filter form (group, precedence) is not modelled", True
        )
        return True
    if attrs[0] in _INET_IGNORED:
        return _ignore(d, st)
    if attrs[0] in ("service", "simple-filter"):
        d.diagnose(st, DiagnosticKind.UNSUPPORTED, f"'{attrs[0]}' on an interface is not modelled", True)
        return True
    return False


def _ignore(d: Draft, st: Statement) -> bool | None:
    """Mark a statement known-and-ignored; None tells ``read`` it is already marked."""
    d.mark(st, Disposition.IGNORED)
    return None


def _routing(d: Draft, st: Statement) -> bool | None:
    w = st.words
    if w[:3] != ("routing-options", "static", "route") or len(w) < 5:
        return _ignore(d, st)
    prefix = w[3]
    try:
        net = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return False
    if net.version != 4:
        return _ignore(d, st)
    if w[4] == "next-hop" and len(w) >= 6:
        hop = w[5]
        try:
            ipaddress.IPv4Address(hop)
            d.routes.append(Route(str(net), None, hop, d.source(st)))
        except ValueError:
            d.routes.append(Route(str(net), unit_name(hop), None, d.source(st)))
        return True
    if w[4] == "qualified-next-hop" and len(w) >= 6:
        d.routes.append(Route(str(net), None, w[5], d.source(st)))
        return True
    return _ignore(d, st)  # discard, reject, preference, tag...


def _prefix_list(d: Draft, st: Statement) -> bool | None:
    w = st.words
    if len(w) == 4 and w[:2] == ("policy-options", "prefix-list"):
        d.prefix_lists.setdefault(w[2], []).append((w[3], d.source(st)))
        return True
    if len(w) >= 4 and w[3] == "apply-path":
        d.prefix_lists.setdefault(w[2], []).append(("apply-path", d.source(st)))
        d.diagnose(st, DiagnosticKind.UNSUPPORTED, "apply-path prefix lists are not expanded", True)
        return True
    return False


def _zones(d: Draft, st: Statement) -> bool | None:
    w = st.words
    d.srx = True
    if len(w) < 4 or w[2] != "security-zone":
        return False
    zone = w[3]
    d.zones.setdefault(zone, d.source(st))
    rest = w[4:]
    if not rest:
        return True
    if rest[0] == "interfaces" and len(rest) >= 2:
        unit = unit_name(rest[1])
        if len(rest) == 2 or unit not in d.zone_interfaces:
            d.zone_interfaces.setdefault(unit, (zone, d.source(st)))
            return True
        return _ignore(d, st)  # host-inbound-traffic of the interface: traffic to the box
    if rest[0] == "address-book" and len(rest) >= 3:
        return _book_element(d, st, f"zone:{zone}", rest[1:])
    if rest[0] in _ZONE_IGNORED:
        return _ignore(d, st)
    return False


_ZONE_IGNORED = frozenset(
    {
        "host-inbound-traffic", "screen", "tcp-rst", "description", "application-tracking",
        "enable-reverse-reroute", "source-identity-log", "unidirectional-session-refreshing",
    }
)  # fmt: skip


def _book_element(d: Draft, st: Statement, book: str, rest: tuple[str, ...]) -> bool | None:
    if rest[0] in ("address", "address-set") and len(rest) >= 3:
        table = d.books.get(book)
        if table is None:
            table = d.books[book] = {}
        d.entry(table, f"{rest[0]} {rest[1]}", st)
        return True
    if rest[0] == "description":
        return _ignore(d, st)
    return False


def _address_book(d: Draft, st: Statement) -> bool | None:
    w = st.words
    d.srx = True
    if len(w) < 4:
        return False
    if w[3] == "attach" and len(w) == 6 and w[4] == "zone":
        d.book_zones.setdefault(w[2], []).append(w[5])
        return True
    return _book_element(d, st, w[2], w[3:])


def _policies(d: Draft, st: Statement) -> bool | None:
    w = st.words
    d.srx = True
    if len(w) >= 8 and w[2] == "from-zone" and w[4] == "to-zone" and w[6] == "policy":  # most
        pair = (w[3], w[5])
        table = d.policies.get(pair)
        if table is None:
            table = d.policies[pair] = {}
        entry = table.get(w[7])
        if entry is None:
            d.entry(table, w[7], st, "policy")
        else:  # what d.entry does for an entry it has
            entry.statements.append(st)
        return True
    if w[2:3] == ("default-policy",) and len(w) == 4 and w[3] in ("permit-all", "deny-all"):
        d.default_policy = (w[3], d.source(st))
        return True
    if w[2:3] == ("global",) and len(w) >= 6 and w[3] == "policy":
        d.entry(d.policies.setdefault(("*", "*"), {}), w[4], st, "policy")
        return True
    return False


def _applications(d: Draft, st: Statement) -> bool | None:
    w = st.words
    if len(w) >= 4 and w[1] == "application":
        d.entry(d.applications, w[2], st)
        return True
    if len(w) >= 4 and w[1] == "application-set":
        d.entry(d.application_sets, w[2], st)
        return True
    return False


def _firewall(d: Draft, st: Statement) -> bool | None:
    w = st.words
    if w[1:2] == ("filter",):
        body = w[2:]
    elif w[1:4] == ("family", "inet", "filter"):
        body = w[4:]
    else:
        return False
    if len(body) < 2:
        return False
    name = body[0]
    d.filter_sources.setdefault(name, d.source(st))
    terms = d.filters.setdefault(name, {})
    if body[1] == "term" and len(body) >= 3:
        d.entry(terms, body[2], st, "term")
        return True
    if body[1] in (
        "interface-specific",
        "physical-interface-filter",
        "instance-shared",
        "accounting-profile",
    ):
        return _ignore(d, st)
    return False


def _nat(d: Draft, st: Statement) -> bool | None:
    w = st.words
    d.srx = True
    if len(w) < 5 or w[2] not in ("source", "destination", "static"):
        return False
    kind = w[2]
    if w[3] == "pool":
        d.entry(d.nat_pools, f"{kind} {w[4]}", st)
        return True
    if w[3] == "rule-set" and len(w) >= 6:
        if w[5] == "rule" and len(w) >= 8:
            d.entry(d.nat, f"{kind} {w[4]} {w[6]}", st, "rule")
        else:
            d.entry(d.nat_sets, f"{kind} {w[4]}", st)
        return True
    if kind == "source" and w[3] in ("address-persistent", "interface", "pool-utilization-alarm",
                                      "port-randomization", "pool-default-port-range"):  # fmt: skip
        return _ignore(d, st)
    return False


def _alg(d: Draft, st: Statement) -> bool | None:
    d.srx = True
    if len(st.words) < 3:
        return False
    d.alg.setdefault(st.words[2], []).append(st)
    return True


def _forwarding_mode(d: Draft, st: Statement) -> bool | None:
    w = st.words
    if len(w) == 6 and w[2:3] == ("family",) and w[4:] == ("mode", "packet-based"):
        d.packet_mode.append(d.source(st))
        return True
    if len(w) == 6 and w[4:] == ("mode", "flow-based"):
        return True
    return _ignore(d, st)


def _system(d: Draft, st: Statement) -> bool | None:
    if st.words[:2] == ("system", "host-name") and len(st.words) == 3:
        d.hostname = st.words[2]
        return True
    return _ignore(d, st)


def _version(d: Draft, st: Statement) -> bool | None:
    if len(st.words) == 2:
        d.version = st.words[1]
        return True
    return False


def _routing_instance(d: Draft, st: Statement) -> bool | None:
    w = st.words
    if len(w) >= 3 and (w[1] == "mgmt_junos" or w[2] in ("description", "instance-type")):
        return _ignore(d, st)  # the management instance, or labels: no transit path changes
    d.diagnose(st, DiagnosticKind.UNSUPPORTED, ignored.UNSUPPORTED[("routing-instances",)], True)
    return None


_READERS: dict[tuple[str, ...], Reader] = {
    ("routing-instances",): _routing_instance,
    ("version",): _version,
    ("system",): _system,
    ("interfaces",): _interfaces,
    ("routing-options",): _routing,
    ("policy-options", "prefix-list"): _prefix_list,
    ("security", "zones", "security-zone"): _zones,
    ("security", "address-book"): _address_book,
    ("security", "policies", "from-zone"): _policies,
    ("security", "policies", "global"): _policies,
    ("security", "policies", "default-policy"): _policies,
    ("applications",): _applications,
    ("firewall", "filter"): _firewall,
    ("firewall", "family", "inet"): _firewall,
    ("security", "nat", "source"): _nat,
    ("security", "nat", "destination"): _nat,
    ("security", "nat", "static"): _nat,
    ("security", "alg"): _alg,
    ("security", "forwarding-options"): _forwarding_mode,
}


_EXTRACTED = Disposition.EXTRACTED  # an enum member read from its class costs more than a global

# _READERS by first word: the readers of two- and three-word paths, and of the word alone.
_BY_FIRST: dict[str, tuple[dict[tuple[str, ...], Reader], Reader | None]] = {}
for _path, _reader in _READERS.items():
    _longer, _single = _BY_FIRST.get(_path[0], ({}, None))
    if len(_path) == 1:
        _single = _reader
    else:
        _longer[_path] = _reader
    _BY_FIRST[_path[0]] = (_longer, _single)
_NO_READERS: tuple[dict[tuple[str, ...], Reader], Reader | None] = ({}, None)


def read(d: Draft, st: Statement) -> None:
    """Send one statement to its reader, the ignore table, or a diagnostic."""
    if st.inactive:
        d.mark(st, Disposition.IGNORED)  # deactivated: the statement does not apply
        return
    w = st.words
    if not w:
        d.unrecognized(st)  # no reader and no ignore entry has an empty path
        return
    first = w[0]
    if first == "security" and len(w) > 1 and w[1] in _SRX_ONLY:
        d.srx = True
        if w[1] == "policies" and len(w) >= 8 and w[2] == "from-zone":  # most lines of a firewall
            if _policies(d, st):  # what the lookup below finds for them
                if d.track:
                    d.mark(st, _EXTRACTED)
            else:
                d.unrecognized(st)
            return
    # The longest path of at most three words that has a reader (readers are functions: truthy).
    longer, single = _BY_FIRST.get(first, _NO_READERS)
    reader = (longer and (longer.get(w[:3]) or longer.get(w[:2]))) or single
    if reader is not None:
        done = reader(d, st)
        if done:
            if d.track:
                d.mark(st, _EXTRACTED)
        elif done is False:
            d.unrecognized(st)
        return
    found = ignored.lookup(w)
    if found is None:
        d.unrecognized(st)
    elif found[0] == "ignored":
        d.mark(st, Disposition.IGNORED)
    else:
        d.diagnose(st, DiagnosticKind.UNSUPPORTED, found[1], True)


def read_all(d: Draft, statements: list[Statement]) -> None:
    """``read`` every statement, in order.

    The most common ones (zone policies, address-book elements, custom applications) are
    recorded here directly, as their readers would record them; the rest go to ``read``.
    """
    policies = d.policies
    books = d.books
    applications = d.applications
    track = d.track
    for st in statements:
        w = st.words
        if len(w) >= 4 and not st.inactive:
            first = w[0]
            if first == "security":
                second = w[1]
                if second == "policies":
                    if len(w) >= 8 and w[2] == "from-zone" and w[4] == "to-zone" and w[6] == "policy":
                        d.srx = True  # what _policies records
                        pair = (w[3], w[5])
                        table = policies.get(pair)
                        if table is None:
                            table = policies[pair] = {}
                        entry = table.get(w[7])
                        if entry is None:
                            d.entry(table, w[7], st, "policy")
                        else:
                            entry.statements.append(st)
                        if track:
                            d.mark(st, _EXTRACTED)
                        continue
                elif second == "address-book" and len(w) >= 6 and w[3] in ("address", "address-set"):
                    d.srx = True  # what _address_book and _book_element record
                    table = books.get(w[2])
                    if table is None:
                        table = books[w[2]] = {}
                    d.entry(table, f"{w[3]} {w[4]}", st)
                    if track:
                        d.mark(st, _EXTRACTED)
                    continue
            elif first == "applications" and w[1] == "application":
                entry = applications.get(w[2])  # what _applications records
                if entry is None:
                    d.entry(applications, w[2], st)
                else:
                    entry.statements.append(st)
                if track:
                    d.mark(st, _EXTRACTED)
                continue
        read(d, st)
