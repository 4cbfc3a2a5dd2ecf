"""The mutable state the fortinet parser fills while it reads one file.

Part of the fortinet parser (parse stage). Table entries (``edit NAME``) are folded into
``Entry`` objects: ``set`` replaces a setting, ``append`` extends it, ``unset`` removes it
(back to the default), and a later ``edit`` of the same name, in another block of the same
table, continues the same entry, as FortiOS does. Per-VDOM tables live in ``Vdom``; the
device-wide ones (interfaces, session helpers) in ``Builder``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from auditor.model import Diagnostic, DiagnosticKind, Source
from auditor.parsers.fortinet.lines import ConfigLine, Disposition, Edit, Section, Stmt, node_lines

# Words that make an unrecognized line security-relevant: it may touch filtering, NAT or ALGs.
SECURITY_WORDS = (
    "firewall",
    "policy",
    "vip",
    "nat",
    "session-helper",
    "voip",
    "sip",
    "upnp",
    "settings",
    "acl",
)


@dataclass(slots=True)
class Setting:
    """One setting of an entry: its values and the statements that gave them (never changed)."""

    values: tuple[str, ...]
    stmts: tuple[Stmt, ...]  # a tuple: most settings have one statement, and small tuples are reused


@dataclass(slots=True)
class Entry:
    """A table entry (``edit NAME``) after folding every statement that touched it."""

    name: str
    source: Source
    settings: dict[str, Setting] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)

    def get(self, key: str) -> tuple[str, ...] | None:
        """Return the values of ``key``, or None when it is not set."""
        setting = self.settings.get(key)
        return None if setting is None else setting.values

    def one(self, key: str, default: str | None = None) -> str | None:
        """Return the first value of ``key`` (lower case), or ``default``."""
        setting = self.settings.get(key)
        return setting.values[0].lower() if setting is not None and setting.values else default

    def settings_view(self) -> dict[str, tuple[str, ...]]:
        """Return every setting's values by name."""
        return {key: setting.values for key, setting in self.settings.items()}

    def source_of(self, key: str) -> Source | None:
        """Return the line of the last statement that set ``key``."""
        setting = self.settings.get(key)
        if setting is None or not setting.stmts:
            return None
        return Source(self.source.file, setting.stmts[-1].number, setting.stmts[-1].raw)


def fold(entry: Entry, stmt: Stmt) -> bool:
    """Apply a ``set``/``unset``/``append`` to ``entry``; False for any other verb.

    ``set KEY ''`` (``show full-configuration`` prints empty settings so) is the same as
    ``unset KEY``: no value.
    """
    args = stmt.args
    if not args:
        return False
    key = args[0].lower()
    values = args[1:]
    if "" in values:
        values = tuple(v for v in values if v != "")
    verb = stmt.verb
    if verb == "set":
        if not values and len(args) > 1:
            entry.settings.pop(key, None)
        else:
            entry.settings[key] = Setting(values, (stmt,))
    elif verb == "append":
        old = entry.settings.get(key)
        if old is None:
            entry.settings[key] = Setting(values, (stmt,))
        else:  # a new setting, not a changed one: a resumed reading shares the old one
            entry.settings[key] = Setting(old.values + values, (*old.stmts, stmt))
    elif verb == "unset":
        entry.settings.pop(key, None)
    else:
        return False
    return True


@dataclass(slots=True)
class Table:
    """A table of entries in the order they were first defined."""

    entries: dict[str, Entry] = field(default_factory=dict)
    header: Source | None = None
    seen: bool = False  # a `config` block for this table was printed (even an empty one)


@dataclass(slots=True)
class Vdom:
    """Everything one VDOM (virtual domain) defines."""

    name: str
    tables: dict[str, Table] = field(default_factory=dict)
    settings: Entry | None = None  # `config system settings`
    limitations: list[tuple[str, Source]] = field(default_factory=list)

    def table(self, name: str) -> Table:
        """Return the table ``name`` (e.g. ``firewall policy``), created empty."""
        return self.tables.setdefault(name, Table())


@dataclass(slots=True)
class Builder:
    """Everything read so far from one file."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dispositions: dict[int, Disposition] = field(default_factory=dict)
    hostname: str | None = None
    version: str | None = None
    vdoms: dict[str, Vdom] = field(default_factory=dict)
    global_tables: dict[str, Table] = field(default_factory=dict)
    multi_vdom: bool = False
    # The ids of entries shared with a kept reading this builder resumed from: read-only here,
    # copied before a further statement changes one (the kept reading holds them alive).
    shared: set[int] = field(default_factory=set)
    # Whether ``mark``/``cover`` record dispositions (the reader records a statement's own
    # lines directly when they do; a builder that keeps no accounting says False).
    accounts: ClassVar[bool] = True

    def vdom(self, name: str) -> Vdom:
        """Return the VDOM called ``name``, created empty."""
        return self.vdoms.setdefault(name, Vdom(name))

    def source(self, line: ConfigLine) -> Source:
        """Return the Source of a line."""
        return Source(self.file, line.number, line.raw)

    def mark(self, line: ConfigLine, disposition: Disposition) -> None:
        """Record what became of a line (the first record wins)."""
        self.dispositions.setdefault(line.number, disposition)

    def cover(self, node: Stmt | Edit | Section, disposition: Disposition) -> None:
        """Give every line of a node the same disposition."""
        setdefault = self.dispositions.setdefault
        if isinstance(node, Stmt):
            setdefault(node.number, disposition)
            for line in node.more:
                setdefault(line.number, disposition)
            return
        for line in node_lines(node):
            setdefault(line.number, disposition)

    def diagnose(
        self,
        node: Stmt | Edit | Section,
        kind: DiagnosticKind,
        reason: str,
        security_relevant: bool | None = None,
    ) -> None:
        """Report a node (one diagnostic on its first line; its other lines are covered)."""
        lines = node_lines(node)
        first = lines[0]
        if security_relevant is None:
            low = first.raw.lower()
            security_relevant = any(word in low for word in SECURITY_WORDS)
        self.diagnostics.append(Diagnostic(self.source(first), kind, reason, security_relevant))
        for line in lines:
            self.dispositions[line.number] = Disposition.DIAGNOSED

    def unrecognized(self, node: Stmt | Edit | Section, reason: str, relevant: bool | None = None) -> None:
        """Report a node the parser does not know."""
        self.diagnose(node, DiagnosticKind.UNRECOGNIZED, reason, relevant)


class Unaccounted(Builder):
    """A builder that reports diagnostics but keeps no line accounting (``parse`` returns none)."""

    __slots__ = ()
    accounts = False

    def mark(self, line: ConfigLine, disposition: Disposition) -> None:
        """Account for nothing."""

    def cover(self, node: Stmt | Edit | Section, disposition: Disposition) -> None:
        """Account for nothing."""

    def diagnose(
        self,
        node: Stmt | Edit | Section,
        kind: DiagnosticKind,
        reason: str,
        security_relevant: bool | None = None,
    ) -> None:
        """Report a node (one diagnostic on its first line), as ``Builder.diagnose`` does."""
        first = node.first if isinstance(node, Stmt) else node_lines(node)[0]
        if security_relevant is None:
            low = first.raw.lower()
            security_relevant = any(word in low for word in SECURITY_WORDS)
        self.diagnostics.append(Diagnostic(self.source(first), kind, reason, security_relevant))
