"""The shared shape of the hand-labelled verdict tests (tests/test_verdicts_<platform>.py).

Each platform file keeps its configs under ``tests/verdicts/<platform>/`` and a table of the
verdicts written from the platform's semantics before the tool ran; this holds the check ids
in table order, the status words, a row builder and the audit of one parsed config.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import auditor.engine
import auditor.policy
from auditor.model import ParseResult

CHECKS = (
    "tcp-80", "tcp-443", "tcp-5223",
    "udp-3478-3497", "udp-16384-16387", "udp-16393-16402",
    "sip-alg", "port-mapping", "dynamic-media-ports",
)  # fmt: skip
P, F, PA, U = "pass", "fail", "partial", "unknown"
ALL = (P, P, P, P, P, P)


def row(flows: tuple[str, ...], sip: str = P, pmap: str = P, media: str = P) -> dict[str, str]:
    """Return one config's expected verdicts: the six flows, then SIP ALG, port mapping, media ALGs."""
    return dict(zip(CHECKS, (*flows, sip, pmap, media), strict=True))


def statuses(
    parse: Callable[[str, str], ParseResult],
    config: Path,
    options: auditor.engine.AuditOptions | None = None,
) -> dict[str, str]:
    """Parse ``config`` and audit it against the Apple pack: check id -> status."""
    model = parse(config.read_text(encoding="utf-8"), config.name).model
    pack = auditor.policy.resolve("apple-facetime-imessage")
    findings = auditor.engine.audit(model, pack, options or auditor.engine.AuditOptions())
    return {f.check: f.status.value for f in findings}


def mismatches(expected: dict[str, str], actual: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Return check -> (expected, actual) for every check whose verdict differs."""
    return {c: (expected[c], actual.get(c)) for c in CHECKS if expected[c] != actual.get(c)}
