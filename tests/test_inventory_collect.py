"""The inventory's collection schema: methods, secret references only, validation a user meets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from auditor import inventory
from auditor.cli import app
from auditor.collect.check import iptables_save, nft_ruleset, whole_config
from auditor.collect.credentials import Resolver
from auditor.collect.result import Incomplete, Permanent
from auditor.errors import CollectError, InventoryError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "inv.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_bundled_example_loads_its_file_hosts_and_its_commented_collection_example() -> None:
    devices = inventory.load(ROOT / "inventory" / "example.yaml")
    assert [d.name for d in devices] == ["br-rtr-01", "br-rtr-02", "br-rtr-03", "lab-rtr-01"]
    assert {d.method for d in devices} == {"file"}


def test_groups_and_defaults_merge_into_collection_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "defaults": {"username": "netops", "password": "env:NET_PW", "timeout": 20},
            "groups": {
                "firewalls": {
                    "method": "netmiko",
                    "platform": "cisco_asa",
                    "secret": "keyring:auditor/enable",
                },
                "linux": {"method": "ssh-linux", "sudo": True, "linux_ruleset": "nft", "port": 2200},
            },
            "hosts": {
                "asa-1": {"host": "192.0.2.10", "groups": ["firewalls"], "tags": ["dc1"]},
                "gw-1": {"host": "gw-1.example.net", "groups": ["linux"], "known_hosts": "kh"},
            },
        },
    )
    asa, gw = inventory.load(path)
    assert (asa.method, asa.platform, asa.port, asa.password, asa.secret) == (
        "netmiko",
        "cisco_asa",
        22,
        "env:NET_PW",
        "keyring:auditor/enable",
    )
    assert asa.tags == ("dc1",) and asa.timeout == 20 and asa.username == "netops"
    assert (gw.method, gw.platform, gw.port, gw.sudo, gw.linux_ruleset) == (
        "ssh-linux",
        "linux",
        2200,
        True,
        "nft",
    )
    assert gw.known_hosts == (tmp_path / "kh").resolve()
    assert asa.known_hosts == Path("~/.ssh/known_hosts").expanduser()


@pytest.mark.parametrize(
    ("host", "message"),
    [
        (
            {"method": "netmiko", "platform": "cisco_ios", "host": "r1", "password": "hunter2"},
            "must be a reference",
        ),
        ({"method": "netmiko", "platform": "cisco_ios"}, "needs host:"),
        ({"method": "netmiko", "host": "r1"}, "needs platform:"),
        ({"method": "netmiko", "host": "r1", "platform": "vyos"}, "(got 'vyos')"),
        ({"method": "file"}, "needs config:"),
        ({"host": "r1"}, "give config: (a file) or method:"),
        ({"method": "napalm", "host": "r1"}, "method napalm needs platform: one of cisco_ios"),
        ({"method": "telnet", "host": "r1"}, "method"),
        ({"method": "ssh-linux", "host": "r1", "port": 70000}, "port"),
    ],
)
def test_bad_hosts_are_one_line_errors_that_never_echo_a_secret(
    tmp_path: Path, host: dict[str, object], message: str
) -> None:
    path = write(tmp_path, {"hosts": {"r1": host}})
    with pytest.raises(InventoryError) as error:
        inventory.load(path)
    assert message in str(error.value)
    assert "hunter2" not in str(error.value)
    result = CliRunner().invoke(app, ["collect", "--inventory", str(path)])
    assert result.exit_code == 2 and "hunter2" not in result.stderr


def test_limit_selects_by_name_or_group_and_rejects_unknown_names() -> None:
    devices = inventory.load(ROOT / "inventory" / "example.yaml")
    assert [d.name for d in inventory.select(devices, ["branches"])] == [
        "br-rtr-01",
        "br-rtr-02",
        "br-rtr-03",
    ]
    assert [d.name for d in inventory.select(devices, ["lab-rtr-01", "br-rtr-02"])] == [
        "br-rtr-02",
        "lab-rtr-01",
    ]
    with pytest.raises(InventoryError, match="--limit nowhere"):
        inventory.select(devices, ["nowhere"])
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "--inventory",
            str(ROOT / "inventory" / "example.yaml"),
            "--limit",
            "lab-rtr-01",
            "-f",
            "json",
        ],
    )
    assert '"lab-rtr-01"' in result.stdout and '"br-rtr-01"' not in result.stdout


def test_collect_with_only_file_hosts_is_bad_usage() -> None:
    result = CliRunner().invoke(app, ["collect", "--inventory", str(ROOT / "inventory" / "example.yaml")])
    assert result.exit_code == 2 and "no device to collect" in result.stderr


def test_secret_references_resolve_from_env_prompt_once_and_fail_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUD_PW", "from-env")
    monkeypatch.delenv("AUD_MISSING", raising=False)
    asked: list[str] = []
    resolver = Resolver(ask=lambda prompt: asked.append(prompt) or "typed")
    assert resolver.resolve("env:AUD_PW", "password for r1") == "from-env"
    assert resolver.resolve("prompt", "password for r1") == "typed"
    assert resolver.resolve("prompt", "password for r1") == "typed"
    assert asked == ["password for r1: "]  # asked once
    with pytest.raises(CollectError, match="AUD_MISSING is not set"):
        resolver.resolve("env:AUD_MISSING", "password for r2")
    assert sorted(resolver.secrets()) == ["from-env", "typed"]


def test_cut_short_or_refused_output_is_never_a_whole_config() -> None:
    whole_config("cisco_ios", "show running-config", "hostname r1\n!\nend\n")
    with pytest.raises(Incomplete, match="ends without 'end'"):
        whole_config("cisco_ios", "show running-config", "hostname r1\n!\ninterface Gi0/0\n")
    with pytest.raises(Incomplete, match="no output"):
        whole_config("juniper_junos", "show configuration | display set", "\n\n")
    with pytest.raises(Permanent, match="device refused"):
        whole_config(
            "cisco_ios", "show running-config", "               ^\n% Invalid input detected at '^' marker.\n"
        )
    iptables_save("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n# Completed on Tue\n")
    with pytest.raises(Incomplete, match="table filter has no COMMIT"):
        iptables_save("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n")
    with pytest.raises(Incomplete, match="table nat has no COMMIT"):
        iptables_save("*nat\n:PREROUTING ACCEPT [0:0]\n*filter\nCOMMIT\n")
    nft_ruleset('table inet fw {\n\tchain c {\n\t\tcomment "a { brace"\n\t}\n}\n')
    with pytest.raises(Incomplete, match="unbalanced"):
        nft_ruleset("table inet fw {\n\tchain c {\n\t\ttype filter hook forward priority 0;\n")


def test_keyring_references_read_the_configured_keyring_backend() -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class Vault(KeyringBackend):  # a real keyring backend, as a site would plug its own in
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return {("auditor", "edge-asa-01"): "enable-from-vault"}.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    before = keyring.get_keyring()
    keyring.set_keyring(Vault())
    try:
        resolver = Resolver()
        assert resolver.resolve("keyring:auditor/edge-asa-01", "secret for r1") == "enable-from-vault"
        with pytest.raises(CollectError, match="no keyring entry for service 'auditor' user 'nobody'"):
            resolver.resolve("keyring:auditor/nobody", "secret for x")
    finally:
        keyring.set_keyring(before)


def test_a_prompt_left_at_the_end_of_the_output_is_not_config() -> None:
    from auditor.collect.netmiko_driver import without_trailing_prompt

    base = "[auditor@edge-mt-01]"
    assert without_trailing_prompt("/ip address\nadd address=10.0.0.1/24\n[auditor@edge-mt-01] >", base) == (
        "/ip address\nadd address=10.0.0.1/24\n"
    )
    assert without_trailing_prompt("hostname r1\n!\nend\nr1#\n", "r1") == "hostname r1\n!\nend\n"
    assert without_trailing_prompt("hostname r1\nr1\n", "r1") == "hostname r1\nr1\n"  # no terminator: kept
