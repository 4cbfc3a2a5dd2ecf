"""The mutable state the juniper_junos parser fills while it reads one file's statements.

Part of the juniper_junos parser (parse stage). Readers record what they read here, keyed by
name and in statement order; ``parser`` resolves references (address books, applications,
filters) once every statement is read and freezes the result into the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from auditor.model import Diagnostic, DiagnosticKind, Route, Source
from auditor.parsers.juniper_junos.statements import Disposition, Statement

_RANK = {Disposition.COMMENT: 0, Disposition.IGNORED: 1, Disposition.EXTRACTED: 2, Disposition.DIAGNOSED: 3}

# Words that make an unrecognized statement security-relevant.
SECURITY_WORDS = ("security", "firewall", "nat", "alg", "policies", "filter", "zones", "applications")


@lru_cache(maxsize=4096)
def _source(file: str, line: int, text: str) -> Source:
    """A Source, shared (it never changes): the proof reads the same lines, most at the same numbers."""
    return Source(file, line, text)


@dataclass(slots=True)
class Entry:
    """One named element (policy, term, NAT rule, application term) and its statements."""

    name: str
    source: Source
    statements: list[Statement] = field(default_factory=list)


@dataclass(slots=True)
class Draft:
    """Everything read so far from one file."""

    file: str
    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    hostname: str | None = None
    version: str | None = None
    srx: bool = False
    # interface unit ("ge-0/0/0.0") -> addresses, and its first statement
    units: dict[str, list[str]] = field(default_factory=dict)
    unit_sources: dict[str, Source] = field(default_factory=dict)
    # (unit, "in"|"out") -> (filter names, statement source), the last form configured wins
    filter_bindings: dict[tuple[str, str], tuple[list[str], Source, str]] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    zones: dict[str, Source] = field(default_factory=dict)
    zone_interfaces: dict[str, tuple[str, Source]] = field(default_factory=dict)  # unit -> zone
    # address book name -> element name -> statements; "global" and "zone:Z" books
    books: dict[str, dict[str, Entry]] = field(default_factory=dict)
    book_zones: dict[str, list[str]] = field(default_factory=dict)  # named book -> attached zones
    applications: dict[str, Entry] = field(default_factory=dict)
    application_sets: dict[str, Entry] = field(default_factory=dict)
    # (from zone, to zone) -> policy name -> entry; global policies under ("*", "*")
    policies: dict[tuple[str, str], dict[str, Entry]] = field(default_factory=dict)
    default_policy: tuple[str, Source] | None = None
    filters: dict[str, dict[str, Entry]] = field(default_factory=dict)  # filter -> term -> entry
    filter_sources: dict[str, Source] = field(default_factory=dict)
    prefix_lists: dict[str, list[tuple[str, Source]]] = field(default_factory=dict)
    nat: dict[str, Entry] = field(default_factory=dict)  # "kind rule-set rule"
    nat_sets: dict[str, Entry] = field(default_factory=dict)  # "kind rule-set"
    nat_pools: dict[str, Entry] = field(default_factory=dict)  # "kind pool"
    alg: dict[str, list[Statement]] = field(default_factory=dict)
    packet_mode: list[Source] = field(default_factory=list)
    headers: dict[tuple[str, ...], int] = field(default_factory=dict)
    track: bool = True  # record dispositions (False: only the model and diagnostics are wanted)

    def source(self, st: Statement) -> Source:
        """The Source of a statement: its first file line."""
        return _source(self.file, st.line, self.lines[st.line - 1])

    def _opening(self, st: Statement, keyword: str, name: str) -> Source:
        if not self.headers:  # set form: no `keyword NAME {` line to point at
            return self.source(st)
        w = st.words
        for i in range(len(w) - 1):
            if w[i] == keyword and w[i + 1] == name:
                line = self.headers.get(w[: i + 2])
                if line is not None and st.group is None:
                    return Source(self.file, line, self.lines[line - 1])
                break
        return self.source(st)

    def mark(self, st: Statement, disposition: Disposition) -> None:
        """Record what became of a statement's lines (the most telling record wins)."""
        if not self.track:
            return
        if st.line == st.last and st.line not in self.dispositions:  # most statements: one new line
            self.dispositions[st.line] = disposition
            return
        for number in range(st.line, st.last + 1):
            old = self.dispositions.get(number)
            if old is None or _RANK[disposition] > _RANK[old]:
                self.dispositions[number] = disposition

    def diagnose(
        self, st: Statement, kind: DiagnosticKind, reason: str, security_relevant: bool | None = None
    ) -> None:
        """Report a statement; ``security_relevant`` defaults to a keyword test on its path."""
        if security_relevant is None:
            security_relevant = any(w in SECURITY_WORDS for w in st.words[:3])
        where = f" (inherited from group {st.group})" if st.group else ""
        self.diagnostics.append(Diagnostic(self.source(st), kind, reason + where, security_relevant))
        self.mark(st, Disposition.DIAGNOSED)

    def unrecognized(self, st: Statement, reason: str = "statement not recognized") -> None:
        """Report a statement the parser does not know."""
        self.diagnose(st, DiagnosticKind.UNRECOGNIZED, reason)

    def entry(self, table: dict[str, Entry], name: str, st: Statement, keyword: str = "") -> Entry:
        """Return the entry called ``name`` in ``table``, created at its first statement.

        Its source is the ``keyword NAME {`` line that opens it in the brace form, or the
        first statement that names it.
        """
        entry = table.get(name)
        if entry is None:
            # Set form (no headers): the first statement, whatever the name.
            source = self._opening(st, keyword, name.split(" ")[-1]) if self.headers else self.source(st)
            entry = table[name] = Entry(name, source)
        entry.statements.append(st)
        return entry
