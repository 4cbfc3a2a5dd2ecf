"""One firewall rule's match, intersected condition by condition (parse stage, mikrotik_routeros).

``Cond.add`` intersects the match read so far with each condition's ``FlowSpace`` in turn.
Most conditions constrain one header field each (an address, the protocol, a port list,
the connection state), and intersecting such spaces one after another gives the product of
their atoms, the first condition's field outermost. ``MatchBuilder`` computes that product
directly, box for box and in the same order as the intersections would; any other condition
(negated, two fields, a field already constrained) makes it fall back to the intersections
themselves from there on, so the result is the same ``FlowSpace`` either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from auditor.flowspace import Atom, Box, FlowSpace, Interval, merge_intervals

__all__ = ["FIELD", "FULL", "MatchBuilder", "field_atoms", "single_field"]

FIELD = {"protocols": 0, "src": 1, "dst": 2, "sport": 3, "dport": 4, "state": 5}
FULL: Box = FlowSpace.everything().boxes[0]  # every packet, one box
_FULL = FULL


@lru_cache(maxsize=1024)
def field_atoms(name: str, values: tuple[Interval, ...]) -> tuple[Atom, ...]:
    """Return the atoms of ``FlowSpace.build(name=values)`` (disjoint, in its order); cached."""
    if name not in ("src", "dst"):
        return tuple(merge_intervals(values))  # what build makes of one field's intervals
    if len(values) == 1:
        return (values[0],)  # build keeps a single cube as it is
    index = FIELD[name]
    return tuple(box[index] for box in FlowSpace.build(**{name: values}).boxes)


def single_field(index: int, atoms: Sequence[Atom]) -> FlowSpace:
    """Return the packets whose field ``index`` lies in one of ``atoms``, as ``FlowSpace.build`` would."""
    boxes = [_FULL[:index] + (atom,) + _FULL[index + 1 :] for atom in atoms]
    return FlowSpace(tuple(boxes))  # type: ignore[arg-type]


class MatchBuilder:
    """A rule's match: single-field conditions kept as a product until something needs more."""

    __slots__ = ("_fields", "_product", "_space")

    def __init__(self) -> None:
        """Start from every packet."""
        self._product: list[tuple[int, Sequence[Atom]]] = []  # outermost first
        self._fields: set[int] = set()
        self._space: FlowSpace | None = None  # set once a condition left the product form

    def atoms(self, index: int, atoms: Sequence[Atom]) -> None:
        """Intersect with ``single_field(index, atoms)``."""
        if self._space is None and index not in self._fields:
            self._product.append((index, atoms))
            self._fields.add(index)
            return
        self.add(single_field(index, atoms))

    def add(self, space: FlowSpace, negated: bool = False) -> None:
        """Intersect with ``space`` (or its complement when ``negated``), as ``Cond.add`` does."""
        self._space = self.space() & (FlowSpace.everything() - space if negated else space)

    def space(self) -> FlowSpace:
        """Return the match read so far."""
        if self._space is not None:
            return self._space
        if not self._product:
            return FlowSpace.everything()
        if all(len(atoms) == 1 for _, atoms in self._product):  # most rules: one box
            box = list(_FULL)
            for index, atoms in self._product:
                box[index] = atoms[0]
            return FlowSpace((tuple(box),))  # type: ignore[arg-type]
        boxes: list[Box] = [_FULL]
        for index, atoms in self._product:
            boxes = [box[:index] + (atom,) + box[index + 1 :] for box in boxes for atom in atoms]  # type: ignore[misc]
        return FlowSpace(tuple(boxes))
