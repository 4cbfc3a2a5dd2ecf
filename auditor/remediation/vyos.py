"""vyos remediation facts: free rule numbers, helper switches, NAT rules to delete and restore.

Turns a neutral plan into the values ``templates/remediation/vyos.j2`` renders as VyOS
configuration-mode commands (VENDORS.md 8.3), in the syntax generation the config uses:

- Permits become new rules of the rule set that denies (``firewall ipv4 forward filter``,
  ``firewall ipv4 name X``, 1.3's ``firewall name X``), numbered in the gap below the rule
  they must precede (VyOS walks rules by number, first match) or above the last rule when
  the default-action decides. With no free number in the gap the check is left unresolved:
  VyOS has no resequence command, and renumbering rules by hand is a change of its own.
  1.4+ rules name the path's interfaces (a base chain sees every interface); 1.3 rule sets
  are bound to one interface and direction already, and 1.3 rules have no interface match.
- A config whose rules match destinations by firewall group gets its new destinations and
  ports as ``auditor-...`` network and port groups too, created before the rules.
- A conntrack helper is turned off the way its generation does: 1.3 loads helpers unless
  ``modules <m> disable`` is set; from 1.4 on a helper runs only while ``modules <m>`` is
  set, so it is deleted (and set again, line for line, in the rollback).
- A destination (or static) NAT rule that maps a required port is deleted whole, and
  ``service upnp`` too; the rollback sets every line of them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditor.model import ConfigModel, Feature, Finding, Rule
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.vyos.features import Generation
from auditor.parsers.vyos.lexer import Lexed, lex
from auditor.parsers.vyos.parser import generation_of
from auditor.policy import FeatureCheck, PolicyPack
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

_BASE_RAW = "ipv4 prerouting raw"  # prerouting: no outbound interface is known yet
_MAX_MODERN = 999_999  # 1.4+ rule numbers (VyOS docs, firewall/ipv4)
_MAX_LEGACY = 9_999  # kept below for 1.3-syntax sets, the smaller range of the generations
_STEP = 10


class _Config:
    """The config's statements, indexed the ways the builders look them up."""

    def __init__(self, text: str) -> None:
        self.lexed: Lexed = lex(text)
        self.lines = self.lexed.lines
        self.brace = any(line.rstrip().endswith("{") for line in self.lines)

    def under(self, prefix: tuple[str, ...]) -> list[Statement]:
        return [st for st in self.lexed.statements if st.words[: len(prefix)] == prefix]

    def at_line(self, line: int) -> Statement | None:
        for st in self.lexed.statements:
            if st.line == line:
                return st
        return None

    def restore(self, statements: Sequence[Statement]) -> list[dict[str, Any]]:
        """Return the ``set`` facts that write ``statements`` again, each as the config had it."""
        out = []
        for st in statements:
            raw = self.lines[st.line - 1].strip()
            if self.brace:
                leaf_words = raw.rstrip("{").split()
                valued = not raw.endswith("{") and len(leaf_words) >= 2
            else:
                valued = raw.endswith(("'", '"'))
            words = list(st.words)
            value = words.pop() if valued else None
            out.append({"path": words, "value": value})
        return out

    def uses(self, words: tuple[str, ...]) -> bool:
        return any(_contains(st.words, words) for st in self.lexed.statements)


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(words[i : i + n] == part for i in range(len(words) - n + 1))


# --- permits -------------------------------------------------------------------------------


def _rules_of(config: _Config, ruleset: str) -> tuple[dict[int, list[int]], set[int], set[int]]:
    """Return rule number -> its lines, the default-action lines, the state-policy lines."""
    prefix = ("firewall", *ruleset.split())
    rules: dict[int, list[int]] = {}
    defaults: set[int] = set()
    for st in config.under(prefix):
        rest = st.words[len(prefix) :]
        if len(rest) >= 2 and rest[0] == "rule" and rest[1].isdigit():
            rules.setdefault(int(rest[1]), []).append(st.line)
        elif rest and rest[0] in ("default-action", "default-jump-target"):
            defaults.add(st.line)
    policy = {st.line for st in config.lexed.statements if _contains(st.words, ("state-policy",))}
    return rules, defaults, policy


