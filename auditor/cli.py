"""The command line: a thin typer layer over the pipeline, the packs and the reports.

Maps outcomes to DESIGN.md's exit codes: 0 all compliant, 1 a check not passing, 2 bad
usage or unreadable input (one line on stderr, no traceback), 3 a device not audited.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from auditor import engine, inventory, parsers, policy
from auditor.collect.result import Collected, CollectOptions
from auditor.errors import AuditorError, InputError, UsageError
from auditor.model import Platform
from auditor.pipeline import (
    DeviceReport,
    Job,
    check_networks,
    exit_code,
    platform_from_name,
    read_config,
    run_jobs,
    undetected_message,
)
from auditor.reports import json_report, table
from auditor.reports.render import render as render_report
from auditor.reports.tickets import render_tickets
from auditor.runner.work import device_options

if TYPE_CHECKING:
    from auditor.archive import Archive, Entry
    from auditor.history import History
    from auditor.runner.run import Executor

app = typer.Typer(
    help="Audit router and firewall configs against application policy packs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policies_app = typer.Typer(help="List, show and validate policy packs.", no_args_is_help=True)
app.add_typer(policies_app, name="policies")

P = ParamSpec("P")
R = TypeVar("R")


class Format(StrEnum):
    """Report formats: the terminal table, the JSON contract, and the rendered reports."""

    table = "table"
    json = "json"
    html = "html"
    md = "md"
    csv = "csv"
    junit = "junit"
    sarif = "sarif"


def _user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn an AuditorError into one line on stderr and exit 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AuditorError as exc:
            typer.echo(f"auditor: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


# Options shared by every command that audits configs.
ConfigFiles = Annotated[list[Path] | None, typer.Argument(help="Config files to audit.")]
InventoryOpt = Annotated[Path | None, typer.Option("--inventory", "-i", help="Inventory YAML of devices.")]
PolicyOpt = Annotated[
    list[str] | None, typer.Option("--policy", "-p", help="Policy id or YAML file (repeatable).")
]
PlatformOpt = Annotated[str, typer.Option(help="Platform (netmiko device_type) or auto.")]
InsideNetOpt = Annotated[
    list[str] | None, typer.Option(help="Inside network CIDR (repeatable; default RFC 1918).")
]
InsideIfOpt = Annotated[list[str] | None, typer.Option(help="Interface facing the inside (repeatable).")]
OutsideIfOpt = Annotated[list[str] | None, typer.Option(help="Interface facing the outside (repeatable).")]
WorkersOpt = Annotated[
    int, typer.Option("--workers", "-w", min=0, help="Processes for large runs (0: one per core).")
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the output here.")]
ArchiveOpt = Annotated[
    Path | None,
    typer.Option("--from-archive", help="Audit the latest collection of every device in this archive."),
]
LimitOpt = Annotated[
    list[str] | None, typer.Option("--limit", help="Only this inventory device or group (repeatable).")
]
StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--archive",
        help="Store collected configs (redacted) here; default: 'archive' beside the inventory.",
    ),
]
AcceptNewOpt = Annotated[
    bool,
    typer.Option(
        "--accept-new-host-keys",
        help="Trust and record the host key of a device not in known_hosts yet (a changed key is refused).",
    ),
]


@app.command()
@_user_errors
def audit(
    config_files: ConfigFiles = None,
    inventory_file: InventoryOpt = None,
    policies: PolicyOpt = None,
    platform: PlatformOpt = "auto",
    inside_network: InsideNetOpt = None,
    inside_interface: InsideIfOpt = None,
    outside_interface: OutsideIfOpt = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.table,
    output: OutputOpt = None,
    workers: WorkersOpt = 0,
    remediation: Annotated[
        bool, typer.Option(help="Render and prove the fix of every failing device.")
    ] = True,
    from_archive: ArchiveOpt = None,
    limit: LimitOpt = None,
    accept_new_host_keys: AcceptNewOpt = False,
    archive_dir: StoreOpt = None,
) -> None:
    """Audit config files, every device of an inventory, or an archive's latest collections.

    Inventory devices with a collection method (netmiko, ssh-linux) are collected first and
    stored, redacted, in the archive (--archive); a device that cannot be collected is
    reported as an error with the reason (exit 3). With --from-archive, --inventory only adds
    per-device settings (platform, inside networks and interfaces); a device of the
    inventory with no collection is an error.
    """
    reports, document = _audit(
        config_files,
        inventory_file,
        policies,
        platform,
        inside_network,
        inside_interface,
        outside_interface,
        workers,
        remediation,
        from_archive,
        limit,
        accept_new_host_keys,
        archive_dir,
    )
    if output_format is Format.table:
        _write_table(reports, output)
    elif output_format is Format.json:
        _write(json.dumps(document, indent=2) + "\n", output)
    else:
        _write(render_report(document, output_format.value), output)
    raise typer.Exit(exit_code(reports))


@app.command()
@_user_errors
def report(
    report_file: Annotated[Path, typer.Argument(help="A JSON report written by `audit --format json`.")],
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.html,
    output: OutputOpt = None,
) -> None:
    """Render a saved JSON report as html, md, csv, junit or sarif."""
    document = _load_report(report_file)
    if output_format is Format.table:
        raise UsageError("the table is printed by `auditor audit`; pick html, md, csv, junit, sarif or json")
    text = (
        json.dumps(document, indent=2) + "\n"
        if output_format is Format.json
        else render_report(document, output_format.value)
    )
    _write(text, output)


@app.command()
@_user_errors
def ticket(
    config_files: ConfigFiles = None,
    inventory_file: InventoryOpt = None,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Use a saved JSON report instead of auditing.")
    ] = None,
    policies: PolicyOpt = None,
    platform: PlatformOpt = "auto",
    inside_network: InsideNetOpt = None,
    inside_interface: InsideIfOpt = None,
    outside_interface: OutsideIfOpt = None,
    ticket_format: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    output: OutputOpt = None,
    workers: WorkersOpt = 0,
) -> None:
    """Write one change ticket per device that fails a check (Markdown or JSON)."""
    if ticket_format not in ("md", "json"):
        raise UsageError(f"ticket format {ticket_format!r}: use md or json")
    if report_file is not None:
        document = _load_report(report_file)
    else:
        _, document = _audit(
            config_files,
            inventory_file,
            policies,
            platform,
            inside_network,
            inside_interface,
            outside_interface,
            workers,
            True,
        )
    _write(render_tickets(document, ticket_format), output)


@app.command()
@_user_errors
def remediate(
    config_files: ConfigFiles = None,
    inventory_file: InventoryOpt = None,
    policies: PolicyOpt = None,
    platform: PlatformOpt = "auto",
    inside_network: InsideNetOpt = None,
    inside_interface: InsideIfOpt = None,
    outside_interface: OutsideIfOpt = None,
    output: OutputOpt = None,
) -> None:
    """Print the proven change (and its rollback) for every device that fails a check.

    Nothing is sent to any device: the change is for a person to review and apply.
    """
    reports, _ = _audit(
        config_files,
        inventory_file,
        policies,
        platform,
        inside_network,
        inside_interface,
        outside_interface,
        1,
        True,
    )
    parts = []
    for device in reports:
        fix = device.remediation
        if device.error:
            parts.append(f"! {device.name}: not audited: {device.error}\n")
        elif fix is None:
            parts.append(f"! {device.name}: compliant, nothing to change\n")
        else:
            state = "verified" if fix.verified else "NOT verified"
            parts.append(
                f"! {device.name} ({device.platform}): {state}: {fix.reason}\n"
                f"! --- change ---\n{fix.config}! --- rollback ---\n{fix.rollback}"
            )
    _write("\n".join(parts), output)
    raise typer.Exit(exit_code(reports))


def _audit(
    config_files: list[Path] | None,
    inventory_file: Path | None,
    policies: list[str] | None,
    platform: str,
    inside_network: list[str] | None,
    inside_interface: list[str] | None,
    outside_interface: list[str] | None,
    workers: int,
    remediation: bool,
    from_archive: Path | None = None,
    limit: list[str] | None = None,
    accept_new_host_keys: bool = False,
    archive_dir: Path | None = None,
) -> tuple[list[DeviceReport], dict[str, Any]]:
    """Audit the named files and inventory; return the device reports and the JSON document."""
    if from_archive is not None and config_files:
        raise UsageError("give config files or --from-archive DIR, not both")
    if not config_files and inventory_file is None and from_archive is None:
        raise UsageError("give config files or --inventory FILE (or --from-archive DIR)")
    started = datetime.now(UTC)
    packs = [policy.resolve(p) for p in policies or ["apple-facetime-imessage"]]
    cli_platform = platform_from_name(platform)
    cli_inside = check_networks(inside_network) if inside_network else None
    options = engine.AuditOptions(
        inside_networks=cli_inside or engine.RFC1918,
        inside_interfaces=tuple(inside_interface or ()),
        outside_interfaces=tuple(outside_interface or ()),
    )
    jobs = [_file_job(path, cli_platform, options, remediation) for path in config_files or []]
    if from_archive is not None:
        from auditor.archive import Archive  # the archive loads only when asked for

        if limit:
            raise UsageError("--limit selects devices to collect: it does not apply to --from-archive")
        devices = inventory.load(inventory_file) if inventory_file is not None else []
        jobs.extend(_archive_jobs(Archive(from_archive), devices, cli_platform, cli_inside, remediation))
    elif inventory_file is not None:
        devices = inventory.select(inventory.load(inventory_file), limit)
        store = archive_dir or inventory_file.parent / "archive"
        collected = _collect(devices, CollectOptions(accept_new_host_keys=accept_new_host_keys), store)
        jobs.extend(
            _device_job(d, cli_platform, cli_inside, remediation, collected.get(d.name)) for d in devices
        )
    elif limit:
        raise UsageError("--limit selects inventory devices: give --inventory FILE")
    gc.freeze()  # what is loaded so far lives for the whole run: keep collections off it
    reports = run_jobs(jobs, packs, workers)
    for device in reports:
        if device.error:
            typer.echo(f"auditor: {device.error}", err=True)  # the error names the file
    document = json.loads(json_report.render(reports, [p.id for p in packs], started))
    return reports, document


def _load_report(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not a JSON report ({exc.msg})") from None
    if not isinstance(document, dict) or document.get("schema_version") != json_report.SCHEMA_VERSION:
        raise InputError(f"{path}: not an auditor JSON report (schema_version 1)")
    return document


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _write_table(reports: list[DeviceReport], output: Path | None) -> None:
    if output is None:
        table.render(reports, Console())
        return
    with output.open("w", encoding="utf-8") as handle:
        table.render(reports, Console(file=handle, width=120, no_color=True))


def _file_job(path: Path, platform: Platform | None, options: engine.AuditOptions, remediation: bool) -> Job:
    """A config file named on the command line: unreadable or unplaceable text is bad usage."""
    text = read_config(path)
    if platform is None and parsers.detect(text) is None:
        raise UsageError(f"{path}: {undetected_message()}")
    return Job(path.stem, f"file:{path}", platform, options, text=text, remediation=remediation)


def _device_options(
    device: inventory.Device | None, cli_inside: tuple[str, ...] | None
) -> engine.AuditOptions:
    if device is None:
        return engine.AuditOptions(inside_networks=cli_inside or engine.RFC1918)
    return device_options(device, cli_inside)


def _collect(
    devices: list[inventory.Device], options: CollectOptions, archive_dir: Path
) -> dict[str, Collected]:
    """Collect the devices that are not files (progress on stderr) into the archive.

    Each collection is redacted before it touches disk; what is returned carries the
    redacted text, so no secret reaches a report either. A failed collection is recorded
    in the archive with its reason and returned without text.
    """
    remote = [d for d in devices if d.method != "file"]
    if not remote:
        return {}
    from auditor.archive import Archive  # the SSH stack and the archive load only when needed
    from auditor.collect.fleet import collect_fleet
    from auditor.collect.progress import RichProgress

    with RichProgress(len(remote)) as progress:
        results = collect_fleet(remote, options, progress)
    archive = Archive(archive_dir)
    stored: dict[str, Collected] = {}
    for result in results:
        entry = archive.store(
            result.device,
            result.platform,
            result.source,
            result.text,
            result.collected_at,
            error=result.error,
        )
        text = archive.read(entry) if result.text is not None else None
        stored[result.device] = dataclasses.replace(result, text=text)
    return stored


def _device_job(
    device: inventory.Device,
    cli_platform: Platform | None,
    cli_inside: tuple[str, ...] | None,
    remediation: bool,
    collected: Collected | None = None,
) -> Job:
    platform = cli_platform if cli_platform is not None else platform_from_name(device.platform)
    options = _device_options(device, cli_inside)
    if collected is not None:
        source = collected.source
        if collected.text is None:
            error = f"{device.name}: not collected: {collected.error}"
            return Job(device.name, source, platform, options, error=error, platform_name=device.platform)
        return Job(device.name, source, platform, options, text=collected.text, remediation=remediation)
    assert device.config_path is not None  # a file device (inventory.load guarantees it)
    source = f"file:{device.config_path}"
    try:
        text = read_config(device.config_path)
    except AuditorError as exc:
        return Job(device.name, source, platform, options, error=str(exc), platform_name=device.platform)
    return Job(device.name, source, platform, options, text=text, remediation=remediation)


def _archive_jobs(
    archive: Archive,
    devices: list[inventory.Device],
    cli_platform: Platform | None,
    cli_inside: tuple[str, ...] | None,
    remediation: bool,
) -> list[Job]:
    """One job per device of the archive (and of the inventory): its latest collection.

    The platform is the command line's, else the inventory's, else the one recorded at
    collection. A device whose last collection failed is an error naming the reason: its
    older config is not audited as if it were current.
    """
    from auditor.archive import FAILED

    archived = archive.devices()
    settings = {d.name: d for d in devices}
    names = archived + [name for name in settings if name not in archived]
    if not names:
        raise UsageError(f"{archive.root}: the archive holds no devices")
    jobs = []
    for name in names:
        device = settings.get(name)
        options = _device_options(device, cli_inside)
        if name not in archived:
            error = f"{name}: no collection in the archive {archive.root}"
            jobs.append(Job(name, f"archive:{archive.root}", cli_platform, options, error=error))
            continue
        last = archive.latest(name)
        source = f"archive:{archive.root}/{name}#{last.seq}@{last.collected_at}"
        if last.status == FAILED:
            jobs.append(
                Job(
                    name,
                    source,
                    None,
                    options,
                    error=_failed_message(archive, last),
                    platform_name=last.platform,
                )
            )
            continue
        wanted = device.platform if device is not None and device.platform else last.platform
        try:
            platform = cli_platform if cli_platform is not None else platform_from_name(wanted)
        except UsageError as exc:
            jobs.append(Job(name, source, None, options, error=f"{name}: {exc}", platform_name=wanted))
            continue
        try:
            text = archive.read(last)
        except AuditorError as exc:  # one damaged file: that device is an error, the rest audited
            jobs.append(Job(name, source, platform, options, error=str(exc), platform_name=wanted))
            continue
        jobs.append(Job(name, source, platform, options, text=text, remediation=remediation))
    return jobs


def _failed_message(archive: Archive, last: Entry) -> str:
    good = [e for e in archive.entries(last.device) if e.has_config]
    before = f"; last good collection #{good[-1].seq} at {good[-1].collected_at}" if good else ""
    return (
        f"{last.device}: last collection failed at {last.collected_at} ({last.source}): {last.error}{before}"
    )


@app.command()
@_user_errors
def history(
    device: Annotated[
        str | None, typer.Argument(help="A device's name (required with --archive alone).")
    ] = None,
    archive_dir: Annotated[Path | None, typer.Option("--archive", help="The config archive folder.")] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="The run history database (what 'auditor run' records).")
    ] = None,
    runs: Annotated[
        tuple[int, int] | None,
        typer.Option("--runs", help="With --db: what changed from run A to run B (default: the last two)."),
    ] = None,
    diff: Annotated[
        tuple[int, int] | None,
        typer.Option(
            "--diff", help="With --archive alone: diff collection A to B (default: the last two that differ)."
        ),
    ] = None,
    history_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    output: OutputOpt = None,
) -> None:
    """Show compliance over time, or a device's archived configs.

    With --db: the fleet's trend and what changed between the last two runs; with a DEVICE,
    its timeline; with --runs A B, what newly fails, got fixed and still fails from run A to
    B. Adding --archive shows the config change behind each verdict that flipped. With
    --archive alone: a DEVICE's collections and the diff between two of them.
    """
    if history_format not in ("text", "json"):
        raise UsageError(f"history format {history_format!r}: use text or json")
    if archive_dir is not None and not archive_dir.is_dir():
        raise InputError(f"{archive_dir}: no such archive folder")
    if db is not None:
        if diff is not None:
            raise UsageError("--diff compares archive collections: use --runs A B with --db")
        _history_db(db, device, runs, archive_dir, history_format, output)
        return
    if runs is not None:
        raise UsageError("--runs compares recorded runs: give the history database with --db FILE")
    if archive_dir is None:
        raise UsageError("give --db FILE (the run history) or DEVICE --archive DIR (its archived configs)")
    if device is None:
        raise UsageError("give the DEVICE whose archived configs to show with --archive DIR")
    _history_archive(device, archive_dir, diff, history_format, output)


def _history_db(
    db: Path,
    device: str | None,
    runs: tuple[int, int] | None,
    archive_dir: Path | None,
    history_format: str,
    output: Path | None,
) -> None:
    """The run history views: fleet trend (+ last diff), device timeline, or a run diff."""
    from dataclasses import asdict

    from auditor.history import History, views

    if not db.is_file():
        raise InputError(f"{db}: no such history database")
    with History.open(db) as store:
        if device is not None and runs is None:
            points = store.device_timeline(device)
            if history_format == "json":
                timeline = {"device": device, "timeline": [asdict(p) for p in points]}
                _write(json.dumps(timeline, indent=2) + "\n", output)
            else:
                _write(views.timeline_text(device, str(db), points), output)
            return
        pair = runs or _last_two_runs(store)
        change = _run_change(store, pair, device, archive_dir) if pair is not None else None
        trend = store.fleet_trend() if runs is None else []
    if runs is not None:
        assert change is not None
        _write(json.dumps(change[0], indent=2) + "\n" if history_format == "json" else change[1], output)
    elif history_format == "json":
        fleet = {"db": str(db), "trend": [asdict(r) for r in trend], "last_change": change and change[0]}
        _write(json.dumps(fleet, indent=2) + "\n", output)
    else:
        _write(views.trend_text(str(db), trend) + ("\n" + change[1] if change else ""), output)


def _last_two_runs(store: History) -> tuple[int, int] | None:
    last = store.last_run_id()
    previous = store.last_run_id(before=last) if last is not None else None
    return (previous, last) if previous is not None and last is not None else None


def _run_change(
    store: History, pair: tuple[int, int], device: str | None, archive_dir: Path | None
) -> tuple[dict[str, Any], str]:
    """Return what changed from run A to B (one device's part, given one) as data and as text."""
    from auditor.archive import Archive
    from auditor.history import flip_diffs, views

    diff = store.compare(*pair)
    flips = store.flip_causes(*pair)
    if device is not None:
        diff = diff.for_device(device)
        flips = [f for f in flips if f.device == device]
    info = {r.id: r for r in store.runs() if r.id in pair}
    diffs = flip_diffs(Archive(archive_dir), flips) if archive_dir is not None else None
    old, new = info[pair[0]], info[pair[1]]
    return views.diff_data(old, new, diff, flips, diffs), views.diff_text(old, new, diff, flips, diffs)


def _history_archive(
    device: str, archive_dir: Path, diff: tuple[int, int] | None, history_format: str, output: Path | None
) -> None:
    """List a device's archived collections and diff its config between two of them."""
    from dataclasses import asdict

    from auditor.archive import UNCHANGED, Archive

    archive = Archive(archive_dir)
    entries = archive.entries(device)
    versions = [e for e in entries if e.has_config and e.status != UNCHANGED]
    pair = (
        diff if diff is not None else ((versions[-2].seq, versions[-1].seq) if len(versions) >= 2 else None)
    )
    text = archive.diff(device, *pair) if pair is not None else ""
    if history_format == "json":
        document = {
            "device": device,
            "collections": [asdict(e) for e in entries],
            "diff": None if pair is None else {"from": pair[0], "to": pair[1], "text": text},
        }
        _write(json.dumps(document, indent=2) + "\n", output)
        return
    rows = [*_history_rows(device, archive_dir, entries), ""]
    if pair is None:
        rows.append("one version of the config archived: nothing to diff")
    else:
        a, b = pair
        rows.append(f"diff #{a} -> #{b}:" if text else f"no difference between #{a} and #{b}")
    _write("\n".join(rows) + "\n" + text, output)


def _history_rows(device: str, archive_dir: Path, entries: list[Entry]) -> list[str]:
    """One row per collection; a failed one with its reason, a redacted one with the kinds."""
    rows = [f"{device}: {len(entries)} collections in {archive_dir}", ""]
    rows.append(
        f"{'#':>4}  {'collected at':<25}  {'status':<9}  {'sha256':<12}  {'lines':>5}  "
        f"{'redacted':<8}  source"
    )
    for entry in entries:
        digest = entry.sha256[:12] if entry.sha256 else "-"
        redacted = f"{entry.redactions}" if entry.has_config else "-"
        lines = f"{entry.lines}" if entry.has_config else "-"
        rows.append(
            f"{entry.seq:>4}  {entry.collected_at:<25}  {entry.status:<9}  {digest:<12}  "
            f"{lines:>5}  {redacted:<8}  {entry.source}"
        )
        if entry.error is not None:
            rows.append(f"{'':>4}  reason: {entry.error}")
        elif entry.redacted_kinds:
            rows.append(f"{'':>4}  redacted: {', '.join(entry.redacted_kinds)}")
    return rows


@app.command()
@_user_errors
def collect(
    inventory_file: Annotated[Path, typer.Option("--inventory", "-i", help="Inventory YAML of devices.")],
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Devices collected at once.")] = 10,
    limit: LimitOpt = None,
    accept_new_host_keys: AcceptNewOpt = False,
    archive_dir: StoreOpt = None,
) -> None:
    """Collect the configs of an inventory's devices over SSH (read-only commands only).

    Each config is redacted and stored in the archive (new or unchanged); prints one line per
    device (collected, with its line count and source, or the reason it was not); exit 3
    when any device could not be collected.
    """
    devices = inventory.select(inventory.load(inventory_file), limit)
    remote = [d for d in devices if d.method != "file"]
    if not remote:
        raise UsageError(f"{inventory_file}: no device to collect (every selected device is a file)")
    store = archive_dir or inventory_file.parent / "archive"
    options = CollectOptions(workers=workers, accept_new_host_keys=accept_new_host_keys)
    results = _collect(remote, options, store).values()
    for result in results:
        if result.text is not None:
            lines = len(result.text.splitlines())
            typer.echo(f"{result.device}\tcollected\t{lines} lines\t{result.source}")
        else:
            typer.echo(f"{result.device}\terror\t{result.error}\t{result.source}")
    typer.echo(f"archive: {store}", err=True)
    raise typer.Exit(3 if any(r.text is None for r in results) else 0)


@app.command("run")
@_user_errors
def run_command(
    inventory_file: Annotated[Path, typer.Option("--inventory", "-i", help="Inventory YAML of devices.")],
    policies: PolicyOpt = None,
    platform: PlatformOpt = "auto",
    inside_network: InsideNetOpt = None,
    limit: LimitOpt = None,
    accept_new_host_keys: AcceptNewOpt = False,
    archive_dir: StoreOpt = None,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="History database (default: history.sqlite beside the inventory)."),
    ] = None,
    reports_dir: Annotated[
        Path | None,
        typer.Option("--reports", help="A folder per run goes here (default: 'runs' beside the inventory)."),
    ] = None,
    executor: Annotated[
        str, typer.Option("--executor", help="local (processes on this machine) or celery (workers).")
    ] = "local",
    broker: Annotated[
        str | None,
        typer.Option("--broker", help="Celery broker URL (default: $AUDITOR_BROKER_URL, else local redis)."),
    ] = None,
    workers: WorkersOpt = 0,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline", help="Collect nothing: audit each collected device's latest config in the archive."
        ),
    ] = False,
    cache: Annotated[
        bool,
        typer.Option(
            help="Reuse the result of a device whose config, settings, packs and auditor are unchanged."
        ),
    ] = True,
) -> None:
    """Run the whole fleet once: collect, audit, archive, record the history, write reports and tickets.

    Meant for cron or a systemd timer. Writes report.json/.html/.md (with the trend since the
    last run), tickets for the checks that newly fail, and changes.json (newly failing,
    fixed) into a new folder under --reports; prints where, and a one-line summary per change.
    Exit codes as for audit: 0 compliant, 1 a check not passing, 3 a device not audited.
    """
    from auditor.runner.run import RunRequest, run_fleet

    base = inventory_file.parent
    request = RunRequest(
        inventory=inventory_file,
        policies=tuple(p for p in policies or ["apple-facetime-imessage"]),
        archive=archive_dir or base / "archive",
        history=db or base / "history.sqlite",
        reports=reports_dir or base / "runs",
        platform=_platform_name(platform),
        inside_networks=check_networks(inside_network) if inside_network else None,
        limit=tuple(limit or ()),
        accept_new_host_keys=accept_new_host_keys,
        collect_here=executor == "local",
        offline=offline,
        cache=cache,
        inline_configs=executor != "local",  # workers elsewhere cannot read this machine's files
    )
    for spec in request.policies:
        policy.resolve(spec)  # a bad pack is the run's usage error, before any device is touched
    options = CollectOptions(accept_new_host_keys=accept_new_host_keys)
    bar = _AuditBar()
    try:
        outcome = run_fleet(request, _executor(executor, broker, workers), _run_collector(options), bar.tick)
    finally:
        bar.stop()
    for device, _, check in outcome.newly_failing:
        typer.echo(f"newly failing\t{device}\t{check or 'not audited'}")
    for device, _, check in outcome.fixed:
        typer.echo(f"fixed\t{device}\t{check or 'audited again'}")
    counts = Counter(d["status"] for d in outcome.document["devices"])
    summary = ", ".join(f"{counts[s]} {s}" for s in ("compliant", "noncompliant", "error") if counts[s])
    typer.echo(f"run {outcome.run_id}: {summary or 'no devices'}; reports in {outcome.folder}", err=True)
    raise typer.Exit(outcome.exit_code)


