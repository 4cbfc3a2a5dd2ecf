"""Deterministic JSON form of the model, for golden tests and debugging dumps.

Sits beside ``model.py``: it only reads model objects. Dataclasses become dicts (field
order kept), enums their values, tuples lists, and a ``FlowSpace`` a readable canonical
description plus its canonical boxes, one line each, with addresses written as CIDR (or
address and wildcard) and other fields as ``lo-hi``. Cubes in ``SourceNat.translated``
are written the same way.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from auditor.flowspace import FIELDS, FlowSpace, cube_to_text

_ADDRESS_FIELDS = frozenset({"src", "dst"})
_CUBE_FIELDS = frozenset({"translated"})


def _interval(atom: tuple[int, int]) -> str:
    return str(atom[0]) if atom[0] == atom[1] else f"{atom[0]}-{atom[1]}"


def _flowspace(space: FlowSpace) -> dict[str, Any]:
    canonical = space.canonical()
    boxes = []
    for box in canonical.boxes:
        parts = [
            f"{name} {cube_to_text(atom) if name in _ADDRESS_FIELDS else _interval(atom)}"
            for name, atom in zip(FIELDS, box, strict=True)
        ]
        boxes.append(" ".join(parts))
    return {"describe": canonical.describe(with_source=True), "boxes": boxes}


def model_to_jsonable(obj: Any) -> Any:
    """Return a JSON-ready structure for a model object (or any nesting of them).

    Examples:
        >>> from auditor.model import Source
        >>> model_to_jsonable(Source("f", 3, "x"))
        {'file': 'f', 'line': 3, 'text': 'x'}
    """
    if isinstance(obj, FlowSpace):
        return _flowspace(obj)
    if isinstance(obj, Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for field in dataclasses.fields(obj):
            value = getattr(obj, field.name)
            if field.name in _CUBE_FIELDS and isinstance(value, tuple):
                out[field.name] = [cube_to_text(cube) for cube in value]
            else:
                out[field.name] = model_to_jsonable(value)
        return out
    if isinstance(obj, (frozenset, set)):
        return sorted(model_to_jsonable(item) for item in obj)
    if isinstance(obj, (tuple, list)):
        return [model_to_jsonable(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): model_to_jsonable(value) for key, value in obj.items()}
    return obj
