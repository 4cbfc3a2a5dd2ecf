"""``quick_init``: a cheaper constructor for the frozen, slotted dataclasses built per config line.

Its own module so that ``flowspace`` (below ``model``) can use it too.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["quick_init"]

_Frozen = TypeVar("_Frozen")


def quick_init(cls: type[_Frozen]) -> type[_Frozen]:
    """Give a frozen, slotted dataclass an ``__init__`` that fills its slots directly.

    A frozen dataclass's own ``__init__`` goes through ``object.__setattr__`` for every
    field. Parsers build a ``Source`` and a ``Rule`` per config line, twice per audited
    device (the proof parses again), so that is a real share of a fleet run. Same
    signature and defaults; the instance stays frozen (assignment still raises).
    """
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if hasattr(cls, "__post_init__") or any(
        not f.init or f.default_factory is not dataclasses.MISSING for f in fields
    ):
        raise TypeError(f"{cls.__name__}: quick_init takes plain fields and plain defaults only")
    scope: dict[str, Any] = {}
    params, body = [], []
    for f in fields:
        scope[f"_set_{f.name}"] = getattr(cls, f.name).__set__  # the slot's own descriptor
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            scope[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    # Generated like dataclasses generates its own: one plain call per field, no loop.
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body) + "\n", scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
