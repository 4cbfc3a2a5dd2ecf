"""The fortinet parser: reads the config tree and builds the vendor-neutral model.

Parse stage of the pipeline (FortiOS ``show`` / ``show full-configuration`` text ->
``ParseResult``). Every input line ends up extracted, known-and-ignored or in a diagnostic;
``parse_with_dispositions`` exposes that accounting for tests. Policies filter traffic as
interface-pair bindings (``policy``); features come from ``alg``; port mappings from
``vip``; roles and routes from ``interfaces``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from functools import lru_cache

from auditor.model import (
    Action,
    Binding,
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Direction,
    Feature,
    InterfaceMatch,
    Limitation,
    ParseResult,
    Platform,
    PortMapping,
    Role,
    RuleSet,
    Source,
)
from auditor.parsers.fortinet import alg, reader
from auditor.parsers.fortinet.interfaces import (
    build_interfaces,
    read_interfaces,
    read_routes,
    sdwan_members,
    zone_members,
)
from auditor.parsers.fortinet.lines import Disposition, shared_tree
from auditor.parsers.fortinet.objects import Objects
from auditor.parsers.fortinet.policy import ANY, PolicyRule, build_policy, covers
from auditor.parsers.fortinet.state import Builder, Entry, Table, Unaccounted, Vdom
from auditor.parsers.fortinet.tables import ENTRY_KEYS, IGNORED_KEY_PREFIXES
from auditor.parsers.fortinet.vip import build_mappings

_VERSION = re.compile(
    r"^#\s*(?:config-version=[^-]+-(\d+\.\d+\.\d+)-|Version:\s*\S+\s+v(\d+\.\d+\.\d+))", re.M
)


def _version(text: str) -> str | None:
    sample = text[:20_000]
    if "#" not in sample:  # the version is on a comment line: most texts hold none
        return None
    match = _VERSION.search(sample)
    return (match.group(1) or match.group(2)) if match else None


def _objects(vdom: Vdom, subnets: dict[str, list[str]]) -> Objects:
    def t(name: str) -> Table:
        return vdom.tables.get(name) or Table()

    return Objects(
        t("firewall address"),
        t("firewall addrgrp"),
        t("firewall service custom"),
        t("firewall service group"),
        t("firewall vip"),
        t("firewall vipgrp"),
        subnets,
    )


class _Model:
    """Accumulates the model parts across VDOMs."""

    def __init__(self) -> None:
        self.rulesets: list[RuleSet] = []
        self.bindings: list[Binding] = []
        self.features: list[Feature] = []
        self.mappings: list[PortMapping] = []
        self.limitations: list[Limitation] = []
        self.hints: dict[str, tuple[Role, str]] = {}
        self.extra: dict[str, Source] = {}
        self.policies: dict[str, list[PolicyRule]] = {}


@lru_cache(maxsize=1024)
def _unknown_policy_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The settings of a policy the parser does not know (policies set the same few again and again)."""
    extracted, ignored = ENTRY_KEYS["firewall policy"]
    prefixes = IGNORED_KEY_PREFIXES["firewall policy"]
    return tuple(k for k in keys if k not in extracted and k not in ignored and not k.startswith(prefixes))


def _vdom_policies(
    b: Builder, vdom: Vdom, objects: Objects, expand: dict[str, frozenset[str]]
) -> list[PolicyRule]:
    table = vdom.tables.get("firewall policy")
    if table is None:
        return []
    out: list[PolicyRule] = []
    reported: set[str] = set()  # each factory object is reported once, at its first use
    for entry in table.entries.values():
        unknown_keys = list(_unknown_policy_keys(tuple(entry.settings)))
        unknown_keys += [f"config {' '.join(sec.path)}" for sec in entry.sections]  # e.g. 5.0 identity-based
        before = len(objects.assumed)
        rule, diagnostics = build_policy(entry, objects, expand, unknown_keys)
        if diagnostics:
            b.diagnostics.extend(diagnostics)
        if len(objects.assumed) == before:  # most policies rely on no factory object
            if rule is not None:
                out.append(rule)
            continue
        for assumed in dict.fromkeys(objects.assumed[before:]):
            if assumed in reported:
                continue
            reported.add(assumed)
            b.diagnostics.append(
                Diagnostic(
                    entry.source,
                    DiagnosticKind.UNSUPPORTED,
                    f"policy {entry.name}: not defined in the text, so assumed: {assumed}",
                    False,
                )
            )
        if rule is not None:
            out.append(rule)
    return out


