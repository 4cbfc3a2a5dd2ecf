"""A fleet with faults, through the CLI as a user runs it: the healthy device is still audited.

One FakeNOS IOS router serves a real config; one refuses our password; one accepts TCP and
never speaks; one presents a host key other than the one known_hosts holds; one (a real
paramiko SSH server) drops the session half-way through ``show running-config``. Each failure
gets its reason, no partial config is ever audited, ``audit --inventory`` exits 3, and the
password appears nowhere in what the user sees.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import paramiko
import pytest
import yaml
from typer.testing import CliRunner

from auditor.cli import app
from tests.fakedevices import (
    PASSWORD,
    SAMPLES,
    USER,
    closing_server,
    fakenos_fleet,
    fakenos_host_key,
    free_port,
    known_hosts_line,
    silent_server,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning"
)  # FakeNOS threads


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    logging.getLogger("fakenos").setLevel(logging.CRITICAL)
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    tmp = tmp_path_factory.mktemp("fleet")
    ports = {name: free_port() for name in ("good", "badauth", "changed")}
    closing_key = paramiko.RSAKey.generate(2048)
    known = tmp / "known_hosts"
    os.environ["AUDITOR_FLEET_PASSWORD"] = PASSWORD
    os.environ["AUDITOR_FLEET_WRONG"] = "not-" + PASSWORD
    hosts = {name: ("cisco_ios", port) for name, port in ports.items()}
    with (
        fakenos_fleet(hosts),
        silent_server() as silent,
        closing_server(closing_key, SAMPLES["cisco_ios"].read_text()) as (closing, closing_rec),
    ):
        lines = [
            known_hosts_line(ports["good"], fakenos_host_key()),
            known_hosts_line(ports["badauth"], fakenos_host_key()),
        ]
        lines.append(known_hosts_line(ports["changed"], paramiko.RSAKey.generate(2048)))
        lines.append(known_hosts_line(closing, closing_key))
        lines.append(known_hosts_line(silent, closing_key))
        known.write_text("".join(lines))
        inventory = {
            "defaults": {
                "method": "netmiko",
                "platform": "cisco_ios",
                "username": USER,
                "password": "env:AUDITOR_FLEET_PASSWORD",
                "known_hosts": str(known),
                "timeout": 3,
                "retries": 1,
            },
            "groups": {"branches": {"inside_networks": ["10.0.0.0/8"], "tags": ["branch"]}},
            "hosts": {
                "good": {"host": "127.0.0.1", "port": ports["good"], "groups": ["branches"]},
                "badauth": {
                    "host": "127.0.0.1",
                    "port": ports["badauth"],
                    "password": "env:AUDITOR_FLEET_WRONG",
                },
                "silent": {"host": "127.0.0.1", "port": silent},
                "changed": {"host": "127.0.0.1", "port": ports["changed"]},
                "closing": {"host": "127.0.0.1", "port": closing},
                "file-rtr": {"method": "file", "config": str(SAMPLES["cisco_ios"]), "groups": ["branches"]},
            },
        }
        path = tmp / "fleet.yaml"
        path.write_text(yaml.safe_dump(inventory, sort_keys=False))
        result = CliRunner().invoke(app, ["audit", "--inventory", str(path), "--format", "json"])
        collect = CliRunner().invoke(
            app, ["collect", "--inventory", str(path), "--limit", "good", "--limit", "closing"]
        )
        yield {
            "audit": result,
            "collect": collect,
            "closing_received": list(closing_rec.lines.get("edge-rtr-09#", [])),
        }


def devices(fleet: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in json.loads(fleet["audit"].stdout)["devices"]}


def test_audit_exits_3_and_still_audits_the_healthy_devices(fleet: dict[str, Any]) -> None:
    assert fleet["audit"].exit_code == 3
    by_name = devices(fleet)
    assert set(by_name) == {"good", "badauth", "silent", "changed", "closing", "file-rtr"}
    good = by_name["good"]
    assert good["status"] == "noncompliant"  # br-rtr-02's config, collected over SSH and audited
    assert (
        good["source"].startswith("netmiko:cisco_ios@127.0.0.1:")
        and "'show running-config'" in good["source"]
    )
    assert good["findings"] and good["parse"]["lines"] == len(SAMPLES["cisco_ios"].read_text().splitlines())
    file_rtr = by_name["file-rtr"]
    assert file_rtr["status"] == "noncompliant" and file_rtr["source"].startswith("file:")
    assert good["findings"] == file_rtr["findings"]  # the same config gives the same verdicts


def error_of(fleet: dict[str, Any], name: str) -> str:
    device = devices(fleet)[name]
    assert device["status"] == "error"
    assert device["findings"] == []
    return str(device["error"] if "error" in device else json.dumps(device))


@pytest.mark.parametrize(
    ("name", "reason", "retried"),
    [
        ("badauth", "authentication failed for user 'auditor'", False),
        ("silent", "no SSH answer from 127.0.0.1", True),
        ("changed", "host key CHANGED", False),
        ("closing", "during 'show running-config'; output discarded", True),
    ],
)
def test_each_failure_has_its_reason(fleet: dict[str, Any], name: str, reason: str, retried: bool) -> None:
    text = fleet["audit"].stdout + fleet["audit"].stderr
    line = next(line for line in text.splitlines() if f"{name}: not collected:" in line)
    assert reason in line
    assert ("(after 2 tries)" in line) is retried


def test_no_partial_config_is_audited(fleet: dict[str, Any]) -> None:
    closing = devices(fleet)["closing"]
    assert closing["status"] == "error" and closing["parse"]["lines"] == 0
    assert "show running-config" in fleet["closing_received"]  # the server did send half a config


def test_the_password_appears_nowhere(fleet: dict[str, Any]) -> None:
    for result in (fleet["audit"], fleet["collect"]):
        assert PASSWORD not in result.stdout and PASSWORD not in result.stderr


def test_collect_command_reports_each_device_and_exits_3(fleet: dict[str, Any]) -> None:
    collect = fleet["collect"]
    assert collect.exit_code == 3
    rows = [line.split("\t") for line in collect.stdout.splitlines()]
    assert [row[0] for row in rows] == ["good", "closing"]  # --limit by name, inventory order
    assert rows[0][1:3] == ["collected", f"{len(SAMPLES['cisco_ios'].read_text().splitlines())} lines"]
    assert rows[1][1] == "error" and "output discarded" in rows[1][2]
    assert "collected good" in collect.stderr and "failed closing" in collect.stderr  # per-device progress
