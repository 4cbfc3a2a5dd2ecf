"""Change tickets: one per device with a check that is not ``pass``, from the JSON report.

A ticket groups the device's failing checks (``fail``, ``partial``, ``unknown``) and carries
what a change board asks for: title, risk, the affected device, the justification citing the
policy pack's sources (Apple Support 102036 for the built-in pack), the exact change and its
rollback (the device's rendered remediation; "not rendered yet" while it is ``null``), the
verification (the ``auditor audit`` command to re-run and the checks that must then pass)
and the evidence lines.

Risk rule (the highest that applies), from the kind of each failing check in the pack:

- ``high``: a ``port-mapping`` check fails: the fix removes a port mapping (or UPnP /
  NAT-PMP), which can cut off whatever the mapping published;
- ``medium``: a ``flow`` check fails (the fix changes an ACL / rule set on the traffic path),
  or a check whose kind is not known (a pack that is not built in);
- ``low``: only ``feature`` checks fail (turning an ALG or inspection engine off).

``render_tickets(document, "json")`` returns a JSON list of ticket objects shaped for import
into ServiceNow or Jira (map ``title`` to short_description / summary, ``description`` to
description, ``priority`` to priority, ``labels`` to labels)::

    {"id", "title", "risk", "priority", "labels", "description",
     "device": {"name", "platform", "source", "config_path"},
     "justification": {"text", "sources": [{"title", "url"}]},
     "checks": [{"policy", "check", "title", "status", "summary", "rationale", "remediation"}],
     "change": {"rendered", "config", "verified", "reason"},
     "rollback", "verification": {"command", "must_pass", "steps"},
     "evidence": [{"check", "line", "text", "ruleset", "note"}]}

``render_tickets(document, "md")`` renders ``templates/ticket/markdown.j2`` per ticket.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any, TextIO

from auditor.errors import RenderError
from auditor.reports import json_layout, view
from auditor.reports.render import device_remediation
from auditor.reports.templating import render_template, write_template

TICKET_FORMATS = ("md", "json")
RISKS = ("low", "medium", "high")
_RISK_BY_KIND = {"feature": "low", "flow": "medium", "port-mapping": "high"}
# Jira / ServiceNow priorities for each risk.
_PRIORITY = {"low": "4 - Low", "medium": "3 - Moderate", "high": "2 - High"}
NOT_RENDERED = "not rendered yet"
_USER_CHECK = {
    "apple-facetime-imessage": "Place a FaceTime call and send an iMessage from an inside network."
}


def render_tickets(document: Mapping[str, Any], fmt: str) -> str:
    """Render the change tickets of a report document.

    Args:
        document: a schema_version 1 JSON report, as a dict.
        fmt: ``md`` (Markdown, tickets separated by horizontal rules) or ``json`` (a list).

    Returns:
        The tickets' text; an empty list (``[]``) or an empty Markdown note when every
        device is compliant.

    Raises:
        RenderError: ``fmt`` is not a ticket format, or the document is not a report.
    """
    if fmt not in TICKET_FORMATS:
        raise RenderError(f"unknown ticket format {fmt!r} (use one of: {', '.join(TICKET_FORMATS)})")
    view.require_document(document)
    found = tickets(document)
    if fmt == "json":
        return json.dumps(found, indent=2, ensure_ascii=False) + "\n"
    return render_template("ticket/markdown.j2", html=False, tickets=found)


def write_tickets(document: Mapping[str, Any], fmt: str, handle: TextIO) -> None:
    """Write the change tickets of a report document into ``handle`` as they render (see ``render_tickets``).

    JSON is written one ticket per line (``json_layout``): the same list, fleet-sized.

    Raises:
        RenderError: as ``render_tickets``.
    """
    if fmt not in TICKET_FORMATS:
        raise RenderError(f"unknown ticket format {fmt!r} (use one of: {', '.join(TICKET_FORMATS)})")
    view.require_document(document)
    found = tickets(document)
    if fmt == "json":
        json_layout.write_list(found, handle, ensure_ascii=False)  # one ticket per line: fleet-sized
        return
    write_template("ticket/markdown.j2", False, handle, tickets=found)


def tickets(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return one ticket object per device with a finding that is not pass or not_applicable."""
    out = []
    for device in view.devices(document):
        failing = list(view.non_pass(device))
        if failing:
            out.append(_ticket(device, failing))
    return out


def risk_of(infos: list[view.CheckInfo]) -> str:
    """Return the ticket risk for a set of failing checks (see the module docstring).

    Examples:
        >>> risk_of([view.CheckInfo("p", "sip-alg", "No SIP ALG", "feature")])
        'low'
        >>> risk_of([view.CheckInfo("p", "x", "x", "feature"), view.CheckInfo("p", "m", "m", "port-mapping")])
        'high'
    """
    risks = [_RISK_BY_KIND.get(info.kind or "", "medium") for info in infos]
    return max(risks, key=RISKS.index, default="low")


