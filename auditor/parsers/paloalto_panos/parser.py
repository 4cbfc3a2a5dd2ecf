"""The paloalto_panos parser: flatten, read, and build the vendor-neutral model.

Parse stage of the pipeline (config text -> ``ParseResult``). Every input line ends up
extracted, known-and-ignored (``ignored.py``), diagnosed, or a comment / tree-structure
line (braces, XML container tags); ``parse_with_dispositions`` exposes that accounting.
Only one vsys is modelled (vsys1, or the first named); other vsys and Panorama
device-group policy become limitations that keep the checks they touch ``unknown``.
"""

from __future__ import annotations

from auditor.model import (
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Limitation,
    ParseResult,
    Platform,
    Source,
)
from auditor.parsers.paloalto_panos.alg import build_features
from auditor.parsers.paloalto_panos.draft import Draft
from auditor.parsers.paloalto_panos.nat import build_nat
from auditor.parsers.paloalto_panos.reader import finish_routes, read
from auditor.parsers.paloalto_panos.rules import build_security
from auditor.parsers.paloalto_panos.statements import Disposition, flatten, split_lines


def _limitations(draft: Draft) -> list[Limitation]:
    out: list[Limitation] = []
    if draft.other_vsys:
        names = ", ".join(sorted(draft.other_vsys))
        out.append(
            Limitation(
                f"the config has more vsys than {draft.vsys_name} ({names}): "
                f"only {draft.vsys_name} is evaluated",
                frozenset({"flow", "port-mapping"}),
                tuple(draft.other_vsys.values()),
            )
        )
    if draft.panorama:
        out.append(
            Limitation(
                "Panorama configuration (device groups, templates or pushed rulebases): the policy "
                "each managed firewall enforces is not evaluated here; audit the firewall's own config",
                frozenset({"flow", "feature", "port-mapping"}),
                tuple(draft.panorama[:1]),
            )
        )
    if draft.pushed:
        out.append(
            Limitation(
                "Panorama-pushed pre/post rules are in the config and are not evaluated",
                frozenset({"flow", "port-mapping"}),
                tuple(draft.pushed[:1]),
            )
        )
    return out


def _no_zones() -> Limitation:
    # Without zones PAN-OS forwards nothing between interfaces; a config that shows none is
    # most likely a fragment (a baseline, a template), so no flow verdict is claimed.
    return Limitation(
        "no zone with layer-3 member interfaces (and no zone named by a rule) in the config: "
        "no path through the firewall can be evaluated",
        frozenset({"flow"}),
    )


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse PAN-OS text; also return what became of every line (for accounting tests)."""
    flat = flatten(text)
    draft = Draft(filename, flat.form, lines=split_lines(text), version=flat.version)
    if flat.error is not None:
        draft.diagnostics.append(
            Diagnostic(
                Source(filename, 1, draft.lines[0] if draft.lines else ""),
                DiagnosticKind.UNRECOGNIZED,
                flat.error,
                True,
            )
        )
    read(draft, flat)
    finish_routes(draft)
    nat = build_nat(draft)
    security = build_security(draft, nat.roles)
    limitations = [*security.limitations, *nat.limitations, *_limitations(draft)]
    if not security.interfaces and not draft.panorama:
        limitations.append(_no_zones())
    if flat.error is not None:
        limitations.append(Limitation(flat.error, frozenset({"flow", "feature", "port-mapping"})))
    diagnostics = [*draft.diagnostics, *security.diagnostics, *nat.diagnostics]
    for diagnostic in diagnostics:
        if 0 < diagnostic.source.line <= flat.line_count:
            draft.dispositions[diagnostic.source.line] = Disposition.DIAGNOSED
    for line in range(1, flat.line_count + 1):
        # XML lines outside any leaf (declarations, comments, whitespace) carry no config.
        draft.dispositions.setdefault(line, Disposition.COMMENT)
    model = ConfigModel(
        platform=Platform.PALOALTO_PANOS,
        hostname=draft.hostname,
        version=draft.version,
        interfaces=tuple(security.interfaces),
        rulesets=tuple(security.rulesets),
        bindings=tuple(security.bindings),
        routes=tuple(draft.routes),
        source_nats=tuple(nat.source_nats),
        port_mappings=tuple(nat.mappings),
        # Panorama passes no traffic: its templates' ALG settings belong to the firewalls.
        features=() if draft.panorama else tuple(build_features(draft.alg_overrides, draft.version)),
        limitations=tuple(limitations),
        egress_sees_translated=False,  # security rules match pre-NAT addresses [S42]
    )
    diagnostics.sort(key=lambda d: d.source.line)
    return ParseResult(model, tuple(diagnostics), flat.line_count), draft.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse a PAN-OS configuration (set commands, brace form or XML) into the model.

    Never raises for odd lines: they become diagnostics.

    Args:
        text: the configuration text.
        filename: the name recorded in every ``Source``.

    Returns:
        The model (platform ``paloalto_panos``), the diagnostics and the number of lines read.
    """
    return parse_with_dispositions(text, filename)[0]
