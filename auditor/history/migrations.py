"""The history database's schema, as an ordered list of numbered migration steps.

``PRAGMA user_version`` holds the number of the last step applied. Opening a database
applies the missing steps in order, each in its own write transaction that also bumps the
version, so a crash mid-upgrade leaves the database at the step before. A database whose
version is newer than this code knows is refused: an older auditor must not write rows a
newer schema would misread.

Step 1 is the first schema. Step 2 records how many config lines the parser did not
understand per device (the timelines show it; runs recorded before it have ``NULL``) and
adds the index the per-device queries (timelines, the baseline of a diff) walk. Step 3
keeps each device's result under a key of everything that produced it, so a run reuses the
result of a device whose config, settings, packs and auditor itself are unchanged.
"""

from __future__ import annotations

import sqlite3

from auditor.errors import HistoryError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "version"]

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: runs, the devices of each run, the findings of each device.
    (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            executor TEXT NOT NULL,
            inventory TEXT,
            policies TEXT NOT NULL,          -- JSON list of policy ids
            exit_code INTEGER NOT NULL
        )""",
        """CREATE TABLE devices (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            platform TEXT,
            source TEXT,
            status TEXT NOT NULL,            -- compliant | noncompliant | error
            error TEXT,
            config_sha256 TEXT,              -- of the (redacted) config audited; NULL when unknown
            lines INTEGER NOT NULL,
            PRIMARY KEY (run_id, name)
        )""",
        """CREATE TABLE findings (
            run_id INTEGER NOT NULL,
            device TEXT NOT NULL,
            policy TEXT NOT NULL,
            check_id TEXT NOT NULL,
            status TEXT NOT NULL,            -- pass | fail | partial | unknown | not_applicable
            summary TEXT NOT NULL,
            evidence_lines TEXT NOT NULL,    -- JSON list of config line numbers
            PRIMARY KEY (run_id, device, policy, check_id),
            FOREIGN KEY (run_id, device) REFERENCES devices(run_id, name) ON DELETE CASCADE
        )""",
    ),
    # 2: unrecognized line counts per device; devices looked up by name across runs.
    (
        "ALTER TABLE devices ADD COLUMN unrecognized INTEGER",
        "CREATE INDEX devices_by_name ON devices(name, run_id)",
    ),
    # 3: device results kept by the exact inputs that produced them (auditor.runner.cache).
    (
        """CREATE TABLE results (
            key TEXT PRIMARY KEY,            -- sha256 of code, config, settings and packs
            document TEXT NOT NULL,          -- the device's part of the JSON report
            used_run INTEGER NOT NULL        -- the last run that used it (old ones are pruned)
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def version(connection: sqlite3.Connection) -> int:
    """Return the number of the last migration step applied to the database."""
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Apply the missing migration steps up to ``target``; return the version reached.

    The connection must be in autocommit mode (``isolation_level=None``): each step runs in
    its own ``BEGIN IMMEDIATE`` transaction, and the version is read again inside it, so two
    processes opening a new database at once apply each step once.

    Raises:
        HistoryError: the database is newer than this code, or a step fails (the steps
            before it stay applied).
    """
    current = version(connection)
    if current > SCHEMA_VERSION:
        raise HistoryError(
            f"history database schema version {current} is newer than this auditor knows "
            f"({SCHEMA_VERSION}): upgrade auditor to use it"
        )
    while current < target:
        connection.execute("BEGIN IMMEDIATE")
        try:
            current = version(connection)
            if current < target:
                for statement in MIGRATIONS[current]:
                    connection.execute(statement)
                current += 1
                connection.execute(f"PRAGMA user_version = {current}")
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            connection.execute("ROLLBACK")
            raise HistoryError(f"history database migration to version {current + 1} failed: {exc}") from None
    return current
