"""The fleet-sized JSON layout loads as the same document, one big-list item per line."""

from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.reports.json_layout import write_document, write_list

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.text(max_size=6), _values, max_size=4), st.lists(_values, max_size=4), st.booleans()
)
def test_document_reads_back_equal_with_each_device_on_its_own_line(
    rest: dict[str, object], devices: list[object], ascii_only: bool
) -> None:
    document = {**rest, "devices": devices}
    out = io.StringIO()
    write_document(document, out, per_line=("devices",), ensure_ascii=ascii_only)
    text = out.getvalue()
    assert json.loads(text) == document
    lines = text.split("\n")  # not splitlines: U+0085 and kin are not line ends in JSON text
    for device in devices:  # grep finds a device's whole record on one line
        assert f"    {json.dumps(device, ensure_ascii=ascii_only)}" in (line.rstrip(",") for line in lines)


@settings(max_examples=100, deadline=None)
@given(st.lists(_values, max_size=5))
def test_list_reads_back_equal_one_item_per_line(items: list[object]) -> None:
    out = io.StringIO()
    write_list(items, out, ensure_ascii=False)
    assert json.loads(out.getvalue()) == items
    assert len(out.getvalue().rstrip("\n").split("\n")) == (len(items) + 2 if items else 1)
