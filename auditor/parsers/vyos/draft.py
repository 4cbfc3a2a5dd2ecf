"""What the vyos parser has read so far from one file (part of the parse stage)."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model import (
    Binding,
    Diagnostic,
    DiagnosticKind,
    Feature,
    Interface,
    Limitation,
    PortMapping,
    Route,
    RuleSet,
    Source,
    SourceNat,
)
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.linux.common import Disposition


@dataclass(slots=True)
class Draft:
    """Model facts, diagnostics and what became of each line."""

    file: str
    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    rulesets: list[RuleSet] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    dead_routes: set[tuple[str, str | None, str | None]] = field(default_factory=set)  # disabled next-hops
    source_nats: list[SourceNat] = field(default_factory=list)
    port_mappings: list[PortMapping] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    limitations: list[Limitation] = field(default_factory=list)
    outside: dict[str, str] = field(default_factory=dict)  # interface -> why it faces outside
    hostname: str | None = None
    version: str | None = None

    def source(self, st: Statement) -> Source:
        """Return the Source of a statement's line."""
        return Source(self.file, st.line, self.lines[st.line - 1])

    def mark(self, st: Statement, disposition: Disposition) -> None:
        """Record what became of a statement's line (a diagnosis always wins)."""
        if disposition is Disposition.DIAGNOSED:
            self.dispositions[st.line] = disposition
        else:
            self.dispositions.setdefault(st.line, disposition)

    def extracted(self, st: Statement) -> None:
        """Mark a statement read into the model."""
        self.mark(st, Disposition.EXTRACTED)

    def ignored(self, st: Statement) -> None:
        """Mark a statement known to have no effect on the checks."""
        self.mark(st, Disposition.IGNORED)

    def diagnose(self, st: Statement, kind: DiagnosticKind, reason: str, relevant: bool = True) -> None:
        """Report a statement the parser could not (fully) use."""
        self.diagnostics.append(Diagnostic(self.source(st), kind, reason, relevant))
        self.mark(st, Disposition.DIAGNOSED)

    def unrecognized(self, st: Statement, relevant: bool = True) -> None:
        """Report a statement the parser does not know."""
        self.diagnose(st, DiagnosticKind.UNRECOGNIZED, "statement not recognized", relevant)
