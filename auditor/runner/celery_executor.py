"""The distributed executor: each device's work as a Celery task, results gathered in order.

``CeleryExecutor(url).map(works)`` has the same contract as ``LocalExecutor.map``: one
``work.process`` result per work item, in the order given. It checks the broker and that a
worker answers before it sends anything (a clear error, not a queue nobody reads), sends
one task per device (with the YAML of any pack file it names: workers on other machines do
not have the file), and waits for the results through the Redis result backend. A device
whose task raised in the worker, or whose result did not come in time, becomes that
device's error; the rest of the fleet is still reported. So do the devices still out when
the broker goes away mid-run (after ``backend_retries`` reconnections, a second apart).
One ``map`` at a time per executor; each run uses a broker connection of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from auditor.errors import BrokerError
from auditor.runner import celery_app
from auditor.runner.work import DeviceWork, failed, ship_packs

__all__ = ["CeleryExecutor", "mask_url"]

_PASSWORD_PARAM = re.compile(r"(password=)[^&]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """Return ``url`` with any password replaced by ``***`` (safe to print or log)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        user, colon, _ = creds.partition(":")
        netloc = f"{user}:***@{host}" if colon else f"***@{host}"
    query = _PASSWORD_PARAM.sub(r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _failure(exc: BaseException) -> str:
    """Say why a task failed in its worker, in one line."""
    kind = type(exc).__name__
    if kind == "TimeLimitExceeded":  # the worker stopped it: see celery_app's task_time_limit
        return f"the worker stopped it after the task time limit ({exc.args[0] if exc.args else '?'} s)"
    return f"the worker failed: {kind}: {exc}"


def _close(app: Any) -> None:
    """Close the result store's connections (a long-lived caller runs many fleets)."""
    try:
        app.backend.result_consumer.stop()
        app.backend.client.connection_pool.disconnect()
    except Exception:  # best effort: what is left is closed when the app is collected
        pass
    app.close()


class CeleryExecutor:
    """Runs ``work.process`` on Celery workers over a Redis broker; results in the order given."""

    name = "celery"

    def __init__(
        self,
        broker_url: str | None = None,
        timeout: float = 3600.0,
        *,
        queue: str = celery_app.QUEUE,
        connect_timeout: float = 5.0,
        worker_wait: float = 2.0,
        backend_retries: int = 20,
    ) -> None:
        """Configure the executor.

        Args:
            broker_url: the Redis broker (and result backend); default ``AUDITOR_BROKER_URL``
                or a Redis on this machine.
            timeout: seconds to wait for the whole fleet; a device without a result by then
                becomes that device's error.
            queue: the queue the workers serve (``celery worker -Q``).
            connect_timeout: seconds to reach the broker before giving up.
            worker_wait: seconds to wait for a worker to answer the ping before sending.
            backend_retries: reconnections to try, a second apart, when the result backend
                goes away mid-run (a Redis restart); then the devices still out are errors.
        """
        self.broker_url = broker_url or celery_app.broker_url()
        self.timeout = timeout
        self.queue = queue
        self.connect_timeout = connect_timeout
        self.worker_wait = worker_wait
        self.backend_retries = backend_retries

    def map(
        self, works: Sequence[DeviceWork], progress: Callable[[int, int], None] | None = None
    ) -> list[dict[str, Any]]:
        """Process every work item on the workers; ``progress(done, total)`` as results come in.

        Raises:
            BrokerError: the broker cannot be reached, or no worker answers on it.
        """
        if not works:
            return []
        app = celery_app.make_app(self.broker_url)
        app.conf.broker_transport_options = {
            **app.conf.broker_transport_options,
            "socket_connect_timeout": self.connect_timeout,
        }
        app.conf.redis_socket_connect_timeout = self.connect_timeout
        app.conf.result_backend_transport_options = {
            "retry_policy": {"max_retries": self.backend_retries, "interval_start": 0, "interval_step": 1,
                             "interval_max": 1},
        }  # fmt: skip
        # A connection of this run's own: kombu's process-wide pools (by URL, shared by every
        # app) may hold connections that died with an earlier Redis.
        try:
            with app.connection_for_write() as conn:
                self._check_broker(conn)
                self._check_workers(app, conn)
                pending = self._send(app, conn, ship_packs(works))
                arrived: set[str] = set()
                lost = False
                try:
                    results, lost = self._gather(app, works, pending, progress, arrived)
                    return results
                finally:
                    if not lost:  # with the broker gone, revoking would retry for ever
                        self._clean_up(app, conn, pending, arrived)
        finally:
            _close(app)

    def _check_broker(self, conn: Any) -> None:
        try:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=self.connect_timeout)
        except Exception as exc:  # any transport's connection error: say which broker, not how
            raise BrokerError(f"cannot reach the broker {self._where()}: {self._scrub(exc)}") from None

    def _check_workers(self, app: Any, conn: Any) -> None:
        try:
            answers = app.control.ping(timeout=self.worker_wait, limit=1, connection=conn)
        except Exception as exc:
            reason = self._scrub(exc)
            raise BrokerError(f"cannot ask the broker {self._where()} for workers: {reason}") from None
        if not answers:
            raise BrokerError(
                f"no Celery worker answers on {self._where()} within {self.worker_wait:g} s; start some "
                f"with: AUDITOR_BROKER_URL=... celery -A auditor.runner.celery_app worker"
            )

    def _send(self, app: Any, conn: Any, works: Sequence[DeviceWork]) -> list[Any]:
        try:
            with conn.Producer() as producer:
                return [
                    app.send_task(
                        celery_app.TASK_NAME, args=[w.to_json()], queue=self.queue, producer=producer
                    )
                    for w in works
                ]
        except Exception as exc:
            raise BrokerError(f"cannot send work to the broker {self._where()}: {self._scrub(exc)}") from None

    def _gather(
        self,
        app: Any,
        works: Sequence[DeviceWork],
        pending: list[Any],
        progress: Callable[[int, int], None] | None,
        arrived: set[str],
    ) -> tuple[list[dict[str, Any]], bool]:
        """Return every work's result in order, and whether the result backend was lost."""
        from celery.result import ResultSet

        index = {result.id: i for i, result in enumerate(pending)}
        results: list[dict[str, Any] | None] = [None] * len(works)
        done = 0

        def arrive(task_id: str, value: Any) -> None:
            nonlocal done
            i = index.get(task_id)
            if i is None or results[i] is not None:
                return
            arrived.add(task_id)
            if isinstance(value, BaseException):
                results[i] = failed(works[i], _failure(value))
            elif isinstance(value, dict) and "device" in value:
                results[i] = value
            else:
                kind = type(value).__name__
                results[i] = failed(works[i], f"the worker returned no device result ({kind})")
            done += 1
            if progress is not None:
                progress(done, len(works))

        reason = f"no result from a worker within {self.timeout:g} s"
        lost = False
        try:
            ResultSet(pending, app=app).join_native(
                timeout=self.timeout, propagate=False, callback=arrive, disable_sync_subtasks=False
            )
        except Exception as exc:
            from celery.exceptions import TimeoutError as ResultTimeout

            if not isinstance(exc, ResultTimeout):
                lost = True
                reason = f"lost the result backend {self._where()}: {self._scrub(exc)}"
        return [r if r is not None else failed(works[i], reason) for i, r in enumerate(results)], lost

    def _clean_up(self, app: Any, conn: Any, pending: list[Any], arrived: set[str]) -> None:
        """Revoke what never finished (a run that gave up) and delete the stored results."""
        try:
            unfinished = [r.id for r in pending if r.id not in arrived]
            if unfinished:
                app.control.revoke(unfinished, connection=conn)
            for result in pending:
                result.forget()
        except Exception:  # cleaning up is best effort: results expire on their own
            return

    def _where(self) -> str:
        return mask_url(self.broker_url)

    def _scrub(self, exc: BaseException) -> str:
        text = str(exc) or type(exc).__name__
        password = urlsplit(self.broker_url).password
        text = text.replace(self.broker_url, self._where())
        return text.replace(password, "***") if password else text
