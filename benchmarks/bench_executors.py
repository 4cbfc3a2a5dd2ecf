"""Time a fleet run's per-device work on the local and the Celery executor.

For each fleet size, the same ``DeviceWork`` items (config text in hand, the Apple pack,
remediation on) go through ``LocalExecutor`` (a process pool, one process per core) and
``CeleryExecutor`` (a private redis-server and one Celery worker with one pool process per
core, started here on loopback; their start-up is timed apart). Reported per executor: wall
time of ``map``, configs per second, and peak memory: the largest sum of resident memory
over every process doing the work (this one, its pool processes; for Celery also the
worker, its pool processes and redis-server), sampled every 20 ms. Both executors must
return the same documents; the script says so.

The fleet is the files of ``--configs DIR`` (for example a generated fleet), else the
repository's sample and hand-labelled configs (every platform) repeated up to the size,
each copy a device of its own.

Usage::

    python benchmarks/bench_executors.py                  # 200 and 1,000 devices
    python benchmarks/bench_executors.py --sizes 50       # a quick look
    python benchmarks/bench_executors.py --configs /tmp/fleet --sizes 1000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout, and tests/celery_cluster.py

from auditor.runner.celery_executor import CeleryExecutor  # noqa: E402
from auditor.runner.local import LocalExecutor  # noqa: E402
from auditor.runner.work import DeviceWork  # noqa: E402
from tests.celery_cluster import cluster  # noqa: E402

POLICY = "apple-facetime-imessage"


def sample_configs() -> list[tuple[Path, str]]:
    """(file, platform) of the repository's sample and hand-labelled configs."""
    out = [(p, "cisco_ios") for p in sorted((ROOT / "inventory" / "configs").glob("*.cfg"))]
    verdicts = ROOT / "tests" / "verdicts"
    out += [(p, p.parent.name) for p in sorted(verdicts.glob("*/*")) if p.is_file()]
    return out


def fleet(size: int, configs: Path | None) -> list[DeviceWork]:
    files = [(p, None) for p in sorted(configs.iterdir()) if p.is_file()] if configs else sample_configs()
    works = []
    for i in range(size):
        path, platform = files[i % len(files)]
        device: dict[str, Any] = {
            "name": f"dev-{i:05d}-{path.stem}",
            "config_path": None,
            "platform": platform,  # None: detected from the text
            "inside_networks": None,
            "inside_interfaces": [],
            "outside_interfaces": [],
            "groups": [],
        }
        text = path.read_text(errors="replace")
        works.append(DeviceWork(device=device, policies=[POLICY], text=text, source=f"file:{path}"))
    return works


def _memory_kib(pid: int) -> int:
    """The process's proportional set size (PSS), else its resident size (RSS).

    PSS counts a page shared by n processes as 1/n in each, so summed over a process tree it
    is the memory the tree really holds: forked workers share their parent's pages, and a
    sum of RSS would count those once per process.
    """
    pss = _proc_kib(f"/proc/{pid}/smaps_rollup", "Pss:")
    return pss if pss is not None else _proc_kib(f"/proc/{pid}/status", "VmRSS:") or 0


def _proc_kib(path: str, key: str) -> int | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _descendants(root: int) -> list[int]:
    """The process tree under ``root``, from each process's ``children`` list (no scan of /proc)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                todo.extend(int(c) for c in (task / "children").read_text().split())
            except (OSError, ValueError):
                continue
    return out


@contextmanager
def peak_memory(exclude: Callable[[], list[int]] = list, every: float = 0.02) -> Iterator[list[int]]:
    """Sample the summed PSS of this process tree but ``exclude()`` every ``every`` s; yields [peak KiB].

    The sampler shares the CPU with what it measures: long runs sample less often.
    """
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            pids = set(_descendants(os.getpid())) - set(exclude())
            peak[0] = max(peak[0], sum(_memory_kib(pid) for pid in pids))
            stop.wait(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def measure(
    call: Callable[[], list[dict[str, Any]]], exclude: Callable[[], list[int]] = list
) -> tuple[list[dict[str, Any]], float, int]:
    """Return the results, the wall time and the peak memory (KiB) of ``call()``."""
    with peak_memory(exclude) as peak:
        started = time.perf_counter()
        results = call()
        wall = time.perf_counter() - started
    return results, wall, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,1000", help="fleet sizes, comma-separated")
    parser.add_argument("--configs", type=Path, help="a folder of config files to make the fleet of")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes per executor")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()
    print(f"nproc {os.cpu_count()}, {args.workers} processes per executor, Python {sys.version.split()[0]}, "
          f"load average {load[0]:.2f}")  # fmt: skip
    print("| devices | executor | wall | configs/s | peak memory | notes |")
    print("| ---: | --- | ---: | ---: | ---: | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with cluster(Path(tmp), {"bench": args.workers}) as c:
            ready = time.perf_counter() - started
            for size in sizes:
                works = fleet(size, args.configs)
                # The cluster's processes are this one's children too: not the local run's memory.
                local, lwall, lmem = measure(partial(LocalExecutor(args.workers).map, works), c.pids)
                remote, cwall, cmem = measure(partial(CeleryExecutor(c.url, timeout=3600).map, works))
                same = "same documents" if remote == local else "DOCUMENTS DIFFER"
                errors = sum(r["device"]["status"] == "error" for r in local)
                print(f"| {size} | local | {lwall:.1f} s | {size / lwall:.0f} | {lmem / 1024:.0f} MiB | "
                      f"{errors} device errors |")  # fmt: skip
                print(f"| {size} | celery | {cwall:.1f} s | {size / cwall:.0f} | {cmem / 1024:.0f} MiB | "
                      f"{same}; cluster start-up {ready:.1f} s, not counted |")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
