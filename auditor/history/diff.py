"""Run-to-run diffs: newly failing, fixed, still failing, and the config behind each flip.

The baseline of a device is what the history last knew of it up to the old run: the
verdicts of the last run that audited it (an error does not erase them) and, if its latest
run up to then could not audit it, that error. Comparing against the baseline rather than
the old run alone means a device that errored once and comes back with the same failure is
"still failing", not ticketed again, and that an error is never taken for a fix.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from auditor.history.results import OK_VERDICTS, Change, Failure, Flip, RunDiff

__all__ = ["compare", "flip_causes", "open_failures"]

_Key = tuple[str, str | None, str | None]  # device, policy, check (None, None: the device error)


@dataclass(frozen=True, slots=True)
class _Seen:
    status: str
    summary: str
    run_id: int
    config_sha256: str | None


def open_failures(connection: sqlite3.Connection, run_id: int) -> list[Failure]:
    """Return what is failing as of ``run_id``: every device's baseline failures.

    These are the items a ticketing caller has already raised tickets for. A device missing
    from the run (left out, or gone from the inventory) keeps its last failures: nothing
    fixed them, so a ticket raised for them is still open.
    """
    return [
        Failure(key[0], key[1], key[2], seen.status, seen.summary, seen.run_id)
        for key, seen in sorted(_baseline(connection, run_id).items(), key=_order)
        if _failing(seen.status)
    ]


def compare(connection: sqlite3.Connection, old_run: int, new_run: int) -> RunDiff:
    """Return what changed from the baseline as of ``old_run`` to ``new_run``."""
    base = _baseline(connection, old_run)
    devices = _devices(connection, new_run)
    old_names = set(_devices(connection, old_run))
    now = _observed(connection, new_run)
    newly: list[Change] = []
    still: list[Change] = []
    fixed: list[Change] = []
    unverified: list[Change] = []
    for key, seen in sorted(now.items(), key=_order):
        if not _failing(seen.status):
            continue
        before = base.get(key)
        change = _change(key, before, seen)
        (still if before is not None and _failing(before.status) else newly).append(change)
    for key, before in sorted(base.items(), key=_order):
        if not _failing(before.status) or (key in now and _failing(now[key].status)):
            continue
        device = devices.get(key[0])
        if key in now:
            fixed.append(_change(key, before, now[key]))
        elif device is None:
            if key[0] in old_names:  # reported once, in the diff where the device left
                unverified.append(_change(key, before, None, "device not in the new run"))
        elif device.status == "error":
            unverified.append(_change(key, before, None, "device could not be audited"))
        elif key[1] is None:
            fixed.append(_change(key, before, _Seen(device.status, "", new_run, device.config_sha256)))
        else:
            unverified.append(_change(key, before, None, "check not run"))
    new_names = set(devices)
    return RunDiff(
        old_run,
        new_run,
        tuple(newly),
        tuple(fixed),
        tuple(still),
        tuple(unverified),
        tuple(sorted(new_names - old_names)),
        tuple(sorted(old_names - new_names)),
    )


def flip_causes(connection: sqlite3.Connection, old_run: int, new_run: int) -> list[Flip]:
    """Return each check whose verdict in ``new_run`` differs from the device's baseline.

    Only devices audited in the new run have verdicts to compare; a device error is not a
    verdict. Each flip carries the config sha256 of the baseline run and of the new run.
    """
    base = _baseline(connection, old_run)
    flips = []
    for key, seen in sorted(_observed(connection, new_run).items(), key=_order):
        before = base.get(key)
        if key[1] is None or key[2] is None or before is None or before.status == seen.status:
            continue
        flips.append(
            Flip(
                key[0],
                key[1],
                key[2],
                before.status,
                seen.status,
                before.run_id,
                before.config_sha256,
                seen.config_sha256,
            )
        )
    return flips


def _baseline(connection: sqlite3.Connection, run_id: int) -> dict[_Key, _Seen]:
    """Each device's last audited verdicts up to ``run_id``, and its error if it is the latest."""
    found: dict[_Key, _Seen] = {}
    rows = connection.execute(
        """WITH audited AS (
               SELECT name, MAX(run_id) AS run_id FROM devices
               WHERE run_id <= ? AND status != 'error' GROUP BY name)
           SELECT f.device, f.policy, f.check_id, f.status, f.summary, f.run_id, d.config_sha256
           FROM audited a
           JOIN devices d ON d.run_id = a.run_id AND d.name = a.name
           JOIN findings f ON f.run_id = a.run_id AND f.device = a.name""",
        (run_id,),
    )
    for device, policy, check, status, summary, seen_in, sha in rows:
        found[(device, policy, check)] = _Seen(status, summary, seen_in, sha)
    errors = connection.execute(
        """WITH latest AS (
               SELECT name, MAX(run_id) AS run_id FROM devices WHERE run_id <= ? GROUP BY name)
           SELECT d.name, d.error, d.run_id, d.config_sha256 FROM latest l
           JOIN devices d ON d.run_id = l.run_id AND d.name = l.name
           WHERE d.status = 'error'""",
        (run_id,),
    )
    for device, error, seen_in, sha in errors:
        found[(device, None, None)] = _Seen("error", error or "", seen_in, sha)
    return found


def _observed(connection: sqlite3.Connection, run_id: int) -> dict[_Key, _Seen]:
    """The verdicts of one run, and the errors of the devices it could not audit."""
    found: dict[_Key, _Seen] = {}
    rows = connection.execute(
        """SELECT f.device, f.policy, f.check_id, f.status, f.summary, d.config_sha256
           FROM findings f JOIN devices d ON d.run_id = f.run_id AND d.name = f.device
           WHERE f.run_id = ?""",
        (run_id,),
    )
    for device, policy, check, status, summary, sha in rows:
        found[(device, policy, check)] = _Seen(status, summary, run_id, sha)
    for name, device in _devices(connection, run_id).items():
        if device.status == "error":
            found[(name, None, None)] = _Seen("error", device.summary, run_id, device.config_sha256)
    return found


def _devices(connection: sqlite3.Connection, run_id: int) -> dict[str, _Seen]:
    rows = connection.execute(
        "SELECT name, status, error, config_sha256 FROM devices WHERE run_id = ?", (run_id,)
    )
    return {name: _Seen(status, error or "", run_id, sha) for name, status, error, sha in rows}


def _change(key: _Key, before: _Seen | None, after: _Seen | None, reason: str = "") -> Change:
    summary = (after.summary if after is not None and after.summary else None) or (
        before.summary if before is not None else ""
    )
    return Change(
        key[0],
        key[1],
        key[2],
        before.status if before is not None else None,
        after.status if after is not None else None,
        summary,
        before.run_id if before is not None else None,
        reason,
    )


def _failing(status: str) -> bool:
    return status not in OK_VERDICTS


def _order(item: tuple[_Key, _Seen]) -> tuple[str, str, str]:
    device, policy, check = item[0]
    return device, policy or "", check or ""
