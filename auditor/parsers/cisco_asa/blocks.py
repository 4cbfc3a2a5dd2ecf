"""Handlers for top-level ASA commands: names, objects, groups, ACL lines, bindings, NAT.

Part of the cisco_asa parser (parse stage). Each handler records what it read in the
``Builder`` and gives every line of its block a disposition; references are resolved by
``parser`` once the whole file is read.
"""

from __future__ import annotations

from auditor.model import DiagnosticKind
from auditor.parsers.cisco_asa.builder import AccessGroup, AclEntry, Builder, NatLine
from auditor.parsers.cisco_asa.lines import Block, Disposition
from auditor.parsers.cisco_asa.objects import Definition, ObjectError, is_ipv4, is_ipv6, read_member
from auditor.parsers.cisco_asa.ports import TRANSPORTS

_GROUP_KINDS = ("network", "service", "protocol", "icmp-type")


def read_name(b: Builder, block: Block) -> None:
    """Read ``name A ALIAS [description ...]``: an alias usable wherever an address is."""
    tokens = block.header.tokens
    if len(tokens) >= 3 and (is_ipv4(tokens[1]) or is_ipv6(tokens[1])):
        b.tables.names[tokens[2]] = tokens[1]
        b.mark(block.header, Disposition.EXTRACTED)
    else:
        b.unrecognized(block.header, "name form not understood")
    b.cover(block.children, Disposition.IGNORED)


def _members(b: Builder, block: Block, definition: Definition) -> None:
    for line in block.children:
        if definition.kind == "object-network" and line.words[0] == "nat":
            b.nat_lines.append(NatLine("object", line, definition.name))
            b.mark(line, Disposition.EXTRACTED)
            continue
        try:
            read = read_member(definition, line.tokens)
        except ObjectError as error:
            definition.broken.append(error.reason)
            b.diagnose(line, error.kind, f"{definition.kind} {definition.name}: {error.reason}", True)
            continue
        b.mark(line, Disposition.EXTRACTED if read else Disposition.IGNORED)


def read_object(b: Builder, block: Block) -> None:
    """Read ``object network N`` or ``object service N`` (a reopened object keeps its members)."""
    words, tokens = block.header.words, block.header.tokens
    if len(words) != 3 or words[1] not in ("network", "service"):
        b.diagnose(block.header, DiagnosticKind.UNSUPPORTED, "object type not modelled", True)
        b.cover(block.children, Disposition.DIAGNOSED)
        return
    kind = f"object-{words[1]}"
    definition = b.tables.objects.get(tokens[2])
    if definition is None or definition.kind != kind:
        definition = Definition(tokens[2], kind, block.header.number)
        b.tables.objects[tokens[2]] = definition
    b.mark(block.header, Disposition.EXTRACTED)
    _members(b, block, definition)


def read_group(b: Builder, block: Block) -> None:
    """Read ``object-group network|service|protocol|icmp-type N [tcp|udp|tcp-udp]``."""
    words, tokens = block.header.words, block.header.tokens
    typed = len(words) == 4 and words[1] == "service" and words[3] in TRANSPORTS
    if len(words) < 3 or words[1] not in _GROUP_KINDS or (len(words) > 3 and not typed):
        b.diagnose(block.header, DiagnosticKind.UNSUPPORTED, "object-group type not modelled", True)
        b.cover(block.children, Disposition.DIAGNOSED)
        return
    definition = b.tables.groups.get(tokens[2])
    if definition is None or definition.kind != words[1]:
        definition = Definition(tokens[2], words[1], block.header.number)
        definition.transports = TRANSPORTS[words[3]] if typed else None
        b.tables.groups[tokens[2]] = definition
    b.mark(block.header, Disposition.EXTRACTED)
    _members(b, block, definition)


