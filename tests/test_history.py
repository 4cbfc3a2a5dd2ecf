"""The history database as `auditor run` and `auditor history` use it: real SQLite files,
runs recorded from real audits of configs that change, migrations, crashes and two writers."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import ArchiveError, HistoryError
from auditor.history import SCHEMA_VERSION, Change, History, config_diff, flip_diffs, migrations
from tests.history_fleet import ALGS_OFF, PUSH_ESTABLISHED, PUSH_NEW, ROOT, T0, Fleet, build

POLICY = "apple-facetime-imessage"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return build(tmp_path_factory.mktemp("fleet"))


def keys(changes: tuple[Change, ...]) -> set[tuple[str, str | None]]:
    return {(c.device, c.check) for c in changes}


def failing_in(document: dict[str, Any]) -> set[tuple[str, str | None]]:
    found: set[tuple[str, str | None]] = set()
    for device in document["devices"]:
        if device["status"] == "error":
            found.add((device["name"], None))
        found |= {(device["name"], f["check"]) for f in device["findings"]
                  if f["status"] not in ("pass", "not_applicable")}
    return found


def test_a_config_change_shows_as_newly_failing_and_fixed(fleet: Fleet) -> None:
    first, second = fleet.run_ids[:2]
    with History.open(fleet.db) as history:
        diff = history.compare(first, second)
    assert keys(diff.newly_failing) == {
        ("br-rtr-01", "sip-alg"), ("br-rtr-01", "dynamic-media-ports"), ("lab-rtr-01", None),
    }
    assert keys(diff.fixed) == {("br-rtr-03", "tcp-5223")}
    assert keys(diff.still_failing) == {
        ("br-rtr-02", "udp-16393-16402"), ("br-rtr-02", "sip-alg"), ("br-rtr-02", "dynamic-media-ports"),
        ("br-rtr-03", "port-mapping"), ("br-rtr-03", "dynamic-media-ports"),
    }
    assert diff.unverified == () and diff.devices_added == diff.devices_removed == ()
    fixed = diff.fixed[0]
    assert (fixed.before, fixed.after, fixed.before_run) == ("fail", "pass", first)
    error = next(c for c in diff.newly_failing if c.check is None)
    assert (error.policy, error.after) == (None, "error") and "connection timed out" in error.summary
    # every failing item of the new run is either new or still failing, nothing else
    assert keys(diff.newly_failing) | keys(diff.still_failing) == failing_in(fleet.documents[1])


def test_a_device_error_is_not_a_fix_and_its_return_is_not_ticketed_again(fleet: Fleet) -> None:
    _, second, third, fourth = fleet.run_ids
    br02 = {("br-rtr-02", "udp-16393-16402"), ("br-rtr-02", "sip-alg"), ("br-rtr-02", "dynamic-media-ports")}
    with History.open(fleet.db) as history:
        erring = history.compare(second, third)
        back = history.compare(third, fourth)
        open_then = history.open_failures(third)
    assert keys(erring.unverified) == br02
    assert {c.reason for c in erring.unverified} == {"device could not be audited"}
    assert not {k for k in keys(erring.fixed) if k[0] == "br-rtr-02"}
    assert keys(erring.newly_failing) == {("br-rtr-02", None)}
    assert keys(erring.fixed) == {("lab-rtr-01", None)}  # collected again, audited: the error is gone
    # br-rtr-02 is back with the same config: still failing since run 2, nothing new to ticket
    assert back.newly_failing == ()
    assert br02 <= keys(back.still_failing)
    assert {c.before_run for c in back.still_failing if c.device == "br-rtr-02"} == {second}
    assert keys(back.fixed) == {("br-rtr-02", None)}
    # the open failures of run 3 carry br-rtr-02's checks from run 2: what was ticketed
    carried = {(f.device, f.check): f.run_id for f in open_then if f.device == "br-rtr-02"}
    assert carried == {**dict.fromkeys(br02, second), ("br-rtr-02", None): third}
    opened = {(f.device, f.check) for f in open_then}
    assert failing_in(fleet.documents[3]) - opened == keys(back.newly_failing) == set()


def test_devices_that_leave_and_join(fleet: Fleet, tmp_path: Path) -> None:
    first = _document(fleet)
    second = _document(fleet)
    br03 = next(d for d in second["devices"] if d["name"] == "br-rtr-03")
    br03["name"] = "br-rtr-09"  # br-rtr-03 replaced by a new box with the same config
    second["devices"] = [d for d in second["devices"] if d["name"] != "lab-rtr-01"]
    with History.open(tmp_path / "h.db") as history:
        ids = [history.record_run(d, finished_at=T0, executor="local", inventory=None, config_hashes={},
                                  exit_code=1) for d in (first, second, second)]
        joined, stayed = history.compare(ids[0], ids[1]), history.compare(ids[1], ids[2])
        still_open = {(f.device, f.check) for f in history.open_failures(ids[2])}
    assert joined.devices_added == ("br-rtr-09",)
    assert joined.devices_removed == ("br-rtr-03", "lab-rtr-01")
    checks = ("tcp-5223", "port-mapping", "dynamic-media-ports")
    br03_failing = {("br-rtr-03", check) for check in checks}
    assert keys(joined.unverified) == br03_failing
    assert {c.reason for c in joined.unverified} == {"device not in the new run"}
    assert keys(joined.newly_failing) == {("br-rtr-09", check) for check in checks}
    assert {c.before for c in joined.newly_failing} == {None}
    assert joined.fixed == ()
    # the next diff does not list the departed device again, but its failures stay open
    assert stayed.unverified == stayed.newly_failing == stayed.fixed == ()
    assert stayed.devices_added == stayed.devices_removed == ()
    assert br03_failing <= still_open


def test_each_flipped_verdict_names_the_config_change_behind_it(fleet: Fleet) -> None:
    first, second = fleet.run_ids[:2]
    with History.open(fleet.db) as history:
        flips = history.flip_causes(first, second)
    flipped = {(f.device, f.check): (f.before, f.after) for f in flips}
    assert flipped == {
        ("br-rtr-01", "sip-alg"): ("pass", "fail"),
        ("br-rtr-01", "dynamic-media-ports"): ("pass", "fail"),
        ("br-rtr-03", "tcp-5223"): ("fail", "pass"),
    }
    assert all(f.config_changed for f in flips)
    fix = next(f for f in flips if f.device == "br-rtr-03")
    assert fix.before_sha256 == fleet.archive.entry("br-rtr-03", 1).sha256
    assert fix.after_sha256 == fleet.archive.entry("br-rtr-03", 2).sha256
    assert fix.before_sha256 is not None and fix.after_sha256 is not None
    text = config_diff(fleet.archive, "br-rtr-03", fix.before_sha256, fix.after_sha256)
    removed = [line for line in text.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line for line in text.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert [r.split("| ", 1)[1] for r in removed] == [PUSH_ESTABLISHED.rstrip("\n")]
    assert [a.split("| ", 1)[1] for a in added] == [PUSH_NEW.rstrip("\n")]
    diffs = flip_diffs(fleet.archive, flips)
    assert len(diffs) == 2  # br-rtr-01's two flips share one config change
    br01 = diffs[next(k for k in diffs if k[0] == "br-rtr-01")]
    assert f"| {ALGS_OFF.rstrip()}" in br01 and br01.splitlines()[0].startswith("--- br-rtr-01 #1")
    assert config_diff(fleet.archive, "br-rtr-03", fix.after_sha256, fix.after_sha256) == ""


def test_a_flip_without_a_config_change_says_so(fleet: Fleet) -> None:
    # lab-rtr-01 went from compliant to an error and back on one config: no verdict flipped
    _, second, third, _ = fleet.run_ids
    with History.open(fleet.db) as history:
        assert [f for f in history.flip_causes(second, third) if f.device == "lab-rtr-01"] == []
        timeline = history.device_timeline("lab-rtr-01")
    assert [p.status for p in timeline] == ["compliant", "error", "compliant", "compliant"]
    assert [p.config_changed for p in timeline] == [None, None, False, False]


def test_archive_diff_by_sha256_refuses_a_config_it_does_not_hold(fleet: Fleet) -> None:
    sha = fleet.archive.latest("br-rtr-03").sha256
    assert sha is not None
    with pytest.raises(ArchiveError, match="no collection of 'br-rtr-03' has the config sha256:0000"):
        fleet.archive.diff_by_sha256("br-rtr-03", "0000", sha)
    assert fleet.archive.diff_by_sha256("br-rtr-03", sha, sha) == ""


def test_fleet_trend_counts_every_run(fleet: Fleet) -> None:
    with History.open(fleet.db) as history:
        rows = history.fleet_trend()
        assert history.fleet_trend(last=2) == rows[-2:]
    assert [r.run_id for r in rows] == fleet.run_ids
    for row, document in zip(rows, fleet.documents, strict=True):
        statuses = [d["status"] for d in document["devices"]]
        assert (row.devices, row.compliant, row.noncompliant, row.error) == (
            len(statuses), statuses.count("compliant"), statuses.count("noncompliant"),
            statuses.count("error"),
        )
        assert row.failing_checks == len([k for k in failing_in(document) if k[1] is not None])
        assert row.started_at == document["run"]["started_at"]
    assert [(r.compliant, r.noncompliant, r.error) for r in rows] == [
        (2, 2, 0), (0, 3, 1), (1, 2, 1), (1, 3, 0),
    ]


def test_device_timeline_follows_verdicts_and_config_changes(fleet: Fleet) -> None:
    with History.open(fleet.db) as history:
        timeline = history.device_timeline("br-rtr-03")
        assert history.device_timeline("no-such-device") == []
    assert [p.run_id for p in timeline] == fleet.run_ids
    assert [p.config_changed for p in timeline] == [None, True, False, False]
    assert [sorted(f.check or "" for f in p.failing) for p in timeline] == [
        ["dynamic-media-ports", "port-mapping", "tcp-5223"],
        *[["dynamic-media-ports", "port-mapping"]] * 3,
    ]
    assert {p.unrecognized for p in timeline} == {0} and all(p.lines > 20 for p in timeline)
    erring = History.open(fleet.db)
    try:
        point = erring.device_timeline("br-rtr-02")[2]
    finally:
        erring.close()
    assert point.status == "error" and point.config_sha256 is None
    assert [(f.policy, f.check, f.status) for f in point.failing] == [(None, None, "error")]


def test_runs_and_last_run_id(fleet: Fleet) -> None:
    with History.open(fleet.db) as history:
        runs = history.runs()
        assert history.runs(limit=1) == runs[-1:]
        assert history.last_run_id() == fleet.run_ids[-1]
        assert history.last_run_id(before=fleet.run_ids[1]) == fleet.run_ids[0]
        assert history.last_run_id(before=fleet.run_ids[0]) is None
        with pytest.raises(HistoryError, match="no run #99 in the history"):
            history.compare(fleet.run_ids[0], 99)
    assert [r.id for r in runs] == fleet.run_ids
    assert [r.exit_code for r in runs] == [1, 3, 3, 1]
    assert {(r.executor, r.policies, r.devices) for r in runs} == {("local", (POLICY,), 4)}
    assert runs[1].finished_at == "2026-12-02T09:05:00+00:00"


def test_report_trend_is_the_diff_with_the_previous_run_and_the_fleet_rows(fleet: Fleet) -> None:
    with History.open(fleet.db) as history:
        trend = history.report_trend(fleet.run_ids[1], last=2)
        first = history.report_trend(fleet.run_ids[0])
    assert json.loads(json.dumps(trend)) == trend
    assert trend["previous_run"]["id"] == fleet.run_ids[0]
    assert trend["counts"] == {"newly_failing": 3, "fixed": 1, "still_failing": 5, "unverified": 0}
    assert {(c["device"], c["check"]) for c in trend["fixed"]} == {("br-rtr-03", "tcp-5223")}
    assert [r["run_id"] for r in trend["fleet"]] == fleet.run_ids[:2]
    assert first["previous_run"] is None and first["counts"] is None and first["newly_failing"] == []
    assert [r["run_id"] for r in first["fleet"]] == fleet.run_ids[:1]


def _document(fleet: Fleet, n: int = 0) -> dict[str, Any]:
    return json.loads(json.dumps(fleet.documents[n]))


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_a_document_that_fails_midway_records_nothing(fleet: Fleet, tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    document = _document(fleet)
    document["devices"][-1]["findings"][0]["status"] = "maybe"  # the last device, after three recorded
    with History.open(db) as history:
        with pytest.raises(HistoryError, match=r"lab-rtr-01.*verdict 'maybe'"):
            history.record_run(document, finished_at=T0, executor="local", inventory=None,
                               config_hashes={}, exit_code=1)
        assert history.runs() == []
        document = _document(fleet)
        document["devices"].append(dict(document["devices"][0]))  # a device twice
        with pytest.raises(HistoryError, match="'br-rtr-01' appears twice"):
            history.record_run(document, finished_at=T0, executor="local", inventory=None,
                               config_hashes={}, exit_code=1)
        assert history.record_run(_document(fleet), finished_at=T0, executor="local", inventory=None,
                                  config_hashes={}, exit_code=1) >= 1
    assert (_count(db, "runs"), _count(db, "devices"), _count(db, "findings")) == (1, 4, 36)
    with History.open(db) as history, pytest.raises(HistoryError, match="schema_version 1"):
        history.record_run({"schema_version": 2}, finished_at=T0, executor="local", inventory=None,
                           config_hashes={}, exit_code=1)


STALLING_WRITER = """
import json, sys, time
from datetime import datetime, UTC
from auditor.history import History

