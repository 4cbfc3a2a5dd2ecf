"""Jinja environments for reports and tickets (``templates/report/``, ``templates/ticket/``).

Two environments, both with ``StrictUndefined`` so a missing value fails loudly: one for
HTML with autoescaping always on (config text is untrusted input) and one for Markdown,
where untrusted text goes through the ``md_text`` / ``md_code`` filters instead.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, TextIO

import jinja2

import auditor
from auditor.errors import RenderError
from auditor.jinja import Environment

TEMPLATES_DIR = Path(auditor.__file__).resolve().parent.parent / "templates"
# Characters with a meaning in Markdown inline text (CommonMark's escapable punctuation we
# meet) get a backslash; ``<`` becomes ``&lt;`` so no raw HTML gets through. One pass in C.
_MD_ESCAPES = str.maketrans({**{c: "\\" + c for c in "\\`*_[]|#~"}, "<": "&lt;"})
# An ampersand that a Markdown renderer would read as the start of a character reference.
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_BREAKS = re.compile(r"[\r\n]+")
_BACKTICKS = re.compile(r"`+")
_FENCES = re.compile(r"`{3,}")


def md_text(value: object) -> str:
    r"""Return ``value`` as one line of inert Markdown text (safe in table cells, no raw HTML).

    Examples:
        >>> md_text("a|b <script>")
        'a\\|b &lt;script>'
    """
    text = " ".join(str(value).split())
    if "&" in text:
        text = _ENTITY.sub("&amp;", text)
    return text.translate(_MD_ESCAPES)


def md_code(value: object) -> str:
    """Return ``value`` as one Markdown code span, fenced with more backticks than it holds.

    Examples:
        >>> md_code("permit tcp any any")
        '`permit tcp any any`'
        >>> md_code("a`b")
        '`` a`b ``'
    """
    text = str(value)
    if "\n" in text or "\r" in text:
        text = _LINE_BREAKS.sub(" ", text)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0) if "`" in text else 0
    fence = "`" * (longest + 1)
    if longest or text.startswith(" ") or not text:
        return f"{fence} {text} {fence}"
    return f"{fence}{text}{fence}"


def md_block(value: object) -> str:
    """Return ``value`` as a fenced Markdown code block that no line inside can close."""
    text = str(value).rstrip("\n")
    longest = max((len(run) for run in _FENCES.findall(text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}\n{text}\n{fence}"


@functools.lru_cache(maxsize=2)
def environment(html: bool) -> jinja2.Environment:
    """Return the Jinja environment for HTML (autoescaped) or for plain text and Markdown."""
    env = Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # no stat of the template file per render: they do not change mid-run
    )
    env.filters["md_text"] = md_text
    env.filters["md_code"] = md_code
    env.filters["md_block"] = md_block
    return env


def render_template(name: str, html: bool, **context: Any) -> str:
    """Render ``templates/<name>`` with ``context``.

    Raises:
        RenderError: the template is missing or fails (an undefined value, a syntax error).
    """
    try:
        return environment(html).get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else name
        raise RenderError(f"{where}: cannot render ({exc})") from exc


def write_template(name: str, html: bool, handle: TextIO, **context: Any) -> None:
    """Render ``templates/<name>`` into ``handle`` piece by piece (a fleet's report is never one string).

    Raises:
        RenderError: as ``render_template``.
    """
    try:
        pieces: list[str] = []
        for piece in environment(html).get_template(name).generate(**context):
            pieces.append(piece)
            if len(pieces) >= 4096:  # Jinja yields many tiny pieces: one write per batch
                handle.write("".join(pieces))
                pieces.clear()
        handle.write("".join(pieces))
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}" if isinstance(exc, jinja2.TemplateSyntaxError) else name
        raise RenderError(f"{where}: cannot render ({exc})") from exc
