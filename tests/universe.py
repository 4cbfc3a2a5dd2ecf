"""A tiny packet universe and Hypothesis strategies over it, for oracle tests.

Addresses vary only in their low bits and ports stay small, so every packet of the
universe can be enumerated and walked one by one by a brute-force oracle.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from hypothesis import strategies as st

from auditor.flowspace import (
    ANY_CUBE,
    STATE_ESTABLISHED,
    STATE_MAX,
    STATE_NEW,
    TCP,
    UDP,
    Cube,
    FlowSpace,
    Interval,
    Packet,
)

SRC_BASE = 0x0A000000  # 10.0.0.0, low 3 bits vary
DST_BASE = 0x11000000  # 17.0.0.0, low 2 bits vary
SRC_BITS, DST_BITS = 3, 2
PROTOCOLS = (TCP, UDP)
SPORTS = range(0, 2)
DPORTS = range(0, 6)
STATES = range(0, STATE_MAX + 1)

UNIVERSE_SPACE = FlowSpace.build(
    protocols=[(TCP, TCP), (UDP, UDP)],
    src=[(SRC_BASE, ~((1 << SRC_BITS) - 1) & 0xFFFFFFFF)],
    dst=[(DST_BASE, ~((1 << DST_BITS) - 1) & 0xFFFFFFFF)],
    sport=[(SPORTS.start, SPORTS.stop - 1)],
    dport=[(DPORTS.start, DPORTS.stop - 1)],
)


def universe() -> Iterator[Packet]:
    """Every packet of the tiny universe."""
    for proto, s, d, sp, dp, st_ in itertools.product(
        PROTOCOLS, range(1 << SRC_BITS), range(1 << DST_BITS), SPORTS, DPORTS, STATES
    ):
        yield Packet(proto, SRC_BASE + s, DST_BASE + d, sp, dp, st_)


def _cube(base: int, bits: int) -> st.SearchStrategy[Cube]:
    low = (1 << bits) - 1

    @st.composite
    def build(draw: st.DrawFn) -> Cube:
        if draw(st.booleans()) and draw(st.booleans()):
            return ANY_CUBE
        care_low = draw(st.integers(0, low))  # any bit pattern: non-contiguous wildcards too
        value_low = draw(st.integers(0, low)) & care_low
        return (base | value_low, (0xFFFFFFFF & ~low) | care_low)

    return build()


def _interval(lo: int, hi: int, full: Interval) -> st.SearchStrategy[Interval]:
    @st.composite
    def build(draw: st.DrawFn) -> Interval:
        if draw(st.integers(0, 4)) == 0:
            return full
        a, b = draw(st.integers(lo, hi)), draw(st.integers(lo, hi))
        return (min(a, b), max(a, b))

    return build()


src_cubes = _cube(SRC_BASE, SRC_BITS)
dst_cubes = _cube(DST_BASE, DST_BITS)
# Source ports 0 and 1 stand for the classes "0" and "1 and above": rules only use
# intervals whose bounds respect those classes, so the universe decides for every port.
sport_intervals = st.sampled_from([(0, 65535), (0, 0), (1, 65535)])
dport_intervals = _interval(DPORTS.start, DPORTS.stop, (0, 65535))
state_intervals = st.sampled_from(
    [(0, STATE_MAX), (STATE_NEW, STATE_NEW), (STATE_ESTABLISHED, STATE_MAX), (0, 1)]
)
protocol_intervals = st.sampled_from([(TCP, TCP), (UDP, UDP), (0, 255)])


@st.composite
def spaces(draw: st.DrawFn, max_boxes: int = 4) -> FlowSpace:
    """A FlowSpace made of a few (possibly overlapping) products."""
    space = FlowSpace()
    for _ in range(draw(st.integers(0, max_boxes))):
        space = space | FlowSpace.build(
            protocols=[draw(protocol_intervals)],
            src=draw(st.lists(src_cubes, min_size=1, max_size=2)),
            dst=[draw(dst_cubes)],
            sport=[draw(sport_intervals)],
            dport=draw(st.lists(dport_intervals, min_size=1, max_size=2)),
            state=[draw(state_intervals)],
        )
    return space


def members(space: FlowSpace) -> set[Packet]:
    """The packets of ``space`` that lie in the tiny universe, enumerated box by box."""
    out: set[Packet] = set()
    for box in (space & UNIVERSE_SPACE).boxes:
        fields = []
        for index, (lo, hi) in enumerate(box):
            if index in (1, 2):  # address cubes: enumerate the free low bits
                value, care = lo, hi
                bits = SRC_BITS if index == 1 else DST_BITS
                fields.append(
                    [
                        a
                        for a in range(value & ~((1 << bits) - 1), (value | ((1 << bits) - 1)) + 1)
                        if a & care == value
                    ]
                )
            else:
                fields.append(range(lo, hi + 1))
        out.update(Packet(*values) for values in itertools.product(*fields))
    return out
