"""The iptables reader's fast paths against the general paths they stand in for.

The reader meets a rule's conditions box by box instead of through ``Cond.add``, reads plain
dotted-quad prefixes without the general address code, and memoizes whole rule lines. Each
must give exactly the value (down to the order of the boxes) the general path gives, and
accept nothing the general path would read differently.
"""

from __future__ import annotations

import ipaddress
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.flowspace import (
    STATE_ESTABLISHED,
    STATE_NEW,
    STATE_RELATED,
    STATE_UNTRACKED,
    TCP,
    FlowSpace,
    cube_from_prefix,
    cubes_from_range,
)
from auditor.model import Action, InterfaceMatch, Rule, RuleSet, Source
from auditor.parsers import linux
from auditor.parsers.base import shell_words
from auditor.parsers.linux.common import (
    _NO_INTERFACES,
    Cond,
    CondError,
    Draft,
    _carries_to_outside,
    _combine,
    _inside,
    flags_equal,
    tcp_flags_space,
)
from auditor.parsers.linux.iptables import (
    _PLAIN_RULE,
    _WORD,
    _address,
    _line_reading,
    _looks_ipv6,
    _meet,
    _read_line,
    _read_plain,
    _read_rule,
    plain_prefix_cube,
    read_cut_rule,
    read_plain_rule,
)
from auditor.parsers.linux.iptables import (
    _ranges as port_ranges,
)
from auditor.parsers.linux.nft_lexer import Tok, tokenize

# --- plain prefixes -------------------------------------------------------------------------

OCTET_TEXT = st.one_of(
    st.integers(0, 255).map(str),
    st.integers(0, 999).map(str),
    st.integers(0, 99).map(lambda n: f"0{n}"),  # leading zeros: the general path's business
)
LENGTH_TEXT = st.one_of(
    st.just(""),
    st.integers(0, 32).map(lambda n: f"/{n}"),
    st.integers(0, 99).map(lambda n: f"/{n:02d}"),
    st.integers(0, 200).map(lambda n: f"/{n}"),
    st.sampled_from(["/", "/x", "/255.255.0.0", "/0.0.255.255", "/+8", "/ 8"]),
)
QUADS = st.builds(lambda o, n: ".".join(o) + n, st.lists(OCTET_TEXT, min_size=4, max_size=4), LENGTH_TEXT)
NOISE = st.text(alphabet="0123456789./:,- x", max_size=24)


def _general(text: str) -> list[tuple[int, int]] | str:
    try:
        return _address(text, False)
    except (CondError, ValueError) as exc:
        return type(exc).__name__


@settings(max_examples=200, deadline=None)
@given(st.one_of(QUADS, NOISE))
def test_plain_prefix_fast_path_agrees_with_the_general_path(text: str) -> None:
    cube = plain_prefix_cube(text)
    if cube is not None:
        assert _general(text) == [cube]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.none() | st.integers(0, 32))
def test_plain_prefix_fast_path_takes_every_plain_prefix(value: int, length: int | None) -> None:
    quad = ".".join(str(value >> shift & 255) for shift in (24, 16, 8, 0))
    text = quad if length is None else f"{quad}/{length}"
    assert plain_prefix_cube(text) == cube_from_prefix(text if length is not None else quad + "/32")


# --- meeting conditions box by box ------------------------------------------------------------

INTERVAL = st.tuples(st.integers(0, 20), st.integers(0, 20)).map(lambda t: (min(t), max(t)))
PREFIX = st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/24", "10.0.0.128/25", "10.1.0.0/16"])
SPACES = st.builds(
    lambda protocols, src, dst, dport, state: FlowSpace.build(
        protocols=protocols,
        src=None if src is None else [cube_from_prefix(p) for p in src],
        dst=None if dst is None else [cube_from_prefix(p) for p in dst],
        dport=dport,
        state=state,
    ),
    st.none() | st.lists(INTERVAL, min_size=1, max_size=2),
    st.none() | st.lists(PREFIX, min_size=1, max_size=2),
    st.none() | st.lists(PREFIX, min_size=1, max_size=2),
    st.none() | st.lists(INTERVAL, min_size=1, max_size=3),
    st.none() | st.lists(st.sampled_from([(0, 0), (1, 2), (3, 3), (0, 3)]), min_size=1, max_size=2),
) | st.just(FlowSpace())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(SPACES, st.booleans()), max_size=4))
def test_meeting_boxes_gives_cond_add_boxes_in_order(conditions: list[tuple[FlowSpace, bool]]) -> None:
    cond = Cond()
    boxes = None
    for space, negated in conditions:
        cond.add(space, negated)
        boxes = _meet(boxes, space, negated)
    assert (cond.space.boxes if boxes is None else boxes) == cond.space.boxes


