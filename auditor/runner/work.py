"""One device's work in a fleet run, as plain JSON: what any executor hands a worker.

A scheduled run cuts the fleet into ``DeviceWork`` items. Each is JSON (no pickles: a
Celery broker carries it, and nothing read from a broker should be able to run code), and
``process`` does the whole per-device job: collect when the config is not in hand yet,
redact, parse, audit, remediate. It returns the device's part of the JSON report and, when
it collected, the redacted collection for the caller to archive. The local executor and
the Celery workers call the same function, so a distributed run gives the same results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from auditor import engine
from auditor.errors import AuditorError, CollectError, UsageError
from auditor.inventory import Device
from auditor.pipeline import DeviceReport, audit_config, check_networks, platform_from_name, read_config
from auditor.policy import PolicyPack, builtin_packs, loads, resolve
from auditor.reports.json_report import device_document

__all__ = ["DeviceWork", "device_options", "failed", "process", "ship_packs"]


@dataclass(frozen=True, slots=True)
class DeviceWork:
    """One device to process, as JSON-able values.

    ``device`` is the inventory entry (``Device.model_dump(mode="json")``). ``text`` is the
    config when it is already in hand (a local collection, or a file for workers elsewhere);
    ``path`` names a file the worker reads itself (so a large fleet's texts are never all in
    the caller's memory at once); without either the worker collects. ``error`` is set when
    the device cannot be processed at all (an unreadable file, a failed collection): the
    worker reports it as the device's error.
    ``packs`` holds the YAML of pack files named in ``policies``, by spec, for workers on
    machines that do not have the files (``celery_executor`` fills it in).
    """

    device: dict[str, Any]
    policies: list[str]
    platform: str | None = None  # the command line's --platform, over the inventory's
    inside_networks: list[str] | None = None  # the command line's --inside-network
    remediation: bool = True
    accept_new_host_keys: bool = False
    text: str | None = None
    path: str | None = None  # a config file the worker reads (a file device, an archived config)
    source: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    packs: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """Return the work as JSON text."""
        return json.dumps(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """Return the work's fields by name (``asdict`` without its deep copy: a fleet has many)."""
        return {f.name: getattr(self, f.name) for f in fields(DeviceWork)}

    @classmethod
    def from_json(cls, text: str) -> DeviceWork:
        """Read work written by ``to_json``."""
        return cls(**json.loads(text))


def ship_packs(works: Sequence[DeviceWork]) -> list[DeviceWork]:
    """Return the works with the YAML of every pack file they name, for workers elsewhere.

    A built-in id needs nothing; a file this machine cannot read is left for the worker to
    report (the same error a local run gives).
    """
    builtins = builtin_packs()
    texts: dict[str, str] = {}
    for spec in sorted({spec for work in works for spec in work.policies} - set(builtins)):
        try:
            texts[spec] = Path(spec).read_text(encoding="utf-8")
        except (OSError, ValueError):
            continue
    if not texts:
        return list(works)
    return [
        replace(work, packs={**{s: texts[s] for s in work.policies if s in texts}, **work.packs})
        for work in works
    ]


def device_options(device: Device, cli_inside: tuple[str, ...] | None) -> engine.AuditOptions:
    """Return the audit options of one device: the command line's networks over the inventory's."""
    return engine.AuditOptions(
        inside_networks=cli_inside or check_networks(device.inside_networks or engine.RFC1918),
        inside_interfaces=device.inside_interfaces,
        outside_interfaces=device.outside_interfaces,
    )


def _packs(work: DeviceWork) -> tuple[PolicyPack, ...]:
    """The work's packs: shipped YAML where it came with the work, else a built-in id or a file here."""
    return tuple(
        _shipped(spec, work.packs[spec]) if spec in work.packs else _pack(spec) for spec in work.policies
    )


# Loaded once per process (a worker handles many devices); shipped text is its own key, so a
# long-lived worker sees a pack edited between runs.
@cache
def _pack(spec: str) -> PolicyPack:
    return resolve(spec)


@cache
def _shipped(spec: str, text: str) -> PolicyPack:
    return loads(text, Path(spec))


def process(work_json: str) -> dict[str, Any]:
    """Do one device's work; return ``{"device": <report part>, "collection": <dict> | None}``.

    ``sha256`` is added when a config was audited: the hash of the text the audit read.

    Never raises for a property of the device (an unreachable host, a config that does not
    parse): that becomes the device's error in the report. A bad policy spec or platform
    name is the run's usage error and is raised.
    """
    work = DeviceWork.from_json(work_json)
    device = Device.model_validate(work.device)
    wanted = work.platform or device.platform
    collection = None
    text, source, error = work.text, work.source or "", work.error
    if text is None and error is None and work.path is not None:
        try:
            text = read_config(Path(work.path))
        except AuditorError as exc:
            error = str(exc)
    elif text is None and error is None:
        collection = _collect(device, work.accept_new_host_keys)
        source = collection["source"]
        text, error = collection["text"], collection["error"]
        if error is not None:
            error = f"{device.name}: not collected: {error}"
    if text is None:
        report = DeviceReport(device.name, wanted, source, "error", error=error or "no config")
        return {"device": device_document(report), "collection": collection}
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    packs = _packs(work)
    try:
        platform = platform_from_name(wanted)
    except UsageError as exc:
        report = DeviceReport(device.name, wanted, source, "error", error=f"{device.name}: {exc}")
        return {"device": device_document(report), "collection": collection}
    cli_inside = check_networks(work.inside_networks) if work.inside_networks else None
    options = device_options(device, cli_inside)
    report = audit_config(device.name, text, source, platform, packs, options, work.remediation)
    return {"device": device_document(report), "collection": collection, "sha256": digest}


def failed(work: DeviceWork, reason: str) -> dict[str, Any]:
    """Return the result of work that could not be done at all: the device's error is ``reason``.

    For an executor whose worker raised or never answered; built like ``process`` builds a
    device error, so the reports treat it the same.
    """
    name = str(work.device.get("name", "?"))
    platform = work.platform or work.device.get("platform")
    report = DeviceReport(name, platform, work.source or "", "error", error=f"{name}: {reason}")
    return {"device": device_document(report), "collection": None}


def _collect(device: Device, accept_new_host_keys: bool) -> dict[str, Any]:
    """Collect one device here (a worker), redacted before it leaves this process.

    Secrets are resolved in the worker from its own environment or keyring; ``prompt``
    cannot be answered by a worker and fails the device with that reason.
    """
    from auditor.collect.credentials import Resolver
    from auditor.collect.fleet import collect_fleet
    from auditor.collect.result import CollectOptions
    from auditor.redact import redact

    def no_prompt(question: str) -> str:
        raise CollectError(f"{question.rstrip(': ')}: a worker cannot prompt; use env: or keyring:")

    options = CollectOptions(workers=1, accept_new_host_keys=accept_new_host_keys)
    try:
        [result] = collect_fleet([device], options, resolver=Resolver(no_prompt))
    except AuditorError as exc:
        return _collection(device, "", None, str(exc), None)
    text = redact(result.text, result.platform).text if result.text is not None else None
    return _collection(device, result.source, text, result.error, result.collected_at)


def _collection(
    device: Device, source: str, text: str | None, error: str | None, when: datetime | None
) -> dict[str, Any]:
    return {
        "device": device.name,
        "platform": device.platform,
        "method": device.method,
        "source": source,
        "collected_at": when.isoformat() if when is not None else None,
        "text": text,
        "error": error,
    }