def rerun_command(device: Mapping[str, Any]) -> str:
    """Return the ``auditor audit`` command that re-checks one device after the change.

    Examples:
        >>> rerun_command({"name": "r1", "platform": "cisco_ios", "source": "file:configs/r 1.cfg"})
        "auditor audit 'configs/r 1.cfg' --platform cisco_ios"
    """
    path = view.config_path(device.get("source")) or f"<running config of {device.get('name', '')}>"
    command = ["auditor", "audit", path]
    if device.get("platform"):
        command += ["--platform", str(device["platform"])]
    return shlex.join(command) if view.config_path(device.get("source")) else " ".join(command)


def _ticket(device: Mapping[str, Any], failing: list[dict[str, Any]]) -> dict[str, Any]:
    name = device.get("name", "")
    infos = [view.check_info(f["policy"], f["check"]) for f in failing]
    risk = risk_of(infos)
    policies = sorted({f["policy"] for f in failing})
    remediation = device_remediation(device)
    labels = view.rule_ids({"schema_version": 1, "run": {"policies": policies}, "devices": [device]})
    checks = [
        {
            "policy": f["policy"],
            "check": f["check"],
            "title": info.title,
            "status": f["status"],
            "summary": f.get("summary", ""),
            "rationale": info.rationale,
            "source": {"title": info.source_title, "url": info.source_url} if info.source_url else None,
            "remediation": f.get("remediation"),
        }
        for f, info in zip(failing, infos, strict=True)
    ]
    command = rerun_command(device)
    must_pass = [labels[(f["policy"], f["check"])] for f in failing]
    ticket: dict[str, Any] = {
        "id": f"auditor:{name}:{'+'.join(policies)}",
        "title": f"{name}: fix {', '.join(must_pass)} ({' / '.join(view.pack_title(p) for p in policies)})",
        "risk": risk,
        "priority": _PRIORITY[risk],
        "labels": ["auditor", *policies, f"risk-{risk}", *(f"check-{c}" for c in must_pass)],
        "device": {
            "name": name,
            "platform": device.get("platform"),
            "source": device.get("source"),
            "config_path": view.config_path(device.get("source")),
        },
        "justification": _justification(policies, checks),
        "checks": checks,
        "change": {
            "rendered": remediation is not None,
            "config": remediation["config"] if remediation else NOT_RENDERED,
            "verified": remediation["verified"] if remediation else False,
            "reason": remediation["reason"] if remediation else "",
        },
        "rollback": remediation["rollback"] if remediation and remediation["rollback"] else None,
        "verification": {
            "command": command,
            "must_pass": must_pass,
            "steps": [
                "Apply the change; save the device's new running config over the audited file.",
                f"Re-run: {command}",
                f"These checks must report pass: {', '.join(must_pass)}; the others must stay pass.",
                *(_USER_CHECK[p] for p in policies if p in _USER_CHECK),
            ],
        },
        "evidence": [
            {"check": f["check"], **{k: e.get(k) for k in ("line", "text", "ruleset", "note")}}
            for f in failing
            for e in f.get("evidence") or []
        ],
    }
    ticket["description"] = _description(ticket)
    return ticket


def _justification(policies: list[str], checks: list[dict[str, Any]]) -> dict[str, Any]:
    sources: list[dict[str, str]] = []
    for policy_id in policies:
        cited = {c["source"]["url"] for c in checks if c["policy"] == policy_id and c["source"]}
        sources += [s for s in view.pack_sources(policy_id) if s["url"] in cited or not cited]
    lines = [f"{c['check']} is {c['status']}: {c['rationale'] or c['summary']}" for c in checks]
    cite = "; ".join(f"{s['title']} <{s['url']}>" for s in sources)
    text = " ".join(lines) + (f" Source: {cite}." if cite else "")
    return {"text": text, "sources": sources}


def _description(ticket: Mapping[str, Any]) -> str:
    """Return the ticket as plain text, for trackers that take a single description field."""
    device = ticket["device"]
    parts = [
        f"Device: {device['name']} ({device['platform']}), {device['source']}",
        f"Risk: {ticket['risk']}",
        "Findings:",
        *(f"- {c['check']}: {c['status']}: {c['summary']}" for c in ticket["checks"]),
        f"Justification: {ticket['justification']['text']}",
        "Change:",
        ticket["change"]["config"],
        "Rollback:",
        ticket["rollback"] or NOT_RENDERED,
        f"Verification: {ticket['verification']['command']} ; must pass: "
        + ", ".join(ticket["verification"]["must_pass"]),
        "Evidence:",
        *(
            f"- {e['check']} line {e['line'] if e['line'] is not None else '-'}: {e['text']}"
            for e in ticket["evidence"]
        ),
    ]
    return "\n".join(parts)
