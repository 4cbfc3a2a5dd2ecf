"""JUnit XML report for CI pipelines that gate a config change before it is deployed.

One ``testsuite`` per device, one ``testcase`` per check (``classname`` = ``auditor.<device>``,
``name`` = the check id). Verdicts map so that any verdict other than ``pass`` and
``not_applicable`` fails the build:

====================  ==========================================================
``pass``              a plain testcase
``fail``, ``partial`` ``<failure type="fail|partial">``: message = the summary, body = evidence
``unknown``           ``<error type="unknown">``: auditor could not decide (say why)
``not_applicable``    ``<skipped>``
device not audited    one testcase ``audit`` with ``<error type="error">``
====================  ==========================================================

Lines the parser did not understand go into the suite's ``system-out``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from auditor.reports import view

_OUTCOME = {"fail": "failure", "partial": "failure", "unknown": "error", "not_applicable": "skipped"}


def render(document: Mapping[str, Any]) -> str:
    """Return the JUnit XML text, with an XML declaration."""
    labels = view.rule_ids(document)
    root = ET.Element("testsuites", name="auditor")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for device in view.devices(document):
        suite = _suite(device, labels)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(device: Mapping[str, Any], labels: Mapping[tuple[str, str], str]) -> ET.Element:
    name = view.xml_safe(device.get("name", ""))
    suite = ET.Element("testsuite", name=name)
    properties = ET.SubElement(suite, "properties")
    for key in ("platform", "source", "status"):
        ET.SubElement(properties, "property", name=key, value=view.xml_safe(str(device.get(key) or "")))
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    path = view.config_path(device.get("source"))
    found = view.findings(device)
    if not found:
        case = ET.SubElement(suite, "testcase", classname=f"auditor.{name}", name="audit")
        error = ET.SubElement(case, "error", type="error")
        error.set("message", view.xml_safe(device.get("error") or "device was not audited"))
        counts["tests"] += 1
        counts["errors"] += 1
    for finding in found:
        case = ET.SubElement(
            suite, "testcase", classname=f"auditor.{name}", name=labels[(finding["policy"], finding["check"])]
        )
        if path is not None:
            case.set("file", view.xml_safe(path))
        counts["tests"] += 1
        outcome = _OUTCOME.get(finding["status"])
        if outcome is None:
            continue
        element = ET.SubElement(case, outcome, message=view.xml_safe(finding.get("summary", "")))
        if outcome != "skipped":
            element.set("type", finding["status"])
            element.text = view.xml_safe(_evidence_text(finding))
        counts[{"failure": "failures", "error": "errors", "skipped": "skipped"}[outcome]] += 1
    unrecognized = (device.get("parse") or {}).get("unrecognized") or []
    if unrecognized:
        out = ET.SubElement(suite, "system-out")
        lines = [f"{len(unrecognized)} unrecognized line(s):"]
        lines += [f"line {u.get('line')}: {u.get('text', '')}" for u in unrecognized]
        out.text = view.xml_safe("\n".join(lines))
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _evidence_text(finding: Mapping[str, Any]) -> str:
    lines = [finding.get("summary", "")]
    for evidence in finding.get("evidence") or []:
        where = "-" if evidence.get("line") is None else f"line {evidence['line']}"
        extra = f" [{evidence['ruleset']}]" if evidence.get("ruleset") else ""
        extra += f" ({evidence['note']})" if evidence.get("note") else ""
        lines.append(f"{where}: {evidence.get('text', '')}{extra}")
    return "\n".join(lines)