def read_acl_line(b: Builder, block: Block) -> None:
    """Record one ``access-list NAME [line N] extended|standard|remark ...`` line."""
    header = block.header
    words, tokens = header.words, header.tokens
    if block.children:
        b.cover(block.children, Disposition.DIAGNOSED)
    if len(words) < 3:
        b.unrecognized(header, "access-list line too short")
        return
    index, position = 2, None
    if words[2] == "line" and len(words) > 4 and words[3].isdigit():
        index, position = 4, int(words[3]) - 1
    kind = words[index]
    entry: AclEntry | None
    if kind == "extended":  # most lines
        entry = (header.number, header.raw, tokens[index + 1 :], False)
    elif kind in ("ethertype", "webtype", "advanced"):
        relevant = kind == "advanced"
        b.diagnose(header, DiagnosticKind.UNSUPPORTED, f"{kind} access list not modelled", relevant)
        return
    elif kind == "remark":
        entry = None
    elif kind == "standard":
        entry = (header.number, header.raw, tokens[index + 1 :], True)
    elif kind in ("permit", "deny"):  # 7.x and older print no `extended`
        entry = (header.number, header.raw, tokens[index:], False)
    else:
        b.unrecognized(header, "access-list form not recognized")
        return
    draft = b.acls.get(tokens[1]) or b.acl(tokens[1], header)
    if position is None:
        draft.entries.append(entry)
    else:
        draft.entries.insert(min(position, len(draft.entries)), entry)
    b.dispositions.setdefault(header.number, Disposition.EXTRACTED)  # b.mark


def clear_acl(b: Builder, block: Block) -> None:
    """``clear configure access-list NAME`` (a command in config scripts): drop the ACL."""
    tokens = block.header.tokens
    if len(tokens) == 4:
        b.acls.pop(tokens[3], None)
        b.mark(block.header, Disposition.EXTRACTED)
    else:
        b.diagnose(block.header, DiagnosticKind.UNSUPPORTED, "clears every access list", True)


def read_access_group(b: Builder, block: Block) -> None:
    """Read ``access-group ACL in|out interface NAMEIF [...]`` or ``access-group ACL global``."""
    header = block.header
    words, tokens = header.words, header.tokens
    source = b.source(header)
    if len(words) == 3 and words[2] == "global":
        b.access_groups.append(AccessGroup(tokens[1], "global", None, source))
    elif len(words) >= 5 and words[2] in ("in", "out") and words[3] == "interface":
        if words[5:] == ("control-plane",):  # filters traffic to the box, not through it
            b.mark(header, Disposition.IGNORED)
            return
        if words[5:] not in ((), ("per-user-override",)):
            b.unrecognized(header, "access-group option not recognized")
            return
        b.access_groups.append(AccessGroup(tokens[1], words[2], tokens[4], source))
    else:
        b.unrecognized(header, "access-group form not understood")
        return
    b.mark(header, Disposition.EXTRACTED)
    b.cover(block.children, Disposition.IGNORED)


def read_same_security(b: Builder, block: Block) -> None:
    """Read ``same-security-traffic permit inter-interface|intra-interface``."""
    words = block.header.words
    if words == ("same-security-traffic", "permit", "inter-interface"):
        b.same_security_inter = b.source(block.header)
    elif words != ("same-security-traffic", "permit", "intra-interface"):  # hairpin: not a path here
        b.unrecognized(block.header, "same-security-traffic form not understood")
        return
    b.mark(block.header, Disposition.EXTRACTED)


def read_nat(b: Builder, block: Block) -> None:
    """Keep a top-level ``nat``, ``static`` or ``global`` line for resolution."""
    header = block.header
    words = header.words
    form = words[0]
    if form == "nat":
        single = len(words) > 1 and words[1].startswith("(") and "," not in words[1]
        form = "nat" if single else "twice"
    b.nat_lines.append(NatLine(form, header))
    b.mark(header, Disposition.EXTRACTED)
    b.cover(block.children, Disposition.IGNORED)
