"""Collected configs go to the archive redacted, and only redacted text reaches a report.

A FakeNOS IOS device on loopback serves a branch config with secrets planted in it.
``auditor collect`` and ``auditor audit --inventory`` collect it over real SSH; the archive
beside the inventory must hold it once (the second collection is recorded as unchanged),
with every secret gone from the archive and from every output, and the verdicts must be the
ones the unredacted config gets from a file.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from auditor.cli import app
from tests.fakedevices import (
    PASSWORD,
    SAMPLES,
    USER,
    fakenos_fleet,
    fakenos_host_key,
    free_port,
    known_hosts_line,
)

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

JSON = ("--format", "json", "--no-remediation")
PLANTED = ("Pl4ntedEnableHash", "Pl4ntedCommunity", "Pl4ntedUserPw")
SECRETS = (
    "enable secret 5 $1$mERr$Pl4ntedEnableHash\n"
    "snmp-server community Pl4ntedCommunity RO\n"
    "username netops privilege 15 password 0 Pl4ntedUserPw\n"
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    logging.getLogger("fakenos").setLevel(logging.CRITICAL)
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    tmp = tmp_path_factory.mktemp("archived")
    text = SAMPLES["cisco_ios"].read_text().replace("\nend\n", "\n" + SECRETS + "end\n")
    assert all(secret in text for secret in PLANTED)
    (tmp / "same.cfg").write_text(text)
    port = free_port()
    (tmp / "known_hosts").write_text(known_hosts_line(port, fakenos_host_key()))
    os.environ["AUDITOR_ARCHIVE_TEST_PW"] = PASSWORD
    inventory = {
        "defaults": {"inside_networks": ["10.0.0.0/8"], "platform": "cisco_ios"},
        "hosts": {
            "br-live": {
                "method": "netmiko",
                "host": "127.0.0.1",
                "port": port,
                "username": USER,
                "password": "env:AUDITOR_ARCHIVE_TEST_PW",
                "known_hosts": str(tmp / "known_hosts"),
            },
        },
    }
    path = tmp / "fleet.yaml"
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    runner = CliRunner()
    with fakenos_fleet({"br-live": ("cisco_ios", port)}, configs={"br-live": text}):
        collect = runner.invoke(app, ["collect", "--inventory", str(path)])
        audit = runner.invoke(app, ["audit", "--inventory", str(path), *JSON])
    from_file = runner.invoke(app, ["audit", str(tmp / "same.cfg"), "--inside-network", "10.0.0.0/8", *JSON])
    return {"tmp": tmp, "collect": collect, "audit": audit, "file": from_file}


def test_collections_land_in_the_archive_beside_the_inventory_once(runs: dict[str, Any]) -> None:
    assert runs["collect"].exit_code == 0, runs["collect"].output
    index = json.loads((runs["tmp"] / "archive" / "br-live" / "index.json").read_text())
    statuses = [entry["status"] for entry in index["collections"]]
    assert statuses == ["changed", "unchanged"]  # collect, then audit --inventory: stored once
    assert len(list((runs["tmp"] / "archive" / "br-live" / "configs").iterdir())) == 1


def test_no_planted_secret_in_the_archive_or_any_output(runs: dict[str, Any]) -> None:
    texts = [p.read_text() for p in (runs["tmp"] / "archive").rglob("*") if p.is_file()]
    texts += [runs[k].stdout + runs[k].stderr for k in ("collect", "audit")]
    for secret in (*PLANTED, PASSWORD):
        assert not any(secret in text for text in texts), secret


def test_verdicts_equal_the_unredacted_file(runs: dict[str, Any]) -> None:
    assert runs["audit"].exit_code == 1
    (live,) = json.loads(runs["audit"].stdout)["devices"]
    (file,) = json.loads(runs["file"].stdout)["devices"]
    assert live["source"].startswith("netmiko:cisco_ios@127.0.0.1:")
    assert [(f["check"], f["status"], f["summary"]) for f in live["findings"]] == [
        (f["check"], f["status"], f["summary"]) for f in file["findings"]
    ]
    assert live["parse"]["lines"] == file["parse"]["lines"]


def test_archive_default_is_beside_the_inventory(runs: dict[str, Any]) -> None:
    assert f"archive: {Path(runs['tmp']) / 'archive'}" in runs["collect"].stderr
