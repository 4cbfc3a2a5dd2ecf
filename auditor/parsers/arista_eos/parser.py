"""The arista_eos parser: dispatches top-level blocks and builds the vendor-neutral model.

Parse stage of the pipeline (config text -> ``ParseResult``). Every input line ends up
extracted, known-and-ignored (``ignored.py``), part of a modelled limitation, or in a
diagnostic; ``parse_with_dispositions`` exposes that accounting for tests.

Assumptions the model rests on (VENDORS.md §8.1):
- No SIP or other media ALG: no EOS documentation or tooling found for one (searched the
  arista.eos Ansible collection, Arista AVD, Batfish's Arista grammar), so the model has no
  ``Feature`` and the ALG checks pass on absence. An unconfirmed absence, named here.
- No UPnP / NAT-PMP on EOS (none found either).
- Interfaces in a non-default VRF route apart from the default VRF. A management port in its
  own VRF is left out of the model (it carries no transit between default-VRF interfaces);
  any other routed interface in a VRF makes the flow checks unknown (``Limitation``), since
  the paths are per VRF and the model has one routing table; unless no ACL is bound to any
  interface, when no VRF filters anything either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from auditor.flowspace import FlowSpace
from auditor.model import (
    Binding,
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Direction,
    Interface,
    Limitation,
    ParseResult,
    Platform,
    Rule,
    RuleSet,
)
from auditor.parsers.arista_eos import blocks
from auditor.parsers.arista_eos.builder import AclDraft, EosBuilder
from auditor.parsers.arista_eos.ignored import TOP_LEVEL
from auditor.parsers.arista_eos.interfaces import read_interface, read_route
from auditor.parsers.arista_eos.lines import split_config
from auditor.parsers.cisco_ios.acl import AceSpec
from auditor.parsers.cisco_ios.lines import Block, Disposition

__all__ = ["parse", "parse_with_dispositions"]

Handler = Callable[[EosBuilder, Block], None]

_HANDLERS: Mapping[tuple[str, ...], Handler] = {
    ("interface",): read_interface,
    ("ip", "access-list"): blocks.read_acl,
    ("ip", "nat", "profile"): blocks.read_nat,
}
# Recognized commands the model cannot represent: (reason, security relevant).
_UNSUPPORTED: Mapping[tuple[str, ...], str] = {
    ("ip", "nat"): "NAT setting not modelled",
    ("ip", "access-list", "payload"): "payload ACL is not evaluated",
}


def _longest(words: tuple[str, ...]) -> tuple[str, object] | None:
    for length in range(min(len(words), 3), 0, -1):
        key = words[:length]
        if key in _HANDLERS:
            return "handler", _HANDLERS[key]
        if key in _UNSUPPORTED:
            return "unsupported", _UNSUPPORTED[key]
        if key in TOP_LEVEL:
            return "ignored", TOP_LEVEL[key]
    return None


def dispatch(builder: EosBuilder, block: Block) -> None:
    """Send one top-level block to its handler, the ignore table or a diagnostic."""
    header, words = block.header, block.header.words
    if words[0] == "hostname" and len(words) == 2:
        builder.hostname = header.tokens[1]
        builder.mark(header, Disposition.EXTRACTED)
        return
    if words[:2] == ("ip", "route"):
        read_route(builder, header)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    if words[:3] == ("no", "ip", "access-list") and len(words) in (4, 5):
        blocks.delete_acl(builder, header)
        builder.cover(block.children, Disposition.IGNORED)
        return
    entry = _longest(words)
    if entry is None:
        builder.unrecognized(header)
        builder.cover(block.children, Disposition.DIAGNOSED)
    elif entry[0] == "handler":
        handler: Handler = entry[1]  # type: ignore[assignment]
        handler(builder, block)
    elif entry[0] == "unsupported":
        builder.diagnose(header, DiagnosticKind.UNSUPPORTED, str(entry[1]), True)
        builder.cover(block.children, Disposition.DIAGNOSED)
    else:
        builder.mark(header, Disposition.IGNORED)
        builder.cover(block.children, Disposition.IGNORED)


# --- building the model ------------------------------------------------------------------


def _match(spec: AceSpec, standard: bool) -> FlowSpace:
    if spec.fragments:
        # `fragments` matches non-initial fragments only; a connection's first packet never is.
        return FlowSpace.nothing()
    if standard:
        return FlowSpace.build(src=spec.src.cubes)
    match = FlowSpace.nothing()
    for item in spec.services:
        match = match | FlowSpace.build(
            protocols=item.protocols,
            src=spec.src.cubes,
            dst=spec.dst.cubes,
            sport=item.sport,
            dport=item.dport,
            state=spec.state,
        )
    return match


def _ruleset(draft: AclDraft) -> RuleSet:
    rules: list[Rule] = []
    for entry in sorted(draft.entries, key=lambda e: e.seq):
        if entry.spec is None:
            assert entry.error is not None
            bound = None if entry.error.bound is None else _match(entry.error.bound, draft.standard)
            rules.append(Rule(entry.error.action, None, entry.source, bound))
        else:
            rules.append(Rule(entry.spec.action, _match(entry.spec, draft.standard), entry.source))
    return RuleSet(draft.name, tuple(rules), source=draft.source)


def _in_other_vrf(builder: EosBuilder, name: str) -> bool:
    eos = builder.eos.get(name)
    return eos is not None and eos.vrf.lower() != "default"


def _limitations(builder: EosBuilder, bindings: list[Binding]) -> list[Limitation]:
    out = list(builder.limitations)
    in_vrfs: list[tuple[str, str]] = []
    vrf_sources = []
    for name, eos in builder.eos.items():
        draft = builder.interfaces[name]
        if eos.switched and eos.acl_lines:
            out.append(
                Limitation(
                    f"ACL on switched port {name} filters bridged traffic before it is routed "
                    "(port ACL, not evaluated)",
                    frozenset({"flow"}),
                    tuple(eos.acl_lines),
                )
            )
        transit = not eos.switched and bool(draft.addresses) and not draft.shutdown
        exempt = name.lower().startswith(("management", "loopback"))  # no transit between VRFs
        if _in_other_vrf(builder, name) and transit and not exempt:
            assert eos.vrf_source is not None
            in_vrfs.append((name, eos.vrf))
            vrf_sources.append(eos.vrf_source)
    if in_vrfs and builder.bindings:  # with no ACL bound anywhere, no VRF filters either
        listed = ", ".join(f"{name} ({vrf})" for name, vrf in in_vrfs)
        out.append(
            Limitation(
                f"routed interfaces in non-default VRFs: {listed}; paths are evaluated in the "
                "default VRF only",
                frozenset({"flow"}),
                tuple(vrf_sources),
            )
        )
    if any(b.direction is Direction.OUT for b in bindings):
        nat = [source for eos in builder.eos.values() for source in eos.dynamic_nat]
        nat += [mapping.source for mapping in builder.mappings]
        if nat:
            out.append(
                Limitation(
                    "EOS source NAT with an outbound ACL: whether the ACL sees the translated "
                    "source is not confirmed",
                    frozenset({"flow"}),
                    tuple(sorted(nat, key=lambda source: source.line)),
                )
            )
    return out


def build_result(builder: EosBuilder, line_count: int) -> ParseResult:
    """Freeze what the builder read into a ``ParseResult``."""
    kept = [
        name for name, eos in builder.eos.items() if not eos.switched and not _in_other_vrf(builder, name)
    ]
    interfaces = tuple(
        Interface(
            draft.name,
            tuple(draft.addresses),
            draft.shutdown,
            draft.role,
            draft.role_reason,
            draft.source,
            draft.name.lower().startswith("loopback"),
        )
        for draft in builder.interfaces.values()
        if draft.name in kept
    )
    bindings = [b for b in builder.bindings if b.interface in kept]
    model = ConfigModel(
        platform=Platform.ARISTA_EOS,
        hostname=builder.hostname,
        version=builder.version,
        interfaces=interfaces,
        rulesets=tuple(_ruleset(draft) for draft in builder.acls.values()),
        bindings=tuple(bindings),
        routes=tuple(builder.routes),
        port_mappings=tuple(builder.mappings),
        limitations=tuple(_limitations(builder, bindings)),
    )
    diagnostics: list[Diagnostic] = sorted(builder.diagnostics, key=lambda d: d.source.line)
    return ParseResult(model, tuple(diagnostics), line_count)


_VERSION = re.compile(r"^! device: \S+ \(.*\bEOS-([\w.]+)\)", re.M)


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse EOS text; also return what became of every line (for accounting tests)."""
    split = split_config(text)
    builder = EosBuilder(filename)
    if (found := _VERSION.search(text[:10_000])) is not None:
        builder.version = found.group(1)  # the header `show running-config` prints
    builder.dispositions.update(split.dispositions)
    for block in split.blocks:
        dispatch(builder, block)
    if split.unterminated_banner is not None:
        builder.diagnose(
            split.unterminated_banner,
            DiagnosticKind.UNRECOGNIZED,
            "banner never closed by EOF: the rest of the file was read as its text",
            False,
        )
    return build_result(builder, split.line_count), builder.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse an Arista EOS configuration into the vendor-neutral model.

    Never raises for odd lines: they become diagnostics.

    Args:
        text: the configuration text (``show running-config`` or an archived copy).
        filename: the name recorded in every ``Source``.

    Returns:
        The model (platform ``arista_eos``), the diagnostics and the number of lines read.
    """
    return parse_with_dispositions(text, filename)[0]
