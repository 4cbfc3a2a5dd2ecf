"""cisco_ios remediation facts: sequence numbers, NAT ALG switches, lines to undo.

Turns a neutral plan into the values ``templates/remediation/cisco_ios.j2`` renders:
permits get free sequence numbers below the entry they must precede (after an
``ip access-list resequence`` when there is no room), NAT ALGs that are on by default get
their ``no ip nat service`` switch, and explicit lines (CBAC and ZBF SIP/media inspection,
static NAT port mappings) are undone line by line (VENDORS.md 1.8).
"""

from __future__ import annotations

from typing import Any

from auditor.model import ConfigModel, Feature, Finding
from auditor.policy import FeatureCheck, PolicyPack
from auditor.remediation.cisco_common import mapping_changes, removal
from auditor.remediation.merge import IosText
from auditor.remediation.plan import (
    ChangeBuilders,
    FlowPlan,
    Permit,
    address_facts,
    assemble_changes,
    enabled_features,
)

_STANDARD = frozenset(range(1, 100)) | frozenset(range(1300, 2000))


def acl_changes(text: str, plan: FlowPlan, unresolved: dict[str, str]) -> list[dict[str, Any]]:
    """Return one change per access list that needs permits, with sequence numbers."""
    config = IosText(text)
    by_acl: dict[str, list[Permit]] = {}
    for permit in plan.permits:
        by_acl.setdefault(permit.ruleset, []).append(permit)
    changes = []
    for name, permits in by_acl.items():
        entries = config.acl_entries(name)
        problem = _editable(config, name, entries)
        if problem:
            for permit in permits:
                unresolved.setdefault(permit.check, problem)
            continue
        change = _acl_change(entries, name, permits, unresolved)
        if change is not None:
            changes.append(change)
    return changes


def _editable(config: IosText, name: str, entries: list[tuple[int, int]]) -> str | None:
    """Say why the list ``name`` (whose ``entries`` are given) cannot take permits, or None."""
    header = config._acl_header(name)
    if header is None and not entries:
        return (
            f"{name} is not an access list in the config (a zone-based firewall policy?): "
            "its remediation is not generated yet"
        )
    standard = config.lines[header].split()[2] == "standard" if header is not None else int(name) in _STANDARD
    if standard:
        return (
            f"{name} is a standard access list: it matches sources only, so a permit there would open "
            "every protocol and port from those sources, more than the check needs; "
            "convert it to an extended access list"
        )
    return None


def _acl_change(
    entries: list[tuple[int, int]], name: str, permits: list[Permit], unresolved: dict[str, str]
) -> dict[str, Any] | None:
    by_line = {i + 1: seq for i, seq in entries}  # file lines are 1-based
    groups: dict[int | None, list[Permit]] = {}
    for permit in permits:
        line = permit.before.source.line if permit.before is not None else None
        if line is not None and line not in by_line:
            unresolved.setdefault(permit.check, f"cannot find the entry of {name} at line {line}")
            continue
        group = groups.setdefault(line, [])
        key = (permit.protocol, permit.src, permit.dst, permit.ports)
        if all((p.protocol, p.src, p.dst, p.ports) != key for p in group):
            group.append(permit)
    if not groups:
        return None
    seqs = [seq for _, seq in entries]
    lines = [i + 1 for i, _ in entries]

    def gap(line: int | None, numbers: list[int]) -> tuple[int, int | None]:
        if line is None:
            return (numbers[-1] if numbers else 0), None
        k = lines.index(line)
        return (numbers[k - 1] if k else 0), numbers[k]

    resequence = None
    if any(
        nxt is not None and nxt - prev - 1 < len(g)
        for line, g in groups.items()
        for prev, nxt in [gap(line, seqs)]
    ):
        most = max(len(g) for g in groups.values())
        step = 10 * (most // 10 + 1)
        resequence = {"start": step, "step": step}
        seqs = [step * (k + 1) for k in range(len(seqs))]
    rendered = []
    for line in sorted(groups, key=lambda x: (x is None, x or 0)):
        group = groups[line]
        prev, nxt = gap(line, seqs)
        spacing = 10 if nxt is None else (nxt - prev) // (len(group) + 1)
        before = "the end of the list" if line is None else f"entry {nxt} (line {line})"
        for j, permit in enumerate(group):
            rendered.append(
                {
                    "seq": prev + spacing * (j + 1),
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


def feature_changes(model: ConfigModel, text: str, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return the changes that turn off every feature ``check`` fails on."""
    lines = text.splitlines()
    features = enabled_features(model, check.features)
    nat_default = [f for f in features if f.source is None and f.detail.startswith("NAT ")]
    out: list[dict[str, Any]] = []
    if any(f.kind in ("h323", "rtsp") for f in nat_default) and not _classic_ios(model.version):
        # No per-ALG `no` form is confirmed for the H.323 and RTSP NAT ALGs (VENDORS 1.5):
        # the IOS XE switch for every NAT ALG is the one that is.
        out.append({"kind": "nat_all_algs"})
    elif any(f.kind in ("h323", "rtsp") for f in nat_default):
        # Classic IOS has no `all-algs` switch: turn off what has a confirmed form and leave
        # H.323/RTSP on, so the proof reports the check as still failing instead of offering
        # a command the router would refuse.
        out.extend(_nat_alg(f) for f in nat_default if f.kind not in ("h323", "rtsp"))
    else:
        for feature in nat_default:
            out.append(_nat_alg(feature))
    for feature in features:
        if feature.source is None:
            continue
        out.append(removal(lines, feature.source.line, feature.detail, None))
    return out


def _classic_ios(version: str | None) -> bool:
    """Tell whether ``version`` is a classic IOS train (12.x, 15.x) rather than IOS XE (16.x+)."""
    major = (version or "").split(".")[0]
    return major.isdigit() and int(major) < 16


def _nat_alg(feature: Feature) -> dict[str, Any]:
    if feature.kind == "sccp":
        return {"kind": "nat_alg", "alg": "sccp", "transport": "tcp", "port": 2000}
    transport = "tcp" if "TCP" in feature.detail else "udp"
    return {"kind": "nat_alg", "alg": feature.kind, "transport": transport, "port": 5060}


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
