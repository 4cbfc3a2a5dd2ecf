"""cisco_asa remediation facts (not written yet)."""

from __future__ import annotations

from typing import Any

from auditor.model import ConfigModel, Finding
from auditor.policy import PolicyPack
from auditor.remediation.plan import FlowPlan


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's changes, and each failing check's part of them."""
    for finding in failing:
        unresolved.setdefault(finding.check, "cisco_asa remediation is not written yet")
    return [], {}
