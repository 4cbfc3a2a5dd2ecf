"""IOS firewall features: CBAC (``ip inspect``) and the zone-based policy firewall (ZBF).

Part of the cisco_ios parser (parse stage). CBAC does not drop transit itself; an applied
inspection rule runs its protocol's ALG, which for SIP/H.323/RTSP/SCCP/MGCP opens media
pinholes (VENDORS.md §1.5). The protocol tables here are shared with ``zbf.py``, which
models the zone-based firewall.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Feature, Provenance, Source

# CBAC / ZBF protocol keyword -> neutral feature kind, for the media ALGs.
MEDIA_PROTOCOLS = {"sip": "sip", "h323": "h323", "rtsp": "rtsp", "skinny": "sccp", "mgcp": "mgcp"}
# CBAC protocols known not to open media pinholes (Cisco IOS Firewall CBAC configuration guide).
NON_MEDIA_PROTOCOLS = frozenset(
    {
        "tcp",
        "udp",
        "icmp",
        "ftp",
        "http",
        "https",
        "smtp",
        "esmtp",
        "pop3",
        "imap",
        "dns",
        "tftp",
        "rcmd",
        "sqlnet",
        "rpc",
        "fragment",
        "ssh",
        "telnet",
        "ntp",
        "snmp",
        "ldap",
        "ldaps",
        "irc",
        "pptp",
        "l2tp",
        "isakmp",
        "ipsec-msft",
        "bootpc",
        "bootps",
        "kerberos",
    }
)
# Streaming inspections that also open data/media channels but have no neutral kind.
STREAMING_PROTOCOLS = frozenset({"realaudio", "netshow", "streamworks", "vdolive", "cuseeme"})


@dataclass(slots=True)
class Cbac:
    """CBAC inspection rules and where they are applied."""

    rules: dict[str, list[tuple[str, Source]]] = field(default_factory=dict)
    applied: list[tuple[str, str, str, Source]] = field(default_factory=list)  # name, iface, dir

    def features(self) -> list[Feature]:
        """Return one explicit feature per media protocol of every applied inspection rule."""
        out: list[Feature] = []
        for name, iface, direction, _ in self.applied:
            for protocol, source in self.rules.get(name, []):
                kind = MEDIA_PROTOCOLS.get(protocol)
                if kind is None:
                    continue
                detail = f"CBAC inspection '{name}' ({protocol}) applied on {iface} {direction}"
                out.append(Feature(kind, True, Provenance.EXPLICIT, detail, source))
        return out
