"""`auditor history --db` as a user meets it: the fleet trend, a timeline, run diffs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from tests.history_fleet import ALGS_OFF, PUSH_ESTABLISHED, PUSH_NEW, Fleet, build

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return build(tmp_path_factory.mktemp("fleet"))


def section(text: str, title: str) -> list[str]:
    """The indented rows under a ``title:`` line."""
    lines = text.splitlines()
    start = lines.index(f"{title}:") + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        rows.append(line.strip())
    return rows


def test_fleet_trend_table_and_what_changed_in_the_last_run(fleet: Fleet) -> None:
    code, out, _ = run("history", "--db", str(fleet.db))
    assert code == 0
    table = out.split("\n\n")[1].splitlines()
    assert table[0].split() == ["run", "started", "at", "devices", "compliant", "noncompliant", "error",
                                "failing", "checks"]
    assert [row.split()[:1] + row.split()[2:] for row in table[1:]] == [
        ["1", "4", "2", "2", "0", "6"], ["2", "4", "0", "3", "1", "7"],
        ["3", "4", "1", "2", "1", "4"], ["4", "4", "1", "3", "0", "7"],
    ]
    assert "run #3 (" in out and "-> run #4 (" in out
    assert "0 newly failing, 1 fixed, 7 still failing, 0 not re-checked" in out
    assert [r.split()[0:2] for r in section(out, "fixed")] == [["br-rtr-02", "device"]]


def test_device_timeline(fleet: Fleet) -> None:
    code, out, _ = run("history", "br-rtr-02", "--db", str(fleet.db))
    assert code == 0
    rows = out.split("\n\n")[1].splitlines()[1:]
    statuses = [row.split()[2] for row in rows if not row.startswith(" " * 7)]
    assert statuses == ["noncompliant", "noncompliant", "error", "noncompliant"]
    assert "not audited: br-rtr-02: last collection failed" in out and "connection timed out" in out
    assert rows[0].endswith("dynamic-media-ports (fail), sip-alg (fail), udp-16393-16402 (partial)")
    code, out, _ = run("history", "br-rtr-02", "--db", str(fleet.db), "--format", "json")
    timeline = json.loads(out)["timeline"]
    assert [p["status"] for p in timeline] == statuses
    assert [p["config_changed"] for p in timeline] == [None, False, None, False]
    assert timeline[2]["failing"][0]["check"] is None and timeline[2]["config_sha256"] is None


def test_runs_diff_lists_newly_failing_fixed_and_still_failing(fleet: Fleet) -> None:
    code, out, _ = run("history", "--db", str(fleet.db), "--runs", "1", "2")
    assert code == 0
    assert out.startswith("run #1 (") and "3 newly failing, 1 fixed, 5 still failing, 0 not re-checked" in out
    assert [r.split()[:2] for r in section(out, "newly failing")] == [
        ["br-rtr-01", "apple-facetime-imessage/dynamic-media-ports"],
        ["br-rtr-01", "apple-facetime-imessage/sip-alg"],
        ["lab-rtr-01", "device"],
    ]
    fixed = section(out, "fixed")
    assert fixed[0].startswith("br-rtr-03  apple-facetime-imessage/tcp-5223  fail (run #1) -> pass")
    assert len(section(out, "still failing")) == 5
    assert "give --archive DIR to see the config lines that changed" in out
    assert "fleet:" not in out  # an explicit --runs shows only the diff


def test_an_error_is_not_re_checked_not_fixed(fleet: Fleet) -> None:
    code, out, _ = run("history", "--db", str(fleet.db), "--runs", "2", "3")
    assert code == 0
    unverified = section(out, "not re-checked (not counted as fixed)")
    assert len(unverified) == 3
    assert all(r.startswith("br-rtr-02") and "(device could not be audited)" in r for r in unverified)
    assert [r.split()[:2] for r in section(out, "fixed")] == [["lab-rtr-01", "device"]]


def test_archive_shows_the_config_change_that_flipped_each_verdict(fleet: Fleet) -> None:
    code, out, _ = run("history", "--db", str(fleet.db), "--runs", "1", "2",
                       "--archive", str(fleet.archive.root))
    assert code == 0
    flipped = out.split("verdicts that flipped and the config behind them:\n", 1)[1]
    lines = flipped.splitlines()
    fix = lines.index("  br-rtr-03  apple-facetime-imessage/tcp-5223  fail (run #1) -> pass")
    assert lines[fix + 1].startswith("    --- br-rtr-03 #1 ")
    after = lines[fix:]
    assert any(line.startswith("    -") and line.endswith("| " + PUSH_ESTABLISHED.rstrip()) for line in after)
    assert any(line.startswith("    +") and line.endswith("| " + PUSH_NEW.rstrip()) for line in after)
    br01 = [line for line in lines[:fix] if line.startswith("    -") and line.endswith(ALGS_OFF.rstrip())]
    assert len(br01) == 1  # two verdicts flipped by one change: its diff shown once
    assert "give --archive DIR" not in out


def test_one_device_part_of_a_diff_as_json(fleet: Fleet) -> None:
    code, out, _ = run("history", "br-rtr-03", "--db", str(fleet.db), "--runs", "1", "2",
                       "--archive", str(fleet.archive.root), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert (document["old_run"]["id"], document["new_run"]["id"]) == (1, 2)
    assert document["newly_failing"] == []
    assert [(c["device"], c["check"], c["before"], c["after"]) for c in document["fixed"]] == [
        ("br-rtr-03", "tcp-5223", "fail", "pass"),
    ]
    assert {c["check"] for c in document["still_failing"]} == {"port-mapping", "dynamic-media-ports"}
    [flip] = document["flips"]
    assert flip["config_changed"] is True and PUSH_NEW.rstrip() in flip["config_diff"]


def test_fleet_as_json(fleet: Fleet) -> None:
    code, out, _ = run("history", "--db", str(fleet.db), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [r["run_id"] for r in document["trend"]] == [1, 2, 3, 4]
    assert [r["error"] for r in document["trend"]] == [0, 1, 1, 0]
    change = document["last_change"]
    assert (change["old_run"]["id"], change["new_run"]["id"]) == (3, 4)
    assert change["flips"] == []  # br-rtr-02 came back with the verdicts it had before its error


def test_a_history_with_one_run_has_no_diff_yet(tmp_path: Path, fleet: Fleet) -> None:
    from auditor.history import History

    db = tmp_path / "one.db"
    with History.open(db) as history:
        history.record_run(fleet.documents[0], finished_at=datetime.now(UTC), executor="local",
                           inventory=None, config_hashes={}, exit_code=1)
    code, out, _ = run("history", "--db", str(db))
    assert code == 0 and "fleet: 1 run in" in out and "newly failing" not in out
    code, out, _ = run("history", "--db", str(db), "--format", "json")
    assert json.loads(out)["last_change"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history"], "give --db FILE (the run history) or DEVICE --archive DIR"),
        (["history", "--archive", "{archive}"], "give the DEVICE whose archived configs to show"),
        (["history", "--db", "{root}/missing.db"], "missing.db: no such history database"),
        (["history", "--db", "{db}", "--runs", "1", "9"], "no run #9 in the history"),
        (["history", "--db", "{db}", "--diff", "1", "2"], "--diff compares archive collections"),
        (["history", "--runs", "1", "2", "--archive", "{archive}"], "give the history database with --db"),
        (["history", "--db", "{db}", "--format", "yaml"], "history format 'yaml'"),
        (["history", "--db", "{root}/archive"], "no such history database"),
    ],
)
def test_errors_exit_2_with_one_line(fleet: Fleet, args: list[str], message: str) -> None:
    root = fleet.archive.root.parent
    values = {"root": str(root), "db": str(fleet.db), "archive": str(fleet.archive.root)}
    code, out, err = run(*[a.format(**values) for a in args])
    assert code == 2
    assert out == "" and err.count("\n") == 1 and message in err, err


def test_a_file_that_is_not_a_history_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello " * 200)
    code, _, err = run("history", "--db", str(path))
    assert code == 2 and "not a history database" in err and err.count("\n") == 1
