"""juniper_junos remediation facts: new policies and filter terms, ALG switches, NAT rules to undo.

Turns a neutral plan into the values ``templates/remediation/juniper_junos.j2`` renders
(VENDORS.md 3.3). Facts (Juniper "Reordering Security Policies": new policies go to the end
of the list, ``insert ... before`` moves them; JUNOS 9.3 "Inserting an identifier":
``insert <path> identifier1 (before | after) identifier2`` for filter terms; Junos Space
"NAT Global Address Book Overview": a device cannot mix the global address book with
zone-defined address books):

- SRX: a permit is a new policy ``auditor-<check>-N`` in the ``from-zone A to-zone B``
  context, placed before the zone policy that could deny (or last in the context, which is
  before every global policy and the default policy); its addresses and applications are
  new ``auditor-...`` objects, in the zones' own address books when the config uses zone
  address books, else in the global book;
- MX/EX filters: a new term ``auditor-<check>-N`` before the term that could deny, or last;
- a failing ALG gets ``disable``; a destination/static NAT rule that maps a required port is
  deleted (its whole rule-set when it is the only rule) and the rollback re-creates it with
  its original statements at its original position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.flowspace import Cube
from auditor.model import ConfigModel, Finding
from auditor.parsers.juniper_junos.alg import ALGS
from auditor.parsers.juniper_junos.statements import Lexed, Statement, apply_deactivations, lex_shared
from auditor.policy import FeatureCheck, PolicyPack
from auditor.remediation.junos_text import quote, set_lines
from auditor.remediation.plan import (
    ChangeBuilders,
    FlowPlan,
    Permit,
    address_facts,
    assemble_changes,
    describe_mapping,
    enabled_features,
    mapped_required,
)

_ZONE_PAIR = re.compile(r"^from-zone (\S+) to-zone (\S+), then global policies")
_NO_ZONE = (
    "the flow is dropped because an interface on the path is in no security zone: adding it to a "
    "zone changes every flow through it; review by hand"
)
_INHERITED = "is inherited from a configuration group: change the group by hand"


@dataclass
class _Index:
    """The original configuration's statements, to locate elements and pick unused names."""

    lexed: Lexed
    statements: list[Statement]
    text: str  # the text lexed: every word of a statement is a piece of it
    used: set[str] = field(default_factory=set)
    _by_line: dict[int, tuple[str, ...]] | None = None  # built on first use: most changes never ask
    _words: set[str] | None = None

    @classmethod
    def of(cls, text: str) -> _Index:
        lexed = lex_shared(text)  # the parse lexed the same text: read only, never changed here
        return cls(lexed, apply_deactivations(lexed), text)

    def path_at(self, line: int) -> tuple[str, ...]:
        """Return the path of the element that opens at file line ``line``."""
        if self._by_line is None:
            self._by_line = {}
            for path, at in self.lexed.headers.items():
                if len(path) > len(self._by_line.get(at, ())):
                    self._by_line[at] = path
            for st in self.statements:
                self._by_line.setdefault(st.line, st.words)
        return self._by_line.get(line, ())

    def under(self, prefix: tuple[str, ...]) -> list[Statement]:
        """The statements whose path starts with ``prefix``, in order."""
        n = len(prefix)
        if not n:
            return list(self.statements)
        last = prefix[-1]  # one word tells most statements apart: compare it before the slice
        return [
            st
            for st in self.statements
            if len(st.words) >= n and st.words[n - 1] == last and st.words[:n] == prefix
        ]

    def has(self, path: tuple[str, ...]) -> bool:
        """Tell whether some statement lies under ``path`` (stops at the first)."""
        n = len(path)
        if not n:
            return bool(self.statements)
        last = path[-1]
        return any(
            len(w) >= n and w[n - 1] == last and w[:n] == path for w in (st.words for st in self.statements)
        )

    def name_taken(self, name: str) -> bool:
        if name in self.used:
            return True
        if name not in self.text:  # a word is a piece of the text (most new names are in none)
            return False
        if self._words is None:  # every word of every statement, once
            self._words = set().union(*[st.words for st in self.statements])
        return name in self.used or name in self._words

    def fresh(self, base: str, numbered: bool = True) -> str:
        """Return ``base-N`` for the first N that no statement uses yet (``base`` itself if free)."""
        name = base if not numbered and not self.name_taken(base) else None
        n = 1 if numbered else 2
        while name is None:
            if not self.name_taken(f"{base}-{n}"):
                name = f"{base}-{n}"
            n += 1
        self.used.add(name)
        return name