# The tables a VDOM's policies are built from: the policies and the objects they name.
_POLICY_INPUTS = (
    "firewall policy",
    "firewall address",
    "firewall addrgrp",
    "firewall service custom",
    "firewall service group",
    "firewall vip",
    "firewall vipgrp",
)
_Kept = tuple[tuple[PolicyRule, ...], tuple[Diagnostic, ...], tuple[tuple[Entry, ...], ...]]
_KEPT_POLICIES: dict[tuple[object, ...], _Kept] = {}
_KEEP_POLICIES = 4  # the proof's parse follows its first parse
_KEPT_LOCK = threading.Lock()


def _kept_policies(
    b: Builder, vdom: Vdom, subnets: dict[str, list[str]], expand: dict[str, frozenset[str]]
) -> list[PolicyRule]:
    """``_vdom_policies``, kept by the entries it reads (by identity) and the interfaces.

    The parse of a remediated text that resumes from the reading of the text before it shares
    every entry the commands did not change (``reader.resume``), so when the policies and the
    objects they name are the same entries, the policies are the same: built once. Entries
    are never changed once read, and the kept value holds them, so no other entry can take
    their ids while it is kept.
    """
    tables = [vdom.tables.get(name) for name in _POLICY_INPUTS]
    entries = tuple(() if t is None else tuple(t.entries.values()) for t in tables)
    key = (
        b.file,
        tuple(tuple(map(id, these)) for these in entries),
        tuple((name, tuple(nets)) for name, nets in subnets.items()),
        tuple(expand.items()),
    )
    kept = _KEPT_POLICIES.get(key)  # one dict lookup needs no lock (changes are made under it)
    if kept is not None:
        b.diagnostics.extend(kept[1])
        return list(kept[0])
    before = len(b.diagnostics)
    policies = _vdom_policies(b, vdom, _objects(vdom, subnets), expand)
    with _KEPT_LOCK:
        _KEPT_POLICIES[key] = (tuple(policies), tuple(b.diagnostics[before:]), entries)
        while len(_KEPT_POLICIES) > _KEEP_POLICIES:
            del _KEPT_POLICIES[next(iter(_KEPT_POLICIES))]  # the oldest first
    return policies


def _pair_bindings(
    b: Builder, vdom: Vdom, names: list[str], policies: list[PolicyRule], out: _Model, fallback: Source
) -> None:
    table = vdom.tables.get("firewall policy")
    header = table.header if table is not None and table.header is not None else fallback
    label = f"VDOM {vdom.name} " if b.multi_vdom else ""
    intrazone = _intrazone_allowed(vdom)
    for i in names:
        from_i = [p for p in policies if covers(p.srcintf, i)]  # narrow once per ingress
        for o in names:
            if i == o:
                continue
            rules = tuple(p.rule for p in from_i if covers(p.dstintf, o))
            default = Action.PERMIT if (i, o) in intrazone else Action.DENY
            end = "intra-zone allow" if default is Action.PERMIT else "implicit deny"
            name = f"{label}firewall policy {i} -> {o} (then {end})"
            out.rulesets.append(RuleSet(name, rules, default, header))
            out.bindings.append(Binding(name, i, Direction.IN, header, peer=o))


def _catch_all(b: Builder, vdom: Vdom, policies: list[PolicyRule], out: _Model, fallback: Source) -> None:
    """Fewer than two interfaces in the text: bind every policy, with its interface conditions, to any path.

    The text does not show the interfaces traffic crosses (a partial ``show``), so the
    policies apply with their ``srcintf``/``dstintf`` as conditions and the implicit deny
    still ends the list.
    """
    table = vdom.tables.get("firewall policy")
    header = table.header if table is not None and table.header is not None else fallback
    label = f"VDOM {vdom.name} " if b.multi_vdom else ""
    rules = tuple(
        replace(
            p.rule,
            interfaces=None
            if p.srcintf is None and p.dstintf is None
            else InterfaceMatch(p.srcintf, p.dstintf),
        )
        for p in policies
    )
    name = f"{label}firewall policy (any interfaces, then implicit deny)"
    out.rulesets.append(RuleSet(name, rules, Action.DENY, header))
    out.bindings.append(Binding(name, "*", Direction.IN, header))


