"""ASA application inspection (Modular Policy Framework): which media ALGs act on traffic.

Part of the cisco_asa parser (parse stage). Facts (Cisco ASA Firewall CLI configuration
guide ch. 9 "Getting Started with Application Layer Protocol Inspection" and ch. 14
"Inspection for Voice and Video Protocols"; VENDORS.md §2.4-2.5 [S13][S14][S16]):
- inspection is configured as ``policy-map NAME`` / `` class C`` / ``  inspect ENGINE [map]``
  (``no inspect ENGINE`` removes it) and acts only when a ``service-policy NAME global`` or
  ``service-policy NAME interface NAMEIF`` applies the policy map;
- the factory ``global_policy`` prints in ``show running-config``: the parser reports what the
  text shows and invents no default (a config without the lines inspects nothing);
- SIP inspection opens media ports dynamically; H.323 (``h323 h225``, ``h323 ras``), RTSP,
  Skinny (SCCP) and MGCP inspection do the same for their protocols.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from auditor.model import Diagnostic, DiagnosticKind, Feature, Provenance, Source
from auditor.parsers.cisco_asa.builder import Builder, InspectLine, ServicePolicy
from auditor.parsers.cisco_asa.lines import Block, Disposition

# inspect engine (first words after `inspect`) -> neutral feature kind
MEDIA_ENGINES: Mapping[tuple[str, ...], str] = MappingProxyType(
    {
        ("sip",): "sip",
        ("h323", "h225"): "h323",
        ("h323", "ras"): "h323",
        ("rtsp",): "rtsp",
        ("skinny",): "sccp",
        ("mgcp",): "mgcp",
    }
)
# Engines that open no media pinholes for the audited flows (known, not modelled as features).
OTHER_ENGINES = frozenset(
    {
        "ctiqbe", "dcerpc", "diameter", "dns", "esmtp", "ftp", "gtp", "http", "icmp", "ils",
        "im", "ip-options", "ipsec-pass-thru", "ipv6", "lisp", "m3ua", "netbios", "pptp",
        "radius-accounting", "rsh", "rtsp", "scansafe", "sctp", "snmp", "sqlnet", "stun",
        "sunrpc", "tftp", "vxlan", "waas", "xdmcp", "h323", "sip", "skinny", "mgcp",
    }
)  # fmt: skip


def _engine(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """Return the engine words of ``inspect ...`` (``h323 h225`` keeps both), or None."""
    if not words:
        return None
    if words[0] == "h323" and len(words) > 1:
        return words[:2]
    return words[:1] if words[0] in OTHER_ENGINES else None


def read_policy_map(b: Builder, block: Block) -> None:
    """Read ``policy-map NAME`` with its classes and inspect lines."""
    words = block.header.words
    if len(words) > 1 and words[1] == "type":  # inspection parameter maps: options only
        b.mark(block.header, Disposition.IGNORED)
        b.cover(block.children, Disposition.IGNORED)
        return
    if len(words) != 2:
        b.unrecognized(block.header, "policy-map header not understood")
        b.cover(block.children, Disposition.DIAGNOSED)
        return
    lines = b.policy_maps.setdefault(block.header.tokens[1], [])
    b.mark(block.header, Disposition.EXTRACTED)
    class_name = ""
    for line in block.children:
        w = line.words
        if w[0] == "class" and len(w) == 2:
            class_name = line.tokens[1]
            b.mark(line, Disposition.EXTRACTED)
        elif w[0] == "inspect" or w[:2] == ("no", "inspect"):
            enabled = w[0] == "inspect"
            engine = _engine(w[1:] if enabled else w[2:])
            if engine is None:
                b.diagnose(line, DiagnosticKind.UNRECOGNIZED, "inspection engine not recognized", True)
                continue
            lines.append(InspectLine(" ".join(engine), enabled, class_name, b.source(line)))
            b.mark(line, Disposition.EXTRACTED)
        elif w[0] in ("description", "parameters", "set", "police", "priority", "shape", "user-statistics"):
            b.mark(line, Disposition.IGNORED)  # QoS/connection limits: no ALG, no filtering
        elif w[0] in ("ips", "cxsc", "sfr", "csc", "drop", "reset", "flow-export"):
            b.diagnose(line, DiagnosticKind.UNSUPPORTED, "policy action can drop or divert traffic", True)
        else:
            b.unrecognized(line, "policy-map line not recognized")


def read_class_map(b: Builder, block: Block) -> None:
    """Read ``class-map NAME`` (traffic classes: any class may carry an inspection)."""
    b.mark(block.header, Disposition.EXTRACTED)
    for line in block.children:
        if line.words[0] in ("match", "description", "parameters"):
            b.mark(line, Disposition.EXTRACTED)
        else:
            b.unrecognized(line, "class-map line not recognized")


def read_service_policy(b: Builder, block: Block) -> None:
    """Read ``service-policy NAME global`` or ``service-policy NAME interface NAMEIF``."""
    words, tokens = block.header.words, block.header.tokens
    if len(words) == 3 and words[2] == "global":
        scope = "global"
    elif len(words) == 4 and words[2] == "interface":
        scope = f"interface {tokens[3]}"
    else:
        b.unrecognized(block.header, "service-policy form not understood")
        return
    b.service_policies.append(ServicePolicy(tokens[1], scope, b.source(block.header)))
    b.mark(block.header, Disposition.EXTRACTED)
    b.cover(block.children, Disposition.IGNORED)


def build_features(b: Builder) -> list[Feature]:
    """Return one feature per media engine state in each applied policy map."""
    features: list[Feature] = []
    for applied in b.service_policies:
        lines = b.policy_maps.get(applied.policy)
        if lines is None:
            b.diagnostics.append(
                _undefined(applied.source, f"policy-map {applied.policy!r} is applied but not defined")
            )
            continue
        state: dict[tuple[str, str], InspectLine] = {}
        for line in lines:
            state[(line.class_name, line.engine)] = line  # the last line for an engine wins
        for line in state.values():
            kind = MEDIA_ENGINES.get(tuple(line.engine.split()))
            if kind is None:
                continue
            verb = "inspect" if line.enabled else "no inspect"
            detail = (
                f"ASA {verb} {line.engine} in policy-map {applied.policy} (service-policy {applied.scope})"
            )
            features.append(Feature(kind, line.enabled, Provenance.EXPLICIT, detail, line.source))
    return features


def _undefined(source: Source, reason: str) -> Diagnostic:
    return Diagnostic(source, DiagnosticKind.UNRECOGNIZED, reason, True)
