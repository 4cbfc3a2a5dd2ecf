"""A fleet whose configs change between runs, recorded into a real history database.

Each run stores the demo inventory's configs (some edited, some collections failing) in a
real archive, audits the archive with the CLI (``audit --from-archive --format json``) and
records the document with the archive's config hashes, as ``auditor run`` does.

The four runs:

1. the demo configs as shipped;
2. br-rtr-03 lets TCP 5223 out for new connections (tcp-5223 fixed), br-rtr-01 turns its
   NAT ALGs back on (sip-alg and dynamic-media-ports newly failing), lab-rtr-01 cannot be
   collected (a device error);
3. br-rtr-02 (failing three checks) cannot be collected, lab-rtr-01 is back unchanged;
4. br-rtr-02 is back, unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from auditor.archive import Archive
from auditor.cli import app
from auditor.history import History

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "inventory" / "example.yaml"
CONFIGS = ROOT / "inventory" / "configs"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ORIGINAL = {path.stem: path.read_text() for path in sorted(CONFIGS.glob("*.cfg"))}
PUSH_ESTABLISHED = " 30 permit tcp any 17.0.0.0 0.255.255.255 eq 5223 established\n"
PUSH_NEW = " 30 permit tcp any 17.0.0.0 0.255.255.255 eq 5223\n"
ALGS_OFF = "no ip nat service all-algs\n"


@dataclass
class Fleet:
    """The archive, the history database, and each run's id and JSON document."""

    archive: Archive
    db: Path
    run_ids: list[int]
    documents: list[dict[str, Any]]


def audit_archive(archive: Archive) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        app,
        ["audit", "--from-archive", str(archive.root), "--inventory", str(INVENTORY),
         "--format", "json", "--no-remediation"],
    )
    assert result.exit_code in (1, 3), result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, document


def collect(archive: Archive, when: datetime, configs: dict[str, str], failing: tuple[str, ...] = ()) -> None:
    for name, text in configs.items():
        if name in failing:
            archive.store(name, "cisco_ios", f"ssh:{name}", None, when, error="connection timed out")
        else:
            archive.store(name, "cisco_ios", f"ssh:{name}", text, when)


def run_configs() -> list[tuple[dict[str, str], tuple[str, ...]]]:
    second = dict(ORIGINAL)
    assert PUSH_ESTABLISHED in second["br-rtr-03"] and ALGS_OFF in second["br-rtr-01"]
    second["br-rtr-03"] = second["br-rtr-03"].replace(PUSH_ESTABLISHED, PUSH_NEW)
    second["br-rtr-01"] = second["br-rtr-01"].replace(ALGS_OFF, "")
    return [(ORIGINAL, ()), (second, ("lab-rtr-01",)), (second, ("br-rtr-02",)), (second, ())]


def build(folder: Path) -> Fleet:
    archive = Archive(folder / "archive")
    db = folder / "state" / "history.db"
    fleet = Fleet(archive, db, [], [])
    with History.open(db) as history:
        for n, (configs, failing) in enumerate(run_configs()):
            when = T0 + timedelta(days=n)
            collect(archive, when, configs, failing)
            code, document = audit_archive(archive)
            hashes = {name: archive.latest(name).sha256 for name in configs}
            run_id = history.record_run(
                document, finished_at=when + timedelta(minutes=5), executor="local",
                inventory=str(INVENTORY), config_hashes=hashes, exit_code=code,
            )
            fleet.run_ids.append(run_id)
            fleet.documents.append(document)
    return fleet
