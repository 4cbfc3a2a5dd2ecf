"""`auditor run`: a scheduled fleet run end to end with the local executor, as cron would call it.

Two runs over a copy of the demo inventory with a config changed in between: the second
run's tickets cover only what newly fails, its change list names what got fixed, and the
history, the reports' trend and the exit codes agree.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from tests.celery_cluster import cluster as start_cluster

ROOT = Path(__file__).resolve().parent.parent
RUNNER = CliRunner()


def _inventory(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "inventory", tmp_path / "site")
    return tmp_path / "site" / "example.yaml"


def _run(inventory: Path, *extra: str) -> tuple[int, str, Path]:
    result = RUNNER.invoke(app, ["run", "--inventory", str(inventory), *extra])
    folders = sorted((inventory.parent / "runs").glob("run-*"))
    return result.exit_code, result.stdout, folders[-1] if folders else inventory.parent


def test_second_run_tickets_only_what_newly_fails_and_lists_fixes(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    code, out, first = _run(inventory)
    assert code == 1
    assert "newly failing\tbr-rtr-03\ttcp-5223" in out
    first_tickets = json.loads((first / "tickets.json").read_text())
    assert {t["device"]["name"] for t in first_tickets} == {"br-rtr-02", "br-rtr-03"}

    # Between the runs: br-rtr-03 lets TCP 5223 through (a fix), br-rtr-01 turns the NAT ALGs back on.
    configs = inventory.parent / "configs"
    r3 = configs / "br-rtr-03.cfg"
    r3.write_text(r3.read_text().replace("eq 5223 established", "eq 5223"))
    r1 = configs / "br-rtr-01.cfg"
    r1.write_text(r1.read_text().replace("no ip nat service all-algs\n", ""))
    assert "all-algs" not in r1.read_text()

    code, out, second = _run(inventory)
    assert code == 1
    changes = json.loads((second / "changes.json").read_text())
    newly = {(c["device"], c["check"]) for c in changes["newly_failing"]}
    fixed = {(c["device"], c["check"]) for c in changes["fixed"]}
    assert ("br-rtr-03", "tcp-5223") in fixed
    assert newly and all(device == "br-rtr-01" for device, _ in newly)
    assert ("br-rtr-01", "sip-alg") in newly
    assert "fixed\tbr-rtr-03\ttcp-5223" in out

    # Tickets: only br-rtr-01, only its new failures; br-rtr-02's open failures are not ticketed again.
    tickets = json.loads((second / "tickets.json").read_text())
    assert [t["device"]["name"] for t in tickets] == ["br-rtr-01"]
    assert {c["check"] for c in tickets[0]["checks"]} == {check for _, check in newly}

    report = json.loads((second / "report.json").read_text())
    assert report["run"]["id"] == 2 and report["run"]["executor"] == "local"
    assert report["history"]["previous_run"]["id"] == 1
    assert "Trend since the last run" in (second / "report.md").read_text()
    with sqlite3.connect(inventory.parent / "history.sqlite") as db:
        assert db.execute("select count(*) from runs").fetchone()[0] == 2


def test_no_new_failures_means_no_new_tickets(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    _run(inventory)
    code, out, second = _run(inventory)
    assert code == 1
    assert "newly failing" not in out
    assert json.loads((second / "tickets.json").read_text()) == []
    assert "already failing in an earlier run" in (second / "tickets.md").read_text()


def test_a_device_that_cannot_be_read_is_an_error_and_the_rest_still_run(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    (inventory.parent / "configs" / "br-rtr-02.cfg").unlink()
    code, out, folder = _run(inventory)
    assert code == 3
    report = json.loads((folder / "report.json").read_text())
    status = {d["name"]: d["status"] for d in report["devices"]}
    assert status["br-rtr-02"] == "error"
    assert sum(s != "error" for s in status.values()) == len(status) - 1
    assert "newly failing\tbr-rtr-02\tnot audited" in out


def test_bad_executor_is_a_usage_error(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    result = RUNNER.invoke(app, ["run", "--inventory", str(inventory), "--executor", "threads"])
    assert result.exit_code == 2
    assert "unknown executor 'threads'" in result.stderr
    assert not (inventory.parent / "history.sqlite").exists()


def test_an_offline_run_audits_the_archive_and_refuses_what_it_cannot_trust(tmp_path: Path) -> None:
    from auditor.archive import Archive

    site = tmp_path / "site"
    site.mkdir()
    configs = sorted((ROOT / "inventory" / "configs").glob("*.cfg"))[:3]
    hosts = "".join(
        f"  {c.stem}:\n    method: netmiko\n    host: 192.0.2.{i + 1}\n    username: u\n"
        for i, c in enumerate(configs)
    )
    (site / "site.yaml").write_text(f"defaults:\n  platform: cisco_ios\nhosts:\n{hosts}")
    archive = Archive(site / "archive")
    for c in configs:
        archive.store(c.stem, "cisco_ios", "test", c.read_text())
    failed, altered, good = (c.stem for c in configs)
    archive.store(failed, "cisco_ios", "test", None, error="timeout")
    (archive.config_path(archive.latest(altered))).write_text("hostname swapped\n")

    code, _, folder = _run(site / "site.yaml", "--offline")
    assert code == 3
    report = {d["name"]: d for d in json.loads((folder / "report.json").read_text())["devices"]}
    assert "last collection failed" in report[failed]["error"]
    assert "archive was altered" in report[altered]["error"]
    good_file = ROOT / "inventory" / "configs" / f"{good}.cfg"
    expected = RUNNER.invoke(app, ["audit", str(good_file), "-f", "json"])
    statuses = [(f["check"], f["status"]) for f in json.loads(expected.stdout)["devices"][0]["findings"]]
    assert [(f["check"], f["status"]) for f in report[good]["findings"]] == statuses
    assert report[good]["source"].startswith(f"archive:{site / 'archive'}/{good}#1@")


def test_a_broker_password_on_the_command_line_is_refused(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    result = RUNNER.invoke(
        app, ["run", "-i", str(inventory), "--executor", "celery", "--broker", "redis://:s3cret@127.0.0.1:1/0"]
    )
    assert result.exit_code == 2
    assert "AUDITOR_BROKER_URL" in result.stderr and "s3cret" not in result.stderr


def test_a_celery_run_gives_the_local_runs_verdicts_and_history(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed; .ci/run installs it")
    local = _inventory(tmp_path / "local")
    code_local, _, local_folder = _run(local)
    remote = _inventory(tmp_path / "celery")
    (tmp_path / "cluster").mkdir()
    with start_cluster(tmp_path / "cluster", {"w1": 1}) as cluster:
        code, out, folder = _run(remote, "--executor", "celery", "--broker", cluster.url)
    assert code == code_local == 1
    got = json.loads((folder / "report.json").read_text())
    want = json.loads((local_folder / "report.json").read_text())
    assert got["run"]["executor"] == "celery"

    def verdicts(report: dict[str, object]) -> list[object]:
        return [
            (d["name"], d["status"], [(f["check"], f["status"], f["summary"]) for f in d["findings"]])
            for d in report["devices"]  # type: ignore[attr-defined]
        ]

    assert verdicts(got) == verdicts(want)
    assert json.loads((folder / "tickets.json").read_text()) != []
    with sqlite3.connect(remote.parent / "history.sqlite") as db:
        assert db.execute("select executor from runs").fetchall() == [("celery",)]


def test_unchanged_devices_reuse_their_result_and_a_changed_one_is_audited_again(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path)
    _, _, first = _run(inventory)
    _, _, second = _run(inventory)
    one = json.loads((first / "report.json").read_text())
    two = json.loads((second / "report.json").read_text())
    assert one["run"]["reused"] == 0 and two["run"]["reused"] == len(two["devices"]) == 4
    assert one["devices"] == two["devices"]  # the same result, reused

    r3 = inventory.parent / "configs" / "br-rtr-03.cfg"
    r3.write_text(r3.read_text().replace("eq 5223 established", "eq 5223"))
    _, _, third = _run(inventory)
    three = json.loads((third / "report.json").read_text())
    assert three["run"]["reused"] == 3
    fresh = next(d for d in three["devices"] if d["name"] == "br-rtr-03")
    assert {f["check"]: f["status"] for f in fresh["findings"]}["tcp-5223"] == "pass"

    _, _, fourth = _run(inventory, "--no-cache")
    four = json.loads((fourth / "report.json").read_text())
    assert four["run"]["reused"] == 0 and four["devices"] == three["devices"]
