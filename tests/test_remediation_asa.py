"""cisco_asa remediation: golden text per failing verdict case, proof by re-audit.

For every hand-labelled ASA config with a failing check (tests/verdicts/cisco_asa), the
rendered change and rollback must equal ``tests/remediation/cisco_asa/<case>.txt``; the
verified cases must really pass every check after the merge, and the cases in
``NOT_VERIFIED`` must give their reason instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import engine, parsers, policy
from auditor.model import Platform, Status
from auditor.remediation import DeviceRemediation, remediate
from auditor.remediation.merge import AsaText
from tests.golden import check_golden

ROOT = Path(__file__).parent
PACK = policy.resolve("apple-facetime-imessage")
CASES = sorted((ROOT / "verdicts" / "cisco_asa").glob("*.cfg"))
# Cases that honestly cannot be verified, with a word of the reason that must be given.
NOT_VERIFIED = {
    "02_equal_levels_denied": "same security level (a security-level default",
}


def _options(text: str) -> engine.AuditOptions:
    outside = tuple(
        line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("! auditor-outside:")
    )
    return engine.AuditOptions(outside_interfaces=outside)


def _remediate(path: Path) -> tuple[DeviceRemediation, list[str], engine.AuditOptions]:
    text = path.read_text()
    options = _options(text)
    model = parsers.parse(Platform.CISCO_ASA, text, path.name).model
    findings = engine.audit(model, PACK, options)
    failing = [f.check for f in findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    result = remediate(Platform.CISCO_ASA, text, path.name, findings, [PACK], options)
    return result, failing, options


def _golden_text(result: DeviceRemediation) -> str:
    parts = [result.config, "! --- rollback ---\n", result.rollback]
    parts.append(f"! --- verified: {str(result.verified).lower()}\n")
    if not result.verified:
        parts.append(f"! --- reason: {result.reason}\n")
    return "".join(parts)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_asa(path: Path, update_golden: bool) -> None:
    result, failing, options = _remediate(path)
    if not failing:
        assert result.verified and result.config == ""
        return
    if path.stem in NOT_VERIFIED:
        assert not result.verified
        assert NOT_VERIFIED[path.stem] in result.reason, result.reason
        assert set(result.unresolved) == set(failing)
    else:
        assert result.verified, result.reason
        assert set(result.per_check) == set(failing)
        after = parsers.parse(Platform.CISCO_ASA, result.merged, path.name).model
        for finding in engine.audit(after, PACK, options):
            assert finding.status in (Status.PASS, Status.NOT_APPLICABLE), (finding.check, finding.summary)
    check_golden(ROOT / "remediation" / "cisco_asa" / f"{path.stem}.txt", _golden_text(result), update_golden)


def test_line_numbers_count_remarks() -> None:
    text = """ASA Version 9.12(4)
interface GigabitEthernet0/0
 nameif outside
 security-level 0
 ip address 203.0.113.2 255.255.255.252
interface GigabitEthernet0/1
 nameif inside
 security-level 100
 ip address 10.1.1.1 255.255.255.0
route outside 0.0.0.0 0.0.0.0 203.0.113.1 1
access-list inside_in remark allow the web
access-list inside_in extended permit tcp any any eq www
access-list inside_in remark no push
access-list inside_in extended deny tcp any any eq 5223
access-list inside_in extended permit ip any any
access-group inside_in in interface inside
"""
    options = _options(text)
    model = parsers.parse(Platform.CISCO_ASA, text, "r.cfg").model
    findings = engine.audit(model, PACK, options)
    result = remediate(Platform.CISCO_ASA, text, "r.cfg", findings, [PACK], options)
    assert result.verified, result.reason
    assert (
        "access-list inside_in line 4 extended permit tcp 10.1.1.0 255.255.255.0 17.0.0.0 255.0.0.0 eq 5223"
        in result.config
    )
    merged = [line for line in result.merged.splitlines() if line.startswith("access-list inside_in ")]
    assert merged[3].startswith("access-list inside_in extended permit tcp 10.1.1.0")
    assert merged[4] == "access-list inside_in extended deny tcp any any eq 5223"


def test_merge_inserts_by_line_and_appends() -> None:
    config = AsaText("access-list A extended deny ip any any\naccess-list B remark x\n")
    config.apply(
        "access-list A line 1 extended permit tcp any any eq 80\n"
        "access-list B line 2 extended permit ip any any\n"
    )
    assert config.text().splitlines() == [
        "access-list A extended permit tcp any any eq 80",
        "access-list A extended deny ip any any",
        "access-list B remark x",
        "access-list B extended permit ip any any",
    ]