class _AuditBar:
    """A run's audits as a bar on stderr, started by the first result (collection has its own bar)."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("auditing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None

    def tick(self, done: int, total: int) -> None:
        if self._task is None:
            self._bar.start()
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done)
        if done >= total:
            self.stop()  # its refresh thread ends here: the reports that follow may fork

    def stop(self) -> None:
        self._bar.stop()


def _platform_name(name: str) -> str | None:
    """Check a --platform value; return it as the workers take it (None: auto)."""
    found = platform_from_name(name)
    return found.value if found is not None else None


def _executor(name: str, broker: str | None, workers: int) -> Executor:
    if name == "local":
        from auditor.runner.local import LocalExecutor

        return LocalExecutor(workers)
    if name == "celery":
        from auditor.runner.celery_executor import CeleryExecutor

        if broker is not None and urlsplit(broker).password:
            # A command line shows in process listings: DESIGN.md keeps credentials out of them.
            raise UsageError("--broker must not carry a password: put the URL in AUDITOR_BROKER_URL")
        return CeleryExecutor(broker)
    raise UsageError(f"unknown executor {name!r}: use local or celery")


def _run_collector(
    options: CollectOptions,
) -> Callable[[list[inventory.Device], Archive], dict[str, tuple[str | None, str, str | None]]]:
    """Collect a run's remote devices in this process (threads: the work is waiting on SSH)."""

    def collect_here(
        devices: list[inventory.Device], archive: Archive
    ) -> dict[str, tuple[str | None, str, str | None]]:
        found = _collect(devices, options, archive.root)
        return {name: (c.text, c.source, c.error) for name, c in found.items()}

    return collect_here


