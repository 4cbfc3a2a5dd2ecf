"""Reports and tickets as users meet them, rendered from the demo inventory's JSON report."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.errors import RenderError
from auditor.reports.render import FORMATS, render
from auditor.reports.tickets import render_tickets

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "inventory" / "example.yaml"
CONFIGS = ROOT / "inventory" / "configs"
CHECKS = [
    "tcp-80",
    "tcp-443",
    "tcp-5223",
    "udp-3478-3497",
    "udp-16384-16387",
    "udp-16393-16402",
    "sip-alg",
    "port-mapping",
    "dynamic-media-ports",
]
PAYLOAD = "<script>document.title='PWNED'</script>"
NON_PASS = {"fail", "partial", "unknown"}


def audit_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["audit", *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def hostile_config(directory: Path) -> Path:
    """br-rtr-03 with the payload as an unrecognized line, a description and in an ACL line (evidence)."""
    text = (CONFIGS / "br-rtr-03.cfg").read_text()
    text = text.replace("version 15.4\n", f'version 15.4\n{PAYLOAD} & "q"\n')
    text = text.replace(" description Internet\n", f" description {PAYLOAD}\n")
    text = text.replace(
        " 70 permit udp any any eq domain\n",
        " 70 permit udp any any eq domain\n"
        f" 76 permit tcp any 17.0.0.0 0.255.255.255 eq 5223 log {PAYLOAD}\n",
    )
    path = directory / "evil-rtr.cfg"
    path.write_text(text)
    return path


def fleet_json(directory: Path) -> dict[str, Any]:
    """The demo inventory plus the hostile config, in one report."""
    document = audit_json("--inventory", str(INVENTORY))
    evil = audit_json(str(hostile_config(directory)), "--platform", "cisco_ios")
    document["devices"].extend(evil["devices"])
    return document


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return audit_json("--inventory", str(INVENTORY))


def findings(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(d["name"], f) for d in document["devices"] for f in d["findings"]]


def test_unknown_format_is_a_render_error(demo: dict[str, Any]) -> None:
    with pytest.raises(RenderError, match="unknown report format 'pdf'"):
        render(demo, "pdf")
    with pytest.raises(RenderError, match="unknown ticket format"):
        render_tickets(demo, "csv")
    with pytest.raises(RenderError, match="schema_version 1"):
        render({"schema_version": 2, "devices": []}, "html")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_is_a_pure_function_of_the_document(demo: dict[str, Any], fmt: str) -> None:
    again = json.loads(json.dumps(demo))
    assert render(demo, fmt) == render(again, fmt)


def test_html_has_the_fleet_matrix_and_the_counts(demo: dict[str, Any]) -> None:
    page = render(demo, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page and "src=" not in page
    matrix = page.split('id="matrix"')[1].split("</table>")[0]
    assert matrix.count("<tr data-device=") == 4
    assert matrix.count('class="check"') == 9
    assert matrix.count('class="cell ') == 36
    for check in CHECKS:
        assert f">{check}</th>" in matrix
    statuses = [f["status"] for _, f in findings(demo)]
    for verdict in ("pass", "fail", "partial"):
        assert matrix.count(f'data-verdict="{verdict}"') == statuses.count(verdict)
        assert f'data-verdict="{verdict}"><b>{statuses.count(verdict)}</b>' in page
    assert '<div class="count s-noncompliant" data-status="noncompliant"><b>2</b>' in page
    # br-rtr-03's row: fail for tcp-5223, port-mapping and dynamic-media-ports, pass for the rest
    row = matrix.split('data-device="br-rtr-03"')[1].split("</tr>")[0]
    assert [c.split('"')[0] for c in row.split('data-verdict="')[1:]] == [
        "pass", "pass", "fail", "pass", "pass", "pass", "pass", "fail", "fail",
    ]  # fmt: skip
    assert "30 permit tcp any 17.0.0.0 0.255.255.255 eq 5223 established" in page
    # br-rtr-02 (IOS XE) gets a verified fix; br-rtr-03 (IOS 15.4) cannot turn its H.323/RTSP
    # NAT ALGs off with a confirmed command, so its fix is shown as not verified.
    assert page.count('<span class="badge v-pass">verified</span>') == 1
    assert page.count('<span class="badge v-fail">not verified</span>') == 1
    assert "no ip nat service sip udp port 5060" in page
    assert "Remediation: not rendered yet." not in page
    assert page.count('<td class="unrecognized-count">0</td>') == 4


def test_html_escapes_config_text(tmp_path: Path) -> None:
    document = audit_json(str(hostile_config(tmp_path)), "--platform", "cisco_ios")
    device = document["devices"][0]
    assert any(PAYLOAD in u["text"] for u in device["parse"]["unrecognized"])
    assert any(PAYLOAD in e["text"] for f in device["findings"] for e in f["evidence"])
    page = render(document, "html")
    assert "<script" not in page
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt; &amp; &#34;q&#34;" in page
    assert "log &lt;script&gt;document.title" in page
    md = render(document, "md")
    assert "<script" not in md.replace(f"`{PAYLOAD}", "")  # only inside code spans


def test_html_shows_remediation_and_whether_it_was_verified(demo: dict[str, Any]) -> None:
    document = json.loads(json.dumps(demo))
    device = document["devices"][2]
    device["remediation"] = {
        "config": "ip access-list extended WAN-OUT\n 25 permit tcp any 17.0.0.0 0.255.255.255 eq 5223",
        "rollback": "ip access-list extended WAN-OUT\n no 25",
        "verified": True,
        "reason": "re-audit passes",
    }
    device["findings"][2]["remediation"] = "permit TCP 5223 <to Apple>"
    page = render(document, "html")
    section = page.split('id="device-3"')[1]
    assert "verified</span>" in section and "no 25" in section and "re-audit passes" in section
    assert "permit TCP 5223 &lt;to Apple&gt;" in section
    document["devices"][2]["remediation"]["verified"] = False
    assert "not verified</span>" in render(document, "html")


def test_markdown_has_the_matrix_and_the_failing_evidence(demo: dict[str, Any]) -> None:
    md = render(demo, "md")
    assert "| device | status | " + " | ".join(CHECKS) + " |" in md
    assert "| br-rtr-03 | noncompliant | pass | pass | fail | pass | pass | pass | pass | fail | fail |" in md
    assert "**Findings:** 30 pass · 5 fail · 1 partial · 0 unknown · 0 not applicable" in md
    assert "- line 32: `30 permit tcp any 17.0.0.0 0.255.255.255 eq 5223 established`" in md


def test_csv_is_one_row_per_device_and_check(demo: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(render(demo, "csv"))))
    assert list(rows[0]) == [
        "device", "platform", "status", "check", "verdict", "summary", "evidence_line", "evidence_text",
    ]  # fmt: skip
    assert len(rows) == 4 * 9
    assert {r["check"] for r in rows} == set(CHECKS)
    row = next(r for r in rows if r["device"] == "br-rtr-03" and r["check"] == "port-mapping")
    assert (row["status"], row["verdict"], row["evidence_line"]) == ("noncompliant", "fail", "22")
    assert row["evidence_text"].startswith("ip nat inside source static tcp 172.16.30.10 443")


def test_csv_defuses_spreadsheet_formulas(demo: dict[str, Any]) -> None:
    document = json.loads(json.dumps(demo))
    document["devices"][0]["findings"][0]["evidence"][0]["text"] = '=HYPERLINK("http://x")'
    document["devices"][0]["findings"][1]["evidence"][0]["text"] = "-A FORWARD -j ACCEPT"
    rows = list(csv.DictReader(io.StringIO(render(document, "csv"))))
    assert rows[0]["evidence_text"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["evidence_text"] == "-A FORWARD -j ACCEPT"


def test_junit_fails_the_build_on_every_non_pass(demo: dict[str, Any]) -> None:
    root = ET.fromstring(render(demo, "junit"))
    statuses = [f["status"] for _, f in findings(demo)]
    failing = statuses.count("fail") + statuses.count("partial")
    assert root.tag == "testsuites"
    assert int(root.get("tests", "")) == 36
    assert int(root.get("failures", "")) == failing == len(root.findall(".//failure")) == 6
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["br-rtr-01", "br-rtr-02", "br-rtr-03", "lab-rtr-01"]
    assert all(len(s.findall("testcase")) == 9 for s in suites)
    case = root.find(".//testsuite[@name='br-rtr-02']/testcase[@name='udp-16393-16402']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "partial"
    assert "line 30: access-list 120 deny" in (failure.text or "")


def test_junit_maps_unknown_to_error_and_not_applicable_to_skipped(demo: dict[str, Any]) -> None:
    document = json.loads(json.dumps(demo))
    document["devices"][0]["findings"][0]["status"] = "unknown"
    document["devices"][0]["findings"][1]["status"] = "not_applicable"
    document["devices"][0]["findings"][2]["summary"] = "control \x01 char & <tag>"
    dead = {"name": "dead", "platform": None, "source": "file:x.cfg", "status": "error"}
    document["devices"].append({**dead, "error": "x.cfg: cannot read", "findings": [], "remediation": None})
    root = ET.fromstring(render(document, "junit"))
    assert (root.get("errors"), root.get("skipped")) == ("2", "1")
    assert root.find(".//testsuite[@name='dead']/testcase[@name='audit']/error") is not None


def test_sarif_has_a_result_with_line_regions_per_non_pass_finding(demo: dict[str, Any]) -> None:
    log = json.loads(render(demo, "sarif"))
    assert log["version"] == "2.1.0" and "$schema" in log
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "auditor"
    assert [r["id"] for r in driver["rules"]] == CHECKS
    assert all(r["shortDescription"]["text"] and r["helpUri"].startswith("https://") for r in driver["rules"])
    expected = [(name, f["check"]) for name, f in findings(demo) if f["status"] in NON_PASS]
    assert [(r["properties"]["device"], r["ruleId"]) for r in run["results"]] == expected
    for result in run["results"]:
        assert {"ruleId", "level", "message", "locations"} <= set(result)
        assert result["level"] == "error"
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        for location in result["locations"]:
            assert location["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///")
    mapping = next(r for r in run["results"] if r["ruleId"] == "port-mapping")
    (location,) = mapping["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("inventory/configs/br-rtr-03.cfg")
    assert location["physicalLocation"]["region"]["startLine"] == 22
    partial = next(r for r in run["results"] if r["ruleId"] == "udp-16393-16402")
    assert [x["physicalLocation"]["region"]["startLine"] for x in partial["locations"]] == [30, 31]


def test_sarif_levels_and_relative_sources(demo: dict[str, Any]) -> None:
    document = json.loads(json.dumps(demo))
    document["devices"][0]["source"] = "file:configs/br rtr 01.cfg"
    document["devices"][0]["findings"][0]["status"] = "unknown"
    run = json.loads(render(document, "sarif"))["runs"][0]
    first = run["results"][0]
    assert first["level"] == "warning"
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "configs/br%20rtr%2001.cfg"


def test_tickets_one_per_noncompliant_device(demo: dict[str, Any]) -> None:
    tickets = json.loads(render_tickets(demo, "json"))
    assert [t["device"]["name"] for t in tickets] == ["br-rtr-02", "br-rtr-03"]
    by_name = {t["device"]["name"]: t for t in tickets}
    assert by_name["br-rtr-02"]["risk"] == "medium"  # an ACL line denies part of a media range
    assert by_name["br-rtr-03"]["risk"] == "high"  # a static mapping of TCP 443 must go
    t = by_name["br-rtr-03"]
    path = str(CONFIGS / "br-rtr-03.cfg")
    assert t["verification"]["command"] == f"auditor audit {path} --platform cisco_ios"
    assert t["verification"]["must_pass"] == ["tcp-5223", "port-mapping", "dynamic-media-ports"]
    assert [c["check"] for c in t["checks"]] == t["verification"]["must_pass"]
    assert t["justification"]["sources"] == [
        {
            "title": "If you use FaceTime and iMessage behind a firewall "
            "(Apple Support 102036, formerly HT202078)",
            "url": "https://support.apple.com/en-us/102036",
        }
    ]
    assert t["change"]["rendered"] is True and t["change"]["verified"] is False
    assert "H323 (default), RTSP (default)" in t["change"]["reason"]
    assert "90 permit tcp any 17.0.0.0 0.255.255.255 eq 5223" in t["change"]["config"]
    assert "no 90" in t["rollback"]
    assert {"check": "port-mapping", "line": 22}.items() <= next(
        e for e in t["evidence"] if e["check"] == "port-mapping"
    ).items()
    assert {"title", "risk", "device", "justification", "change", "rollback", "verification", "evidence",
            "checks", "description", "priority", "labels"} <= set(t)  # fmt: skip


def test_tickets_carry_the_rendered_change_when_present(demo: dict[str, Any]) -> None:
    document = json.loads(json.dumps(demo))
    document["devices"][1]["remediation"] = {
        "config": "no ip nat service sip udp port 5060", "rollback": "ip nat service sip udp port 5060",
        "verified": True, "reason": "",
    }  # fmt: skip
    ticket = json.loads(render_tickets(document, "json"))[0]
    assert ticket["change"]["config"] == "no ip nat service sip udp port 5060"
    assert ticket["rollback"] == "ip nat service sip udp port 5060"
    md = render_tickets(document, "md")
    assert "## Change (verified by re-audit)" in md
    assert "```\nno ip nat service sip udp port 5060\n```" in md


def test_markdown_tickets(demo: dict[str, Any]) -> None:
    md = render_tickets(demo, "md")
    assert md.count("\n# ") + md.startswith("# ") == 2
    assert "| risk | **high** (2 - High) |" in md
    assert f"```\nauditor audit {CONFIGS / 'br-rtr-02.cfg'} --platform cisco_ios\n```" in md
    assert "https://support.apple.com/en-us/102036" in md
    assert "## Change (verified by re-audit)" in md
    assert "no ip nat service sip udp port 5060" in md


def test_no_tickets_for_a_compliant_fleet(demo: dict[str, Any]) -> None:
    document = json.loads(json.dumps(demo))
    document["devices"] = [d for d in document["devices"] if d["status"] == "compliant"]
    assert render_tickets(document, "json") == "[]\n"
    assert "every device is compliant" in render_tickets(document, "md")
