"""Collection from real devices: netmiko or napalm for network OSes, SSH for Linux, all read-only.

``collect_fleet(devices, options, progress)`` returns one ``Collected`` per device that is
not a file. Nothing is written to disk here: the configs stay in memory for the caller.

Names load on first use, so reading an inventory or auditing files never imports the SSH
stack (nornir, netmiko, paramiko); napalm loads only when a napalm device is collected.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.collect.fleet import Progress, collect_fleet
    from auditor.collect.result import Collected, CollectOptions

__all__ = ["CollectOptions", "Collected", "Progress", "collect_fleet"]

_HOME = {
    "CollectOptions": "auditor.collect.result",
    "Collected": "auditor.collect.result",
    "Progress": "auditor.collect.fleet",
    "collect_fleet": "auditor.collect.fleet",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
