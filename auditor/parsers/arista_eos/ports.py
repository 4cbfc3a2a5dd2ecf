"""EOS keyword tables: IP protocol names and named TCP/UDP ports in ACL entries.

Part of the arista_eos parser (parse stage). EOS takes the IOS keyword set (the IOS tables
are reused) and also prints ``https`` for TCP 443: Aerleon's Arista generator emits
``eq https`` (corpus file ``aerleon__sample_multitarget.eacl``) and the arista.eos Ansible
collection documents entries such as ``deny tcp host 10.10.20.1 eq finger www any``.
A name in neither table is never guessed: its entry becomes an opaque rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from auditor.parsers.cisco_ios.ports import PROTOCOLS as IOS_PROTOCOLS
from auditor.parsers.cisco_ios.ports import TCP_PORTS as IOS_TCP_PORTS
from auditor.parsers.cisco_ios.ports import UDP_PORTS as IOS_UDP_PORTS

__all__ = ["PORT_TABLES", "PROTOCOLS", "port_value", "protocol_value"]

TCP_PORTS: Mapping[str, int] = MappingProxyType({**IOS_TCP_PORTS, "https": 443})
UDP_PORTS: Mapping[str, int] = IOS_UDP_PORTS
PROTOCOLS: Mapping[str, int] = IOS_PROTOCOLS
PORT_TABLES: Mapping[int, Mapping[str, int]] = MappingProxyType({6: TCP_PORTS, 17: UDP_PORTS})


def port_value(token: str, protocol: int) -> int | None:
    """Return the port a token names for ``protocol`` (6 or 17), or None if it names none.

    Examples:
        >>> port_value("https", 6), port_value("www", 6), port_value("https", 17)
        (443, 80, None)
    """
    if token.isdigit():
        value = int(token)
        return value if value <= 65535 else None
    return PORT_TABLES.get(protocol, {}).get(token.lower())


def protocol_value(token: str) -> int | None:
    """Return the IP protocol number a token names, or None (``ip`` is handled by the caller)."""
    if token.isdigit():
        value = int(token)
        return value if value <= 255 else None
    return PROTOCOLS.get(token.lower())
