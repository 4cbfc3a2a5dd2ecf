"""What netconan alone does with the planted secrets of tests/redact, next to auditor.redact.

For each fixture: the planted secrets netconan's password anonymization leaves in the text,
the lines it changes that hold no planted secret, and whether the line count holds; then
the same for ``auditor.redact``. A script, not a test: run it after changing the rules.

    python benchmarks/netconan_coverage.py
"""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

from netconan.anonymize_files import FileAnonymizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.redact import redact  # noqa: E402

FIXTURES = ROOT / "tests" / "redact"


def netconan_alone(text: str) -> str:
    anonymizer = FileAnonymizer(anon_pwd=True, anon_ip=False, salt="measure")
    out = io.StringIO()
    anonymizer.anonymize_io(io.StringIO(text), out)
    return out.getvalue()


def measure(name: str, original: str, result: str, secrets: list[str]) -> tuple[int, int]:
    left = [s for s in secrets if s in result]
    before, after = original.split("\n"), result.split("\n")
    noise = [
        (n, b.strip(), a.strip())
        for n, (b, a) in enumerate(zip(before, after, strict=False), start=1)
        if b != a and not any(s in b for s in secrets)
    ]
    lines = "same lines" if len(before) == len(after) else f"LINES {len(before)} -> {len(after)}"
    print(f"  {name:<8} missed {len(left)}/{len(secrets)}; {len(noise)} non-secret lines changed; {lines}")
    for secret in left:
        print(f"           missed: {secret}")
    for number, b, a in noise:
        print(f"           line {number} changed: {b!r} -> {a!r}")
    return len(left), len(secrets)


def main() -> None:
    logging.disable(logging.WARNING)  # netconan warns on every line it scrubs
    totals = {"netconan": [0, 0], "auditor": [0, 0]}
    for conf in sorted(FIXTURES.glob("*.conf")):
        platform = conf.stem.split("__")[0]
        text = conf.read_text(encoding="utf-8")
        secrets = [s for s in conf.with_suffix(".secrets").read_text(encoding="utf-8").split("\n") if s]
        print(f"{conf.name} ({platform})")
        for name, result in (("netconan", netconan_alone(text)), ("auditor", redact(text, platform).text)):
            missed, planted = measure(name, text, result, secrets)
            totals[name][0] += missed
            totals[name][1] += planted
    for name, (missed, planted) in totals.items():
        print(f"{name}: missed {missed} of {planted} planted secrets")


if __name__ == "__main__":
    main()
