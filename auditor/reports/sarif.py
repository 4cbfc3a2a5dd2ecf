"""SARIF 2.1.0 report for CI pipelines and code-scanning dashboards.

One run; ``tool.driver`` is ``auditor`` with one rule per check of the run's packs (id,
``shortDescription`` = the check's title, ``fullDescription`` = its rationale, ``helpUri`` =
the document the pack cites, when the pack is built in). Each finding that is not ``pass``
or ``not_applicable`` is a result: level ``error`` for ``fail`` / ``partial``, ``warning``
for ``unknown``. Its locations are the device's config file (``source`` without ``file:``;
an absolute path becomes a ``file://`` URI) with one region per evidence line that has a
line number. Devices that could not be audited are tool execution notifications.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from auditor.reports import view

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"fail": "error", "partial": "error", "unknown": "warning"}


def render(document: Mapping[str, Any]) -> str:
    """Return the SARIF log as indented JSON text."""
    labels = view.rule_ids(document)
    columns = view.checks(document)
    index = {(c.policy, c.check): n for n, c in enumerate(columns)}
    results = [
        _result(device, finding, labels, index)
        for device in view.devices(document)
        for finding in view.non_pass(device)
    ]
    notifications = [
        {"level": "error", "message": {"text": f"{d.get('name', '')}: {d.get('error') or 'not audited'}"}}
        for d in view.devices(document)
        if d.get("status") == "error"
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "auditor", "rules": [_rule(c, labels) for c in columns]}},
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "startTimeUtc": document.get("run", {}).get("started_at", ""),
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": results,
        "properties": {"policies": list(document.get("run", {}).get("policies", []))},
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule(info: view.CheckInfo, labels: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": labels[(info.policy, info.check)],
        "name": info.check,
        "shortDescription": {"text": info.title},
        "properties": {"policy": info.policy},
    }
    if info.rationale:
        rule["fullDescription"] = {"text": info.rationale}
    if info.source_url:
        rule["helpUri"] = info.source_url
        rule["help"] = {"text": f"{info.source_title}: {info.source_url}"}
    return rule


def _result(
    device: Mapping[str, Any],
    finding: Mapping[str, Any],
    labels: Mapping[tuple[str, str], str],
    index: Mapping[tuple[str, str], int],
) -> dict[str, Any]:
    key = (finding["policy"], finding["check"])
    name = device.get("name", "")
    result: dict[str, Any] = {
        "ruleId": labels[key],
        "ruleIndex": index[key],
        "level": _LEVEL[finding["status"]],
        "kind": "fail",
        "message": {"text": f"{name}: {finding.get('summary', '')}"},
        "locations": _locations(device, finding),
        "properties": {
            "device": name,
            "platform": device.get("platform"),
            "verdict": finding["status"],
            "evidence": list(finding.get("evidence") or []),
        },
    }
    return result


def _locations(device: Mapping[str, Any], finding: Mapping[str, Any]) -> list[dict[str, Any]]:
    logical = [{"name": device.get("name", ""), "kind": "device"}]
    path = view.config_path(device.get("source"))
    if path is None:
        return [{"logicalLocations": logical}]
    artifact = {"uri": _uri(path)}
    regions = []
    seen: set[int] = set()
    for evidence in finding.get("evidence") or []:
        line = evidence.get("line")
        if isinstance(line, int) and line > 0 and line not in seen:
            seen.add(line)
            regions.append({"startLine": line, "snippet": {"text": evidence.get("text", "")}})
    if not regions:
        return [{"physicalLocation": {"artifactLocation": artifact}, "logicalLocations": logical}]
    return [
        {"physicalLocation": {"artifactLocation": artifact, "region": region}, "logicalLocations": logical}
        for region in regions
    ]


def _uri(path: str) -> str:
    """Return a SARIF artifact URI: ``file://`` for an absolute path, else a relative reference.

    Examples:
        >>> _uri("/srv/configs/r 1.cfg")
        'file:///srv/configs/r%201.cfg'
        >>> _uri("configs/r1.cfg")
        'configs/r1.cfg'
    """
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return posix.as_uri()
    return quote(str(posix))
