"""The mikrotik_routeros parser's fast paths give what the general paths give, box for box.

Each fast path (plain address forms, the per-field product of a rule's conditions, the
lexer's quote and continuation shortcuts, the cached line reading, the editor's re-read
items) is checked against a straightforward reference on generated inputs: the reference
is the general code the fast path stands in for.
"""

from __future__ import annotations

import ipaddress

from hypothesis import example, given, settings
from hypothesis import strategies as st

from auditor.flowspace import FlowSpace, cube_from_prefix, cubes_from_range
from auditor.model import Action, Rule, Source
from auditor.parsers.linux.common import Cond, CondError, Disposition
from auditor.parsers.mikrotik_routeros import firewall, reader
from auditor.parsers.mikrotik_routeros.draft import Draft, Item
from auditor.parsers.mikrotik_routeros.features import Services
from auditor.parsers.mikrotik_routeros.lexer import (
    Command,
    Logical,
    _joined_spans,
    _open_quote,
    lex_command,
    logical_lines,
    logical_spans,
    plain_command,
    read_command,
    split_words,
)
from auditor.parsers.mikrotik_routeros.matchers import (
    cached_address_cubes,
    plain_cube,
    port_intervals,
    protocol_number,
    state_space,
)
from auditor.parsers.mikrotik_routeros.space import FIELD, MatchBuilder, field_atoms, single_field
from auditor.remediation.mikrotik_routeros_text import RosText

# --- addresses -----------------------------------------------------------------------------


def _reference_cubes(value: str) -> list[tuple[int, int]]:
    """The general reading: ipaddress decides what is an address, a prefix or a range."""
    text = value.strip()
    try:
        if "-" in text:
            first, _, last = text.partition("-")
            return cubes_from_range(first.strip(), last.strip())
        if "/" not in text:
            ipaddress.IPv4Address(text)
            return [cube_from_prefix(text + "/32")]
        return [cube_from_prefix(str(ipaddress.IPv4Network(text, strict=False)))]
    except ValueError as exc:
        raise CondError(str(exc)) from exc


_octet = st.one_of(
    st.integers(0, 300).map(str),
    st.sampled_from(["0", "00", "01", "007", "255", "256", "1234", "", "a", "\u0663", " 1"]),
)
_quad = st.lists(_octet, min_size=3, max_size=5).map(".".join)
_length = st.one_of(
    st.integers(0, 40).map(str), st.sampled_from(["", "08", "008", "255.255.255.0", "0.0.0.255", "x"])
)
_address_text = st.one_of(
    _quad,
    st.tuples(_quad, _length).map("/".join),
    st.tuples(_quad, _quad).map("-".join),
    st.tuples(_quad, _length).map(lambda t: f" {t[0]}/{t[1]} "),
)


@settings(max_examples=200)
@given(_address_text)
def test_plain_address_fast_path_reads_as_ipaddress_does(text: str) -> None:
    try:
        expected: list[tuple[int, int]] | None = _reference_cubes(text)
    except CondError:
        expected = None
    try:
        got: list[tuple[int, int]] | None = list(cached_address_cubes(text))
    except CondError:
        got = None
    assert got == expected


@settings(max_examples=200)
@given(_address_text)
def test_plain_cube_is_the_general_reading_or_none(text: str) -> None:
    """The rule reader's uncached plain form: the general reading's one cube, or left to it."""
    cube = plain_cube(text)
    if cube is not None:
        assert [cube] == _reference_cubes(text)


def test_plain_address_forms() -> None:
    assert cached_address_cubes("10.1.2.3/24") == (cube_from_prefix("10.1.2.0/24"),)
    assert cached_address_cubes("10.1.2.3") == (cube_from_prefix("10.1.2.3/32"),)
    assert cached_address_cubes("10.0.0.0/255.0.0.0") == (cube_from_prefix("10.0.0.0/8"),)
    for bad in ("010.1.2.3", "10.1.2.256", "10.1.2", "10.1.2.3/33", "\u0661.1.1.1"):
        try:
            cached_address_cubes(bad)
        except CondError:
            continue
        raise AssertionError(f"{bad!r} read as an address")


