"""Walking the config tree: VDOM context, tables read into the builder, the rest accounted.

Part of the fortinet parser (parse stage). Single-VDOM files put every section at the top
level (VDOM ``root``). Multi-VDOM files first declare the VDOMs (``config vdom`` / ``edit
NAME`` / ``next``), then hold device-wide sections under ``config global`` and each VDOM's
sections under ``config vdom`` / ``edit NAME``. Every line ends up extracted, ignored
(``tables.IGNORED_PREFIXES`` or an ignored setting) or in a diagnostic.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from auditor.model import DiagnosticKind
from auditor.parsers.fortinet.lines import Disposition, Edit, Section, Stmt, Tree, frame_lines
from auditor.parsers.fortinet.state import Builder, Entry, Setting, Table, Vdom, fold
from auditor.parsers.fortinet.tables import (
    ENTRY_KEYS,
    GLOBAL_TABLES,
    IGNORED_KEY_PREFIXES,
    IGNORED_PREFIXES,
    IGNORED_STEMS,
    LENIENT_TABLES,
    RELEVANT_TABLES,
    SETTINGS_KEYS,
    SETTINGS_SECTIONS,
    UNSUPPORTED,
    VDOM_TABLES,
)

ROOT_VDOM = "root"
# Nested blocks inside entries that are read (the rest of an entry's nested blocks are ignored
# when the table is lenient, reported otherwise).
_PORT_KEYS = ("tcp-portrange", "udp-portrange", "sctp-portrange", "udplite-portrange")
_NESTED_READ = {"voip profile": ("sip", "sccp"), "system sdwan": ("members", "zone")}


def _prefixed(key: str, prefixes: tuple[str, ...]) -> bool:
    return any(key == p or key.startswith(p + " ") for p in prefixes)


def read(b: Builder, root: Section) -> None:
    """Read every top-level section of the file."""
    for item in root.items:
        if isinstance(item, Section):
            _section(b, item, None)


# What the parser read from its last few texts, for the remediation of the same text (which
# reads the same tables). Nothing changes a table or an entry once read; the containers are
# copied, so VDOMs added after the reading stay out.
_KEPT: dict[str, tuple[dict[str, Vdom], dict[str, Table], bool]] = {}
_KEEP = 4
_KEPT_LOCK = threading.Lock()


def keep_tables(text: str, b: Builder) -> None:
    """Remember the tables ``b`` read from ``text`` (call right after ``read``)."""
    kept = (_copy_vdoms(b.vdoms), dict(b.global_tables), b.multi_vdom)
    with _KEPT_LOCK:
        _KEPT.pop(text, None)  # the newest reading goes last, the oldest is dropped first
        while len(_KEPT) >= _KEEP:
            del _KEPT[next(iter(_KEPT))]
        _KEPT[text] = kept


def kept_tables(text: str) -> tuple[dict[str, Vdom], dict[str, Table], bool] | None:
    """The VDOMs, device-wide tables and multi-VDOM flag read from ``text``, if still kept."""
    with _KEPT_LOCK:
        kept = _KEPT.get(text)
    if kept is None:
        return None
    vdoms, global_tables, multi_vdom = kept
    return _copy_vdoms(vdoms), dict(global_tables), multi_vdom


def forget_tables() -> None:
    """Drop every kept reading (the next remediation, or parse, reads its text itself)."""
    with _KEPT_LOCK:
        _KEPT.clear()
        _READ.clear()


# The builder right after ``read`` for the last few trees (what reading them gave), so that
# the parse of a text that only adds blocks after another one (the proof's parse of the
# remediated text, when the commands only add blocks at the end) starts from what reading
# the shared blocks gave instead of reading them again. Only the dispositions, the list of
# diagnostics and the VDOMs change after ``read`` (the model is built from the tables), so
# the snapshot copies the dispositions and counts the rest; tables and entries are copied
# when a later reading resumes (it may add to them).
@dataclass(slots=True)
class _Read:
    tree: Tree  # held, so that no other tree can take its id while the reading is kept
    builder: Builder
    dispositions: dict[int, Disposition]
    diagnostics: int
    vdoms: tuple[str, ...]


_READ: dict[int, _Read] = {}
_READ_KEEP = 2


def remember(tree: Tree, b: Builder) -> None:
    """Keep what ``read`` gave for ``tree`` (call right after ``read``)."""
    kept = _Read(tree, b, dict(b.dispositions) if b.accounts else {}, len(b.diagnostics), tuple(b.vdoms))
    with _KEPT_LOCK:
        _READ.pop(id(tree), None)
        while len(_READ) >= _READ_KEEP:
            del _READ[next(iter(_READ))]
        _READ[id(tree)] = kept


def resume(tree: Tree, builder: type[Builder], file: str) -> Builder | None:
    """A builder that has read ``tree``, from the kept reading of the tree it extends, if any.

    None when ``tree`` extends no kept tree or adds comments or stray lines (those are
    accounted before any block is read, so reading them last would change the order).
    """
    base = tree.extends() if tree.extends is not None else None
    if base is None:
        return None
    with _KEPT_LOCK:
        kept = _READ.get(id(base))
    if (
        kept is None
        or kept.tree is not base
        or type(kept.builder) is not builder  # the same line accounting (or none)
        or kept.builder.file != file
        or len(tree.comments) != len(kept.tree.comments)
        or len(tree.stray) != len(kept.tree.stray)
    ):
        return None
    old = kept.builder
    b = builder(file)
    b.dispositions = dict(kept.dispositions)
    b.diagnostics = old.diagnostics[: kept.diagnostics]
    b.hostname = old.hostname
    b.multi_vdom = old.multi_vdom
    shared = b.shared
    b.vdoms = {name: _copy_vdom(old.vdoms[name], shared) for name in kept.vdoms}
    b.global_tables = {key: _copy_table(table, shared) for key, table in old.global_tables.items()}
    for item in tree.root.items[len(kept.tree.root.items) :]:
        if isinstance(item, Section):
            _section(b, item, None)
    return b


def _copy_entry(entry: Entry) -> Entry:
    # A setting is never changed once made (``fold`` replaces it), so the copies share them.
    return Entry(entry.name, entry.source, dict(entry.settings), list(entry.sections), list(entry.edits))


def _copy_table(table: Table, shared: set[int]) -> Table:
    """A table of the same entries, noted as shared (a reading copies one before it changes it)."""
    shared.update(map(id, table.entries.values()))
    return Table(dict(table.entries), table.header, table.seen)


def _own(b: Builder, entries: dict[str, Entry], name: str, entry: Entry) -> Entry:
    """``entry`` (under ``name``), copied first if it is shared with a kept reading."""
    if id(entry) not in b.shared:
        return entry
    entry = entries[name] = _copy_entry(entry)  # the same place in the table
    return entry


def _copy_vdom(vdom: Vdom, shared: set[int]) -> Vdom:
    settings = None if vdom.settings is None else _copy_entry(vdom.settings)
    tables = {key: _copy_table(table, shared) for key, table in vdom.tables.items()}
    return Vdom(vdom.name, tables, settings, list(vdom.limitations))


def _copy_vdoms(vdoms: dict[str, Vdom]) -> dict[str, Vdom]:
    return {name: Vdom(v.name, dict(v.tables), v.settings, list(v.limitations)) for name, v in vdoms.items()}


def _section(b: Builder, section: Section, vdom: str | None) -> None:
    key = " ".join(section.key)
    if key == "vdom":
        _vdoms(b, section)
        return
    if key == "global":
        for line in frame_lines(section):
            b.mark(line, Disposition.EXTRACTED)
        for item in section.items:
            if isinstance(item, Section):
                _section(b, item, None)
            else:
                b.unrecognized(item, "line outside any config block under config global")
        return
    context = b.vdom(vdom or ROOT_VDOM)
    if key in VDOM_TABLES or key in GLOBAL_TABLES:
        tables = b.global_tables if key in GLOBAL_TABLES else context.tables
        _table(b, section, key, tables.setdefault(key, Table()))
    elif key in SETTINGS_SECTIONS:
        _settings(b, section, key, context)
    elif key in UNSUPPORTED or _prefixed(key, tuple(UNSUPPORTED)):
        prefix = next(p for p in UNSUPPORTED if key == p or key.startswith(p + " "))
        reason, affects = UNSUPPORTED[prefix]
        if not section.items:
            b.cover(section, Disposition.IGNORED)  # an empty table configures nothing
            return
        b.diagnose(section, DiagnosticKind.UNSUPPORTED, reason, True)
        if affects:
            assert section.header is not None
            context.limitations.append((f"{reason} (VDOM {context.name})", b.source(section.header)))
    elif _prefixed(key, IGNORED_PREFIXES) or key.startswith(IGNORED_STEMS):
        b.cover(section, Disposition.IGNORED)
    else:
        relevant = key.startswith(("firewall", "voip", "system settings")) or "nat" in key
        b.unrecognized(section, f"config section {key!r} not recognized", relevant)


def _vdoms(b: Builder, section: Section) -> None:
    for line in frame_lines(section):
        b.mark(line, Disposition.EXTRACTED)
    for item in section.items:
        if not isinstance(item, Edit):
            b.unrecognized(item, "config vdom holds only edit VDOM entries")
            continue
        b.vdom(item.name)
        b.multi_vdom = b.multi_vdom or item.name != ROOT_VDOM or len(b.vdoms) > 1
        for line in frame_lines(item):
            b.mark(line, Disposition.EXTRACTED)
        for sub in item.items:
            if isinstance(sub, Section):
                _section(b, sub, item.name)
            else:
                b.unrecognized(sub, "line outside any config block inside a VDOM")


def _table(b: Builder, section: Section, key: str, table: Table) -> None:
    table.seen = True
    if table.header is None and section.header is not None:
        table.header = b.source(section.header)
    for line in frame_lines(section):
        b.mark(line, Disposition.EXTRACTED)
    rules = _entry_rules(key)
    record = b.dispositions.setdefault if b.accounts else None  # as mark does
    entries = table.entries
    for item in section.items:
        if type(item) is Edit:
            entry = entries.get(item.name)
            if entry is None:
                entry = Entry(item.name, b.source(item.header))
                entries[item.name] = entry
            elif b.shared:  # a resumed reading changes its own copy
                entry = _own(b, entries, item.name, entry)
            entry.edits.append(item)
            if record is not None:
                record(item.header.number, Disposition.EXTRACTED)
                if item.close is not None:
                    record(item.close.number, Disposition.EXTRACTED)
            _entry(b, item, key, entry, rules)
        elif isinstance(item, Stmt) and item.verb == "delete" and item.args:
            entries.pop(item.args[0], None)
            b.cover(item, Disposition.EXTRACTED)
        elif isinstance(item, Stmt) and item.verb == "purge":
            entries.clear()
            b.cover(item, Disposition.EXTRACTED)
        elif isinstance(item, Stmt) and item.verb == "move" and len(item.args) == 3:
            _move(b, table, item)
            entries = table.entries  # reordered: a new dict
        else:
            b.unrecognized(item, f"{key}: statement not understood", key in RELEVANT_TABLES)


# What an entry of a table keeps: the settings extracted and ignored, the nested blocks read,
# whether the table is lenient or relevant, the ignored setting prefixes, and whether it is
# the custom services table (a new protocol drops the old one's settings).
_EntryRules = tuple[frozenset[str], frozenset[str], tuple[str, ...], bool, bool, tuple[str, ...], bool]


@lru_cache(maxsize=256)
def _entry_rules(key: str) -> _EntryRules:
    extracted, ignored = ENTRY_KEYS.get(key, (frozenset(), frozenset()))
    return (
        frozenset(extracted),
        frozenset(ignored),
        _NESTED_READ.get(key, ()),
        key in LENIENT_TABLES,
        key in RELEVANT_TABLES,
        IGNORED_KEY_PREFIXES.get(key, ("\0",)),
        key == "firewall service custom",
    )


def _move(b: Builder, table: Table, stmt: Stmt) -> None:
    """``move A before|after B``: reorder policies (their order is their evaluation order)."""
    name, where, other = stmt.args
    names = list(table.entries)
    if name not in names or other not in names or name == other or where.lower() not in ("before", "after"):
        b.unrecognized(stmt, "move names an entry that does not exist", True)
        return
    names.remove(name)
    at = names.index(other) + (1 if where.lower() == "after" else 0)
    names.insert(at, name)
    table.entries = {n: table.entries[n] for n in names}
    b.cover(stmt, Disposition.EXTRACTED)


def _entry(b: Builder, edit: Edit, key: str, entry: Entry, rules: _EntryRules) -> None:
    extracted, ignored, nested, lenient, relevant, ignored_prefixes, services = rules
    settings = entry.settings
    cover = b.cover
    record = b.dispositions.setdefault if b.accounts else None  # a statement's lines, as cover does
    for item in edit.items:
        if type(item) is not Stmt:
            assert isinstance(item, Section)
            entry.sections.append(item)
            if item.key and item.key[0] in nested:
                continue  # accounted for when the entry is interpreted
            if lenient or key == "voip profile":
                cover(item, Disposition.IGNORED)
            else:
                b.unrecognized(item, f"{key}: nested block not understood", relevant)
            continue
        args = item.args
        setting = args[0].lower() if args else ""
        if services and setting == "protocol" and item.verb == "set":
            if entry.one("protocol", "tcp/udp/sctp") != (item.values[0].lower() if item.values else ""):
                for old in ("protocol-number", "icmptype", "icmpcode", *_PORT_KEYS):
                    settings.pop(old, None)  # a new protocol drops the old one's settings
        if item.verb == "set" and len(args) > 1 and "" not in args:
            settings[setting] = Setting(args[1:], (item,))  # what fold does with a plain set
        elif not fold(entry, item):
            b.unrecognized(item, f"{key}: statement not understood", relevant)
            continue
        if setting in extracted:
            disposition = Disposition.EXTRACTED
        elif setting in ignored or lenient or setting.startswith(ignored_prefixes):
            disposition = Disposition.IGNORED
        else:
            b.unrecognized(item, f"{key}: setting {setting!r} not recognized", relevant)
            continue
        if record is not None:
            record(item.number, disposition)
            for line in item.more:
                record(line.number, disposition)


def _settings(b: Builder, section: Section, key: str, vdom: Vdom) -> None:
    for line in frame_lines(section):
        b.mark(line, Disposition.EXTRACTED)
    if key == "system global":
        for item in section.items:
            if isinstance(item, Stmt) and item.verb == "set" and item.key == "hostname" and item.values:
                b.hostname = item.values[0]
                b.cover(item, Disposition.EXTRACTED)
            else:
                b.cover(item, Disposition.IGNORED)
        return
    if key in ("system sdwan", "system virtual-wan-link"):
        table = b.global_tables.setdefault("system sdwan", Table())
        assert section.header is not None
        entry = table.entries.setdefault("sdwan", Entry("sdwan", b.source(section.header)))
        if b.shared:  # a resumed reading changes its own copy
            entry = _own(b, table.entries, "sdwan", entry)
        for item in section.items:
            if isinstance(item, Section) and item.key and item.key[0] in ("members", "zone"):
                entry.sections.append(item)
            else:
                if isinstance(item, Stmt):
                    fold(entry, item)
                b.cover(item, Disposition.IGNORED)
        return
    if vdom.settings is None and section.header is not None:
        vdom.settings = Entry("settings", b.source(section.header))
    assert vdom.settings is not None
    for item in section.items:
        if isinstance(item, Stmt) and fold(vdom.settings, item):
            b.cover(item, Disposition.EXTRACTED if item.key in SETTINGS_KEYS else Disposition.IGNORED)
        else:
            b.cover(item, Disposition.IGNORED)