def _element(path: tuple[str, ...], keyword: str) -> tuple[tuple[str, ...], str] | None:
    """Return (the path up to ``keyword``, the element's name) when ``path`` names one."""
    for i in range(len(path) - 1):
        if path[i] == keyword:
            return path[:i], path[i + 1]
    return None


def _prefix_text(cube: Cube) -> str | None:
    facts = address_facts(cube)
    if facts["prefix"] is None:
        return None
    return f"{facts['address']}/{facts['prefix']}"


def _ports_text(ports: tuple[int, int]) -> str:
    return str(ports[0]) if ports[0] == ports[1] else f"{ports[0]}-{ports[1]}"


@dataclass
class _Builder:
    """Collects the objects, policies and terms of one device's change."""

    index: _Index
    objects: list[dict[str, Any]] = field(default_factory=list)
    made: dict[tuple[str, ...], str] = field(default_factory=dict)
    contexts: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    zone_books: bool = False

    def address(self, check: str, cube: Cube, zone: str) -> str | None:
        """Return the address-book name for ``cube`` in the book ``zone`` sees (created if needed)."""
        if address_facts(cube)["any"]:
            return "any"
        prefix = _prefix_text(cube)
        if prefix is None:
            return None
        book: tuple[str, ...] = (
            ("security", "zones", "security-zone", zone, "address-book")
            if self.zone_books
            else ("security", "address-book", "global")
        )
        key = (*book, prefix)
        name = self.made.get(key)
        if name is None:
            existing = self._auditor_address(book, prefix)
            if existing:
                name = existing[0]
            else:
                name = self.index.fresh("auditor-" + prefix.replace("/", "-"), numbered=False)
                self.objects.append(
                    {
                        "check": check,
                        "type": "address",
                        "zone": zone if self.zone_books else None,
                        "name": name,
                        "prefix": prefix,
                    }
                )
            self.made[key] = name
        elif not any(o["name"] == name and o["check"] == check for o in self.objects):
            self._share(check, name)
        return name

    def _auditor_address(self, book: tuple[str, ...], prefix: str) -> list[str]:
        """The names of the ``auditor-`` addresses of ``prefix`` already in ``book``."""
        if "auditor-" not in self.index.text:  # a word is a piece of the text: no such name
            return []
        return [
            st.words[len(book) + 1]
            for st in self.index.under((*book, "address"))
            if st.words[len(book) + 2 :] == (prefix,) and st.words[len(book) + 1].startswith("auditor-")
        ]

    def application(self, check: str, protocol: str, ports: tuple[int, int]) -> str:
        key = ("application", protocol, _ports_text(ports))
        name = self.made.get(key)
        if name is None:
            name = self.index.fresh(f"auditor-{protocol}-{_ports_text(ports)}", numbered=False)
            self.objects.append(
                {
                    "check": check,
                    "type": "application",
                    "name": name,
                    "protocol": protocol,
                    "ports": _ports_text(ports),
                }
            )
            self.made[key] = name
        elif not any(o["name"] == name and o["check"] == check for o in self.objects):
            self._share(check, name)
        return name

    def _share(self, check: str, name: str) -> None:
        """List an object under another check too (its part must create it; the device gets it once)."""
        for obj in self.objects:
            if obj["name"] == name:
                self.objects.append(dict(obj, check=check))
                return

    def context(self, key: tuple[str, ...], change: dict[str, Any]) -> dict[str, Any]:
        return self.contexts.setdefault(key, change)


def _policy_target(index: _Index, permit: Permit, zones: tuple[str, str]) -> tuple[str | None, str | None]:
    """Return (the zone policy to insert before, or None for the end of the context; problem)."""
    if permit.before is None:
        return None, None
    path = index.path_at(permit.before.source.line)
    if path[:1] == ("groups",):
        return None, f"the policy at line {permit.before.source.line} {_INHERITED}"
    found = _element(path, "policy")
    if found is None:
        return None, None  # the default policy decides: the end of the context comes before it
    context, name = found
    if context == ("security", "policies", "global"):
        return None, None  # zone policies are looked up before every global policy
    if context != ("security", "policies", "from-zone", zones[0], "to-zone", zones[1]):
        return None, f"cannot find the policy at line {permit.before.source.line}"
    return name, None


def _filter_prefix(index: _Index, name: str) -> tuple[str, ...] | None:
    for prefix in (("firewall", "family", "inet", "filter", name), ("firewall", "filter", name)):
        if index.has(prefix):
            return prefix
    return None


