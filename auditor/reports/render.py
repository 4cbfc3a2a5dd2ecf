"""Render a JSON report document into HTML, Markdown, CSV, JUnit XML or SARIF.

The last stage of the pipeline (``findings -> render``). Every format is a pure function of
the schema_version 1 document that ``json_report.render`` writes, so ``auditor audit
--format X`` and ``auditor report REPORT.json --format X`` produce the same text. HTML and
Markdown go through ``templates/report/*.j2``; CSV, JUnit and SARIF are data formats built
with the standard library (``csv_report``, ``junit``, ``sarif``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TextIO

from auditor.errors import RenderError
from auditor.reports import csv_report, junit, sarif, view
from auditor.reports.templating import render_template, write_template

FORMATS = ("html", "md", "csv", "junit", "sarif")


def render(document: Mapping[str, Any], fmt: str) -> str:
    """Render a report document in one format.

    Args:
        document: a schema_version 1 JSON report, as a dict.
        fmt: one of ``html``, ``md``, ``csv``, ``junit``, ``sarif``.

    Returns:
        The report text.

    Raises:
        RenderError: ``fmt`` is not a report format, the document is not a schema_version 1
            report, or a template cannot be rendered.
    """
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise RenderError(f"unknown report format {fmt!r} (use one of: {', '.join(FORMATS)})")
    view.require_document(document)
    return renderer(document)


def write(document: Mapping[str, Any], fmt: str, handle: TextIO) -> None:
    """Render a report document into ``handle``; HTML and Markdown are written as they render.

    Raises:
        RenderError: as ``render``.
    """
    if fmt not in _TEMPLATES:
        handle.write(render(document, fmt))
        return
    view.require_document(document)
    template, html = _TEMPLATES[fmt]
    write_template(template, html, handle, **page_context(document))


def page_context(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the HTML and Markdown templates show: matrix rows, counts, device sections."""
    columns = view.checks(document)
    labels = view.rule_ids(document)
    rows = [_device_view(i, device, columns, labels) for i, device in enumerate(view.devices(document))]
    policies = list(document.get("run", {}).get("policies", []))
    return {
        "schema_version": document["schema_version"],
        "run": {"started_at": document.get("run", {}).get("started_at", ""), "policies": policies},
        "policies": policies,
        "packs": [{"id": p, "title": view.pack_title(p)} for p in policies],
        "columns": [{"label": labels[(c.policy, c.check)], "title": c.title} for c in columns],
        "rows": rows,
        "verdict_counts": view.verdict_counts(document),
        "device_counts": view.device_counts(document),
        "history": _history_view(document.get("history"), labels),
    }


# The lists of the trend section, in the order shown, with their headings.
TREND_LISTS = (
    ("newly_failing", "newly failing", "Newly failing"),
    ("fixed", "fixed", "Fixed"),
    ("still_failing", "still failing", "Still failing"),
    ("unverified", "not re-checked", "Not re-checked (not counted as fixed)"),
)


def _history_view(trend: Any, labels: Mapping[tuple[str, str], str]) -> dict[str, Any] | None:
    """Return the trend section's data from the document's optional ``history`` key.

    ``history`` is ``auditor.history``'s ``report_trend``: the diff with the previous run and
    the fleet's counts in the last runs. Absent: no section.

    Raises:
        RenderError: the key is there but is not a trend.
    """
    if trend is None:
        return None
    if not isinstance(trend, Mapping) or not isinstance(trend.get("fleet"), list):
        raise RenderError("report's history is not a trend (an object with a fleet list)")
    lists = []
    for key, name, title in TREND_LISTS:
        items = [_change_view(c, labels) for c in trend.get(key) or ()]
        lists.append({"key": key, "name": name, "title": title, "count": len(items), "items": items})
    return {
        "previous_run": trend.get("previous_run"),
        "lists": lists,
        "devices_added": list(trend.get("devices_added") or ()),
        "devices_removed": list(trend.get("devices_removed") or ()),
        "fleet": [dict(row) for row in trend["fleet"]],
    }


def _change_view(change: Mapping[str, Any], labels: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    policy, check = change.get("policy"), change.get("check")
    label = None if policy is None or check is None else labels.get((policy, check), f"{policy}/{check}")
    return {
        "device": change.get("device", ""),
        "label": label,  # None: the device itself could not be audited
        "before": change.get("before"),  # None: no verdict before (or not re-checked, for after)
        "after": change.get("after"),
        "before_run": change.get("before_run"),
        "summary": change.get("summary") or "",
        "reason": change.get("reason") or "",
    }


def _device_view(
    index: int,
    device: Mapping[str, Any],
    columns: list[view.CheckInfo],
    labels: Mapping[tuple[str, str], str],
) -> dict[str, Any]:
    anchor = f"device-{index + 1}"
    position = {(c.policy, c.check): n for n, c in enumerate(columns)}
    found = []
    for finding in view.findings(device):
        key = (finding["policy"], finding["check"])
        found.append(
            {
                "anchor": f"{anchor}-check-{position[key] + 1}",
                "label": labels[key],
                "title": view.check_info(*key).title,
                "status": finding["status"],
                "summary": finding.get("summary", ""),
                "evidence": list(finding.get("evidence") or []),
                "remediation": finding.get("remediation") or "",
            }
        )
    cells = [
        {"verdict": verdict, "anchor": f"{anchor}-check-{n + 1}"}
        for n, verdict in enumerate(view.matrix_row(device, columns))
    ]
    parse = device.get("parse") or {}
    return {
        "anchor": anchor,
        "name": device.get("name", ""),
        "platform": device.get("platform") or "",
        "source": device.get("source") or "",
        "status": device.get("status", ""),
        "error": device.get("error") or "",
        "lines": parse.get("lines", 0),
        "unrecognized": list(parse.get("unrecognized") or []),
        "findings": found,
        "cells": cells,
        "remediation": device_remediation(device),
    }


def device_remediation(device: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return a device's remediation with every field present, or ``None`` when it has none yet."""
    remediation = device.get("remediation")
    if not remediation:
        return None
    return {
        "config": remediation.get("config") or "",
        "rollback": remediation.get("rollback") or "",
        "verified": bool(remediation.get("verified")),
        "reason": remediation.get("reason") or "",
    }


_TEMPLATES = {"html": ("report/html.j2", True), "md": ("report/markdown.j2", False)}


def _html(document: Mapping[str, Any]) -> str:
    return render_template(*_TEMPLATES["html"], **page_context(document))


def _markdown(document: Mapping[str, Any]) -> str:
    return render_template(*_TEMPLATES["md"], **page_context(document))


_RENDERERS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "html": _html,
    "md": _markdown,
    "csv": csv_report.render,
    "junit": junit.render,
    "sarif": sarif.render,
}
