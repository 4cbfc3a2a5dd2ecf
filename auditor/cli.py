"""The command line: a thin typer layer over the pipeline, the packs and the reports.

Maps outcomes to DESIGN.md's exit codes: 0 all compliant, 1 a check not passing, 2 bad
usage or unreadable input (one line on stderr, no traceback), 3 a device not audited.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

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
LimitOpt = Annotated[
    list[str] | None, typer.Option("--limit", help="Only this inventory device or group (repeatable).")
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
    limit: LimitOpt = None,
    accept_new_host_keys: AcceptNewOpt = False,
) -> None:
    """Audit config files, or every device of an inventory, against policy packs.

    Inventory devices with a collection method (netmiko, ssh-linux) are collected first, in
    memory; a device that cannot be collected is reported as an error with the reason (exit 3).
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
        limit,
        accept_new_host_keys,
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
    limit: list[str] | None = None,
    accept_new_host_keys: bool = False,
) -> tuple[list[DeviceReport], dict[str, Any]]:
    """Audit the named files and inventory; return the device reports and the JSON document."""
    if not config_files and inventory_file is None:
        raise UsageError("give config files or --inventory FILE")
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
    if inventory_file is not None:
        devices = inventory.select(inventory.load(inventory_file), limit)
        collected = _collect(devices, CollectOptions(accept_new_host_keys=accept_new_host_keys))
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


def _collect(devices: list[inventory.Device], options: CollectOptions) -> dict[str, Collected]:
    """Collect the devices that are not files (progress on stderr); nothing touches disk."""
    remote = [d for d in devices if d.method != "file"]
    if not remote:
        return {}
    from auditor.collect.fleet import collect_fleet  # the SSH stack loads only when a device needs it
    from auditor.collect.progress import RichProgress

    with RichProgress(len(remote)) as progress:
        return {c.device: c for c in collect_fleet(remote, options, progress)}


def _device_job(
    device: inventory.Device,
    cli_platform: Platform | None,
    cli_inside: tuple[str, ...] | None,
    remediation: bool,
    collected: Collected | None = None,
) -> Job:
    platform = cli_platform if cli_platform is not None else platform_from_name(device.platform)
    options = engine.AuditOptions(
        inside_networks=cli_inside or check_networks(device.inside_networks or engine.RFC1918),
        inside_interfaces=device.inside_interfaces,
        outside_interfaces=device.outside_interfaces,
    )
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


@app.command()
@_user_errors
def collect(
    inventory_file: Annotated[Path, typer.Option("--inventory", "-i", help="Inventory YAML of devices.")],
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Devices collected at once.")] = 10,
    limit: LimitOpt = None,
    accept_new_host_keys: AcceptNewOpt = False,
) -> None:
    """Collect the configs of an inventory's devices over SSH (read-only commands only).

    Prints one line per device (collected, with its line count and source, or the reason it
    was not); exit 3 when any device could not be collected. Configs stay in memory.
    """
    devices = inventory.select(inventory.load(inventory_file), limit)
    remote = [d for d in devices if d.method != "file"]
    if not remote:
        raise UsageError(f"{inventory_file}: no device to collect (every selected device is a file)")
    options = CollectOptions(workers=workers, accept_new_host_keys=accept_new_host_keys)
    from auditor.collect.fleet import collect_fleet
    from auditor.collect.progress import RichProgress

    with RichProgress(len(remote)) as progress:
        results = collect_fleet(remote, options, progress)
    for result in results:
        if result.text is not None:
            lines = len(result.text.splitlines())
            typer.echo(f"{result.device}\tcollected\t{lines} lines\t{result.source}")
        else:
            typer.echo(f"{result.device}\terror\t{result.error}\t{result.source}")
    raise typer.Exit(3 if any(r.text is None for r in results) else 0)


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
