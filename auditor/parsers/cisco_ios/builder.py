"""The mutable state the cisco_ios parser fills while it reads one file.

Part of the cisco_ios parser (parse stage). Handlers record model facts, diagnostics and
what became of every line here; ``parser.build_result`` turns it into the frozen model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Binding, Diagnostic, DiagnosticKind, Role, Route, Rule, Source
from auditor.parsers.cisco_ios.acl import AceError, AceSpec
from auditor.parsers.cisco_ios.firewall import Cbac
from auditor.parsers.cisco_ios.lines import ConfigLine, Disposition
from auditor.parsers.cisco_ios.nat import NatTables
from auditor.parsers.cisco_ios.objgroups import NetworkGroup, ServiceGroup
from auditor.parsers.cisco_ios.zbf import Zbf

# Words that make an unrecognized line security-relevant: it may touch filtering, NAT or ALGs.
SECURITY_WORDS = (
    "access-group",
    "access-list",
    "nat",
    "inspect",
    "zone",
    "policy",
    "upnp",
    "alg",
    "firewall",
    "object-group",
    "filter",
)


@dataclass(slots=True)
class AclEntry:
    """One entry of an ACL in file order, with its sequence number."""

    seq: int
    source: Source
    spec: AceSpec | None
    error: AceError | None
    rule: Rule | None = None  # the finished rule of an entry that needs no object group (spec None)


@dataclass(slots=True)
class AclDraft:
    """An ACL being read; entries are ordered by sequence number when built."""

    name: str
    standard: bool
    source: Source
    entries: list[AclEntry] = field(default_factory=list)
    last_seq: int = 0

    def next_seq(self, given: int | None) -> int:
        """Return the entry's sequence number: the given one, or the highest so far + 10."""
        seq = given if given is not None else self.last_seq + 10
        self.last_seq = max(self.last_seq, seq)
        return seq


@dataclass(slots=True)
class InterfaceDraft:
    """An interface being read."""

    name: str
    source: Source
    addresses: list[str] = field(default_factory=list)
    shutdown: bool = False
    role: Role = Role.UNKNOWN
    role_reason: str = ""


@dataclass(slots=True)
class Builder:
    """Everything read so far from one file."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    hostname: str | None = None
    version: str | None = None
    interfaces: dict[str, InterfaceDraft] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)
    acls: dict[str, AclDraft] = field(default_factory=dict)
    network_groups: dict[str, NetworkGroup] = field(default_factory=dict)
    service_groups: dict[str, ServiceGroup] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    nat: NatTables = field(default_factory=NatTables)
    cbac: Cbac = field(default_factory=Cbac)
    zbf: Zbf = field(default_factory=Zbf)

    def source(self, line: ConfigLine) -> Source:
        """Return the Source of a line (raw text without its line terminator)."""
        return Source(self.file, line.number, line.raw)

    def mark(self, line: ConfigLine, disposition: Disposition) -> None:
        """Record what became of a line (the first record wins)."""
        self.dispositions.setdefault(line.number, disposition)

    def diagnose(
        self, line: ConfigLine, kind: DiagnosticKind, reason: str, security_relevant: bool | None = None
    ) -> None:
        """Report a line; ``security_relevant`` defaults to a keyword test on the line."""
        if security_relevant is None:
            security_relevant = is_security_relevant(line)
        self.diagnostics.append(Diagnostic(self.source(line), kind, reason, security_relevant))
        self.dispositions[line.number] = Disposition.DIAGNOSED

    def unrecognized(self, line: ConfigLine, reason: str = "command not recognized") -> None:
        """Report a line the parser does not know."""
        self.diagnose(line, DiagnosticKind.UNRECOGNIZED, reason)

    def cover(self, lines: list[ConfigLine], disposition: Disposition) -> None:
        """Give every line of a block's body the same disposition."""
        for line in lines:
            self.mark(line, disposition)


def is_security_relevant(line: ConfigLine) -> bool:
    """Tell whether a line mentions filtering, NAT, inspection, zones, policies or UPnP."""
    return any(word in token for token in line.words for word in SECURITY_WORDS)
