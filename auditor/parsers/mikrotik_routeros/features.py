"""NAT helpers (``/ip firewall service-port``), UPnP and NAT-PMP into features (parse stage).

Part of the mikrotik_routeros parser. Defaults (VENDORS.md §6.3-6.4; ``/export verbose``
samples of RouterOS 6.4x-7.x print ``set sip disabled=no ports=5060,5061``,
``set h323 disabled=no``, ``set rtsp disabled=yes ports=554``; ``/ip upnp`` and
``/ip nat-pmp`` print ``enabled=no``): a plain ``/export`` prints only what differs from
the default, so a helper the file does not mention has its default state, recorded with
provenance ``default`` and the assumption named.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Feature, Provenance, Source
from auditor.parsers.linux.common import Disposition
from auditor.parsers.mikrotik_routeros.draft import Draft, Item

# Helpers that open media ports or rewrite signalling -> (feature kind, default on, default ports).
MEDIA_HELPERS = {
    "sip": ("sip", True, "5060,5061"),
    "h323": ("h323", True, ""),  # prints no ports: it follows the H.323 signalling
    "rtsp": ("rtsp", False, "554"),
}
OTHER_HELPERS = frozenset({"ftp", "tftp", "irc", "pptp", "udplite", "dccp", "sctp"})
_WHAT = {
    "sip": "SIP helper rewrites SIP/SDP and opens RTP/RTCP as related connections",
    "h323": "H.323 helper opens media ports from call signalling",
    "rtsp": "RTSP helper opens media ports from RTSP setup",
}


def _yes(value: str) -> bool:
    return value.lower() in ("yes", "true")


@dataclass(slots=True)
class Services:
    """Helper, UPnP and NAT-PMP state as the file sets it."""

    helpers: dict[str, tuple[bool, Source, str]] = field(default_factory=dict)  # name -> state
    mapping_services: dict[str, tuple[bool, Source]] = field(default_factory=dict)  # upnp/nat-pmp
    external: dict[str, list[str]] = field(default_factory=dict)  # upnp/nat-pmp -> interfaces


def _selector_name(item: Item) -> str | None:
    selector = item.command.selector or ""
    if selector.startswith("["):
        for word in selector.strip("[] ").split():
            key, _, value = word.partition("=")
            if key == "name":
                return value
        return None
    return selector or None


def service_port(draft: Draft, services: Services, item: Item) -> None:
    """Read ``set <helper> disabled=... ports=...`` (and ``enable``/``disable <helper>``)."""
    command = item.command
    name = _selector_name(item)
    if command.verb not in ("set", "enable", "disable") or name is None:
        draft.mark(item, Disposition.IGNORED)
        return
    if name not in MEDIA_HELPERS:
        draft.mark(item, Disposition.IGNORED if name in OTHER_HELPERS else Disposition.EXTRACTED)
        return
    _, default_on, default_ports = MEDIA_HELPERS[name]
    previous = services.helpers.get(name)
    ports = command.args.get("ports", previous[2] if previous else default_ports)
    if command.verb in ("enable", "disable"):
        services.helpers[name] = (command.verb == "enable", item.source, ports)
    elif "disabled" in command.args:
        services.helpers[name] = (not _yes(command.args["disabled"]), item.source, ports)
    elif previous is not None:
        services.helpers[name] = (previous[0], previous[1], ports)
    draft.mark(item, Disposition.EXTRACTED)


def mapping_service(draft: Draft, services: Services, item: Item, kind: str) -> None:
    """Read ``/ip upnp set enabled=...`` or ``/ip nat-pmp set enabled=...``."""
    if item.command.verb == "set" and "enabled" in item.command.args:
        services.mapping_services[kind] = (_yes(item.command.args["enabled"]), item.source)
        draft.mark(item, Disposition.EXTRACTED)
    else:
        draft.mark(item, Disposition.IGNORED)


def mapping_interface(draft: Draft, services: Services, item: Item, kind: str) -> None:
    """Read ``/ip upnp interfaces add interface=X type=external|internal``."""
    args = item.command.args
    if item.command.verb == "add" and args.get("disabled", "no").lower() not in ("yes", "true"):
        if args.get("type") == "external" and "interface" in args:
            services.external.setdefault(kind, []).append(args["interface"])
        if "interface" in args:
            draft.see_interface(args["interface"], item.source)
    draft.mark(item, Disposition.EXTRACTED)


def features(services: Services, version: str | None) -> list[Feature]:
    """Every helper and mapping service the checks ask about, explicit or by default."""
    release = f"RouterOS {version}" if version else "RouterOS 6.x/7.x (version not in the file)"
    out: list[Feature] = []
    for name, (kind, default_on, default_ports) in MEDIA_HELPERS.items():
        if name in services.helpers:
            on, source, ports = services.helpers[name]
            state = "enabled" if on else "disabled"
            where = f" (ports {ports})" if ports else ""
            detail = f"/ip firewall service-port {name} {state}{where}: {_WHAT[name]}"
            out.append(Feature(kind, on, Provenance.EXPLICIT, detail, source))
        else:
            state = "enabled" if default_on else "disabled"
            detail = (
                f"/ip firewall service-port {name} is {state} by default "
                f"({'ports ' + default_ports + '; ' if default_ports else ''}{release}); "
                "a plain /export omits it unless changed" + (f": {_WHAT[name]}" if default_on else "")
            )
            out.append(Feature(kind, default_on, Provenance.DEFAULT, detail))
    for kind, menu in (("upnp", "/ip upnp"), ("nat-pmp", "/ip nat-pmp")):
        external = services.external.get(kind, [])
        if kind in services.mapping_services:
            on, source = services.mapping_services[kind]
            where = (
                f"external interface {', '.join(external)}" if external else "no external interface listed"
            )
            detail = f"{menu} enabled={'yes' if on else 'no'}" + (
                f" ({where}): hosts can create port mappings" if on else ""
            )
            out.append(Feature(kind, on, Provenance.EXPLICIT, detail, source))
        else:
            note = " (v7 only)" if kind == "nat-pmp" else ""
            detail = f"{menu}{note} is disabled by default (enabled=no; {release})"
            out.append(Feature(kind, False, Provenance.DEFAULT, detail))
    return out
