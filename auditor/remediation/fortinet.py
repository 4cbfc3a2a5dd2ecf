"""fortinet remediation facts: new policies and where they go, ALG switches, VIPs to remove.

Turns a neutral plan into the values ``templates/remediation/fortinet.j2`` renders
(VENDORS.md §4.7). FortiOS evaluates ``config firewall policy`` in list order, not by id
(§4.1), so each permit becomes a new policy with an unused id, followed by ``move NEW before
ID`` of the policy that could deny the flow (none when the implicit deny decides: a new
policy is appended at the end). The policy names ``auditor-...`` address and service objects,
created first. SIP and media ALGs are switched off the way the parser models them (§4.3-4.4):
``default-voip-alg-mode kernel-helper-based`` when the proxy ALG acts, SIP off in the VoIP
profiles accepting policies carry, the media session-helper entries deleted, services that
name a media helper set to ``helper disable``. A port-forward VIP of a required port is
deleted after the policies that use it stop naming it (FortiOS refuses to delete a used
object). In a multi-VDOM configuration each change names its VDOM (``config vdom`` / ``edit
NAME``) and the device-wide session-helper table sits under ``config global``; a path whose
interfaces are in different VDOMs is left to the user (inter-VDOM links are not modelled).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from auditor.model import ConfigModel, DiagnosticKind, Feature, Finding
from auditor.parsers.fortinet import reader
from auditor.parsers.fortinet.alg import HELPER_KINDS
from auditor.parsers.fortinet.interfaces import sdwan_members, zone_members
from auditor.parsers.fortinet.lines import (
    Edit,
    Section,
    Stmt,
    node_lines,
    shared_tree,
)
from auditor.parsers.fortinet.state import Entry, Table, Unaccounted, Vdom
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

_NAME_MAX = 35  # FortiOS policy names: at most 35 characters (CLI reference, config firewall policy)
_VDOM_IN_DETAIL = re.compile(r"\(VDOM ([^)]+)\)")


class _TablesOnly(Unaccounted):
    """A builder that keeps the tables only: the remediation reads no accounting, no diagnostics."""

    __slots__ = ()

    def diagnose(
        self,
        node: Stmt | Edit | Section,
        kind: DiagnosticKind,
        reason: str,
        security_relevant: bool | None = None,
    ) -> None:
        """Report nothing."""


class _Device:
    """The tables of a FortiOS text, read by the parser's own reader."""

    def __init__(self, text: str) -> None:
        self.builder = _TablesOnly("remediation")
        kept = reader.kept_tables(text)  # the parser has usually just read this text
        if kept is None:
            reader.read(self.builder, shared_tree(text).root)
        else:
            self.builder.vdoms, self.builder.global_tables, self.builder.multi_vdom = kept
        if not self.builder.vdoms:
            self.builder.vdom(reader.ROOT_VDOM)
        self.multi_vdom = self.builder.multi_vdom or len(self.builder.vdoms) > 1

    def views(self) -> list[_Config]:
        """One view per VDOM."""
        return [_Config(self, vdom) for vdom in self.builder.vdoms.values()]

    def view(self, name: str) -> _Config:
        return _Config(self, self.builder.vdom(name))

    def interface_vdom(self, interface: str) -> str:
        """The VDOM an interface belongs to (``set vdom``; ``root`` when not printed)."""
        table = self.builder.global_tables.get("system interface") or Table()
        entry = table.entries.get(interface)
        return ((entry.get("vdom") if entry is not None else None) or (reader.ROOT_VDOM,))[0]

    def global_table(self, name: str) -> Table:
        return self.builder.global_tables.get(name) or Table()


@lru_cache(maxsize=4)
def _device(text: str) -> _Device:
    return _Device(text)


def forget_devices() -> None:
    """Drop the texts read so far (the next remediation reads its text again)."""
    _device.cache_clear()


class _Config:
    """One VDOM of a device: its tables, and the label its changes carry (None: single VDOM)."""

    def __init__(self, device: _Device, vdom: Vdom) -> None:
        self.device = device
        self.vdom = vdom
        self.label = vdom.name if device.multi_vdom else None

    def table(self, name: str) -> Table:
        return self.vdom.tables.get(name) or Table()

    def entry_at(self, table: str, line: int) -> Entry | None:
        """The entry of ``table`` whose block holds config line ``line``."""
        for entry in self.table(table).entries.values():
            for edit in entry.edits:
                if line < edit.header.number or (edit.close is not None and line > edit.close.number):
                    continue  # no line of the block is outside its frame: no need to list them
                if any(cl.number == line for cl in node_lines(edit)):
                    return entry
        return None

    def groups(self) -> dict[str, frozenset[str]]:
        return {**sdwan_members(self.device.builder), **zone_members(self.vdom.tables.get("system zone"))}


