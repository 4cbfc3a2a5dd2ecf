"""Exact sets of packets: the algebra the engine evaluates rule sets with.

Sits under the model and the engine: parsers describe what a rule matches as a
``FlowSpace``; the engine intersects and subtracts those sets in first-match order.
Nothing here samples packets: every operation is exact.

A packet has six header fields (``FIELDS``). A ``FlowSpace`` is a union of pairwise
disjoint *boxes*; a box fixes one *atom* per field. Addresses use ternary cubes
(value, care-mask), so a prefix and a non-contiguous Cisco wildcard are both one atom;
the other fields use inclusive integer intervals. Pure: no I/O, no logging, no globals
that change.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from auditor.quick import quick_init

FIELDS = ("protocol", "src", "dst", "sport", "dport", "state")
_PROTO, _SRC, _DST, _SPORT, _DPORT, _STATE = range(6)
_ADDRESS_FIELDS = frozenset({_SRC, _DST})
_ALL32 = 0xFFFFFFFF

TCP = 6
UDP = 17
ICMP = 1
PROTOCOL_NAMES = {TCP: "TCP", UDP: "UDP", ICMP: "ICMP"}

# Connection state of a packet as a stateful filter sees it. A new TCP connection is a SYN
# without ACK, which is STATE_NEW; `established`-style conditions (ACK or RST set, conntrack
# ESTABLISHED) match STATE_ESTABLISHED only. STATE_UNTRACKED is what a packet exempted from
# connection tracking (netfilter NOTRACK) carries instead of NEW.
STATE_NEW = 0
STATE_ESTABLISHED = 1
STATE_RELATED = 2
STATE_UNTRACKED = 3
STATE_MAX = 3

Interval = tuple[int, int]
"""Inclusive integer range ``(lo, hi)``."""
Cube = tuple[int, int]
"""Ternary address set ``(value, care)``: an address ``a`` is in it iff ``a & care == value``."""
Atom = tuple[int, int]
Box = tuple[Atom, Atom, Atom, Atom, Atom, Atom]

FULL_INTERVALS: dict[int, Interval] = {
    _PROTO: (0, 255),
    _SPORT: (0, 65535),
    _DPORT: (0, 65535),
    _STATE: (0, STATE_MAX),
}
ANY_CUBE: Cube = (0, 0)


class Packet(NamedTuple):
    """One concrete packet: a witness, or a point the brute-force oracle walks."""

    protocol: int
    src: int
    dst: int
    sport: int
    dport: int
    state: int


# --- atoms -------------------------------------------------------------------------------


# Four decimal octets without leading zeros; [0-9] is ASCII only, as ipaddress wants.
_QUAD = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}")


@lru_cache(maxsize=65536)
def address_value(text: str) -> int:
    """Return a dotted-quad IPv4 address as an integer (configs repeat addresses; cached).

    Raises:
        ValueError: the text is not a dotted-quad IPv4 address.

    Examples:
        >>> address_value("17.0.0.1")
        285212673
    """
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 for p in parts):
        raise ValueError(f"not an IPv4 address: {text!r}")
    value = 0
    for part in parts:
        octet = int(part)
        if octet > 255:
            raise ValueError(f"not an IPv4 address: {text!r}")
        value = value << 8 | octet
    return value


def cube_from_prefix(network: str) -> Cube:
    """Return the cube of an IPv4 prefix.

    Examples:
        >>> cube_from_prefix("17.0.0.0/8")
        (285212672, 4278190080)
    """
    address, slash, length = network.partition("/")
    if length.isdigit() and len(length) <= 2 and int(length) <= 32 and _plain_quad(address):
        care = (_ALL32 << (32 - int(length))) & _ALL32
        return (address_value(address) & care, care)
    if not slash and _plain_quad(address):
        return (address_value(address), _ALL32)
    net = ipaddress.IPv4Network(network, strict=False)  # netmask and hostmask forms
    care = int(net.netmask)
    return (int(net.network_address) & care, care)


def quad_value(text: str) -> int | None:
    """Return a dotted quad as ``ipaddress`` reads it (ASCII digits, no leading zeros), else None.

    The parsers' fast paths take what this reads and leave the rest to their general path,
    so a plain address never costs an ``ipaddress`` object and an odd one keeps its meaning.

    Examples:
        >>> quad_value("17.0.0.1"), quad_value("017.0.0.1"), quad_value("17.0.0")
        (285212673, None, None)
    """
    if _QUAD.fullmatch(text) is None:
        return None
    try:  # the pattern has the shape; inet_aton refuses an octet over 255
        return int.from_bytes(socket.inet_aton(text), "big")
    except OSError:
        return None


def _plain_quad(text: str) -> bool:
    return quad_value(text) is not None


def cube_from_wildcard(address: str, wildcard: str) -> Cube:
    """Return the cube of a Cisco address/wildcard pair (set bits in the wildcard are free).

    Examples:
        >>> cube_from_wildcard("17.0.0.0", "0.255.255.255") == cube_from_prefix("17.0.0.0/8")
        True
    """
    care = ~address_value(wildcard) & _ALL32
    return (address_value(address) & care, care)


def cube_from_mask(address: str, mask: str) -> Cube:
    """Return the cube of an address and a subnet mask (set bits in the mask are cared for)."""
    care = address_value(mask)
    return (address_value(address) & care, care)


def cube_host(address: str | int) -> Cube:
    """Return the cube holding exactly one address."""
    value = address if isinstance(address, int) else address_value(address)
    return (value, _ALL32)


def cubes_from_range(first: str | int, last: str | int) -> list[Cube]:
    """Return the prefix cubes that exactly cover an inclusive address range.

    Examples:
        >>> [cube_to_text(c) for c in cubes_from_range("10.0.0.1", "10.0.0.6")]
        ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']
    """
    lo = first if isinstance(first, int) else address_value(first)
    hi = last if isinstance(last, int) else address_value(last)
    cubes: list[Cube] = []
    while lo <= hi:
        size = lo & -lo if lo else 1 << 32
        while lo + size - 1 > hi:
            size >>= 1
        cubes.append((lo, ~(size - 1) & _ALL32))
        lo += size
    return cubes


def cube_is_prefix(cube: Cube) -> bool:
    """Tell whether the cube's cared bits are a run of leading ones (a CIDR prefix)."""
    inverted = ~cube[1] & _ALL32
    return inverted & (inverted + 1) == 0


