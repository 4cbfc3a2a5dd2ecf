"""Where a cold fleet run spends its time: per platform and per phase, serially.

Runs ``runner.work.process`` (what each worker of ``auditor run`` does) on the devices of a
fleet written by ``bench_fleet.py --keep DIR``, one after the other in this process, and
times the phases: detection, parsing, the checks, remediation (without its proof) and the
proof (its own parse and audit of the merged text). Times are this process's CPU time,
steadier than wall time on a busy machine, with the workers' collector settings
(``--default-gc``: Python's). ``--profile`` adds a cProfile listing.

    python benchmarks/bench_fleet.py --sizes 1000 --keep /tmp/fleets   # once
    python benchmarks/profile_fleet.py /tmp/fleets/fleet-1000 --devices 300 [--platform linux]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

# This checkout's auditor, not whichever one is installed (a worktree beside an editable install).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor import engine, inventory, parsers, remediation  # noqa: E402
from auditor.archive import Archive  # noqa: E402
from auditor.pipeline import prepare_worker  # noqa: E402
from auditor.runner.work import DeviceWork, process  # noqa: E402

_current = ["?"]
_phase_stack: list[str] = []
_spent: dict[tuple[str, str], float] = defaultdict(float)


def _timed(module: Any, name: str, phase: str) -> None:
    """Replace ``module.name`` by a wrapper that adds its time (minus inner phases) to ``phase``."""
    inner: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        label = phase if not _phase_stack or _phase_stack[-1] != "proof" else "proof"
        _phase_stack.append(label)
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            took = time.process_time() - start
            _phase_stack.pop()
            _spent[(_current[0], label)] += took
            if _phase_stack:  # the enclosing phase does not count this time twice
                _spent[(_current[0], _phase_stack[-1])] -= took

    setattr(module, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path, help="a fleet folder written by bench_fleet.py --keep")
    ap.add_argument("--devices", type=int, default=300)
    ap.add_argument("--platform", help="only devices of this platform")
    ap.add_argument("--profile", metavar="SORT", help="print a cProfile listing sorted by SORT")
    ap.add_argument("--only", nargs="+", help="list only functions matching these regexes")
    ap.add_argument(
        "--default-gc",
        action="store_true",
        help="keep Python's collector settings (workers run with pipeline.prepare_worker's)",
    )
    args = ap.parse_args()
    if not args.default_gc:
        prepare_worker()  # what every worker of `auditor run` does first

    archive = Archive(args.site / "archive")
    devices = [
        d
        for d in inventory.load(args.site / "fleet.yaml")
        if args.platform is None or d.platform == args.platform
    ][: args.devices]
    works = [
        DeviceWork(
            d.model_dump(mode="json"),
            ["apple-facetime-imessage"],
            path=str(archive.config_path(archive.latest(d.name))),
            source="archive",
        )
        for d in devices
    ]
    _timed(parsers, "detect", "detect")
    _timed(parsers, "parse", "parse")
    _timed(engine, "audit", "checks")
    _timed(remediation, "remediate", "remediate")
    _timed(remediation, "prove", "proof")
    process(works[0].to_json())  # imports, templates, caches
    _spent.clear()
    profile = cProfile.Profile() if args.profile else None
    totals: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    started = time.process_time()
    for work in works:
        _current[0] = work.device.get("platform") or "?"
        text = work.to_json()
        t0 = time.process_time()
        if profile:
            profile.enable()
        process(text)
        if profile:
            profile.disable()
        totals[_current[0]] += time.process_time() - t0
        counts[_current[0]] += 1
    cpu = time.process_time() - started
    phases = ["detect", "parse", "checks", "remediate", "proof"]
    per_device = 1000 * cpu / len(works)
    print(f"{len(works)} devices: {cpu:.1f} s of CPU, {per_device:.1f} ms per device (one process)")
    print(f"{'platform':<20}{'n':>5}{'ms/dev':>9}" + "".join(f"{p:>11}" for p in phases) + f"{'other':>9}")
    for plat in sorted(totals, key=lambda p: -totals[p]):
        n = counts[plat]
        row = [1000 * _spent[(plat, p)] / n for p in phases]
        other = 1000 * totals[plat] / n - sum(row)
        cells = "".join(f"{v:>11.1f}" for v in row)
        print(f"{plat:<20}{n:>5}{1000 * totals[plat] / n:>9.1f}{cells}{other:>9.1f}")
    if profile:
        stats = pstats.Stats(profile).sort_stats(args.profile)
        stats.print_stats(*(int(x) if x.isdigit() else x for x in args.only or ["40"]))


if __name__ == "__main__":
    main()
