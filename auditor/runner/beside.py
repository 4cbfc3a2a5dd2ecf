"""Run independent jobs at once: the first ones in forked children, the last one here.

A fleet run's reports are rendered from one document already in memory. A forked child
shares that document (pages are copied only as they are written), so two report formats
render on two cores instead of one after the other, at the end of the run when the workers
are gone and a core would otherwise sit idle.

Nothing is lost when a child fails, for whatever reason: its job runs again here, so its
error surfaces exactly as it would have in a serial run. Where forking is not possible or
not safe (no ``os.fork``, one core, other threads alive), the jobs run here in order.
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
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


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
