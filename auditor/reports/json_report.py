"""The JSON report, schema_version 1 (DESIGN.md): the contract users' scripts rely on.

Extensions beyond the documented fields are additive only: ``kind``, ``reason`` and
``security_relevant`` on unrecognized lines, ``note`` on evidence, ``witness`` on findings,
``error`` on devices that could not be audited, and the top-level ``history``: the trend
since the last recorded run (``auditor.history``'s ``report_trend``: the previous run,
newly failing / fixed / still failing / not re-checked lists and counts, the fleet's counts
per run), present only when the run was recorded in a history database.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from auditor.flowspace import FIELDS, Packet
from auditor.model import Diagnostic, Evidence, Finding
from auditor.pipeline import DeviceReport

SCHEMA_VERSION = 1


def render(
    reports: Sequence[DeviceReport],
    policies: Sequence[str],
    started_at: datetime,
    history: Mapping[str, Any] | None = None,
) -> str:
    """Return the JSON document for a run (with the ``history`` trend, when given)."""
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run": {"started_at": started_at.isoformat(timespec="seconds"), "policies": list(policies)},
        "devices": [device_document(r) for r in reports],
    }
    if history is not None:
        document["history"] = dict(history)
    return json.dumps(document, indent=2) + "\n"


def device_document(report: DeviceReport) -> dict[str, Any]:
    """Return one device's part of the JSON report (``devices[i]``)."""
    device: dict[str, Any] = {
        "name": report.name,
        "platform": report.platform,
        "source": report.source,
        "status": report.status,
        "parse": {"lines": report.line_count, "unrecognized": [_diagnostic(d) for d in report.diagnostics]},
        "findings": [_finding(f) for f in report.findings],
        "remediation": _remediation(report),
    }
    if report.detection:
        device["detection"] = report.detection
    if report.error:
        device["error"] = report.error
    return device


def _remediation(report: DeviceReport) -> dict[str, Any] | None:
    fix = report.remediation
    if fix is None:
        return None
    return {"config": fix.config, "rollback": fix.rollback, "verified": fix.verified, "reason": fix.reason}


def _diagnostic(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "line": diagnostic.source.line,
        "text": diagnostic.source.text,
        "kind": diagnostic.kind.value,
        "reason": diagnostic.reason,
        "security_relevant": diagnostic.security_relevant,
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "policy": finding.policy,
        "check": finding.check,
        "status": finding.status.value,
        "summary": finding.summary,
        "evidence": [_evidence(e) for e in finding.evidence],
        "remediation": finding.remediation,
        "witness": _witness(finding.witness),
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    out: dict[str, Any] = {"line": evidence.line, "text": evidence.text}
    if evidence.ruleset is not None:
        out["ruleset"] = evidence.ruleset
    if evidence.note:
        out["note"] = evidence.note
    return out


def _witness(packet: Packet | None) -> dict[str, Any] | None:
    if packet is None:
        return None
    values: dict[str, Any] = dict(zip(FIELDS, packet, strict=True))
    values["src"] = str(ipaddress.IPv4Address(packet.src))
    values["dst"] = str(ipaddress.IPv4Address(packet.dst))
    values["state"] = ("new", "established", "related", "untracked")[packet.state]
    return values