def cube_to_text(cube: Cube) -> str:
    """Render a cube as CIDR when it is a prefix, else as ``address wildcard``."""
    value, care = cube
    if cube_is_prefix(cube):
        return f"{ipaddress.IPv4Address(value)}/{bin(care).count('1')}"
    return f"{ipaddress.IPv4Address(value)} wildcard {ipaddress.IPv4Address(~care & _ALL32)}"


def _cube_size(cube: Cube) -> int:
    return 1 << (32 - bin(cube[1]).count("1"))


def _intersect_atom(field: int, a: Atom, b: Atom) -> Atom | None:
    if field in _ADDRESS_FIELDS:
        if (a[0] ^ b[0]) & a[1] & b[1]:
            return None
        return (a[0] | b[0], a[1] | b[1])
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def _subtract_atom(field: int, a: Atom, b: Atom) -> list[Atom]:
    """Return disjoint atoms covering ``a - b``, given that ``a`` and ``b`` intersect."""
    if field in _ADDRESS_FIELDS:
        value, care = a
        free = b[1] & ~care
        pieces: list[Atom] = []
        bit = 1 << 31
        # Most significant bit first, so the pieces of a prefix minus a prefix are prefixes.
        while free:
            if free & bit:
                pieces.append(((value | (~b[0] & bit)) & (care | bit), care | bit))
                value |= b[0] & bit
                care |= bit
                free &= ~bit
            bit >>= 1
        return pieces
    out: list[Atom] = []
    if a[0] < b[0]:
        out.append((a[0], b[0] - 1))
    if a[1] > b[1]:
        out.append((b[1] + 1, a[1]))
    return out