def _intrazone_allowed(vdom: Vdom) -> set[tuple[str, str]]:
    """Pairs of members of a zone with ``set intrazone allow`` (they pass without a policy)."""
    pairs: set[tuple[str, str]] = set()
    table = vdom.tables.get("system zone")
    if table is None:
        return pairs
    for entry in table.entries.values():
        if entry.one("intrazone", "deny") == "allow":
            members = entry.get("interface") or ()
            pairs |= {(a, c) for a in members for c in members if a != c}
    return pairs


def _hints(policies: list[PolicyRule], out: _Model) -> None:
    """NAT policies: source interfaces face inside, destination interfaces outside."""
    inside: dict[str, Source] = {}
    outside: dict[str, Source] = {}
    for p in policies:
        if not p.nat:
            continue
        for name in p.srcintf or ():
            inside.setdefault(name, p.policy.source)
        for name in p.dstintf or ():
            outside.setdefault(name, p.policy.source)
    for name, source in outside.items():
        if name not in inside:
            out.hints[name] = (
                Role.OUTSIDE,
                f"destination of NAT policy {source.text.strip()} (line {source.line})",
            )
    for name, source in inside.items():
        if name not in outside:
            out.hints[name] = (
                Role.INSIDE,
                f"source of NAT policy {source.text.strip()} (line {source.line})",
            )


def _used_vips(policies: list[PolicyRule], vdom: Vdom) -> set[str]:
    vipgrps = vdom.tables.get("firewall vipgrp") or Table()
    used: set[str] = set()
    for p in policies:
        if p.rule.action is not Action.PERMIT:
            continue
        for name in p.policy.get("dstaddr") or ():
            used.add(name)
            if name in vipgrps.entries:
                used.update(vipgrps.entries[name].get("member") or ())
    return used


def _vdom_model(
    b: Builder,
    vdom: Vdom,
    drafts_by_vdom: dict[str, list[str]],
    subnets: dict[str, list[str]],
    sdwan: dict[str, frozenset[str]],
    out: _Model,
    fallback: Source,
) -> list[str]:
    expand = {**sdwan, **zone_members(vdom.tables.get("system zone"))}
    policies = _kept_policies(b, vdom, subnets, expand)
    names = list(drafts_by_vdom.get(vdom.name, []))
    drafted = {name for members in drafts_by_vdom.values() for name in members}
    seen: set[str] = set()  # a name met again changes nothing
    for p in policies:
        for side in (p.policy.get("srcintf"), p.policy.get("dstintf")):
            for name in side or ():
                if name in seen:
                    continue
                seen.add(name)
                if name.lower() == ANY or name in expand:
                    continue
                if name not in drafted and name not in out.extra:
                    out.extra[name] = p.policy.source
                if name not in names:
                    names.append(name)
    _pair_bindings(b, vdom, names, policies, out, fallback)
    out.policies[vdom.name] = policies
    _hints(policies, out)
    settings = vdom.settings
    profiles = alg.read_profiles(b, vdom.tables.get("voip profile"))
    accepting = [
        (p.voip_profile, p.inspection_mode, p.policy.source)
        for p in policies
        if p.rule.action is Action.PERMIT
    ]
    out.features.extend(alg.build_features(b, vdom.name, settings, profiles, accepting))
    where = f" (VDOM {vdom.name})" if b.multi_vdom else ""
    out.features.extend(alg.service_helper_features(vdom.tables.get("firewall service custom"), where))
    central = settings is not None and settings.one("central-nat") == "enable"
    vips = (vdom.tables.get("firewall vip") or Table()).entries
    mappings, limitations = build_mappings(vips, _used_vips(policies, vdom), central, vdom.name)
    out.mappings.extend(mappings)
    out.limitations.extend(limitations)
    for reason, source in vdom.limitations:
        out.limitations.append(Limitation(reason, frozenset({"flow"}), (source,)))
    if settings is not None and settings.one("ngfw-mode") == "policy-based":
        source = settings.source_of("ngfw-mode") or settings.source
        out.limitations.append(
            Limitation(
                f"VDOM {vdom.name} is in NGFW policy-based mode: security policies are not evaluated",
                frozenset({"flow"}),
                (source,),
            )
        )
    if settings is not None and settings.one("opmode") == "transparent":
        source = settings.source_of("opmode") or settings.source
        out.limitations.append(
            Limitation(
                f"VDOM {vdom.name} is in transparent mode: no routing decides the egress interface",
                frozenset({"flow"}),
                (source,),
            )
        )
    return names