# --- whole rules: the reader against Cond.add of freshly built spaces ---------------------------

ADDRESS_TEXT = st.one_of(
    PREFIX,
    st.sampled_from(["10.0.0.1", "17.0.0.0/255.0.0.0", "10.0.0.0/255.0.255.0"]),
    st.lists(PREFIX, min_size=2, max_size=3).map(",".join),
)
PORT_TEXT = st.one_of(
    st.sampled_from(["80", "443", "1000:2000", ":1024", "5000:", "https", "3478:3497"]),
    st.lists(st.sampled_from(["80", "443", "5223", "16384:16387"]), min_size=2, max_size=3).map(",".join),
)
STATE_TEXT = st.lists(
    st.sampled_from(["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"]), min_size=1, max_size=3
).map(",".join)
STATE_VALUES = {
    "NEW": [STATE_NEW],
    "ESTABLISHED": [STATE_ESTABLISHED],
    "RELATED": [STATE_RELATED],
    "INVALID": [],
    "UNTRACKED": [STATE_UNTRACKED],
}
CONDITIONS = st.one_of(
    st.tuples(st.sampled_from(["-p"]), st.sampled_from(["tcp", "udp", "47", "all"])),
    st.tuples(st.sampled_from(["-s", "-d", "--source", "--dst"]), ADDRESS_TEXT),
    st.tuples(st.sampled_from(["--dport", "--sport", "--dports", "--ports"]), PORT_TEXT),
    st.tuples(st.sampled_from(["--ctstate", "--state"]), STATE_TEXT),
    st.tuples(st.sampled_from(["--src-range", "--dst-range"]), st.sampled_from(["10.0.0.1-10.0.0.6"])),
    st.tuples(st.just("--syn"), st.just("")),
)


def _space_of(opt: str, arg: str, negated: bool) -> FlowSpace | None:
    """What one condition matches, built the long way (None: no condition)."""
    if opt == "-p":
        number = {"tcp": 6, "udp": 17, "47": 47}.get(arg)
        return None if number is None else FlowSpace.build(protocols=[(number, number)])
    if opt in ("-s", "-d", "--source", "--dst"):
        side = "src" if opt in ("-s", "--source") else "dst"
        return FlowSpace.build(**{side: _address(arg, False)})
    if opt in ("--dport", "--dports"):
        return FlowSpace.build(dport=port_ranges(arg))
    if opt == "--sport":
        return FlowSpace.build(sport=port_ranges(arg))
    if opt == "--ports":
        ranges = port_ranges(arg)
        return FlowSpace.build(sport=ranges) | FlowSpace.build(dport=ranges)
    if opt in ("--ctstate", "--state"):
        values = sorted({v for name in arg.split(",") for v in STATE_VALUES[name]})
        return FlowSpace.build(state=[(v, v) for v in values]) if values else FlowSpace()
    if opt == "--syn":
        mask = frozenset({"syn", "ack", "rst", "fin"})
        return tcp_flags_space(flags_equal(mask, frozenset({"syn"}), negated))
    first, _, last = arg.partition("-")
    return FlowSpace.build(**{"src" if opt == "--src-range" else "dst": cubes_from_range(first, last)})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CONDITIONS, st.booleans()), max_size=6))
