"""IOS firewall features: CBAC (``ip inspect``) and the zone-based policy firewall (ZBF).

Part of the cisco_ios parser (parse stage). CBAC does not drop transit itself; an applied
inspection rule runs its protocol's ALG, which for SIP/H.323/RTSP/SCCP/MGCP opens media
pinholes (VENDORS.md §1.5). ZBF is not evaluated yet: it becomes a ``Limitation``; a ZBF
class that inspects a media protocol and is reachable from a zone-pair still yields the
explicit ``Feature`` (Cisco "Zone-Based Policy Firewall" design guide: class-map type
inspect + ``match protocol``, policy-map type inspect + ``inspect``, zone-pair
``service-policy type inspect``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Feature, Limitation, Provenance, Source

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


@dataclass(slots=True)
class Zbf:
    """Zone-based firewall lines, kept for the limitation and the media-ALG features."""

    sources: list[Source] = field(default_factory=list)
    members: list[tuple[str, str]] = field(default_factory=list)  # interface, zone
    class_protocols: dict[str, list[tuple[str, Source]]] = field(default_factory=dict)
    policy_inspects: dict[str, list[str]] = field(default_factory=dict)  # policy -> classes
    pair_policies: list[tuple[str, str]] = field(default_factory=list)  # zone-pair, policy

    def limitation(self) -> Limitation | None:
        """Return the single ZBF limitation, or None when no ZBF line exists."""
        if not self.sources:
            return None
        if self.members:
            where = ", ".join(f"{iface} in {zone}" for iface, zone in self.members)
            reason = f"zone-based policy firewall (zone-member security on {where}) is not evaluated yet"
        else:
            reason = (
                "zone-based policy firewall definitions (no interface is a zone member) are not evaluated yet"
            )
        return Limitation(reason, frozenset({"flow", "feature"}), tuple(self.sources))

    def features(self) -> list[Feature]:
        """Return explicit features for media protocols inspected on some zone-pair."""
        out: list[Feature] = []
        for pair, policy in self.pair_policies:
            for klass in self.policy_inspects.get(policy, []):
                for protocol, source in self.class_protocols.get(klass, []):
                    kind = MEDIA_PROTOCOLS.get(protocol)
                    if kind is None:
                        continue
                    detail = (
                        f"zone-based firewall class '{klass}' inspects {protocol} in policy "
                        f"'{policy}' on zone-pair '{pair}'"
                    )
                    out.append(Feature(kind, True, Provenance.EXPLICIT, detail, source))
        return out
