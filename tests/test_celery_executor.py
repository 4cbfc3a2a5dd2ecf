"""The Celery executor against a real redis-server and real Celery worker processes.

The module starts a private ``redis-server`` on a free loopback port and two workers
(``python -m celery -A auditor.runner.celery_app worker``, prefork, one process each), each in
a process group of its own so a test can kill a whole worker (machine lost) or only its pool
process (OOM killer), and the teardown leaves no orphan. The workers get a short
``AUDITOR_VISIBILITY_TIMEOUT`` so a task held by a vanished worker comes back in seconds.

The task held when a worker is killed is a device that hangs: a collected device whose SSH
port accepts and never speaks (``silent_server``). Its task runs for the device's timeout,
long enough to find it running (``inspect().active()``) and kill its worker mid-task, with
no test hook in the worker. It comes back as that device's "not collected" error, which
only a worker that ran it again can write: a lost task would instead end as "no result".
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.errors import BrokerError
from auditor.redact import redact
from auditor.runner import celery_app
from auditor.runner.celery_executor import CeleryExecutor, mask_url
from auditor.runner.local import LocalExecutor
from auditor.runner.work import DeviceWork, process
from tests.celery_cluster import Cluster
from tests.celery_cluster import cluster as start_cluster
from tests.fakedevices import (
    PASSWORD,
    SAMPLES,
    USER,
    fakenos_fleet,
    fakenos_host_key,
    free_port,
    known_hosts_line,
    silent_server,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning"
)  # FakeNOS threads

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "auditor-test"
POLICY = "apple-facetime-imessage"
VISIBILITY = 8  # seconds; tasks here take well under the 7.2 s time limit it implies
HUNG_TIMEOUT = 3  # the hung device's SSH timeout: how long its task holds a worker


def device(name: str, platform: str, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": name,
        "config_path": None,
        "platform": platform,
        "inside_networks": None,
        "inside_interfaces": [],
        "outside_interfaces": [],
        "groups": [],
    }
    fields.update(extra)
    return fields


def file_works() -> list[DeviceWork]:
    """The demo inventory's configs and every third hand-labelled verdict config (every
    platform, compliant and not), text in hand: about 50 devices, enough for both workers
    to take turns, few enough to keep the module near a minute on a shared machine."""
    paths = sorted((ROOT / "inventory" / "configs").glob("*.cfg"))
    paths += sorted(p for p in (ROOT / "tests" / "verdicts").glob("*/*") if p.is_file())[::3]
    platforms = {p: (p.parent.name if p.parent.parent.name == "verdicts" else "cisco_ios") for p in paths}
    return [
        DeviceWork(
            device=device(f"{p.parent.name}-{p.stem}", platforms[p]),
            policies=[POLICY],
            text=p.read_text(errors="replace"),
            source=f"file:{p.relative_to(ROOT)}",
        )
        for p in paths
    ]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed; .ci/run installs it")
    env = {
        celery_app.VISIBILITY_ENV: str(VISIBILITY),
        "AUDITOR_TEST_PASSWORD": PASSWORD,  # the collected devices' password reference
    }
    with start_cluster(tmp_path_factory.mktemp("celery"), {"w1": 1, "w2": 1}, QUEUE, env) as c:
        yield c


@pytest.fixture
def workers(cluster: Cluster) -> Cluster:
    """The cluster with every worker alive (a test before may have killed one)."""
    cluster.revive()
    return cluster


def executor(cluster: Cluster, **options: Any) -> CeleryExecutor:
    return CeleryExecutor(cluster.url, timeout=options.pop("timeout", 60), queue=QUEUE, **options)


def test_a_fleet_audited_on_workers_matches_the_same_audit_in_process(workers: Cluster) -> None:
    works = file_works()
    seen: list[tuple[int, int]] = []
    got = executor(workers).map(works, progress=lambda done, total: seen.append((done, total)))
    assert len(works) > 40
    assert {w.device["platform"] for w in works} >= {"cisco_ios", "cisco_asa", "juniper_junos", "vyos"}
    assert [r["device"]["name"] for r in got] == [w.device["name"] for w in works]
    assert got == LocalExecutor(workers=1).map(works)
    assert {r["device"]["status"] for r in got} >= {"compliant", "noncompliant"}
    assert seen == [(i, len(works)) for i in range(1, len(works) + 1)]


def test_a_task_that_raises_in_the_worker_is_that_devices_error(workers: Cluster) -> None:
    works = file_works()[:5]
    broken = DeviceWork(
        device=device("broken-rtr", "cisco_ios"), policies=["no-such-pack"], text="hostname x"
    )
    got = executor(workers).map([*works[:2], broken, *works[2:]])
    assert [r["device"]["name"] for r in got] == [*(w.device["name"] for w in works[:2]), "broken-rtr",
                                                  *(w.device["name"] for w in works[2:])]  # fmt: skip
    failed = got[2]["device"]
    assert failed["status"] == "error"
    assert failed["error"].startswith("broken-rtr: the worker failed: PolicyError: no-such-pack")
    assert [*got[:2], *got[3:]] == [process(w.to_json()) for w in works]


def test_a_device_is_collected_in_the_worker_and_comes_back_redacted(
    workers: Cluster, tmp_path: Path
) -> None:
    port = free_port()
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line(port, fakenos_host_key()))
    collected = DeviceWork(
        device=device(
            "fk-rtr", "cisco_ios", method="netmiko", host="127.0.0.1", port=port, username=USER,
            password="env:AUDITOR_TEST_PASSWORD", known_hosts=str(known), timeout=8, retries=0,
        ),
        policies=[POLICY],
    )  # fmt: skip
    assert "AUDITOR_TEST_PASSWORD" not in os.environ or os.environ["AUDITOR_TEST_PASSWORD"] == PASSWORD
    with fakenos_fleet({"fk-rtr": ("cisco_ios", port)}):
        [result] = executor(workers).map([collected])
    collection = result["collection"]
    assert collection["error"] is None
    assert collection["source"].startswith(f"netmiko:cisco_ios@127.0.0.1:{port} ")
    sample = SAMPLES["cisco_ios"].read_text()
    redacted = redact(sample, "cisco_ios").text
    assert [ln.rstrip() for ln in collection["text"].splitlines() if ln.strip()] == [
        ln.rstrip() for ln in redacted.splitlines() if ln.strip()
    ]
    assert PASSWORD not in json.dumps(result)
    # The same verdicts as the config file audited here.
    from_file = process(
        DeviceWork(device=device("fk-rtr", "cisco_ios"), policies=[POLICY], text=sample).to_json()
    )
    verdicts = [(f["check"], f["status"]) for f in result["device"]["findings"]]
    assert verdicts == [(f["check"], f["status"]) for f in from_file["device"]["findings"]]
    assert result["device"]["status"] == from_file["device"]["status"] == "noncompliant"


def test_a_pack_file_only_this_machine_has_is_shipped_with_the_work(
    workers: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative path: here it names tmp_path/site-pack.yaml, in the workers' folder nothing.
    monkeypatch.chdir(tmp_path)
    pack = yaml.safe_load((ROOT / "policies" / f"{POLICY}.yaml").read_text())
    Path("site-pack.yaml").write_text(yaml.safe_dump(pack))
    assert not (ROOT / "site-pack.yaml").exists()
    work = replace(file_works()[0], policies=["site-pack.yaml"])
    before = executor(workers).map([work] * 2)  # two tasks: most likely one on each worker
    # Edited between two runs: the long-lived workers use the new text.
    pack["checks"] = pack["checks"][:3]
    Path("site-pack.yaml").write_text(yaml.safe_dump(pack))
    after = executor(workers).map([work] * 2)
    assert [len(r["device"]["findings"]) for r in before] == [9, 9]
    assert [len(r["device"]["findings"]) for r in after] == [3, 3]
    assert after == [process(work.to_json())] * 2


def hung_work(port: int, known: Path, timeout: float) -> DeviceWork:
    """A collected device whose SSH port accepts and never answers: its task runs ``timeout`` s."""
    return DeviceWork(
        device=device(
            "hung-rtr", "cisco_ios", method="netmiko", host="127.0.0.1", port=port, username=USER,
            password="env:AUDITOR_TEST_PASSWORD", known_hosts=str(known), timeout=timeout, retries=0,
        ),
        policies=[POLICY],
    )  # fmt: skip


def test_a_device_without_a_result_in_time_is_that_devices_error(workers: Cluster, tmp_path: Path) -> None:
    works = file_works()[:3]
    known = tmp_path / "known_hosts"
    with silent_server() as port:
        known.write_text(known_hosts_line(port, fakenos_host_key()))
        started = time.monotonic()
        got = executor(workers, timeout=2).map([*works, hung_work(port, known, HUNG_TIMEOUT)])
        waited = time.monotonic() - started
    assert got[:3] == [process(w.to_json()) for w in works]
    assert got[3]["device"]["status"] == "error"
    assert got[3]["device"]["error"] == "hung-rtr: no result from a worker within 2 s"
    assert waited < HUNG_TIMEOUT + 2


def test_a_task_is_stopped_before_redis_would_hand_it_to_a_second_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for seconds, limit in (("900", 810.0), ("8", 7.2), (None, 810.0)):
        if seconds is None:
            monkeypatch.delenv(celery_app.VISIBILITY_ENV, raising=False)
        else:
            monkeypatch.setenv(celery_app.VISIBILITY_ENV, seconds)
        conf = celery_app.make_app("redis://127.0.0.1:1/0").conf
        visibility = conf.broker_transport_options["visibility_timeout"]
        assert conf.task_time_limit == pytest.approx(limit) and conf.task_time_limit < visibility
        assert conf.broker_transport_options["unacked_restore_interval"] <= visibility / 8
        assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.accept_content == ["json"]


def test_an_unreachable_broker_is_a_clear_error_without_the_password() -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    with pytest.raises(BrokerError) as raised:
        CeleryExecutor(url, connect_timeout=2).map(file_works()[:1])
    message = str(raised.value)
    assert time.monotonic() - started < 5
    assert message.startswith(f"cannot reach the broker {mask_url(url)}: ")
    assert "redis://:***@127.0.0.1:" in message
    assert "hunter2" not in message


def test_a_broker_no_worker_serves_is_a_clear_error(workers: Cluster) -> None:
    # Another database of the same server: its broadcasts reach none of the workers.
    url = workers.url.rsplit("/", 1)[0] + "/5"
    with pytest.raises(BrokerError, match=r"no Celery worker answers on redis://127\.0\.0\.1:\d+/5"):
        CeleryExecutor(url, worker_wait=0.5).map(file_works()[:1])


def test_masking_keeps_everything_but_the_password() -> None:
    assert mask_url("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"
    assert (
        mask_url("rediss://user:pw@host/1?ssl_cert_reqs=required")
        == "rediss://user:***@host/1?ssl_cert_reqs=required"
    )
    assert mask_url("redis://host:6379/0?password=pw&db=2") == "redis://host:6379/0?password=***&db=2"
    assert mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


# Kills redis-server: the next test's ``workers`` fixture starts it again (and any dead worker).
def test_a_broker_lost_mid_run_ends_the_wait_with_the_devices_still_out_as_errors(
    workers: Cluster, tmp_path: Path
) -> None:
    works = file_works()[:3]
    known = tmp_path / "known_hosts"
    out: dict[str, Any] = {}
    with silent_server() as port:
        known.write_text(known_hosts_line(port, fakenos_host_key()))
        run = threading.Thread(
            target=lambda: out.update(
                results=executor(workers, backend_retries=2).map(
                    [hung_work(port, known, HUNG_TIMEOUT), *works]
                )
            )
        )
        run.start()
        workers.holder_of("hung-rtr")
        assert workers.redis is not None
        workers.redis.kill()
        lost_at = time.monotonic()
        run.join(timeout=30)
        assert not run.is_alive()
    assert time.monotonic() - lost_at < 15  # two reconnections a second apart, no cleanup retried for ever
    results = out["results"]
    assert [r["device"]["name"] for r in results] == ["hung-rtr", *(w.device["name"] for w in works)]
    assert results[0]["device"]["error"].startswith(f"hung-rtr: lost the result backend {workers.url}: ")
    for got, work in zip(results[1:], works, strict=True):  # finished before the loss, or lost with it
        assert got == process(work.to_json()) or "lost the result backend" in got["device"]["error"]


@pytest.mark.parametrize("target", ["pool process", "whole worker"])
def test_a_worker_killed_mid_task_loses_no_device(workers: Cluster, tmp_path: Path, target: str) -> None:
    works = file_works()[:8]
    expected = [process(w.to_json()) for w in works]
    known = tmp_path / "known_hosts"
    with silent_server() as port:
        known.write_text(known_hosts_line(port, fakenos_host_key()))
        hung = hung_work(port, known, HUNG_TIMEOUT)
        out: dict[str, Any] = {}
        run = threading.Thread(target=lambda: out.update(results=executor(workers).map([hung, *works])))
        started = time.monotonic()
        run.start()
        name, pool_pid = workers.holder_of("hung-rtr")
        if target == "pool process":  # the OOM killer: the worker rejects the task, it is requeued
            os.kill(pool_pid, signal.SIGKILL)
        else:  # the machine is gone: Redis gives the task back after the visibility timeout
            workers.kill(name)
        run.join(timeout=90)
        assert not run.is_alive()
    results = out["results"]
    assert [r["device"]["name"] for r in results] == ["hung-rtr", *(w.device["name"] for w in works)]
    assert results[1:] == expected
    # Ran again to its end by a worker (a lost task would be "no result from a worker").
    assert results[0]["device"]["error"].startswith("hung-rtr: not collected:"), results[0]["device"]["error"]
    assert results[0]["collection"]["error"] is not None
    if target == "whole worker":
        assert time.monotonic() - started >= VISIBILITY