# --- a rule's match --------------------------------------------------------------------------

_KEYS = {
    "src-address": st.sampled_from(["10.0.0.0/8", "10.0.0.1-10.0.0.6", "10.0.0.3-10.0.0.9", "!10.0.0.0/9"]),
    "dst-address": st.sampled_from(["17.0.0.0/8", "17.0.0.1-17.0.0.4", "!17.0.0.0/9", "0.0.0.0/0"]),
    "protocol": st.sampled_from(["tcp", "udp", "6", "!tcp", "icmp"]),
    "dst-port": st.sampled_from(["80", "443,80", "3478-3497", "16384-16387,16393-16402", "!443", "1-2,2-9"]),
    "src-port": st.sampled_from(["1024-65535", "!53", "53,5060"]),
    "port": st.sampled_from(["5060", "!5060,5061"]),
    "connection-state": st.sampled_from(["new", "established,related", "new,related", "invalid", "!new"]),
}
# Several keys, in any order: the product's nesting follows the order the conditions are read.
_ARGS = st.permutations(sorted(_KEYS)).flatmap(
    lambda keys: st.integers(0, len(keys)).flatmap(
        lambda n: st.tuples(*(_KEYS[k] for k in keys[:n])).map(
            lambda values: dict(zip(keys[:n], values, strict=True))
        )
    )
)


def _reference_space(args: dict[str, str]) -> FlowSpace:
    """One FlowSpace per condition, intersected in the order read (what Cond.add does)."""
    cond = Cond()
    for key, value in args.items():
        neg, bare = (True, value[1:]) if value.startswith("!") else (False, value)
        if key in ("src-address", "dst-address"):
            side = "src" if key == "src-address" else "dst"
            space = FlowSpace.build(**{side: _reference_cubes(bare)})
        elif key == "protocol":
            number = protocol_number(bare)
            space = FlowSpace.build(protocols=[(number, number)])
        elif key in ("dst-port", "src-port"):
            ports = port_intervals(bare)
            space = FlowSpace.build(**{"dport" if key == "dst-port" else "sport": ports})
        elif key == "port":
            ports = port_intervals(bare)
            space = FlowSpace.build(dport=ports) | FlowSpace.build(sport=ports)
        else:
            space = state_space(bare)
        cond.add(space, neg)
    return cond.space


@settings(max_examples=200)
@given(_ARGS, st.integers(-1, 7))
@example({"src-address": "10.0.0.1-10.0.0.6", "dst-port": "443,80"}, -1)
@example({"dst-port": "443,80", "src-address": "10.0.0.1-10.0.0.6", "connection-state": "new,related"}, 1)
def test_rule_match_is_the_intersections_box_for_box(args: dict[str, str], interface_at: int) -> None:
    """Rules of context-free conditions only (cached whole) and with an interface among them."""
    words = [f"{k}={v}" for k, v in args.items()]
    if interface_at >= 0:
        words.insert(interface_at, "in-interface=ether1")
    line = "add chain=forward action=accept " + " ".join(words)
    command = read_command(split_words(line), ("ip", "firewall", "filter"))
    item = Item(command, Source("t.rsc", 1, line), (1,))
    cond, undecided = firewall.conditions(Draft("t.rsc"), item)
    assert cond.space.boxes == _reference_space(args).boxes  # same boxes, same order
    assert cond.exact and undecided.is_empty()
    assert cond.ingress == (frozenset({"ether1"}) if interface_at >= 0 else None)


