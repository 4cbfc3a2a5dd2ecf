"""Set-algebra laws of FlowSpace, checked against brute-force enumeration of a tiny universe."""

from __future__ import annotations

import ipaddress
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.flowspace import (
    UDP,
    FlowSpace,
    Packet,
    cube_from_prefix,
    cube_from_wildcard,
    cubes_from_range,
    meets_test,
    quad_value,
)
from tests.universe import UNIVERSE_SPACE, members, spaces

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(spaces(), spaces())
def test_union_intersection_difference_match_enumeration(a: FlowSpace, b: FlowSpace) -> None:
    ma, mb = members(a), members(b)
    assert members(a | b) == ma | mb
    assert members(a & b) == ma & mb
    assert members(a - b) == ma - mb


@FAST
@given(spaces())
def test_boxes_are_disjoint_and_size_counts_packets(a: FlowSpace) -> None:
    for x, y in itertools.combinations(a.boxes, 2):
        assert not FlowSpace((x,)).intersects(FlowSpace((y,)))
    inside = a & UNIVERSE_SPACE
    assert inside.size() == len(members(a))


@FAST
@given(spaces())
def test_canonical_form_is_idempotent_and_equal(a: FlowSpace) -> None:
    c = a.canonical()
    assert c.canonical() == c
    assert c.same_as(a)
    assert members(c) == members(a)


@FAST
@given(spaces(), spaces())
def test_emptiness_and_subset_agree_with_enumeration(a: FlowSpace, b: FlowSpace) -> None:
    a, b = a & UNIVERSE_SPACE, b & UNIVERSE_SPACE
    assert a.is_empty() == (not members(a))
    assert a.issubset(b) == members(a).issubset(members(b))
    w = a.witness()
    assert (w is None) == a.is_empty()
    if w is not None:
        assert w in a


def test_non_contiguous_wildcard_is_exact() -> None:
    # 10.0.X.1 for every X: a Cisco wildcard no prefix list can express in one piece.
    odd = FlowSpace.build(src=[cube_from_wildcard("10.0.0.1", "0.0.255.0")])
    assert Packet(6, 0x0A002A01, 0, 0, 0, 0) in odd
    assert Packet(6, 0x0A002A02, 0, 0, 0, 0) not in odd
    assert odd.size() == 256 * FlowSpace.build(src=[cube_from_prefix("10.0.0.1/32")]).size()


def test_range_becomes_exact_prefixes() -> None:
    cubes = cubes_from_range("10.0.0.5", "10.0.1.2")
    space = FlowSpace.build(src=cubes)
    assert (
        space.size()
        == (0x0A000102 - 0x0A000005 + 1) * FlowSpace.build(src=[cube_from_prefix("1.1.1.1/32")]).size()
    )


def test_describe_reads_like_a_person_wrote_it() -> None:
    apple = FlowSpace.build(
        protocols=[(UDP, UDP)], dst=[cube_from_prefix("17.0.0.0/8")], dport=[(16393, 16402)]
    )
    hole = FlowSpace.build(dport=[(16395, 16396)])
    assert (apple & hole).describe() == "UDP 16395-16396 to 17.0.0.0/8"
    assert (apple - hole).describe() == "UDP 16393-16394, 16397-16402 to 17.0.0.0/8"
    assert FlowSpace().describe() == "nothing"


_intervals = st.tuples(st.integers(0, 70), st.integers(0, 70))
_cubes = st.tuples(st.integers(0, 255), st.sampled_from([0, 0xF0, 0xFF, 0x0F]))
_field = st.sampled_from(["protocols", "sport", "dport", "state"])


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(_field, _intervals, max_size=4),
    st.dictionaries(st.sampled_from(["src", "dst"]), _cubes, max_size=2),
)
def test_one_atom_per_field_builds_what_the_general_way_builds(
    intervals: dict[str, tuple[int, int]], cubes: dict[str, tuple[int, int]]
) -> None:
    # One atom per field takes build's shortcut; the same atom twice takes the general
    # way (merge, make disjoint, multiply out). Both must give the same boxes, and an
    # empty interval (lo > hi) must give the empty set either way.
    atoms = {**intervals, **{k: (v & m, m) for k, (v, m) in cubes.items()}}
    once = FlowSpace.build(**{k: [v] for k, v in atoms.items()})  # type: ignore[arg-type]
    twice = FlowSpace.build(**{k: [v, v] for k, v in atoms.items()})  # type: ignore[arg-type]
    assert once.boxes == twice.boxes
    assert once.is_empty() == any(lo > hi for lo, hi in intervals.values())


_OCTET_TEXT = st.one_of(
    st.integers(0, 300).map(str),
    st.text("0123456789", min_size=1, max_size=4),  # leading zeros, too long
    st.sampled_from(["", " 1", "1 ", "١", "+1", "0x1"]),  # empty, spaces, non-ASCII digit, signs
)


@given(st.lists(_OCTET_TEXT, min_size=3, max_size=5).map(".".join))
def test_quad_value_reads_what_ipaddress_reads(text: str) -> None:
    # The parsers' fast paths rely on it: a value exactly when ipaddress accepts the text.
    try:
        expected: int | None = int(ipaddress.IPv4Address(text))
    except ValueError:
        expected = None
    assert quad_value(text) == expected


_PORT_EDGES = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 80, 65535])  # the universe's ports are 0-6
_REACH_PROTOCOLS = st.sampled_from([(6, 6), (17, 17), (0, 255), (1, 16), (18, 255)])
_REACH_BOXES = st.lists(st.tuples(_REACH_PROTOCOLS, st.tuples(_PORT_EDGES, _PORT_EDGES)), max_size=4)


@given(spaces(), _REACH_BOXES)
def test_meets_test_agrees_with_intersects_on_reaches(space: FlowSpace, boxes: list) -> None:
    # A pack's reach (protocol x destination port) takes the comparison path.
    reach = FlowSpace.nothing()
    for protocols, (a, b) in boxes:
        reach = reach | FlowSpace.build(protocols=[protocols], dport=[(min(a, b), max(a, b))])
    assert meets_test(reach)(space) == space.intersects(reach)


@given(spaces(), spaces())
def test_meets_test_agrees_with_intersects_on_any_reach(space: FlowSpace, reach: FlowSpace) -> None:
    assert meets_test(reach)(space) == space.intersects(reach)
