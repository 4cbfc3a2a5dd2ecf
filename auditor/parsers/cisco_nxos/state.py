"""The mutable state the cisco_nxos parser fills while it reads one file.

Part of the cisco_nxos parser (parse stage). It extends the cisco_ios ``Builder`` (line
dispositions, diagnostics, ACL and interface drafts, address groups) with what NX-OS adds:
port groups, VRF membership, port ACLs and the NAT lines read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import Interval
from auditor.model import Limitation, PortMapping, Source
from auditor.parsers.cisco_ios.builder import Builder


@dataclass(slots=True)
class PortGroup:
    """One ``object-group ip port``: port intervals (no protocol of their own)."""

    name: str
    source: Source
    intervals: list[Interval] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


@dataclass(slots=True)
class NxBuilder(Builder):
    """Everything read so far from one NX-OS file."""

    port_groups: dict[str, PortGroup] = field(default_factory=dict)
    vrf_members: dict[str, tuple[str, Source]] = field(default_factory=dict)  # interface -> (vrf, line)
    limitations: list[Limitation] = field(default_factory=list)
    port_mappings: list[PortMapping] = field(default_factory=list)
    dynamic_nat: list[Source] = field(default_factory=list)
    nat_roles: list[Source] = field(default_factory=list)


__all__ = ["NxBuilder", "PortGroup"]
