"""Virtual IPs: static destination NAT that lets outside hosts reach inside ones.

Part of the fortinet parser (parse stage). Facts (FortiOS/FortiProxy CLI reference ``config
firewall vip``; VENDORS.md §4.5 [S35]): ``set extip`` (address or range), ``set mappedip``
(address or range), ``set extintf``; with ``set portforward enable``, ``set protocol
tcp|udp|sctp|icmp`` (``tcp`` by default, not printed) maps ``extport`` to ``mappedport``
(ranges ``LO-HI``; no ``mappedport``: the same ports); without port forwarding a VIP maps
every port (one-to-one static NAT). ``set type`` other than ``static-nat`` (load balancing,
DNS translation, FQDN) is reported. In policy-based NAT mode a VIP acts once an accepting
policy uses it as ``dstaddr`` (directly or through a VIP group); an unused VIP is reported as
a limitation (its effect is not confirmed). With ``central-nat enable`` VIPs act without a
policy naming them (central NAT semantics are not confirmed; every VIP counts).
"""

from __future__ import annotations

from auditor.flowspace import TCP, UDP, Interval
from auditor.model import Limitation, PortMapping, Source
from auditor.parsers.fortinet.objects import SCTP
from auditor.parsers.fortinet.state import Entry

_PROTOCOLS = {"tcp": (TCP,), "udp": (UDP,), "sctp": (SCTP,), "icmp": (1,)}


def _ports(text: str | None) -> tuple[Interval, ...] | None:
    if not text:
        return None
    low, _, high = text.partition("-")
    try:
        lo, hi = int(low), int(high or low)
    except ValueError:
        return None
    return ((lo, hi),) if lo <= hi else None


def build_mappings(
    vips: dict[str, Entry], used: set[str], central_nat: bool, vdom: str
) -> tuple[list[PortMapping], list[Limitation]]:
    """Port mappings for active VIPs; limitations for the ones whose effect is unknown."""
    mappings: list[PortMapping] = []
    limitations: list[Limitation] = []
    for entry in vips.values():
        if entry.one("status", "enable") == "disable":
            continue
        kind = entry.one("type", "static-nat")
        source = entry.source_of("extip") or entry.source
        if kind != "static-nat":
            limitations.append(
                Limitation(
                    f"VIP {entry.name} of type {kind} is not evaluated",
                    frozenset({"port-mapping"}),
                    (source,),
                )
            )
            continue
        if entry.name not in used and not central_nat:
            limitations.append(
                Limitation(
                    f"VIP {entry.name} (VDOM {vdom}) is not used by any accepting policy: whether it "
                    "maps traffic without one is not confirmed",
                    frozenset({"port-mapping"}),
                    (source,),
                )
            )
            continue
        mappings.append(_mapping(entry, source))
    return mappings, limitations


def _mapping(entry: Entry, source: Source) -> PortMapping:
    extip = " ".join(entry.get("extip") or ("0.0.0.0",))
    mappedip = " ".join(entry.get("mappedip") or ("0.0.0.0",))
    if entry.one("portforward", "disable") != "enable":
        return PortMapping(None, mappedip, extip, None, None, source)
    protocols = _PROTOCOLS.get(entry.one("protocol", "tcp") or "tcp", None)
    outside = _ports(entry.one("extport"))
    inside = _ports(entry.one("mappedport")) or outside
    if protocols == (1,):
        return PortMapping((1,), mappedip, extip, None, None, source)
    return PortMapping(protocols, mappedip, extip, inside, outside, source)
