"""PAN-OS application-level gateways: on per App-ID unless an ``alg-override`` disables them.

Part of the paloalto_panos parser (parse stage). ``set shared alg-override application sip
alg-disabled yes`` (XPath ``/config/shared/alg-override/application/entry[@name='sip']``)
turns the SIP ALG off (VENDORS.md 5.3 [S40]; the same XPath appears in public PAN-OS
automation scripts and an Ansible playbook that disable the SIP ALG). Nothing prints while
an ALG is on, so an absent override means the ALG runs: that default is inferred from the
override's existence, not stated by a vendor page found so far (VENDORS.md "Known doubts"),
and the evidence says so.

The App-ID names of the other media ALGs are not confirmed (VENDORS.md 5.4, 9): H.323 is
assumed to be ``h.225`` (call signalling) with ``h.245`` (media channel negotiation), and
RTSP, MGCP and SCCP their lower-case names. H.323 counts as off only when both are.
"""

from __future__ import annotations

from auditor.model import Feature, Provenance, Source

ALGS: dict[str, tuple[str, ...]] = {
    "sip": ("sip",),
    "h323": ("h.225", "h.245"),
    "rtsp": ("rtsp",),
    "mgcp": ("mgcp",),
    "sccp": ("sccp",),
}
_DEFAULT = (
    "PAN-OS runs the {kind} ALG for traffic App-ID identifies as {apps} unless "
    "'alg-override application NAME alg-disabled yes' is set (default on: inferred, not stated "
    "by a vendor page; {names})"
)


def build_features(overrides: dict[str, tuple[bool, Source]], version: str | None) -> list[Feature]:
    """One feature per ALG kind: explicit where an override names it, else the default."""
    out: list[Feature] = []
    release = f"PAN-OS {version}" if version else "PAN-OS release not stated in the config"
    for kind, apps in ALGS.items():
        named = [(app, overrides[app]) for app in apps if app in overrides]
        names = "App-ID name confirmed" if kind == "sip" else "App-ID name assumed"
        if not named:
            detail = _DEFAULT.format(kind=kind.upper(), apps=" / ".join(apps), names=names)
            out.append(Feature(kind, True, Provenance.DEFAULT, f"{detail}; {release}"))
            continue
        disabled = len(named) == len(apps) and all(state for _, (state, _) in named)
        app, (_, source) = named[-1]
        verb = "disables" if disabled else "leaves on"
        detail = f"alg-override application {app} {verb} the {kind.upper()} ALG"
        if not disabled and len(named) < len(apps):
            missing = ", ".join(a for a in apps if a not in overrides)
            detail += f" ({missing} not overridden; {names})"
        out.append(Feature(kind, not disabled, Provenance.EXPLICIT, detail, source))
    return out