def test_rule_reading_meets_conditions_as_cond_add_does(
    conditions: list[tuple[tuple[str, str], bool]],
) -> None:
    words, expected = ["FORWARD"], Cond()
    for (opt, arg), negated in conditions:
        words += (["!"] if negated else []) + [opt] + ([arg] if arg else [])
        space = _space_of(opt, arg, negated)
        if space is not None:
            expected.add(space, negated and opt != "--syn")  # --syn negates inside the flags test
    words += ["-j", "ACCEPT"]
    parsed = _read_rule(words, False)
    assert parsed.cond.space.boxes == expected.space.boxes
    assert parsed.cond.space == _read_line("-A " + " ".join(words), False).cond.space


def test_tcp_flags_bound_meets_in_sequence() -> None:
    parsed = _read_rule(shell_words("FORWARD -d 10.0.0.0/8 --tcp-flags SYN,BOGUS SYN -j DROP"), False)
    expected = Cond()
    expected.add(FlowSpace.build(dst=[cube_from_prefix("10.0.0.0/8")]))
    expected.inexact("--tcp-flags SYN,BOGUS", FlowSpace.build(protocols=[(TCP, TCP)]))
    assert (parsed.cond.space.boxes, parsed.cond.exact) == (expected.space.boxes, False)


# --- plain rule lines: the whole-line fast path against the word-by-word reader ---------------

PLAIN_ADDRESS = st.one_of(
    PREFIX,
    st.sampled_from(
        [
            "10.0.0.1",
            "017.0.0.0/8",
            "10.0.0.0/33",
            "1.2.3.4/",
            "300.1.1.1",
            "10.0.0.0/255.0.0.0",
            "10.1.0.0/0.255.0.255",
        ]
    ),
)
PLAIN_PARTS = st.fixed_dictionaries(
    {},
    optional={
        "s1": PLAIN_ADDRESS,
        "d1": PLAIN_ADDRESS,
        "i": st.sampled_from(["eth0", "eth1", "br-lan", "wg+", "-o", "!"]),
        "o": st.sampled_from(["eth0", "ppp0", "vlan.10"]),
        "s2": PLAIN_ADDRESS,
        "d2": PLAIN_ADDRESS,
        "p": st.sampled_from(["tcp", "udp", "TCP", "all", "0", "47", "300", "bogus", "icmp"]),
        "m": st.sampled_from(["tcp", "udp"]),
        "dport": st.sampled_from(["80", "443:448", "0", "65535", "65536", "90:80", "080", "99999:1"]),
        "state": st.sampled_from(["RELATED,ESTABLISHED", "NEW", "INVALID", "new,untracked", "BOGUS"]),
    },
)
PLAIN_TARGETS = st.sampled_from(["ACCEPT", "DROP", "RETURN", "my-chain", "LOG"])


def _plain_line(parts: dict[str, str], chain: str, target: str, state_module: str) -> str:
    words = ["-A", chain]
    for key, flag in (("s1", "-s"), ("d1", "-d"), ("i", "-i"), ("o", "-o"), ("s2", "-s"), ("d2", "-d")):
        if key in parts:
            words += [flag, parts[key]]
    for key, flag in (("p", "-p"), ("m", "-m"), ("dport", "--dport")):
        if key in parts:
            words += [flag, parts[key]]
    if "state" in parts:
        words += state_module.split() + [parts["state"]]
    return " ".join(words + ["-j", target])


@settings(max_examples=200, deadline=None)
@given(
    PLAIN_PARTS,
    st.sampled_from(["FORWARD", "INPUT", "fw-1"]),
    PLAIN_TARGETS,
    st.sampled_from(["-m conntrack --ctstate", "-m state --state"]),
    st.booleans(),
)
def test_plain_rule_fast_path_agrees_with_the_general_reader(
    parts: dict[str, str], chain: str, target: str, state_module: str, ipv6: bool
) -> None:
    line = _plain_line(parts, chain, target, state_module)
    fast = read_plain_rule(line, ipv6)
    try:
        general = _read_rule(shell_words(line)[1:], ipv6)
    except (CondError, ValueError, IndexError):
        assert fast is None  # what the general reader rejects, the fast path leaves to it
        return
    if fast is not None:
        assert fast == general
        assert fast.cond.space.boxes == general.cond.space.boxes  # in the same order
    # The line loop's compact reading of an exact verdict line holds what its Rule takes.
    compact = _read_plain(line, ipv6, False)
    if fast is None or fast.verdict is None:
        assert compact == fast
    else:
        assert compact == (fast.verdict, fast.cond.space, fast.interfaces, fast.chain, fast.names)
        assert isinstance(compact, tuple) and compact[1].boxes == general.cond.space.boxes