def _atom_contains(field: int, atom: Atom, value: int) -> bool:
    if field in _ADDRESS_FIELDS:
        return value & atom[1] == atom[0]
    return atom[0] <= value <= atom[1]


def _atom_merge(field: int, a: Atom, b: Atom) -> Atom | None:
    """Return one atom equal to ``a | b`` for disjoint neighbours, else None."""
    if field in _ADDRESS_FIELDS:
        if a[1] != b[1]:
            return None
        diff = a[0] ^ b[0]
        if diff & (diff - 1):  # more than one bit differs
            return None
        return (a[0] & ~diff, a[1] & ~diff)
    if a[1] + 1 == b[0]:
        return (a[0], b[1])
    if b[1] + 1 == a[0]:
        return (b[0], a[1])
    return None


# --- boxes -------------------------------------------------------------------------------


def _intersect_box(a: Box, b: Box) -> Box | None:
    # The hot loop of every walk, unrolled: destination port and address first, since
    # they tell most rules apart. Comparisons instead of max()/min(): no call per field.
    a4, b4 = a[_DPORT], b[_DPORT]
    lo4 = a4[0] if a4[0] > b4[0] else b4[0]
    hi4 = a4[1] if a4[1] < b4[1] else b4[1]
    if lo4 > hi4:
        return None
    a2, b2 = a[_DST], b[_DST]
    if (a2[0] ^ b2[0]) & a2[1] & b2[1]:
        return None
    a0, b0 = a[_PROTO], b[_PROTO]
    lo0 = a0[0] if a0[0] > b0[0] else b0[0]
    hi0 = a0[1] if a0[1] < b0[1] else b0[1]
    if lo0 > hi0:
        return None
    a1, b1 = a[_SRC], b[_SRC]
    if (a1[0] ^ b1[0]) & a1[1] & b1[1]:
        return None
    a3, b3 = a[_SPORT], b[_SPORT]
    lo3 = a3[0] if a3[0] > b3[0] else b3[0]
    hi3 = a3[1] if a3[1] < b3[1] else b3[1]
    if lo3 > hi3:
        return None
    a5, b5 = a[_STATE], b[_STATE]
    lo5 = a5[0] if a5[0] > b5[0] else b5[0]
    hi5 = a5[1] if a5[1] < b5[1] else b5[1]
    if lo5 > hi5:
        return None
    return (
        (lo0, hi0),
        (a1[0] | b1[0], a1[1] | b1[1]),
        (a2[0] | b2[0], a2[1] | b2[1]),
        (lo3, hi3),
        (lo4, hi4),
        (lo5, hi5),
    )


def _subtract_overlapping(a: Box, b: Box, overlap: Box) -> list[Box]:
    """Return disjoint boxes covering ``a - b``, given their intersection ``overlap``."""
    pieces: list[Box] = []
    current = list(a)
    for field in range(6):
        for atom in _subtract_atom(field, current[field], b[field]):
            piece = list(current)
            piece[field] = atom
            pieces.append(tuple(piece))  # type: ignore[arg-type]
        current[field] = overlap[field]
    return pieces


def _box_size(box: Box) -> int:
    size = 1
    for field, atom in enumerate(box):
        size *= _cube_size(atom) if field in _ADDRESS_FIELDS else atom[1] - atom[0] + 1
    return size


# --- sets --------------------------------------------------------------------------------


