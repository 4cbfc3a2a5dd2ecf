"""What the history queries return: frozen dataclasses, JSON-able with ``dataclasses.asdict``.

A check is *failing* when its verdict is not ``pass`` or ``not_applicable`` (so ``fail``,
``partial`` and ``unknown``). A device that could not be audited is one failing item of its
own, with ``policy`` and ``check`` ``None`` and status ``error``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OK_VERDICTS", "Change", "Failure", "Flip", "RunDiff", "RunInfo", "TimelinePoint", "TrendRow"]

OK_VERDICTS = frozenset({"pass", "not_applicable"})


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One recorded run."""

    id: int
    started_at: str
    finished_at: str
    executor: str
    inventory: str | None
    policies: tuple[str, ...]
    exit_code: int
    devices: int


@dataclass(frozen=True, slots=True)
class Failure:
    """A failing check of a device (or the device's error, with ``policy``/``check`` None).

    ``run_id`` is the run it was last observed in: for a device that could not be audited
    since, the last run that did audit it.
    """

    device: str
    policy: str | None
    check: str | None
    status: str
    summary: str
    run_id: int


@dataclass(frozen=True, slots=True)
class Change:
    """One item of a diff between two runs.

    Attributes:
        device: the device's name.
        policy: the policy id; ``None`` for the device itself (it could not be audited).
        check: the check id; ``None`` with ``policy``.
        before: the verdict in the baseline (the device's last audited run up to the old
            run; ``error`` for a device error); ``None`` when there was none.
        after: the verdict in the new run; ``None`` when the new run did not check it.
        summary: the newest summary (or error message) known for it.
        before_run: the run ``before`` comes from, or ``None``.
        reason: why an unverified item was not re-checked (empty otherwise).
    """

    device: str
    policy: str | None
    check: str | None
    before: str | None
    after: str | None
    summary: str
    before_run: int | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RunDiff:
    """What changed from one run to another.

    Attributes:
        old_run: the baseline run's id.
        new_run: the new run's id.
        newly_failing: failing now, not failing in the baseline: the items to ticket.
        fixed: failing in the baseline, passing (or not applicable) now; a device error is
            fixed when the device is audited again.
        still_failing: failing in both (already ticketed).
        unverified: failing in the baseline, not re-checked now (the device errored, left
            the fleet in this run, or the check was not run): never counted as fixed. A
            device that stays away is not listed again in later diffs.
        devices_added: devices in the new run and not the old.
        devices_removed: devices in the old run and not the new.
    """

    old_run: int
    new_run: int
    newly_failing: tuple[Change, ...]
    fixed: tuple[Change, ...]
    still_failing: tuple[Change, ...]
    unverified: tuple[Change, ...]
    devices_added: tuple[str, ...]
    devices_removed: tuple[str, ...]

    def for_device(self, name: str) -> RunDiff:
        """Return the part of the diff about one device."""
        return RunDiff(
            self.old_run,
            self.new_run,
            tuple(c for c in self.newly_failing if c.device == name),
            tuple(c for c in self.fixed if c.device == name),
            tuple(c for c in self.still_failing if c.device == name),
            tuple(c for c in self.unverified if c.device == name),
            tuple(d for d in self.devices_added if d == name),
            tuple(d for d in self.devices_removed if d == name),
        )


@dataclass(frozen=True, slots=True)
class Flip:
    """A check whose verdict changed, with the config hashes either side.

    ``before_sha256`` is the config audited in ``before_run`` (the device's baseline run),
    ``after_sha256`` the one audited in the new run; either is ``None`` when not recorded.
    """

    device: str
    policy: str
    check: str
    before: str
    after: str
    before_run: int
    before_sha256: str | None
    after_sha256: str | None

    @property
    def config_changed(self) -> bool | None:
        """Whether the config differs; ``None`` when a hash is unknown."""
        if self.before_sha256 is None or self.after_sha256 is None:
            return None
        return self.before_sha256 != self.after_sha256


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """One device in one run."""

    run_id: int
    started_at: str
    status: str
    error: str | None
    config_sha256: str | None
    config_changed: bool | None  # against the device's previous run; None when unknown or first
    lines: int
    unrecognized: int | None  # None for runs recorded before schema version 2
    failing: tuple[Failure, ...]


@dataclass(frozen=True, slots=True)
class TrendRow:
    """The fleet in one run."""

    run_id: int
    started_at: str
    devices: int
    compliant: int
    noncompliant: int
    error: int
    failing_checks: int
