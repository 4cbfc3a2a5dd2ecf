"""Collect a fleet: Nornir's inventory and threaded runner, one task per device, retries with backoff.

Each device ends as one ``Collected``: its whole config, or the reason it has none. A
failure never stops the others. Transient failures (timeouts, refused or dropped
connections, output cut short) are retried with exponential backoff; failures a retry
cannot fix (authentication, host keys, a refused command, the read-only guard) are not.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

import paramiko
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
from nornir.core import Nornir
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.task import Result, Task
from nornir.plugins.runners import ThreadedRunner
from nornir_netmiko.connections import Netmiko

from auditor.collect import hostkeys, linux, napalm_driver, netmiko_driver
from auditor.collect.credentials import Resolver
from auditor.collect.guard import ReadOnlyGuard, ReadOnlyViolation
from auditor.collect.result import Collected, CollectOptions, Incomplete, Permanent
from auditor.errors import CollectError
from auditor.inventory import Device


class Progress(Protocol):
    """Told when each device starts and ends (called from worker threads)."""

    def started(self, device: str) -> None:
        """A device's collection began."""

    def finished(self, result: Collected) -> None:
        """A device's collection ended, collected or not."""


def collect_fleet(
    devices: Sequence[Device],
    options: CollectOptions,
    progress: Progress | None = None,
    resolver: Resolver | None = None,
) -> list[Collected]:
    """Collect every non-file device, in inventory order.

    Credentials are resolved first (in this thread: prompts happen before any session);
    a device whose credential cannot be resolved fails with that reason.
    """
    resolver = resolver or Resolver()
    remote = [d for d in devices if d.method != "file"]
    early: dict[str, Collected] = {}
    hosts = Hosts()
    for device in remote:
        try:
            password = resolver.resolve(device.password, f"password for {device.name}")
            secret = resolver.resolve(device.secret, f"enable secret for {device.name}")
        except CollectError as exc:
            early[device.name] = _failed(device, str(exc))
            continue
        hosts[device.name] = Host(
            device.name,
            hostname=device.host,
            port=device.port,
            username=device.username,
            password=password,
            platform=device.platform,
            data={"device": device, "secret": secret},
            connection_options=_connection_options(device, secret),
        )
    results = dict(early)
    if hosts:
        ConnectionPluginRegister.register(netmiko_driver.CONNECTION, Netmiko)
        if any(d.method == "napalm" for d in remote):
            # napalm (and its dependencies) load only when a napalm device is collected.
            from nornir_napalm.plugins.connections import Napalm

            ConnectionPluginRegister.register(napalm_driver.CONNECTION, Napalm)
        nornir = Nornir(
            inventory=Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
            runner=ThreadedRunner(num_workers=max(1, options.workers)),
        )
        task = _task(options, progress, resolver.secrets)
        outcome = nornir.run(task=task, name="collect", on_failed=True)
        for name, multi in outcome.items():
            result = multi[0].result
            if not isinstance(result, Collected):  # the task never raises; if it did, say so
                result = _failed(hosts[name].data["device"], f"internal error: {multi[0].exception!r}")
            results[name] = result
    return [results[d.name] for d in remote]


def _connection_options(device: Device, secret: str | None) -> dict[str, ConnectionOptions]:
    if device.method == "napalm":
        return {
            napalm_driver.CONNECTION: ConnectionOptions(
                platform=napalm_driver.driver(device), extras=napalm_driver.extras(device, secret)
            )
        }
    return {netmiko_driver.CONNECTION: ConnectionOptions(extras=netmiko_driver.extras(device, secret))}


def _source(device: Device) -> str:
    if device.method == "ssh-linux":
        return linux.source(device)
    if device.method == "napalm":
        return napalm_driver.source(device)
    return netmiko_driver.source(device)


def _task(
    options: CollectOptions, progress: Progress | None, secrets: Callable[[], list[str]]
) -> Callable[[Task], Result]:
    def collect_one(task: Task) -> Result:
        device: Device = task.host.data["device"]
        if progress is not None:
            progress.started(device.name)
        result = _with_retries(task, device, options, secrets())
        if progress is not None:
            progress.finished(result)
        return Result(host=task.host, result=result)

    return collect_one