def _filter_target(index: _Index, permit: Permit) -> tuple[tuple[str, ...] | None, str | None, str | None]:
    """Return (the filter's path, the term to insert before or None, problem)."""
    name = permit.ruleset
    names = [name]
    if name.startswith("filter list [ "):
        names = name.removeprefix("filter list [ ").removesuffix(" ]").split()
    if permit.before is None:
        prefix = _filter_prefix(index, names[-1])
        if prefix is None:
            return None, None, f"cannot find the terms of filter {names[-1]}"
        return prefix, None, None
    line = permit.before.source.line
    path = index.path_at(line)
    if path[:1] == ("groups",):
        return None, None, f"the term at line {line} {_INHERITED}"
    found = _element(path, "term")
    if found is None or found[0][-1] not in names:
        return None, None, f"cannot find the term of {name} at line {line}"
    return found[0], found[1], None


def _groups(permits: list[Permit]) -> list[list[Permit]]:
    """Split one check's permits at one position into groups a single policy/term matches exactly.

    A policy or term matches sources x destinations x ports; the path (ingress, egress) is
    the rule set's own, so permits that differ only by path are one.
    """
    unique = list({(p.src, p.dst, p.ports): p for p in permits}.values())
    sources = list(dict.fromkeys(p.src for p in unique))
    dsts = list(dict.fromkeys(p.dst for p in unique))
    ports = list(dict.fromkeys(p.ports for p in unique))
    if len(unique) == len(sources) * len(dsts) * len(ports):
        return [unique]
    return [[p] for p in unique]


def acl_changes(
    text: str, plan: FlowPlan, unresolved: dict[str, str], builder: _Builder
) -> list[dict[str, Any]]:
    """Return the object, policy and term changes for the planned permits."""
    index = builder.index
    placed: dict[tuple[Any, ...], list[Permit]] = {}
    where: dict[tuple[Any, ...], dict[str, Any]] = {}
    for permit in plan.permits:
        if " is in no security zone" in permit.ruleset:
            unresolved.setdefault(permit.check, _NO_ZONE)
            continue
        zone_pair = _ZONE_PAIR.match(permit.ruleset)
        if zone_pair:
            zones = (zone_pair.group(1), zone_pair.group(2))
            anchor, problem = _policy_target(index, permit, zones)
            context: tuple[str, ...] = ("security", "policies", "from-zone", zones[0], "to-zone", zones[1])
            change: dict[str, Any] = {
                "kind": "policies",
                "from_zone": quote(zones[0]),
                "to_zone": quote(zones[1]),
                "new_context": not index.has(context),
            }
        else:
            prefix, anchor, problem = _filter_target(index, permit)
            context = prefix or ()
            change = {
                "kind": "terms",
                "family": context[1:2] == ("family",),
                "filter": quote(context[-1]) if context else "",
            }
        if problem is not None:
            unresolved.setdefault(permit.check, problem)
            continue
        key = (context, permit.check, quote(anchor) if anchor else None)
        placed.setdefault(key, []).append(permit)
        where[key] = builder.context(context, change)
    for (context, check, anchor), permits in placed.items():
        change = where[(context, check, anchor)]
        for group in _groups(permits):
            entry = _entry(builder, change, check, anchor, group)
            if entry is None:
                unresolved.setdefault(check, "an address is not a prefix (no address-book entry can name it)")
                continue
            entries: list[dict[str, Any]] = change.setdefault("entries", [])
            entries.append(entry)
    changes = [c for c in builder.contexts.values() if c.get("entries")]
    if builder.objects:
        changes.insert(0, {"kind": "objects", "entries": builder.objects})
    return changes


