"""SIP ALG, VoIP profiles and session helpers: which media ALGs act (defaults included).

Part of the fortinet parser (parse stage). Facts (VENDORS.md §4.3-4.4):
- ``config system settings`` ``set default-voip-alg-mode proxy-based|kernel-helper-based``;
  the factory value is ``proxy-based`` since FortiOS 5.2 and ``show`` omits it (FortiOS 5.2.1
  What's New "SIP Traffic is Handled by the SIP ALG by Default" [S28]; Fortinet Community
  FD36175 [S30]). In proxy mode every policy's SIP traffic goes to the SIP ALG with the
  policy's ``voip-profile``, else the ``default`` profile [S28][S29]; a profile whose
  ``config sip`` has ``set status disable`` hands SIP to the session helper instead [S31];
- FortiOS 7.0.1 and later: a policy in flow inspection mode (the 7.x default) without a VoIP
  profile gets flow-based SIP inspection by the IPS engine rather than the proxy ALG
  (FortiOS 7.0 New Features "Flow-based SIP inspection"). That is still SIP processing, so
  the verdict does not change; the detail names the mode and the release read from the file;
- kernel-helper mode: the ``sip`` entry of ``config system session-helper`` handles SIP (a
  policy with a VoIP profile still uses the ALG [S28]); no ``sip`` entry, no SIP processing;
- session helpers bind helpers to protocol/port; the factory table (FortiOS 6.0 CLI reference
  "system session-helper-info list" [S33]) includes h323 TCP 1720, ras UDP 1719, rtsp TCP
  554/7070/8554, mgcp UDP 2427/2727 and sip UDP 5060, all of which open media ports on the
  fly. A printed ``config system session-helper`` block is the table; when the text has none
  the factory table is assumed (provenance ``default``);
- SCCP is handled by the VoIP ALG (``config sccp`` in the profile, on unless disabled) in
  proxy mode, not in kernel-helper mode [S30].
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.model import Feature, Provenance, Source
from auditor.parsers.fortinet.lines import Disposition, Section, Stmt
from auditor.parsers.fortinet.state import Builder, Entry, Table

# name -> (protocol, port): the factory session helpers that open media ports on the fly.
FACTORY_HELPERS: tuple[tuple[str, int, int], ...] = (
    ("h323", 6, 1720),
    ("ras", 17, 1719),
    ("rtsp", 6, 554),
    ("rtsp", 6, 7070),
    ("rtsp", 6, 8554),
    ("sip", 17, 5060),
    ("mgcp", 17, 2427),
    ("mgcp", 17, 2727),
)
# helper name -> neutral feature kind
HELPER_KINDS = {"sip": "sip", "h323": "h323", "ras": "h323", "rtsp": "rtsp", "mgcp": "mgcp"}


@dataclass(frozen=True, slots=True)
class VoipProfile:
    """A VoIP profile's SIP and SCCP state (both on unless disabled)."""

    name: str
    sip: bool
    sccp: bool
    rtp: bool
    source: Source | None


def version_tuple(version: str | None) -> tuple[int, ...] | None:
    """``7.4.8`` -> (7, 4, 8)."""
    if not version:
        return None
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def read_profiles(b: Builder, table: Table | None) -> dict[str, VoipProfile]:
    """Read ``config voip profile`` entries, with their nested ``config sip``/``config sccp``."""
    out: dict[str, VoipProfile] = {}
    if table is None:
        return out
    for entry in table.entries.values():
        state = {"sip": True, "sccp": True, "rtp": True}
        for section in entry.sections:
            name = section.key[0] if section.key else ""
            if name not in ("sip", "sccp"):
                continue
            for line in (section.header, section.close):
                if line is not None:
                    b.mark(line, Disposition.EXTRACTED)
            _read_block(b, section, name, state)
        out[entry.name] = VoipProfile(entry.name, state["sip"], state["sccp"], state["rtp"], entry.source)
    return out


