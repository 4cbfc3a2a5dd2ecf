"""The mutable state the cisco_asa parser fills while it reads one file.

Part of the cisco_asa parser (parse stage). Handlers record what they read here; the
``parser`` module resolves references (ACL entries, NAT objects) once the whole file is
read and freezes the result into the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import Diagnostic, DiagnosticKind, Route, Source
from auditor.parsers.cisco_asa.lines import ConfigLine, Disposition
from auditor.parsers.cisco_asa.objects import Tables

# Words that make an unrecognized line security-relevant: it may touch filtering, NAT or ALGs.
SECURITY_WORDS = (
    "access-group",
    "access-list",
    "nat",
    "static",
    "global",
    "inspect",
    "policy",
    "object",
    "security",
    "same-security",
    "filter",
    "upnp",
)


@dataclass(slots=True)
class InterfaceDraft:
    """An ``interface`` block being read; ``nameif`` is its name everywhere else."""

    hardware: str
    source: Source
    nameif: str | None = None
    level: int | None = None
    level_source: Source | None = None
    addresses: list[str] = field(default_factory=list)
    shutdown: bool = False
    management_only: bool = False


# One entry line of an access list: line number, raw text, the words from permit|deny on,
# and whether the list is a standard one.
AclEntry = tuple[int, str, tuple[str, ...], bool]


@dataclass(slots=True)
class AclDraft:
    """An access list: its entry lines in order (remarks, as None, count for ``line N``)."""

    name: str
    source: Source
    entries: list[AclEntry | None] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AccessGroup:
    """``access-group ACL in|out interface NAMEIF`` or ``access-group ACL global``."""

    acl: str
    direction: str  # in, out or global
    interface: str | None
    source: Source


@dataclass(frozen=True, slots=True)
class NatLine:
    """A NAT line kept for resolution after the whole file is read."""

    form: str  # object, twice, static (pre-8.3), nat (pre-8.3), global (pre-8.3)
    line: ConfigLine
    obj: str | None = None  # the enclosing `object network` of object NAT


@dataclass(frozen=True, slots=True)
class InspectLine:
    """``inspect X`` or ``no inspect X`` under a class of a policy map."""

    engine: str
    enabled: bool
    class_name: str
    source: Source


@dataclass(frozen=True, slots=True)
class ServicePolicy:
    """``service-policy P global`` or ``service-policy P interface NAMEIF``."""

    policy: str
    scope: str
    source: Source


@dataclass(slots=True)
class Builder:
    """Everything read so far from one file."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    hostname: str | None = None
    version: str | None = None
    interfaces: list[InterfaceDraft] = field(default_factory=list)
    tables: Tables = field(default_factory=Tables)
    acls: dict[str, AclDraft] = field(default_factory=dict)
    access_groups: list[AccessGroup] = field(default_factory=list)
    same_security_inter: Source | None = None
    routes: list[Route] = field(default_factory=list)
    nat_lines: list[NatLine] = field(default_factory=list)
    policy_maps: dict[str, list[InspectLine]] = field(default_factory=dict)
    service_policies: list[ServicePolicy] = field(default_factory=list)

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
            security_relevant = any(word in token for token in line.words for word in SECURITY_WORDS)
        self.diagnostics.append(Diagnostic(self.source(line), kind, reason, security_relevant))
        self.dispositions[line.number] = Disposition.DIAGNOSED

    def unrecognized(self, line: ConfigLine, reason: str = "command not recognized") -> None:
        """Report a line the parser does not know."""
        self.diagnose(line, DiagnosticKind.UNRECOGNIZED, reason)

    def cover(self, lines: list[ConfigLine], disposition: Disposition) -> None:
        """Give every line of a block's body the same disposition."""
        for line in lines:
            self.mark(line, disposition)

    def acl(self, name: str, line: ConfigLine) -> AclDraft:
        """Return the draft of ACL ``name``, created at its first line."""
        if name not in self.acls:
            self.acls[name] = AclDraft(name, self.source(line))
        return self.acls[name]
