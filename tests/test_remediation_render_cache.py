"""Remediation renders are remembered by their plain changes: the same text as a fresh render."""

from __future__ import annotations

import enum
import importlib
from pathlib import Path
from typing import Any

import pytest

from auditor import engine, parsers
from auditor.model import Platform
from auditor.policy import resolve
from auditor.remediation import remediate

# The module (the package exports its ``render`` function under the same name).
render_module = importlib.import_module("auditor.remediation.render")

CASES = Path(__file__).parent / "remediation"


class _Kind(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (1, True),
        (1, 1.0),
        (1, "1"),
        ([1, 2], (1, 2)),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # another key order may render in another order
        ([{"seq": 10}], [{"seq": "10"}]),
    ],
)
def test_changes_of_other_types_or_order_have_other_keys(a: object, b: object) -> None:
    assert render_module._plain_key(a) is not None
    assert render_module._plain_key(a) != render_module._plain_key(b)


@pytest.mark.parametrize("value", [_Kind.ONE, [object()], {"a": {1, 2}}, [{"x": _Kind.ONE}]])
def test_changes_holding_other_objects_are_not_remembered(value: object) -> None:
    assert render_module._plain_key(value) is None


def _cases() -> list[tuple[Platform, Path]]:
    out = []
    for folder in sorted(p for p in CASES.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.txt"))[:6]:
            out.append((Platform(folder.name), path))
    return out


@pytest.mark.parametrize(("platform", "path"), _cases(), ids=lambda v: getattr(v, "name", str(v)))
def test_a_remembered_render_is_the_fresh_render(
    platform: Platform, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, list[dict[str, Any]], str]] = []
    real = render_module.render

    def recording(template: str, changes: list[dict[str, Any]], mode: str) -> str:
        calls.append((template, changes, mode))
        return real(template, changes, mode)

    monkeypatch.setattr("auditor.remediation.render", recording)
    text = path.read_text(encoding="utf-8")
    pack = resolve("apple-facetime-imessage")
    options = engine.AuditOptions()
    model = parsers.parse(platform, text, path.name).model
    findings = engine.audit(model, pack, options)
    remediate(platform, text, path.name, findings, [pack], options, model)
    for template, changes, mode in calls:
        assert real(template, changes, mode) == render_module._render(template, changes, mode)