@policies_app.command("list")
@_user_errors
def policies_list() -> None:
    """List the built-in policy packs."""
    for pack_id, path in policy.builtin_packs().items():
        pack = policy.load(path)
        typer.echo(f"{pack_id}\t{len(pack.checks)} checks\t{pack.title}")


@policies_app.command("show")
@_user_errors
def policies_show(spec: Annotated[str, typer.Argument(help="Policy id or YAML file.")]) -> None:
    """Show a pack's checks with their rationale and source."""
    pack = policy.resolve(spec)
    typer.echo(f"{pack.id}: {pack.title}")
    typer.echo(f"destinations: {', '.join(pack.destinations)}")
    for check in pack.checks:
        detail = ""
        if isinstance(check, policy.FlowCheck):
            detail = f" ({check.protocol.upper()} {check.ports})"
        elif check.kind in ("feature", "port-mapping") and check.features:
            detail = f" (features: {', '.join(check.features)})"
        typer.echo(f"\n  {check.id}  [{check.kind}]{detail}\n    {check.title}")
        typer.echo(f"    why: {' '.join(check.rationale.split())}")
        if check.source:
            typer.echo(f"    source: {pack.sources[check.source].title} <{pack.sources[check.source].url}>")


@policies_app.command("validate")
@_user_errors
def policies_validate(files: Annotated[list[Path], typer.Argument(help="Pack files.")]) -> None:
    """Validate pack files; exit 2 on the first invalid one."""
    for path in files:
        pack = policy.load(path)
        typer.echo(f"{path}: ok ({pack.id}, {len(pack.checks)} checks)")


def main() -> None:
    """Entry point of the ``auditor`` console script."""
    app()
