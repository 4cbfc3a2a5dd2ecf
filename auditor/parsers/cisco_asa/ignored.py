"""Commands the cisco_asa parser knows and deliberately ignores, and those it cannot model.

Part of the cisco_asa parser (parse stage). This table is documentation: every entry is a
command that cannot change whether inside hosts reach the outside on the audited flows
(management access to the box itself, logging, AAA, VPN, routing protocols, timers,
clustering, licensing) — or, in ``UNSUPPORTED``, one that can but is not evaluated.
Keys are lower-cased leading words; the longest matching key wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_WHY_MGMT = "management of the box itself"
_WHY_LOG = "logging and monitoring"
_WHY_AAA = "authentication of administrators and VPN users"
_WHY_VPN = "VPN (terminates on the box; not inside-to-outside transit filtering)"
_WHY_SYS = "system, hardware or timer setting"
_WHY_ROUTING = "dynamic routing (roles come from levels, NAT and static routes)"

TOP_LEVEL: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("domain-name",): _WHY_SYS,
        ("enable",): _WHY_MGMT,
        ("passwd",): _WHY_MGMT,
        ("password",): _WHY_MGMT,
        ("username",): _WHY_MGMT,
        ("terminal",): _WHY_SYS,
        ("pager",): _WHY_SYS,
        ("prompt",): _WHY_SYS,
        ("console",): _WHY_MGMT,
        ("banner",): "login banner text",
        ("boot",): _WHY_SYS,
        ("clock",): _WHY_SYS,
        ("ftp", "mode"): _WHY_MGMT,
        ("dns",): "DNS resolver of the box",
        ("mtu",): _WHY_SYS,
        ("arp",): _WHY_SYS,
        ("icmp",): "ICMP to the box itself",
        ("asdm",): _WHY_MGMT,
        ("timeout",): "connection and translation timers",
        ("logging",): _WHY_LOG,
        ("aaa",): _WHY_AAA,
        ("aaa-server",): _WHY_AAA,
        ("user-identity",): _WHY_AAA,
        ("http",): "HTTPS management (ASDM) access to the box",
        ("ssh",): _WHY_MGMT,
        ("telnet",): _WHY_MGMT,
        ("snmp-server",): _WHY_LOG,
        ("ntp",): _WHY_SYS,
        ("sysopt",): "VPN and proxy-ARP system options",
        ("crypto",): _WHY_VPN,
        ("isakmp",): _WHY_VPN,
        ("tunnel-group",): _WHY_VPN,
        ("group-policy",): _WHY_VPN,
        ("webvpn",): _WHY_VPN,
        ("vpn",): _WHY_VPN,
        ("vpdn",): _WHY_VPN,
        ("dynamic-access-policy-record",): _WHY_VPN,
        ("ip", "local", "pool"): _WHY_VPN,
        ("threat-detection",): "threat statistics (basic threat detection only reports)",
        ("xlate",): "translation session options",
        ("service-module",): _WHY_SYS,
        ("mac-address",): _WHY_SYS,
        ("monitor-interface",): "failover interface monitoring",
        ("failover",): "failover pair settings",
        ("dhcpd",): "DHCP server for inside hosts",
        ("dhcprelay",): "DHCP relay",
        ("router",): _WHY_ROUTING,
        ("prefix-list",): _WHY_ROUTING,
        ("route-map",): _WHY_ROUTING,
        ("ipv6", "route"): "IPv6 routes (the audited flows are IPv4)",
        ("call-home",): "Smart Call Home reporting",
        ("license",): _WHY_SYS,
        ("license-server",): _WHY_SYS,
        ("firewall", "transparent"): _WHY_SYS,
        ("jumbo-frame",): _WHY_SYS,
        ("object-group-search",): "ACL lookup optimisation (same matches)",
        ("cryptochecksum",): "checksum trailer",
        ("end",): "end of configuration",
        ("exit",): "end of sub-mode",
        ("time-range",): "time range definition (entries using it are reported where used)",
        ("tls-proxy",): "TLS proxy for unified communications",
        ("smtp-server",): _WHY_LOG,
        ("flow-export",): _WHY_LOG,
        ("auth-prompt",): _WHY_AAA,
        ("password-policy",): _WHY_MGMT,
        ("management-access",): _WHY_MGMT,
        ("tftp-server",): _WHY_MGMT,
        ("fips",): _WHY_SYS,
        ("email",): _WHY_LOG,
        ("ca",): _WHY_VPN,
        ("scansafe",): "cloud web security redirect settings",
        ("quit",): "end of sub-mode",
    }
)

# Commands that can drop or redirect transit but are not evaluated: (reason, relevant).
UNSUPPORTED: Mapping[tuple[str, ...], tuple[str, bool]] = MappingProxyType(
    {
        ("established",): ("'established' opens return connections (not evaluated)", True),
        ("filter",): ("URL/ActiveX/Java filtering (not evaluated)", True),
        ("url-server",): ("URL filtering server (not evaluated)", True),
        ("shun",): ("shun drops traffic from a host (not evaluated)", True),
        ("conduit",): ("PIX conduit (pre-7.0 access control) is not evaluated", True),
        ("outbound",): ("PIX outbound list is not evaluated", True),
        ("apply",): ("PIX outbound list application is not evaluated", True),
        ("dynamic-filter",): ("botnet traffic filter can drop traffic (not evaluated)", True),
        ("ip", "audit"): ("IP audit (IPS signatures) can drop traffic (not evaluated)", True),
        ("ip", "verify"): ("unicast RPF drops sources not routed back via the interface", False),
        ("wccp",): ("WCCP redirects transit traffic (not evaluated)", True),
        ("context",): ("security contexts: each context's config is audited separately", True),
        ("clear", "configure"): ("clearing configuration other than an access-list", True),
        ("access-list", "ethertype"): ("EtherType ACL (non-IP traffic, transparent mode)", False),
        ("access-list", "webtype"): ("clientless-VPN webtype ACL", False),
    }
)

# Interface sub-commands with no bearing on the audited flows.
INTERFACE: frozenset[tuple[str, ...]] = frozenset(
    {
        ("description",),
        ("speed",),
        ("duplex",),
        ("mtu",),
        ("vlan",),
        ("nve-only",),
        ("channel-group",),
        ("lacp",),
        ("member-interface",),
        ("ipv6",),
        ("pppoe",),
        ("ddns",),
        ("dhcp",),
        ("dhcprelay",),
        ("ospf",),
        ("eigrp",),
        ("rip",),
        ("igmp",),
        ("pim",),
        ("authentication",),
        ("delay",),
        ("flowcontrol",),
        ("mac-address",),
        ("no",),
    }
)


def lookup(
    table: Mapping[tuple[str, ...], object] | frozenset[tuple[str, ...]], words: tuple[str, ...]
) -> bool:
    """Tell whether some leading words of ``words`` are a key of ``table``."""
    return any(words[:length] in table for length in range(min(len(words), 3), 0, -1))