_space = st.sampled_from(
    [
        FlowSpace(),
        FlowSpace.build(protocols=[(6, 6)], dport=[(80, 80), (443, 443)]),
        FlowSpace.build(dst=[cube_from_prefix("17.0.0.0/8")]),
        FlowSpace.build(state=[(0, 0), (2, 3)]),
        FlowSpace.build(sport=[(1, 9)]) | FlowSpace.build(dport=[(1, 9)]),
    ]
)
# Atoms as the parser makes them: intervals inside the field's range, cubes with no value
# bit outside their care mask.
_interval = st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda t: (min(t), max(t)))
_cube = st.tuples(st.integers(0, 15), st.integers(0, 15)).map(lambda t: (t[0] & t[1], t[1]))
_atoms = st.integers(0, 5).flatmap(
    lambda index: st.tuples(st.just(index), st.lists(_cube if index in (1, 2) else _interval, max_size=3))
)
_step = st.one_of(
    _atoms.map(lambda t: ("atoms", t)),
    st.tuples(_space, st.booleans()).map(lambda t: ("add", t)),
)


@settings(max_examples=200)
@given(st.lists(_step, max_size=6))
def test_match_builder_equals_sequential_intersections(steps: list[tuple[str, object]]) -> None:
    cond, match = Cond(), MatchBuilder()
    for kind, step in steps:
        if kind == "atoms":
            index, raw = step  # type: ignore[misc]
            name = next(n for n, i in FIELD.items() if i == index)
            # Atoms as FlowSpace.build makes them: disjoint, merged, in order.
            space = FlowSpace.build(**{name: raw})
            atoms = tuple(box[index] for box in space.boxes) if raw else ()
            assert single_field(index, atoms).boxes == (space.boxes if raw else ())
            cond.add(single_field(index, atoms))
            match.atoms(index, atoms)
        else:
            space, neg = step  # type: ignore[misc]
            cond.add(space, neg)
            match.add(space, neg)
    assert match.space().boxes == cond.space.boxes


# --- lexer --------------------------------------------------------------------------------


def _reference_open_quote(text: str) -> bool:
    inside, escaped = False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    return inside


def _reference_logical_lines(lines: list[str]) -> list[Logical]:
    out, index = [], 0
    while index < len(lines):
        numbers = [index + 1]
        text = lines[index].rstrip()
        index += 1
        while index < len(lines) and not text.lstrip().startswith("#"):
            continued = (len(text) - len(text.rstrip("\\"))) % 2 == 1
            if continued:
                text = text[:-1]
            elif not _reference_open_quote(text):
                break
            numbers.append(index + 1)
            text += lines[index].strip() if continued else "\n" + lines[index].strip()
            index += 1
        out.append(Logical(tuple(numbers), text))
    return out


_line = st.text(alphabet='ab =#"\\ [', max_size=12)


@settings(max_examples=200)
@given(st.lists(_line, max_size=8))
def test_lexer_shortcuts_agree_with_the_character_walk(lines: list[str]) -> None:
    for line in lines:
        assert _open_quote(line) == _reference_open_quote(line)
    assert list(logical_lines(lines)) == _reference_logical_lines(lines)


@settings(max_examples=200)
@given(_line, st.sampled_from([(), ("ip", "firewall", "filter")]))
def test_cached_reading_is_a_fresh_copy_of_the_reading(text: str, menu: tuple[str, ...]) -> None:
    first = lex_command(text, menu)
    assert first == read_command(split_words(text), menu)
    first.args["mutated"] = "yes"
    first.words.append("mutated")
    assert lex_command(text, menu) == read_command(split_words(text), menu)
    assert isinstance(first, Command)


_WORDS_LINE = st.lists(
    st.one_of(
        st.text(alphabet='ab=!/[]"\\{', max_size=6),
        st.sampled_from(["add", "set", "chain=forward", "a=b=c", "=x", "x=", "!x", "/ip", "0"]),
    ),
    max_size=6,
).flatmap(lambda words: st.sampled_from([" ", "\t", "  "]).map(lambda gap: gap.join(words)))


