"""Top-level EOS blocks that define ACLs and NAT, and their deletions.

Part of the arista_eos parser (parse stage). ``ip access-list NAME`` is an extended list
(EOS omits the word ``extended``), ``ip access-list standard NAME`` a source-only one.
Entries carry sequence numbers in ``show running-config`` (hand-written or generated text,
such as Aerleon's, may omit them: the next number is the highest so far + 10); entries
are evaluated by sequence number, first match wins, and an implicit deny ends the list.
``remark``, ``counters per-entry`` and ``statistics per-entry`` change nothing about matching.
"""

from __future__ import annotations

from auditor.model import DiagnosticKind, Limitation
from auditor.parsers.arista_eos.acl import parse_extended, parse_standard
from auditor.parsers.arista_eos.builder import AclDraft, AclEntry, EosBuilder
from auditor.parsers.cisco_ios.acl import AceError
from auditor.parsers.cisco_ios.lines import Block, ConfigLine, Disposition

__all__ = ["delete_acl", "read_acl", "read_nat"]

_ACL_SETTINGS = (
    ("counters", "per-entry"),
    ("statistics", "per-entry"),
    ("no", "counters"),
    ("no", "statistics"),
)


def _entry(builder: EosBuilder, draft: AclDraft, line: ConfigLine) -> None:
    tokens, words = line.tokens, line.words
    if words[:2] in _ACL_SETTINGS or words[0] in ("exit", "fragment-rules"):
        builder.mark(line, Disposition.IGNORED)
        return
    given: int | None = None
    body = tokens
    if words[0] == "seq" and len(words) > 1 and words[1].isdigit():
        given, body = int(words[1]), tokens[2:]
    elif words[0].isdigit():
        given, body = int(words[0]), tokens[1:]
    elif words[0] == "no" and len(words) == 2 and words[1].isdigit():
        seq = int(words[1])  # deletes the entry with that sequence number
        draft.entries = [e for e in draft.entries if e.seq != seq]
        builder.mark(line, Disposition.EXTRACTED)
        return
    if body and body[0].lower() == "remark":
        builder.mark(line, Disposition.IGNORED)
        return
    seq = draft.next_seq(given)
    draft.entries = [e for e in draft.entries if e.seq != seq]  # a number given again replaces
    source = builder.source(line)
    try:
        spec = parse_standard(body) if draft.standard else parse_extended(body)
    except AceError as error:
        draft.entries.append(AclEntry(seq, source, None, error))
        builder.diagnose(line, error.kind, f"ACL {draft.name}: {error.reason}", True)
        return
    draft.entries.append(AclEntry(seq, source, spec, None))
    builder.mark(line, Disposition.EXTRACTED)


def read_acl(builder: EosBuilder, block: Block) -> None:
    """Read ``ip access-list [standard] NAME`` and its entries."""
    header = block.header
    words = header.words
    standard = len(words) == 4 and words[2] == "standard"
    if len(words) != 3 and not standard:
        builder.diagnose(header, DiagnosticKind.UNRECOGNIZED, "ip access-list form not understood", True)
        builder.cover(block.children, Disposition.DIAGNOSED)
        return
    name = header.tokens[-1]
    draft = builder.acls.get(name)
    if draft is None or draft.standard != standard:
        draft = AclDraft(name, standard, builder.source(header))
        builder.acls[name] = draft
    builder.mark(header, Disposition.EXTRACTED)
    for line in block.children:
        _entry(builder, draft, line)


def delete_acl(builder: EosBuilder, line: ConfigLine) -> None:
    """``no ip access-list [standard] NAME`` removes the list (text that replays commands)."""
    builder.acls.pop(line.tokens[-1], None)
    builder.mark(line, Disposition.EXTRACTED)


def read_nat(builder: EosBuilder, block: Block) -> None:
    """Top-level ``ip nat profile``: VRF-aware NAT whose forms are not confirmed here."""
    lines = [block.header, *block.children]
    builder.limitations.append(
        Limitation(
            "EOS NAT profile is not modelled (syntax unconfirmed): what it translates or maps "
            "cannot be decided",
            frozenset({"port-mapping", "flow"}),
            tuple(builder.source(line) for line in lines),
        )
    )
    builder.cover(lines, Disposition.LIMITATION)
