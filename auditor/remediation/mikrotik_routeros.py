"""mikrotik_routeros remediation facts: where each permit goes, which helpers and mappings go.

Turns a neutral plan into the values ``templates/remediation/mikrotik_routeros.j2`` renders
(VENDORS.md 6.6). RouterOS facts behind them (help.mikrotik.com "Console", "Common Firewall
Matchers and Actions"; forum and ``print`` listings quoted in the report):

- ``print`` numbers the rules of a whole table (filter: input, forward, output and user chains
  together), disabled rules included, and dynamic rules too: with fasttrack on, the dynamic
  "special dummy rule to show fasttrack counters" is number 0, which an export never shows.
  Those numbers exist only in the console session that printed them, so a script cannot use
  them: every position here is a ``[find where ...]`` selector instead, resolved by the router
  when the command runs. A rule with a comment no other rule of its table has is named by
  that comment; otherwise by its place among its chain's static rules,
  ``[:pick [find where !dynamic and chain="forward"] K]`` (``find`` lists items in ``print``
  order; ``!dynamic`` leaves out rules the export does not show).
- ``add ... place-before=X`` inserts the rule right above X; without it the rule goes after
  the table's last rule, i.e. at the end of its chain. A permit goes right above the first rule
  that could deny the flow (so fasttrack and earlier accepts keep working as before), inside a
  user chain when a jump called from nowhere else takes the flow there.
- Helpers: ``/ip firewall service-port set NAME disabled=yes``; UPnP and NAT-PMP: ``set
  enabled=no``. A plain ``/export`` omits defaults, which the parser models; the rollback sets
  the previous value back.
- A dst-nat/netmap rule that maps a required port is removed by a selector that names that
  rule only (checked against the export), and re-added by the rollback at its old place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditor.model import ConfigModel, Finding
from auditor.policy import FeatureCheck, PolicyPack, PortMappingCheck
from auditor.remediation.linux import cidr, place
from auditor.remediation.merge import MergeError
from auditor.remediation.mikrotik_routeros_text import RosItem, RosText
from auditor.remediation.plan import (
    ChangeBuilders,
    FlowPlan,
    address_facts,
    assemble_changes,
    describe_mapping,
    enabled_features,
    mapped_required,
)

_HELPERS = ("sip", "h323", "rtsp")
_SERVICES = ("upnp", "nat-pmp")
_TABLES = ("filter", "raw")
# Where an interface condition is allowed: prerouting runs before routing picks the egress.
# The menu written on the rule's own line: ``/ip firewall nat add`` or v7's ``/ip/firewall/nat/add``.
_INLINE_ADD = re.compile(r"^/\S*?(?:/add|(?:\s+[a-z0-9-]+)*?\s+add)\s+")
_EGRESS_KNOWN = frozenset({"forward", "output", "postrouting"})


@dataclass(slots=True)
class _Slot:
    """One rule of a simulated table: enough to write a selector for it."""

    chain: str
    comment: str | None
    line: int  # its first line in the export (1-based)


def _slots(items: list[RosItem]) -> list[_Slot]:
    return [_Slot(i.command.args.get("chain", ""), i.command.args.get("comment"), i.first + 1) for i in items]


def selector(slots: list[_Slot], index: int) -> dict[str, Any]:
    """Return the facts of a selector that names ``slots[index]`` only."""
    slot = slots[index]
    if slot.comment is not None and sum(1 for s in slots if s.comment == slot.comment) == 1:
        return {"comment": slot.comment, "chain": slot.chain, "index": None}
    # Its place among its chain's rules: how many of them come before it.
    return {"comment": None, "chain": slot.chain, "index": [s.chain for s in slots[:index]].count(slot.chain)}


def _body(item: RosItem) -> str:
    """Return the rule's words after ``add`` as the export wrote them.

    ``/export verbose`` marks an unset property as ``!name``; ``add`` leaves every property
    it is not given unset, so those words are dropped rather than fed back to the console.
    """
    text = _INLINE_ADD.sub("", item.text, count=1) if item.command.inline_menu else item.text[4:]
    return re.sub(r"(?:^|\s)![a-z0-9-]+(?=\s|$)", "", text).strip()


def flow_changes(
    model: ConfigModel, text: str, plan: FlowPlan, unresolved: dict[str, str]
) -> list[dict[str, Any]]:
    """Return one change per table that needs permits, each permit with its selector."""
    config = RosText(text)
    tables: dict[str, list[_Slot]] = {}
    items: dict[str, list[RosItem]] = {}
    comments: dict[str, set[str | None]] = {}  # per table: its rules' comments
    places: dict[str, dict[int, int]] = {}  # per table: a rule's first line -> its place
    entries: dict[str, list[dict[str, Any]]] = {}  # per table, in the plan's order
    keys: set[tuple[object, ...]] = set()
    for permit in plan.permits:
        base_chain = permit.ruleset.partition("/")[2]
        name, before = place(model, permit)
        table, _, chain = name.partition("/")
        if table == "gate":
            unresolved.setdefault(
                permit.check,
                f"the flow passes {name.partition('/')[2]}, whose dynamic rules the export does not show "
                "(RouterOS adds them at run time; `/ip firewall filter print` lists them as dynamic): "
                "review them on the router and open the flow by hand",
            )
            continue
        if table not in _TABLES:
            unresolved.setdefault(permit.check, f"{name} is not a firewall chain the export holds")
            continue
        if table not in tables:
            try:
                items[table] = config.table(("ip", "firewall", table))
            except MergeError as exc:  # the export edits the table by position
                unresolved.setdefault(permit.check, str(exc))
                continue
            tables[table] = _slots(items[table])
            comments[table] = {s.comment for s in tables[table]}
            places[table] = {}
            for place_at, slot in enumerate(tables[table]):
                places[table].setdefault(slot.line, place_at)
            entries[table] = []
        comment = f"auditor {permit.check}"
        if comment in comments[table]:
            unresolved.setdefault(
                permit.check,
                f"/ip firewall {table} already has rules commented {comment!r}: review them first",
            )
            continue
        src, dst = cidr(address_facts(permit.src)), cidr(address_facts(permit.dst))
        if src is None or dst is None:
            unresolved.setdefault(permit.check, "an address set is not a prefix: no src-address can say it")
            continue
        ingress = permit.ingress
        egress = permit.egress if base_chain in _EGRESS_KNOWN else None
        line = before.source.line if before is not None and before.source is not None else None
        key = (table, chain, line, permit.protocol, src, dst, permit.ports, ingress, egress)
        if key in keys:
            continue
        keys.add(key)
        slots = tables[table]
        where: dict[str, Any] | None = None
        described = "the end of the chain"
        if before is not None:
            at = places[table].get(line) if line is not None else None
            if at is None or slots[at].chain != chain:
                unresolved.setdefault(permit.check, f"cannot find the rule of {name} at line {line}")
                continue
            where = selector(slots, at)
            described = f"line {line} ({_body(items[table][at])})"  # slots[at] is its slot
        entries[table].append(
            {
                "check": permit.check,
                "position": at if before is not None else None,
                "chain": chain,
                "comment": comment,
                "before": where,
                "described": described,
                "src": src,
                "dst": dst,
                "ingress": ingress,
                "egress": egress,
                "protocol": permit.protocol,
                "low": permit.ports[0],
                "high": permit.ports[1],
                "via": None if chain == base_chain else base_chain,
            }
        )
    return [{"kind": "permits", "table": t, "entries": _ordered(e)} for t, e in entries.items() if e]


def _ordered(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order the permits so that every selector, written against the export, holds when it runs.

    Appends move no rule; inserts go from the lowest rule up the table, so no insert shifts
    the place of a rule a later one names, and at one rule the later insert lands above the
    earlier, so they are written in reverse to keep the plan's order. Any subset (one check's
    part) applied alone in this order lands in the same places.
    """
    appends = [e for e in entries if e["position"] is None]
    inserts = sorted(
        (e for e in reversed(entries) if e["position"] is not None), key=lambda e: -e["position"]
    )
    seen: set[str] = set()
    out = []
    for entry in appends + inserts:
        out.append(dict(entry, first=entry["check"] not in seen))  # the rollback removes a check's rules once
        seen.add(entry["check"])
    return out


