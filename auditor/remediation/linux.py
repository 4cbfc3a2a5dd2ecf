"""linux remediation facts (iptables-save only): rule positions, exact rules to delete.

Turns a neutral plan into the values ``templates/remediation/linux.j2`` renders
(VENDORS.md 7.1): each permit becomes an ``ACCEPT`` rule inserted (``-I CHAIN N``, N the
1-based position iptables gives the rule it must precede) before the first rule that could
deny the flow, or appended (``-A``) before the chain's policy. When that rule is a jump or
goto that takes every required packet into a user chain called from nowhere else, the
permit goes into that chain instead, before the rule there that denies. SIP helper rules
(``-j CT --helper``) and port mappings (``DNAT``) are deleted by their exact rule text, and
re-inserted at their position on rollback. nft text is rewritten chain by chain (``remediation.nft``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditor.evaluate import interfaces_match
from auditor.flowspace import STATE_NEW, FlowSpace
from auditor.model import Action, ConfigModel, Finding, Rule, Status
from auditor.policy import FlowCheck, PolicyPack, PortMappingCheck
from auditor.remediation.merge import chain_rule_lines, table_span
from auditor.remediation.plan import (
    FlowPlan,
    Permit,
    address_facts,
    describe_mapping,
    enabled_features,
    first_blocker,
    mapped_required,
    protocol_number,
)

_NOT_WRITTEN = "the text is neither iptables-save nor nft ruleset text"
_NFT = re.compile(r"^\s*table\s+(ip|ip6|inet|arp|bridge|netdev)\s+\S+\s*\{", re.M)
_TABLE = re.compile(r"^\*(\w+)\s*$")


def is_nft(text: str) -> bool:
    """Tell whether ``text`` is ``nft list ruleset`` text (``table FAMILY NAME {`` blocks)."""
    return "table" in text and _NFT.search(text) is not None  # no scan when it cannot match


def is_iptables_save(text: str) -> bool:
    """Tell whether ``text`` is iptables-save text (``*table`` blocks), not nft or bare rules."""
    if is_nft(text):
        return False
    first = text.partition("\n")[0]
    if _TABLE.match(first.strip()) and first.splitlines() == [first]:
        return True  # the first line is a table (and no other line break cuts it short)
    return any(_TABLE.match(line.strip()) for line in text.splitlines())


class _ChainRules:
    """The rule lines of each chain of one text, found once per chain (``rule_at`` asks often).

    Finds what ``IptablesText.chain_rules`` finds in the same lines (the table's span from
    its ``*table`` line to the next ``COMMIT``; ``-A CHAIN`` as the first two words), without
    an editor, and splitting no more of a rule line than its first two words.
    """

    def __init__(self, lines: list[str], split: bool = False) -> None:
        """Index ``lines``; ``split``: they are a text's ``splitlines()``, as the editor splits it."""
        # Otherwise split them again: the editor's lines, numbered as it numbers them.
        self.lines = lines if split else "\n".join(lines).splitlines()
        self._rules: dict[tuple[str, str], list[int] | None] = {}

    def of(self, table: str, chain: str) -> list[int] | None:
        """Return the line indexes of ``chain``'s rules, None when ``table`` does not end."""
        key = (table, chain)
        if key not in self._rules:
            span = self._span(table)
            self._rules[key] = None if span is None else self._find(span, chain)
        return self._rules[key]

    def _find(self, span: tuple[int, int], chain: str) -> list[int]:
        """Return the lines of ``span`` whose first two words are ``-A`` and ``chain``."""
        return chain_rule_lines(self.lines, span, chain)

    def _span(self, table: str) -> tuple[int, int] | None:
        """Return (the ``*table`` line, its ``COMMIT`` line) as ``IptablesText`` finds them."""
        return table_span(self.lines, table)


def rule_at(
    lines: list[str], line: int, chains: _ChainRules | None = None
) -> tuple[str, str, int, str] | None:
    """Return (table, chain, 1-based position, rule text after ``-A CHAIN``) of file line ``line``.

    ``chains``, when given, is the chain index of these same ``lines``, kept between calls.
    """
    if not 1 <= line <= len(lines):
        return None
    words = lines[line - 1].split(maxsplit=2)
    if len(words) < 3 or words[0] != "-A":
        return None
    table = None
    for i in range(line - 1, -1, -1):
        text = lines[i]
        match = _TABLE.match(text.strip()) if "*" in text else None  # (a table line has one)
        if match:
            table = match.group(1)
            break
    if table is None:
        return None
    chain = words[1]
    rules = (chains or _ChainRules(lines)).of(table, chain)
    if rules is None:  # an unterminated table: no position to give
        return None
    if line - 1 not in rules:
        return None
    return table, chain, rules.index(line - 1) + 1, words[2].strip()


def _callers(model: ConfigModel, target: str) -> int:
    return sum(1 for rs in model.rulesets for r in rs.rules if r.target == target)


def _space(permit: Permit) -> FlowSpace:
    proto = protocol_number(permit.protocol)
    return FlowSpace.build(
        protocols=[(proto, proto)],
        src=[permit.src],
        dst=[permit.dst],
        dport=[permit.ports],
        state=[(STATE_NEW, STATE_NEW)],
    )


def place(model: ConfigModel, permit: Permit) -> tuple[str, Rule | None]:
    """Return the chain (rule set name) and the rule the permit must precede.

    Follows a jump or goto that takes every packet of the permit into a user chain that
    nothing else calls, so the permit sits beside the rule that denies.
    """
    name, before = permit.ruleset, permit.before
    space = _space(permit)
    seen = {name}
    while (
        before is not None
        and before.action in (Action.JUMP, Action.GOTO)
        and before.target is not None
        and before.target not in seen
        and before.match is not None
        and space.issubset(before.match)
        and interfaces_match(before, permit.ingress, permit.egress) is True
        and _callers(model, before.target) == 1
    ):
        target = model.ruleset(before.target)
        if target is None:
            break
        seen.add(target.name)
        position = first_blocker(target, space, permit.ingress, permit.egress)
        name = target.name
        before = target.rules[position] if position < len(target.rules) else None
    return name, before


def _interfaces(base_chain: str, permit: Permit) -> tuple[str | None, str | None]:
    """Return the -i / -o names the rule can carry where ``base_chain`` runs."""
    ingress = permit.ingress if base_chain in ("PREROUTING", "FORWARD", "INPUT") else None
    egress = permit.egress if base_chain in ("POSTROUTING", "FORWARD", "OUTPUT") else None
    return ingress, egress


def cidr(facts: dict[str, Any]) -> str | None:
    """Return an address set as a CIDR ('' for any), or None when it is not one prefix."""
    if facts["any"]:
        return ""
    if facts["prefix"] is None:
        return None
    return f"{facts['address']}/{facts['prefix']}"


def flow_changes(
    model: ConfigModel,
    text: str,
    plan: FlowPlan,
    unresolved: dict[str, str],
    chains: _ChainRules | None = None,
) -> list[dict[str, Any]]:
    """Return one ``insert`` change per permit rule, ordered so positions stay right.

    ``chains``, when given, is the chain index of ``text``'s lines (split as its caller split them).
    """
    if chains is None:
        chains = _ChainRules(text.splitlines(), split=True)
    lines = chains.lines
    out: list[dict[str, Any]] = []
    keys: set[tuple[object, ...]] = set()
    for permit in plan.permits:
        table, _, chain = permit.ruleset.partition("/")
        base = chain
        name, before = place(model, permit)
        table, _, chain = name.partition("/")
        position = None
        target = model.ruleset(name)
        returns = target is not None and target.default_action is Action.RETURN
        where = f"the end of {chain} ({'before it returns' if returns else 'before its policy'})"
        if before is not None:
            line = before.source.line if before.source is not None else 0
            at = rule_at(lines, line, chains)
            if at is None or (at[0], at[1]) != (table, chain):
                unresolved.setdefault(permit.check, f"cannot find the rule of {name} at line {line}")
                continue
            position = at[2]
            where = f"rule {position} of {chain} (line {line})"
        src, dst = cidr(address_facts(permit.src)), cidr(address_facts(permit.dst))
        if src is None or dst is None:
            unresolved.setdefault(permit.check, "an address set is not a prefix: no -s/-d can say it")
            continue
        ingress, egress = _interfaces(base, permit)
        key = (table, chain, position, permit.protocol, src, dst, permit.ports, ingress, egress)
        if key in keys:
            continue
        keys.add(key)
        out.append(
            {
                "kind": "insert",
                "check": permit.check,
                "table": table,
                "chain": chain,
                "position": position,
                "where": where,
                "src": src,
                "dst": dst,
                "ingress": ingress,
                "egress": egress,
                "protocol": permit.protocol,
                "low": permit.ports[0],
                "high": permit.ports[1],
                "translated": permit.translated,
            }
        )
    # Appends first (they move no position), then inserts from the highest position down; at
    # one position the later -I lands first, so reverse to keep the plan's order.
    appends = [c for c in out if c["position"] is None]
    inserts = sorted(
        (c for c in reversed(out) if c["position"] is not None),
        key=lambda c: (c["table"], c["chain"], -c["position"]),
    )
    return appends + inserts


def _delete(
    lines: list[str], line: int, why: str, stops: str | None, chains: _ChainRules
) -> dict[str, Any] | None:
    at = rule_at(lines, line, chains)
    if at is None:
        return None
    table, chain, position, spec = at
    return {
        "kind": "delete",
        "table": table,
        "chain": chain,
        "position": position,
        "spec": spec,
        "line": line,
        "why": why,
        "stops": stops,
    }


@dataclass(frozen=True, slots=True)
class Removal:
    """A rule line a failing feature or port-mapping check needs gone, and what it does."""

    check: str
    line: int
    why: str
    stops: str | None  # the inbound service a port mapping's removal stops


def removals_wanted(
    model: ConfigModel, pack: PolicyPack, failing: list[Finding], unresolved: dict[str, str]
) -> dict[str, list[Removal]]:
    """Return, per failing feature or port-mapping check, the rule lines that must go.

    A check whose feature or mapping has no rule line behind it (a kernel default, say)
    gets a reason in ``unresolved`` instead.
    """
    checks = {c.id: c for c in pack.checks}
    wanted: dict[str, list[Removal]] = {}
    for finding in failing:
        check = checks[finding.check]
        if isinstance(check, FlowCheck):
            continue
        if finding.status is not Status.FAIL:
            unresolved.setdefault(check.id, f"the verdict is {finding.status.value}: {finding.summary}")
            continue
        found: list[Removal] = []
        if isinstance(check, PortMappingCheck):
            for mapping, space in mapped_required(model, pack):
                if mapping.source is None:
                    unresolved.setdefault(check.id, "a port mapping has no rule line to delete")
                    found = []
                    break
                found.append(
                    Removal(
                        check.id,
                        mapping.source.line,
                        "maps a required port",
                        describe_mapping(mapping, space),
                    )
                )
        else:
            for feature in enabled_features(model, check.features):
                if feature.source is None:
                    unresolved.setdefault(
                        check.id,
                        f"{feature.kind} is on outside the ruleset ({feature.detail}): not remediated",
                    )
                    found = []
                    break
                found.append(Removal(check.id, feature.source.line, feature.detail, None))
        if not found:
            unresolved.setdefault(check.id, "no change found for: " + finding.summary)
            continue
        wanted[check.id] = found
    return wanted


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's iptables changes, and each failing check's part of them."""
    if not is_iptables_save(text):
        for finding in failing:
            unresolved.setdefault(finding.check, _NOT_WRITTEN)
        return [], {}
    lines = text.splitlines()
    chains = _ChainRules(lines, split=True)
    full: list[dict[str, Any]] = []
    per_check: dict[str, list[dict[str, Any]]] = {}
    for insert in flow_changes(model, text, plan, unresolved, chains):
        full.append(insert)
        per_check.setdefault(insert["check"], []).append(insert)
    removals: list[dict[str, Any]] = []
    for check, wanted in removals_wanted(model, pack, failing, unresolved).items():
        found = [_delete(lines, r.line, r.why, r.stops, chains) for r in wanted]
        if any(change is None for change in found):
            unresolved.setdefault(check, "a rule to delete is not an iptables-save rule line")
            continue
        per_check[check] = [c for c in found if c is not None]
        removals.extend(c for c in per_check[check] if c not in removals)
    # Deleted by their text: order does not matter when applying; rollback re-inserts them
    # from the lowest position up (the template reverses this order).
    removals.sort(key=lambda c: (c["table"], c["chain"], -c["position"]))
    full.extend(removals)
    return full, per_check
