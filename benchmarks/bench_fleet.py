"""Time `auditor run --offline` over generated mixed-platform fleets kept in an archive.

The issue's aim: 10,000 devices audited offline from the archive in under 60 s on this
2-core machine, under 1 GiB peak memory, cost growing linearly with the fleet. For each size
this generates the fleet (``fleet_gen``: six platforms, 50-2,000 lines each), stores it in
an archive as collections of an inventory's devices (not timed), then times one
``auditor run --inventory ... --offline`` in a subprocess: the whole job, reports and history
included, remediation on; then once more with nothing changed, where every device's result
is reused (``--cache``, the default; the cold run is the aim's number); then a nightly run,
after a new config of every tenth device (``--nightly``: another draw of the generator, same
platform) was stored, where those devices are audited and the rest reused. Afterwards the
original configs are stored again, so a kept site audits the same texts next time (their
collection numbers in ``source`` move on). Reported: wall time,
configs per second, seconds per 1,000 configs (flat when cost is linear), and peak memory:
the largest sum of proportional set sizes (PSS) over the run's process and its children
(workers, the report writer), sampled every 250 ms. PSS counts each shared page once over
the tree; before 2026-12-02 this was a sum of RSS, which counted the pages a forked worker
shares with the run's process twice.

Usage::

    python benchmarks/bench_fleet.py                      # 1,000 and 10,000 devices
    python benchmarks/bench_fleet.py --sizes 200          # a quick look
    python benchmarks/bench_fleet.py --keep /tmp/fleets   # keep the generated sites
    python benchmarks/bench_fleet.py --sizes 1000 --celery   # the celery executor too
    python benchmarks/bench_fleet.py --nightly 0          # no nightly row
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_executors import peak_memory  # noqa: E402
from fleet_gen import fleet  # noqa: E402

from auditor.archive import Archive  # noqa: E402


def build_site(folder: Path, size: int, seed: int) -> Path:
    """Write an inventory of ``size`` collected devices and archive one collection of each."""
    inventory = folder / "fleet.yaml"
    if inventory.exists():  # a site kept from an earlier run (--keep): the same seed, the same fleet
        return inventory
    folder.mkdir(parents=True, exist_ok=True)
    archive = Archive(folder / "archive")
    hosts = []
    for name, platform, text in fleet(seed, size):
        archive.store(name, platform, "generated", text)
        method = "ssh-linux" if platform == "linux" else "netmiko"
        hosts.append(f"  {name}:\n    platform: {platform}\n    method: {method}\n    host: 192.0.2.1\n")
    inventory.write_text("defaults:\n  username: audit\nhosts:\n" + "".join(hosts))
    return inventory


def store_changes(inventory: Path, size: int, seed: int, every: int, original: bool = False) -> int:
    """Store a new config for every ``every``-th device (``original``: its first again); return how many."""
    archive = Archive(inventory.parent / "archive")
    changed = 0
    for index, (name, platform, text) in enumerate(fleet(seed if original else seed + 1, size)):
        if index % every == 0:  # platforms go in turn, so the other draw has the device's platform
            archive.store(name, platform, "generated", text)
            changed += 1
    return changed


def time_run(inventory: Path, workers: int, *extra: str) -> tuple[float, int, int, str]:
    """Run ``auditor run --offline`` once; return (wall s, peak KiB, exit code, its last stderr line)."""
    command = [
        sys.executable,
        "-m",
        "auditor",
        "run",
        "-i",
        str(inventory),
        "--offline",
        "-w",
        str(workers),
        *extra,
    ]
    # The run's processes, not this one; sampled 4 times a second so the sampler costs no core.
    with peak_memory(exclude=lambda: [os.getpid()], every=0.25) as peak:
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        wall = time.perf_counter() - start
    lines = done.stderr.strip().splitlines()
    return wall, peak[0], done.returncode, lines[-1] if lines else ""


def time_celery(inventory: Path, size: int) -> None:
    """Time one cold run on a loopback redis-server and one worker with a process per core.

    Its memory counts the worker, its pool and redis-server; their start-up is not timed.
    """
    from tests.celery_cluster import cluster

    site = inventory.parent
    with tempfile.TemporaryDirectory() as tmp, cluster(Path(tmp), {"bench": os.cpu_count() or 1}) as c:
        extra = ("--executor", "celery", "--broker", c.url, "--db", str(site / "celery.sqlite"),
                 "--reports", str(site / "celery-runs"))  # fmt: skip
        wall, peak, code, summary = time_run(inventory, 0, *extra)
    print(
        f"| {size:,} | celery, cold | {wall:.1f} s | {size / wall:.0f} | {wall / size * 1000:.1f} | "
        f"{peak / 1024:.0f} MiB | {code} | {summary} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--workers", type=int, default=0, help="processes (0: one per core)")
    parser.add_argument("--keep", type=Path, help="build the sites here and keep them")
    parser.add_argument(
        "--nightly",
        type=float,
        default=0.1,
        help="share of devices whose config changes before the nightly run (0: no nightly run)",
    )
    parser.add_argument(
        "--celery", action="store_true", help="also time the celery executor (a loopback cluster)"
    )
    args = parser.parse_args()
    print(f"# cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print("| devices | run | wall | configs/s | s per 1,000 | peak memory | exit | run's summary |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for size in args.sizes:
            inventory = build_site(base / f"fleet-{size}", size, args.seed)
            for old in inventory.parent.glob("history.sqlite*"):  # a kept site: the first run is cold
                old.unlink()
            for label in ("cold", "unchanged"):
                wall, peak, code, summary = time_run(inventory, args.workers)
                print(
                    f"| {size:,} | {label} | {wall:.1f} s | {size / wall:.0f} | {wall / size * 1000:.1f} | "
                    f"{peak / 1024:.0f} MiB | {code} | {summary} |",
                    flush=True,
                )
            if args.nightly:
                every = max(1, round(1 / args.nightly))
                changed = store_changes(inventory, size, args.seed, every)
                wall, peak, code, summary = time_run(inventory, args.workers)
                print(
                    f"| {size:,} | nightly: {changed:,} changed | {wall:.1f} s | {size / wall:.0f} | "
                    f"{wall / size * 1000:.1f} | {peak / 1024:.0f} MiB | {code} | {summary} |",
                    flush=True,
                )
                store_changes(inventory, size, args.seed, every, original=True)
            if args.celery:
                time_celery(inventory, size)


if __name__ == "__main__":
    main()
