"""Render remediation commands through ``templates/remediation/<name>.j2``.

The render step: Python hands the templates neutral facts (list names, sequence numbers,
addresses as address/mask pairs, port ranges, the exact lines to undo) and the templates
write every keyword. ``StrictUndefined`` makes a missing value fail loudly instead of
rendering an empty command.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from auditor.errors import RenderError
from auditor.jinja import Environment

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "remediation"


@cache
def _environment() -> jinja2.Environment:
    return Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # config text, not HTML
    )


def render(template: str, changes: list[dict[str, Any]], mode: str) -> str:
    """Render ``changes`` with ``templates/remediation/<template>.j2``; ``mode`` is apply or rollback.

    Raises:
        RenderError: the template is missing or refers to a value it was not given.
    """
    try:
        text = _environment().get_template(f"{template}.j2").render(changes=changes, mode=mode)
    except jinja2.TemplateError as exc:
        raise RenderError(f"templates/remediation/{template}.j2: {exc}") from exc
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + (
        "\n" if text.strip() else ""
    )