@settings(max_examples=200)
@given(_WORDS_LINE, st.sampled_from([(), ("ip", "firewall", "filter")]))
@example("add a=b a=c d=e", ("ip", "firewall", "filter"))
@example("add x=1 =y", ())
def test_plain_command_is_the_general_reading_or_none(text: str, menu: tuple[str, ...]) -> None:
    """The lexer's shortcut for ``verb key=value ...``: the Command read_command makes, or left to it."""
    found = plain_command(text, menu)
    if found is not None:
        assert found == read_command(split_words(text), menu)
        assert not found.inline_menu and found.selector is None and not found.words
    assert plain_command("add a=b a=c d=e", ()) == read_command(split_words("add a=b a=c d=e"), ())


def _reference_split_words(text: str) -> list[str]:
    """The lexer's character walk, one character at a time."""
    words: list[str] = []
    current: list[str] = []
    quoted, depth, started = False, 0, False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index + 1])
            started, index = True, index + 2
            continue
        if quoted:
            if char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted, started = True, True
        elif char in "[{":
            depth += 1
            current.append(char)
            started = True
        elif char in "]}" and depth:
            depth -= 1
            current.append(char)
        elif char.isspace() and depth == 0:
            if started:
                words.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
        index += 1
    if started:
        words.append("".join(current))
    return words


@settings(max_examples=200)
@given(st.text(alphabet='ab =!"\\[]{}\t\n\u00a0', max_size=24))
@example('add comment="a \\"b\\" c" place-before=[:pick [find where chain="x y"] 2] \\')
@example('a] b} "[x" {y z} \\\\ \\ ')
def test_split_words_runs_are_the_character_walk(text: str) -> None:
    """The lexer's run-at-a-time walk splits every line as the character walk does."""
    assert split_words(text) == _reference_split_words(text)


# --- the editor's items ---------------------------------------------------------------------

_EXPORT = """\
/ip firewall filter
add action=accept chain=forward connection-state=established,related
add action=drop chain=forward dst-port=443 protocol=tcp
/ip firewall nat
add action=masquerade chain=srcnat out-interface=ether1
"""


def test_editor_items_follow_every_change() -> None:
    config = RosText(_EXPORT)
    assert config.items() == RosText(config.text()).items()
    config.apply(
        "/ip firewall filter add action=accept chain=forward dst-port=5223 protocol=tcp "
        'comment="auditor x" place-before=[:pick [find where !dynamic and chain="forward"] 1]'
    )
    assert config.items() == RosText(config.text()).items()
    config.apply('/ip firewall filter remove [find where comment="auditor x"]')
    assert config.items() == RosText(_EXPORT).items()
    config.lines[1] = "add action=drop chain=forward"  # an edit in place, same line count
    assert config.items() == RosText(config.text()).items()


_export_line = st.sampled_from(
    [
        "/ip firewall filter",
        "/ip firewall nat",
        "/ip/firewall/filter/add chain=forward",
        "/ip firewall filter add chain=input action=drop",
        "/ip firewall service-port",
        '"/ip firewall nat"',
        '"/ip firewall filter" add chain=x',
        "\\/ip firewall filter",
        "add chain=forward action=accept",
        "set sip disabled=yes",
        "set enabled=yes",
        'add chain=forward comment="a \\" b"',
        "add chain=forward \\",
        '  comment="open',
        '  quote"',
        "# /ip firewall nat",
        "",
        "[ find ] /ip",
    ]
)


@settings(max_examples=200)
@given(
    st.lists(_export_line, max_size=12),
    st.sampled_from(
        [("ip", "firewall", "filter"), ("ip", "firewall", "nat"), ("ip", "firewall", "service-port")]
    ),
)
def test_editor_reads_one_menu_as_it_reads_them_all(lines: list[str], menu: tuple[str, ...]) -> None:
    text = "\n".join(lines) + "\n"
    every = [item for item in RosText(text).items() if item.command.menu == menu]
    assert RosText(text).menu_items(menu) == every


@settings(max_examples=200)
@given(
    st.sampled_from(sorted(FIELD)).flatmap(
        lambda name: st.tuples(
            st.just(name), st.lists(_cube if name in ("src", "dst") else _interval, max_size=4)
        )
    )
)
def test_field_atoms_are_those_of_build(case: tuple[str, list[tuple[int, int]]]) -> None:
    name, values = case
    index = FIELD[name]
    assert field_atoms(name, tuple(values)) == tuple(
        b[index] for b in FlowSpace.build(**{name: values}).boxes
    )