@quick_init  # built for every rule condition and every set operation
@dataclass(frozen=True, slots=True)
class FlowSpace:
    """An exact set of packets: a union of pairwise disjoint boxes.

    Examples:
        >>> apple = FlowSpace.build(protocols=[(UDP, UDP)], dst=[cube_from_prefix("17.0.0.0/8")],
        ...                         dport=[(16384, 16387)])
        >>> hole = FlowSpace.build(protocols=[(UDP, UDP)], dport=[(16385, 16386)])
        >>> (apple - hole).describe()
        'UDP 16384, 16387 to 17.0.0.0/8'
        >>> (apple - apple).is_empty()
        True
    """

    boxes: tuple[Box, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        protocols: Sequence[Interval] | None = None,
        src: Sequence[Cube] | None = None,
        dst: Sequence[Cube] | None = None,
        sport: Sequence[Interval] | None = None,
        dport: Sequence[Interval] | None = None,
        state: Sequence[Interval] | None = None,
    ) -> FlowSpace:
        """Return the product of per-field atom lists; None means "any value"."""
        box = _single_box(protocols, src, dst, sport, dport, state)
        if box is not None:  # most rule conditions: at most one atom per field
            return cls((box,))
        fields: list[list[Atom]] = [
            _disjoint_intervals(protocols, FULL_INTERVALS[_PROTO]),
            _disjoint_cubes(src),
            _disjoint_cubes(dst),
            _disjoint_intervals(sport, FULL_INTERVALS[_SPORT]),
            _disjoint_intervals(dport, FULL_INTERVALS[_DPORT]),
            _disjoint_intervals(state, FULL_INTERVALS[_STATE]),
        ]
        boxes: list[Box] = [()]  # type: ignore[list-item]
        for atoms in fields:
            boxes = [box + (atom,) for box in boxes for atom in atoms]  # type: ignore[misc]
        return cls(tuple(boxes))

    @classmethod
    def everything(cls) -> FlowSpace:
        """Return the set of all packets (one shared value: a FlowSpace never changes)."""
        global _EVERYTHING
        space = _EVERYTHING
        if space is None or type(space) is not cls:
            space = _EVERYTHING = cls.build()
        return space

    @classmethod
    def nothing(cls) -> FlowSpace:
        """Return the empty set."""
        return cls(())

    def is_empty(self) -> bool:
        """Tell whether the set holds no packet."""
        return not self.boxes

    def __bool__(self) -> bool:
        return bool(self.boxes)

    def __and__(self, other: FlowSpace) -> FlowSpace:
        if self is _EVERYTHING:  # the start of most intersections: nothing to compute
            return other
        if other is _EVERYTHING:
            return self
        out = []
        for a in self.boxes:
            for b in other.boxes:
                box = _intersect_box(a, b)
                if box is not None:
                    out.append(box)
        return FlowSpace(tuple(out))

    def __sub__(self, other: FlowSpace) -> FlowSpace:
        current = list(self.boxes)
        for b in other.boxes:
            if not current:
                break
            nxt: list[Box] = []
            for a in current:
                overlap = _intersect_box(a, b)
                if overlap is None:  # the common case: nothing to cut out
                    nxt.append(a)
                else:
                    nxt.extend(_subtract_overlapping(a, b, overlap))
            current = nxt
        return FlowSpace(tuple(current))

    def __or__(self, other: FlowSpace) -> FlowSpace:
        if not self.boxes:
            return other
        return FlowSpace(self.boxes + (other - self).boxes)

    def intersects(self, other: FlowSpace) -> bool:
        """Tell whether the two sets share at least one packet."""
        for a in self.boxes:
            for b in other.boxes:
                if _intersect_box(a, b) is not None:
                    return True
        return False

    def issubset(self, other: FlowSpace) -> bool:
        """Tell whether every packet of this set is in ``other``."""
        return (self - other).is_empty()

    def same_as(self, other: FlowSpace) -> bool:
        """Tell whether both sets hold exactly the same packets."""
        return self.issubset(other) and other.issubset(self)

    def __contains__(self, packet: object) -> bool:
        if not isinstance(packet, tuple) or len(packet) != 6:
            return False
        return any(all(_atom_contains(f, box[f], packet[f]) for f in range(6)) for box in self.boxes)

    def size(self) -> int:
        """Return the number of packets in the set."""
        return sum(_box_size(box) for box in self.boxes)

    def witness(self) -> Packet | None:
        """Return one packet of the set (the lowest corner of its first box), or None."""
        if not self.boxes:
            return None
        box = min(self.boxes)
        return Packet(*(atom[0] for atom in box))

    def replace_field(self, field: str, atoms: Sequence[Atom]) -> FlowSpace:
        """Return the set with one field's value replaced by ``atoms`` in every box.

        Used to follow a packet through address translation: e.g. the sources a NAT
        rewrites become the translated addresses. The result is re-made disjoint.
        """
        index = FIELDS.index(field)
        out = FlowSpace()
        for box in self.boxes:
            for atom in atoms:
                piece = list(box)
                piece[index] = atom
                out = out | FlowSpace((tuple(piece),))  # type: ignore[arg-type]
        return out

    def sources(self) -> FlowSpace:
        """Return the source addresses of the set, every other field widened to "any"."""
        out = FlowSpace()
        for box in self.boxes:
            out = out | FlowSpace.build(src=[box[_SRC]])
        return out

    def describe_sources(self) -> str:
        """List the source addresses of the set, e.g. ``10.1.1.0/24, 10.9.0.0/16``."""
        return ", ".join(cube_to_text(box[_SRC]) for box in self.sources().canonical().boxes)

    def canonical(self) -> FlowSpace:
        """Return an equal set in canonical form: merged neighbours, sorted boxes.

        Idempotent: ``s.canonical().canonical() == s.canonical()``.
        """
        if len(self.boxes) < 2:
            return self
        boxes = sorted(set(self.boxes))
        changed = True
        while changed:
            changed = False
            merged: list[Box] = []
            used = [False] * len(boxes)
            for i, a in enumerate(boxes):
                if used[i]:
                    continue
                for j in range(i + 1, len(boxes)):
                    if used[j]:
                        continue
                    m = _merge_boxes(a, boxes[j])
                    if m is not None:
                        a = m
                        used[j] = True
                        changed = True
                merged.append(a)
            boxes = sorted(merged)
        return FlowSpace(tuple(boxes))

    def __iter__(self) -> Iterator[Box]:
        return iter(self.boxes)

    def describe(self, *, with_source: bool = False) -> str:
        """Describe the set as a person reads it, e.g. ``UDP 16395-16396 to 17.0.0.0/8``.

        Groups boxes by protocol, destination and (optionally) source, and lists the
        destination ports of each group. State and source ports are left out: the engine
        only asks about new connections from any source port.
        """
        groups: dict[tuple[str, str, str], list[Interval]] = {}
        for box in self.canonical().boxes:
            proto = _describe_protocol(box[_PROTO])
            src = cube_to_text(box[_SRC]) if with_source else ""
            dst = cube_to_text(box[_DST])
            groups.setdefault((proto, dst, src), []).append(box[_DPORT])
        parts = []
        for (proto, dst, src), ports in sorted(groups.items()):
            text = proto
            if ports and ports != [FULL_INTERVALS[_DPORT]]:
                text += " " + ", ".join(_interval_text(p) for p in merge_intervals(ports))
            if src:
                text += f" from {src}"
            parts.append(f"{text} to {dst}")
        return "; ".join(parts) if parts else "nothing"


