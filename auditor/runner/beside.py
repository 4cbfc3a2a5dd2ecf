"""Run independent jobs at once: the first ones in forked children, the last one here.

A fleet run's reports are rendered from one document already in memory. A forked child
shares that document (pages are copied only as they are written), so two report formats
render on two cores instead of one after the other, at the end of the run when the workers
are gone and a core would otherwise sit idle.

Nothing is lost when a child fails, for whatever reason: its job runs again here, so its
error surfaces exactly as it would have in a serial run. Where forking is not possible or
not safe (no ``os.fork``, one core, other threads alive) or the memory for the child's copy
is not there, the jobs run here in order.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

__all__ = ["run_all"]

Job = Callable[[], None]


def run_all(jobs: Sequence[Job]) -> None:
    """Run every job; all but the last in children when that is safe. Raises a job's error."""
    if len(jobs) < 2 or not _can_fork():
        for job in jobs:
            job()
        return
    children: dict[int, Job] = {}
    failed: list[Job] = []
    try:
        for job in jobs[:-1]:
            pid = _start(job)
            if pid is None:
                failed.append(job)  # could not fork: run it here below
            else:
                children[pid] = job
        jobs[-1]()
    finally:
        for pid, job in children.items():
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                failed.append(job)
    for job in failed:
        job()


def _can_fork() -> bool:
    # A child of a multi-threaded process holds the locks other threads held when it forked.
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2 or threading.active_count() != 1:
        return False
    # The child copies the pages it reads (reference counts are writes): about this process's
    # size again for a fleet's document. Only fork when the machine has that to spare.
    size, available = _kib("/proc/self/status", "VmRSS:"), _kib("/proc/meminfo", "MemAvailable:")
    return size is not None and available is not None and available >= 2 * size


def _kib(path: str, key: str) -> int | None:
    """Return the kB value of ``key`` in a /proc file (None where there is no /proc)."""
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _start(job: Job) -> int | None:
    """Fork a child that runs ``job`` and exits 0 when it succeeded; return its pid."""
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    code = 1
    try:
        job()
        code = 0
    except BaseException:  # noqa: BLE001 - the parent runs the job again and reports its error
        pass
    finally:
        # Skip the parent's atexit handlers and its unflushed stdio buffers (they would print twice).
        os._exit(code)