class Stalls(dict):
    def get(self, key, default=None):
        if key == "findings":  # the other devices are written by now: stall mid-transaction
            open(sys.argv[3], "w").close()
            time.sleep(120)
        return super().get(key, default)

document = json.loads(open(sys.argv[2]).read())
document["devices"][-1] = Stalls(document["devices"][-1])
with History.open(sys.argv[1]) as history:
    history.record_run(document, finished_at=datetime.now(UTC), executor="killed", inventory=None,
                       config_hashes={}, exit_code=1)
"""


def test_a_writer_killed_mid_record_leaves_no_half_run(fleet: Fleet, tmp_path: Path) -> None:
    db, document, marker = tmp_path / "h.db", tmp_path / "report.json", tmp_path / "stalled"
    document.write_text(json.dumps(fleet.documents[0]))
    writer = subprocess.Popen([sys.executable, "-c", STALLING_WRITER, str(db), str(document), str(marker)],
                              cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert writer.poll() is None, "the writer ended before it stalled"
            assert time.monotonic() < deadline, "the writer never reached the last device"
            time.sleep(0.05)
        with History.open(db) as reader:  # WAL: a reader does not see, nor wait for, the open write
            assert reader.runs() == []
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    with History.open(db, timeout=5) as history:
        assert history.runs() == []
        run_id = history.record_run(_document(fleet), finished_at=T0, executor="local", inventory=None,
                                    config_hashes={}, exit_code=1)
        assert [r.id for r in history.runs()] == [run_id]
    assert (_count(db, "devices"), _count(db, "findings")) == (4, 36)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


CONCURRENT_WRITER = """
import json, os, sys, time
from datetime import datetime, UTC
from auditor.history import History