def meets_test(reach: FlowSpace) -> Callable[[FlowSpace], bool]:
    """Return a test equal to ``space.intersects(reach)``, made for many spaces and one reach.

    A pack's reach (protocol x destination port, anything else) is the common case: two
    non-empty boxes meet such a box exactly when their protocols and destination ports
    overlap, four comparisons and no call. Any other reach gets ``intersects`` itself.
    """
    corners = []
    for box in reach.boxes:
        if (
            box[_SRC] != ANY_CUBE
            or box[_DST] != ANY_CUBE
            or box[_SPORT] != FULL_INTERVALS[_SPORT]
            or box[_STATE] != FULL_INTERVALS[_STATE]
        ):
            return reach.intersects
        corners.append((box[_PROTO][0], box[_PROTO][1], box[_DPORT][0], box[_DPORT][1]))

    def meets(space: FlowSpace) -> bool:
        for box in space.boxes:
            (plo, phi), (dlo, dhi) = box[_PROTO], box[_DPORT]
            for low, high, first, last in corners:
                if plo <= high and low <= phi and dlo <= last and first <= dhi:
                    return True
        return False

    return meets


def _single_box(
    protocols: Sequence[Interval] | None,
    src: Sequence[Cube] | None,
    dst: Sequence[Cube] | None,
    sport: Sequence[Interval] | None,
    dport: Sequence[Interval] | None,
    state: Sequence[Interval] | None,
) -> Box | None:
    """Return the one box of ``build``'s arguments when each names at most one non-empty atom.

    None sends ``build`` the general way (several atoms to make disjoint, or an empty interval).
    """
    intervals: list[Interval] = []
    for values, full in (
        (protocols, (0, 255)),
        (sport, (0, 65535)),
        (dport, (0, 65535)),
        (state, (0, STATE_MAX)),
    ):
        if values is None:
            intervals.append(full)
        elif len(values) == 1 and values[0][0] <= values[0][1]:
            lo, hi = values[0]
            intervals.append((lo, hi))
        else:
            return None
    if src is None:
        src_atom = ANY_CUBE
    elif len(src) == 1:
        src_atom = src[0]
    else:
        return None
    if dst is None:
        dst_atom = ANY_CUBE
    elif len(dst) == 1:
        dst_atom = dst[0]
    else:
        return None
    return (intervals[0], src_atom, dst_atom, intervals[1], intervals[2], intervals[3])


