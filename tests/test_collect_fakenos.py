"""Collection through the real SSH stack: netmiko against FakeNOS devices on loopback.

FakeNOS (PyPI) serves our own sample configs, one emulated network OS per platform, over
real SSH on 127.0.0.1. The server records every line it receives: each session must have
sent only the platform's read-only allow-list (plus empty lines), and the config must come
back whole. FakeNOS cannot serve PAN-OS: netmiko logs in to PAN-OS with keyboard-interactive
authentication, which FakeNOS's SSH server does not offer; PAN-OS runs against our own
paramiko SSH server (``scripted_server``) that does.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.collect import Collected, CollectOptions, collect_fleet
from auditor.collect.commands import allowed
from auditor.inventory import Device

pytestmark = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnhandledThreadExceptionWarning"
)  # FakeNOS threads

from tests.fakedevices import (  # noqa: E402
    PASSWORD,
    SAMPLES,
    USER,
    base_prompt,
    fakenos_fleet,
    fakenos_host_key,
    free_port,
    known_hosts_line,
    scripted_server,
)

PLATFORMS = [
    "cisco_ios",
    "cisco_asa",
    "arista_eos",
    "cisco_nxos",
    "juniper_junos",
    "fortinet",
    "mikrotik_routeros",
]
COMMAND = {
    "cisco_ios": "show running-config",
    "cisco_asa": "show running-config",
    "arista_eos": "show running-config",
    "cisco_nxos": "show running-config",
    "juniper_junos": "show configuration | display set",
    "fortinet": "show full-configuration",
    "mikrotik_routeros": "/export",
}


@pytest.fixture(autouse=True)
def _quiet_fakenos() -> Iterator[None]:
    logging.getLogger("fakenos").setLevel(logging.CRITICAL)
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
        "method": "netmiko",
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


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, Collected], dict[str, list[str]]]]:
    os.environ["AUDITOR_TEST_PASSWORD"] = PASSWORD
    hosts = {f"dev-{p.replace('_', '-')}": (p, free_port()) for p in PLATFORMS}
    known = tmp_path_factory.mktemp("kh") / "known_hosts"
    known.write_text("".join(known_hosts_line(port, fakenos_host_key()) for _, port in hosts.values()))
    # The ASA gets an enable secret (its prompt is already privileged, so enable is not sent).
    devices = [
        device(
            name,
            platform,
            port,
            known,
            **({"secret": "env:AUDITOR_TEST_PASSWORD"} if platform == "cisco_asa" else {}),
        )
        for name, (platform, port) in hosts.items()
    ]
    with fakenos_fleet(hosts) as recorder:
        results = collect_fleet(devices, CollectOptions(workers=4))
    received = {
        r.platform or "": recorder.lines.get(base_prompt(str(r.platform), r.device), []) for r in results
    }
    yield {str(r.platform): r for r in results}, received


@pytest.mark.parametrize("platform", PLATFORMS)
def test_config_is_collected_whole(
    platform: str, fleet: tuple[dict[str, Collected], dict[str, list[str]]]
) -> None:
    result = fleet[0][platform]
    assert result.error is None
    assert result.text is not None
    # Every line, in order; blank lines aside (netmiko's RouterOS driver sometimes turns a
    # carriage return split across reads into one, and no platform here gives them meaning).
    expected = [line.rstrip() for line in SAMPLES[platform].read_text().splitlines() if line.strip()]
    assert [line.rstrip() for line in result.text.splitlines() if line.strip()] == expected
    port = result.source.split(":")[2].split(" ")[0]
    assert result.source == f"netmiko:{platform}@127.0.0.1:{port} '{COMMAND[platform]}'"
    assert (
        result.collected_at.utcoffset() is not None and result.collected_at.utcoffset().total_seconds() == 0
    )


@pytest.mark.parametrize("platform", PLATFORMS)
def test_session_sent_only_the_read_only_allow_list(
    platform: str, fleet: tuple[dict[str, Collected], dict[str, list[str]]]
) -> None:
    result, received = fleet[0][platform], fleet[1][platform]
    sent = [line for line in received if line]
    assert COMMAND[platform] in sent  # the server really saw the session
    assert set(sent) <= allowed(platform), set(sent) - allowed(platform)
    assert sent[: len(result.sent)] == list(result.sent)  # the guard's record is what went out


def test_a_driver_that_would_reconfigure_the_device_is_stopped_by_the_guard(tmp_path: Path) -> None:
    # A FortiGate whose console pages: netmiko would switch it with `config system console`.
    os.environ["AUDITOR_TEST_PASSWORD"] = PASSWORD
    port = free_port()
    known = tmp_path / "known_hosts"
    known.write_text(known_hosts_line(port, fakenos_host_key()))
    answers = {"fgt-paging": {"get system console": "mode                : line\noutput              : more"}}
    with fakenos_fleet({"fgt-paging": ("fortinet", port)}, answers=answers) as recorder:
        [result] = collect_fleet([device("fgt-paging", "fortinet", port, known)], CollectOptions())
    assert result.text is None
    assert result.error is not None and "refused to send 'config system console'" in result.error
    received = recorder.lines["fgt-paging"]
    assert "config system console" not in received and "set output standard" not in received
    assert "show full-configuration" not in received  # the session stopped there


def test_unknown_host_key_is_refused_unless_accepted_then_recorded(tmp_path: Path) -> None:
    os.environ["AUDITOR_TEST_PASSWORD"] = PASSWORD
    port = free_port()
    known = tmp_path / "ssh" / "known_hosts"  # does not exist yet
    dev = device("r-new", "cisco_ios", port, known)
    with fakenos_fleet({"r-new": ("cisco_ios", port)}) as recorder:
        [refused] = collect_fleet([dev], CollectOptions())
        assert refused.text is None
        assert (
            refused.error is not None
            and "unknown" in refused.error
            and "--accept-new-host-keys" in refused.error
        )
        assert "r-new" not in recorder.lines  # no shell was opened
        assert not known.exists()
        [accepted] = collect_fleet([dev], CollectOptions(accept_new_host_keys=True))
        assert accepted.error is None and accepted.text
        assert known.read_text() == known_hosts_line(port, fakenos_host_key())
        [again] = collect_fleet([dev], CollectOptions())  # recorded: now trusted without the option
        assert again.error is None


def test_changed_host_key_is_refused_even_with_accept_new(tmp_path: Path) -> None:
    import paramiko

    os.environ["AUDITOR_TEST_PASSWORD"] = PASSWORD
    port = free_port()
    known = tmp_path / "known_hosts"
    other = paramiko.RSAKey.generate(2048)
    known.write_text(known_hosts_line(port, other))
    with fakenos_fleet({"r-changed": ("cisco_ios", port)}) as recorder:
        [result] = collect_fleet(
            [device("r-changed", "cisco_ios", port, known)], CollectOptions(accept_new_host_keys=True)
        )
    assert result.text is None
    assert result.error is not None and "host key CHANGED" in result.error
    assert "(after" not in result.error  # not retried
    assert known.read_text() == known_hosts_line(port, other)  # the file is left alone
    assert "r-changed" not in recorder.lines


def test_panos_switches_this_session_to_set_format_then_shows_the_running_config(tmp_path: Path) -> None:
    import paramiko

    os.environ["AUDITOR_TEST_PASSWORD"] = PASSWORD
    key = paramiko.RSAKey.generate(2048)
    config = SAMPLES["paloalto_panos"].read_text()
    answers = {
        "set cli scripting-mode on": "",
        "set cli terminal width 500": "",
        "set cli pager off": "",
        "show system info": "hostname: edge-pa-01\noperational-mode: normal\nsw-version: 10.2.4",
        "set cli config-output-format set": "",
        "show config running": config,
    }
    prompt = "auditor@edge-pa-01> "
    with scripted_server(key, prompt, answers, interactive=True, echo_prompt=True) as (port, recorder):
        known = tmp_path / "known_hosts"
        known.write_text(known_hosts_line(port, key))
        [result] = collect_fleet([device("edge-pa-01", "paloalto_panos", port, known)], CollectOptions())
    assert result.error is None and result.text is not None
    assert result.text.strip().splitlines() == config.strip().splitlines()
    assert result.source == (
        f"netmiko:paloalto_panos@127.0.0.1:{port} 'set cli config-output-format set' + 'show config running'"
    )
    sent = [line for line in recorder.lines[prompt] if line]
    assert set(sent) <= allowed("paloalto_panos")
    assert sent.index("set cli config-output-format set") < sent.index("show config running")
