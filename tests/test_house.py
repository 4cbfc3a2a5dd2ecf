"""House rules that keep the code easy to walk through (STYLE.md), checked cheaply."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import auditor
from auditor import parsers
from auditor.model import Platform

ROOT = Path(__file__).resolve().parent.parent
CORE = ["flowspace.py", "model.py", "evaluate.py", "topology.py", "engine.py", "policy.py", "pipeline.py"]
# Words that only make sense in one vendor's syntax: they belong in parsers/ and templates/.
VENDOR_WORDS = re.compile(
    r"\b(access-group|access-list|object-group|ip nat|nameif|security-level|iptables|nft|"
    r"from-zone|firewall policy|wildcard mask)\b",
    re.IGNORECASE,
)


def test_core_modules_speak_no_vendor_syntax() -> None:
    for name in CORE:
        code = (ROOT / "auditor" / name).read_text()
        hits = [m.group(0) for m in VENDOR_WORDS.finditer(code)]
        assert not hits, f"{name} mentions vendor syntax: {sorted(set(hits))}"


def test_public_api_is_sorted_and_importable() -> None:
    assert auditor.__all__ == sorted(auditor.__all__)
    for name in auditor.__all__:
        assert hasattr(auditor, name), name


def test_every_parser_entry_names_a_platform_and_a_module() -> None:
    for platform, module in parsers.PARSERS.items():
        assert isinstance(platform, Platform)
        assert (ROOT / "auditor" / "parsers" / module).exists() or (
            ROOT / "auditor" / "parsers" / f"{module}.py"
        ).exists()
    assert set(parsers.DETECT_ORDER) <= set(parsers.PARSERS)


def test_ruff_and_mypy_strict_are_clean() -> None:
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "auditor"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert ruff.returncode == 0, ruff.stdout
    mypy = subprocess.run([sys.executable, "-m", "mypy", "auditor"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert mypy.returncode == 0, mypy.stdout
