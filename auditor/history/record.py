"""Rows of the history database from one JSON report document (schema_version 1).

The recorder keeps what the history views need, not the whole document: per device its
status, error, config sha256 and line counts; per finding its verdict, summary and the
config line numbers of its evidence. A document that is not a schema_version 1 report, or a
device or finding missing a field the views rely on, is a ``HistoryError`` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.errors import HistoryError

__all__ = ["DeviceRow", "FindingRow", "device_row", "finding_rows", "run_fields"]

DEVICE_STATUSES = frozenset({"compliant", "noncompliant", "error"})
VERDICTS = frozenset({"pass", "fail", "partial", "unknown", "not_applicable"})


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One device of a run, as stored."""

    name: str
    platform: str | None
    source: str | None
    status: str
    error: str | None
    config_sha256: str | None
    lines: int
    unrecognized: int


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding of one device of a run, as stored."""

    policy: str
    check: str
    status: str
    summary: str
    evidence_lines: str  # JSON list of line numbers


def run_fields(document: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Return the run's start time and policy ids.

    Raises:
        HistoryError: the document is not a schema_version 1 report.
    """
    if not isinstance(document, Mapping) or document.get("schema_version") != 1:
        raise HistoryError("not an auditor JSON report with schema_version 1")
    run = document.get("run")
    if not isinstance(run, Mapping) or not isinstance(run.get("started_at"), str):
        raise HistoryError("report has no run.started_at")
    policies = run.get("policies", [])
    if not isinstance(policies, list) or not all(isinstance(p, str) for p in policies):
        raise HistoryError("report's run.policies is not a list of policy ids")
    if not isinstance(document.get("devices"), list):
        raise HistoryError("report has no devices list")
    return run["started_at"], list(policies)


def device_row(device: Any, config_hashes: Mapping[str, str | None]) -> DeviceRow:
    """Return the stored form of one device of the report.

    Raises:
        HistoryError: the device lacks its name or has a status outside the contract.
    """
    if not isinstance(device, Mapping) or not isinstance(device.get("name"), str):
        raise HistoryError("report device without a name")
    name = device["name"]
    status = device.get("status")
    if status not in DEVICE_STATUSES:
        allowed = sorted(DEVICE_STATUSES)
        raise HistoryError(f"report device {name!r}: status {status!r} is not one of {allowed}")
    parse = device.get("parse")
    if not isinstance(parse, Mapping):
        parse = {}
    return DeviceRow(
        name,
        _optional_str(device.get("platform")),
        _optional_str(device.get("source")),
        str(status),
        _optional_str(device.get("error")),
        config_hashes.get(name),
        int(parse.get("lines") or 0),
        len(parse.get("unrecognized") or ()),
    )


def finding_rows(device: Mapping[str, Any]) -> list[FindingRow]:
    """Return the stored form of a device's findings.

    Raises:
        HistoryError: a finding lacks its policy or check, or has a verdict outside the contract.
    """
    rows = []
    for finding in device.get("findings") or ():
        if not isinstance(finding, Mapping):
            raise HistoryError(f"report device {device['name']!r}: a finding is not an object")
        policy, check, status = finding.get("policy"), finding.get("check"), finding.get("status")
        if not isinstance(policy, str) or not isinstance(check, str):
            raise HistoryError(f"report device {device['name']!r}: a finding without policy or check")
        if status not in VERDICTS:
            raise HistoryError(
                f"report device {device['name']!r}: {policy}/{check} has verdict {status!r}, "
                f"not one of {sorted(VERDICTS)}"
            )
        lines = sorted({e["line"] for e in finding.get("evidence") or () if isinstance(e.get("line"), int)})
        summary = str(finding.get("summary") or "")
        rows.append(FindingRow(policy, check, str(status), summary, json.dumps(lines)))
    return rows


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)
