"""The iptables remediation's chain index against the editor it stands in for.

``remediation.linux`` finds the rule lines of a chain once per text (rule positions for
``-I CHAIN N``) without the editor's join, re-split and word split; it must find exactly the
lines ``IptablesText.chain_rules`` finds, and no position where that raises.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.remediation.linux import _TABLE, _ChainRules, is_iptables_save, is_nft
from auditor.remediation.merge import IptablesText, MergeError

LINES = st.lists(
    st.one_of(
        st.sampled_from(["*filter", "*nat", " *filter ", "*raw", "COMMIT", " COMMIT", "COMMIT x", ""]),
        st.sampled_from([":FORWARD DROP [0:0]", "# -A FORWARD -j DROP", "-N fw-1", "-P FORWARD DROP"]),
        st.builds(
            lambda lead, chain, gap, rest: f"{lead}-A{gap}{chain}{rest}",
            st.sampled_from(["", " ", "\t"]),
            st.sampled_from(["FORWARD", "INPUT", "fw-1", "FORWARD-x"]),
            st.sampled_from([" ", "  ", "\t", "\x0b"]),
            st.sampled_from(["", " -j ACCEPT", "\t-p tcp --dport 80 -j DROP", "  -j fw-1"]),
        ),
        st.sampled_from(["-AFORWARD -j ACCEPT", "-A", "-I FORWARD 1 -j ACCEPT"]),
        st.just("[0:0] -A FORWARD -j ACCEPT"),
    ),
    max_size=14,
)


def _by_definition(lines: list[str], table: str, chain: str) -> list[int] | None:
    """The rule lines of ``chain``: between ``*table`` and its COMMIT, first two words ``-A CHAIN``."""
    start = None
    for i, line in enumerate(lines):
        if line.strip() == f"*{table}":
            start = i
        elif start is not None and line.strip() == "COMMIT":
            return [j for j in range(start, i) if lines[j].split()[:2] == ["-A", chain]]
    return None


@settings(max_examples=200, deadline=None)
@given(LINES)
def test_the_editor_finds_a_chains_rules_by_their_definition(lines: list[str]) -> None:
    text = "\n".join(lines)
    editor = IptablesText(text)
    for table in ("filter", "nat", "raw", "mangle"):
        for chain in ("FORWARD", "INPUT", "fw-1", "FORWARD-x", "FORWARD x", ""):
            try:
                found: list[int] | None = editor.chain_rules(table, chain)
            except MergeError:
                found = None
            assert found == _by_definition(text.splitlines(), table, chain)


@settings(max_examples=200, deadline=None)
@given(LINES)
def test_chain_index_finds_what_the_editor_finds(lines: list[str]) -> None:
    text = "\n".join(lines)
    index = _ChainRules(lines)
    split = _ChainRules(text.splitlines(), split=True)  # a text's lines, split as the editor splits
    editor = IptablesText(text)
    for table in ("filter", "nat", "raw", "mangle"):
        for chain in ("FORWARD", "INPUT", "fw-1", "FORWARD-x", "FORWARD x", ""):
            try:
                expected: list[int] | None = editor.chain_rules(table, chain)
            except MergeError:
                expected = None
            assert index.of(table, chain) == expected
            assert split.of(table, chain) == expected


@settings(max_examples=200, deadline=None)
@given(LINES, st.sampled_from(["\n", "\r\n", "\x0b", "\x1c", "\u2028"]))
def test_iptables_save_test_agrees_with_reading_every_line(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    every_line = not is_nft(text) and any(_TABLE.match(line.strip()) for line in text.splitlines())
    assert is_iptables_save(text) == every_line
