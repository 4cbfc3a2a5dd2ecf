"""The history store: one SQLite file of runs, their devices, findings and config hashes.

``auditor run`` records each run's JSON report here; ``auditor history --db`` and the
reports' trend read it back. The file is opened in WAL mode (readers never block the
writer) with a busy timeout, so two runs recording at once wait for each other instead of
failing; each run is recorded in one write transaction, so a crash mid-record leaves no
half run. Runs are ordered by id, which is the order they were recorded in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from auditor.errors import HistoryError
from auditor.history import diff, migrations, record, trend
from auditor.history.results import Failure, Flip, RunDiff, RunInfo, TimelinePoint, TrendRow

__all__ = ["BUSY_TIMEOUT", "History"]

BUSY_TIMEOUT = 60.0  # seconds a writer waits for another one before giving up


class History:
    """A history database, open. Use ``History.open(path)``, as a context manager or with ``close``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | str, *, timeout: float = BUSY_TIMEOUT) -> History:
        """Open (or create) the history database at ``path`` and bring its schema up to date.

        The parent folder is created if missing.

        Raises:
            HistoryError: the file is not a SQLite database, cannot be created, or its schema
                is newer than this code.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"{path}: cannot open the history database ({exc})") from None
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise HistoryError(f"{path}: cannot use write-ahead logging (journal mode {mode})")
            connection.execute("PRAGMA foreign_keys = ON")
            migrations.migrate(connection)
        except sqlite3.OperationalError as exc:  # locked too long, read-only, disk full...
            connection.close()
            raise HistoryError(f"{path}: cannot use the history database ({exc})") from None
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise HistoryError(f"{path}: not a history database ({exc})") from None
        except HistoryError as exc:
            connection.close()
            raise HistoryError(f"{path}: {exc}") from None
        return cls(connection, path)

    def close(self) -> None:
        """Close the database."""
        self._connection.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def record_run(
        self,
        document: Mapping[str, Any],
        *,
        finished_at: datetime,
        executor: str,
        inventory: str | None,
        config_hashes: Mapping[str, str | None],
        exit_code: int,
    ) -> int:
        """Record one run from its JSON report document; return the new run's id.

        Args:
            document: the schema_version 1 report of the run (DESIGN.md).
            finished_at: when the run finished (naive times are taken as UTC).
            executor: what ran the audits (``local``, ``celery``...).
            inventory: the inventory file of the run, if any.
            config_hashes: device name to the sha256 of the config audited (the archive's
                hash of the redacted text); missing or ``None``: not known.
            exit_code: the run's exit code.

        Raises:
            HistoryError: the document is not a report the history can keep (nothing is
                recorded), or the database cannot be written.
        """
        started_at, policies = record.run_fields(document)
        cursor = self._connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(
                "INSERT INTO runs (started_at, finished_at, executor, inventory, policies, exit_code)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (started_at, _utc(finished_at), executor, inventory, json.dumps(policies), exit_code),
            )
            run_id = int(cursor.lastrowid or 0)
            for device in document["devices"]:
                self._record_device(cursor, run_id, device, config_hashes)
            cursor.execute("COMMIT")
        except BaseException as exc:
            if self._connection.in_transaction:
                cursor.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise HistoryError(f"{self.path}: run not recorded ({exc})") from None
            raise
        return run_id

    def cached_results(self, keys: Sequence[str]) -> dict[str, str]:
        """Return the stored device documents (JSON text) of the ``keys`` that have one."""
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):  # SQLite caps the variables of one statement
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._connection.execute(
                f"SELECT key, document FROM results WHERE key IN ({marks})", chunk
            )
            found.update((str(k), str(d)) for k, d in rows)
        return found

    def keep_results(
        self, run_id: int, results: Mapping[str, str], used: Sequence[str], keep_runs: int = 7
    ) -> None:
        """Store new device documents by key, mark the used ones, drop those unused for ``keep_runs`` runs."""
        cursor = self._connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(
                "INSERT OR REPLACE INTO results (key, document, used_run) VALUES (?, ?, ?)",
                [(k, d, run_id) for k, d in results.items()],
            )
            cursor.executemany("UPDATE results SET used_run = ? WHERE key = ?", [(run_id, k) for k in used])
            cursor.execute("DELETE FROM results WHERE used_run <= ?", (run_id - keep_runs,))
            cursor.execute("COMMIT")
        except BaseException as exc:
            if self._connection.in_transaction:
                cursor.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise HistoryError(f"{self.path}: results not kept ({exc})") from None
            raise

    def runs(self, limit: int | None = None) -> list[RunInfo]:
        """Return the last ``limit`` runs (all when None), oldest first."""
        rows = self._connection.execute(
            """SELECT r.id, r.started_at, r.finished_at, r.executor, r.inventory, r.policies, r.exit_code,
                      (SELECT COUNT(*) FROM devices d WHERE d.run_id = r.id)
               FROM runs r ORDER BY r.id DESC LIMIT ?""",
            (-1 if limit is None else limit,),
        ).fetchall()
        return [
            RunInfo(i, started, finished, executor, inventory, tuple(json.loads(policies)), code, n)
            for i, started, finished, executor, inventory, policies, code, n in reversed(rows)
        ]

    def last_run_id(self, before: int | None = None) -> int | None:
        """Return the id of the last run recorded (before run ``before``, if given), or None."""
        row = self._connection.execute(
            "SELECT MAX(id) FROM runs WHERE ? IS NULL OR id < ?", (before, before)
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def compare(self, old_run: int, new_run: int) -> RunDiff:
        """Return newly failing, fixed, still failing and unverified items from ``old_run`` to ``new_run``.

        The baseline is each device's last audited verdicts up to ``old_run`` (see
        ``auditor.history.diff``). Raises ``HistoryError`` for a run not in the history.
        """
        self._require(old_run, new_run)
        return diff.compare(self._connection, old_run, new_run)

    def open_failures(self, run_id: int) -> list[Failure]:
        """Return what was failing as of ``run_id`` (tickets already raised for these)."""
        self._require(run_id)
        return diff.open_failures(self._connection, run_id)

    def flip_causes(self, old_run: int, new_run: int) -> list[Flip]:
        """Return each verdict that changed, with the config sha256 before and after."""
        self._require(old_run, new_run)
        return diff.flip_causes(self._connection, old_run, new_run)

    def device_timeline(self, name: str) -> list[TimelinePoint]:
        """Return the device in every run that had it, oldest first (empty when never seen)."""
        return trend.device_timeline(self._connection, name)

    def fleet_trend(self, last: int | None = None) -> list[TrendRow]:
        """Return the fleet's counts per run for the last ``last`` runs (all when None), oldest first."""
        return trend.fleet_trend(self._connection, last)

    def report_trend(self, run_id: int, last: int = 10, compared: RunDiff | None = None) -> dict[str, Any]:
        """Return the JSON-able trend a report of ``run_id`` shows (its ``history`` key).

        ``compared``: ``compare`` of the previous run with this one, when the caller has it.
        """
        return trend.report_trend(self._connection, run_id, last, compared)

    def _record_device(
        self, cursor: sqlite3.Cursor, run_id: int, device: Any, config_hashes: Mapping[str, str | None]
    ) -> None:
        row = record.device_row(device, config_hashes)
        findings = record.finding_rows(device)
        try:
            cursor.execute(
                "INSERT INTO devices (run_id, name, platform, source, status, error, config_sha256, lines,"
                " unrecognized) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    row.name,
                    row.platform,
                    row.source,
                    row.status,
                    row.error,
                    row.config_sha256,
                    row.lines,
                    row.unrecognized,
                ),
            )
            cursor.executemany(
                "INSERT INTO findings (run_id, device, policy, check_id, status, summary, evidence_lines)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, row.name, f.policy, f.check, f.status, f.summary, f.evidence_lines)
                    for f in findings
                ],
            )
        except sqlite3.IntegrityError:
            raise HistoryError(f"report device {row.name!r} appears twice, or repeats a check") from None

    def _require(self, *run_ids: int) -> None:
        for run_id in run_ids:
            if self._connection.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise HistoryError(f"{self.path}: no run #{run_id} in the history")


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")