def _entry(
    builder: _Builder, change: dict[str, Any], check: str, anchor: str | None, group: list[Permit]
) -> dict[str, Any] | None:
    first = group[0]
    sources = list(dict.fromkeys(p.src for p in group))
    dsts = list(dict.fromkeys(p.dst for p in group))
    ports = list(dict.fromkeys(p.ports for p in group))
    entry: dict[str, Any] = {
        "check": check,
        "name": builder.index.fresh(f"auditor-{check}"),
        "before": anchor,
        "protocol": first.protocol,
        "ports": [_ports_text(p) for p in ports],
    }
    if change["kind"] == "policies":
        src_names = [builder.address(check, c, change["from_zone"]) for c in sources]
        dst_names = [builder.address(check, c, change["to_zone"]) for c in dsts]
        if None in src_names or None in dst_names:
            return None
        entry["sources"] = list(dict.fromkeys(src_names))
        entry["destinations"] = list(dict.fromkeys(dst_names))
        entry["applications"] = [builder.application(check, first.protocol, p) for p in ports]
        return entry
    src_texts = [None if address_facts(c)["any"] else _prefix_text(c) for c in sources]
    dst_texts = [None if address_facts(c)["any"] else _prefix_text(c) for c in dsts]
    facts = [address_facts(c) for c in (*sources, *dsts)]
    if any(t is None and not f["any"] for t, f in zip([*src_texts, *dst_texts], facts, strict=True)):
        return None
    entry["sources"] = [t for t in src_texts if t is not None] if None not in src_texts else []
    entry["destinations"] = [t for t in dst_texts if t is not None] if None not in dst_texts else []
    return entry


# --- features and port mappings ------------------------------------------------------------


def feature_changes(model: ConfigModel, text: str, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return ``disable`` for every enabled ALG ``check`` fails on."""
    return [
        {"kind": "alg", "alg": f.kind, "stops": ALGS[f.kind][2], "default": f.source is None}
        for f in enabled_features(model, check.features)
        if f.kind in ALGS
    ]


def _restore(index: _Index, path: tuple[str, ...]) -> list[str]:
    """Return the set commands that re-create everything under ``path`` as it was."""
    raw = [st for st in index.lexed.statements if st.words[: len(path)] == path]
    lines = set_lines(index.lexed, raw)
    lines += ["deactivate " + " ".join(p) for p, _ in index.lexed.deactivated if p[: len(path)] == path]
    return lines


def mapping_changes(model: ConfigModel, text: str, pack: PolicyPack) -> list[dict[str, Any]]:
    """Return the removal of every NAT rule that maps a required port (and its re-creation)."""
    index = _Index.of(text)
    targets: dict[tuple[str, ...], list[tuple[str, str]]] = {}  # rule-set path -> (rule, stops)
    for mapping, space in mapped_required(model, pack):
        found = _element(index.path_at(mapping.source.line), "rule")
        if found is None or found[0][:2] != ("security", "nat") or found[0][-2] != "rule-set":
            continue
        ruleset, rule = found
        rules = targets.setdefault(ruleset, [])
        if rule not in [r for r, _ in rules]:
            rules.append((rule, describe_mapping(mapping, space)))
    changes = []
    for ruleset, picked in targets.items():
        order = list(
            dict.fromkeys(
                st.words[len(ruleset) + 1]
                for st in index.under((*ruleset, "rule"))
                if len(st.words) > len(ruleset) + 1
            )
        )
        nat, name = ruleset[2], quote(ruleset[-1])
        if {r for r, _ in picked} == set(order):
            stops = "; ".join(s for _, s in picked)
            changes.append(
                {
                    "kind": "nat",
                    "nat": nat,
                    "rule_set": name,
                    "rule": None,
                    "before": None,
                    "stops": stops,
                    "restore": _restore(index, ruleset),
                }
            )
            continue
        for rule, stops in sorted(picked, key=lambda r: order.index(r[0])):
            later = order[order.index(rule) + 1 :]
            changes.append(
                {
                    "kind": "nat",
                    "nat": nat,
                    "rule_set": name,
                    "rule": quote(rule),
                    "before": quote(later[0]) if later else None,
                    "stops": stops,
                    "restore": _restore(index, (*ruleset, "rule", rule)),
                }
            )
    return changes


def _uses_zone_books(index: _Index) -> bool:
    """Tell whether a zone has an address book (``security zones security-zone Z address-book``).

    One pass that stops at the first, comparing the fifth word first (most statements differ there).
    """
    for st in index.statements:
        w = st.words
        if (
            len(w) > 4
            and w[4] == "address-book"
            and w[2] == "security-zone"
            and w[:2] == ("security", "zones")
        ):
            return True
    return False


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's changes, and each failing check's part of them."""
    index = _Index.of(text)
    builder = _Builder(index)
    builder.zone_books = _uses_zone_books(index)

    def acl(text: str, plan: FlowPlan, unresolved: dict[str, str]) -> list[dict[str, Any]]:
        return acl_changes(text, plan, unresolved, builder)

    builders = ChangeBuilders(acl, feature_changes, mapping_changes)
    return assemble_changes(model, text, pack, failing, plan, unresolved, builders)
