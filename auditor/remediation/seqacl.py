"""Template inputs shared by EOS and NX-OS: free sequence numbers in lists whose remarks are numbered.

Both platforms number every line of an access list, remarks included (``seqacl_text``), so a
permit and the remark that names it need free numbers between the entry before and the entry
the permit must precede; when the gap is too small the list is renumbered first (order
unchanged). The templates write the syntax; this only finds the numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditor.model import ConfigModel
from auditor.policy import FeatureCheck, PolicyPack
from auditor.remediation.cisco_common import removal
from auditor.remediation.plan import (
    FlowPlan,
    Permit,
    address_facts,
    describe_mapping,
    enabled_features,
    mapped_required,
)
from auditor.remediation.seqacl_text import AclLine, SeqAclText

__all__ = ["acl_changes", "feature_changes", "mapping_changes"]

_STANDARD = (
    "{name} is a standard access list: it matches sources only, so a permit there would open "
    "every protocol and port from those sources, more than the check needs; "
    "convert it to an extended access list"
)


def acl_changes(
    editor: Callable[[str], SeqAclText], text: str, plan: FlowPlan, unresolved: dict[str, str]
) -> list[dict[str, Any]]:
    """Return one change per access list that needs permits, with free sequence numbers."""
    config = editor(text)
    by_acl: dict[str, list[Permit]] = {}
    for permit in plan.permits:
        by_acl.setdefault(permit.ruleset, []).append(permit)
    changes = []
    for name, permits in by_acl.items():
        problem = None
        if config.acl_header(name) is None:
            problem = f"{name} is not an access list in the config: its remediation is not generated yet"
        elif config.is_standard(name):
            problem = _STANDARD.format(name=name)
        if problem:
            for permit in permits:
                unresolved.setdefault(permit.check, problem)
            continue
        change = _acl_change(config.acl_lines(name), name, permits, unresolved)
        if change is not None:
            changes.append(change)
    return changes


def _slots(group: list[Permit]) -> list[bool]:
    """Return, per line to add, whether it is a remark: one before each run of one check's permits."""
    out: list[bool] = []
    last = None
    for permit in group:
        if permit.check != last:
            out.append(True)
            last = permit.check
        out.append(False)
    return out


def _acl_change(
    lines: list[AclLine], name: str, permits: list[Permit], unresolved: dict[str, str]
) -> dict[str, Any] | None:
    entries = {line.index + 1: line.seq for line in lines if not line.remark}  # file lines are 1-based
    groups: dict[int | None, list[Permit]] = {}
    for permit in permits:
        at = permit.before.source.line if permit.before is not None else None
        if at is not None and at not in entries:
            unresolved.setdefault(permit.check, f"cannot find the entry of {name} at line {at}")
            continue
        group = groups.setdefault(at, [])
        key = (permit.check, permit.protocol, permit.src, permit.dst, permit.ports)
        if all((p.check, p.protocol, p.src, p.dst, p.ports) != key for p in group):
            group.append(permit)
    if not groups:
        return None
    for group in groups.values():
        group.sort(key=lambda p: p.check)  # one remark per check
    taken = sorted(line.seq for line in lines)
    targets = dict(entries)

    def gap(at: int | None) -> tuple[int, int | None]:
        if at is None:
            return (taken[-1] if taken else 0), None
        nxt = targets[at]
        return max((s for s in taken if s < nxt), default=0), nxt

    def room(at: int | None, group: list[Permit]) -> bool:
        prev, nxt = gap(at)
        return nxt is None or nxt - prev - 1 >= len(_slots(group))

    resequence = None
    if not all(room(at, g) for at, g in groups.items()):
        most = max(len(_slots(g)) for g in groups.values())
        step = 10 * (most // 10 + 1)
        resequence = {"start": step, "step": step, "restore": _progression(taken)}
        renumbered = {seq: step * (rank + 1) for rank, seq in enumerate(taken)}
        taken = sorted(renumbered.values())
        targets = {at: renumbered[seq] for at, seq in entries.items()}
    rendered = []
    for at in sorted(groups, key=lambda x: (x is None, targets[x] if x is not None else 0)):
        group = groups[at]
        prev, nxt = gap(at)
        slots = _slots(group)
        spacing = 10 if nxt is None else (nxt - prev) // (len(slots) + 1)
        numbers = iter(prev + spacing * (k + 1) for k in range(len(slots)))
        before = "the end of the list" if at is None else f"entry {nxt} (line {at})"
        last = None
        for permit in group:
            remark = next(numbers) if permit.check != last else None
            last = permit.check
            rendered.append(
                {
                    "remark_seq": remark,
                    "seq": next(numbers),
                    "check": permit.check,
                    "protocol": permit.protocol,
                    "src": address_facts(permit.src),
                    "dst": address_facts(permit.dst),
                    "low": permit.ports[0],
                    "high": permit.ports[1],
                    "before": before,
                    "translated": permit.translated,
                }
            )
    return {"kind": "acl", "acl": name, "resequence": resequence, "entries": rendered}


def _progression(numbers: list[int]) -> dict[str, int] | None:
    """Return the renumbering that gives ``numbers`` back (start, step), if they are evenly spaced."""
    if len(numbers) < 2:
        return {"start": numbers[0], "step": 10} if numbers else None
    step = numbers[1] - numbers[0]
    evenly = all(b - a == step for a, b in zip(numbers, numbers[1:], strict=False))
    return {"start": numbers[0], "step": step} if evenly else None


def feature_changes(model: ConfigModel, text: str, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return the removal of every enabled feature of ``check`` that a config line turns on.

    Neither parser models an ALG that is on by default (none is documented for EOS or NX-OS
    NAT), so a feature without a line has no switch to write: the check stays unresolved.
    """
    lines = text.splitlines()
    return [
        removal(lines, f.source.line, f.detail, None)
        for f in enabled_features(model, check.features)
        if f.source is not None
    ]


def mapping_changes(model: ConfigModel, text: str, pack: PolicyPack) -> list[dict[str, Any]]:
    """Return the removal of every static translation of a required port, saying what it stops.

    A one-to-one translation (every protocol and port) is also the inside host's own outbound
    translation on both platforms: the note says so, since removing it can cut that host off.
    """
    lines = text.splitlines()
    out = []
    for mapping, space in mapped_required(model, pack):
        change = removal(
            lines,
            mapping.source.line,
            f"maps a required port (line {mapping.source.line})",
            describe_mapping(mapping, space),
        )
        one_to_one = mapping.protocols is None and mapping.inside_ports is None
        change["note"] = (
            f"{mapping.inside_address} also loses {mapping.outside_address} as its translated address for "
            "the connections it opens: check another NAT rule covers it"
            if one_to_one
            else None
        )
        out.append(change)
    return out