@settings(max_examples=200)
@given(
    st.lists(_export_line, max_size=10),
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 3), st.lists(_export_line, max_size=3)), max_size=4
    ),
)
def test_editor_reading_follows_any_splice(lines: list[str], edits: list[tuple[int, int, list[str]]]) -> None:
    """The editor updates its reading in place of a full re-read: the same items either way."""
    config = RosText("\n".join(lines) + "\n")
    config.items()
    config._headers()
    for start, length, new in edits:
        start = min(start, len(config.lines))
        config._splice(start, min(start + length, len(config.lines)), new)
        assert config.items() == RosText(config.text()).items()
        assert config._headers() == RosText(config.text())._headers()


@settings(max_examples=200)
@given(_ARGS, st.sampled_from(["accept", "drop", "reject", "return", "jump", "log", "fasttrack-connection"]))
def test_filter_rule_shortcut_gives_the_rule_conditions_give(args: dict[str, str], action: str) -> None:
    """A verdict rule of context-free conditions skips Cond: the same Rule and line fate."""
    line = f"add chain=forward action={action} jump-target=x " + " ".join(f"{k}={v}" for k, v in args.items())
    command = read_command(split_words(line), ("ip", "firewall", "filter"))
    item = Item(command, Source("t.rsc", 1, line), (1,))
    draft = Draft("t.rsc")
    firewall.filter_rule(draft, item, "filter")
    got = draft.chains[("filter", "forward")]
    cond, undecided = firewall.conditions(Draft("t.rsc"), item)
    if action in firewall.VERDICTS:
        assert got == [Rule(firewall.VERDICTS[action], cond.space, item.source)]
    assert undecided.is_empty() and cond.exact and cond.interfaces() is None
    assert draft.dispositions == {1: Disposition.EXTRACTED} and not draft.diagnostics


_EXTRA = st.sampled_from(
    ["", "disabled=yes", "disabled=no", "place-before=0", "action=log", "action=jump jump-target=x"]
    + ["action=add-src-to-address-list address-list=x", "in-interface=ether1", "protocol=nope", "chain="]
)


@settings(max_examples=200)
@given(_ARGS, st.sampled_from(["accept", "drop", "reject", "tarpit", "return"]), _EXTRA, st.booleans())
def test_plain_verdict_reading_is_what_the_general_reading_makes(
    args: dict[str, str], action: str, extra: str, raw: bool
) -> None:
    """A plain verdict rule as the reader takes it: the Rule and line fate of the general path."""
    table = "raw" if raw else "filter"
    line = f"add chain=forward action={action} " + " ".join(f"{k}={v}" for k, v in args.items()) + f" {extra}"
    command = read_command(split_words(line), ("ip", "firewall", table))
    reading = firewall.plain_verdict(command)
    assert firewall.plain_verdict(command) is reading  # kept with the command
    if reading is None:
        return  # the general path reads it
    item = Item(command, Source("t.rsc", 3, line), (3,))
    draft = Draft("t.rsc")
    reader._definitions(draft, item)
    assert draft == Draft("t.rsc")  # it defines nothing
    firewall.filter_rule(draft, item, table)
    key, verdict, match = reading
    assert draft.chains == {key: [Rule(verdict, match, item.source)]}
    assert draft.chain_sources == {key: item.source}
    assert draft.dispositions == {3: Disposition.EXTRACTED} and not draft.diagnostics


