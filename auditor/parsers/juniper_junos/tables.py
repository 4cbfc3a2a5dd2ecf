"""Junos keyword tables: protocol names, port names, and the predefined ``junos-*`` applications.

Part of the juniper_junos parser (parse stage). A name not in these tables is never guessed:
what uses it becomes an inexact rule with a diagnostic.

Sources (facts learnt, tables written here):
- batfish ``representation/juniper/JunosApplication.java`` (VENDORS.md [S26]): the predefined
  applications of the hidden ``junos-defaults`` group it defines: junos-http TCP 80,
  junos-https TCP 443, junos-ssh TCP 22, junos-ftp TCP 21, junos-ntp UDP 123, junos-dns-udp /
  junos-dns-tcp 53, junos-bgp TCP 179, junos-h323 (TCP 1720, UDP 1719, TCP 1503, 389, 522,
  1731), junos-smb TCP 139 and 445, junos-pptp TCP 1723, junos-nntp TCP 119, junos-printer
  TCP 515, junos-gre, junos-icmp-all, junos-icmp-ping; junos-stun-udp / junos-stun-tcp
  3478-3479 and junos-mgcp-ua UDP 2427 / junos-mgcp-ca UDP 2727 as VENDORS.md §3.1 cites them.
- The others below carry the IANA port of the protocol they are named after (junos-sip 5060,
  junos-rtsp 554, junos-sccp 2000, junos-telnet 23, junos-smtp 25, ...): the Junos definitions
  of these were not found in the stored documentation. None of them is near an audited port,
  so an error there cannot move a verdict on those ports; any other ``junos-*`` name stays
  unknown.
- Firewall-filter port and protocol keywords: the Junos "firewall filter match conditions"
  reference lists numeric values or names; the names here are the IANA service names the
  CLI accepts (http 80, https 443, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TCP = 6
UDP = 17
ICMP = 1
SCTP = 132

PROTOCOLS: Mapping[str, int] = MappingProxyType(
    {
        "icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "egp": 8, "udp": 17, "rsvp": 46, "gre": 47,
        "esp": 50, "ah": 51, "icmp6": 58, "icmpv6": 58, "ospf": 89, "pim": 103, "vrrp": 112,
        "sctp": 132, "ipv6": 41, "dstopts": 60, "fragment": 44, "hop-by-hop": 0, "routing": 43,
        "no-next-header": 59, "mobility": 135,
    }
)  # fmt: skip

PORTS: Mapping[str, int] = MappingProxyType(
    {
        "afs": 1483, "bgp": 179, "biff": 512, "bootpc": 68, "bootps": 67, "cmd": 514,
        "cvspserver": 2401, "dhcp": 67, "domain": 53, "eklogin": 2105, "ekshell": 2106,
        "exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20, "http": 80, "https": 443,
        "ident": 113, "imap": 143, "kerberos-sec": 88, "klogin": 543, "kpasswd": 761,
        "krb-prop": 754, "krbupdate": 760, "kshell": 544, "ldap": 389, "ldp": 646,
        "login": 513, "mobileip-agent": 434, "mobilip-mn": 435, "msdp": 639,
        "netbios-dgm": 138, "netbios-ns": 137, "netbios-ssn": 139, "nfsd": 2049, "nntp": 119,
        "ntalk": 518, "ntp": 123, "pop3": 110, "pptp": 1723, "printer": 515, "radacct": 1813,
        "radius": 1812, "rip": 520, "rkinit": 2108, "smtp": 25, "snmp": 161, "snmptrap": 162,
        "snpp": 444, "socks": 1080, "ssh": 22, "sunrpc": 111, "syslog": 514, "tacacs": 49,
        "tacacs-ds": 65, "talk": 517, "telnet": 23, "tftp": 69, "timed": 525, "who": 513,
        "xdmcp": 177, "zephyr-clt": 2103, "zephyr-hm": 2104, "zephyr-srv": 2102,
    }
)  # fmt: skip

# name -> terms of (protocol, first destination port, last destination port); ports
# (0, 65535) for a protocol without ports.
_Terms = tuple[tuple[int, int, int], ...]
_ALL = (0, 65535)


def _one(proto: int, lo: int, hi: int | None = None) -> _Terms:
    return ((proto, lo, lo if hi is None else hi),)


APPLICATIONS: Mapping[str, _Terms] = MappingProxyType(
    {
        # batfish JunosApplication.java [S26] and VENDORS.md §3.1
        "junos-http": _one(TCP, 80),
        "junos-https": _one(TCP, 443),
        "junos-ssh": _one(TCP, 22),
        "junos-ftp": _one(TCP, 21),
        "junos-ntp": _one(UDP, 123),
        "junos-dns-udp": _one(UDP, 53),
        "junos-dns-tcp": _one(TCP, 53),
        "junos-bgp": _one(TCP, 179),
        "junos-h323": ((TCP, 1720, 1720), (UDP, 1719, 1719), (TCP, 1503, 1503), (TCP, 389, 389),
                       (TCP, 522, 522), (TCP, 1731, 1731)),
        "junos-smb": ((TCP, 139, 139), (TCP, 445, 445)),
        "junos-pptp": _one(TCP, 1723),
        "junos-nntp": _one(TCP, 119),
        "junos-printer": _one(TCP, 515),
        "junos-gre": ((47, *_ALL),),
        "junos-icmp-all": ((ICMP, *_ALL),),
        "junos-stun-udp": _one(UDP, 3478, 3479),
        "junos-stun-tcp": _one(TCP, 3478, 3479),
        "junos-mgcp-ua": _one(UDP, 2427),
        "junos-mgcp-ca": _one(UDP, 2727),
        # every port of the protocol named (the name says so; definition not found)
        "junos-tcp-any": ((TCP, *_ALL),),
        "junos-udp-any": ((UDP, *_ALL),),
        # IANA ports of the protocol named (Junos definition not found; far from audited ports)
        "junos-sip": ((UDP, 5060, 5060), (TCP, 5060, 5060)),
        "junos-rtsp": _one(TCP, 554),
        "junos-sccp": _one(TCP, 2000),
        "junos-telnet": _one(TCP, 23),
        "junos-smtp": _one(TCP, 25),
        "junos-pop3": _one(TCP, 110),
        "junos-imap": _one(TCP, 143),
        "junos-snmp-agentx": _one(TCP, 705),
        "junos-syslog": _one(UDP, 514),
        "junos-tftp": _one(UDP, 69),
        "junos-ike": _one(UDP, 500),
        "junos-ike-nat": _one(UDP, 4500),
        "junos-radius": _one(UDP, 1812),
        "junos-ldap": _one(TCP, 389),
    }
)  # fmt: skip
"""Predefined applications the parser knows (the hidden ``junos-defaults`` group)."""

# Names whose ICMP type the engine does not model: they match only ICMP, never TCP/UDP.
ICMP_ONLY = frozenset({"junos-icmp-ping", "junos-ping", "junos-icmp6-all", "junos-pingv6"})