def _read_block(b: Builder, section: Section, name: str, state: dict[str, bool]) -> None:
    for item in section.items:
        if isinstance(item, Stmt) and item.verb in ("set", "unset") and item.key == "status":
            state[name] = item.verb == "unset" or (bool(item.values) and item.values[0].lower() != "disable")
            b.cover(item, Disposition.EXTRACTED)
        elif isinstance(item, Stmt) and name == "sip" and item.verb in ("set", "unset") and item.key == "rtp":
            state["rtp"] = item.verb == "unset" or (bool(item.values) and item.values[0].lower() != "disable")
            b.cover(item, Disposition.EXTRACTED)
        else:
            b.cover(item, Disposition.IGNORED)  # rate limits, blocking options, logging


@dataclass(frozen=True, slots=True)
class Helper:
    """One session-helper entry."""

    name: str
    protocol: int | None
    port: int | None
    source: Source | None


def helpers(b: Builder) -> tuple[list[Helper], bool]:
    """The session helpers in force, and whether they were printed (else factory defaults)."""
    table = b.global_tables.get("system session-helper")
    if table is None or not table.seen:
        return [Helper(n, p, port, None) for n, p, port in FACTORY_HELPERS], False
    out = []
    for entry in table.entries.values():
        name = entry.one("name", "") or ""
        proto, port = entry.one("protocol"), entry.one("port")
        out.append(
            Helper(
                name,
                int(proto) if proto and proto.isdigit() else None,
                int(port) if port and port.isdigit() else None,
                entry.source_of("name") or entry.source,
            )
        )
    return out, True


def _describe(helper: Helper) -> str:
    proto = {6: "TCP", 17: "UDP"}.get(helper.protocol or 0, str(helper.protocol))
    return f"{helper.name} {proto} {helper.port}"


def build_features(
    b: Builder,
    vdom_name: str,
    settings: Entry | None,
    profiles: dict[str, VoipProfile],
    accepting: list[tuple[str | None, str | None, Source]],
) -> list[Feature]:
    """The SIP/SCCP ALG features of one VDOM (``accepting``: profile, inspection mode, line)."""
    features: list[Feature] = []
    mode = (settings.one("default-voip-alg-mode") if settings else None) or None
    mode_source = settings.source_of("default-voip-alg-mode") if settings else None
    version = version_tuple(b.version)
    release = f"FortiOS {b.version}" if b.version else "FortiOS release not in the file"
    where = f" (VDOM {vdom_name})" if b.multi_vdom else ""
    proxy = mode != "kernel-helper-based"
    mode_text = (
        f"default-voip-alg-mode {mode}"
        if mode
        else "default-voip-alg-mode not printed: proxy-based assumed (factory default since FortiOS 5.2)"
    )
    if proxy:
        features.extend(
            _proxy_features(profiles, accepting, mode, mode_source, f"{release}{where}: {mode_text}")
        )
        sip = features[-2]
        features[-2] = _with_flow_note(sip, _flow_note(version, release, accepting, sip.enabled))
    else:
        with_profile = [
            (p, s) for p, _, s in accepting if p is not None and (p not in profiles or profiles[p].sip)
        ]
        detail = f"{release}{where}: {mode_text}: SIP goes to the session helper"
        detail += " unless a policy has a VoIP profile"
        if with_profile:
            names = ", ".join(sorted({p for p, _ in with_profile}))
            features.append(
                Feature(
                    "sip",
                    True,
                    Provenance.EXPLICIT,
                    f"{detail}; accepting policies use VoIP profile(s) {names} with SIP on (the ALG acts)",
                    with_profile[0][1],
                )
            )
        else:
            features.append(
                Feature(
                    "sip", False, Provenance.EXPLICIT, f"{detail}; no accepting policy has one", mode_source
                )
            )
    return features


def helper_features(session_helpers: list[Helper], printed: bool, sip_helper_off: bool) -> list[Feature]:
    """One feature per media session helper (the table is device-wide)."""
    features: list[Feature] = []
    provenance = Provenance.EXPLICIT if printed else Provenance.DEFAULT
    table_text = (
        "config system session-helper"
        if printed
        else "no config system session-helper in the text: FortiOS factory table assumed "
        "(FortiOS 6.0-7.x CLI reference)"
    )
    for helper in session_helpers:
        kind = HELPER_KINDS.get(helper.name.lower())
        if kind is None:
            continue
        active = not (kind == "sip" and sip_helper_off)
        detail = f"session helper {_describe(helper)}: {table_text}"
        if kind == "sip":
            detail += "; used in kernel-helper mode, and in proxy mode for profiles with SIP disabled"
            if sip_helper_off:
                detail += "; turned off by set sip-helper disable"
        features.append(Feature(kind, active, provenance, detail, helper.source))
    return features


