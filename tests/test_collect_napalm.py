"""`method: napalm`: napalm's get_config through the real SSH stack, against FakeNOS on loopback.

napalm's ios and nxos_ssh drivers run netmiko underneath; the FakeNOS server records every
line it receives, so the tests prove the session (login preparation included) sent only the
read-only allow-list, and that the config napalm returns is the one served. arista_eos and
juniper_junos are refused by the inventory (eAPI over HTTPS, NETCONF): see test_inventory_napalm.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from auditor import inventory
from auditor.collect import CollectOptions, collect_fleet
from auditor.collect.commands import allowed
from auditor.errors import InventoryError
from auditor.inventory import Device

pytestmark = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning"
)  # FakeNOS threads

from tests.fakedevices import (  # noqa: E402
    PASSWORD,
    SAMPLES,
    USER,
    base_prompt,
    closing_server,
    fakenos_fleet,
    fakenos_host_key,
    free_port,
    known_hosts_line,
    silent_server,
)

ROOT = Path(__file__).resolve().parent.parent
# Lines napalm's get_config drops from the output (its own filters: timestamps and banners
# that are not configuration). Our NX-OS sample starts with two of them.
NAPALM_FILTERED = re.compile(
    r"^(Building configuration.*|Current configuration :.*|!Command: show .*|!Time:.*\d{4}\s*)$"
)


@pytest.fixture(autouse=True)
def _quiet_fakenos() -> Iterator[None]:
    logging.getLogger("fakenos").setLevel(logging.CRITICAL)
    os.environ["AUDITOR_TEST_PASSWORD"] = PASSWORD
    yield


def device(name: str, platform: str, port: int, known_hosts: Path, **extra: object) -> Device:
    fields: dict[str, object] = {
        "name": name,
        "config_path": None,
        "platform": platform,
        "inside_networks": None,
        "inside_interfaces": (),
        "outside_interfaces": (),
        "groups": (),
        "method": "napalm",
        "host": "127.0.0.1",
        "port": port,
        "username": USER,
        "password": "env:AUDITOR_TEST_PASSWORD",
        "known_hosts": known_hosts,
        "timeout": 8.0,
        "retries": 0,
    }
    fields.update(extra)
    return Device.model_validate(fields)


def served_lines(platform: str, text: str | None = None) -> list[str]:
    text = SAMPLES[platform].read_text() if text is None else text
    return [line.rstrip() for line in text.splitlines() if line.strip() and not NAPALM_FILTERED.match(line)]


@pytest.mark.parametrize(("platform", "driver"), [("cisco_ios", "ios"), ("cisco_nxos", "nxos_ssh")])
def test_napalm_collects_the_served_config_and_sends_only_the_allow_list(
    tmp_path: Path, platform: str, driver: str
) -> None:
    name = f"napalm-{platform.replace('_', '-')}"
    port = free_port()
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line(port, fakenos_host_key()))
    with fakenos_fleet({name: (platform, port)}) as recorder:
        [result] = collect_fleet([device(name, platform, port, known)], CollectOptions())
    assert result.error is None, result.error
    assert result.text is not None
    assert [line.rstrip() for line in result.text.splitlines() if line.strip()] == served_lines(platform)
    assert result.source == f"napalm:{platform}@127.0.0.1:{port} {driver} get_config(retrieve='running')"
    assert result.method == "napalm"
    received = [line for line in recorder.lines[base_prompt(platform, name)] if line]
    assert "show running-config" in received
    assert set(received) <= allowed(platform), set(received) - allowed(platform)
    # The guard was on before login: it saw netmiko's session preparation, and its record
    # is exactly what the server received.
    assert result.sent[:2] == ("terminal width 511", "terminal length 0")
    assert received[: len(result.sent)] == list(result.sent)


def test_wrong_password_fails_with_the_reason_and_is_not_retried(tmp_path: Path) -> None:
    port = free_port()
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line(port, fakenos_host_key()))
    os.environ["AUDITOR_TEST_WRONG"] = "not-the-Password-42"
    dev = device("r-wrong", "cisco_ios", port, known, password="env:AUDITOR_TEST_WRONG", retries=2)
    with fakenos_fleet({"r-wrong": ("cisco_ios", port)}) as recorder:
        [result] = collect_fleet([dev], CollectOptions(backoff=0.01))
    assert result.text is None
    assert result.error == f"authentication failed for user {USER!r} at 127.0.0.1:{port}"
    assert "not-the-Password-42" not in result.error
    assert "r-wrong" not in recorder.lines  # no shell was opened


def test_unknown_host_key_is_refused_before_login(tmp_path: Path) -> None:
    port = free_port()
    known = tmp_path / "known_hosts"  # does not exist: no key is known
    with fakenos_fleet({"r-unknown": ("cisco_ios", port)}) as recorder:
        [result] = collect_fleet([device("r-unknown", "cisco_ios", port, known)], CollectOptions())
    assert result.text is None
    assert result.error is not None and "host key of" in result.error and "unknown" in result.error
    assert "r-unknown" not in recorder.lines
    assert not known.exists()


def test_a_config_cut_short_is_discarded_and_retried(tmp_path: Path) -> None:
    port = free_port()
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line(port, fakenos_host_key()))
    whole = SAMPLES["cisco_ios"].read_text()
    cut = "\n".join(whole.splitlines()[:12]) + "\n"  # no closing `end`
    with fakenos_fleet({"r-cut": ("cisco_ios", port)}, configs={"r-cut": cut}) as recorder:
        dev = device("r-cut", "cisco_ios", port, known, retries=1)
        [result] = collect_fleet([dev], CollectOptions(backoff=0.01))
    assert result.text is None
    assert result.error == (
        "'show running-config' output ends without 'end': cut short, discarded (after 2 tries)"
    )
    assert recorder.lines["r-cut"].count("show running-config") == 2


def test_a_silent_device_and_a_dropped_session_are_transient_and_retried(tmp_path: Path) -> None:
    import paramiko

    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    key = paramiko.RSAKey.generate(2048)
    known = tmp_path / "known_hosts"
    with silent_server() as silent, closing_server(key, SAMPLES["cisco_ios"].read_text()) as (closing, rec):
        known.write_text(known_hosts_line(silent, key) + known_hosts_line(closing, key))
        devices = [
            device("r-silent", "cisco_ios", silent, known, timeout=1.0, retries=1),
            device("r-closing", "cisco_ios", closing, known, timeout=2.0, retries=1),
        ]
        hung, dropped = collect_fleet(devices, CollectOptions(backoff=0.01))
    assert hung.text is None and dropped.text is None
    assert hung.error == f"no SSH answer from 127.0.0.1:{silent} within 1s (timeout) (after 2 tries)"
    assert dropped.error is not None
    assert dropped.error.startswith(f"session to 127.0.0.1:{closing} closed")
    assert "during 'show running-config'; output discarded" in dropped.error
    assert dropped.error.endswith("(after 2 tries)")
    assert rec.lines["edge-rtr-09#"].count("show running-config") == 2


def write(tmp_path: Path, hosts: dict[str, object]) -> Path:
    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump({"hosts": hosts}, sort_keys=False))
    return path


def test_inventory_napalm_accepts_the_supported_platforms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "ios": {"method": "napalm", "platform": "cisco_ios", "host": "192.0.2.1"},
            "xe": {"method": "napalm", "platform": "cisco_xe", "host": "192.0.2.2"},
            "nx": {"method": "napalm", "platform": "cisco_nxos", "host": "192.0.2.3"},
        },
    )
    assert [(d.method, d.platform) for d in inventory.load(path)] == [
        ("napalm", "cisco_ios"),
        ("napalm", "cisco_xe"),
        ("napalm", "cisco_nxos"),
    ]


@pytest.mark.parametrize(
    ("platform", "why"),
    [
        ("arista_eos", "eAPI over HTTPS"),
        ("juniper_junos", "host-key checking off"),
        ("fortinet", None),
        (None, None),
    ],
)
def test_inventory_napalm_refuses_other_platforms_naming_the_supported_ones(
    tmp_path: Path, platform: str | None, why: str | None
) -> None:
    host: dict[str, object] = {"method": "napalm", "host": "192.0.2.1"}
    if platform is not None:
        host["platform"] = platform
    with pytest.raises(InventoryError) as error:
        inventory.load(write(tmp_path, {"r1": host}))
    message = str(error.value)
    assert "method napalm needs platform: one of cisco_ios, cisco_xe, cisco_nxos" in message
    assert f"(got {platform!r})" in message
    if why is not None:
        assert why in message and "use method: netmiko" in message


def test_napalm_is_not_imported_unless_a_napalm_device_is_collected() -> None:
    code = (
        "import sys; import auditor.cli, auditor.collect.fleet, auditor.inventory; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('napalm', 'nornir_napalm')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_audit_inventory_with_a_napalm_device_gives_the_verdicts_of_the_file(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from auditor.cli import app

    port = free_port()
    (tmp_path / "known_hosts").write_text(known_hosts_line(port, fakenos_host_key()))
    hosts = {
        "br-napalm": {
            "method": "napalm",
            "platform": "cisco_ios",
            "host": "127.0.0.1",
            "port": port,
            "username": USER,
            "password": "env:AUDITOR_TEST_PASSWORD",
            "known_hosts": str(tmp_path / "known_hosts"),
            "inside_networks": ["10.0.0.0/8"],
        }
    }
    path = write(tmp_path, hosts)
    flags = ["--format", "json", "--no-remediation"]
    runner = CliRunner()
    with fakenos_fleet({"br-napalm": ("cisco_ios", port)}):
        live_run = runner.invoke(app, ["audit", "--inventory", str(path), *flags])
    file_run = runner.invoke(
        app, ["audit", str(SAMPLES["cisco_ios"]), "--inside-network", "10.0.0.0/8", *flags]
    )
    assert live_run.exit_code == file_run.exit_code == 1, live_run.output
    (live,) = json.loads(live_run.stdout)["devices"]
    (file,) = json.loads(file_run.stdout)["devices"]
    assert live["source"] == f"napalm:cisco_ios@127.0.0.1:{port} ios get_config(retrieve='running')"
    assert [(f["check"], f["status"]) for f in live["findings"]] == [
        (f["check"], f["status"]) for f in file["findings"]
    ]
    assert live["parse"]["lines"] == file["parse"]["lines"]
    assert PASSWORD not in live_run.stdout + live_run.stderr
