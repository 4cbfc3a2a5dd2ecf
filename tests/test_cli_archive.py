"""`auditor audit --from-archive` and `auditor history` as a user meets them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.archive import Archive
from auditor.cli import app
from auditor.redact import MARK

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "inventory" / "example.yaml"
CONFIGS = ROOT / "inventory" / "configs"
PLANTED = ROOT / "tests" / "redact"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def collected(root: Path, *names: str) -> Archive:
    archive = Archive(root)
    for name in names:
        text = (CONFIGS / f"{name}.cfg").read_text()
        archive.store(name, "cisco_ios", f"ssh:{name}", text, T0)
    return archive


def findings(document: dict[str, object]) -> dict[str, list[tuple[str, str, str]]]:
    devices = document["devices"]
    assert isinstance(devices, list)
    return {
        d["name"]: [(f["check"], f["status"], f["summary"]) for f in d["findings"]] for d in devices
    }


def test_the_archive_audits_like_the_inventory_it_was_collected_from(tmp_path: Path) -> None:
    collected(tmp_path, "br-rtr-01", "br-rtr-02", "br-rtr-03", "lab-rtr-01")
    code, out, _ = run("audit", "--from-archive", str(tmp_path), "--inventory", str(INVENTORY),
                       "--format", "json", "--no-remediation")
    live_code, live, _ = run("audit", "--inventory", str(INVENTORY), "--format", "json", "--no-remediation")
    assert code == live_code == 1
    document = json.loads(out)
    assert findings(document) == findings(json.loads(live))
    sources = {d["name"]: d["source"] for d in document["devices"]}
    assert sources["br-rtr-01"] == f"archive:{tmp_path}/br-rtr-01#1@2026-12-01T09:00:00+00:00"


def test_inventory_settings_apply_to_archived_devices(tmp_path: Path) -> None:
    # lab-rtr-01's inventory narrows the inside networks to 10.99.10.0/24
    collected(tmp_path, "lab-rtr-01")
    _, with_inventory, _ = run("audit", "--from-archive", str(tmp_path), "--inventory", str(INVENTORY),
                               "--format", "json", "--no-remediation")
    _, by_file, _ = run("audit", str(CONFIGS / "lab-rtr-01.cfg"), "--inside-network", "10.99.10.0/24",
                        "--format", "json", "--no-remediation")
    lab = findings(json.loads(with_inventory))["lab-rtr-01"]
    assert lab == findings(json.loads(by_file))["lab-rtr-01"]


def test_exit_0_when_every_archived_device_is_compliant(tmp_path: Path) -> None:
    collected(tmp_path, "br-rtr-01")
    code, out, _ = run("audit", "--from-archive", str(tmp_path), "--format", "json")
    assert code == 0
    assert [d["status"] for d in json.loads(out)["devices"]] == ["compliant"]


def test_a_device_whose_last_collection_failed_is_reported_with_the_reason(tmp_path: Path) -> None:
    archive = collected(tmp_path, "br-rtr-01", "lab-rtr-01")
    archive.store("lab-rtr-01", "cisco_ios", "ssh:lab-rtr-01", None, T0 + timedelta(hours=1),
                  error="SSH authentication failed")
    code, out, err = run("audit", "--from-archive", str(tmp_path), "--format", "json")
    assert code == 3
    by_name = {d["name"]: d for d in json.loads(out)["devices"]}
    assert by_name["br-rtr-01"]["status"] == "compliant"  # the rest is still audited
    lab = by_name["lab-rtr-01"]
    assert lab["status"] == "error" and lab["findings"] == []
    reason = "last collection failed at 2026-12-01T10:00:00+00:00 (ssh:lab-rtr-01): SSH authentication failed"
    assert reason in lab["error"]
    assert "last good collection #1" in lab["error"]
    assert "SSH authentication failed" in err


def test_an_altered_archived_config_fails_that_device_only(tmp_path: Path) -> None:
    archive = collected(tmp_path, "br-rtr-01", "br-rtr-03")
    path = tmp_path / "br-rtr-03" / "configs" / f"{archive.latest('br-rtr-03').sha256}.cfg"
    path.write_text(path.read_text().replace("eq 5223 established", "eq 5223"))
    code, out, _ = run("audit", "--from-archive", str(tmp_path), "--format", "json")
    assert code == 3
    by_name = {d["name"]: d for d in json.loads(out)["devices"]}
    assert by_name["br-rtr-01"]["status"] == "compliant"
    assert by_name["br-rtr-03"]["status"] == "error"
    assert "does not match its sha256" in by_name["br-rtr-03"]["error"]


def test_an_inventory_device_never_collected_is_an_error(tmp_path: Path) -> None:
    collected(tmp_path, "br-rtr-01", "br-rtr-02", "br-rtr-03")
    code, out, _ = run("audit", "--from-archive", str(tmp_path), "--inventory", str(INVENTORY),
                       "--format", "json", "--no-remediation")
    assert code == 3
    lab = next(d for d in json.loads(out)["devices"] if d["name"] == "lab-rtr-01")
    assert lab["status"] == "error" and "no collection in the archive" in lab["error"]


@pytest.mark.parametrize("args", [
    ["--from-archive", "{missing}"],
    ["--from-archive", "{empty}"],
    ["--from-archive", "{empty}", str(CONFIGS / "br-rtr-01.cfg")],
])
def test_bad_archive_usage_exits_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "empty").mkdir()
    filled = [a.format(missing=tmp_path / "missing", empty=tmp_path / "empty") for a in args]
    code, out, err = run("audit", *filled)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("auditor: ")


def test_history_lists_collections_and_diffs_the_last_change(tmp_path: Path) -> None:
    archive = collected(tmp_path, "br-rtr-02")
    text = (CONFIGS / "br-rtr-02.cfg").read_text()
    archive.store("br-rtr-02", "cisco_ios", "ssh:br-rtr-02", text, T0 + timedelta(hours=1))
    edited = text.replace("range 16395 16396", "range 16395 16399")
    archive.store("br-rtr-02", "cisco_ios", "ssh:br-rtr-02", edited, T0 + timedelta(hours=2))
    archive.store("br-rtr-02", "cisco_ios", "ssh:br-rtr-02", None, T0 + timedelta(hours=3),
                  error="timed out")
    code, out, _ = run("history", "br-rtr-02", "--archive", str(tmp_path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"br-rtr-02: 4 collections in {tmp_path}"
    rows = [line.split() for line in lines if line[:4].strip().isdigit()]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("1", "2026-12-01T09:00:00+00:00", "changed"),
        ("2", "2026-12-01T10:00:00+00:00", "unchanged"),
        ("3", "2026-12-01T11:00:00+00:00", "changed"),
        ("4", "2026-12-01T12:00:00+00:00", "failed"),
    ]
    assert "reason: timed out" in out
    assert "diff #1 -> #3:" in out
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "range 16395 16396" in t)
    entry = "access-list 120 deny   udp any 17.0.0.0 0.255.255.255 range 16395"
    assert f"- {line:>5}       | {entry} 16396" in out
    assert f"+       {line:>5} | {entry} 16399" in out


def test_history_diff_of_chosen_collections(tmp_path: Path) -> None:
    archive = collected(tmp_path, "br-rtr-02")
    archive.store("br-rtr-02", "cisco_ios", "ssh", (CONFIGS / "br-rtr-02.cfg").read_text(), T0)
    code, out, _ = run("history", "br-rtr-02", "--archive", str(tmp_path), "--diff", "1", "2")
    assert code == 0 and "no difference between #1 and #2" in out
    code, out, _ = run("history", "br-rtr-02", "--archive", str(tmp_path))
    assert code == 0 and "one version of the config archived: nothing to diff" in out


def test_history_as_json_for_scripts(tmp_path: Path) -> None:
    archive = collected(tmp_path, "br-rtr-02")
    edited = (CONFIGS / "br-rtr-02.cfg").read_text().replace("range 16395 16396", "range 16395 16399")
    archive.store("br-rtr-02", "cisco_ios", "ssh:br-rtr-02", edited, T0 + timedelta(hours=1))
    archive.store("br-rtr-02", None, "ssh:br-rtr-02", None, T0 + timedelta(hours=2), complete=False)
    code, out, _ = run("history", "br-rtr-02", "--archive", str(tmp_path), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [(c["seq"], c["status"], c["error"]) for c in document["collections"]] == [
        (1, "changed", None), (2, "changed", None), (3, "failed", "collection incomplete"),
    ]
    assert (document["diff"]["from"], document["diff"]["to"]) == (1, 2)
    assert document["diff"]["text"] == archive.diff("br-rtr-02", 1, 2)


@pytest.mark.parametrize("args", [
    ["history", "br-rtr-02", "--archive", "{root}", "--format", "yaml"],
    ["history", "nope", "--archive", "{root}"],
    ["history", "br-rtr-02", "--archive", "{root}/missing"],
    ["history", "br-rtr-02", "--archive", "{root}", "--diff", "1", "7"],
])
def test_history_errors_exit_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    collected(tmp_path, "br-rtr-02")
    code, _, err = run(*[a.format(root=tmp_path) for a in args])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("auditor: ")


def test_no_planted_secret_reaches_the_archive_or_any_output(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    secrets: list[str] = []
    for conf in sorted(PLANTED.glob("*.conf")):
        platform = conf.stem.split("__")[0]
        planted = [s for s in conf.with_suffix(".secrets").read_text().split("\n") if s]
        secrets.extend(planted)
        text = conf.read_text()
        archive.store(conf.stem, platform, f"file:{conf.name}", text, T0)
        # a second collection where the config changed around the secrets: the diff shows their lines
        changed = "! changed\n" + text.replace("\n", "\n! edited\n", 3)
        archive.store(conf.stem, platform, f"file:{conf.name}", changed, T0 + timedelta(hours=1))
    outputs = []
    for output_format in ("json", "table", "md", "csv", "sarif", "junit", "html"):
        _, out, err = run("audit", "--from-archive", str(tmp_path / "archive"), "--format", output_format)
        outputs.extend([out, err])
    for device in archive.devices():
        code, out, err = run("history", device, "--archive", str(tmp_path / "archive"))
        assert code == 0 and "diff #1 -> #2:" in out
        outputs.extend([out, err])
        code, out, err = run("history", device, "--archive", str(tmp_path / "archive"), "--format", "json")
        assert code == 0 and json.loads(out)["diff"]["text"]
        outputs.extend([out, err])
    # the redacted lines do reach the outputs (evidence, unrecognized lines, diffs): as REDACTED
    assert sum(MARK in text for text in outputs) >= len(archive.devices())
    written = [p.read_bytes().decode("utf-8", errors="replace") for p in (tmp_path / "archive").rglob("*")
               if p.is_file()]
    assert len(written) > 2 * len(archive.devices())
    leaks = [(s, n) for s in secrets for n, text in enumerate(outputs + written) if s in text]
    assert leaks == []