def service_helper_features(services: Table | None, where: str) -> list[Feature]:
    """Custom services that name a media session helper (``set helper sip``) force it on.

    ``helper auto`` (the default, seen in the FortiOS Terraform provider's
    ``fortios_firewallservice_custom``) leaves the choice to the session-helper table by
    port; naming a helper is read as applying it to the service's traffic whatever the port
    (the option names are assumed to be the session-helper names: not confirmed).
    """
    out: list[Feature] = []
    for entry in services.entries.values() if services is not None else ():
        helper = entry.one("helper", "auto") or "auto"
        kind = HELPER_KINDS.get(helper)
        if kind is None:
            continue
        detail = f"custom service {entry.name}{where} names the {helper} session helper"
        out.append(Feature(kind, True, Provenance.EXPLICIT, detail, entry.source_of("helper")))
    return out


def _applicable(accepting: list[tuple[str | None, str | None, Source]]) -> dict[str, Source | None]:
    """The VoIP profiles that apply: each accepting policy's, else ``default`` (also with none)."""
    out: dict[str, Source | None] = {}
    for profile, _, source in accepting:
        out.setdefault(profile or "default", source)
    return out or {"default": None}


def _proxy_features(
    profiles: dict[str, VoipProfile],
    accepting: list[tuple[str | None, str | None, Source]],
    mode: str | None,
    mode_source: Source | None,
    head: str,
) -> list[Feature]:
    """Proxy mode: SIP and SCCP go to the VoIP ALG with each applicable profile (VENDORS.md §4.3 b)."""
    provenance = Provenance.EXPLICIT if mode else Provenance.DEFAULT
    out: list[Feature] = []
    for kind in ("sip", "sccp"):
        on: list[str] = []
        off: list[str] = []
        for name in _applicable(accepting):
            profile = profiles.get(name)
            enabled = True if profile is None else (profile.sip if kind == "sip" else profile.sccp)
            label = (
                name if profile is not None else f"{name} (not printed: factory {kind.upper()} on assumed)"
            )
            (on if enabled else off).append(label)
        parts = []
        if on:
            parts.append(f"VoIP profile(s) with {kind.upper()} on: {', '.join(on)}")
        if off:
            parts.append(f"with {kind.upper()} off: {', '.join(off)}")
        scope = "accepting policies" if accepting else "no accepting policy, so the default profile"
        detail = f"{head}; {kind.upper()} goes to the VoIP ALG (proxy) for {scope}: {'; '.join(parts)}"
        source = mode_source
        if source is None and not on:
            source = next((profiles[n].source for n in _applicable(accepting) if n in profiles), None)
        out.append(Feature(kind, bool(on), provenance, detail, source))
    return out


def _with_flow_note(feature: Feature, note: str) -> Feature:
    if not note:
        return feature
    return Feature(feature.kind, feature.enabled, feature.provenance, feature.detail + note, feature.source)


def _flow_note(
    version: tuple[int, ...] | None,
    release: str,
    accepting: list[tuple[str | None, str | None, Source]],
    enabled: bool,
) -> str:
    """FortiOS 7.0.1+: flow-mode policies without a VoIP profile get IPS-engine SIP inspection."""
    flow = [s for p, m, s in accepting if p is None and (m or "flow") == "flow"]
    if not flow or (version is not None and version < (7, 0, 1)):
        return ""
    where = (
        "the release is not in the file; from FortiOS 7.0.1"
        if version is None
        else f"{release} (7.0.1 and later)"
    )
    outcome = (
        "still SIP processing"
        if enabled
        else "assumed to follow the profile's SIP setting too (not confirmed)"
    )
    return (
        f"; {where}, flow-mode policies without a VoIP profile (e.g. line {flow[0].line}) get "
        f"flow-based SIP inspection by the IPS engine instead of the proxy ALG: {outcome}"
    )
