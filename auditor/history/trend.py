"""Compliance over time: a device's timeline, the fleet's trend, and the trend a report shows."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from typing import Any

from auditor.errors import HistoryError
from auditor.history.diff import compare
from auditor.history.results import Failure, RunDiff, TimelinePoint, TrendRow

__all__ = ["device_timeline", "fleet_trend", "report_trend"]


def device_timeline(connection: sqlite3.Connection, name: str) -> list[TimelinePoint]:
    """Return the device in every run that had it, oldest first."""
    failing: dict[int, list[Failure]] = {}
    for run_id, policy, check, status, summary in connection.execute(
        """SELECT run_id, policy, check_id, status, summary FROM findings
           WHERE device = ? AND status NOT IN ('pass', 'not_applicable')
           ORDER BY run_id, policy, check_id""",
        (name,),
    ):
        failing.setdefault(run_id, []).append(Failure(name, policy, check, status, summary, run_id))
    points: list[TimelinePoint] = []
    previous: str | None = None
    for run_id, started_at, status, error, sha, lines, unrecognized in connection.execute(
        """SELECT d.run_id, r.started_at, d.status, d.error, d.config_sha256, d.lines, d.unrecognized
           FROM devices d JOIN runs r ON r.id = d.run_id WHERE d.name = ? ORDER BY d.run_id""",
        (name,),
    ):
        # against the last config known before (a run without a hash is skipped over)
        changed = None if previous is None or sha is None else sha != previous
        items = failing.get(run_id, [])
        if status == "error":
            items = [Failure(name, None, None, "error", error or "", run_id)]
        points.append(
            TimelinePoint(run_id, started_at, status, error, sha, changed, lines, unrecognized, tuple(items))
        )
        previous = sha if sha is not None else previous
    return points


def fleet_trend(
    connection: sqlite3.Connection, last: int | None = None, up_to: int | None = None
) -> list[TrendRow]:
    """Return the fleet's counts in each of the last ``last`` runs (all when None), oldest first.

    ``up_to`` leaves out the runs recorded after that run id.
    """
    rows = connection.execute(
        """SELECT r.id, r.started_at,
                  (SELECT COUNT(*) FROM devices d WHERE d.run_id = r.id),
                  (SELECT COUNT(*) FROM devices d WHERE d.run_id = r.id AND d.status = 'compliant'),
                  (SELECT COUNT(*) FROM devices d WHERE d.run_id = r.id AND d.status = 'noncompliant'),
                  (SELECT COUNT(*) FROM devices d WHERE d.run_id = r.id AND d.status = 'error'),
                  (SELECT COUNT(*) FROM findings f
                   WHERE f.run_id = r.id AND f.status NOT IN ('pass', 'not_applicable'))
           FROM runs r WHERE ? IS NULL OR r.id <= ? ORDER BY r.id DESC LIMIT ?""",
        (up_to, up_to, -1 if last is None else last),
    ).fetchall()
    return [TrendRow(*row) for row in reversed(rows)]


def report_trend(
    connection: sqlite3.Connection, run_id: int, last: int = 10, diff: RunDiff | None = None
) -> dict[str, Any]:
    """Return the trend a report shows for ``run_id``, as JSON-able data.

    ``previous_run`` is the run recorded before it (``None`` for the first run: then the
    lists are empty and ``counts`` is ``None``); the lists are those of ``compare``; ``fleet``
    holds the fleet's counts in the last ``last`` runs up to this one. ``diff`` is that
    comparison when the caller has made it already (a fleet's takes a while).
    """
    run = _run_row(connection, run_id)
    previous = connection.execute(
        "SELECT id, started_at FROM runs WHERE id < ? ORDER BY id DESC LIMIT 1", (run_id,)
    ).fetchone()
    fleet = [_plain(r) for r in fleet_trend(connection, last, run_id)]
    trend: dict[str, Any] = {
        "run": {"id": run[0], "started_at": run[1]},
        "previous_run": None,
        "counts": None,
        "newly_failing": [],
        "fixed": [],
        "still_failing": [],
        "unverified": [],
        "devices_added": [],
        "devices_removed": [],
        "fleet": fleet,
    }
    if previous is None:
        return trend
    if diff is None or (diff.old_run, diff.new_run) != (previous[0], run_id):
        diff = compare(connection, previous[0], run_id)
    lists = {
        "newly_failing": diff.newly_failing,
        "fixed": diff.fixed,
        "still_failing": diff.still_failing,
        "unverified": diff.unverified,
    }
    trend["previous_run"] = {"id": previous[0], "started_at": previous[1]}
    trend["counts"] = {name: len(items) for name, items in lists.items()}
    trend.update({name: [_plain(c) for c in items] for name, items in lists.items()})
    trend["devices_added"] = list(diff.devices_added)
    trend["devices_removed"] = list(diff.devices_removed)
    return trend


def _plain(item: Any) -> dict[str, Any]:
    """A result's fields by name: ``asdict`` without its deep copy (they hold plain values)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


def _run_row(connection: sqlite3.Connection, run_id: int) -> tuple[int, str]:
    row = connection.execute("SELECT id, started_at FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise HistoryError(f"no run #{run_id} in the history")
    return int(row[0]), str(row[1])
