"""Conntrack helpers (SIP, H.323, RTSP), UPnP and which VyOS generation the text is from.

Part of the vyos parser. VyOS 1.3 loads the ftp, h323, nfs, pptp, sip, sqlnet and tftp
conntrack helpers unless ``system conntrack modules <m> disable`` is set; from 1.4 on a
helper runs only when ``system conntrack modules <m>`` is set (vyos-1x conntrack
migration 2-to-3, which turns 1.3's implicit helpers into explicit ones; VENDORS.md
§8.3). So a helper left unmentioned is on or off depending on the generation, told by
content: the ``conntrack@N`` syntax version or the release in the version comments,
then the firewall syntax. When the text says neither, the SIP/H.323 verdicts are unknown.
``service upnp`` (removed in later releases, T3420) lets hosts map ports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from auditor.model import Feature, Limitation, Provenance
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.vyos.draft import Draft
from auditor.parsers.vyos.lexer import Lexed

HELPERS = {"sip": "sip", "h323": "h323", "rtsp": "rtsp"}
LEGACY_DEFAULT_ON = frozenset({"sip", "h323"})  # of HELPERS, the 1.3 implicit ones
_TRAINS = {"equuleus": "1.3", "crux": "1.2", "sagitta": "1.4", "circinus": "1.5"}
_TRAIN = re.compile(r"^#\s*Release train:\s*(\w+)")


class Generation(StrEnum):
    """Which conntrack-helper semantics apply."""

    LEGACY = "1.3 or earlier"
    MODERN = "1.4 or later"


@dataclass(slots=True)
class Services:
    """Conntrack module statements, UPnP statements, and generation hints from syntax."""

    modules: dict[str, list[Statement]] = field(default_factory=dict)
    upnp: list[Statement] = field(default_factory=list)
    modern_syntax: list[Statement] = field(default_factory=list)
    legacy_syntax: list[Statement] = field(default_factory=list)


def read_conntrack(draft: Draft, services: Services, st: Statement) -> None:
    """Read one ``system conntrack ...`` statement."""
    w = st.words
    if len(w) >= 4 and w[2] == "modules":
        services.modules.setdefault(w[3], []).append(st)
        if w[4:] == ("disable",):  # removed by the T3275 migration (conntrack syntax 3)
            services.legacy_syntax.append(st)
        elif w[4:] == ("enable",):  # written by that migration
            services.modern_syntax.append(st)
        draft.extracted(st) if w[3] in HELPERS else draft.ignored(st)
    else:
        draft.ignored(st)  # table sizes, timeouts, ignore rules, expect-table


def generation(lexed: Lexed, services: Services) -> tuple[Generation | None, str, int | None]:
    """Return the generation, why, and the line that says so."""
    if "conntrack" in lexed.syntax:
        version, line = lexed.syntax["conntrack"]
        gen = Generation.MODERN if version >= 3 else Generation.LEGACY
        return gen, f"conntrack config syntax version {version}", line
    release = lexed.release
    for number, text in enumerate(lexed.lines[:40], start=1):
        train = _TRAIN.match(text)
        if release is None and train and train.group(1).lower() in _TRAINS:
            release = (_TRAINS[train.group(1).lower()], number)
    if release is not None:
        parts = re.findall(r"\d+", release[0])[:2]
        if len(parts) == 2:
            major, minor = int(parts[0]), int(parts[1])
            gen = Generation.MODERN if (major, minor) >= (1, 4) else Generation.LEGACY
            return gen, f"release {release[0]}", release[1]
    if services.modern_syntax:  # constructs 1.3 never had (`firewall name` lived on in 1.4 rolling)
        return Generation.MODERN, "1.4+ syntax", services.modern_syntax[0].line
    if services.legacy_syntax:
        why = (
            "1.3 syntax, taken as the 1.3 release (1.4 rolling builds from August 2021, T3275, "
            "already had opt-in helpers)"
        )
        return Generation.LEGACY, why, services.legacy_syntax[0].line
    return None, "", None


def build_features(draft: Draft, lexed: Lexed, services: Services) -> None:
    """Add helper and UPnP features (or a limitation when the generation is unknown)."""
    gen, why, _line = generation(lexed, services)
    unknown: list[str] = []
    for module, kind in HELPERS.items():
        statements = services.modules.get(module, [])
        if statements:
            off = any(st.words[4:] == ("disable",) for st in statements)
            st = statements[0]
            state = "disabled" if off else "loaded"
            detail = f"conntrack {module} helper {state} (system conntrack modules {module})"
            draft.features.append(Feature(kind, not off, Provenance.EXPLICIT, detail, draft.source(st)))
        elif gen is Generation.LEGACY:
            on = module in LEGACY_DEFAULT_ON
            state = "on" if on else "absent"
            detail = (
                f"conntrack {module} helper {state} by default in VyOS 1.3 and earlier "
                f"(ftp, h323, nfs, pptp, sip, sqlnet, tftp load unless disabled); generation from {why}"
            )
            draft.features.append(Feature(kind, on, Provenance.DEFAULT, detail))
        elif gen is Generation.MODERN:
            detail = (
                f"conntrack {module} helper off: from VyOS 1.4 on helpers load only when "
                f"'system conntrack modules {module}' is set; generation from {why}"
            )
            draft.features.append(Feature(kind, False, Provenance.DEFAULT, detail))
        elif module in LEGACY_DEFAULT_ON:
            unknown.append(module)
    if unknown:
        draft.limitations.append(
            Limitation(
                f"the {'/'.join(unknown)} conntrack helpers are not mentioned and the text does not say "
                "whether this is VyOS 1.3 (helpers on by default) or 1.4+ (off unless set)",
                frozenset({"feature"}),
            )
        )
    if lexed.release is not None:
        draft.version = lexed.release[0]
    if services.upnp:
        st = services.upnp[0]
        detail = "service upnp: the UPnP daemon lets inside hosts map ports"
        draft.features.append(Feature("upnp", True, Provenance.EXPLICIT, detail, draft.source(st)))
    else:
        detail = "no 'service upnp' in the config: VyOS runs no UPnP daemon unless configured"
        draft.features.append(Feature("upnp", False, Provenance.DEFAULT, detail))
