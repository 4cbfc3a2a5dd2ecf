"""What a collection returns per device, and the failures that are not worth retrying."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from auditor.errors import CollectError


@dataclass(frozen=True, slots=True)
class Collected:
    """One device's configuration as collected, or why it could not be.

    Exactly one of ``text`` and ``error`` is set: a config is only ever returned whole.
    ``sent`` is every line the session wrote to the device, secrets masked.
    """

    device: str
    platform: str | None
    method: str
    source: str  # e.g. "netmiko:cisco_ios@127.0.0.1:2201 'show running-config'"
    collected_at: datetime  # UTC
    text: str | None
    error: str | None
    sent: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the whole configuration was collected."""
        return self.text is not None


@dataclass(frozen=True, slots=True)
class CollectOptions:
    """How a fleet is collected (per-device timeout and retries come from the inventory)."""

    workers: int = 10
    accept_new_host_keys: bool = False
    backoff: float = 1.0  # seconds before the first retry; doubles each time


class Permanent(CollectError):
    """A failure that a retry cannot fix (auth, host key, a refused command, the guard)."""


class Incomplete(CollectError):
    """Output that is not a whole configuration (cut short, refused, empty)."""
