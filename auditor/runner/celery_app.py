"""The Celery app of distributed runs: one task, ``auditor.process_device``, over a Redis broker.

Workers start with ``celery -A auditor.runner.celery_app worker --concurrency N``; they read
the broker from ``AUDITOR_BROKER_URL`` (default ``redis://127.0.0.1:6379/0``) and serve the
``auditor`` queue. The executor (``celery_executor``) builds an app of its own with
``make_app(url)`` for the URL the user gave.

Why these settings:

- JSON only: a broker is a network service, and a pickle read from it could run code.
- Acks late, rejected when the worker process is lost, one task prefetched at a time: a
  task is taken off the queue only once its result is stored, so a worker that dies
  mid-device gives the device back to the queue instead of losing it.
- A worker whose whole machine died cannot reject anything: Redis keeps its unacknowledged
  task for ``visibility_timeout`` seconds, then another worker's sweep puts it back. Kombu's
  default is an hour and its sweep runs every ~100 s; a device's work takes seconds to
  minutes, so the default here is 15 minutes with a sweep every 30 s
  (``AUDITOR_VISIBILITY_TIMEOUT`` sets it). A task is stopped (and becomes its device's
  error) before the timeout, so a slow device is never handed out twice while it still runs.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from auditor.pipeline import prepare_worker
from auditor.runner import work

__all__ = [
    "BROKER_ENV",
    "DEFAULT_BROKER",
    "QUEUE",
    "TASK_NAME",
    "VISIBILITY_ENV",
    "app",
    "broker_url",
    "make_app",
    "visibility_timeout",
]

BROKER_ENV = "AUDITOR_BROKER_URL"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
VISIBILITY_ENV = "AUDITOR_VISIBILITY_TIMEOUT"
QUEUE = "auditor"
TASK_NAME = "auditor.process_device"
_DEFAULT_VISIBILITY = 900.0
RESULT_EXPIRES = 3600  # the executor reads and deletes results; this bounds what a dead client leaves


def broker_url() -> str:
    """The broker of this process: ``AUDITOR_BROKER_URL``, else a Redis on this machine."""
    return os.environ.get(BROKER_ENV) or DEFAULT_BROKER


def visibility_timeout() -> float:
    """Seconds before a task held by a vanished worker goes back to the queue."""
    value = os.environ.get(VISIBILITY_ENV)
    try:
        seconds = float(value) if value else _DEFAULT_VISIBILITY
    except ValueError:
        seconds = _DEFAULT_VISIBILITY
    return max(seconds, 2.0)


def make_app(url: str) -> Celery:
    """Return a Celery app on broker and result backend ``url``, with the task registered."""
    timeout = visibility_timeout()
    celery = Celery("auditor", broker=url, backend=url, set_as_current=False)
    celery.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        result_expires=RESULT_EXPIRES,
        task_default_queue=QUEUE,
        # Stop a task before Redis would hand it to a second worker (then it is the device's error).
        task_time_limit=max(1.0, timeout * 0.9),
        broker_transport_options={
            "visibility_timeout": timeout,
            # The sweep that returns a vanished worker's tasks: about every tenth of the timeout.
            "unacked_restore_interval": max(1.0, min(30.0, timeout / 10)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    celery.task(name=TASK_NAME, shared=False)(_process_device)
    return celery


def _prepare_process(**_: Any) -> None:
    """Each pool process of a Celery worker: the collector set up as in a local run."""
    prepare_worker()


worker_process_init.connect(_prepare_process, weak=False)


def _process_device(work_json: str) -> dict[str, Any]:
    """Do one device's work (``work.process``) in a worker."""
    return work.process(work_json)


app = make_app(broker_url())