def feature_changes(model: ConfigModel, text: str, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return ``service-port set NAME disabled=yes`` for every helper ``check`` fails on."""
    out = []
    for feature in enabled_features(model, check.features):
        if feature.kind not in _HELPERS:
            return []  # a feature RouterOS has no switch for here: leave the check unresolved
        out.append(
            {
                "kind": "helper",
                "name": feature.kind,
                "why": feature.detail,
            }
        )
    return out


def mapping_changes(model: ConfigModel, text: str, pack: PolicyPack) -> list[dict[str, Any]]:
    """Return the removal of every dst-nat mapping a required port, and UPnP / NAT-PMP off."""
    out: list[dict[str, Any]] = []
    mapped = mapped_required(model, pack)
    if any(m.source is None for m, _ in mapped):
        return []
    if mapped:
        try:
            items = RosText(text).table(("ip", "firewall", "nat"))
        except MergeError:  # the export edits the table by position: no selector is safe
            return []
        slots = _slots(items)
        stops = {m.source.line: describe_mapping(m, s) for m, s in mapped if m.source is not None}
        removals: list[dict[str, Any]] = []
        for line in sorted(stops, reverse=True):  # highest first: no removal moves a later target
            at = next((i for i, s in enumerate(slots) if s.line == line), None)
            if at is None:
                return []
            removals.append(
                {
                    "kind": "nat-remove",
                    "line": line,
                    "select": selector(slots, at),
                    "body": _body(next(i for i in items if i.first + 1 == line)),
                    "stops": stops[line],
                    "slot": slots.pop(at),
                }
            )
        # The rollback re-adds them lowest first, each right above the rule that followed it.
        for removal in reversed(removals):
            slot = removal.pop("slot")
            after = next((i for i, s in enumerate(slots) if s.line > removal["line"]), None)
            removal["restore"] = None if after is None else selector(slots, after)
            slots.insert(len(slots) if after is None else after, slot)
        out.extend(removals)
    check = next((c for c in pack.checks if isinstance(c, PortMappingCheck)), None)
    kinds = [k for k in (check.features if check else ()) if k in _SERVICES]
    for feature in enabled_features(model, kinds):
        out.append({"kind": "service", "name": feature.kind, "why": feature.detail})
    return out


def changes_for(
    model: ConfigModel,
    text: str,
    pack: PolicyPack,
    failing: list[Finding],
    plan: FlowPlan,
    unresolved: dict[str, str],
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the device's changes, and each failing check's part of them."""
    builders = ChangeBuilders(lambda t, p, u: flow_changes(model, t, p, u), feature_changes, mapping_changes)
    return assemble_changes(model, text, pack, failing, plan, unresolved, builders)
