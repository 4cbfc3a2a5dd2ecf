"""The inventory: which devices to audit, where their configs come from, and their surroundings.

A YAML file validated with pydantic at the trust boundary. This first form knows devices
whose configuration is a file (``config:``, relative to the inventory); collection over
SSH and APIs extends it. Settings merge defaults <- groups (in order) <- host.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from auditor.errors import InventoryError


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Settings(_Strict):
    """What can be set for all devices, a group, or one host."""

    platform: str | None = None
    inside_networks: tuple[str, ...] | None = None
    inside_interfaces: tuple[str, ...] | None = None
    outside_interfaces: tuple[str, ...] | None = None


class HostEntry(Settings):
    """One device."""

    config: str
    groups: tuple[str, ...] = ()


class InventoryFile(_Strict):
    """The whole file."""

    defaults: Settings = Settings()
    groups: dict[str, Settings] = {}
    hosts: dict[str, HostEntry]


class Device(_Strict):
    """A device with its settings merged and its config path resolved."""

    name: str
    config_path: Path
    platform: str | None
    inside_networks: tuple[str, ...] | None
    inside_interfaces: tuple[str, ...]
    outside_interfaces: tuple[str, ...]
    groups: tuple[str, ...]


def load(path: Path) -> list[Device]:
    """Load an inventory file and return its devices in file order.

    Raises:
        InventoryError: unreadable file, bad YAML, unknown group, or a schema violation.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
        raise InventoryError(f"{path}: {where}: {error['msg']}") from exc
    devices = []
    for name, host in inventory.hosts.items():
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
        devices.append(
            Device(
                name=name,
                config_path=(path.parent / host.config).resolve(),
                platform=merged.get("platform"),  # type: ignore[arg-type]
                inside_networks=merged.get("inside_networks"),  # type: ignore[arg-type]
                inside_interfaces=merged.get("inside_interfaces", ()),  # type: ignore[arg-type]
                outside_interfaces=merged.get("outside_interfaces", ()),  # type: ignore[arg-type]
                groups=host.groups,
            )
        )
    return devices
