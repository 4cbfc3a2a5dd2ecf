"""Handlers for the cisco_ios top-level commands that carry ACLs, groups, NAT and firewalls.

Part of the cisco_ios parser (parse stage); ``parser.py`` dispatches blocks here.
Numbered ACL ranges (Cisco "IP Access List Overview"): 1-99 and 1300-1999 standard,
100-199 and 2000-2699 extended; other numbers are not IP ACLs.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.flowspace import Cube
from auditor.model import Action, DiagnosticKind, Rule, Source
from auditor.parsers.cisco_ios.acl import (
    AceError,
    first_action,
    parse_extended,
    parse_standard,
    plain_match,
)
from auditor.parsers.cisco_ios.builder import AclDraft, AclEntry, Builder
from auditor.parsers.cisco_ios.firewall import MEDIA_PROTOCOLS, NON_MEDIA_PROTOCOLS, STREAMING_PROTOCOLS
from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition
from auditor.parsers.cisco_ios.nat import (
    NatError,
    read_alg_service,
    read_dynamic,
    read_pool,
    read_pool_address,
    read_static,
)
from auditor.parsers.cisco_ios.objgroups import (
    GroupError,
    NetworkGroup,
    ServiceGroup,
    read_network_member,
    read_service_member,
)


def acl_kind(number: int) -> str | None:
    """Return ``standard``/``extended`` for an IP ACL number, or None for other ACL types."""
    if 1 <= number <= 99 or 1300 <= number <= 1999:
        return "standard"
    if 100 <= number <= 199 or 2000 <= number <= 2699:
        return "extended"
    return None


# --- ACLs --------------------------------------------------------------------------------


def _draft(builder: Builder, name: str, standard: bool, line: ConfigLine) -> AclDraft | None:
    draft = builder.acls.get(name)
    if draft is None:
        draft = AclDraft(name, standard, builder.source(line))
        builder.acls[name] = draft
    if draft.standard != standard:
        builder.diagnose(
            line,
            DiagnosticKind.UNRECOGNIZED,
            f"ACL {name} is already defined as {'standard' if draft.standard else 'extended'}",
            True,
        )
        return None
    return draft


def add_entry(builder: Builder, draft: AclDraft, line: ConfigLine, tokens: tuple[str, ...]) -> None:
    """Add one ``[seq] permit|deny ...`` / ``remark`` entry (tokens exclude the ACL name)."""
    seq: int | None = None
    if tokens and tokens[0].isdigit():
        seq, tokens = int(tokens[0]), tokens[1:]
    if not draft.standard and type(tokens) is tuple:
        # A plain extended entry starts with permit/deny and a protocol, so none of the
        # special forms below (remark, evaluate, dynamic) reaches this return.
        read = plain_match(tokens)
        if read is not None:
            source = Source(builder.file, line.number, line.raw)
            rule = Rule(read[0], read[1], source)
            draft.entries.append(AclEntry(draft.next_seq(seq), source, None, None, rule))
            builder.dispositions.setdefault(line.number, Disposition.EXTRACTED)
            return
    _add_other(builder, draft, line, seq, tokens)


def _add_other(
    builder: Builder, draft: AclDraft, line: ConfigLine, seq: int | None, tokens: Sequence[str]
) -> None:
    """``add_entry`` for an entry that is not a plain extended one (``seq`` already read)."""
    first = tokens[0].lower() if tokens else ""
    if first == "remark":
        draft.next_seq(seq)
        builder.mark(line, Disposition.IGNORED)
        return
    source = builder.source(line)
    try:
        if first == "evaluate":  # reflexive ACL: permits return traffic known only at run time
            raise AceError(
                Action.PERMIT,
                DiagnosticKind.UNSUPPORTED,
                "reflexive ACL 'evaluate' permits traffic known only at run time",
            )
        if first == "dynamic" or (len(tokens) > 1 and tokens[1].lower() == "dynamic"):
            raise AceError(
                first_action(tokens),
                DiagnosticKind.UNSUPPORTED,
                "lock-and-key dynamic entry (opened at run time)",
            )
        spec = parse_standard(tokens) if draft.standard else parse_extended(tokens)
    except AceError as error:
        draft.entries.append(AclEntry(draft.next_seq(seq), source, None, error))
        builder.diagnose(line, error.kind, f"ACL {draft.name}: {error.reason}", True)
        return
    draft.entries.append(AclEntry(draft.next_seq(seq), source, spec, None))
    builder.mark(line, Disposition.EXTRACTED)


def _add_extended_entries(builder: Builder, draft: AclDraft, lines: list[ConfigLine]) -> None:
    """``add_entry`` for every line of an extended ACL's body.

    The plain-entry path of ``add_entry`` written out in the loop (most lines take it):
    no call, no ``next_seq`` call, per line.
    """
    file, dispositions, entries = builder.file, builder.dispositions, draft.entries
    extracted = Disposition.EXTRACTED
    for line in lines:
        tokens = line.tokens
        seq: int | None = None
        if tokens and tokens[0].isdigit():
            seq, tokens = int(tokens[0]), tokens[1:]
        read = plain_match(tokens)
        if read is None:
            _add_other(builder, draft, line, seq, tokens)
            continue
        # ``draft.next_seq(seq)``
        if seq is None:
            seq = draft.last_seq = draft.last_seq + 10
        elif seq > draft.last_seq:
            draft.last_seq = seq
        number = line.number
        source = Source(file, number, line.raw)
        entries.append(AclEntry(seq, source, None, None, Rule(read[0], read[1], source)))
        dispositions.setdefault(number, extracted)


def read_named_acl(builder: Builder, block: Block) -> None:
    """Read ``ip access-list standard|extended NAME`` and its entries."""
    header, words = block.header, block.header.words
    if len(words) != 4:
        builder.diagnose(
            header,
            DiagnosticKind.UNRECOGNIZED,
            f"ACL header not understood; its {len(block.children)} entry lines are not modelled",
            True,
        )
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    draft = _draft(builder, header.tokens[3], words[2] == "standard", header)
    if draft is None:
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    builder.mark(header, Disposition.EXTRACTED)
    if not draft.standard:
        _add_extended_entries(builder, draft, block.children)
        return
    for line in block.children:
        add_entry(builder, draft, line, line.tokens)


def read_untyped_acl(builder: Builder, block: Block) -> None:
    """Report ``ip access-list NAME`` without ``standard``/``extended`` (NX-OS/EOS syntax)."""
    reason = (
        "ACL header without 'standard' or 'extended' is not IOS syntax; "
        f"its {len(block.children)} entry lines are not modelled"
    )
    builder.diagnose(block.header, DiagnosticKind.UNRECOGNIZED, reason, True)
    builder.cover(block.children, Disposition.DIAGNOSED)
    # The list exists but its content is unknown: one opaque entry keeps the engine from
    # treating a binding to it as a binding to an undefined (permit-all) list.
    draft = _draft(builder, block.header.tokens[2], False, block.header)
    if draft is not None:
        error = AceError(Action.DENY, DiagnosticKind.UNRECOGNIZED, reason)
        draft.entries.append(AclEntry(draft.next_seq(None), builder.source(block.header), None, error))


def read_numbered_acl(builder: Builder, block: Block) -> None:
    """Read ``access-list N permit|deny|remark ...``."""
    header, tokens = block.header, block.header.tokens
    builder.cover(block.children, Disposition.DIAGNOSED)
    if len(tokens) < 3 or not tokens[1].isdigit():
        if len(tokens) > 1 and tokens[1].lower() == "dynamic-extended":
            builder.diagnose(header, DiagnosticKind.UNSUPPORTED, "lock-and-key timer extension", False)
        else:
            builder.unrecognized(header, "access-list form not understood (not an IOS numbered ACL)")
        return
    kind = acl_kind(int(tokens[1]))
    if kind is None:
        builder.diagnose(
            header, DiagnosticKind.UNSUPPORTED, f"access-list {tokens[1]} is not an IP ACL", False
        )
        return
    draft = _draft(builder, tokens[1], kind == "standard", header)
    if draft is not None:
        add_entry(builder, draft, header, tokens[2:])


def delete_acl(builder: Builder, line: ConfigLine, name: str) -> None:
    """Apply ``no ip access-list ... NAME`` / ``no access-list N``: forget what was read."""
    builder.acls.pop(name, None)
    builder.mark(line, Disposition.EXTRACTED)


# --- object groups -----------------------------------------------------------------------


def read_object_group(builder: Builder, block: Block) -> None:
    """Read ``object-group network|service NAME`` and its members."""
    header, words = block.header, block.header.words
    if len(words) < 3 or words[1] not in ("network", "service"):
        builder.diagnose(header, DiagnosticKind.UNSUPPORTED, "object-group kind not modelled", True)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    name, source = header.tokens[2], builder.source(header)
    group: NetworkGroup | ServiceGroup
    if words[1] == "network":
        group = builder.network_groups.setdefault(name, NetworkGroup(name, source))
    else:
        group = builder.service_groups.setdefault(name, ServiceGroup(name, source))
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        try:
            if isinstance(group, NetworkGroup):
                used = read_network_member(group, line.tokens)
            else:
                used = read_service_member(group, line.tokens)
        except GroupError as error:
            group.broken.append(str(error))
            builder.diagnose(line, error.kind, f"object-group {name}: {error}", True)
            continue
        builder.mark(line, Disposition.EXTRACTED if used else Disposition.IGNORED)


# --- NAT ---------------------------------------------------------------------------------


def _nat_rule(builder: Builder, line: ConfigLine) -> None:
    words, tokens, source = line.words, line.tokens, builder.source(line)
    inside = words[2] == "inside"
    builder.nat.rule_lines.append(source)
    try:
        if words[4] == "static":
            mapping, nat = read_static(tokens[5:], source, inside=inside)
            builder.nat.mappings.append(mapping)
            if nat is not None:
                builder.nat.static_nats.append(nat)
        elif inside:
            builder.nat.dynamic.append(read_dynamic(tokens[4:], source))
        else:
            builder.diagnose(
                line,
                DiagnosticKind.UNSUPPORTED,
                "dynamic outside source NAT rewrites outside addresses (not evaluated)",
                True,
            )
            return
    except NatError as error:
        builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, str(error), True)
        return
    builder.mark(line, Disposition.EXTRACTED)


def read_alg(builder: Builder, line: ConfigLine, negated: bool) -> None:
    """Read ``[no] ip nat service ...``: NAT ALG switches."""
    offset = 4 if negated else 3
    keys = read_alg_service(line.words[offset:], negated)
    if keys is None:
        builder.diagnose(
            line,
            DiagnosticKind.UNSUPPORTED,
            "NAT ALG setting not confirmed for IOS; the ALG defaults are kept",
            True,
        )
        return
    for key in keys:
        builder.nat.alg_settings[key] = (not negated, builder.source(line))
    builder.mark(line, Disposition.EXTRACTED)


def _nat_pool(builder: Builder, block: Block) -> None:
    header = block.header
    try:
        name, cubes = read_pool(header.tokens)
        builder.nat.pools[name] = cubes
        builder.mark(header, Disposition.EXTRACTED)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    except NatError:
        pass
    if len(header.tokens) < 4 or not block.children:
        builder.unrecognized(header, "NAT pool form not understood")
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    cubes_list: list[Cube] = []
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        try:
            cubes_list.extend(read_pool_address(line.tokens))
            builder.mark(line, Disposition.EXTRACTED)
        except NatError as error:
            builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, str(error), True)
    builder.nat.pools[header.tokens[3]] = tuple(cubes_list)


def read_nat(builder: Builder, block: Block) -> None:
    """Read a top-level ``ip nat ...`` command."""
    line, words = block.header, block.header.words
    if words[2:3] == ("pool",):
        _nat_pool(builder, block)
        return
    builder.cover(block.children, Disposition.DIAGNOSED)
    if len(words) > 5 and words[2] in ("inside", "outside") and words[3] == "source":
        _nat_rule(builder, line)
    elif words[2:3] == ("service",):
        read_alg(builder, line, negated=False)
    elif words[2:4] == ("inside", "destination"):
        builder.nat.rule_lines.append(builder.source(line))
        builder.diagnose(
            line, DiagnosticKind.UNSUPPORTED, "destination NAT (TCP load distribution) is not evaluated", True
        )
    elif words[2:3] == ("source",):
        builder.diagnose(
            line, DiagnosticKind.UNSUPPORTED, "NAT virtual interface (NVI) rule is not evaluated", True
        )
    else:
        builder.unrecognized(line, "NAT command not understood")


# --- firewalls ---------------------------------------------------------------------------


def read_inspect_name(builder: Builder, block: Block) -> None:
    """Read ``ip inspect name N PROTOCOL [options]`` (CBAC)."""
    line, words = block.header, block.header.words
    builder.cover(block.children, Disposition.DIAGNOSED)
    if len(words) < 5:
        builder.unrecognized(line, "ip inspect name form not understood")
        return
    name, protocol = line.tokens[3], words[4]
    builder.cbac.rules.setdefault(name, []).append((protocol, builder.source(line)))
    if protocol in MEDIA_PROTOCOLS or protocol in NON_MEDIA_PROTOCOLS:
        builder.mark(line, Disposition.EXTRACTED)
    elif protocol in STREAMING_PROTOCOLS:
        builder.diagnose(
            line,
            DiagnosticKind.UNSUPPORTED,
            f"CBAC {protocol} inspection opens streaming data channels (no neutral feature kind)",
            True,
        )
    else:
        builder.diagnose(
            line, DiagnosticKind.UNSUPPORTED, f"CBAC inspection protocol {protocol!r} not classified", True
        )
