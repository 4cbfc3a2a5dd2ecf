"""The terminal report: one table per device, verdicts coloured, evidence lines beneath."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor.engine import ROLE_NOTE
from auditor.pipeline import DeviceReport

_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "partial": "yellow",
    "unknown": "magenta",
    "not_applicable": "dim",
}
_EVIDENCE_SHOWN = 4


def render(reports: Sequence[DeviceReport], console: Console) -> None:
    """Print every device's findings."""
    for report in reports:
        title = f"{report.name}  [{report.platform or '?'}]  {report.status}"
        if report.detection:
            title += f"  ({report.detection})"
        if report.error:
            console.print(Text(f"{title}: {report.error}", style="bold red"))
            continue
        table = Table(title=title, title_justify="left", show_lines=False, expand=False)
        table.add_column("check", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("why")
        for finding in report.findings:
            why = Text(finding.summary)
            # Role reasons repeat on every flow check; the JSON keeps them, the table does not.
            shown = [e for e in finding.evidence if e.note != ROLE_NOTE]
            for item in shown[:_EVIDENCE_SHOWN]:
                where = f"line {item.line}: " if item.line is not None else ""
                why.append(f"\n  {where}{item.text}", style="dim")
            if len(shown) > _EVIDENCE_SHOWN:
                why.append(f"\n  … {len(shown) - _EVIDENCE_SHOWN} more", style="dim")
            table.add_row(finding.check, Text(finding.status.value, style=_STYLE[finding.status.value]), why)
        console.print(table)
        fix = report.remediation
        if fix is not None and fix.config.strip():
            state = "verified by re-audit" if fix.verified else f"NOT verified: {fix.reason}"
            console.print(Text(f"  fix ({state}); rollback with `auditor remediate`:", style="bold"))
            console.print(Text("\n".join(f"    {line}" for line in fix.config.splitlines())))
        elif fix is not None:
            console.print(Text(f"  no fix rendered: {fix.reason}", style="dim"))
        unrecognized = report.diagnostics
        if unrecognized:
            relevant = sum(d.security_relevant for d in unrecognized)
            console.print(
                Text(
                    f"  {len(unrecognized)} of {report.line_count} lines not understood "
                    f"({relevant} security-relevant); --format json lists them",
                    style="dim",
                )
            )
