"""One device through the pipeline: read its config, parse it, run the packs, keep the results.

The CLI, and later the scheduled and distributed runners, call ``audit_config``; it turns
bad per-device input into a device-level error (the rest of a fleet still gets audited)
and keeps bad usage (a wrong CIDR, an unknown platform name) as exceptions.
"""

from __future__ import annotations

import functools
import gc
import ipaddress
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor import engine, parsers
from auditor.errors import AuditorError, InputError, UsageError
from auditor.model import Diagnostic, Finding, Platform, Status
from auditor.policy import PolicyPack

if TYPE_CHECKING:
    from auditor.remediation import DeviceRemediation

_OK = frozenset({Status.PASS, Status.NOT_APPLICABLE})


@dataclass(frozen=True, slots=True)
class DeviceReport:
    """Everything the reports need about one device."""

    name: str
    platform: str | None
    source: str
    status: str  # compliant | noncompliant | error
    line_count: int = 0
    diagnostics: tuple[Diagnostic, ...] = ()
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    detection: str | None = None  # how --platform auto decided, when it did
    remediation: DeviceRemediation | None = None  # None when compliant or not asked for


def platform_from_name(name: str | None) -> Platform | None:
    """Return the Platform for a netmiko name, None for ``auto``.

    Raises:
        UsageError: the name is not a platform auditor knows.
    """
    if name is None or name == "auto":
        return None
    try:
        return Platform(name)
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise UsageError(f"unknown platform {name!r} (known: auto, {known})") from None


def check_networks(networks: Sequence[str]) -> tuple[str, ...]:
    """Validate IPv4 CIDRs and return them normalised.

    Raises:
        UsageError: a value is not an IPv4 network.
    """
    return _checked_networks(tuple(networks))


@functools.lru_cache(maxsize=256)
def _checked_networks(networks: tuple[str, ...]) -> tuple[str, ...]:
    # A fleet's devices mostly share their networks (the RFC 1918 default): read them once.
    out = []
    for net in networks:
        try:
            out.append(str(ipaddress.IPv4Network(net, strict=False)))
        except ValueError:
            raise UsageError(f"bad network {net!r}: give an IPv4 CIDR such as 10.0.0.0/8") from None
    return tuple(out)


def read_config(path: Path) -> str:
    """Read a config file as text (bytes that are not UTF-8 are kept as replacement marks).

    Raises:
        InputError: the file is missing, a directory, or unreadable.
    """
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def audit_config(
    name: str,
    text: str,
    source: str,
    platform: Platform | None,
    packs: Sequence[PolicyPack],
    options: engine.AuditOptions,
    remediation: bool = True,
) -> DeviceReport:
    """Parse one config, evaluate every pack on it, and (when it fails) prove a fix."""
    line_count = len(text.splitlines())
    detection = None
    if platform is None:
        detected = parsers.detect(text)
        if detected is None:
            return DeviceReport(
                name,
                None,
                source,
                "error",
                line_count,
                error=f"{source}: {undetected_message()}",
            )
        platform, detection = detected
    try:
        result = parsers.parse(platform, text, source.removeprefix("file:"))
    except AuditorError as exc:
        return DeviceReport(name, platform.value, source, "error", line_count, error=str(exc))
    findings: list[Finding] = []
    for pack in packs:
        findings.extend(engine.audit(result.model, pack, options))
    status = "compliant" if all(f.status in _OK for f in findings) else "noncompliant"
    fix = None
    if remediation and status == "noncompliant":
        from auditor.remediation import remediate  # Jinja and templates load only when needed

        fix = remediate(platform, text, source.removeprefix("file:"), findings, packs, options, result.model)
        findings = [replace(f, remediation=fix.per_check.get(f.check)) for f in findings]
    return DeviceReport(
        name,
        platform.value,
        source,
        status,
        result.line_count,
        result.diagnostics,
        tuple(findings),
        detection=detection,
        remediation=fix,
    )


def undetected_message() -> str:
    """Say that auto-detection placed no platform, and what to do."""
    return f"cannot tell the platform from the text (tried {parsers.detect_order()}); give it with --platform"


def exit_code(reports: Sequence[DeviceReport]) -> int:
    """Map device results to the exit codes of DESIGN.md (3 > 1 > 0)."""
    return exit_code_of([r.status for r in reports])


def exit_code_of(statuses: Sequence[str]) -> int:
    """Map device statuses (compliant, noncompliant, error) to DESIGN.md's exit codes (3 > 1 > 0)."""
    if "error" in statuses:
        return 3
    if "noncompliant" in statuses:
        return 1
    return 0


@dataclass(frozen=True, slots=True)
class Job:
    """One device to audit: its config text (or why it could not be read) and settings."""

    name: str
    source: str
    platform: Platform | None
    options: engine.AuditOptions
    text: str | None = None
    error: str | None = None
    platform_name: str | None = None  # as the inventory gave it, for error reports
    remediation: bool = True


# Below this many devices, starting worker processes costs more than it saves.
_PARALLEL_FROM = 40


def run_jobs(jobs: Sequence[Job], packs: Sequence[PolicyPack], workers: int = 0) -> list[DeviceReport]:
    """Audit every job, in order; ``workers`` processes (0: one per core for large runs)."""
    if workers == 0:
        workers = (os.cpu_count() or 1) if len(jobs) >= _PARALLEL_FROM else 1
    if workers <= 1 or len(jobs) < 2:
        return [_run(job, packs) for job in jobs]
    chunk = max(1, len(jobs) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, initializer=prepare_worker) as pool:
        return list(pool.map(_run, jobs, [packs] * len(jobs), chunksize=chunk))


def prepare_worker() -> None:
    """Set up a worker process's garbage collector for parsing (a pool's initializer).

    Parsing makes many short-lived containers, which reference counting frees; the cyclic
    collector's default of a pass every 700 new containers, each walking the long-lived
    caches as well, cost about a quarter of a worker's CPU on the benchmark fleet. What is
    loaded by now (modules, templates, packs) lives as long as the worker, so it is frozen
    out of the collector's passes, and passes come less often. Cycles are still collected.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)


def _run(job: Job, packs: Sequence[PolicyPack]) -> DeviceReport:
    if job.text is None:
        return DeviceReport(job.name, job.platform_name, job.source, "error", error=job.error)
    return audit_config(job.name, job.text, job.source, job.platform, packs, job.options, job.remediation)
