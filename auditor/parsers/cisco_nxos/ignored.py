"""NX-OS commands that are known and have no effect on which transit flows pass.

Part of the cisco_nxos parser (parse stage). Each entry is a command prefix (lower-case
words) and why it cannot change an audit verdict. Anything not here, not modelled and not
diagnosed as unsupported is reported as unrecognized.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

_MGMT = "management-plane setting (device access, not transit)"
_OPS = "operational setting (logging, time, monitoring)"
_ROUTING = "dynamic routing: the audit reads static routes only, roles come from NAT or the default route"
_L2 = "layer-2 / platform setting: does not filter routed transit"

TOP_LEVEL: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("exit",): "leaves a configuration sub-mode (generated command files end with it)",
        ("end",): "leaves configuration mode",
        (
            "feature",
        ): "enables an NX-OS feature process; the feature's own commands are read where they appear",
        ("boot",): "boot image selection",
        ("license",): "licensing",
        ("power",): "power supply redundancy",
        ("vdc",): "virtual device context resources (one context per configuration)",
        ("switchname",): "the device name (as hostname)",
        ("username",): _MGMT,
        ("password",): _MGMT,
        ("role",): _MGMT,
        ("aaa",): _MGMT,
        ("tacacs-server",): _MGMT,
        ("radius-server",): _MGMT,
        ("ssh",): _MGMT,
        ("telnet",): _MGMT,
        ("line",): _MGMT,
        ("nxapi",): _MGMT,
        ("snmp-server",): _MGMT,
        ("cfs",): "Cisco Fabric Services distribution",
        ("logging",): _OPS,
        ("clock",): _OPS,
        ("ntp",): _OPS,
        ("rmon",): _OPS,
        ("callhome",): _OPS,
        ("cli",): _OPS,
        ("ip", "domain-lookup"): "DNS resolver for the device itself",
        ("ip", "domain-name"): "DNS resolver for the device itself",
        ("ip", "domain-list"): "DNS resolver for the device itself",
        ("ip", "name-server"): "DNS resolver for the device itself",
        ("ip", "prefix-list"): "route filtering (routing protocols), not packet filtering",
        ("route-map",): "route policy for routing protocols and redistribution, not packet filtering",
        ("router",): _ROUTING,
        ("copp",): "control-plane policing: traffic to the switch itself, not transit",
        ("control-plane",): "control-plane policing: traffic to the switch itself, not transit",
        (
            "system",
            "default",
            "switchport",
        ): "default port mode; routed ports print `no switchport` or an address",
        ("system", "jumbomtu"): _L2,
        ("vlan",): "VLAN definitions (names, tags): switching, not filtering",
        ("spanning-tree",): _L2,
        ("vpc",): _L2,
        ("lldp",): _L2,
        ("cdp",): _L2,
        ("hardware",): "forwarding hardware profile",
        ("banner",): "login banner text",
        ("policy-map",): "a policy map acts only where a service-policy applies it (diagnosed there)",
        ("class-map",): "a class map acts only through a policy map applied by a service-policy",
        (
            "mac",
            "access-list",
        ): "a MAC ACL acts only where `mac port access-group` applies it",
        ("ipv6", "access-list"): "IPv6 ACL: the audited flows are IPv4",
        ("object-group", "ipv6"): "IPv6 object group: the audited flows are IPv4",
        ("ipv6", "route"): "IPv6 route: the audited flows are IPv4",
        ("time-range",): "a time range acts only through ACL entries that name it (already inexact)",
    }
)

# Interface sub-mode commands with no effect on which routed flows pass.
INTERFACE: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("description",): "free text",
        ("mtu",): _L2,
        ("speed",): _L2,
        ("duplex",): _L2,
        ("mac-address",): _L2,
        ("negotiate",): _L2,
        ("link",): _L2,
        ("channel-group",): "port-channel membership: the port-channel interface carries the routing config",
        ("vpc",): _L2,
        ("spanning-tree",): _L2,
        ("switchport",): "layer-2 port settings: a switched port routes nothing itself",
        ("lacp",): _L2,
        ("lldp",): _L2,
        ("cdp",): _L2,
        ("load-interval",): _OPS,
        ("logging",): _OPS,
        ("bandwidth",): "routing metric",
        ("delay",): "routing metric",
        ("medium",): _L2,
        ("ipv6",): "IPv6: the audited flows are IPv4",
        ("ip", "router"): _ROUTING,
        ("ip", "ospf"): _ROUTING,
        ("ip", "pim"): "multicast routing",
        ("ip", "igmp"): "multicast group membership",
        ("ip", "redirects"): "ICMP redirects",
        ("ip", "unreachables"): "ICMP unreachables",
        ("ip", "proxy-arp"): "ARP behaviour",
        ("ip", "arp"): "ARP behaviour",
        ("ip", "dhcp"): "DHCP relay",
        ("hsrp",): "first-hop redundancy: a gateway address, not a filter",
        ("vrrp",): "first-hop redundancy: a gateway address, not a filter",
        ("fabric",): "fabric forwarding mode",
        ("management",): _MGMT,
        ("encapsulation",): "subinterface VLAN tag",
        ("storm-control",): "broadcast/multicast rate limiting on a switched port",
        ("errdisable",): _L2,
        ("beacon",): _OPS,
        ("snmp",): _OPS,
    }
)

# `ip access-list NAME` sub-mode lines that do not change what the list matches for the
# first packet of a connection.
ACL_SETTINGS: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("statistics", "per-entry"): "hit counters only",
        ("ignore", "routable"): "affects only packets addressed to the switch (routable ACL)",
        (
            "fragments",
        ): "`fragments permit-all|deny-all` acts on non-initial fragments, never a connection's first packet",
    }
)


def lookup(table: Mapping[tuple[str, ...], str], words: Sequence[str]) -> str | None:
    """Return the reason of the longest table prefix of ``words``, or None."""
    for length in range(min(len(words), 3), 0, -1):
        reason = table.get(tuple(words[:length]))
        if reason is not None:
            return reason
    return None


__all__ = ["ACL_SETTINGS", "INTERFACE", "TOP_LEVEL", "lookup"]
