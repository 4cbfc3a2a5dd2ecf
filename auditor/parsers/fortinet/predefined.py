"""FortiOS factory objects a ``show`` may leave out: predefined services, groups, addresses.

Part of the fortinet parser (parse stage). A FortiGate ships with predefined entries in
``config firewall service custom`` / ``service group`` and ``config firewall address``; full
backups print them (seen in stored public FortiOS 6.x/7.x backups), but a partial ``show``
or a snippet may reference them without defining them. When a policy names one that the
text does not define, the parser uses the factory definition below and reports the
assumption. Definitions as printed by FortiOS 6.4-7.4 backups (``ALL`` = protocol IP,
any; ``ALL_TCP``/``ALL_UDP`` = 1-65535, VENDORS.md §4.2 [S37]); only the port and protocol
settings are kept. A config that redefines one of these names wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# name -> settings in FortiOS syntax (the same reader parses them)
SERVICES: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "ALL": {"protocol": ("IP",)},
        "ALL_TCP": {"tcp-portrange": ("1-65535",)},
        "ALL_UDP": {"udp-portrange": ("1-65535",)},
        "ALL_ICMP": {"protocol": ("ICMP",)},
        "ALL_ICMP6": {"protocol": ("ICMP6",)},
        "GRE": {"protocol": ("IP",), "protocol-number": ("47",)},
        "AH": {"protocol": ("IP",), "protocol-number": ("51",)},
        "ESP": {"protocol": ("IP",), "protocol-number": ("50",)},
        "OSPF": {"protocol": ("IP",), "protocol-number": ("89",)},
        "AOL": {"tcp-portrange": ("5190-5194",)},
        "BGP": {"tcp-portrange": ("179",)},
        "DHCP": {"udp-portrange": ("67-68",)},
        "DNS": {"tcp-portrange": ("53",), "udp-portrange": ("53",)},
        "FINGER": {"tcp-portrange": ("79",)},
        "FTP": {"tcp-portrange": ("21",)},
        "FTP_GET": {"tcp-portrange": ("21",)},
        "FTP_PUT": {"tcp-portrange": ("21",)},
        "GOPHER": {"tcp-portrange": ("70",)},
        "H323": {"tcp-portrange": ("1720", "1503"), "udp-portrange": ("1719",)},
        "HTTP": {"tcp-portrange": ("80",)},
        "HTTPS": {"tcp-portrange": ("443",)},
        "IKE": {"udp-portrange": ("500", "4500")},
        "IMAP": {"tcp-portrange": ("143",)},
        "IMAPS": {"tcp-portrange": ("993",)},
        "Internet-Locator-Service": {"tcp-portrange": ("389",)},
        "IRC": {"tcp-portrange": ("6660-6669",)},
        "L2TP": {"tcp-portrange": ("1701",), "udp-portrange": ("1701",)},
        "LDAP": {"tcp-portrange": ("389",)},
        "NetMeeting": {"tcp-portrange": ("1720",)},
        "NFS": {"tcp-portrange": ("111", "2049"), "udp-portrange": ("111", "2049")},
        "NNTP": {"tcp-portrange": ("119",)},
        "NTP": {"tcp-portrange": ("123",), "udp-portrange": ("123",)},
        "PC-Anywhere": {"tcp-portrange": ("5631",), "udp-portrange": ("5632",)},
        "PING": {"protocol": ("ICMP",), "icmptype": ("8",)},
        "TIMESTAMP": {"protocol": ("ICMP",), "icmptype": ("13",)},
        "INFO_REQUEST": {"protocol": ("ICMP",), "icmptype": ("15",)},
        "INFO_ADDRESS": {"protocol": ("ICMP",), "icmptype": ("17",)},
        "ONC-RPC": {"tcp-portrange": ("111",), "udp-portrange": ("111",)},
        "DCE-RPC": {"tcp-portrange": ("135",), "udp-portrange": ("135",)},
        "POP3": {"tcp-portrange": ("110",)},
        "POP3S": {"tcp-portrange": ("995",)},
        "PPTP": {"tcp-portrange": ("1723",)},
        "QUAKE": {"udp-portrange": ("26000", "27000", "27910", "27960")},
        "RAUDIO": {"udp-portrange": ("7070",)},
        "REXEC": {"tcp-portrange": ("512",)},
        "RIP": {"udp-portrange": ("520",)},
        "RLOGIN": {"tcp-portrange": ("513:512-1023",)},
        "RSH": {"tcp-portrange": ("514:512-1023",)},
        "SCCP": {"tcp-portrange": ("2000",)},
        "SIP": {"tcp-portrange": ("5060",), "udp-portrange": ("5060",)},
        "SIP-MSNmessenger": {"tcp-portrange": ("1863",)},
        "SAMBA": {"tcp-portrange": ("139",)},
        "SMTP": {"tcp-portrange": ("25",)},
        "SMTPS": {"tcp-portrange": ("465",)},
        "SNMP": {"tcp-portrange": ("161-162",), "udp-portrange": ("161-162",)},
        "SSH": {"tcp-portrange": ("22",)},
        "SYSLOG": {"udp-portrange": ("514",)},
        "TALK": {"udp-portrange": ("517-518",)},
        "TELNET": {"tcp-portrange": ("23",)},
        "TFTP": {"udp-portrange": ("69",)},
        "MGCP": {"udp-portrange": ("2427", "2727")},
        "UUCP": {"tcp-portrange": ("540",)},
        "VDOLIVE": {"tcp-portrange": ("7000-7010",)},
        "WAIS": {"tcp-portrange": ("210",)},
        "WINFRAME": {"tcp-portrange": ("1494", "2598")},
        "X-WINDOWS": {"tcp-portrange": ("6000-6063",)},
        "PING6": {"protocol": ("ICMP6",), "icmptype": ("128",)},
        "MS-SQL": {"tcp-portrange": ("1433", "1434")},
        "MYSQL": {"tcp-portrange": ("3306",)},
        "RDP": {"tcp-portrange": ("3389",)},
        "VNC": {"tcp-portrange": ("5900",)},
        "DHCP6": {"udp-portrange": ("546", "547")},
        "SQUID": {"tcp-portrange": ("3128",)},
        "SOCKS": {"tcp-portrange": ("1080",), "udp-portrange": ("1080",)},
        "WINS": {"tcp-portrange": ("1512",), "udp-portrange": ("1512",)},
        "RADIUS": {"udp-portrange": ("1812", "1813")},
        "RADIUS-OLD": {"udp-portrange": ("1645", "1646")},
        "CVSPSERVER": {"tcp-portrange": ("2401",), "udp-portrange": ("2401",)},
        "AFS3": {"tcp-portrange": ("7000-7009",), "udp-portrange": ("7000-7009",)},
        "TRACEROUTE": {"udp-portrange": ("33434-33535",)},
        "RTSP": {"tcp-portrange": ("554", "7070", "8554"), "udp-portrange": ("554",)},
        "MMS": {"tcp-portrange": ("1755",), "udp-portrange": ("1024-5000",)},
        "KERBEROS": {"tcp-portrange": ("88", "464"), "udp-portrange": ("88", "464")},
        "LDAP_UDP": {"udp-portrange": ("389",)},
        "SMB": {"tcp-portrange": ("445",)},
        "NONE": {"tcp-portrange": ("0",)},
    }
)
SERVICE_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Email Access": ("DNS", "IMAP", "IMAPS", "POP3", "POP3S", "SMTP", "SMTPS"),
        "Web Access": ("DNS", "HTTP", "HTTPS"),
        "Windows AD": ("DCE-RPC", "DNS", "KERBEROS", "LDAP", "LDAP_UDP", "SAMBA", "SMB"),
        "Exchange Server": ("DCE-RPC", "DNS", "HTTPS"),
    }
)
# Predefined addresses: `all` is 0.0.0.0/0; `none` is 0.0.0.0/32.
ADDRESSES: Mapping[str, str] = MappingProxyType({"all": "0.0.0.0/0", "none": "0.0.0.0/32"})
# The predefined schedule that always applies.
ALWAYS = "always"