document = json.loads(open(sys.argv[2]).read())
with History.open(sys.argv[1]) as history:
    open(sys.argv[1] + ".ready-" + sys.argv[3], "w").close()
    while not os.path.exists(sys.argv[1] + ".go"):  # both start writing at once
        time.sleep(0.01)
    for _ in range(int(sys.argv[4])):
        history.record_run(document, finished_at=datetime.now(UTC), executor=sys.argv[3], inventory=None,
                           config_hashes={}, exit_code=1)
"""


def test_two_processes_recording_at_once_lose_nothing(fleet: Fleet, tmp_path: Path) -> None:
    db, document = tmp_path / "new" / "h.db", tmp_path / "report.json"  # both create it, too
    document.write_text(json.dumps(fleet.documents[0]))
    writers = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(db), str(document), name, "30"],
                         cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for name in ("first", "second")
    ]
    deadline = time.monotonic() + 60
    while not all(Path(f"{db}.ready-{name}").exists() for name in ("first", "second")):
        assert all(w.poll() is None for w in writers) and time.monotonic() < deadline
        time.sleep(0.05)
    Path(f"{db}.go").touch()
    errors = [w.communicate(timeout=180)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    with History.open(db) as history:
        runs = history.runs()
    assert sorted(r.executor for r in runs) == ["first"] * 30 + ["second"] * 30
    assert {r.devices for r in runs} == {4}
    assert _count(db, "findings") == 60 * 36
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


V1_DEVICE = "INSERT INTO devices (run_id, name, platform, source, status, error, config_sha256, lines)" \
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _version_1_database(db: Path, document: dict[str, Any]) -> None:
    """A database as the first schema wrote it, with one run of the document in it."""
    connection = sqlite3.connect(db, isolation_level=None)
    assert migrations.migrate(connection, target=1) == 1
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO runs (started_at, finished_at, executor, inventory, policies, exit_code)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (document["run"]["started_at"], "2026-11-30T09:00:00+00:00", "local", None, json.dumps([POLICY]), 1),
    )
    for device in document["devices"]:
        name = device["name"]
        connection.execute(V1_DEVICE, (1, name, device["platform"], device["source"], device["status"], None,
                                       f"sha-{name}", device["parse"]["lines"]))
        for finding in device["findings"]:
            connection.execute(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)",
                (1, device["name"], finding["policy"], finding["check"], finding["status"],
                 finding["summary"], json.dumps([e["line"] for e in finding["evidence"] if e["line"]])),
            )
    connection.execute("COMMIT")
    columns = [row[1] for row in connection.execute("PRAGMA table_info(devices)")]
    assert "unrecognized" not in columns
    connection.close()


def test_a_version_1_database_is_upgraded_with_its_data_intact(fleet: Fleet, tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _version_1_database(db, fleet.documents[0])
    with History.open(db) as history:
        old_run = history.runs()
        new_run = history.record_run(_document(fleet, 1), finished_at=T0, executor="local", inventory=None,
                                     config_hashes={}, exit_code=3)
        timeline = history.device_timeline("br-rtr-03")
        diff = history.compare(1, new_run)
        flips = history.flip_causes(1, new_run)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        indexes = [row[1] for row in connection.execute("PRAGMA index_list(devices)")]
        assert "devices_by_name" in indexes
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "results" in tables
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [(r.id, r.devices, r.policies) for r in old_run] == [(1, 4, (POLICY,))]
    assert [(p.run_id, p.config_sha256, p.unrecognized) for p in timeline] == [
        (1, "sha-br-rtr-03", None), (new_run, None, 0),
    ]
    assert sorted(f.check or "" for f in timeline[0].failing) == [
        "dynamic-media-ports", "port-mapping", "tcp-5223",
    ]
    assert keys(diff.fixed) == {("br-rtr-03", "tcp-5223")}
    # the old run's hashes were recorded, the new run's were not: whether the config changed is unknown
    br03 = {(f.before_sha256, f.after_sha256, f.config_changed) for f in flips if f.device == "br-rtr-03"}
    assert br03 == {("sha-br-rtr-03", None, None)}
    assert _count(db, "findings") == 36 + 27  # run 2 could not audit lab-rtr-01


def test_a_failing_migration_step_leaves_the_version_before(
    fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "old.db"
    _version_1_database(db, fleet.documents[0])
    broken = (migrations.MIGRATIONS[0], (migrations.MIGRATIONS[1][0], "CREATE INDEX x ON no_such_table(y)"))
    monkeypatch.setattr(migrations, "MIGRATIONS", broken)
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        with pytest.raises(HistoryError, match="migration to version 2 failed: no such table"):
            migrations.migrate(connection, target=2)
        assert migrations.version(connection) == 1
        columns = [row[1] for row in connection.execute("PRAGMA table_info(devices)")]
        assert "unrecognized" not in columns  # the step's first statement was rolled back with it
    finally:
        connection.close()
    monkeypatch.undo()
    with History.open(db) as history:
        assert [r.devices for r in history.runs()] == [4]


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    History.open(db).close()
    with sqlite3.connect(db) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(HistoryError, match=f"schema version {SCHEMA_VERSION + 1} is newer than this auditor"):
        History.open(db)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just words " * 100)
    with pytest.raises(HistoryError, match="not a history database"):
        History.open(path)
    assert path.read_text().startswith("not a database")


def test_open_creates_the_folder_and_a_wal_database(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "history.db"
    with History.open(db) as history:
        assert history.runs() == [] and history.last_run_id() is None and history.fleet_trend() == []
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert datetime.now(UTC) > T0
