"""The inventory: which devices to audit, where their configs come from, and their surroundings.

A YAML file validated with pydantic at the trust boundary. A device's configuration is
either a file (``config:``, relative to the inventory; the ``file`` method) or collected
over SSH (``method: netmiko``, ``napalm`` or ``ssh-linux`` with ``host:``). Settings merge
defaults <- groups (in order) <- host. Secrets are never written in the file: ``password``
and ``secret`` are references (``env:VAR``, ``prompt``, ``keyring:service/user``) that
``auditor.collect.credentials`` resolves at run time.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.collect.commands import COMMANDS, NAPALM_DRIVERS, NAPALM_REFUSED
from auditor.errors import InventoryError

Method = Literal["file", "netmiko", "napalm", "ssh-linux"]
LinuxRuleset = Literal["iptables", "nft"]

# A reference to a secret, never the secret: env:VAR, prompt, or keyring:service/user.
_SECRET_REF = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|prompt|keyring:[^/\s]+/\S+)$")
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_ref(value: str | None) -> str | None:
    if value is not None and not _SECRET_REF.match(value):
        # Never echo the value: it may be a password someone pasted in.
        raise ValueError("must be a reference (env:VAR, prompt or keyring:service/user), not the secret")
    return value


class Settings(_Strict):
    """What can be set for all devices, a group, or one host."""

    platform: str | None = None
    inside_networks: tuple[str, ...] | None = None
    inside_interfaces: tuple[str, ...] | None = None
    outside_interfaces: tuple[str, ...] | None = None
    method: Method | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    username: str | None = None
    password: str | None = None  # a reference: env:VAR | prompt | keyring:service/user
    secret: str | None = None  # enable secret, a reference like password
    key_file: str | None = None  # SSH private key (key authentication)
    known_hosts: str | None = None  # default ~/.ssh/known_hosts
    sudo: bool | None = None  # ssh-linux: run the ruleset dump with `sudo -n`
    linux_ruleset: LinuxRuleset | None = None  # ssh-linux: which dump to collect (default iptables)
    export_verbose: bool | None = None  # mikrotik_routeros: `/export verbose`
    timeout: float | None = Field(default=None, gt=0)  # seconds per connection and command
    retries: int | None = Field(default=None, ge=0, le=10)  # extra tries after a transient failure
    tags: tuple[str, ...] | None = None

    _refs = field_validator("password", "secret")(_check_ref)


class HostEntry(Settings):
    """One device."""

    config: str | None = None
    host: str | None = None  # address or DNS name to collect from
    groups: tuple[str, ...] = ()


class InventoryFile(_Strict):
    """The whole file."""

    defaults: Settings = Settings()
    groups: dict[str, Settings] = {}
    hosts: dict[str, HostEntry]


class Device(_Strict):
    """A device with its settings merged and its config path resolved."""

    name: str
    config_path: Path | None  # the file method's config; None when collected
    platform: str | None
    inside_networks: tuple[str, ...] | None
    inside_interfaces: tuple[str, ...]
    outside_interfaces: tuple[str, ...]
    groups: tuple[str, ...]
    method: Method = "file"
    host: str | None = None
    port: int = 22
    username: str | None = None
    password: str | None = None
    secret: str | None = None
    key_file: Path | None = None
    known_hosts: Path = Path(DEFAULT_KNOWN_HOSTS).expanduser()
    sudo: bool = False
    linux_ruleset: LinuxRuleset = "iptables"
    export_verbose: bool = False
    timeout: float = 30.0
    retries: int = 2
    tags: tuple[str, ...] = ()


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path) -> list[Device]:
    """Load an inventory file and return its devices in file order.

    Raises:
        InventoryError: unreadable file, bad YAML, unknown group, or a schema violation.
    """
    try:
        # libyaml reads a fleet-sized inventory ten times faster than the pure-Python reader.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read inventory ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InventoryError(f"{path}{line}: not valid YAML") from exc
    try:
        inventory = InventoryFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise InventoryError(f"{path}: {where}: {error['msg']}") from None  # no input echoed
    return [_device(path, name, host, inventory) for name, host in inventory.hosts.items()]


def select(devices: list[Device], limits: list[str] | None) -> list[Device]:
    """Keep the devices named, or in a group named, by any ``--limit`` value (all when none).

    Raises:
        InventoryError: a limit matches no device name nor group.
    """
    if not limits:
        return devices
    for limit in limits:
        if not any(limit == d.name or limit in d.groups for d in devices):
            raise InventoryError(f"--limit {limit}: no device or group of that name in the inventory")
    return [d for d in devices if d.name in limits or set(d.groups) & set(limits)]


def _check_napalm(path: Path, name: str, platform: object) -> None:
    known = ", ".join(NAPALM_DRIVERS)
    if platform in NAPALM_DRIVERS:
        return
    why = f": {NAPALM_REFUSED[platform]}" if isinstance(platform, str) and platform in NAPALM_REFUSED else ""
    raise InventoryError(
        f"{path}: host {name}: method napalm needs platform: one of {known} (got {platform!r}){why}"
    )


def _device(path: Path, name: str, host: HostEntry, inventory: InventoryFile) -> Device:
    layers: list[Settings] = [inventory.defaults]
    for group in host.groups:
        if group not in inventory.groups:
            raise InventoryError(f"{path}: host {name}: unknown group {group!r}")
        layers.append(inventory.groups[group])
    layers.append(host)
    merged: dict[str, object] = {}
    for layer in layers:
        merged.update(
            {k: v for k, v in layer.model_dump().items() if k in Settings.model_fields and v is not None}
        )
    method = merged.pop("method", None) or ("file" if host.config is not None else None)
    if method is None:
        raise InventoryError(
            f"{path}: host {name}: give config: (a file) or method: netmiko|napalm|ssh-linux"
        )
    if method == "file" and host.config is None:
        raise InventoryError(f"{path}: host {name}: method file needs config: (a path)")
    if method != "file":
        if host.host is None:
            raise InventoryError(f"{path}: host {name}: method {method} needs host: (an address)")
        if method == "netmiko" and merged.get("platform") not in COMMANDS:
            known = ", ".join(COMMANDS)
            raise InventoryError(
                f"{path}: host {name}: method netmiko needs platform: one of {known} "
                f"(got {merged.get('platform')!r})"
            )
        if method == "napalm":
            _check_napalm(path, name, merged.get("platform"))
        if method == "ssh-linux":
            merged["platform"] = merged.get("platform") or "linux"
    for key in ("key_file", "known_hosts"):
        if isinstance(merged.get(key), str):
            merged[key] = (path.parent / Path(str(merged[key])).expanduser()).resolve()
    return Device.model_validate(
        {
            **merged,
            "name": name,
            "config_path": (path.parent / host.config).resolve() if host.config is not None else None,
            "platform": merged.get("platform"),
            "inside_networks": merged.get("inside_networks"),
            "inside_interfaces": merged.get("inside_interfaces", ()),
            "outside_interfaces": merged.get("outside_interfaces", ()),
            "groups": host.groups,
            "method": method,
            "host": host.host,
        }
    )
