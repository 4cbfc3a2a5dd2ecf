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
        auto_reload=False,  # no stat of the template file per render: they do not change mid-run
    )


def render(template: str, changes: list[dict[str, Any]], mode: str) -> str:
    """Render ``changes`` with ``templates/remediation/<template>.j2``; ``mode`` is apply or rollback.

    Raises:
        RenderError: the template is missing or refers to a value it was not given.
    """
    # A fleet repeats the same changes (an ALG turned off, the same service added): most of a
    # FortiOS or Junos device's renders were made before, for another device.
    key = _plain_key(changes)
    if key is not None:
        done = _RENDERED.get((template, mode, key))
        if done is not None:
            return done
    text = _render(template, changes, mode)
    if key is not None:
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        _RENDERED[(template, mode, key)] = text
    return text


_RENDERED: dict[tuple[str, str, str], str] = {}
_RENDERED_MAX = 1024
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain_key(value: object) -> str | None:
    """Return ``repr(value)`` when it is made of plain data only, else None (not cached).

    For strings, numbers, booleans, None, lists, tuples and dicts (keys in order), equal
    reprs mean equal values of the same types, so the template renders the same text.
    """
    todo = [value]
    while todo:
        item = todo.pop()
        kind = type(item)  # exact types: a subclass may repr alike and render otherwise
        if kind in _SCALARS:
            continue
        if isinstance(item, dict) and kind is dict:
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)) and kind in (list, tuple):
            todo.extend(item)
        else:
            return None
    return repr(value)


def _render(template: str, changes: list[dict[str, Any]], mode: str) -> str:
    try:
        text = _environment().get_template(f"{template}.j2").render(changes=changes, mode=mode)
    except jinja2.TemplateError as exc:
        raise RenderError(f"templates/remediation/{template}.j2: {exc}") from exc
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip()) + (
        "\n" if text.strip() else ""
    )
