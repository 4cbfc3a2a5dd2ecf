"""SRX application layer gateways: which media ALGs act on traffic, and why.

Part of the juniper_junos parser (parse stage). Facts (JUNOS Software 9.3 CLI reference
``sip``: "disable - Disable the SIP ALG. By default, SIP ALG is enabled."; 9.3 ``sccp`` and
``mgcp`` pages; current CLI reference "alg (Security)": "ALGs are enabled by default";
VENDORS.md §3.1 and "Known doubts" [S20][S21][S22]):
- ``security alg sip|h323|rtsp|sccp disable`` turns that ALG off; without it the ALG is on
  (the default does not print), and it acts on traffic to its well-known ports even under a
  policy with ``application any``;
- MGCP is "disabled by default for SRX-series" in the 9.3 reference; defaults vary by model
  and release in newer Junos (unconfirmed), so every default names the assumption, and the
  inventory can override it with a collected ``show security alg status``.
Only flow-mode SRX configurations have ALGs: a router with stateless filters has none.
"""

from __future__ import annotations

from auditor.model import Feature, Provenance
from auditor.parsers.juniper_junos.draft import Draft

# ALG keyword -> (neutral feature kind, on by default, what the ALG is)
ALGS: dict[str, tuple[str, bool, str]] = {
    "sip": ("sip", True, "SIP ALG (UDP/TCP 5060)"),
    "h323": ("h323", True, "H.323 ALG (TCP 1720, UDP 1719)"),
    "rtsp": ("rtsp", True, "RTSP ALG (TCP 554)"),
    "sccp": ("sccp", True, "SCCP ALG (TCP 2000)"),
    "mgcp": ("mgcp", False, "MGCP ALG (UDP 2427, 2727)"),
}
_ASSUMED = "SRX default assumed from the JUNOS 9.3 CLI reference; defaults vary by model and release"


def build_features(d: Draft) -> list[Feature]:
    """One feature per media ALG of a flow-mode SRX: explicit ``disable`` lines or defaults."""
    if not d.srx:
        return []
    features = []
    for word, (kind, default_on, what) in ALGS.items():
        statements = d.alg.get(word, [])
        disable = next((st for st in statements if st.words[3:] == ("disable",)), None)
        if disable is not None:
            detail = f"{what} disabled by 'security alg {word} disable'"
            features.append(Feature(kind, False, Provenance.EXPLICIT, detail, d.source(disable)))
        elif statements and not default_on:
            # Options configured for an ALG that is off by default: whether that turns it on
            # is not confirmed; count it as enabled so the check cannot pass on a guess.
            detail = (
                f"{what} options configured; off by default ({_ASSUMED}), read as enabled when configured"
            )
            features.append(Feature(kind, True, Provenance.EXPLICIT, detail, d.source(statements[0])))
        else:
            state = "enabled" if default_on else "disabled"
            detail = f"{what} {state}: {_ASSUMED}"
            features.append(Feature(kind, default_on, Provenance.DEFAULT, detail))
    return features