def _merge_boxes(a: Box, b: Box) -> Box | None:
    """Return the one box covering ``a`` and ``b`` when they differ in one field and touch there."""
    field = -1
    for f in range(6):
        if a[f] != b[f]:
            if field >= 0:  # a second field differs: most pairs stop here
                return None
            field = f
    if field < 0:  # the same box
        return None
    atom = _atom_merge(field, a[field], b[field])
    if atom is None:
        return None
    merged = list(a)
    merged[field] = atom
    return tuple(merged)  # type: ignore[return-value]


def _disjoint_intervals(values: Sequence[Interval] | None, full: Interval) -> list[Atom]:
    if values is None:
        return [full]
    return merge_intervals(values)


def _disjoint_cubes(values: Sequence[Cube] | None) -> list[Atom]:
    if values is None:
        return [ANY_CUBE]
    if len(values) == 1:  # the common case: one address operand
        return [values[0]]
    space = FlowSpace()
    for cube in values:
        space = space | FlowSpace(((FULL_INTERVALS[_PROTO], cube, ANY_CUBE, (0, 0), (0, 0), (0, 0)),))
    return [box[_SRC] for box in space.canonical().boxes]


def merge_intervals(values: Iterable[Interval]) -> list[Interval]:
    """Return sorted, non-overlapping, non-adjacent intervals covering the same integers.

    Examples:
        >>> merge_intervals([(5, 7), (1, 2), (3, 3), (9, 9)])
        [(1, 3), (5, 7), (9, 9)]
    """
    out: list[Interval] = []
    for lo, hi in sorted(values):
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _interval_text(interval: Interval) -> str:
    lo, hi = interval
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _describe_protocol(interval: Interval) -> str:
    lo, hi = interval
    if (lo, hi) == FULL_INTERVALS[_PROTO]:
        return "IP"
    if lo == hi:
        return PROTOCOL_NAMES.get(lo, f"protocol {lo}")
    return f"protocols {lo}-{hi}"


_EVERYTHING: FlowSpace | None = None
