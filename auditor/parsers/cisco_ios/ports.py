"""IOS keyword tables: IP protocol names and named TCP/UDP ports in extended ACL entries.

Part of the cisco_ios parser (parse stage). A name that is not in these tables is never
guessed: the entry that uses it becomes an opaque rule with a diagnostic.

Sources (facts learnt, tables written here):
- TCP names: IOS CLI help ``access-list 100 permit tcp any any eq ?`` as reproduced in the
  Cisco Networking Academy ENSA course notes ("Opciones de palabras clave del puerto") and in
  the test data of the Ruby ``cisco_acl_intp`` gem (``permit tcp any eq ?``, which adds
  ``drip``). The same notes state that ``ssh`` and ``https`` are *not* keywords: IOS wants
  ``eq 22`` / ``eq 443``, so ``https`` is deliberately absent.
- UDP names: IOS CLI help ``ip forward-protocol udp ?`` (same keyword set as the ACL port
  prompt) and the ``AceUdpProtoSpec`` table of ``cisco_acl_intp``.
- Protocol names: IOS CLI help ``deny ?`` in extended ACL mode (ahp, eigrp, esp, gre, icmp,
  igmp, ip, ipinip, nos, ospf, pcp, pim, tcp, udp, or a number 0-255).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

TCP_PORTS: Mapping[str, int] = MappingProxyType(
    {
        "bgp": 179,
        "chargen": 19,
        "cmd": 514,
        "daytime": 13,
        "discard": 9,
        "domain": 53,
        "drip": 3949,
        "echo": 7,
        "exec": 512,
        "finger": 79,
        "ftp": 21,
        "ftp-data": 20,
        "gopher": 70,
        "hostname": 101,
        "ident": 113,
        "irc": 194,
        "klogin": 543,
        "kshell": 544,
        "login": 513,
        "lpd": 515,
        "msrpc": 135,
        "nntp": 119,
        "onep-plain": 15001,
        "onep-tls": 15002,
        "pim-auto-rp": 496,
        "pop2": 109,
        "pop3": 110,
        "smtp": 25,
        "sunrpc": 111,
        "syslog": 514,
        "tacacs": 49,
        "talk": 517,
        "telnet": 23,
        "time": 37,
        "uucp": 540,
        "whois": 43,
        "www": 80,
    }
)

UDP_PORTS: Mapping[str, int] = MappingProxyType(
    {
        "biff": 512,
        "bootpc": 68,
        "bootps": 67,
        "discard": 9,
        "dnsix": 195,
        "domain": 53,
        "echo": 7,
        "isakmp": 500,
        "mobile-ip": 434,
        "nameserver": 42,
        "netbios-dgm": 138,
        "netbios-ns": 137,
        "netbios-ss": 139,
        "non500-isakmp": 4500,
        "ntp": 123,
        "pim-auto-rp": 496,
        "rip": 520,
        "snmp": 161,
        "snmptrap": 162,
        "sunrpc": 111,
        "syslog": 514,
        "tacacs": 49,
        "talk": 517,
        "tftp": 69,
        "time": 37,
        "who": 513,
        "xdmcp": 177,
    }
)

# `ip` is every protocol and is handled by the caller; the others are one protocol number.
PROTOCOLS: Mapping[str, int] = MappingProxyType(
    {
        "ahp": 51,
        "eigrp": 88,
        "esp": 50,
        "gre": 47,
        "icmp": 1,
        "igmp": 2,
        "ipinip": 4,
        "nos": 94,
        "ospf": 89,
        "pcp": 108,
        "pim": 103,
        "tcp": 6,
        "udp": 17,
    }
)

PORT_TABLES: Mapping[int, Mapping[str, int]] = MappingProxyType({6: TCP_PORTS, 17: UDP_PORTS})


def port_value(token: str, protocol: int) -> int | None:
    """Return the port a token names for ``protocol`` (6 or 17), or None if it names none.

    Examples:
        >>> port_value("www", 6), port_value("443", 6), port_value("https", 6)
        (80, 443, None)
    """
    if token.isdigit():
        value = int(token)
        return value if value <= 65535 else None
    return PORT_TABLES.get(protocol, {}).get(token.lower())


def protocol_value(token: str) -> int | None:
    """Return the IP protocol number a token names, or None (``ip`` is not a number here).

    Examples:
        >>> protocol_value("gre"), protocol_value("132"), protocol_value("sctp")
        (47, 132, None)
    """
    if token.isdigit():
        value = int(token)
        return value if value <= 255 else None
    return PROTOCOLS.get(token.lower())
