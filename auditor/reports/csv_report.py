"""CSV report for spreadsheets: one row per device x check, from the JSON report document.

Columns: ``device, platform, status, check, verdict, summary, evidence_line,
evidence_text`` (the first evidence line of the finding). A device that could not be
audited gets one row with verdict ``error`` and the reason as summary. A cell that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``@``, a tab, or ``-``
followed by a digit or symbol) is prefixed with ``'``; config text is untrusted input.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from auditor.reports import view

COLUMNS = ("device", "platform", "status", "check", "verdict", "summary", "evidence_line", "evidence_text")
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-[^A-Za-z\s-])")


def render(document: Mapping[str, Any]) -> str:
    """Return the CSV text: header row first, CRLF line ends as RFC 4180 has them."""
    labels = view.rule_ids(document)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for device in view.devices(document):
        head = [device.get("name", ""), device.get("platform") or "", device.get("status", "")]
        found = view.findings(device)
        if not found:
            writer.writerow(_cells([*head, "", "error", device.get("error") or "no findings", "", ""]))
        for finding in found:
            evidence = (finding.get("evidence") or [{}])[0]
            line = evidence.get("line")
            writer.writerow(
                _cells(
                    [
                        *head,
                        labels[(finding["policy"], finding["check"])],
                        finding["status"],
                        finding.get("summary", ""),
                        "" if line is None else str(line),
                        evidence.get("text", ""),
                    ]
                )
            )
    return out.getvalue()


def _cells(values: list[str]) -> list[str]:
    return [f"'{v}" if _FORMULA.match(v) else v for v in values]
