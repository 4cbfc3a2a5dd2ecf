"""``runner.beside.run_all``: jobs in forked children, nothing lost when a child fails."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from auditor.runner.beside import run_all


@pytest.fixture
def single_threaded() -> None:
    """run_all forks only from a single-threaded process; say so if an earlier test left a thread."""
    if threading.active_count() > 1:
        pytest.skip(f"threads alive: {[t.name for t in threading.enumerate()]}")


def _writes_pid(path: Path):  # type: ignore[no-untyped-def]
    def job() -> None:
        path.write_text(str(os.getpid()))

    return job


def test_every_job_runs_and_the_first_ones_in_another_process(tmp_path: Path, single_threaded: None) -> None:
    paths = [tmp_path / f"job{i}" for i in range(3)]
    run_all([_writes_pid(p) for p in paths])
    pids = [int(p.read_text()) for p in paths]
    assert pids[-1] == os.getpid()  # the last job runs here
    assert os.getpid() not in pids[:-1]  # the others ran beside it
    assert len(set(pids)) == 3


def test_a_job_that_fails_in_its_child_runs_again_here(tmp_path: Path, single_threaded: None) -> None:
    here = os.getpid()
    out = tmp_path / "out"

    def fails_when_forked() -> None:
        if os.getpid() != here:
            raise RuntimeError("the child died")
        out.write_text("written here")

    run_all([fails_when_forked, lambda: None])
    assert out.read_text() == "written here"


def test_a_job_that_always_fails_raises_its_own_error_here(tmp_path: Path) -> None:
    def broken() -> None:
        raise ValueError("template bug")

    done = tmp_path / "done"
    with pytest.raises(ValueError, match="template bug"):
        run_all([broken, lambda: done.write_text("yes")])
    assert done.read_text() == "yes"  # the other job still finished


def test_the_last_job_failing_still_waits_for_the_children(tmp_path: Path, single_threaded: None) -> None:
    out = tmp_path / "child"

    def last() -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        run_all([_writes_pid(out), last])
    assert out.exists()  # the child had finished before the error left run_all


def test_with_another_thread_alive_every_job_runs_here_in_order(tmp_path: Path) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    order: list[int] = []
    try:
        run_all([lambda: order.append(os.getpid()), lambda: order.append(os.getpid())])
    finally:
        stop.set()
        thread.join()
    assert order == [os.getpid(), os.getpid()]


def test_without_memory_to_spare_for_the_childs_copy_every_job_runs_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from auditor.runner import beside

    # This process as large as the memory the machine has left: a child's copy would not fit.
    monkeypatch.setattr(beside, "_kib", lambda path, key: 4_000_000)
    order: list[int] = []
    run_all([lambda: order.append(os.getpid()), lambda: order.append(os.getpid())])
    assert order == [os.getpid(), os.getpid()]
