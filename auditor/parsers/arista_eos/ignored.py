"""The arista_eos parser's explicit tables of commands it knows and deliberately ignores.

Part of the arista_eos parser (parse stage). Each prefix (the command's first keywords,
lower-case) says why it cannot change whether inside hosts reach the outside, whether an
ALG acts, or what is port-mapped. A top-level entry covers the command's whole block.
Anything not listed here, and not handled by a parser module, becomes a diagnostic.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from auditor.parsers.cisco_ios.ignored import lookup

__all__ = ["INTERFACE", "TOP_LEVEL", "lookup"]

_MGMT = "device management, not transit filtering"
_ROUTING = "routing protocol / route policy (routes are not filters)"
_L2 = "layer-2 switching"
_PLATFORM = "platform, hardware or licence setting"
_SERVICES = "a service of the switch itself, not transit"
_IPV6 = "IPv6 only (the audited flows are IPv4)"
_DEFINITION = "a definition; where it is applied to an interface, that line is reported"

TOP_LEVEL: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("end",): "end of configuration",
        ("exit",): "leaves a sub-mode",
        ("hostname",): _MGMT,
        ("boot",): _PLATFORM,
        ("transceiver",): _PLATFORM,
        ("hardware",): _PLATFORM,
        ("platform",): _PLATFORM,
        ("service", "routing"): _PLATFORM,
        ("agent",): _PLATFORM,
        ("daemon",): _SERVICES,
        ("event-handler",): _SERVICES,
        ("event-monitor",): _SERVICES,
        ("alias",): _MGMT,
        ("clock",): _MGMT,
        ("logging",): _MGMT,
        ("ntp",): _MGMT,
        ("snmp-server",): _MGMT,
        ("sflow",): _MGMT,
        ("lldp",): _MGMT,
        ("username",): _MGMT,
        ("enable",): _MGMT,
        ("aaa",): _MGMT,
        ("no", "aaa"): _MGMT,
        ("role",): _MGMT,
        ("tacacs-server",): _MGMT,
        ("radius-server",): _MGMT,
        ("management",): _MGMT,
        ("cvx",): _MGMT,
        ("monitor",): _MGMT,
        ("terminal",): _MGMT,
        ("prompt",): _MGMT,
        ("ip", "domain-name"): _MGMT,
        ("ip", "domain", "lookup"): _MGMT,
        ("ip", "domain-list"): _MGMT,
        ("ip", "name-server"): _MGMT,
        ("ip", "host"): _MGMT,
        ("ip", "ssh"): _MGMT,
        ("ip", "http"): _MGMT,
        ("ip", "ftp"): _MGMT,
        ("ip", "tftp"): _MGMT,
        ("ip", "radius"): _MGMT,
        ("ip", "tacacs"): _MGMT,
        ("ip", "icmp"): _SERVICES,
        ("ip", "dhcp"): _SERVICES,
        ("ip", "helper-address"): _SERVICES,
        ("dhcp",): _SERVICES,
        ("system",): "control-plane (traffic to the switch itself) and system settings",
        ("control-plane",): "control-plane (traffic to the switch itself)",
        ("spanning-tree",): _L2,
        ("no", "spanning-tree"): _L2,
        ("vlan",): _L2,
        ("mlag",): _L2,
        ("port-channel",): _L2,
        ("lacp",): _L2,
        ("mac",): "layer-2 (MAC) setting; a MAC ACL's application is reported",
        ("errdisable",): _L2,
        ("interface", "defaults"): _L2,
        ("ip", "virtual-router"): "virtual-router MAC (anycast gateway), not a filter",
        ("ip", "address", "virtual"): "virtual source-nat: the source of traffic the switch itself sends",
        ("ip", "routing"): _ROUTING,
        ("no", "ip", "routing"): _ROUTING,
        ("ipv6",): _IPV6,
        ("no", "ipv6"): _IPV6,
        ("router",): _ROUTING,
        ("route-map",): _ROUTING,
        ("peer-filter",): _ROUTING,
        ("ip", "prefix-list"): _ROUTING,
        ("ip", "community-list"): _ROUTING,
        ("ip", "as-path"): _ROUTING,
        ("ip", "extcommunity-list"): _ROUTING,
        ("bfd",): _ROUTING,
        ("mpls",): _ROUTING,
        ("arp",): _ROUTING,
        ("ip", "igmp"): "multicast group management",
        ("ip", "multicast-routing"): "multicast routing",
        ("ip", "pim"): "multicast routing",
        ("vrf", "instance"): "VRF definition; interfaces in a VRF are read with the interface",
        ("vrf", "definition"): "VRF definition; interfaces in a VRF are read with the interface",
        ("qos",): "QoS (marks and queues; does not drop by policy)",
        ("class-map",): _DEFINITION,
        ("policy-map",): _DEFINITION,
        ("traffic-policies",): _DEFINITION,
        ("ip", "nat", "pool"): _DEFINITION,
        ("ip", "nat", "translation"): "NAT timeouts and limits (do not decide what is translated)",
        ("tap",): "tap aggregation (a mirror, not transit)",
        ("queue-monitor",): _PLATFORM,
        ("load-balance",): _PLATFORM,
        ("dot1x",): "port authentication of hosts (not a filter on routed traffic)",
    }
)

# Interface sub-mode commands that cannot change what transit traffic passes.
INTERFACE: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("mtu",): _PLATFORM,
        ("speed",): _PLATFORM,
        ("duplex",): _PLATFORM,
        ("load-interval",): _PLATFORM,
        ("flowcontrol",): _PLATFORM,
        ("error-correction",): _PLATFORM,
        ("logging",): _MGMT,
        ("lldp",): _MGMT,
        ("sflow",): _MGMT,
        ("snmp",): _MGMT,
        ("dhcp", "client"): "how a DHCP address is learnt",
        ("switchport",): _L2,
        ("channel-group",): _L2,
        ("mlag",): _L2,
        ("spanning-tree",): _L2,
        ("lacp",): _L2,
        ("storm-control",): _L2,
        ("autostate",): _L2,
        ("vxlan",): "VXLAN tunnel endpoint settings (overlay transport, not a filter)",
        ("bfd",): _ROUTING,
        ("ip", "ospf"): _ROUTING,
        ("ip", "pim"): "multicast routing",
        ("ip", "igmp"): "multicast group management",
        ("ip", "helper-address"): _SERVICES,
        ("ip", "dhcp"): _SERVICES,
        ("ip", "proxy-arp"): _ROUTING,
        ("ip", "virtual-router"): "virtual-router address (anycast gateway), not a filter",
        ("arp",): _ROUTING,
        ("isis",): _ROUTING,
        ("ipv6",): _IPV6,
        ("ip", "mtu"): _PLATFORM,
        ("qos",): "QoS (marks and queues; does not drop by policy)",
        ("mac", "address"): _L2,
        ("priority-flow-control",): _PLATFORM,
        ("tx-queue",): _PLATFORM,
        ("dot1x",): "port authentication of hosts (not a filter on routed traffic)",
    }
)
