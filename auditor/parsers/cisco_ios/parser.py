"""The cisco_ios parser: dispatches top-level blocks and builds the vendor-neutral model.

Parse stage of the pipeline (config text -> ``ParseResult``). Every input line ends up
extracted, known-and-ignored (``ignored.py``), part of a modelled limitation, or in a
diagnostic; ``parse_with_dispositions`` exposes that accounting for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from operator import attrgetter

from auditor.flowspace import FlowSpace
from auditor.model import (
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Feature,
    Interface,
    ParseResult,
    Platform,
    Role,
    Rule,
    RuleSet,
    Source,
)
from auditor.parsers.cisco_ios import blocks, zbf
from auditor.parsers.cisco_ios.acl import AceSpec, ServiceItem
from auditor.parsers.cisco_ios.builder import AclDraft, Builder
from auditor.parsers.cisco_ios.ignored import TOP_LEVEL
from auditor.parsers.cisco_ios.interfaces import read_interface, read_route
from auditor.parsers.cisco_ios.lines import Block, Disposition, split_config
from auditor.parsers.cisco_ios.nat import build_source_nats, nat_alg_features
from auditor.parsers.cisco_ios.objgroups import GroupError, resolve_network, resolve_service

Handler = Callable[[Builder, Block], None]

# Recognized commands the model cannot represent: (reason, security relevant).
_UNSUPPORTED: Mapping[tuple[str, ...], tuple[str, bool]] = {
    ("ip", "ips"): ("IOS IPS can drop transit (not evaluated)", True),
    ("ip", "audit"): ("IOS IDS can drop transit (not evaluated)", True),
    ("ip", "admission"): ("authentication proxy (not evaluated)", True),
    ("ip", "auth-proxy"): ("authentication proxy (not evaluated)", True),
    ("ip", "urlfilter"): ("URL filtering (not evaluated)", True),
    ("ip", "wccp"): ("WCCP redirects transit traffic (not evaluated)", True),
    ("ip", "inspect"): ("CBAC setting not understood", True),
    ("ip", "access-list", "role-based"): ("role-based (TrustSec) ACL is not evaluated", True),
    ("ip", "nat", "settings"): ("NAT setting not modelled", True),
    ("vlan", "access-map"): ("VLAN access map (VACL) can drop routed traffic (not evaluated)", True),
    ("vlan", "filter"): ("VLAN access map (VACL) application (not evaluated)", True),
}

_HANDLERS: Mapping[tuple[str, ...], Handler] = {
    ("interface",): read_interface,
    ("ip", "access-list", "standard"): blocks.read_named_acl,
    ("ip", "access-list", "extended"): blocks.read_named_acl,
    ("ip", "access-list"): blocks.read_untyped_acl,
    ("access-list",): blocks.read_numbered_acl,
    ("object-group",): blocks.read_object_group,
    ("ip", "nat"): blocks.read_nat,
    ("ip", "inspect", "name"): blocks.read_inspect_name,
    ("ip", "port-map"): zbf.read_port_map,
    ("zone",): zbf.read_zone,
    ("zone-pair",): zbf.read_zone_pair,
    ("class-map", "type", "inspect"): zbf.read_class_map,
    ("policy-map", "type", "inspect"): zbf.read_policy_map,
    # `parameter-map type inspect` (timeouts, half-open limits, logging) falls through to the
    # ignore table: none of its settings changes which new connections a policy allows.
}


def _longest(words: tuple[str, ...]) -> tuple[str, object] | None:
    """Return the longest-prefix entry among handlers, unsupported and ignored commands."""
    for length in range(min(len(words), 3), 0, -1):
        key = words[:length]
        if key in _HANDLERS:
            return "handler", _HANDLERS[key]
        if key in _UNSUPPORTED:
            return "unsupported", _UNSUPPORTED[key]
        if key in TOP_LEVEL:
            return "ignored", TOP_LEVEL[key]
    return None


def _simple(builder: Builder, block: Block) -> bool:
    """Handle one-line commands with a value; return True when handled."""
    header, words = block.header, block.header.words
    if words[0] in ("hostname", "version") and len(words) == 2:
        setattr(builder, words[0], header.tokens[1])
        builder.mark(header, Disposition.EXTRACTED)
        builder.cover(block.children, Disposition.IGNORED)
        return True
    if words[:2] == ("ip", "route"):
        read_route(builder, header)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return True
    return False


def _negated(builder: Builder, block: Block) -> None:
    header, words = block.header, block.header.words
    builder.cover(block.children, Disposition.IGNORED)
    rest = words[1:]
    if rest[:3] == ("ip", "nat", "service"):
        blocks.read_alg(builder, header, negated=True)
    elif rest[:2] == ("ip", "access-list") and len(rest) == 4 and rest[2] in ("standard", "extended"):
        blocks.delete_acl(builder, header, header.tokens[4])
    elif rest[:1] == ("access-list",) and len(rest) == 2:
        blocks.delete_acl(builder, header, header.tokens[2])
    elif (entry := _longest(rest)) is not None and entry[0] == "ignored":
        builder.mark(header, Disposition.IGNORED)
    elif entry is not None:
        builder.diagnose(header, DiagnosticKind.UNSUPPORTED, "negated form of a modelled command")
    else:
        builder.unrecognized(header)


def dispatch(builder: Builder, block: Block) -> None:
    """Send one top-level block to its handler, the ignore table or a diagnostic."""
    words = block.header.words
    if words[0] == "no" and len(words) > 1:
        _negated(builder, block)
        return
    if _simple(builder, block):
        return
    entry = _longest(words)
    if entry is None:
        builder.unrecognized(block.header)
        builder.cover(block.children, Disposition.DIAGNOSED)
    elif entry[0] == "handler":
        handler: Handler = entry[1]  # type: ignore[assignment]
        handler(builder, block)
    elif entry[0] == "unsupported":
        reason: str
        relevant: bool
        reason, relevant = entry[1]  # type: ignore[misc]
        builder.diagnose(block.header, DiagnosticKind.UNSUPPORTED, reason, relevant)
        builder.cover(block.children, Disposition.DIAGNOSED)
    else:
        builder.mark(block.header, Disposition.IGNORED)
        builder.cover(block.children, Disposition.IGNORED)


# --- building the model ------------------------------------------------------------------


def _match(builder: Builder, spec: AceSpec, standard: bool) -> FlowSpace:
    """Return the packets an entry matches, resolving object groups.

    Raises:
        GroupError: a group is undefined, loops or has members not understood.
    """
    if spec.src.group is None and spec.dst.group is None and spec.service_group is None:
        return _plain_match(spec, standard)
    return _match_general(builder, spec, standard)


@lru_cache(maxsize=4096)
def _plain_match(spec: AceSpec, standard: bool) -> FlowSpace:
    """Return ``_match`` of an entry that names no object group.

    A value of the entry alone, so cached: the fast path's specs repeat across entries, and
    the proof re-parses the same entries.
    """
    return _match_general(None, spec, standard)


def _match_general(builder: Builder | None, spec: AceSpec, standard: bool) -> FlowSpace:
    """``_match`` for every entry (``builder`` may be None when the entry names no group).

    Raises:
        GroupError: a group is undefined, loops or has members not understood.
    """
    if spec.fragments:
        # `fragments` matches non-initial fragments only; a new connection's first packet
        # is never one, so for the audited flows the entry matches nothing.
        return FlowSpace.nothing()
    src = (
        spec.src.cubes
        if spec.src.group is None
        else resolve_network(spec.src.group, _groups(builder).network_groups)
    )
    if standard:
        return FlowSpace.build(src=src)
    dst = (
        spec.dst.cubes
        if spec.dst.group is None
        else resolve_network(spec.dst.group, _groups(builder).network_groups)
    )
    items: tuple[ServiceItem, ...] = spec.services
    if spec.service_group is not None:
        items = resolve_service(spec.service_group, _groups(builder).service_groups)
    if len(items) == 1:  # what the union below gives for one item
        item = items[0]
        return FlowSpace.build(
            protocols=item.protocols, src=src, dst=dst, sport=item.sport, dport=item.dport, state=spec.state
        )
    match = FlowSpace.nothing()
    for item in items:
        match = match | FlowSpace.build(
            protocols=item.protocols, src=src, dst=dst, sport=item.sport, dport=item.dport, state=spec.state
        )
    return match


def _groups(builder: Builder | None) -> Builder:
    """Return the builder whose object groups an entry that names one resolves against."""
    assert builder is not None, "an entry naming an object group needs the config's groups"
    return builder


_SEQ = attrgetter("seq")


def _ruleset(builder: Builder, draft: AclDraft, diagnostics: list[Diagnostic]) -> RuleSet:
    rules: list[Rule] = []
    for entry in sorted(draft.entries, key=_SEQ):
        if entry.rule is not None:
            rules.append(entry.rule)
            continue
        if entry.spec is None:
            assert entry.error is not None
            bound = None
            if entry.error.bound is not None:
                try:
                    bound = _match(builder, entry.error.bound, draft.standard)
                except GroupError:
                    bound = None
            rules.append(Rule(entry.error.action, None, entry.source, bound))
            continue
        try:
            rules.append(Rule(entry.spec.action, _match(builder, entry.spec, draft.standard), entry.source))
        except GroupError as error:
            rules.append(Rule(entry.spec.action, None, entry.source))
            diagnostics.append(
                Diagnostic(entry.source, DiagnosticKind.UNRECOGNIZED, f"ACL {draft.name}: {error}", True)
            )
    return RuleSet(draft.name, tuple(rules), source=draft.source)


def _interfaces(builder: Builder) -> tuple[Interface, ...]:
    nat_interfaces: dict[str, Source] = {}
    for rule in builder.nat.dynamic:
        if rule.interface:
            nat_interfaces.setdefault(rule.interface, rule.source)
    out = []
    for draft in builder.interfaces.values():
        role, reason = draft.role, draft.role_reason
        if role is Role.UNKNOWN and draft.name in nat_interfaces:
            role = Role.OUTSIDE
            reason = f"NAT translates to this interface's address (line {nat_interfaces[draft.name].line})"
        loopback = draft.name.lower().startswith("loopback")
        out.append(
            Interface(
                draft.name, tuple(draft.addresses), draft.shutdown, role, reason, draft.source, loopback
            )
        )
    return tuple(out)


def _nat_acts(builder: Builder, interfaces: tuple[Interface, ...]) -> bool:
    roles = {iface.role for iface in interfaces if iface.role_reason.startswith("ip nat")}
    return bool(builder.nat.rule_lines) and {Role.INSIDE, Role.OUTSIDE} <= roles


def _features(builder: Builder, interfaces: tuple[Interface, ...]) -> tuple[Feature, ...]:
    features: list[Feature] = []
    if _nat_acts(builder, interfaces):
        features.extend(nat_alg_features(builder.nat))
    features.extend(builder.cbac.features())
    return tuple(features)


def _pool_diagnostics(builder: Builder) -> list[Diagnostic]:
    return [
        Diagnostic(rule.source, DiagnosticKind.UNRECOGNIZED, f"NAT pool {rule.pool!r} is not defined", True)
        for rule in builder.nat.dynamic
        if rule.pool is not None and rule.pool not in builder.nat.pools
    ]


def build_result(builder: Builder, line_count: int) -> ParseResult:
    """Freeze what the builder read into a ``ParseResult``."""
    diagnostics = list(builder.diagnostics)
    rulesets = tuple(_ruleset(builder, draft, diagnostics) for draft in builder.acls.values())
    diagnostics.extend(_pool_diagnostics(builder))
    interfaces = _interfaces(builder)
    zones = zbf.build(
        builder.zbf, [i.name for i in interfaces if not i.loopback], {r.name: r for r in rulesets}
    )
    diagnostics.extend(zones.diagnostics)
    model = ConfigModel(
        platform=Platform.CISCO_IOS,
        hostname=builder.hostname,
        version=builder.version,
        interfaces=interfaces,
        rulesets=rulesets + tuple(zones.rulesets),
        # ZBF after the interface ACLs: ACLs are processed before the zone policy (VENDORS §1.1).
        bindings=tuple(builder.bindings) + tuple(zones.bindings),
        routes=tuple(builder.routes),
        source_nats=tuple(build_source_nats(builder.nat)),
        port_mappings=tuple(builder.nat.mappings),
        features=_features(builder, interfaces) + tuple(zones.features),
        limitations=tuple(zones.limitations),
    )
    diagnostics.sort(key=lambda d: d.source.line)
    return ParseResult(model, tuple(diagnostics), line_count)


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse IOS text; also return what became of every line (for accounting tests)."""
    split = split_config(text)
    builder = Builder(filename)
    builder.dispositions.update(split.dispositions)
    for block in split.blocks:
        dispatch(builder, block)
    for source in builder.zbf.sources:  # zone-member lines (interfaces.py marks them limitation)
        builder.dispositions[source.line] = Disposition.EXTRACTED
    if split.unterminated_banner is not None:
        builder.diagnose(
            split.unterminated_banner,
            DiagnosticKind.UNRECOGNIZED,
            "banner never closed: the rest of the file was read as its text",
            False,
        )
    return build_result(builder, split.line_count), builder.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse an IOS / IOS XE configuration into the vendor-neutral model.

    Never raises for odd lines: they become diagnostics.

    Args:
        text: the configuration text (``show running-config`` or an archived copy).
        filename: the name recorded in every ``Source``.

    Returns:
        The model (platform ``cisco_ios``), the diagnostics and the number of lines read.
    """
    return parse_with_dispositions(text, filename)[0]