def build_result(b: Builder, line_count: int) -> ParseResult:
    """Turn what the builder read into a ``ParseResult``."""
    drafts = read_interfaces(b.global_tables.get("system interface"))
    subnets: dict[str, list[str]] = {}
    by_vdom: dict[str, list[str]] = {}
    for d in drafts:
        subnets[d.name] = list(d.addresses)
        by_vdom.setdefault(d.vdom, []).append(d.name)
        b.vdom(d.vdom)
    if not b.vdoms:
        b.vdom(reader.ROOT_VDOM)
    sdwan = sdwan_members(b)
    out = _Model()
    fallback = Source(b.file, 1, "")
    vdom_names: dict[str, list[str]] = {}
    with_policies: list[str] = []
    for vdom in b.vdoms.values():
        vdom_names[vdom.name] = _vdom_model(b, vdom, by_vdom, subnets, sdwan, out, fallback)
        if (vdom.tables.get("firewall policy") or Table()).entries:
            with_policies.append(vdom.name)
    _cross_vdom(vdom_names, with_policies, out, fallback)
    helpers, printed = alg.helpers(b)
    settings = [v.settings for v in b.vdoms.values()]
    sip_off = all(s is not None and s.one("sip-helper") == "disable" for s in settings)
    out.features.extend(alg.helper_features(helpers, printed, sip_off))
    if len({name for names in vdom_names.values() for name in names}) < 2:
        for vdom in b.vdoms.values():
            _catch_all(b, vdom, out.policies.get(vdom.name, []), out, fallback)
    routes = []
    for vdom in b.vdoms.values():
        routes.extend(read_routes(vdom.tables.get("router static")))
    interfaces = build_interfaces(drafts, out.extra, out.hints)
    model = ConfigModel(
        platform=Platform.FORTINET,
        hostname=b.hostname,
        version=b.version,
        interfaces=tuple(interfaces),
        rulesets=tuple(out.rulesets),
        bindings=tuple(out.bindings),
        routes=tuple(routes),
        port_mappings=tuple(out.mappings),
        features=tuple(out.features),
        limitations=tuple(out.limitations),
        egress_sees_translated=False,  # policies match the original (pre-NAT) source
    )
    diagnostics = sorted(b.diagnostics, key=lambda d: d.source.line)
    return ParseResult(model, tuple(diagnostics), line_count)


def _cross_vdom(names: dict[str, list[str]], with_policies: list[str], out: _Model, fallback: Source) -> None:
    """Interfaces of different VDOMs never exchange traffic directly.

    Traffic can still pass from one VDOM to another over an inter-VDOM link, through a
    policy in each: when more than one VDOM has policies, that is a limitation.
    """
    vdoms = [v for v in names if names[v]]
    if len(vdoms) < 2:
        return
    name = "between VDOMs: no direct path (inter-VDOM links are not modelled)"
    out.rulesets.append(RuleSet(name, (), Action.DENY, fallback))
    for a in vdoms:
        for c in vdoms:
            if a == c:
                continue
            for i in names[a]:
                for o in names[c]:
                    out.bindings.append(Binding(name, i, Direction.IN, fallback, peer=o))
    if len(with_policies) < 2:
        return
    out.limitations.append(
        Limitation(
            f"{len(with_policies)} VDOMs have policies ({', '.join(with_policies)}): traffic between "
            "VDOMs over inter-VDOM links is not modelled",
            frozenset({"flow"}),
            (),
        )
    )


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse FortiOS text; also return what became of every line (for accounting tests)."""
    return _parse(text, Builder, filename)


def _parse(text: str, builder: type[Builder], filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse ``text`` with a ``builder`` that keeps the line accounting or not."""
    tree = shared_tree(text)
    b = reader.resume(tree, builder, filename)  # a remediated text that only adds blocks at the end
    if b is None:
        b = builder(filename)
        if b.accounts:
            for number in tree.comments:
                b.dispositions[number] = Disposition.COMMENT
        for stmt in tree.stray:
            b.unrecognized(stmt, "line outside any config block")
        reader.read(b, tree.root)
    b.version = _version(text)
    reader.remember(tree, b)
    reader.keep_tables(text, b)
    result = build_result(b, tree.line_count)
    return result, b.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse a FortiOS configuration into the vendor-neutral model.

    Never raises for odd lines: they become diagnostics.

    Args:
        text: ``show`` or ``show full-configuration`` output, or a backup file.
        filename: the name recorded in every ``Source``.

    Returns:
        The model (platform ``fortinet``), the diagnostics and the number of lines read.
    """
    return _parse(text, Unaccounted, filename)[0]  # the same result, without the line accounting