def _with_retries(task: Task, device: Device, options: CollectOptions, secrets: list[str]) -> Collected:
    source = _source(device)
    reason = ""
    sent: tuple[str, ...] = ()
    for attempt in range(device.retries + 1):
        if attempt:
            time.sleep(options.backoff * 2 ** (attempt - 1))
        guard = _guard(device, task.host.password, task.host.data["secret"])
        try:
            if options.accept_new_host_keys:
                hostkeys.accept_new(device.known_hosts, str(device.host), device.port, device.timeout)
            if device.method == "ssh-linux":
                text = linux.collect(device, task.host.password, guard)
            elif device.method == "napalm":
                text = napalm_driver.collect(task, device, guard)
            else:
                text = netmiko_driver.collect(task, device, guard)
            return Collected(
                device.name, device.platform, device.method, source, _now(), text, None, tuple(guard.sent)
            )
        except Exception as exc:  # every failure becomes this device's reason, never the run's
            reason, permanent = explain(exc, device, guard)
            sent = tuple(guard.sent)
            if permanent:
                break
        finally:
            _close(task)
    for secret in secrets:
        reason = reason.replace(secret, "<secret>")
    tries = f" (after {attempt + 1} tries)" if attempt else ""
    return Collected(device.name, device.platform, device.method, source, _now(), None, reason + tries, sent)


def explain(exc: BaseException, device: Device, guard: ReadOnlyGuard) -> tuple[str, bool]:
    """A one-line reason for a failure, and whether retrying is pointless."""
    where = f"{device.host}:{device.port}"
    cause = exc.__context__
    if isinstance(exc, NetmikoTimeoutException) and isinstance(cause, paramiko.SSHException | OSError):
        exc = cause  # netmiko re-raises every SSH and socket error of the connect as a timeout
    if isinstance(exc, ReadOnlyViolation | Permanent):
        return str(exc), True
    if isinstance(exc, paramiko.BadHostKeyException):
        return (
            f"host key CHANGED for {where} (known_hosts {device.known_hosts} has another key): refused",
            True,
        )
    if isinstance(exc, NetmikoAuthenticationException | paramiko.AuthenticationException):
        return f"authentication failed for user {device.username!r} at {where}", True
    message = str(exc)
    if isinstance(exc, paramiko.SSHException) and "known_hosts" in message:
        return (
            f"host key of {where} unknown (not in {device.known_hosts}): verify it, then add it "
            "or run with --accept-new-host-keys",
            True,
        )
    if isinstance(exc, Incomplete):
        return str(exc), False
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}", False
    if isinstance(exc, paramiko.SSHException) and ("banner" in message or "No existing session" in message):
        return f"no SSH answer from {where} within {device.timeout:g}s (timeout)", False
    if isinstance(exc, NetmikoTimeoutException | ReadTimeout | TimeoutError | socket.timeout):
        if guard.sent:
            return f"session to {where} closed or stalled during {guard.sent[-1]!r}; output discarded", False
        return f"timeout connecting to {where} ({device.timeout:g}s)", False
    if isinstance(exc, EOFError | OSError | paramiko.SSHException):
        during = f" during {guard.sent[-1]!r}" if guard.sent else ""
        return f"session to {where} closed{during}; output discarded ({message or type(exc).__name__})", False
    return f"{type(exc).__name__}: {message}", False


def _guard(device: Device, password: str | None, secret: str | None) -> ReadOnlyGuard:
    if device.method == "ssh-linux":
        return ReadOnlyGuard(linux.ALLOWED, ())
    # The username and password may be typed into the session by a login prompt (ASA `login`).
    return ReadOnlyGuard(netmiko_driver.session_allow_list(device), (password, secret, device.username))


def _close(task: Task) -> None:
    for name in (netmiko_driver.CONNECTION, napalm_driver.CONNECTION):
        connection = task.host.connections.pop(name, None)
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a half-open session may fail to close; it is dropped either way
                pass


def _failed(device: Device, reason: str) -> Collected:
    return Collected(device.name, device.platform, device.method, _source(device), _now(), None, reason)


def _now() -> datetime:
    return datetime.now(UTC)
