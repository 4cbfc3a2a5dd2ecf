"""Golden files for parser tests: the model and diagnostics as JSON beside each config.

On a mismatch, ``<golden>.actual`` is written next to the golden for review; pytest's
``--update-golden`` (tests/conftest.py) rewrites the goldens instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from auditor.model import ParseResult
from auditor.model_json import model_to_jsonable


def dump(obj: object) -> str:
    """Return the deterministic JSON text of a model object."""
    return json.dumps(model_to_jsonable(obj), indent=1, ensure_ascii=False) + "\n"


def check_golden(path: Path, actual: str, update: bool) -> None:
    """Compare ``actual`` with the golden at ``path`` (or write it when updating or new)."""
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        path.with_name(path.name + ".actual").write_text(actual, encoding="utf-8")
    assert actual == expected, f"{path.name} differs; see {path.name}.actual"


def check_parse(result: ParseResult, golden_dir: Path, stem: str, update: bool) -> None:
    """Check ``<stem>.model.json`` and ``<stem>.diagnostics.json`` in ``golden_dir``."""
    check_golden(golden_dir / f"{stem}.model.json", dump(result.model), update)
    check_golden(golden_dir / f"{stem}.diagnostics.json", dump(result.diagnostics), update)
