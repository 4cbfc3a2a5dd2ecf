"""Template inputs shared by the Cisco-style platforms (IOS, ASA): removing a config line.

Both print configurations as indented blocks, so a line is removed by entering its parent
blocks and writing ``no <line>``; the templates write the syntax, this only finds the facts.
"""

from __future__ import annotations

from typing import Any

from auditor.model import ConfigModel
from auditor.policy import PolicyPack
from auditor.remediation.merge import parents_of
from auditor.remediation.plan import describe_mapping, mapped_required


def removal(lines: list[str], line: int, why: str, stops: str | None) -> dict[str, Any]:
    """Return the template input that removes config line ``line`` (1-based) under its parents."""
    return {
        "kind": "remove",
        "parents": parents_of(lines, line - 1),
        "line": lines[line - 1].strip(),
        "why": why,
        "stops": stops,
    }


def mapping_changes(model: ConfigModel, text: str, pack: PolicyPack) -> list[dict[str, Any]]:
    """Return the removal of every port mapping of a required port, saying what it stops."""
    lines = text.splitlines()
    return [
        removal(
            lines,
            mapping.source.line,
            f"maps a required port (line {mapping.source.line})",
            describe_mapping(mapping, space),
        )
        for mapping, space in mapped_required(model, pack)
    ]