def test_plain_verdict_reading_leaves_the_rest_to_the_general_path() -> None:
    menu = ("ip", "firewall", "filter")
    for line in (
        "add chain=forward action=drop disabled=yes",
        "add chain=forward action=drop place-before=3",
        "add chain=forward action=jump jump-target=x",
        "add chain=forward action=drop in-interface=ether1",
        "add chain=forward action=drop protocol=nope",
        "add action=drop",
        "set 0 chain=forward action=drop",
    ):
        assert firewall.plain_verdict(read_command(split_words(line), menu)) is None, line
    plain = read_command(split_words("add chain=forward protocol=tcp"), menu)
    tcp = FlowSpace.build(protocols=[(6, 6)])
    assert firewall.plain_verdict(plain) == (("filter", "forward"), Action.PERMIT, tcp)
    nat = read_command(split_words("add chain=forward"), ("ip", "firewall", "nat"))
    assert firewall.plain_verdict(nat) is None


@settings(max_examples=200)
@given(st.lists(st.text(alphabet='ab =#"\\ \t', max_size=8), max_size=8))
def test_logical_spans_without_backslash_or_quote_are_the_lines(lines: list[str]) -> None:
    """The shortcut for text with no backslash and no quote: the spans the joining loop makes."""
    assert list(logical_spans(lines)) == list(_joined_spans(lines))
    plain = [line.replace("\\", "").replace('"', "") for line in lines]
    assert list(logical_spans(plain)) == list(_joined_spans(plain))
    assert [first for first, _, _ in logical_spans(plain)] == list(range(1, len(plain) + 1))


# --- rules read straight into their chains ----------------------------------------------------

_RULE_LINE = st.sampled_from(
    [
        "/ip firewall filter",
        "/ip firewall raw",
        "/ip firewall nat",
        "/interface list",
        "add name=WAN",
        "# a comment",
        "",
        "add chain=forward action=drop protocol=tcp dst-address=17.0.0.0/8 dst-port=443",
        "add chain=forward action=accept src-address=10.0.0.0/8 dst-address=17.0.0.1",
        "add chain=input action=accept connection-state=established,related",
        "add chain=prerouting action=accept port=5060",
        "add chain=custom action=return protocol=udp",
        "add chain=forward action=drop in-interface-list=WAN",
        "add chain=forward action=jump jump-target=custom",
        "add chain=forward action=accept src-address-list=inside",
        "add chain=forward action=drop disabled=yes",
        "add chain=forward action=accept protocol=nope",
        "add action=masquerade chain=srcnat out-interface-list=WAN",
        "/ip hotspot add name=hs interface=ether2",
        "/ip firewall address-list add list=inside address=10.0.0.0/8",
    ]
)


def _reference_read(lines: list[str]) -> Draft:
    """Every command as an Item through both passes: what the reader did before its shortcuts."""
    draft = Draft("t.rsc")
    items, menu = [], ()
    for first, last, text in logical_spans(lines):
        numbers = tuple(range(first, last + 1))
        stripped = text.strip()
        if not stripped or stripped[0] == "#":
            for number in numbers:
                draft.dispositions.setdefault(number, Disposition.COMMENT)
            continue
        command = read_command(split_words(stripped), menu)
        if command.verb is None and command.inline_menu:
            menu = command.menu
            for number in numbers:
                draft.dispositions.setdefault(number, Disposition.EXTRACTED)
            continue
        items.append(Item(command, Source("t.rsc", first, text), numbers))
    for item in items:
        reader._definitions(draft, item)
    services = Services()
    for item in items:
        reader._rest(draft, services, item)
    return draft


@settings(max_examples=200)
@given(st.lists(_RULE_LINE, max_size=14))
def test_plain_rules_read_early_land_where_the_general_reading_puts_them(lines: list[str]) -> None:
    """Plain verdict rules go into their chains as they are read, until a rule the second pass
    reads: the same chains, in the same order, with the same rules, sources and line fates."""
    draft = Draft("t.rsc")
    reader.read(draft, lines)
    expected = _reference_read(lines)
    assert list(draft.chains.items()) == list(expected.chains.items())
    assert list(draft.chain_sources.items()) == list(expected.chain_sources.items())
    assert draft.dispositions == expected.dispositions
    assert draft.diagnostics == expected.diagnostics
    assert draft.gates == expected.gates
