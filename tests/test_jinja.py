"""auditor's Jinja environment reads dicts exactly as Jinja's own does."""

from __future__ import annotations

import jinja2
from hypothesis import given
from hypothesis import strategies as st

from auditor.jinja import Environment

# Plain names, and names a dict answers itself (methods, dunders).
NAMES = st.sampled_from(["name", "status", "items", "get", "keys", "values", "__len__", "__class__", "x"])


def _render(env: jinja2.Environment, source: str, **context: object) -> tuple[str, str]:
    try:
        return ("ok", env.from_string(source).render(**context))
    except jinja2.UndefinedError as exc:
        return ("undefined", str(exc))


@given(st.dictionaries(NAMES, st.integers(0, 9) | st.text("ab", max_size=2)), NAMES)
def test_dot_lookup_on_a_dict_answers_as_jinja_does(data: dict[str, object], attribute: str) -> None:
    source = f"{{{{ d.{attribute} is defined }}}} {{{{ d.{attribute} }}}}"
    for undefined in (jinja2.Undefined, jinja2.StrictUndefined):
        ours, theirs = Environment(undefined=undefined), jinja2.Environment(undefined=undefined)
        assert _render(ours, source, d=data) == _render(theirs, source, d=data)


def test_other_objects_keep_jinja_lookup() -> None:
    class Row(dict[str, str]):  # a dict subclass, and an attribute that shadows a key
        name = "attribute"

    row = Row(name="key")
    source = "{{ r.name }} {{ r['name'] }}"
    assert Environment().from_string(source).render(r=row) == "attribute key"
    assert jinja2.Environment().from_string(source).render(r=row) == "attribute key"
