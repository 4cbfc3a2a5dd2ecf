"""Proven remediation: the config change that fixes each failing check, and its proof.

Sits after the engine: it reads the model, the policy packs and the findings, and hands
the reports text to print. The steps are one module each:

- ``plan``: what must change, in neutral terms (which rule set needs which permit before
  which entry; which features and port mappings must go);
- ``ios`` / ``asa`` / ``linux``: the platform's facts for the templates (free sequence
  numbers, line numbers, rule positions, the exact lines to undo);
- ``render``: ``templates/remediation/<platform>.j2`` writes every command (StrictUndefined);
- ``merge``: the rendered commands applied to the config text the way the device would;
- ``prove``: the merged text re-parsed and re-audited.

``remediate`` is the entry point the CLI and reports use.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor import engine, parsers
from auditor.errors import AuditorError
from auditor.model import ConfigModel, Finding, Platform, Status
from auditor.policy import FlowCheck, PolicyPack
from auditor.remediation import (
    arista_eos,
    asa,
    cisco_nxos,
    fortinet,
    ios,
    junos,
    linux,
    mikrotik_routeros,
    nft,
    panos,
    vyos,
)
from auditor.remediation.fortinet_text import FortiosText
from auditor.remediation.junos_text import JunosText
from auditor.remediation.merge import AsaText, Editor, IosText, IptablesText, NftText
from auditor.remediation.mikrotik_routeros_text import RosText
from auditor.remediation.panos_text import panos_editor
from auditor.remediation.plan import plan_flows
from auditor.remediation.prove import prove
from auditor.remediation.render import render
from auditor.remediation.seqacl_text import EosText, NxosText
from auditor.remediation.vyos_text import VyosText

__all__ = ["DeviceRemediation", "remediate"]

_OK = (Status.PASS, Status.NOT_APPLICABLE)

Changes = tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class DeviceRemediation:
    """One device's remediation.

    ``config`` and ``rollback`` are the rendered commands; ``per_check`` maps a check id to
    its part of ``config``; ``unresolved`` maps a failing check that got no change to why.
    ``verified`` is True only when the merged config passes every targeted check and
    permits everything the original permitted; ``reason`` says why or why not.
    """

    config: str
    rollback: str
    verified: bool
    reason: str
    per_check: dict[str, str] = field(default_factory=dict)
    unresolved: dict[str, str] = field(default_factory=dict)
    merged: str = ""  # the config with the change applied, as the proof parsed it


def remediate(
    platform: Platform,
    text: str,
    filename: str,
    findings: Sequence[Finding],
    packs: Sequence[PolicyPack],
    options: engine.AuditOptions,
    model: ConfigModel | None = None,
) -> DeviceRemediation:
    """Render, merge and prove the remediation of every failing check in ``findings``.

    ``findings`` are every pack's findings on ``text``; ``model`` is its parsed model when
    the caller has it (parsing again would give the same model, only slower).

    Raises:
        RenderError: a template failed (a bug, never a property of the config).
    """
    template = _template(platform, text)
    if template is None:
        return DeviceRemediation("", "", False, f"no remediation for {platform.value} yet")
    if model is None:
        model = parsers.parse(platform, text, filename).model
    failing = [f for f in findings if f.status not in _OK]
    if not failing:
        return DeviceRemediation("", "", True, "every check passes: nothing to change")
    full: list[dict[str, Any]] = []
    per_check: dict[str, str] = {}
    unresolved: dict[str, str] = {}
    targeted: set[tuple[str, str]] = set()
    for pack in packs:
        mine = [f for f in failing if f.policy == pack.id]
        if not mine:
            continue
        flows = [c for c in pack.checks if isinstance(c, FlowCheck) and c.id in {f.check for f in mine}]
        plan = plan_flows(model, pack, options, flows)
        found: dict[str, str] = dict(plan.unresolved)
        changes, parts = _BUILDERS[template](model, text, pack, mine, plan, found)
        full.extend(c for c in changes if c not in full)
        for check, part in parts.items():
            per_check[check] = render(template, part, "apply")
            if check not in found:
                targeted.add((pack.id, check))
        for finding in mine:
            if finding.check not in parts and finding.check not in found:
                found[finding.check] = f"no change was needed by any rule set on the path: {finding.summary}"
        unresolved.update({c: r for c, r in found.items() if c not in parts or c in plan.unresolved})
    config = render(template, full, "apply") if full else ""
    rollback = render(template, full, "rollback") if full else ""
    if not full:
        return DeviceRemediation("", "", False, _unresolved_text(unresolved), per_check, unresolved)
    try:
        editor = _EDITORS[template](text)
        editor.apply(config)
        merged = editor.text()
    except AuditorError as exc:
        return DeviceRemediation(
            config, rollback, False, f"the change does not apply: {exc}", per_check, unresolved
        )
    problems = prove(platform, model, merged, filename, packs, options, targeted, findings)
    if unresolved:
        problems.insert(0, _unresolved_text(unresolved))
    if problems:
        return DeviceRemediation(config, rollback, False, "; ".join(problems), per_check, unresolved, merged)
    names = ", ".join(sorted(c for _, c in targeted))
    reason = f"re-audited after the change: {names} pass, and nothing permitted before is denied"
    return DeviceRemediation(config, rollback, True, reason, per_check, unresolved, merged)


def _unresolved_text(unresolved: dict[str, str]) -> str:
    return "not remediated: " + "; ".join(f"{c}: {r}" for c, r in unresolved.items())


def canonical(change: dict[str, Any]) -> str:
    """Return a change as comparable text (to drop duplicates across checks)."""
    return json.dumps(change, sort_keys=True)


_TEMPLATES = {
    Platform.CISCO_IOS: "cisco_ios",
    Platform.CISCO_XE: "cisco_ios",
    Platform.CISCO_ASA: "cisco_asa",
    Platform.LINUX: "linux",
    Platform.ARISTA_EOS: "arista_eos",
    Platform.CISCO_NXOS: "cisco_nxos",
    Platform.JUNIPER_JUNOS: "juniper_junos",
    Platform.FORTINET: "fortinet",
    Platform.VYOS: "vyos",
    Platform.PALOALTO_PANOS: "paloalto_panos",
    Platform.MIKROTIK_ROUTEROS: "mikrotik_routeros",
}
_BUILDERS: dict[str, Callable[..., Changes]] = {
    "cisco_ios": ios.changes_for,
    "cisco_asa": asa.changes_for,
    "linux": linux.changes_for,
    "linux_nft": nft.changes_for,
    "arista_eos": arista_eos.changes_for,
    "cisco_nxos": cisco_nxos.changes_for,
    "juniper_junos": junos.changes_for,
    "fortinet": fortinet.changes_for,
    "vyos": vyos.changes_for,
    "paloalto_panos": panos.changes_for,
    "mikrotik_routeros": mikrotik_routeros.changes_for,
}
_EDITORS: dict[str, Callable[[str], Editor]] = {
    "cisco_ios": IosText,
    "cisco_asa": AsaText,
    "linux": IptablesText,
    "linux_nft": NftText,
    "arista_eos": EosText,
    "cisco_nxos": NxosText,
    "juniper_junos": JunosText,
    "fortinet": FortiosText,
    "vyos": VyosText,
    "paloalto_panos": panos_editor,
    "mikrotik_routeros": RosText,
}


def _template(platform: Platform, text: str) -> str | None:
    """Return the remediation template (and builder) for ``platform``; linux has two syntaxes."""
    name = _TEMPLATES.get(platform)
    return "linux_nft" if name == "linux" and linux.is_nft(text) else name
