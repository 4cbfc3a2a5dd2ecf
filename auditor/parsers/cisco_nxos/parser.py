"""The cisco_nxos parser: dispatches top-level blocks and builds the vendor-neutral model.

Parse stage of the pipeline (config text -> ``ParseResult``). Line splitting, the builder and
the NAT static-entry reader are shared with the cisco_ios parser; the ACL entry grammar,
object groups, interfaces and the ignore tables are NX-OS's own. Every input line ends up
extracted, known-and-ignored (``ignored.py``), part of a modelled limitation, or in a
diagnostic; ``parse_with_dispositions`` exposes that accounting for tests.

ACL semantics (Cisco Nexus NX-OS Security Configuration Guides, "Implicit Rules" and
"Sequence Numbers"): entries are matched in sequence-number order, first match wins, and every
IPv4 ACL ends with an implicit ``deny ip any any`` that never prints. An entry (or remark)
without a number gets the highest number so far plus 10.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.flowspace import FlowSpace
from auditor.model import (
    Action,
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Interface,
    Limitation,
    ParseResult,
    Platform,
    Rule,
    RuleSet,
    Source,
)
from auditor.parsers.cisco_ios.acl import AceError
from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition, split_config
from auditor.parsers.cisco_ios.objgroups import GroupError, NetworkGroup
from auditor.parsers.cisco_nxos.acl import BoundedAceError, NxAce, parse_entry
from auditor.parsers.cisco_nxos.ignored import ACL_SETTINGS, TOP_LEVEL, lookup
from auditor.parsers.cisco_nxos.interfaces import read_interface, read_route
from auditor.parsers.cisco_nxos.nat import nat_alg_features, nat_limitations, read_nat
from auditor.parsers.cisco_nxos.objgroups import address_member, port_member, resolve_addresses, resolve_ports
from auditor.parsers.cisco_nxos.state import NxBuilder, PortGroup

# Recognized top-level commands that can drop routed transit but are not evaluated.
_LIMITED: Mapping[tuple[str, ...], str] = {
    ("vlan", "access-map"): "VLAN access map (VACL): can drop routed traffic in that VLAN (not evaluated)",
    ("vlan", "filter"): "VLAN access map (VACL) applied to VLANs: can drop routed traffic (not evaluated)",
}


@dataclass(slots=True)
class _Entry:
    seq: int
    source: Source
    ace: NxAce | None
    error: AceError | None


@dataclass(slots=True)
class _Acl:
    name: str
    source: Source
    entries: list[_Entry] = field(default_factory=list)
    last_seq: int = 0

    def next_seq(self, given: int | None) -> int:
        seq = given if given is not None else self.last_seq + 10
        self.last_seq = max(self.last_seq, seq)
        return seq


@dataclass(slots=True)
class _State:
    builder: NxBuilder
    acls: dict[str, _Acl] = field(default_factory=dict)


def _read_acl(state: _State, block: Block) -> None:
    builder, header = state.builder, block.header
    if len(header.tokens) != 3:
        builder.unrecognized(header, "ip access-list header not understood")
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    name = header.tokens[2]
    acl = state.acls.setdefault(name, _Acl(name, builder.source(header)))
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        _read_acl_line(builder, acl, line)


def _read_acl_line(builder: NxBuilder, acl: _Acl, line: ConfigLine) -> None:
    tokens, words = line.tokens, line.words
    given = int(tokens[0]) if tokens[0].isdigit() else None
    body, body_words = (tokens[1:], words[1:]) if given is not None else (tokens, words)
    if not body:
        builder.unrecognized(line, "sequence number without an entry")
        return
    if body_words[0] == "remark":
        acl.next_seq(given)  # remarks take a sequence number too
        builder.mark(line, Disposition.IGNORED)
        return
    if body_words[0] in ("permit", "deny"):
        source = builder.source(line)
        try:
            acl.entries.append(_Entry(acl.next_seq(given), source, parse_entry(body), None))
            builder.mark(line, Disposition.EXTRACTED)
        except AceError as error:
            acl.entries.append(_Entry(acl.next_seq(given), source, None, error))
            builder.diagnose(line, error.kind, f"ACL {acl.name}: {error.reason}", True)
        return
    if given is None and lookup(ACL_SETTINGS, words) is not None:
        builder.mark(line, Disposition.IGNORED)
        return
    builder.unrecognized(line, "ip access-list line not understood")


def _read_object_group(builder: NxBuilder, block: Block) -> None:
    header, words = block.header, block.header.words
    if len(words) != 4 or words[1] != "ip" or words[2] not in ("address", "port"):
        builder.unrecognized(header, "object-group form not understood")
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    name, source = header.tokens[3], builder.source(header)
    builder.mark(header, Disposition.EXTRACTED)
    if words[2] == "address":
        group = builder.network_groups.setdefault(name, NetworkGroup(name, source))
        for line in block.children:
            try:
                group.cubes.append(address_member(line.tokens))
                builder.mark(line, Disposition.EXTRACTED)
            except GroupError as error:
                group.broken.append(str(error))
                builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, str(error), True)
        return
    ports = builder.port_groups.setdefault(name, PortGroup(name, source))
    for line in block.children:
        try:
            ports.intervals.extend(port_member(line.tokens))
            builder.mark(line, Disposition.EXTRACTED)
        except GroupError as error:
            ports.broken.append(str(error))
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, str(error), True)


def _read_vrf_context(builder: NxBuilder, block: Block) -> None:
    """``vrf context NAME``: routes of a non-default VRF (management's default route too)."""
    builder.mark(block.header, Disposition.IGNORED)
    builder.cover(block.children, Disposition.IGNORED)


def _limited(builder: NxBuilder, block: Block, reason: str) -> None:
    sources = [builder.source(block.header)]
    builder.limitations.append(Limitation(reason, frozenset({"flow"}), tuple(sources)))
    builder.mark(block.header, Disposition.LIMITATION)
    builder.cover(block.children, Disposition.LIMITATION)


def _negated(state: _State, block: Block) -> None:
    builder, header, words = state.builder, block.header, block.header.words
    builder.cover(block.children, Disposition.IGNORED)
    if words[1:3] == ("ip", "access-list") and len(words) == 4:
        state.acls.pop(header.tokens[3], None)  # generated command files clear the list first
        builder.mark(header, Disposition.EXTRACTED)
    elif lookup(TOP_LEVEL, words[1:]) is not None:
        builder.mark(header, Disposition.IGNORED)
    else:
        builder.unrecognized(header)


def dispatch(state: _State, block: Block) -> None:
    """Send one top-level block to its reader, the ignore table or a diagnostic."""
    builder, header, words = state.builder, block.header, block.header.words
    if words[0] == "no" and len(words) > 1:
        _negated(state, block)
        return
    if words[0] in ("hostname", "switchname") and len(words) == 2:
        builder.hostname = header.tokens[1]
        builder.mark(header, Disposition.EXTRACTED)
        return
    if words[0] == "version" and len(words) >= 2:
        builder.version = header.tokens[1]
        builder.mark(header, Disposition.EXTRACTED)
        return
    if words[:2] == ("ip", "access-list"):
        _read_acl(state, block)
    elif words[0] == "object-group" and words[1:2] == ("ip",):
        _read_object_group(builder, block)
    elif words[0] == "interface":
        read_interface(builder, block)
    elif words[:2] == ("ip", "route"):
        read_route(builder, header)
        builder.cover(block.children, Disposition.DIAGNOSED)
    elif words[:2] == ("ip", "nat"):
        read_nat(builder, block)
    elif words[:2] == ("vrf", "context"):
        _read_vrf_context(builder, block)
    elif (reason := lookup(_LIMITED, words)) is not None:
        _limited(builder, block, reason)
    elif lookup(TOP_LEVEL, words) is not None:
        builder.mark(header, Disposition.IGNORED)
        builder.cover(block.children, Disposition.IGNORED)
    else:
        builder.unrecognized(header)
        builder.cover(block.children, Disposition.DIAGNOSED)


# --- building the model ------------------------------------------------------------------


def _match(builder: NxBuilder, ace: NxAce) -> FlowSpace:
    """Return the packets an entry matches, resolving address and port groups.

    Raises:
        GroupError: a group is undefined or has members not understood.
    """
    spec = ace.spec
    if spec.fragments:
        # `fragments` matches non-initial fragments only; a new connection's first packet
        # is never one, so for the audited flows the entry matches nothing.
        return FlowSpace.nothing()
    src = (
        spec.src.cubes
        if spec.src.group is None
        else resolve_addresses(spec.src.group, builder.network_groups)
    )
    dst = (
        spec.dst.cubes
        if spec.dst.group is None
        else resolve_addresses(spec.dst.group, builder.network_groups)
    )
    item = spec.services[0]
    sport = item.sport if ace.sport_group is None else resolve_ports(ace.sport_group, builder.port_groups)
    dport = item.dport if ace.dport_group is None else resolve_ports(ace.dport_group, builder.port_groups)
    return FlowSpace.build(
        protocols=item.protocols, src=src, dst=dst, sport=sport, dport=dport, state=spec.state
    )


def _ruleset(builder: NxBuilder, acl: _Acl, diagnostics: list[Diagnostic]) -> RuleSet:
    rules: list[Rule] = []
    for entry in sorted(acl.entries, key=lambda e: e.seq):
        if entry.ace is None:
            assert entry.error is not None
            bound = None
            if isinstance(entry.error, BoundedAceError) and entry.error.bound_ace is not None:
                try:
                    bound = _match(builder, entry.error.bound_ace)
                except GroupError:
                    bound = None
            rules.append(Rule(entry.error.action, None, entry.source, bound))
            continue
        try:
            rules.append(Rule(entry.ace.spec.action, _match(builder, entry.ace), entry.source))
        except GroupError as error:
            rules.append(Rule(entry.ace.spec.action, None, entry.source))
            builder.dispositions[entry.source.line] = Disposition.DIAGNOSED
            diagnostics.append(
                Diagnostic(entry.source, DiagnosticKind.UNRECOGNIZED, f"ACL {acl.name}: {error}", True)
            )
    # The implicit `deny ip any any` is the rule set's default action.
    return RuleSet(acl.name, tuple(rules), Action.DENY, acl.source)


def _interfaces(builder: NxBuilder) -> tuple[Interface, ...]:
    out = []
    for draft in builder.interfaces.values():
        # mgmt0 sits in the out-of-band management VRF: like a loopback, no transit enters it.
        internal = draft.name.lower().startswith(("loopback", "mgmt"))
        out.append(
            Interface(
                draft.name,
                tuple(draft.addresses),
                draft.shutdown,
                draft.role,
                draft.role_reason,
                draft.source,
                internal,
            )
        )
    return tuple(out)


def _vrf_limitations(builder: NxBuilder, interfaces: tuple[Interface, ...]) -> list[Limitation]:
    out = []
    for iface in interfaces:
        member = builder.vrf_members.get(iface.name)
        if member is None or iface.loopback or iface.shutdown or member[0].lower() == "default":
            continue
        out.append(
            Limitation(
                f"{iface.name} routes in VRF {member[0]}, whose routing table is not modelled "
                "separately from the default VRF",
                frozenset({"flow"}),
                (member[1],),
            )
        )
    return out


def build_result(state: _State, line_count: int) -> ParseResult:
    """Freeze what was read into a ``ParseResult``."""
    builder = state.builder
    diagnostics = list(builder.diagnostics)
    rulesets = tuple(_ruleset(builder, acl, diagnostics) for acl in state.acls.values())
    interfaces = _interfaces(builder)
    nat = nat_limitations(builder)
    for source in builder.dynamic_nat:
        # A source NAT line counts as a limitation only when it can change a verdict.
        if builder.dispositions.get(source.line) is None:
            builder.dispositions[source.line] = Disposition.LIMITATION if nat else Disposition.IGNORED
    model = ConfigModel(
        platform=Platform.CISCO_NXOS,
        hostname=builder.hostname,
        version=builder.version,
        interfaces=interfaces,
        rulesets=rulesets,
        bindings=tuple(builder.bindings),
        routes=tuple(builder.routes),
        port_mappings=tuple(builder.port_mappings),
        features=tuple(nat_alg_features(builder)),
        limitations=tuple(builder.limitations) + tuple(_vrf_limitations(builder, interfaces)) + tuple(nat),
    )
    diagnostics.sort(key=lambda d: d.source.line)
    return ParseResult(model, tuple(diagnostics), line_count)


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse NX-OS text; also return what became of every line (for accounting tests)."""
    split = split_config(text)
    state = _State(NxBuilder(filename))
    state.builder.dispositions.update(split.dispositions)
    for block in split.blocks:
        dispatch(state, block)
    if split.unterminated_banner is not None:
        state.builder.diagnose(
            split.unterminated_banner,
            DiagnosticKind.UNRECOGNIZED,
            "banner never closed: the rest of the file was read as its text",
            False,
        )
    return build_result(state, split.line_count), state.builder.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse an NX-OS configuration into the vendor-neutral model.

    Never raises for odd lines: they become diagnostics.

    Args:
        text: the configuration text (``show running-config`` or an archived copy).
        filename: the name recorded in every ``Source``.

    Returns:
        The model (platform ``cisco_nxos``), the diagnostics and the number of lines read.
    """
    return parse_with_dispositions(text, filename)[0]


__all__ = ["build_result", "dispatch", "parse", "parse_with_dispositions"]
