"""paloalto_panos remediation facts: rules to add and where, ALG overrides, NAT rules to undo.

Turns a neutral plan into the values ``templates/remediation/paloalto_panos.j2`` renders
(VENDORS.md 5.7). A zone pair's rule set needs one allow rule per check, named
``auditor-<check>``, with address and service objects named ``auditor-...`` (a security rule
names services by object only). A new rule lands at the bottom of the rulebase and is moved
``before`` the first rule that could deny the flow (first match, PAN-OS XML API "Move
Configuration": before/after/top/bottom); when only the default rules decide, it stays at
the bottom. ALGs are switched off per App-ID with ``alg-override`` (the ``sip`` App-ID is
confirmed, the others are the parser's assumption and say so). A destination NAT rule that
maps a required port is deleted; a bi-directional static NAT only loses its inbound half.
The rollback names the exact previous state: the deleted rule's own lines (set format) or
its fields as set commands (XML, brace form), moved back before the rule that followed it.
An object two rules use is created with the first (a check's own part of the change shows
only the objects its rule creates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.flowspace import Cube
from auditor.model import ConfigModel, Finding
from auditor.parsers.paloalto_panos.alg import ALGS
from auditor.parsers.paloalto_panos.draft import SHARED, VSYS, Draft, RuleDraft
from auditor.parsers.paloalto_panos.reader import read
from auditor.parsers.paloalto_panos.statements import flatten, split_lines
from auditor.policy import FeatureCheck, PolicyPack
from auditor.remediation.panos_text import command_words, normalize
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

_PAIR = re.compile(r"^zone (.+) -> zone (.+?), then (?:intrazone|interzone)-default ")
_MAX_NAME = 63  # PAN-OS rule and object names


@dataclass(slots=True)
class _Config:
    """What the builders need to know of the configuration text."""

    text: str
    draft: Draft
    prefix: str  # "vsys NAME " when the text addresses the vsys explicitly, else ""
    created: set[str] = field(default_factory=set)  # objects an earlier rule already creates

    @classmethod
    def read(cls, text: str) -> _Config:
        flat = flatten(text)
        draft = Draft("config", flat.form, lines=split_lines(text), version=flat.version)
        read(draft, flat)
        vsys = draft.vsys_name or "vsys1"
        explicit = any(
            s.words[:3] == ("set", "vsys", vsys) and s.words[3:4] in (("rulebase",), ("address",), ("zone",))
            for s in flat.statements
        )
        prefix = f"vsys {vsys} " if explicit or (flat.form == "xml" and draft.other_vsys) else ""
        return cls(text, draft, prefix)

    def rule_named(self, kind: str, line: int) -> RuleDraft | None:
        """Return the local rule of ``kind`` (security or nat) that ``line`` belongs to."""
        book = self.draft.security if kind == "security" else self.draft.nat
        for rule in book["local"].values():
            if rule.source.line == line or any(s.line == line for v in rule.fields.values() for _, s in v):
                return rule
        return None

    def address(self, name: str) -> tuple[str, str] | None:
        for scope in (VSYS, SHARED):
            obj = self.draft.objects[scope].addresses.get(name)
            if obj is not None:
                return obj.kind, obj.value
        return None

    def service(self, name: str) -> tuple[str | None, str | None] | None:
        for scope in (VSYS, SHARED):
            svc = self.draft.objects[scope].services.get(name)
            if svc is not None:
                return svc.protocol, svc.ports
        return None


def _address_object(config: _Config, cube: Cube, check: str) -> tuple[str, dict[str, Any] | None, str | None]:
    """Return (name to use, object to create or None, problem) for an address cube."""
    facts = address_facts(cube)
    if facts["any"]:
        return "any", None, None
    if facts["prefix"] is None:
        return "", None, f"address {facts['address']} mask {facts['mask']} is not a prefix"
    value = f"{facts['address']}/{facts['prefix']}"
    name = f"auditor-{facts['address']}-{facts['prefix']}"
    existing = config.address(name)
    if existing is not None and existing != ("ip-netmask", value):
        return "", None, f"an address object {name} already exists with another value"
    if existing is not None or name in config.created:
        return name, None, None
    config.created.add(name)
    return name, {"check": check, "name": name, "value": value}, None


def _service_object(
    config: _Config, protocol: str, low: int, high: int, check: str
) -> tuple[str, dict[str, Any] | None, str | None]:
    ports = str(low) if low == high else f"{low}-{high}"
    name = f"auditor-{protocol}-{ports}"
    existing = config.service(name)
    if existing is not None and existing != (protocol, ports):
        return "", None, f"a service object {name} already exists with another value"
    if existing is not None or name in config.created:
        return name, None, None
    config.created.add(name)
    return name, {"check": check, "name": name, "protocol": protocol, "ports": ports}, None


def _before_rule(config: _Config, permit: Permit) -> tuple[str | None, str | None]:
    """Return (the rule the permit must precede or None for the bottom, problem)."""
    if permit.before is None:
        return None, None
    line = permit.before.source.line
    rule = config.rule_named("security", line)
    if rule is not None:
        return rule.name, None
    if any(source.line == line for _, source in config.draft.default_rules.values()):
        return None, None  # an overridden default rule decides: the bottom of the rulebase
    return None, f"cannot find the security rule at line {line}"


def _rule_name(check: str, zones: tuple[str, str], several: bool, taken: set[str]) -> str:
    base = f"auditor-{check}" + (f"-{zones[0]}-{zones[1]}" if several else "")
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base)[:_MAX_NAME]
    name, n = base, 2
    while name in taken:
        suffix = f"-{n}"
        name, n = base[: _MAX_NAME - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def rule_changes(config: _Config, plan: FlowPlan, unresolved: dict[str, str]) -> list[dict[str, Any]]:
    """Return one allow rule per check and zone pair, with the objects it needs first."""
    groups: dict[tuple[str, tuple[str, str], str | None], list[Permit]] = {}
    for permit in plan.permits:
        pair = _PAIR.match(permit.ruleset)
        if pair is None:
            unresolved.setdefault(
                permit.check, f"{permit.ruleset}: put the interface in a zone before a rule can match it"
            )
            continue
        before, problem = _before_rule(config, permit)
        if problem is not None:
            unresolved.setdefault(permit.check, problem)
            continue
        groups.setdefault((permit.check, (pair.group(1), pair.group(2)), before), []).append(permit)
    taken = set(config.draft.security["local"])
    pairs: dict[str, set[tuple[str, str]]] = {}
    for check, zones, _ in groups:
        pairs.setdefault(check, set()).add(zones)
    changes = []
    for (check, zones, before), permits in groups.items():
        change = _rule_change(config, check, zones, before, permits, len(pairs[check]) > 1, taken)
        if isinstance(change, str):
            unresolved.setdefault(check, change)
        else:
            changes.append(change)
    return changes


def _rule_change(
    config: _Config,
    check: str,
    zones: tuple[str, str],
    before: str | None,
    permits: list[Permit],
    several: bool,
    taken: set[str],
) -> dict[str, Any] | str:
    """Return the template input of one rule (or why there is none)."""
    sources = list(dict.fromkeys(p.src for p in permits))
    destinations = list(dict.fromkeys(p.dst for p in permits))
    services = list(dict.fromkeys((p.protocol, p.ports) for p in permits))
    product = {(s, d, v) for s in sources for d in destinations for v in services}
    if product != {(p.src, p.dst, (p.protocol, p.ports)) for p in permits}:
        return "the required sources, destinations and ports do not form one rule"  # never seen
    addresses: list[dict[str, Any]] = []
    names: dict[str, list[str]] = {"src": [], "dst": [], "svc": []}
    for side, cubes in (("src", sources), ("dst", destinations)):
        for cube in cubes:
            name, obj, problem = _address_object(config, cube, check)
            if problem is not None:
                return problem
            names[side].append(name)
            addresses.extend([obj] if obj else [])
    objects: list[dict[str, Any]] = []
    for protocol, (low, high) in services:
        name, obj, problem = _service_object(config, protocol, low, high, check)
        if problem is not None:
            return problem
        names["svc"].append(name)
        objects.extend([obj] if obj else [])
    if "any" in names["src"]:
        names["src"] = ["any"]
    return {
        "kind": "rule",
        "prefix": config.prefix,
        "name": _rule_name(check, zones, several, taken),
        "from": zones[0],
        "to": zones[1],
        "sources": list(dict.fromkeys(names["src"])),
        "destinations": list(dict.fromkeys(names["dst"])),
        "services": list(dict.fromkeys(names["svc"])),
        "before": before,
        "addresses": addresses,
        "service_objects": objects,
        "entries": [{"check": check}],
    }


def feature_changes(config: _Config, model: ConfigModel, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return ``alg-override ... alg-disabled yes`` for every App-ID of every ALG ``check`` fails on."""
    out: list[dict[str, Any]] = []
    flat = flatten(config.text)
    for feature in enabled_features(model, check.features):
        for app in ALGS.get(feature.kind, ()):
            state = config.draft.alg_overrides.get(app)
            if state is not None and state[0]:
                continue  # already off (H.323 needs both of its App-IDs off)
            entry = ("shared", "alg-override", "application", app)
            exists = any(
                p[: len(entry)] == entry
                for s in flat.statements
                if s.words[:1] in (("set",), ("config",))
                for p in normalize(s.words[1:] if s.words[0] == "set" else s.words, "vsys1")
            )
            out.append(
                {
                    "kind": "alg",
                    "alg": feature.kind,
                    "app": app,
                    "confirmed": feature.kind == "sip",
                    "previous": None if state is None else ("yes" if state[0] else "no"),
                    "entry_existed": exists,
                }
            )
    return out


