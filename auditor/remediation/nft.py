"""linux remediation facts for ``nft list ruleset`` text: whole-chain rewrites.

``nft list ruleset`` prints no rule handles, and nft can delete a rule only by its handle,
so a rule cannot be removed, nor an insert rolled back, by naming it. Instead every chain
that changes is rewritten in one ``nft -f`` transaction (VENDORS.md 7.2): ``flush chain``,
then the chain's rules again with the permits inserted before the rule that denies and the
SIP helper or DNAT rules left out. The kernel applies the file atomically, and the rollback
is the same rewrite with the original rules. Permits are placed as for iptables (before the
first rule that could deny the flow, following a jump into a chain nothing else calls).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.model import ConfigModel, Finding
from auditor.parsers.linux.nft_lexer import Stmt, parse_blocks, tokenize
from auditor.policy import PolicyPack
from auditor.remediation.linux import Removal, cidr, place, removals_wanted
from auditor.remediation.merge import NFT_HEADER_WORDS
from auditor.remediation.plan import FlowPlan, Permit, address_facts


@dataclass
class Chain:
    """One chain of the text: its rules as (first line, rule text), and its hook."""

    family: str
    table: str
    name: str
    hook: str | None
    rules: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ruleset(self) -> str:
        """Return the name the parser gives the chain's rule set."""
        return f"{self.family} {self.table}/{self.name}"


def chains_of(text: str) -> dict[str, Chain]:
    """Return the chains of ``nft list ruleset`` text by rule-set name, in text order."""
    statements, _ = parse_blocks(tokenize(text.splitlines()))
    out: dict[str, Chain] = {}
    for table in statements:
        words = table.words
        if words[:1] != ["table"] or table.body is None:
            continue
        family = words[1] if len(words) == 3 else "ip"
        for block in table.body:
            if block.words[:1] != ["chain"] or block.body is None:
                continue
            chain = Chain(family, words[-1], block.words[1], _hook(block))
            chain.rules = [
                (s.line, " ".join(s.words)) for s in block.body if s.words[0] not in NFT_HEADER_WORDS
            ]
            out[chain.ruleset] = chain
    return out


def _hook(block: Stmt) -> str | None:
    for stmt in block.body or []:
        if stmt.words[0] == "type" and "hook" in stmt.words:
            return stmt.words[stmt.words.index("hook") + 1]
    return None


@dataclass(frozen=True, slots=True)
class _Edit:
    check: str
    ruleset: str
    before: int | None  # the line of the rule to insert before (None: the chain's end)
    values: dict[str, Any]  # template values of an inserted rule, or of a removed one


def _interfaces(hook: str | None, permit: Permit) -> tuple[str | None, str | None]:
    """Return the iifname / oifname a rule can match where a ``hook`` chain runs."""
    ingress = permit.ingress if hook in ("prerouting", "forward", "input") else None
    egress = permit.egress if hook in ("postrouting", "forward", "output") else None
    return ingress, egress


def _inserts(
    model: ConfigModel, chains: dict[str, Chain], plan: FlowPlan, unresolved: dict[str, str]
) -> list[_Edit]:
    edits: list[_Edit] = []
    seen: set[tuple[object, ...]] = set()
    for permit in plan.permits:
        base = chains.get(permit.ruleset)
        name, before = place(model, permit)
        if base is None or name not in chains:
            unresolved.setdefault(permit.check, f"cannot find chain {name} in the text")
            continue
        line = before.source.line if before is not None and before.source is not None else None
        if before is not None and line not in {first for first, _ in chains[name].rules}:
            unresolved.setdefault(permit.check, f"cannot find the rule of {name} at line {line}")
            continue
        src, dst = cidr(address_facts(permit.src)), cidr(address_facts(permit.dst))
        if src is None or dst is None:
            unresolved.setdefault(permit.check, "an address set is not a prefix: no saddr/daddr can say it")
            continue
        ingress, egress = _interfaces(base.hook, permit)
        values = {
            "check": permit.check,
            "src": src,
            "dst": dst,
            "ingress": ingress,
            "egress": egress,
            "protocol": permit.protocol,
            "low": permit.ports[0],
            "high": permit.ports[1],
            "translated": permit.translated,
        }
        key = (name, line, *sorted((k, str(v)) for k, v in values.items() if k != "check"))
        if key not in seen:
            seen.add(key)
            edits.append(_Edit(permit.check, name, line, values))
    return edits


def _removals(
    chains: dict[str, Chain], wanted: dict[str, list[Removal]], unresolved: dict[str, str]
) -> list[_Edit]:
    where = {first: chain.ruleset for chain in chains.values() for first, _ in chain.rules}
    edits: list[_Edit] = []
    for check, removals in wanted.items():
        found = [
            _Edit(check, where[r.line], r.line, {"why": r.why, "stops": r.stops, "line": r.line})
            for r in removals
            if r.line in where
        ]
        if len(found) != len(removals):
            unresolved.setdefault(check, "a rule to delete is not a rule line of an nft chain")
            continue
        edits.extend(found)
    return edits


def _rewrite(chain: Chain, edits: list[_Edit]) -> dict[str, Any]:
    """Return the template input that rewrites ``chain`` with ``edits`` applied."""
    inserts = [e for e in edits if "protocol" in e.values]
    removed = {e.before: e for e in edits if "protocol" not in e.values}
    rules: list[dict[str, Any]] = []
    for first, text in chain.rules:
        rules.extend(
            {"kind": "new", **e.values, "where": f"before line {first}"} for e in inserts if e.before == first
        )
        if first in removed:
            rules.append({"kind": "removed", "text": text, **removed[first].values})
        else:
            rules.append({"kind": "keep", "text": text})
    rules.extend({"kind": "new", **e.values, "where": "at the end"} for e in inserts if e.before is None)
    return {
        "kind": "chain",
        "family": chain.family,
        "table": chain.table,
        "chain": chain.name,
        "rules": rules,
        "original": [text for _, text in chain.rules],
    }


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return one chain rewrite per changed chain, and each failing check's own rewrites."""
    chains = chains_of(text)
    edits = _inserts(model, chains, plan, unresolved)
    edits += _removals(chains, removals_wanted(model, pack, failing, unresolved), unresolved)
    touched = list(dict.fromkeys(e.ruleset for e in edits))
    full = [_rewrite(chains[name], [e for e in edits if e.ruleset == name]) for name in touched]
    per_check: dict[str, list[dict[str, Any]]] = {}
    for check in dict.fromkeys(e.check for e in edits):
        mine = [e for e in edits if e.check == check]
        per_check[check] = [
            _rewrite(chains[name], [e for e in mine if e.ruleset == name])
            for name in dict.fromkeys(e.ruleset for e in mine)
        ]
    return full, per_check
