"""The default executor: each device's work in worker processes on this machine.

Parsing and auditing are CPU work, so they run in processes, not threads (one per core).
A small fleet runs in this process: starting workers costs more than it saves. Needs no
server; ``celery_executor`` offers the same ``map`` when one machine is not enough.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from auditor.pipeline import prepare_worker
from auditor.runner.work import DeviceWork, process

__all__ = ["LocalExecutor"]

# Below this many devices, starting worker processes costs more than it saves.
_PARALLEL_FROM = 40


class LocalExecutor:
    """Runs ``work.process`` over a fleet with a process pool; results in the order given."""

    name = "local"

    def __init__(self, workers: int = 0) -> None:
        """``workers``: processes to use (0: one per core, or none for a small fleet)."""
        self.workers = workers

    def map(
        self, works: Sequence[DeviceWork], progress: Callable[[int, int], None] | None = None
    ) -> list[dict[str, Any]]:
        """Process every work item; ``progress(done, total)`` is told as results come in."""
        workers = self.workers or ((os.cpu_count() or 1) if len(works) >= _PARALLEL_FROM else 1)
        payloads = [w.to_json() for w in works]
        results: list[dict[str, Any]] = []
        if workers <= 1 or len(works) < 2:
            for payload in payloads:
                results.append(process(payload))
                if progress is not None:
                    progress(len(results), len(works))
            return results
        # Chunks amortise the pickling round trip. Small ones keep progress moving, and at the
        # end of the run one worker waits at most one chunk (16 devices, ~0.5 s) for the other.
        chunk = max(1, min(16, len(works) // (workers * 8)))
        with ProcessPoolExecutor(max_workers=workers, initializer=prepare_worker) as pool:
            for result in pool.map(process, payloads, chunksize=chunk):
                results.append(result)
                if progress is not None:
                    progress(len(results), len(works))
        return results
