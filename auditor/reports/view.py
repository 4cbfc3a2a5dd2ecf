"""A read-only view of a JSON report document (schema_version 1) shared by the renderers.

Every renderer in ``auditor.reports`` is a pure function of the JSON document that
``json_report.render`` writes, so ``audit --format X`` and a later ``report REPORT.json
--format X`` agree. This module holds what they all need: the ordered list of checks (the
matrix columns), verdict counts, the config path behind a device's ``source``, and the
titles, rationales and source documents of built-in policy packs (looked up by policy id;
a pack that is not built in simply has none, and renderers fall back to the bare check id).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor import policy
from auditor.errors import PolicyError, RenderError

VERDICTS = ("pass", "fail", "partial", "unknown", "not_applicable")
NON_PASS = frozenset({"fail", "partial", "unknown"})
DEVICE_STATUSES = ("compliant", "noncompliant", "error")
# XML 1.0 cannot carry these code points at all, escaped or not; config text may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """One check of a policy pack as the reports show it.

    Attributes:
        policy: the policy id.
        check: the bare check id.
        title: the pack's title for the check, or the check id when the pack is not built in.
        kind: ``flow``, ``feature`` or ``port-mapping``; ``None`` when the pack is unknown.
        rationale: why the check exists, from the pack (empty when unknown).
        source_title: the title of the document the check cites (empty when unknown).
        source_url: the URL of that document (empty when unknown).
    """

    policy: str
    check: str
    title: str
    kind: str | None = None
    rationale: str = ""
    source_title: str = ""
    source_url: str = ""


@functools.lru_cache(maxsize=32)
def _pack(policy_id: str) -> policy.PolicyPack | None:
    if policy_id not in policy.builtin_packs():
        return None
    try:
        return policy.resolve(policy_id)
    except PolicyError:
        return None


def pack_title(policy_id: str) -> str:
    """Return the title of a built-in pack, or the policy id itself."""
    pack = _pack(policy_id)
    return pack.title if pack is not None else policy_id


def pack_sources(policy_id: str) -> list[dict[str, str]]:
    """Return the documents a built-in pack cites, as ``{"title", "url"}`` (empty if unknown)."""
    pack = _pack(policy_id)
    if pack is None:
        return []
    return [{"title": s.title, "url": s.url} for s in pack.sources.values()]


def check_info(policy_id: str, check_id: str) -> CheckInfo:
    """Return what the pack says about one check; only the ids when the pack is not built in."""
    pack = _pack(policy_id)
    for check in pack.checks if pack is not None else ():
        if check.id == check_id:
            source = pack.sources.get(check.source) if pack is not None and check.source else None
            return CheckInfo(
                policy_id,
                check_id,
                check.title,
                check.kind,
                " ".join(check.rationale.split()),
                source.title if source else "",
                source.url if source else "",
            )
    return CheckInfo(policy_id, check_id, check_id)


def require_document(document: Mapping[str, Any]) -> None:
    """Check that ``document`` is a schema_version 1 report.

    Raises:
        RenderError: it is not one.
    """
    if not isinstance(document, Mapping) or document.get("schema_version") != 1:
        raise RenderError("not an auditor JSON report with schema_version 1")
    if not isinstance(document.get("devices"), list):
        raise RenderError("report has no devices list")


def devices(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the document's devices."""
    return list(document.get("devices") or [])


def findings(device: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return a device's findings."""
    return list(device.get("findings") or [])


def checks(document: Mapping[str, Any]) -> list[CheckInfo]:
    """Return every (policy, check) of the run in first-seen order: the matrix columns."""
    seen: dict[tuple[str, str], CheckInfo] = {}
    for policy_id in document.get("run", {}).get("policies", []):
        pack = _pack(policy_id)
        for check in pack.checks if pack is not None else ():
            seen.setdefault((policy_id, check.id), check_info(policy_id, check.id))
    for device in devices(document):
        for finding in findings(device):
            key = (finding["policy"], finding["check"])
            if key not in seen:
                seen[key] = check_info(*key)
    return list(seen.values())


def rule_ids(document: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """Return a short id per (policy, check): the check id, or ``policy/check`` where two packs share it."""
    columns = checks(document)
    counts: dict[str, int] = {}
    for info in columns:
        counts[info.check] = counts.get(info.check, 0) + 1
    return {
        (c.policy, c.check): c.check if counts[c.check] == 1 else f"{c.policy}/{c.check}" for c in columns
    }


def verdict_counts(document: Mapping[str, Any]) -> dict[str, int]:
    """Return the number of findings per verdict, every verdict present (zero or more)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for device in devices(document):
        for finding in findings(device):
            counts[finding["status"]] = counts.get(finding["status"], 0) + 1
    return counts


def device_counts(document: Mapping[str, Any]) -> dict[str, int]:
    """Return the number of devices per device status."""
    counts = dict.fromkeys(DEVICE_STATUSES, 0)
    for device in devices(document):
        counts[device["status"]] = counts.get(device["status"], 0) + 1
    return counts


def matrix_row(device: Mapping[str, Any], columns: list[CheckInfo]) -> list[str | None]:
    """Return a device's verdict per column (``None`` where it has no finding for that check)."""
    by_key = {(f["policy"], f["check"]): f["status"] for f in findings(device)}
    return [by_key.get((c.policy, c.check)) for c in columns]


def non_pass(device: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Yield a device's findings whose verdict is fail, partial or unknown."""
    return (f for f in findings(device) if f["status"] in NON_PASS)


def config_path(source: str | None) -> str | None:
    """Return the file behind a ``file:PATH`` source, or ``None`` for other sources.

    Examples:
        >>> config_path("file:configs/r1.cfg")
        'configs/r1.cfg'
        >>> config_path("ssh:10.0.0.1") is None
        True
    """
    if source and source.startswith("file:"):
        return source[len("file:") :]
    return None


def xml_safe(text: str) -> str:
    r"""Replace the characters XML 1.0 cannot hold with ``\xNN`` escapes.

    Examples:
        >>> xml_safe("a\x01b")
        'a\\x01b'
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
