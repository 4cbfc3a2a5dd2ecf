"""cisco_asa remediation facts: ACL line positions, inspection switches, lines to undo.

Turns a neutral plan into the values ``templates/remediation/cisco_asa.j2`` renders
(VENDORS.md 2.8): permits are inserted with ``access-list NAME line N`` before the entry
that denies (ASA numbers every line of a list, remarks included, from 1), or after the last
line when the implicit deny decides; a combined interface + global rule set gets the permit
in whichever list holds the denying entry. Inspection engines are switched off with
``no inspect ...`` in the policy-map class that holds them, and static NAT port mappings
are undone line by line (object NAT inside its ``object network`` block).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditor.model import ConfigModel, Finding
from auditor.policy import FeatureCheck, PolicyPack
from auditor.remediation.cisco_common import mapping_changes, removal
from auditor.remediation.merge import AsaText
from auditor.remediation.plan import (
    ChangeBuilders,
    FlowPlan,
    Permit,
    address_facts,
    assemble_changes,
    enabled_features,
)

_LEVEL_DEFAULT = (
    "the flow is denied by the security-level default (no access list on the path): binding a new "
    "ACL removes the implicit higher-to-lower permit; review by hand"
)
_SAME_LEVEL = (
    "the flow is denied because both interfaces have the same security level (a security-level default, "
    "which no access-list entry overrides): `same-security-traffic permit inter-interface` would open "
    "every flow between same-level interfaces, and binding a new ACL removes the implicit "
    "higher-to-lower permit; review by hand"
)


def _target_acl(
    config: AsaText, permit: Permit, acl_lines: Callable[[str], list[int]]
) -> tuple[str | None, int | None, str | None]:
    """Return (access list, 1-based line position or None for the end, problem) for ``permit``.

    ``acl_lines`` is ``config.acl_lines``, remembered per list by the caller.
    """
    name = permit.ruleset
    if name.startswith("same-security-level "):
        return None, None, _SAME_LEVEL
    if name.startswith("security-level "):
        return None, None, _LEVEL_DEFAULT
    if permit.before is None:
        # The implicit deny decides: append to the list that is read first on this path (the
        # interface list of a combined interface + global set: it applies to this interface only).
        acl = name.split(" + ")[0]
        if not acl_lines(acl):
            return None, None, f"cannot find the lines of access list {acl}"
        return acl, None, None
    line = permit.before.source.line
    index = line - 1
    words = config.lines[index].split() if 0 <= index < len(config.lines) else []
    if len(words) < 2 or words[0] != "access-list" or words[1] not in name.split(" + "):
        return None, None, f"cannot find the entry of {name} at line {line}"
    acl = words[1]
    return acl, acl_lines(acl).index(index) + 1, None


def acl_changes(text: str, plan: FlowPlan, unresolved: dict[str, str]) -> list[dict[str, Any]]:
    """Return one change per access list that needs permits, with ASA line numbers."""
    config = AsaText(text)
    known: dict[str, list[int]] = {}

    def acl_lines(name: str) -> list[int]:  # the text does not change here: one scan per list
        if name not in known:
            known[name] = config.acl_lines(name)
        return known[name]

    groups: dict[str, dict[int | None, list[Permit]]] = {}
    for permit in plan.permits:
        acl, position, problem = _target_acl(config, permit, acl_lines)
        if problem is not None or acl is None:
            unresolved.setdefault(permit.check, problem or "no access list found")
            continue
        group = groups.setdefault(acl, {}).setdefault(position, [])
        key = (permit.protocol, permit.src, permit.dst, permit.ports)
        if all((p.protocol, p.src, p.dst, p.ports) != key for p in group):
            group.append(permit)
    changes = []
    for acl, by_position in groups.items():
        count = len(acl_lines(acl))
        shift = 0  # lines already inserted above this position
        entries = []
        for position in sorted(by_position, key=lambda x: (x is None, x or 0)):
            start = (count + 1 if position is None else position) + shift
            before = "the end of the list" if position is None else f"line {position}"
            for j, permit in enumerate(by_position[position]):
                entries.append(
                    {
                        "line": start + j,
                        "check": permit.check,
                        "protocol": permit.protocol,
                        "src": address_facts(permit.src),
                        "dst": address_facts(permit.dst),
                        "low": permit.ports[0],
                        "high": permit.ports[1],
                        "before": before,
                    }
                )
            shift += len(by_position[position])
        changes.append({"kind": "acl", "acl": acl, "entries": entries})
    return changes


def feature_changes(model: ConfigModel, text: str, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return ``no inspect ...`` under the policy-map class of every engine ``check`` fails on."""
    lines = text.splitlines()
    return [
        removal(lines, f.source.line, f.detail, None)
        for f in enabled_features(model, check.features)
        if f.source is not None
    ]


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's changes, and each failing check's part of them."""
    builders = ChangeBuilders(acl_changes, feature_changes, mapping_changes)
    return assemble_changes(model, text, pack, failing, plan, unresolved, builders)
