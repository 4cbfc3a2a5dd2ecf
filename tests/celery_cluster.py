"""A private Celery cluster on loopback: a real redis-server and real worker processes.

Used by ``tests/test_celery_executor.py`` and ``benchmarks/bench_executors.py``. Each process
runs in a process group of its own, so one worker can be killed whole (its machine lost) and
``stop`` leaves no orphan (prefork pool processes included).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.runner import celery_app

ROOT = Path(__file__).resolve().parent.parent
HOST = "auditor-test"  # workers are named NAME@HOST


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A redis-server and named Celery workers serving ``queue``."""

    tmp: Path
    port: int
    queue: str = celery_app.QUEUE
    env: dict[str, str] = field(default_factory=dict)  # extra worker environment
    redis: subprocess.Popen[bytes] | None = None
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    concurrency: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.app = celery_app.make_app(self.url)

    def start_redis(self, deadline: float = 10.0) -> None:
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server not answering on 127.0.0.1:{self.port}")

    def start(self, name: str, concurrency: int = 1) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),  # this checkout's auditor, not an installed one
            celery_app.BROKER_ENV: self.url,
            **self.env,
        }
        self.concurrency[name] = concurrency
        log = (self.tmp / f"{name}.log").open("ab")
        self.workers[name] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "auditor.runner.celery_app", "worker",
             "--concurrency", str(concurrency), "--pool", "prefork", "-Q", self.queue, "-n", f"{name}@{HOST}",
             "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "WARNING"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def wait_ready(self, deadline: float = 60.0) -> None:
        """Until every worker answers a ping through the broker."""
        want = {f"{name}@{HOST}" for name in self.workers}
        end = time.monotonic() + deadline
        failure: Exception | None = None
        while time.monotonic() < end:
            for name, proc in self.workers.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"worker {name} exited: {self.log(name)}")
            try:
                with self.app.connection_for_write() as conn:  # not a pooled one redis may have closed
                    replies = self.app.control.inspect(
                        destination=sorted(want), timeout=0.5, connection=conn
                    ).ping()
                replies = replies or {}
            except Exception as exc:  # a connection redis closed when it restarted: try again
                failure = exc
                time.sleep(0.2)
                continue
            if want <= set(replies):
                return
        raise RuntimeError(f"workers not ready after {deadline} s: {sorted(want)}") from failure

    def revive(self) -> None:
        """Restart redis-server and every worker that is no longer running."""
        if self.redis is not None and self.redis.poll() is not None:
            self.start_redis()
            self.app = celery_app.make_app(self.url)
        dead = [name for name, proc in self.workers.items() if proc.poll() is not None]
        for name in dead:
            self.start(name, self.concurrency[name])
        self.wait_ready()  # workers that lived through a redis restart reconnect first

    def holder_of(self, device_name: str, deadline: float = 20.0) -> tuple[str, int]:
        """The worker (name, pool process id) running ``device_name``'s task right now."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with self.app.connection_for_write() as conn:
                active: dict[str, list[dict[str, Any]]] = (
                    self.app.control.inspect(timeout=0.5, connection=conn).active() or {}
                )
            for host, tasks in active.items():
                for task in tasks:
                    work = json.loads(task["args"][0])
                    if work["device"]["name"] == device_name:
                        return host.split("@")[0], int(task["worker_pid"])
        raise RuntimeError(f"no worker started {device_name} within {deadline} s")

    def kill(self, name: str) -> None:
        """SIGKILL a worker's whole process group: the worker and its pool, as if its machine died."""
        proc = self.workers[name]
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def pids(self) -> list[int]:
        """Every process of the cluster (workers, their pool processes, redis)."""
        leaders = [p.pid for p in [*self.workers.values(), self.redis] if p is not None and p.poll() is None]
        return [pid for leader in leaders for pid in _group(leader)]

    def stop(self) -> None:
        procs = [*self.workers.values(), *([self.redis] if self.redis else [])]
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            try:  # pool processes left behind by a worker that did not stop them
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)  # let the kernel reap what SIGKILL just ended
        left = [pid for proc in procs for pid in _group(proc.pid) if _alive(pid)]
        if left:
            raise RuntimeError(f"cluster processes left running: {left}")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _group(pgid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    out.append(int(entry.name))
            except ProcessLookupError:
                continue
    return out


@contextmanager
def cluster(
    tmp: Path, workers: dict[str, int], queue: str = celery_app.QUEUE, env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    """Start redis and ``{name: concurrency}`` workers, wait until they answer; stop them all after."""
    c = Cluster(tmp, free_port(), queue, env or {})
    try:
        c.start_redis()
        for name, concurrency in workers.items():
            c.start(name, concurrency)
        c.wait_ready()
        yield c
    finally:
        c.stop()
