"""The command line as a user meets it: exit codes, one-line errors, the JSON contract."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "inventory" / "example.yaml"
CONFIGS = ROOT / "inventory" / "configs"
STATUSES = {"pass", "fail", "partial", "unknown", "not_applicable"}
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

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_demo_inventory_reports_every_device_in_json() -> None:
    code, out, _ = run("audit", "--inventory", str(INVENTORY), "--format", "json")
    assert code == 1  # some sample routers are noncompliant
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert doc["run"]["policies"] == ["apple-facetime-imessage"]
    by_name = {d["name"]: d for d in doc["devices"]}
    assert set(by_name) == {"br-rtr-01", "br-rtr-02", "br-rtr-03", "lab-rtr-01"}
    assert by_name["br-rtr-01"]["status"] == "compliant"
    assert by_name["br-rtr-02"]["status"] == "noncompliant"
    for device in doc["devices"]:
        assert device["platform"] == "cisco_ios"
        assert device["source"].startswith("file:")
        assert device["parse"]["lines"] > 0
        assert [f["check"] for f in device["findings"]] == CHECKS
        for finding in device["findings"]:
            assert finding["status"] in STATUSES
            assert finding["summary"]
            for item in finding["evidence"]:
                assert set(item) >= {"line", "text"}


def test_partial_names_the_denied_ports_and_the_line() -> None:
    code, out, _ = run("audit", str(CONFIGS / "br-rtr-02.cfg"), "--format", "json")
    assert code == 1
    [device] = json.loads(out)["devices"]
    media = next(f for f in device["findings"] if f["check"] == "udp-16393-16402")
    assert media["status"] == "partial"
    assert "UDP 16395-16396 to 17.0.0.0/8 is denied by 120 line 30" in media["summary"]
    assert any(e["line"] == 30 for e in media["evidence"])
    assert media["witness"]["dport"] in (16395, 16396)


def test_compliant_config_exits_zero_and_table_shows_checks(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    code, _, _ = run("audit", str(CONFIGS / "br-rtr-01.cfg"), "--output", str(report))
    assert code == 0
    text = report.read_text()
    assert "br-rtr-01" in text and "compliant" in text
    for check in CHECKS:
        assert check in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["audit", "no/such/file.cfg"], "no/such/file.cfg: no such file"),
        (
            ["audit", str(CONFIGS / "br-rtr-01.cfg"), "--platform", "cisco_ioss"],
            "unknown platform 'cisco_ioss'",
        ),
        (["audit", str(CONFIGS / "br-rtr-01.cfg"), "--inside-network", "10.0.0.300/8"], "bad network"),
        (["audit", str(CONFIGS / "br-rtr-01.cfg"), "--policy", "zoom"], "zoom: no such policy pack"),
        (["audit"], "give config files or --inventory FILE"),
        (["audit", str(CONFIGS)], "is a directory"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_bad_pack_names_file_and_line(tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(
        "schema_version: 1\nid: bad\ntitle: Bad\ndestinations: [17.0.0.0/8]\nchecks:\n"
        "  - id: tcp-1\n    kind: flow\n    title: t\n    rationale: r\n    protocol: tcp\n"
        "    ports: 99999\n"
    )
    code, _, err = run("policies", "validate", str(pack))
    assert code == 2
    assert f"{pack}:11:" in err and "port" in err
    code, _, err = run("audit", str(CONFIGS / "br-rtr-01.cfg"), "--policy", str(pack))
    assert code == 2 and f"{pack}:11:" in err


def test_platform_without_parser_is_a_device_error_exit_3(tmp_path: Path) -> None:
    config = tmp_path / "srx.conf"
    config.write_text("set security policies from-zone trust to-zone untrust policy p then permit\n")
    code, out, _ = run("audit", str(config), "--platform", "juniper_junos", "--format", "json")
    assert code == 3
    [device] = json.loads(out)["devices"]
    assert device["status"] == "error" and "no parser for juniper_junos" in device["error"]


def test_unrecognized_lines_are_listed_with_line_numbers(tmp_path: Path) -> None:
    config = tmp_path / "odd.cfg"
    config.write_text(
        "hostname odd\ninterface GigabitEthernet0/1\n ip address 10.1.1.1 255.255.255.0\n"
        " frobnicate the widget\n!\nend\n"
    )
    code, out, _ = run("audit", str(config), "--format", "json")
    [device] = json.loads(out)["devices"]
    assert {"line": 4, "text": " frobnicate the widget"}.items() <= device["parse"]["unrecognized"][0].items()


def test_policies_list_and_show() -> None:
    code, out, _ = run("policies", "list")
    assert code == 0 and "apple-facetime-imessage" in out
    code, out, _ = run("policies", "show", "apple-facetime-imessage")
    assert code == 0
    assert "udp-16393-16402" in out and "support.apple.com" in out


def test_console_script_is_installed() -> None:
    """The real entry point, as a user runs it (also proves `pip install -e .` wired it)."""
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "policies", "list"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "apple-facetime-imessage" in proc.stdout


def test_parallel_run_reports_the_same_as_sequential(tmp_path: Path) -> None:
    files = []
    for i in range(45):  # past the threshold where the run uses worker processes
        source = sorted(CONFIGS.glob("*.cfg"))[i % 4]
        target = tmp_path / f"r{i:02d}.cfg"
        target.write_text(source.read_text())
        files.append(str(target))
    outputs = []
    for workers in ("1", "2"):
        code, out, _ = run("audit", *files, "--format", "json", "--workers", workers)
        assert code == 1
        doc = json.loads(out)
        outputs.append(
            [
                (d["name"], [(f["check"], f["status"], f["summary"]) for f in d["findings"]])
                for d in doc["devices"]
            ]
        )
    assert outputs[0] == outputs[1]
    assert [name for name, _ in outputs[1]] == [f"r{i:02d}" for i in range(45)]


def test_undetectable_file_is_one_line_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "notes.txt"
    config.write_text("remember to buy milk\n")
    code, _, err = run("audit", str(config))
    assert code == 2
    assert "cannot tell the platform from the text (tried linux, paloalto_panos, cisco_asa, cisco_ios)" in err
    assert len(err.strip().splitlines()) == 1


def test_auto_detection_says_how_it_decided() -> None:
    code, out, _ = run("audit", str(CONFIGS / "br-rtr-02.cfg"), "--format", "json")
    [device] = json.loads(out)["devices"]
    assert device["detection"].startswith("auto-detected as cisco_ios: ")


def _no_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|Z)?", "T", text)


def test_rendered_formats_and_saved_report_agree(tmp_path: Path) -> None:
    saved = tmp_path / "run.json"
    code, _, _ = run("audit", "--inventory", str(INVENTORY), "--format", "json", "--output", str(saved))
    assert code == 1
    for fmt in ("md", "csv", "junit", "sarif", "html"):
        code, direct, _ = run("audit", "--inventory", str(INVENTORY), "--format", fmt)
        assert code == 1
        code, again, _ = run("report", str(saved), "--format", fmt)
        assert code == 0
        # The two runs differ only in their start time.
        assert _no_times(direct) == _no_times(again), fmt


def test_remediate_prints_a_verified_change_and_its_rollback() -> None:
    code, out, _ = run("remediate", str(CONFIGS / "br-rtr-02.cfg"))
    assert code == 1
    assert "br-rtr-02 (cisco_ios): verified" in out
    assert "permit udp 192.168.20.0 0.0.0.255 17.0.0.0 0.255.255.255 range 16393 16402" in out
    assert "--- rollback ---" in out
    code, out, _ = run("remediate", str(CONFIGS / "br-rtr-01.cfg"))
    assert code == 0 and "compliant, nothing to change" in out


def test_json_carries_the_proven_remediation() -> None:
    code, out, _ = run("audit", str(CONFIGS / "br-rtr-02.cfg"), "--format", "json")
    [device] = json.loads(out)["devices"]
    assert device["remediation"]["verified"] is True
    assert "no ip nat service sip udp port 5060" in device["remediation"]["config"]
    sip = next(f for f in device["findings"] if f["check"] == "sip-alg")
    assert "no ip nat service sip udp port 5060" in sip["remediation"]
    code, out, _ = run("audit", str(CONFIGS / "br-rtr-02.cfg"), "--format", "json", "--no-remediation")
    assert json.loads(out)["devices"][0]["remediation"] is None


def test_tickets_from_a_saved_report_and_from_an_audit(tmp_path: Path) -> None:
    saved = tmp_path / "run.json"
    run("audit", "--inventory", str(INVENTORY), "--format", "json", "--output", str(saved))
    code, out, _ = run("ticket", "--report", str(saved), "--format", "json")
    assert code == 0
    tickets = json.loads(out)
    assert sorted(t["device"]["name"] for t in tickets) == ["br-rtr-02", "br-rtr-03"]
    code, out, _ = run("ticket", str(CONFIGS / "br-rtr-03.cfg"))
    assert code == 0 and "br-rtr-03" in out
    code, _, err = run("report", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read" in err
