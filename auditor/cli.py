"""The command line: a thin typer layer over the pipeline, the packs and the reports.

Maps outcomes to DESIGN.md's exit codes: 0 all compliant, 1 a check not passing, 2 bad
usage or unreadable input (one line on stderr, no traceback), 3 a device not audited.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from auditor import engine, inventory, parsers, policy
from auditor.errors import AuditorError, UsageError
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
    """Report formats; those beyond table and json arrive with the reports work."""

    table = "table"
    json = "json"
    html = "html"
    md = "md"
    csv = "csv"
    junit = "junit"
    sarif = "sarif"


_READY_FORMATS = {Format.table, Format.json}


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


@app.command()
@_user_errors
def audit(
    config_files: Annotated[list[Path] | None, typer.Argument(help="Config files to audit.")] = None,
    inventory_file: Annotated[
        Path | None, typer.Option("--inventory", "-i", help="Inventory YAML of devices.")
    ] = None,
    policies: Annotated[
        list[str] | None, typer.Option("--policy", "-p", help="Policy id or YAML file (repeatable).")
    ] = None,
    platform: Annotated[str, typer.Option(help="Platform (netmiko device_type) or auto.")] = "auto",
    inside_network: Annotated[
        list[str] | None, typer.Option(help="Inside network CIDR (repeatable; default RFC 1918).")
    ] = None,
    inside_interface: Annotated[
        list[str] | None, typer.Option(help="Interface facing the inside (repeatable).")
    ] = None,
    outside_interface: Annotated[
        list[str] | None, typer.Option(help="Interface facing the outside (repeatable).")
    ] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=0, help="Processes for large runs (0: one per core).")
    ] = 0,
) -> None:
    """Audit config files, or every device of an inventory, against policy packs."""
    if output_format not in _READY_FORMATS:
        raise UsageError(f"format {output_format.value} is not available yet (use table or json)")
    if not config_files and inventory_file is None:
        raise UsageError("give config files or --inventory FILE")
    started = datetime.now(UTC)
    packs = [policy.resolve(p) for p in policies or ["apple-facetime-imessage"]]
    cli_platform = platform_from_name(platform)
    cli_inside = check_networks(inside_network) if inside_network else None
    reports: list[DeviceReport] = []
    options = engine.AuditOptions(
        inside_networks=cli_inside or engine.RFC1918,
        inside_interfaces=tuple(inside_interface or ()),
        outside_interfaces=tuple(outside_interface or ()),
    )
    jobs = [_file_job(path, cli_platform, options) for path in config_files or []]
    if inventory_file is not None:
        jobs.extend(_device_job(d, cli_platform, cli_inside) for d in inventory.load(inventory_file))
    gc.freeze()  # what is loaded so far lives for the whole run: keep collections off it
    reports = run_jobs(jobs, packs, workers)
    for report in reports:
        if report.error:
            typer.echo(f"auditor: {report.error}", err=True)  # the error names the file
    _emit(reports, [p.id for p in packs], started, output_format, output)
    raise typer.Exit(exit_code(reports))


def _file_job(path: Path, platform: Platform | None, options: engine.AuditOptions) -> Job:
    """A config file named on the command line: unreadable or unplaceable text is bad usage."""
    text = read_config(path)
    if platform is None and parsers.detect(text) is None:
        raise UsageError(f"{path}: {undetected_message()}")
    return Job(path.stem, f"file:{path}", platform, options, text=text)


def _device_job(
    device: inventory.Device, cli_platform: Platform | None, cli_inside: tuple[str, ...] | None
) -> Job:
    source = f"file:{device.config_path}"
    platform = cli_platform if cli_platform is not None else platform_from_name(device.platform)
    options = engine.AuditOptions(
        inside_networks=cli_inside or check_networks(device.inside_networks or engine.RFC1918),
        inside_interfaces=device.inside_interfaces,
        outside_interfaces=device.outside_interfaces,
    )
    try:
        text = read_config(device.config_path)
    except AuditorError as exc:
        return Job(device.name, source, platform, options, error=str(exc), platform_name=device.platform)
    return Job(device.name, source, platform, options, text=text)


def _emit(
    reports: list[DeviceReport],
    policy_ids: list[str],
    started: datetime,
    output_format: Format,
    output: Path | None,
) -> None:
    if output_format is Format.json:
        document = json_report.render(reports, policy_ids, started)
        if output is None:
            sys.stdout.write(document)
        else:
            output.write_text(document, encoding="utf-8")
        return
    if output is None:
        table.render(reports, Console())
        return
    with output.open("w", encoding="utf-8") as handle:
        table.render(reports, Console(file=handle, width=120, no_color=True))


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