def _position(config: _Config, ruleset: str, before: Rule | None) -> tuple[int | None, str | None]:
    """Return the rule number a permit must precede (None: after the last rule), or a problem."""
    rules, defaults, policy = _rules_of(config, ruleset)
    if not rules and not defaults and not config.under(("firewall", *ruleset.split())):
        return None, f"rule set {ruleset!r} is not defined in the text: a permit there cannot be placed"
    if before is None:
        return None, None
    line = before.source.line
    real = 0 < line <= len(config.lines) and before.source.text == config.lines[line - 1]
    if real:
        for number, lines in rules.items():
            if line in lines:
                return number, None
        if line in defaults:
            return None, None
        if line in policy:
            return None, (
                f"the global state-policy (line {line}) decides before any rule of {ruleset}: "
                "no rule number can precede it"
            )
        return None, f"cannot find the rule of {ruleset} at line {line}"
    if "default-action" in before.source.text:
        return None, None  # the unprinted default-action of the set
    return None, f"cannot place a permit before {before.source.text!r} in {ruleset}"


def _numbers(taken: set[int], before: int | None, count: int, ceiling: int) -> tuple[list[int], str | None]:
    """Return ``count`` free rule numbers below ``before`` (or above the last rule)."""
    if before is None:
        last = max(taken, default=0)
        numbers = [last + _STEP * (j + 1) for j in range(count)]
        if numbers and numbers[-1] > ceiling:
            return [], f"no free rule number above rule {last} (the highest is {ceiling})"
        return numbers, None
    below = max((n for n in taken if n < before), default=0)
    if before - below - 1 < count:
        where = f"between rule {below} and rule {before}" if below else f"below rule {before}"
        return [], (
            f"no free rule number {where} for {count} new rule(s): renumber the rules "
            "(VyOS has no resequence command) and run the remediation again"
        )
    step = (before - below) // (count + 1)
    return [below + step * (j + 1) for j in range(count)], None


def _source_text(cube: Any) -> tuple[str | None, bool]:
    """Return a source as VyOS writes it (None: any source), and whether it can be written."""
    facts = address_facts(cube)
    if facts["any"]:
        return None, True
    if facts["prefix"] is None:
        return None, False
    return (str(facts["address"]) if facts["host"] else f"{facts['address']}/{facts['prefix']}"), True


def acl_changes(text: str, plan: FlowPlan, unresolved: dict[str, str]) -> list[dict[str, Any]]:
    """Return one change per rule set that needs permits, with free rule numbers."""
    config = _Config(text)
    interface_leaf = "interface-name" if config.uses(("inbound-interface", "interface-name")) else "name"
    # (rule set, rule to precede) -> (check, protocol, src, dst, in, out) -> port intervals
    groups: dict[str, dict[int | None, dict[tuple[Any, ...], list[tuple[int, int]]]]] = {}
    for permit in plan.permits:
        number, problem = _position(config, permit.ruleset, permit.before)
        if problem is not None:
            unresolved.setdefault(permit.check, problem)
            continue
        source, writable = _source_text(permit.src)
        destination, dst_ok = _source_text(permit.dst)
        if not writable or not dst_ok:
            unresolved.setdefault(permit.check, "an address is not a prefix VyOS can write")
            continue
        key = (permit.check, permit.protocol, source, destination, *_interfaces(permit))
        ports = groups.setdefault(permit.ruleset, {}).setdefault(number, {}).setdefault(key, [])
        if permit.ports not in ports:
            ports.append(permit.ports)
    changes = []
    for ruleset, by_position in groups.items():
        rules, _, _ = _rules_of(config, ruleset)
        taken = set(rules)
        legacy = not ruleset.startswith("ipv4 ")
        ceiling = _MAX_LEGACY if legacy else _MAX_MODERN
        entries = []
        for before in sorted(by_position, key=lambda n: (n is None, n or 0)):
            wanted = by_position[before]
            numbers, problem = _numbers(taken, before, len(wanted), ceiling)
            if problem is not None:
                for key in wanted:
                    unresolved.setdefault(key[0], f"{ruleset}: {problem}")
                continue
            taken.update(numbers)
            where = f"rule {before}" if before is not None else "the default-action"
            for number, (key, ports) in zip(numbers, wanted.items(), strict=True):
                check, protocol, source, destination, inbound, outbound = key
                entries.append(
                    {
                        "number": number,
                        "check": check,
                        "protocol": protocol,
                        "src": source,
                        "dst": destination,
                        "ports": ",".join(_port_text(p) for p in sorted(ports)),
                        "inbound": None if legacy else inbound,
                        "outbound": None if legacy or ruleset == _BASE_RAW else outbound,
                        "interface_leaf": interface_leaf,
                        "before": where,
                        "dst_group": None,
                        "port_group": None,
                    }
                )
        if entries:
            raw = ruleset == _BASE_RAW
            changes.append({"kind": "rules", "ruleset": ruleset, "raw": raw, "entries": entries})
    if changes and _uses_groups(config):
        return _grouped(config, changes)
    return changes


