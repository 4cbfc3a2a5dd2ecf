"""What ``auditor history --db`` prints: the fleet trend, a device's timeline, a run diff.

Text for people and JSON-able data for scripts, both built from the history's results; the
CLI only picks the view and writes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from auditor.history.results import Change, Failure, Flip, RunDiff, RunInfo, TimelinePoint, TrendRow

__all__ = ["diff_data", "diff_text", "timeline_text", "trend_text"]

DiffKey = tuple[str, str, str]  # device, before sha256, after sha256


def trend_text(where: str, rows: Sequence[TrendRow]) -> str:
    """Return the fleet's counts per run as a table."""
    if not rows:
        return f"no runs recorded in {where}\n"
    out = [f"fleet: {len(rows)} run{'' if len(rows) == 1 else 's'} in {where}", ""]
    out.append(
        f"{'run':>5}  {'started at':<25}  {'devices':>7}  {'compliant':>9}  {'noncompliant':>12}  "
        f"{'error':>5}  {'failing checks':>14}"
    )
    for r in rows:
        out.append(
            f"{r.run_id:>5}  {r.started_at:<25}  {r.devices:>7}  {r.compliant:>9}  "
            f"{r.noncompliant:>12}  {r.error:>5}  {r.failing_checks:>14}"
        )
    return "\n".join(out) + "\n"


def timeline_text(device: str, where: str, points: Sequence[TimelinePoint]) -> str:
    """Return a device's status, config hash and failing checks in every run."""
    if not points:
        return f"{device}: in no run recorded in {where}\n"
    out = [f"{device}: in {len(points)} run{'' if len(points) == 1 else 's'} recorded in {where}", ""]
    out.append(
        f"{'run':>5}  {'started at':<25}  {'status':<12}  {'config':<12}  {'changed':<7}  "
        f"{'lines':>5}  {'unrec':>5}  failing"
    )
    for p in points:
        changed = {True: "yes", False: "no", None: "-"}[p.config_changed]
        unrecognized = "-" if p.unrecognized is None else str(p.unrecognized)
        failing = ", ".join(_label(f) for f in p.failing if f.check is not None) or "-"
        out.append(
            f"{p.run_id:>5}  {p.started_at:<25}  {p.status:<12}  {_short(p.config_sha256):<12}  "
            f"{changed:<7}  {p.lines:>5}  {unrecognized:>5}  {failing}"
        )
        if p.error:
            out.append(f"{'':>5}  not audited: {p.error}")
    return "\n".join(out) + "\n"


def diff_text(
    old: RunInfo,
    new: RunInfo,
    diff: RunDiff,
    flips: Sequence[Flip],
    config_diffs: Mapping[DiffKey, str] | None,
) -> str:
    """Return what changed between two runs, and the config change behind each flipped verdict.

    ``config_diffs`` (from ``flips.flip_diffs``) is ``None`` when no archive was given.
    """
    counts = (
        f"{len(diff.newly_failing)} newly failing, {len(diff.fixed)} fixed, "
        f"{len(diff.still_failing)} still failing, {len(diff.unverified)} not re-checked"
    )
    out = [f"run #{old.id} ({old.started_at}) -> run #{new.id} ({new.started_at}): {counts}"]
    sections: list[tuple[str, tuple[Change, ...]]] = [
        ("newly failing", diff.newly_failing),
        ("fixed", diff.fixed),
        ("still failing", diff.still_failing),
        ("not re-checked (not counted as fixed)", diff.unverified),
    ]
    for title, changes in sections:
        if changes:
            out += ["", f"{title}:"]
            out += [_change_row(c) for c in changes]
    if diff.devices_added:
        out += ["", f"devices added: {', '.join(diff.devices_added)}"]
    if diff.devices_removed:
        out += ["", f"devices removed: {', '.join(diff.devices_removed)}"]
    if flips:
        out += ["", "verdicts that flipped and the config behind them:"]
        out += _flip_rows(flips, config_diffs)
    return "\n".join(out) + "\n"


def diff_data(
    old: RunInfo,
    new: RunInfo,
    diff: RunDiff,
    flips: Sequence[Flip],
    config_diffs: Mapping[DiffKey, str] | None,
) -> dict[str, Any]:
    """Return the diff between two runs as JSON-able data (``config_diff`` null without an archive)."""
    data: dict[str, Any] = {"old_run": asdict(old), "new_run": asdict(new)}
    for name in ("newly_failing", "fixed", "still_failing", "unverified"):
        data[name] = [asdict(c) for c in getattr(diff, name)]
    data["devices_added"] = list(diff.devices_added)
    data["devices_removed"] = list(diff.devices_removed)
    data["flips"] = [
        {**asdict(f), "config_changed": f.config_changed, "config_diff": _config_diff(f, config_diffs)}
        for f in flips
    ]
    return data


def _flip_rows(flips: Sequence[Flip], config_diffs: Mapping[DiffKey, str] | None) -> list[str]:
    """The flips grouped by config change, each group followed by its diff (indented)."""
    groups: dict[DiffKey, list[Flip]] = {}
    for f in flips:
        groups.setdefault((f.device, f.before_sha256 or "", f.after_sha256 or ""), []).append(f)
    out: list[str] = []
    for key, group in groups.items():
        for f in group:
            verdicts = f"{f.before} (run #{f.before_run}) -> {f.after}"
            out.append(f"  {f.device}  {f.policy}/{f.check}  {verdicts}")
        first = group[0]
        if first.config_changed is None:
            out.append("    config hash not recorded for both runs")
        elif not first.config_changed:
            out.append(f"    config unchanged ({_short(first.after_sha256)}): the verdict moved without it")
        elif config_diffs is None:
            out.append(f"    config changed {_short(first.before_sha256)} -> {_short(first.after_sha256)}")
        else:
            out += ["    " + line for line in config_diffs.get(key, "").splitlines()]
    if config_diffs is None and any(f.config_changed for f in flips):
        out += ["", "give --archive DIR to see the config lines that changed"]
    return out


def _config_diff(flip: Flip, config_diffs: Mapping[DiffKey, str] | None) -> str | None:
    if config_diffs is None or not flip.config_changed:
        return None
    return config_diffs.get((flip.device, flip.before_sha256 or "", flip.after_sha256 or ""))


def _change_row(change: Change) -> str:
    what = "device" if change.check is None else f"{change.policy}/{change.check}"
    before = change.before or "-"
    if change.before_run is not None:
        before += f" (run #{change.before_run})"
    reason = f" ({change.reason})" if change.reason else ""
    return f"  {change.device}  {what}  {before} -> {change.after or '-'}{reason}: {change.summary}"


def _label(failure: Failure) -> str:
    return f"{failure.check} ({failure.status})"


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "-"
