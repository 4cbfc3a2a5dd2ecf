"""Statements the juniper_junos parser knows and deliberately ignores, and those it cannot model.

Part of the juniper_junos parser (parse stage). This table is documentation: every entry is
a hierarchy that cannot change whether inside hosts reach the outside on the audited flows
(management of the box, routing protocols, logging, VPN termination, screens that only
drop malformed or flooding traffic) or, in ``UNSUPPORTED``, one that can but is not
evaluated. Keys are leading words of the statement path; the longest matching key wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_MGMT = "management of the box itself"
_ROUTING = "dynamic routing and routing policy (roles come from zones, NAT and static routes)"
_LOG = "logging and monitoring"
_VPN = "VPN termination on the box (not inside-to-outside transit filtering)"
_L2 = "layer-2 switching, hardware or interface physical settings"
_SCREEN = "screens drop malformed or flooding traffic only, never a well-formed new flow"
_V6 = "IPv6 or non-IP family: the audited flows are IPv4"
_SYS = "system, chassis or timer setting"

IGNORED: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("system",): _MGMT,
        ("chassis",): _SYS,
        ("snmp",): _MGMT,
        ("protocols",): _ROUTING,
        ("policy-options",): _ROUTING,
        ("routing-options",): _ROUTING,
        ("forwarding-options", "sampling"): _LOG,
        ("forwarding-options", "dhcp-relay"): _MGMT,
        ("forwarding-options", "helpers"): _MGMT,
        ("forwarding-options", "storm-control-profiles"): _L2,
        ("services", "flow-monitoring"): _LOG,
        ("services", "rpm"): _LOG,
        ("services", "application-identification"): "application signatures (policies naming "
        "dynamic applications are reported where they are used)",
        ("vlans",): _L2,
        ("access",): "address assignment (DHCP pools) and subscriber access",
        ("class-of-service",): "queueing and marking, never a drop decision",
        ("event-options",): _MGMT,
        ("bridge-domains",): _L2,
        ("switch-options",): _L2,
        ("ethernet-switching-options",): _L2,
        ("poe",): _L2,
        ("virtual-chassis",): _L2,
        ("multi-chassis",): _L2,
        ("schedulers",): "time schedules (policies that use one are reported where they are used)",
        ("security", "ike"): _VPN,
        ("security", "ipsec"): _VPN,
        ("security", "pki"): _VPN,
        ("security", "certificates"): _VPN,
        ("security", "ssh-known-hosts"): _MGMT,
        ("security", "authentication-key-chains"): _ROUTING,
        ("security", "log"): _LOG,
        ("security", "screen"): _SCREEN,
        ("security", "flow"): "flow session timers and TCP MSS settings",
        ("security", "application-tracking"): _LOG,
        (
            "security",
            "policies",
            "pre-id-default-policy",
        ): "logging of sessions before application identification",
        ("security", "policies", "policy-rematch"): "re-evaluation of sessions after a policy change",
        ("security", "nat", "proxy-arp"): "answers ARP for NAT addresses",
        ("security", "nat", "proxy-ndp"): "answers NDP for NAT addresses",
        ("security", "zones", "functional-zone"): "the management zone: traffic to the box only",
        ("firewall", "policer"): "rate limits (a policer drops only above a rate)",
        ("firewall", "three-color-policer"): "rate limits (a policer drops only above a rate)",
        ("firewall", "interface-set"): "interface sets (terms that use one are reported where they are used)",
        ("firewall", "family", "inet6"): _V6,
        ("firewall", "family", "any"): _V6,
        ("firewall", "family", "mpls"): _V6,
        ("firewall", "family", "bridge"): _V6,
        ("firewall", "family", "ethernet-switching"): _V6,
        ("firewall", "family", "vpls"): _V6,
        ("firewall", "family", "ccc"): _V6,
    }
)

UNSUPPORTED: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("logical-systems",): "logical systems are not modelled: each has its own policies",
        ("tenants",): "tenant systems are not modelled: each has its own policies",
        (
            "routing-instances",
        ): "routing instances are not modelled (interfaces and routes in them are not read)",
        ("services", "nat"): "services-PIC NAT is not modelled",
        ("services", "service-set"): "services-PIC service sets (stateful firewall, NAT) are not modelled",
        ("services", "stateful-firewall"): "services-PIC stateful firewall is not modelled",
        ("forwarding-options", "family"): "forwarding-table filters are not modelled",
        ("security", "idp"): "intrusion prevention can drop traffic a policy permits: not modelled",
        ("security", "utm"): "UTM can drop traffic a policy permits: not modelled",
        ("security", "dynamic-address"): "dynamic address feeds are not in the configuration text",
    }
)


def lookup(words: tuple[str, ...]) -> tuple[str, str] | None:
    """Return ("ignored"|"unsupported", reason) for the longest matching key, or None."""
    for length in range(min(len(words), 3), 0, -1):
        key = words[:length]
        if key in UNSUPPORTED:
            return "unsupported", UNSUPPORTED[key]
        if key in IGNORED:
            return "ignored", IGNORED[key]
    return None