def mapping_changes(config: _Config, model: ConfigModel, pack: PolicyPack) -> list[dict[str, Any]]:
    """Return the undoing of every NAT rule that maps a required port, in rulebase order."""
    rules = list(config.draft.nat["local"].values())
    found: dict[str, dict[str, Any]] = {}
    for mapping, space in mapped_required(model, pack):
        rule = config.rule_named("nat", mapping.source.line) if mapping.source else None
        if rule is None or rule.name in found:
            continue
        stops = describe_mapping(mapping, space)
        paths = [p for p, _ in rule.fields.get("source-translation", [])]
        if mapping.inside_ports is None and any("bi-directional" in p for p in paths):
            found[rule.name] = {
                "kind": "nat_bidir",
                "prefix": config.prefix,
                "rule": rule.name,
                "stops": stops,
            }
            continue
        later = rules[rules.index(rule) + 1 :]
        found[rule.name] = {
            "kind": "nat_delete",
            "prefix": config.prefix,
            "rule": rule.name,
            "stops": stops,
            "restore": _restore_lines(config, rule),
            "next": later[0].name if later else None,
        }
    return sorted(found.values(), key=lambda c: [r.name for r in rules].index(c["rule"]))


def _restore_lines(config: _Config, rule: RuleDraft) -> list[str]:
    """The commands that re-create ``rule`` exactly: its own lines, or its XML fields as set commands."""
    if config.draft.form == "set":
        lines = split_lines(config.text)
        mine = ("vsys", config.draft.vsys_name or "vsys1", "rulebase", "nat", "rules", rule.name)
        numbers: set[int] = set()
        for stmt in flatten(config.text).statements:
            paths = normalize(stmt.words[1:], mine[1]) if stmt.words[:1] == ("set",) else []
            if paths and all(p[: len(mine)] == mine for p in paths):
                numbers.update(stmt.lines)  # a quoted value may run over several lines
        return [lines[n - 1] for n in sorted(numbers)]
    out: list[str] = []
    for key, values in rule.fields.items():
        words = [(key, *w) for w, _ in values]
        tails = [w[-1] for w in words]
        heads = {w[:-1] for w in words}
        if len(heads) == 1 and len(words) > 1:
            out.append(_set_line(config.prefix, rule.name, [*next(iter(heads)), "[", *tails, "]"]))
        else:
            out.extend(_set_line(config.prefix, rule.name, list(w)) for w in words)
    return out


def _set_line(prefix: str, name: str, words: list[str]) -> str:
    quoted = [w if w in ("[", "]") or command_words(w) == (w,) and " " not in w else f'"{w}"' for w in words]
    rule = name if command_words(name) == (name,) else f'"{name}"'
    return f"set {prefix}rulebase nat rules {rule} " + " ".join(quoted)


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's changes, and each failing check's part of them."""
    config = _Config.read(text)
    builders = ChangeBuilders(
        lambda _text, flow_plan, found: rule_changes(config, flow_plan, found),
        lambda the_model, _text, check: feature_changes(config, the_model, check),
        lambda the_model, _text, the_pack: mapping_changes(config, the_model, the_pack),
    )
    return assemble_changes(model, text, pack, failing, plan, unresolved, builders)