# Plain parts with a destination in the second place, as the fleet writes rules (and as
# PLAIN_PARTS alone, for lines the cut reading must leave to the whole-line reading).
VALID_PARTS = st.fixed_dictionaries(
    {"d2": st.one_of(PREFIX, st.sampled_from(["17.0.0.0/8", "10.0.0.1", "10.0.0.0/08", "0.0.0.0/0"]))},
    optional={
        "s1": PREFIX,
        "i": st.sampled_from(["eth0", "eth1", "wg+"]),
        "o": st.sampled_from(["eth0", "ppp0"]),
        "s2": PREFIX,
        "p": st.sampled_from(["tcp", "udp", "47", "all", "UDP"]),
        "m": st.sampled_from(["tcp", "udp"]),
        "dport": st.sampled_from(["80", "443:448", "0", "65535", "90:80"]),
        "state": st.sampled_from(["RELATED,ESTABLISHED", "NEW", "INVALID", "new,untracked"]),
    },
)
CUT_PARTS = st.one_of(
    PLAIN_PARTS,
    st.builds(lambda parts, dst: {**parts, "d2": dst}, PLAIN_PARTS, PLAIN_ADDRESS),
    VALID_PARTS,
)


@settings(max_examples=200, deadline=None)
@given(
    CUT_PARTS,
    st.sampled_from(["FORWARD", "fw-1"]),
    st.sampled_from(["ACCEPT", "DROP", "RETURN", "REJECT", "my-chain", "LOG"]),
    st.sampled_from(["-m conntrack --ctstate", "-m state --state"]),
    st.booleans(),
)
def test_cut_reading_agrees_with_the_whole_line_reading(
    parts: dict[str, str], chain: str, target: str, state_module: str, ipv6: bool
) -> None:
    line = _plain_line(parts, chain, target, state_module)
    cut = read_cut_rule(line)
    if cut is not None:
        whole = _read_plain(line, ipv6, False)
        assert cut == whole
        assert isinstance(whole, tuple) and cut[1].boxes == whole[1].boxes  # in the same order


@settings(max_examples=100, deadline=None)
@given(PLAIN_PARTS.filter(lambda p: not ("s1" in p and "s2" in p) and "d1" not in p))
def test_cut_reading_takes_plain_fleet_lines(parts: dict[str, str]) -> None:
    plain = {key: value for key, value in parts.items() if key in ("s1", "o", "s2", "m")}
    plain = {key: value for key, value in plain.items() if plain_prefix_cube(value) or key in ("o", "m")}
    line = _plain_line({**plain, "d2": "17.0.0.0/8", "p": "tcp", "dport": "443:448"}, "FORWARD", "ACCEPT", "")
    assert read_cut_rule(line) is not None


# The plain pattern as first written, each optional part a ``?`` repeat.
_PLAIN_RULE_WITH_REPEATS = re.compile(
    rf"-A (\w[\w.-]*)"
    r"(?: -s ([0-9./]+))?(?: -d ([0-9./]+))?"
    rf"(?: -i ({_WORD}))?(?: -o ({_WORD}))?"
    r"(?: -s ([0-9./]+))?(?: -d ([0-9./]+))?"
    r"(?: -p ([A-Za-z0-9]+))?(?: -m (?:tcp|udp))?(?: --dport ([0-9]{1,5}(?::[0-9]{1,5})?))?"
    r"(?: -m (?:conntrack --ctstate|state --state) ([A-Za-z]+(?:,[A-Za-z]+)*))?"
    r" -j (\w[\w-]*)"
)
RULE_NOISE = st.lists(
    st.sampled_from(["-A", "-s", "-d", "-i", "-o", "-p", "-m", "--dport", "-j", "tcp", "udp", "state"])
    | st.sampled_from(["--state", "conntrack", "--ctstate", "NEW,ESTABLISHED", "10.0.0.0/8", "80:90", "eth0"])
    | st.sampled_from(["ACCEPT", "FORWARD", " ", "  ", ":", "é", "x-1"]),
    max_size=14,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.builds(
            _plain_line,
            PLAIN_PARTS,
            st.sampled_from(["FORWARD", "fw-1"]),
            PLAIN_TARGETS,
            st.sampled_from(["-m conntrack --ctstate", "-m state --state"]),
        ),
        RULE_NOISE,
    )
)
def test_plain_pattern_matches_as_with_repeats(line: str) -> None:
    ours, first = _PLAIN_RULE.fullmatch(line), _PLAIN_RULE_WITH_REPEATS.fullmatch(line)
    assert (ours is None) == (first is None)
    if ours is not None and first is not None:
        assert ours.groups() == first.groups()