def _uses_groups(config: _Config) -> bool:
    """Tell whether the config's firewall rules match by group (its style, kept by the fix)."""
    return any(
        st.words[0] == "firewall" and "rule" in st.words and _contains(st.words, ("destination", "group"))
        for st in config.lexed.statements
    )


def _grouped(config: _Config, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Move the new rules' destinations and ports into new ``auditor-...`` groups.

    Group names are unique across kinds in VyOS, so a name the config already uses gets a
    number. The groups come first (created before use) and go last in the rollback.
    """
    used = {st.words[3] for st in config.under(("firewall", "group")) if len(st.words) > 3}
    made: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}

    def group(kind: str, base: str, members: tuple[str, ...], check: str) -> str:
        found = made.get((kind, members))
        if found is None:
            name, n = base, 2
            while name in used:
                name, n = f"{base}-{n}", n + 1
            used.add(name)
            found = {"kind": "group", "type": kind, "name": name, "members": list(members), "entries": []}
            made[(kind, members)] = found
        if all(e["check"] != check for e in found["entries"]):
            found["entries"].append({"check": check})
        return str(found["name"])

    for change in changes:
        for entry in change["entries"]:
            check = entry["check"]
            entry["dst_group"] = (
                group("network-group", "auditor-dst", (entry["dst"],), check) if entry["dst"] else None
            )
            entry["port_group"] = group(
                "port-group", f"auditor-{check}", tuple(entry["ports"].split(",")), check
            )
    return [*made.values(), *changes]


def _interfaces(permit: Permit) -> tuple[str | None, str | None]:
    return permit.ingress, permit.egress


def _port_text(interval: tuple[int, int]) -> str:
    return str(interval[0]) if interval[0] == interval[1] else f"{interval[0]}-{interval[1]}"


# --- conntrack helpers ---------------------------------------------------------------------


def feature_changes(model: ConfigModel, text: str, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return the switch that turns off every conntrack helper ``check`` fails on."""
    config = _Config(text)
    gen = generation_of(text)
    out = []
    for feature in enabled_features(model, check.features):
        change = _helper_off(config, gen, feature)
        if change is not None:
            out.append(change)
    return out


def _helper_off(config: _Config, gen: Generation | None, feature: Feature) -> dict[str, Any] | None:
    if feature.kind == "upnp":
        return None  # a port-mapping matter: see mapping_changes
    module = feature.kind
    path = ("system", "conntrack", "modules", module)
    statements = config.under(path)
    if gen is Generation.LEGACY:
        return {"kind": "helper_disable", "module": module, "why": feature.detail}
    if gen is Generation.MODERN and statements:
        return {
            "kind": "helper_delete",
            "module": module,
            "why": feature.detail,
            "restore": config.restore(statements),
        }
    return None  # unknown generation: deleting the node could leave 1.3's default on


# --- port mappings -------------------------------------------------------------------------


def mapping_changes(model: ConfigModel, text: str, pack: PolicyPack) -> list[dict[str, Any]]:
    """Return the deletion of every NAT rule mapping a required port, and of ``service upnp``."""
    config = _Config(text)
    out: list[dict[str, Any]] = []
    for mapping, space in mapped_required(model, pack):
        st = config.at_line(mapping.source.line)
        if st is None or len(st.words) < 4 or st.words[0] != "nat" or st.words[2] != "rule":
            continue
        kind, number = st.words[1], st.words[3]
        change = {
            "kind": "nat_delete",
            "type": kind,
            "number": number,
            "line": mapping.source.line,
            "stops": describe_mapping(mapping, space),
            "restore": config.restore(config.under(("nat", kind, "rule", number))),
        }
        if change not in out:
            out.append(change)
    upnp = [f for f in model.features if f.kind == "upnp" and f.enabled and "upnp" in pack_features(pack)]
    if upnp:
        out.append(
            {
                "kind": "upnp_delete",
                "why": upnp[0].detail,
                "restore": config.restore(config.under(("service", "upnp"))),
            }
        )
    return out


def pack_features(pack: PolicyPack) -> set[str]:
    """Return the feature kinds the pack's port-mapping checks fail on."""
    return {kind for check in pack.checks if check.kind == "port-mapping" for kind in check.features}


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's changes, and each failing check's part of them."""
    builders = ChangeBuilders(acl_changes, feature_changes, mapping_changes)
    return assemble_changes(model, text, pack, failing, plan, unresolved, builders)
