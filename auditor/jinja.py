"""The Jinja environment every auditor template renders with (reports, tickets, remediation).

Templates read plain dicts (report documents, remediation changes) with dot syntax. Jinja
answers ``d.name`` by trying the attribute first and the key only after the attribute
lookup has raised: an exception per lookup, which was a quarter of rendering a fleet's
report. For a plain dict, only dict's own attributes can answer the first try, so for any
other name this looks the key up first: the same answers, without the exception.
"""

from __future__ import annotations

from typing import Any

import jinja2

__all__ = ["Environment"]

_DICT_ATTRIBUTES = frozenset(dir(dict))


class Environment(jinja2.Environment):
    """A ``jinja2.Environment`` whose ``d.name`` on a plain dict skips the failing attribute try."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Return ``obj.attribute`` as Jinja would."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass  # Jinja's own lookup gives the undefined value
        return super().getattr(obj, attribute)