def _rebuild(entry: Entry) -> list[dict[str, Any]]:
    """The statements of an entry as printed (nested blocks kept), each with its depth."""
    out: list[dict[str, Any]] = []

    def walk(items: list[Stmt | Section], depth: int) -> None:
        for item in items:
            if isinstance(item, Stmt):
                out.append({"depth": depth, "text": "\n".join(line.raw for line in item.lines).strip()})
            else:
                out.append({"depth": depth, "text": "config " + " ".join(item.path)})
                walk([i for i in item.items if not isinstance(i, Edit)], depth + 1)
                out.append({"depth": depth, "text": "end"})

    for edit in entry.edits:
        walk(list(edit.items), 0)
    return out


def _policy_order(config: _Config) -> list[str]:
    return list(config.table("firewall policy").entries)


# --- flows -------------------------------------------------------------------------------


def _interface_name(config: _Config, interface: str) -> str:
    """The name a policy uses for ``interface``: its zone or SD-WAN zone when it has one."""
    for group, members in config.groups().items():
        if interface in members:
            return group
    return interface


def _address(facts: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    if facts["any"]:
        return "all", None
    name = f"auditor-{facts['address']}/{facts['prefix']}"
    return name, {"name": name, "address": facts["address"], "mask": facts["mask"]}


def _nat(config: _Config, ingress: str, egress: str) -> Entry | None:
    """The first accepting policy of the same path that translates (the new one does as it does)."""
    groups = config.groups()

    def covers(names: tuple[str, ...] | None, interface: str) -> bool:
        return any(
            n.lower() == "any" or n == interface or interface in groups.get(n, ()) for n in names or ()
        )

    for entry in config.table("firewall policy").entries.values():
        if entry.one("status", "enable") == "disable" or entry.one("action", "deny") != "accept":
            continue
        if covers(entry.get("srcintf"), ingress) and covers(entry.get("dstintf"), egress):
            if entry.one("nat", "disable") == "enable":
                return entry
    return None


def flow_changes(text: str, plan: FlowPlan, unresolved: dict[str, str]) -> list[dict[str, Any]]:
    """Return the address, service and policy changes for the planned permits, per VDOM."""
    device = _device(text)
    by_vdom: dict[str, list[Permit]] = {}
    for permit in plan.permits:
        if permit.ingress is None or permit.egress is None:
            unresolved.setdefault(permit.check, "the path's interfaces are not known: name them")
            continue
        vdom = device.interface_vdom(permit.ingress)
        if vdom != device.interface_vdom(permit.egress):
            unresolved.setdefault(
                permit.check,
                f"{permit.ingress} and {permit.egress} are in different VDOMs (traffic between VDOMs "
                "over inter-VDOM links is not modelled): review by hand",
            )
            continue
        by_vdom.setdefault(vdom, []).append(permit)
    changes: list[dict[str, Any]] = []
    for vdom, permits in by_vdom.items():
        changes.extend(_vdom_flow_changes(device.view(vdom), permits, unresolved))
    return changes


def _vdom_flow_changes(
    config: _Config, planned: list[Permit], unresolved: dict[str, str]
) -> list[dict[str, Any]]:
    order = _policy_order(config)
    defined = set(config.table("firewall address").entries) | set(
        config.table("firewall service custom").entries
    )
    next_id = max((int(n) for n in order if n.isdigit()), default=0) + 1
    central = config.vdom.settings is not None and config.vdom.settings.one("central-nat") == "enable"
    groups: dict[tuple[str, str], list[Permit]] = {}
    for permit in planned:
        groups.setdefault((permit.check, permit.ruleset), []).append(permit)
    addresses: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    for (check, _), permits in groups.items():
        first = permits[0]
        problem, before = _position(config, first)
        ingress, egress = first.ingress or "", first.egress or ""
        srcintf, dstintf = _interface_name(config, ingress), _interface_name(config, egress)
        src: list[str] = []
        dst: list[str] = []
        svc: list[str] = []
        new_objects: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []
        for permit in permits:
            for cube, names in ((permit.src, src), (permit.dst, dst)):
                facts = address_facts(cube)
                if facts["prefix"] is None:
                    problem = problem or f"address {facts['address']}/{facts['wildcard']} is not a prefix"
                    continue
                name, obj = _address(facts)
                if name not in names:
                    names.append(name)
                if obj is not None:
                    new_objects.append((addresses, dict(obj, check=check)))
            span = _span(permit.ports)
            name = f"auditor-{permit.protocol}-{span}"
            if name not in svc:
                svc.append(name)
            new_objects.append(
                (services, {"check": check, "name": name, "protocol": permit.protocol, "ports": span})
            )
        clash = [o["name"] for _, o in new_objects if o["name"] in defined]
        if clash:
            problem = problem or f"object {clash[0]} already exists in the config: review it by hand"
        if problem is not None:
            unresolved.setdefault(check, problem)
            continue
        for target, obj in new_objects:
            if all((o["check"], o["name"]) != (obj["check"], obj["name"]) for o in target):
                target.append(obj)
        ident = next_id
        next_id += 1
        nat = _nat(config, ingress, egress)
        ports = ", ".join(dict.fromkeys(f"{p.protocol.upper()} {_span(p.ports)}" for p in permits))
        policies.append(
            {
                "check": check,
                "id": ident,
                "name": f"auditor-{check}-{ident}"[:_NAME_MAX],
                "srcintf": srcintf,
                "dstintf": dstintf,
                "srcaddr": src,
                "dstaddr": dst,
                "service": svc,
                "before": before,
                "nat": None if nat is None or central else "enable",
                "nat_from": None if nat is None else nat.name,
                "poolname": _pool(nat),
                "central_nat": central,
                "comments": f"auditor {check}: {ports} from {' '.join(src)} to {' '.join(dst)}",
                "zones": [n for n in (srcintf, dstintf) if n not in (ingress, egress)],
            }
        )
    changes = []
    for kind, entries in (("addresses", addresses), ("services", services), ("policies", policies)):
        if entries and policies:
            changes.append({"kind": kind, "entries": entries, "vdom": config.label, "global": False})
    return changes


def _pool(nat: Entry | None) -> str | None:
    """The IP pools the translating policy uses (``set ippool enable``), as printed."""
    if nat is None or nat.one("ippool", "disable") != "enable":
        return None
    names = nat.get("poolname") or ()
    return " ".join(f'"{n}"' for n in names) or None


def _span(ports: tuple[int, int]) -> str:
    return str(ports[0]) if ports[0] == ports[1] else f"{ports[0]}-{ports[1]}"


def _position(config: _Config, permit: Permit) -> tuple[str | None, str | None]:
    """(problem, id of the policy the new one must precede; None: the end of the list)."""
    if permit.before is None:
        return None, None
    entry = config.entry_at("firewall policy", permit.before.source.line)
    if entry is None:
        return f"cannot find the policy at line {permit.before.source.line}", None
    return None, entry.name


# --- features ----------------------------------------------------------------------------


def feature_changes(model: ConfigModel, text: str, check: FeatureCheck) -> list[dict[str, Any]]:
    """Return the switches that turn off every ALG ``check`` fails on (as the parser reads them)."""
    device = _device(text)
    active = enabled_features(model, check.features)
    proxy = {
        _vdom_named(f.detail) for f in active if f.kind in ("sip", "sccp") and "VoIP ALG (proxy)" in f.detail
    }
    out: list[dict[str, Any]] = []
    for config in device.views():
        scope = {"vdom": config.label, "global": False}
        settings = config.vdom.settings
        mode = settings.one("default-voip-alg-mode") if settings is not None else None
        acts = config.vdom.name in proxy or (not device.multi_vdom and bool(proxy))
        if acts and mode != "kernel-helper-based":
            old = settings.get("default-voip-alg-mode") if settings is not None else None
            out.append(
                {
                    "kind": "setting",
                    "path": "system settings",
                    "key": "default-voip-alg-mode",
                    "value": "kernel-helper-based",
                    "old": " ".join(old) if old else None,
                    "stops": "the SIP/SCCP proxy ALG for policies without a VoIP profile (SIP goes to the "
                    "session helper, SCCP is not processed)",
                    **scope,
                }
            )
        if "sip" in check.features:
            out.extend(dict(c, **scope) for c in _profile_changes(config))
        out.extend(dict(c, **scope) for c in _service_helpers(config, check))
    out.extend(_session_helpers(device, active, check))
    factory = sorted(
        {
            f.kind
            for f in model.features
            if f.enabled and f.source is None and f.detail.startswith("session helper")
        }
    )
    if factory and any(f.source is None and f.detail.startswith("session helper") for f in active):
        out.append(
            {
                "kind": "note",
                "text": "the session-helper table is not in the text (the factory table is assumed), so its "
                f"ids are unknown: run `show system session-helper` and delete the {', '.join(factory)} "
                "entries (h323 includes ras) under config system session-helper",
                "vdom": None,
                "global": False,
            }
        )
    return out


def _vdom_named(detail: str) -> str:
    match = _VDOM_IN_DETAIL.search(detail)
    return match.group(1) if match else reader.ROOT_VDOM


def _session_helpers(device: _Device, active: list[Feature], check: FeatureCheck) -> list[dict[str, Any]]:
    """Delete each media session-helper entry the check fails on (the table is device-wide)."""
    lines = {f.source.line for f in active if f.source is not None}
    out = []
    for entry in device.global_table("system session-helper").entries.values():
        name = (entry.one("name") or "").lower()
        source = entry.source_of("name") or entry.source
        if HELPER_KINDS.get(name) in check.features and source.line in lines:
            out.append(
                {
                    "kind": "delete",
                    "path": "system session-helper",
                    "name": entry.name,
                    "lines": _rebuild(entry),
                    "stops": f"the {name} session helper ({entry.one('protocol')}/{entry.one('port')}), "
                    "which opens media ports on the fly",
                    "vdom": None,
                    "global": device.multi_vdom,
                }
            )
    return out


def _service_helpers(config: _Config, check: FeatureCheck) -> list[dict[str, Any]]:
    """``helper disable`` on each custom service that forces a media helper on."""
    out = []
    for entry in config.table("firewall service custom").entries.values():
        helper = entry.one("helper", "auto") or "auto"
        if HELPER_KINDS.get(helper) in check.features:
            out.append(
                {
                    "kind": "entry-setting",
                    "path": "firewall service custom",
                    "name": entry.name,
                    "key": "helper",
                    "value": "disable",
                    "old": " ".join(entry.get("helper") or ()),
                    "stops": f"the {helper} session helper forced on service {entry.name}",
                }
            )
    return out


def _profile_changes(config: _Config) -> list[dict[str, Any]]:
    """SIP off in each VoIP profile an accepting policy uses (the ALG acts in either mode)."""
    profiles = config.table("voip profile").entries
    used: list[str] = []
    for entry in config.table("firewall policy").entries.values():
        if entry.one("status", "enable") == "disable" or entry.one("action", "deny") != "accept":
            continue
        name = (entry.get("voip-profile") or (None,))[0]
        if name and name not in used:
            used.append(name)
    out = []
    for name in used:
        old = _sip_status(profiles.get(name))
        if old == "disable":
            continue
        out.append(
            {
                "kind": "profile",
                "name": name,
                "old": old,
                "stops": f"SIP inspection by the ALG for policies with VoIP profile {name}",
            }
        )
    return out


def _sip_status(profile: Entry | None) -> str | None:
    """The printed ``status`` of a profile's ``config sip`` (None: not printed, on)."""
    status = None
    for section in profile.sections if profile is not None else ():
        if section.key[:1] != ("sip",):
            continue
        for item in section.items:
            if isinstance(item, Stmt) and item.key == "status":
                status = item.values[0].lower() if item.verb == "set" and item.values else None
    return status


# --- port mappings -----------------------------------------------------------------------


def mapping_changes(model: ConfigModel, text: str, pack: PolicyPack) -> list[dict[str, Any]]:
    """Return the removal of every VIP that maps a required port, after its policies let go of it."""
    device = _device(text)
    out: list[dict[str, Any]] = []
    for mapping, space in mapped_required(model, pack):
        found = [(c, c.entry_at("firewall vip", mapping.source.line)) for c in device.views()]
        config, vip = next(((c, v) for c, v in found if v is not None), (None, None))
        if config is None or vip is None:
            continue
        order = _policy_order(config)
        policies = config.table("firewall policy").entries
        groups = [
            g.name
            for g in config.table("firewall vipgrp").entries.values()
            if vip.name in (g.get("member") or ())
        ]
        if groups:  # taking it out of a group is left to the user: the proof says the check still fails
            out.append(
                {
                    "kind": "note",
                    "text": f"VIP {vip.name} is a member of VIP group(s) {', '.join(groups)}: take it out of "
                    "them (and out of the policies that use them) by hand, then delete it",
                    "vdom": None,
                    "global": False,
                }
            )
            continue
        users = []
        for ident in order:
            entry = policies[ident]
            dst = list(entry.get("dstaddr") or ())
            if vip.name not in dst:
                continue
            rest = [d for d in dst if d != vip.name]
            later = [n for n in order[order.index(ident) + 1 :]]
            users.append(
                {
                    "id": ident,
                    "delete": not rest,
                    "dstaddr": rest,
                    "old_dstaddr": dst,
                    "lines": _rebuild(entry),
                    "successor": later[0] if later else None,
                }
            )
        out.append(
            {
                "kind": "vip",
                "name": vip.name,
                "lines": _rebuild(vip),
                "policies": users,
                "stops": describe_mapping(mapping, space),
                "vdom": config.label,
                "global": False,
            }
        )
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
    builders = ChangeBuilders(flow_changes, feature_changes, mapping_changes)
    return assemble_changes(model, text, pack, failing, plan, unresolved, builders)
