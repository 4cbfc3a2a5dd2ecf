"""Menus whose commands cannot change what transit IPv4 traffic the router lets through.

Part of the mikrotik_routeros parser (parse stage). A command under one of these menu
prefixes is known-ignored; a menu that is in neither this table nor the reader's own is
reported as unrecognized. Each entry says why it is safe to ignore.
"""

from __future__ import annotations

IGNORED_MENUS: dict[tuple[str, ...], str] = {
    ("system",): "system settings (identity, clock, logging, scheduler, packages)",
    ("user",): "router users and groups",
    ("snmp",): "SNMP agent",
    ("tool",): "router tools (mac-server, bandwidth test, netwatch, e-mail)",
    ("certificate",): "certificates",
    ("file",): "files on the router",
    ("log",): "logging",
    ("port",): "serial ports",
    ("disk",): "storage",
    ("lcd",): "front-panel display",
    ("radius",): "RADIUS client",
    ("routing",): "routing protocols and filters (the default route is read from /ip route)",
    ("mpls",): "MPLS",
    ("queue",): "queues shape traffic, they do not drop a flow outright",
    ("ppp",): "PPP profiles and secrets (interface lists they feed are read separately)",
    ("ipv6",): "IPv6: the policy's flows are IPv4",
    ("caps-man",): "wireless controller",
    ("capsman",): "wireless controller",
    ("container",): "containers on the router",
    ("zerotier",): "ZeroTier instance settings",
    ("dude",): "The Dude server",
    ("iot",): "IoT package",
    ("console",): "console settings",
    ("special-login",): "console login",
    ("partitions",): "flash partitions",
    ("ip", "service"): "the router's own management services",
    ("ip", "dns"): "the router's DNS resolver",
    ("ip", "pool"): "address pools",
    ("ip", "dhcp-server"): "DHCP server for the inside networks",
    ("ip", "dhcp-relay"): "DHCP relay",
    ("ip", "neighbor"): "neighbour discovery",
    ("ip", "settings"): "IP stack tuning",
    ("ip", "ssh"): "the router's SSH server",
    ("ip", "cloud"): "MikroTik cloud DDNS",
    ("ip", "proxy"): "web proxy (only sees traffic a NAT rule redirects to it)",
    ("ip", "socks"): "SOCKS server",
    ("ip", "smb"): "SMB server",
    ("ip", "traffic-flow"): "NetFlow export",
    ("ip", "ipsec"): "IPsec peers and policies (forward rules that match them are read as inexact)",
    ("ip", "arp"): "ARP table",
    ("ip", "tftp"): "the router's TFTP server",
    ("ip", "media"): "media server",
    ("ip", "vrf"): "VRFs (the default route is read from the main table)",
    ("ip", "ipsec", "identity"): "IPsec identities",
    ("ip", "hotspot", "profile"): "hotspot details (a hotspot server itself is read as opaque)",
    ("ip", "hotspot", "user"): "hotspot details (a hotspot server itself is read as opaque)",
    ("ip", "hotspot", "walled-garden"): "hotspot details (a hotspot server itself is read as opaque)",
    ("ip", "hotspot", "ip-binding"): "hotspot details (a hotspot server itself is read as opaque)",
    ("ip", "hotspot", "service-port"): "hotspot details (a hotspot server itself is read as opaque)",
    ("ip", "firewall", "layer7-protocol"): "layer-7 patterns (rules that use them are read as inexact)",
    ("ip", "firewall", "calea"): "lawful-intercept export (does not drop)",
    ("ip", "firewall", "mangle"): "mangle marks packets and connections; it has no drop action",
    ("ip", "firewall", "connection", "tracking"): "connection-tracking timeouts",
    ("interface", "wireless", "security-profiles"): "wireless security profiles",
    ("interface", "ethernet", "switch"): "switch-chip settings",
    ("interface", "lte", "apn"): "LTE APN profiles",
    ("interface", "bridge", "port"): "bridge ports are layer 2; routed traffic enters by the bridge",
    ("interface", "bridge", "vlan"): "bridge VLAN table (layer 2)",
    ("interface", "bridge", "settings"): "bridge settings",
    ("interface", "wifi", "security"): "wireless security profiles",
    ("interface", "wifi", "configuration"): "wireless configuration profiles",
}


def ignored_reason(menu: tuple[str, ...]) -> str | None:
    """Return why commands in ``menu`` are ignored (the longest matching prefix), or None."""
    for length in range(len(menu), 0, -1):
        reason = IGNORED_MENUS.get(menu[:length])
        if reason is not None:
            return reason
    return None
