"""The mutable state the arista_eos parser fills while it reads one file.

Part of the arista_eos parser (parse stage). The IOS builder (diagnostics, line
dispositions, ACL drafts, bindings, routes) is reused; EOS adds per-interface switching and
VRF state, static NAT lines and the limitations found while reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Limitation, PortMapping, Source
from auditor.parsers.cisco_ios.builder import AclDraft, AclEntry, Builder

__all__ = ["AclDraft", "AclEntry", "EosBuilder", "EosInterface"]


@dataclass(slots=True)
class EosInterface:
    """What EOS adds to an interface: whether it switches, its VRF and bound ACLs."""

    switched: bool
    vrf: str = "default"
    vrf_source: Source | None = None
    acl_lines: list[Source] = field(default_factory=list)
    dynamic_nat: list[Source] = field(default_factory=list)


@dataclass(slots=True)
class EosBuilder(Builder):
    """Everything read so far from one file."""

    eos: dict[str, EosInterface] = field(default_factory=dict)
    mappings: list[PortMapping] = field(default_factory=list)
    limitations: list[Limitation] = field(default_factory=list)
