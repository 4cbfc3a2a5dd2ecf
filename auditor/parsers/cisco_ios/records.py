"""Building frozen records without their generated ``__init__``: a speed path for the parser.

Part of the cisco_ios parser (parse stage). A frozen dataclass's ``__init__`` sets every
field through ``object.__setattr__``; setting its slots through their descriptors gives an
equal object at well under half the cost, which counts at one line (``lines.py``), one
``Source`` and one ``Rule`` per ACL entry, parsed twice per remediated device (the proof
re-parses).

Each builder is checked once, at import, against its class: the field names in order,
the defaults it relies on, slots, and no ``__post_init__``. When a class no longer
matches, the builder is the class itself (the plain constructor), so a change to the
model never makes these records wrong, only slower.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from auditor.flowspace import FlowSpace
from auditor.model import Action, Rule, Source

_Setter = Callable[[Any, Any], None]
_new = object.__new__


def slot_setters(
    cls: type, names: tuple[str, ...], defaults: dict[str, object]
) -> tuple[_Setter, ...] | None:
    """Return the slot setters of ``cls``'s fields, or None when ``cls`` is not what they assume.

    ``names`` are all of the class's fields in order; ``defaults`` are the fields a builder
    leaves at their default, with the default it writes.
    """
    fields = dataclasses.fields(cls)
    if tuple(f.name for f in fields) != names or "__slots__" not in vars(cls):
        return None
    if hasattr(cls, "__post_init__") or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        return None
    for f in fields:
        if f.name in defaults and (f.default is dataclasses.MISSING or f.default != defaults[f.name]):
            return None
    return tuple(getattr(cls, name).__set__ for name in names)


def _source_builder() -> Callable[[str, int, str], Source]:
    setters = slot_setters(Source, ("file", "line", "text"), {})
    if setters is None:
        return Source
    set_file, set_line, set_text = setters

    def new_source(file: str, line: int, text: str) -> Source:
        obj: Source = _new(Source)
        set_file(obj, file)
        set_line(obj, line)
        set_text(obj, text)
        return obj

    return new_source


def _rule_builder() -> Callable[[Action, FlowSpace, Source], Rule]:
    defaults: dict[str, object] = {"bound": None, "target": None, "interfaces": None}
    setters = slot_setters(Rule, ("action", "match", "source", "bound", "target", "interfaces"), defaults)
    if setters is None:
        return Rule
    set_action, set_match, set_source, set_bound, set_target, set_interfaces = setters

    def new_rule(action: Action, match: FlowSpace, source: Source) -> Rule:
        obj: Rule = _new(Rule)
        set_action(obj, action)
        set_match(obj, match)
        set_source(obj, source)
        set_bound(obj, None)
        set_target(obj, None)
        set_interfaces(obj, None)
        return obj

    return new_rule


new_source = _source_builder()
"""``Source(file, line, text)``, built through its slots."""
new_rule = _rule_builder()
"""``Rule(action, match, source)``, built through its slots."""

__all__ = ["new_rule", "new_source", "slot_setters"]