@settings(max_examples=100, deadline=None)
@given(PLAIN_PARTS.filter(lambda p: not ("s1" in p and "s2" in p) and not ("d1" in p and "d2" in p)))
def test_plain_rule_fast_path_takes_plain_fleet_lines(parts: dict[str, str]) -> None:
    plain = {key: value for key, value in parts.items() if key in ("s1", "d1", "o", "s2", "d2", "m")}
    plain = {key: value for key, value in plain.items() if plain_prefix_cube(value) or key in ("o", "m")}
    line = _plain_line({**plain, "p": "tcp", "dport": "443:448"}, "FORWARD", "ACCEPT", "")
    assert read_plain_rule(line) is not None


def _looks_ipv6_by_words(line: str) -> bool:
    """The IPv6 test as the reader first wrote it: every word pair, no regex first."""
    words = line.split()
    for flag, value in zip(words, words[1:], strict=False):
        if flag in ("-s", "-d") and ":" in value:
            try:
                ipaddress.IPv6Network(value, strict=False)
            except ValueError:
                continue
            return True
    return False


V6_TEXT = st.lists(
    st.sampled_from(["-s", "-d", "-sd", "x-s", "::1", "fe80::/10", "2001:db8::1", "10.0.0.1", ":", "80:90"])
    | st.sampled_from([" ", "\t", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "a", "/64"]),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(V6_TEXT)
def test_ipv6_hint_keeps_every_line_the_word_test_takes(line: str) -> None:
    assert _looks_ipv6(line) == _looks_ipv6_by_words(line)


def test_the_reader_leaves_memoized_readings_as_it_found_them() -> None:
    # The reader hands every line with the same text one shared reading: nothing may change it.
    lines = [
        "-A FORWARD -i eth1 -p tcp --dport 80 -m foo -j LOG --log-prefix x",
        "-A FORWARD -i eth1 -o eth0 -s 10.0.2.0/24 -d 17.0.0.0/8 -p udp -m udp --dport 3478 -j ACCEPT",
        "-A FORWARD -i eth1 -m comment --comment x -j REJECT --reject-with icmp-port-unreachable",
    ]
    nat = ["-A PREROUTING -i eth0 -p tcp --dport 5223 -j DNAT --to-destination 10.0.0.5:5223"]
    text = "\n".join(["*filter", ":FORWARD DROP [0:0]", *lines, *lines, "COMMIT", "*nat", *nat, "COMMIT"])
    linux.parse(text, "a")
    for line in lines + nat:
        kept = _line_reading(line, False)
        assert kept == _line_reading.__wrapped__(line, False)  # what a fresh reading gives
        assert _read_line(line, False) == _read_rule(shell_words(line)[1:], False)
    assert linux.parse(text, "a") == linux.parse(text, "a")


# --- role inference: memoized placed names against the rule-by-rule test ---------------------


def _inside_rule_by_rule(draft: Draft) -> dict[str, str]:
    """``_inside`` as first written: every permit asks whether its names are placed."""
    inside: dict[str, str] = {}
    if not draft.outside and not draft.outside_negated:
        return inside
    by_name = {ruleset.name: ruleset for ruleset in draft.rulesets}
    todo = [(name, _NO_INTERFACES) for name in draft.forward_roots]
    seen: set[tuple[str, InterfaceMatch]] = set()
    while todo:
        name, context = todo.pop(0)
        if (name, context) in seen or name not in by_name:
            continue
        seen.add((name, context))
        for rule in by_name[name].rules:
            match = _combine(context, rule.interfaces)
            if rule.target is not None:
                todo.append((rule.target, match))
            if rule.action is not Action.PERMIT or match.ingress is None or match.ingress_negated:
                continue
            if all(i in inside or i in draft.outside for i in match.ingress):
                continue
            if not _carries_to_outside(match, draft):
                continue
            for iface in sorted(n for n in match.ingress if n not in draft.outside):
                reason = f"forward rules carry traffic from {iface} to the outside (line {rule.source.line})"
                inside.setdefault(iface, reason)
    return inside


SOME_NAMES = st.frozensets(st.sampled_from(["eth0", "eth1", "eth2", "wg+"]), min_size=1, max_size=2)
NAME_SETS = st.none() | SOME_NAMES
EGRESS = st.none() | st.sampled_from([frozenset({"eth0"}), frozenset({"ppp0"})])
INTERFACES = st.one_of(
    st.none(),
    st.builds(InterfaceMatch, SOME_NAMES, EGRESS),
    st.builds(InterfaceMatch, NAME_SETS, NAME_SETS, st.booleans(), st.booleans()),
)
ENTRIES = st.lists(
    st.tuples(
        st.sampled_from([Action.PERMIT, Action.PERMIT, Action.DENY, Action.JUMP, Action.GOTO]),
        st.sampled_from(["filter/FORWARD", "filter/a", "filter/b"]),
        INTERFACES,
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries({"filter/FORWARD": ENTRIES, "filter/a": ENTRIES, "filter/b": ENTRIES}),
    st.dictionaries(st.sampled_from(["eth0", "eth1", "ppp0"]), st.just("masquerade"), min_size=1, max_size=2),
    st.lists(NAME_SETS.filter(lambda names: names is not None), max_size=1),
)
def test_role_inference_agrees_with_the_rule_by_rule_test(
    chains: dict[str, list[tuple[Action, str, InterfaceMatch | None]]],
    outside: dict[str, str],
    outside_negated: list[frozenset[str]],
) -> None:
    draft = Draft("f", outside=outside, outside_negated=outside_negated, forward_roots=["filter/FORWARD"])
    line = 0
    for name, entries in chains.items():
        rules = []
        for action, target, interfaces in entries:
            line += 1
            jumps = action in (Action.JUMP, Action.GOTO)
            target_name = target if jumps else None
            source = Source("f", line, "x")
            rules.append(Rule(action, None, source, target=target_name, interfaces=interfaces))
        draft.rulesets.append(RuleSet(name, tuple(rules), Action.DENY))
    expected = _inside_rule_by_rule(draft)
    assert list(_inside(draft).items()) == list(expected.items())  # names, reasons, order


# --- the nft tokenizer against a character-by-character reading ----------------------------------


def _tokens_by_character(lines: list[str]) -> list[Tok]:
    """The tokenizer's rules spelled out one character at a time (its earlier form)."""
    out: list[Tok] = []
    for number, line in enumerate(lines, start=1):
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if ch.isspace():
                i += 1
            elif ch == "#":
                break
            elif ch == '"':
                end = line.find('"', i + 1)
                end = n if end < 0 else end + 1
                out.append(Tok(line[i:end], number))
                i = end
            elif ch in "{};,":
                out.append(Tok(ch, number))
                i += 1
            else:
                j = i
                while j < n and not line[j].isspace() and line[j] not in "{};," and line[j] != '"':
                    j += 1
                out.append(Tok(line[i:j], number))
                i = j
        out.append(Tok("\n", number))
    return out


NFT_TEXT = st.lists(
    st.sampled_from(list('ab19.:/-"#{};, \t\r\x0b\x0c\x1c\x85\xa0\u2028é') + ["tcp", "dport"]),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(NFT_TEXT, max_size=5))
def test_nft_tokenizer_agrees_with_reading_character_by_character(lines: list[str]) -> None:
    assert tokenize(lines) == _tokens_by_character(lines)
