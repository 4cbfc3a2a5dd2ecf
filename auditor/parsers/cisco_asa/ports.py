"""ASA keyword tables: IP protocol names and the literal port names ACLs and objects accept.

Part of the cisco_asa parser (parse stage). A name not in these tables is never guessed:
the entry using it becomes an opaque rule with a diagnostic.

Sources (facts learnt, tables written here):
- Cisco ASA configuration guide, "Addresses, Protocols, and Ports" (asa922 general config,
  ref-ports.html; VENDORS.md [S17]): the TCP/UDP literal names, including ``www`` and
  ``http`` = 80, ``https`` = 443, ``sip`` = 5060, ``h323`` = 1720, ``rtsp`` = 554,
  ``ctiqbe`` = 2748, ``sqlnet`` = 1521 (Oracle's default, not IANA's), ``radius`` = 1645 and
  ``radius-acct`` = 1646 (the old RADIUS ports), and the protocol literals.
- FWSM 2.3 command reference "Port and Protocol Values" (cisco.com fwsm23 pvalues.html): the
  same literal list for the older code base; it warns that ``dns`` is *not* DNS (it is
  ``dnsix``), so ``dns`` is deliberately absent: DNS is ``domain``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

TCP = 6
UDP = 17

TCP_PORTS: Mapping[str, int] = MappingProxyType(
    {
        "aol": 5190,
        "bgp": 179,
        "chargen": 19,
        "cifs": 3020,
        "citrix-ica": 1494,
        "cmd": 514,
        "ctiqbe": 2748,
        "daytime": 13,
        "discard": 9,
        "domain": 53,
        "echo": 7,
        "exec": 512,
        "finger": 79,
        "ftp": 21,
        "ftp-data": 20,
        "gopher": 70,
        "h323": 1720,
        "hostname": 101,
        "http": 80,
        "https": 443,
        "ident": 113,
        "imap4": 143,
        "irc": 194,
        "kerberos": 88,
        "klogin": 543,
        "kshell": 544,
        "ldap": 389,
        "ldaps": 636,
        "login": 513,
        "lotusnotes": 1352,
        "lpd": 515,
        "netbios-ssn": 139,
        "nfs": 2049,
        "nntp": 119,
        "pcanywhere-data": 5631,
        "pim-auto-rp": 496,
        "pop2": 109,
        "pop3": 110,
        "pptp": 1723,
        "rsh": 514,
        "rtsp": 554,
        "sip": 5060,
        "smtp": 25,
        "sqlnet": 1521,
        "ssh": 22,
        "sunrpc": 111,
        "tacacs": 49,
        "talk": 517,
        "telnet": 23,
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
        "cifs": 3020,
        "discard": 9,
        "dnsix": 195,
        "domain": 53,
        "echo": 7,
        "http": 80,
        "isakmp": 500,
        "kerberos": 88,
        "mobile-ip": 434,
        "nameserver": 42,
        "netbios-dgm": 138,
        "netbios-ns": 137,
        "nfs": 2049,
        "ntp": 123,
        "pcanywhere-status": 5632,
        "pim-auto-rp": 496,
        "radius": 1645,
        "radius-acct": 1646,
        "rip": 520,
        "secureid-udp": 5510,
        "sip": 5060,
        "snmp": 161,
        "snmptrap": 162,
        "sunrpc": 111,
        "syslog": 514,
        "tacacs": 49,
        "talk": 517,
        "tftp": 69,
        "time": 37,
        "vxlan": 4789,
        "who": 513,
        "www": 80,
        "xdmcp": 177,
    }
)

# `ip` (every protocol) is handled by callers; these name one protocol number each.
PROTOCOLS: Mapping[str, int] = MappingProxyType(
    {
        "ah": 51,
        "eigrp": 88,
        "esp": 50,
        "gre": 47,
        "icmp": 1,
        "icmp6": 58,
        "igmp": 2,
        "igrp": 9,
        "ipinip": 4,
        "ipsec": 50,
        "nos": 94,
        "ospf": 89,
        "pcp": 108,
        "pim": 103,
        "pptp": 47,
        "sctp": 132,
        "snp": 109,
        "tcp": 6,
        "udp": 17,
    }
)

PORT_TABLES: Mapping[int, Mapping[str, int]] = MappingProxyType({TCP: TCP_PORTS, UDP: UDP_PORTS})
# The transport keywords of service objects and typed service groups.
TRANSPORTS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {"tcp": (TCP,), "udp": (UDP,), "tcp-udp": (TCP, UDP)}
)


def port_value(token: str, protocols: Iterable[int]) -> int | None:
    """Return the port a token names for every one of ``protocols``, or None.

    A name must mean the same port for each protocol (``tcp-udp`` groups: ``domain`` works,
    ``https`` does not, as it has no UDP literal).

    Examples:
        >>> port_value("www", [6]), port_value("https", [6, 17]), port_value("domain", [6, 17])
        (80, None, 53)
    """
    if token.isdigit():
        value = int(token)
        return value if value <= 65535 else None
    values = {PORT_TABLES.get(protocol, {}).get(token.lower()) for protocol in protocols}
    if len(values) != 1:
        return None
    return values.pop()


def protocol_value(token: str) -> int | None:
    """Return the IP protocol number a token names, or None (``ip`` is not a number here).

    Examples:
        >>> protocol_value("esp"), protocol_value("132"), protocol_value("bogus")
        (50, 132, None)
    """
    if token.isdigit():
        value = int(token)
        return value if value <= 255 else None
    return PROTOCOLS.get(token.lower())
