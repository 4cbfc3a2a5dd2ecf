"""The fortinet parser's kept readings and fast paths give what a fresh, general reading gives.

A policy's packet set is kept by the sets its names resolve to (the address and service
tables are context, not part of the policy's text), and a plain ``set`` is folded in place
instead of through ``state.fold``: these tests parse the same policy text under different
object definitions, and fold generated statements both ways. The remediation's editor shares
two empty lists among its leaves: editing must never add to them; it keeps an entry's plain
statements as lines until something reads them: written back or expanded, they are the same.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.flowspace import TCP, UDP, FlowSpace, cube_from_prefix
from auditor.parsers.fortinet import objects, parse, parse_with_dispositions, reader
from auditor.parsers.fortinet.lines import Tree, read_tree, shared_tree, tokenize
from auditor.parsers.fortinet.state import Builder, Entry, fold
from auditor.remediation import fortinet_text
from auditor.remediation.fortinet_text import FortiosText

_POLICY = """config firewall policy
    edit 1
        set srcintf "internal"
        set dstintf "wan1"
        set srcaddr "all"
        set dstaddr "dst"
        set action accept
        set schedule "always"
        set service "svc"
    next
end
"""


def _config(subnet: str, ports: str) -> str:
    return (
        "config system interface\n"
        '    edit "wan1"\n        set ip 198.51.100.2 255.255.255.0\n    next\n'
        '    edit "internal"\n        set ip 10.0.4.1 255.255.255.0\n    next\nend\n'
        f'config firewall address\n    edit "dst"\n        set subnet {subnet}\n    next\nend\n'
        f'config firewall service custom\n    edit "svc"\n        set {ports}\n    next\nend\n' + _POLICY
    )


def _policy_set(text: str) -> FlowSpace | None:
    model = parse(text, "c.conf").model
    rules = [
        r for rs in model.rulesets if rs.name.startswith("firewall policy internal -> wan1") for r in rs.rules
    ]
    assert len(rules) == 1
    return rules[0].match


def test_the_same_policy_text_follows_the_objects_it_names() -> None:
    apple = _config("17.0.0.0 255.0.0.0", "tcp-portrange 443")
    other = _config("18.0.0.0 255.0.0.0", "udp-portrange 3478-3497")
    expected_apple = FlowSpace.build(
        protocols=[(TCP, TCP)], dst=[cube_from_prefix("17.0.0.0/8")], dport=[(443, 443)]
    )
    expected_other = FlowSpace.build(
        protocols=[(UDP, UDP)], dst=[cube_from_prefix("18.0.0.0/8")], dport=[(3478, 3497)]
    )
    for _ in range(2):  # read again: the kept sets must not leak from one text to the other
        apple_set, other_set = _policy_set(apple), _policy_set(other)
        assert apple_set is not None and other_set is not None
        assert apple_set.canonical().boxes == expected_apple.canonical().boxes
        assert other_set.canonical().boxes == expected_other.canonical().boxes


def test_a_renamed_policy_reports_its_own_name() -> None:
    text = _config("17.0.0.0 255.0.0.0", "tcp-portrange 443").replace(
        'set schedule "always"', 'set schedule "night"'
    )
    first = parse(text, "c.conf")
    second = parse(text.replace("edit 1\n", "edit 7\n"), "c.conf")
    assert any("policy 1: schedule 'night'" in d.reason for d in first.diagnostics)
    assert any("policy 7: schedule 'night'" in d.reason for d in second.diagnostics)
    assert not any("policy 1:" in d.reason for d in second.diagnostics)


_WORD = st.sampled_from(["a", "b", "", "x y", "17.0.0.0", "Member"])
_STATEMENT = st.tuples(
    st.sampled_from(["set", "unset", "append", "SET", "Append"]),
    st.sampled_from(["member", "subnet", "comment", "Member", ""]),
    st.lists(_WORD, max_size=3),
)


def _quoted(word: str) -> str:
    return '"' + word + '"'


@settings(max_examples=150, deadline=None)
@given(st.lists(_STATEMENT, min_size=1, max_size=8))
def test_reading_an_entry_folds_as_fold_does(statements: list[tuple[str, str, list[str]]]) -> None:
    lines = [
        f"{verb} {_quoted(key)} {' '.join(_quoted(v) for v in values)}".rstrip()
        for verb, key, values in statements
    ]
    text = (
        'config firewall addrgrp\n    edit "g"\n'
        + "".join(f"        {line}\n" for line in lines)
        + "    next\nend\n"
    )
    tree = read_tree(text)
    builder = Builder("t.conf")
    reader.read(builder, tree.root)
    read_entry = builder.vdoms["root"].tables["firewall addrgrp"].entries["g"]
    edit = tree.root.items[0].items[0]  # type: ignore[union-attr]
    expected = Entry("g", read_entry.source)
    for stmt in edit.items:  # type: ignore[union-attr]
        fold(expected, stmt)  # type: ignore[arg-type]
    assert {k: (s.values, s.stmts) for k, s in read_entry.settings.items()} == {
        k: (s.values, s.stmts) for k, s in expected.settings.items()
    }
    assert list(read_entry.settings) == list(expected.settings)


def test_a_policy_from_a_zone_without_members_has_no_source_interface() -> None:
    text = _config("17.0.0.0 255.0.0.0", "tcp-portrange 443").replace(
        "config firewall policy",
        'config system zone\n    edit "empty"\n    next\nend\nconfig firewall policy',
    )
    result = parse(text.replace('set srcintf "internal"', 'set srcintf "empty"'), "c.conf")
    assert any("policy 1 has no srcintf or dstintf" in d.reason for d in result.diagnostics)
    assert _policy_set(text) is not None  # the same policy from a plain interface is read as usual


def test_the_editor_never_adds_to_the_lists_its_leaves_share() -> None:
    text = _config("17.0.0.0 255.0.0.0", "tcp-portrange 443")
    editor = FortiosText(text)
    editor.apply(
        "config firewall address\n    edit dst\n        set subnet 18.0.0.0 255.0.0.0\n    next\n"
        '    edit "new"\n        set subnet 17.0.0.0 255.0.0.0\n    next\nend\n'
        "config firewall policy\n    edit 2\n        set srcintf internal\n        set dstintf wan1\n"
        "        set srcaddr all\n        set dstaddr new\n        set service svc\n"
        "        set action accept\n    next\n    move 2 before 1\nend\n"
        "config system settings\n    set sip-helper disable\nend\n"
    )
    assert fortinet_text._NO_LINES == [] and fortinet_text._NO_CHILDREN == []
    merged = editor.text()
    assert merged.count("set subnet 18.0.0.0 255.0.0.0") == 1
    assert merged.index("    edit 2\n") < merged.index("    edit 1\n")
    assert merged.endswith("config system settings\n    set sip-helper disable\nend\n")


# Lines of generated FortiOS-like texts: blocks, entries, plain settings, comments, blank
# lines and quoted values that run on over several lines, in any order (unbalanced too).
_LINE = st.sampled_from(
    [
        "config firewall policy",
        "config firewall address",
        "    config sub",
        "edit 1",
        '    edit "a b"',
        "next",
        "end",
        "    set srcaddr all",
        '        set comment "x y"',
        "set a",
        "unset b",
        "append member c",
        "# a comment",
        "",
        '    set buffer "first',
        'last"',
        "    delete 3",
    ]
)


def _shape(node: fortinet_text._Node) -> tuple[object, ...]:
    return (
        node.kind,
        node.words,
        tuple(node.lines),
        tuple(node.close),
        tuple(_shape(c) for c in node.children),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=30))
def test_the_editor_keeps_entries_as_lines_until_read(lines: list[str]) -> None:
    text = "".join(f"{line}\n" for line in lines)
    untouched = FortiosText(text)
    expanded = FortiosText(text)
    shape = _shape(expanded.root)  # reads every node, so every kept entry becomes statements
    assert untouched.text() == expanded.text() == text  # every line written back as it was

    # Each statement of an expanded entry holds its own line and that line's words.
    def statements(shape: tuple[object, ...]) -> list[tuple[object, ...]]:
        kids = shape[4]
        assert isinstance(kids, tuple)
        return [shape] * (shape[0] == "stmt") + [s for kid in kids for s in statements(kid)]

    for kind, words, physical, _, _ in statements(shape):
        assert kind == "stmt" and len(physical) >= 1  # type: ignore[arg-type]
        if len(physical) == 1:  # type: ignore[arg-type]
            assert tuple(words) == tuple(tokenize(physical[0])[0])  # type: ignore[index, arg-type]


# --- a text that only adds lines after the last one read -----------------------------------

_HERE = Path(__file__).parent
_TEXTS = sorted((_HERE / "fortinet").glob("*.conf")) + sorted(
    (_HERE.parent / "verdicts" / "fortinet").glob("*.conf")
)
# Blocks a remediation (or anyone) may add at the end: settings that change an entry read
# before, entries added to, moved in or deleted from tables read before, a new VDOM block,
# comments and stray lines (those are accounted first: the parse reads the whole text).
_ADDITIONS = [
    "config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n",
    "config firewall policy\n    edit 99\n        set srcintf any\n        set dstintf any\n"
    "        set srcaddr all\n        set dstaddr all\n        set service ALL\n        set action accept\n"
    "    next\n    move 99 before 1\nend\n",
    'config firewall address\n    edit "all"\n        append subnet 10.0.0.0/8\n    next\nend\n'
    'config firewall service custom\n    edit "HTTPS"\n        set protocol IP\n    next\nend\n',
    "config system settings\n    append sip-helper x\n    unset central-nat\nend\n",
    "config firewall policy\n    delete 1\n    purge\nend\n",
    "config vdom\n    edit root\n        config system settings\n            set sip-helper disable\n"
    "        end\n    next\nend\n",
    "config system global\n    set hostname other\nend\nconfig system session-helper\n    delete 13\nend\n",
    "config voip profile\n    edit default\n        config sip\n            set status disable\n"
    "        end\n    next\nend\n",
    "# a comment\nconfig system settings\n    set sip-helper disable\nend\n",
    "set stray value\n",
    'config firewall address\n    edit "q"\n        set comment "runs\non"\n    next\nend\n',
]


@pytest.mark.parametrize("addition", _ADDITIONS)
def test_a_text_that_adds_blocks_reads_as_it_does_alone(addition: str) -> None:
    """The parse of a text that extends the last one read resumes from that reading: same result."""
    for path in _TEXTS:
        text = path.read_text(encoding="utf-8")
        parse_with_dispositions(text, "c.conf")  # the text before: its tree and reading are kept
        extended = text + addition
        tree = shared_tree(extended)
        assert tree.extends is not None  # these texts end with every block closed
        resumed, resumed_lines = parse_with_dispositions(extended, "c.conf")
        reader.forget_tables()  # nothing kept: the whole tree is read
        alone, alone_lines = parse_with_dispositions(extended, "c.conf")
        assert resumed == alone
        assert list(resumed_lines.items()) == list(alone_lines.items())
        again, again_lines = parse_with_dispositions(text, "c.conf")  # the shared reading is unchanged
        reader.forget_tables()
        assert (again, list(again_lines.items())) == (
            parse_with_dispositions(text, "c.conf")[0],
            list(parse_with_dispositions(text, "c.conf")[1].items()),
        )


def _same_tree(a: Tree, b: Tree) -> bool:
    return (a.root, a.comments, a.stray, a.line_count, a.closed) == (
        b.root,
        b.comments,
        b.stray,
        b.line_count,
        b.closed,
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINE, max_size=20), st.lists(_LINE, min_size=1, max_size=20))
def test_a_tree_that_extends_the_last_one_is_the_tree_read_alone(first: list[str], more: list[str]) -> None:
    shared_tree.cache_clear()
    text = "".join(f"{line}\n" for line in first)
    extended = text + "".join(f"{line}\n" for line in more)
    shared_tree(text)
    tree = shared_tree(extended)
    alone = read_tree(extended)
    assert _same_tree(tree, alone)
    # Only a text whose reading ended with nothing open is extended.
    assert (tree.extends is not None) == (
        read_tree(text).closed and bool(extended.count("\n") > text.count("\n"))
    )


# --- parse keeps no line accounting: the same result ----------------------------------------

_CORPUS = _HERE.parents[2] / "shared" / "corpus" / "fortinet"
_ALL_TEXTS = _TEXTS + (sorted(_CORPUS.glob("*")) if _CORPUS.is_dir() else [])
_FUZZ = st.sampled_from(
    [
        "config firewall policy", "config firewall address", "config system settings", "config vdom",
        "config global", "config system zone", "config voip profile", "config sip", "config bogus thing",
        "edit 1", 'edit "all"', "edit root", "next", "end", "set srcintf any", "set dstaddr all",
        "set action accept", "set service HTTPS", "set subnet 10.0.0.0 255.0.0.0", "set unknown-key 1",
        "set status disable", "set sip-helper disable", "set interface port1", "unset action",
        "append member x", "delete 1", "move 1 before 2", "purge", "# note", "stray words", "",
        'set comment "open', 'still"', "set users u1", "set schedule workhours",
    ]
)  # fmt: skip


@pytest.mark.parametrize("path", _ALL_TEXTS, ids=[p.name for p in _ALL_TEXTS])
def test_parse_without_the_line_accounting_is_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    reader.forget_tables()
    assert parse(text, path.name) == parse_with_dispositions(text, path.name)[0]


@settings(max_examples=150, deadline=None)
@given(st.lists(_FUZZ, max_size=40))
def test_generated_texts_parse_the_same_without_the_line_accounting(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    reader.forget_tables()
    assert parse(text, "f.conf") == parse_with_dispositions(text, "f.conf")[0]


def test_a_policy_follows_an_object_redefined_by_the_blocks_added_after_it() -> None:
    """The resumed parse shares unchanged entries; a policy naming a changed one is built again."""
    text = _config("17.0.0.0 255.0.0.0", "tcp-portrange 443")
    before = _policy_set(text)
    moved = (
        text
        + 'config firewall address\n    edit "dst"\n        set subnet 18.0.0.0 255.0.0.0\n    next\nend\n'
    )
    assert shared_tree(moved).extends is not None
    after = _policy_set(moved)
    expected = FlowSpace.build(
        protocols=[(TCP, TCP)], dst=[cube_from_prefix("18.0.0.0/8")], dport=[(443, 443)]
    )
    assert before != after == expected
    reader.forget_tables()
    assert parse(moved, "c.conf") == parse(moved, "c.conf")  # read alone, then resumed from that reading


def test_a_policy_follows_a_zone_added_after_it() -> None:
    text = _config("17.0.0.0 255.0.0.0", "tcp-portrange 443")
    parse(text, "c.conf")
    zoned = text + 'config system zone\n    edit "internal"\n        set interface "wan1"\n    next\nend\n'
    resumed = parse(zoned, "c.conf")
    reader.forget_tables()
    assert resumed == parse(zoned, "c.conf")
    assert resumed != parse(text, "c.conf")


def test_a_tree_whose_earlier_text_is_gone_is_read_whole() -> None:
    """A tree holds the tree it extends weakly: once that is gone, its parse reads every block."""
    text = _config("17.0.0.0 255.0.0.0", "tcp-portrange 443")
    extended = text + "config system settings\n    set sip-helper disable\nend\n"
    shared_tree.cache_clear()
    parse(text, "c.conf")
    tree = shared_tree(extended)
    assert tree.extends is not None and tree.extends() is not None
    shared_tree.cache_clear()
    reader.forget_tables()
    for other in ("config system global\nend\n", "config router static\nend\n", "config vdom\nend\n"):
        parse(other, "o.conf")  # the last text read is another one now
    assert tree.extends() is None  # nothing holds the earlier tree any more
    assert reader.resume(tree, Builder, "c.conf") is None


# --- a service's set is kept by its settings alone when it names no problem ------------------

_SERVICE_SETTING = st.one_of(
    st.tuples(
        st.just("protocol"), st.sampled_from([("TCP/UDP/SCTP",), ("IP",), ("ICMP",), ("ICMP6",), ("x",)])
    ),
    st.tuples(
        st.sampled_from(["tcp-portrange", "udp-portrange", "sctp-portrange"]),
        st.lists(st.sampled_from(["443", "80-81", "5223:1-2", "70000", "x", "3478-3497"]), max_size=2).map(
            tuple
        ),
    ),
    st.tuples(
        st.sampled_from(["icmptype", "protocol-number"]), st.sampled_from([("8",), ("6",), ("x",), ()])
    ),
    st.tuples(
        st.sampled_from(["iprange", "fqdn", "proxy"]), st.sampled_from([("10.0.0.1",), ("a",), ("enable",)])
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["s1", "web", "DNS"]), st.lists(_SERVICE_SETTING, max_size=4))
def test_a_service_set_kept_by_its_settings_is_the_named_one(
    name: str, pairs: list[tuple[str, tuple[str, ...]]]
) -> None:
    items = tuple(dict(pairs).items())
    assert objects._service_match(name, items) == objects.service_space(dict(items), name)
