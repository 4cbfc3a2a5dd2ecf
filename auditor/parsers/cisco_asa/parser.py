"""The cisco_asa parser: dispatches top-level blocks and builds the vendor-neutral model.

Parse stage of the pipeline (config text -> ``ParseResult``). Every input line ends up
extracted, known-and-ignored (``ignored.py``) or in a diagnostic;
``parse_with_dispositions`` exposes that accounting for tests.

Bindings follow ASA's order for traffic entering an interface (Cisco ASA configuration
guide, "Access Rules": interface access rule, then global access rule, then implicit deny;
VENDORS.md §2.1 [S11]): the interface's ``in`` ACL and the global ACL become one combined
rule set. Without either, the security levels decide per egress interface: higher to lower
is permitted, lower to higher denied, equal levels denied unless ``same-security-traffic
permit inter-interface``. Equal-level traffic is denied even when an ACL permits it unless
that command is present (batfish ``AsaConfiguration.applyASASecurityLevelFilter`` [S18];
not stated in the Cisco pages read). ``out`` ACLs filter traffic leaving an interface.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from auditor.model import (
    Action,
    Binding,
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Direction,
    Interface,
    ParseResult,
    Platform,
    Role,
    Rule,
    RuleSet,
    Source,
)
from auditor.parsers.cisco_asa import blocks, inspect
from auditor.parsers.cisco_asa.acl import build_rule, plain_rule
from auditor.parsers.cisco_asa.builder import AclDraft, Builder, InterfaceDraft
from auditor.parsers.cisco_asa.ignored import TOP_LEVEL, UNSUPPORTED
from auditor.parsers.cisco_asa.interfaces import read_interface, read_route
from auditor.parsers.cisco_asa.lines import (
    Block,
    ConfigLine,
    Disposition,
    is_comment,
    line_parts,
    split_lines,
)
from auditor.parsers.cisco_asa.nat import NatResult, build_nat

Handler = Callable[[Builder, Block], None]

_HANDLERS: Mapping[tuple[str, ...], Handler] = {
    ("interface",): read_interface,
    ("name",): blocks.read_name,
    ("object",): blocks.read_object,
    ("object-group",): blocks.read_group,
    ("access-list",): blocks.read_acl_line,
    ("clear", "configure", "access-list"): blocks.clear_acl,
    ("access-group",): blocks.read_access_group,
    ("same-security-traffic",): blocks.read_same_security,
    ("nat",): blocks.read_nat,
    ("static",): blocks.read_nat,
    ("global",): blocks.read_nat,
    ("class-map",): inspect.read_class_map,
    ("policy-map",): inspect.read_policy_map,
    ("service-policy",): inspect.read_service_policy,
}


def _simple(b: Builder, block: Block) -> bool:
    words, tokens = block.header.words, block.header.tokens
    if words[0] == "hostname" and len(words) == 2:
        b.hostname = tokens[1]
    elif words[:2] in (("asa", "version"), ("pix", "version")) and len(words) == 3:
        b.version = tokens[2]
    elif words == ("names",):
        pass
    elif words[0] == "route" and len(words) >= 5:
        read_route(b, block.header)
        b.cover(block.children, Disposition.DIAGNOSED)
        return True
    else:
        return False
    b.mark(block.header, Disposition.EXTRACTED)
    b.cover(block.children, Disposition.IGNORED)
    return True


def _table(words: tuple[str, ...]) -> tuple[str, object] | None:
    for length in range(min(len(words), 3), 0, -1):
        key = words[:length]
        if key in _HANDLERS:
            return "handler", _HANDLERS[key]
        if key in UNSUPPORTED:
            return "unsupported", UNSUPPORTED[key]
        if key in TOP_LEVEL:
            return "ignored", TOP_LEVEL[key]
    return None


# Second words after which ``access-list`` is not the plain handler's: a longer key of a table.
_ACL_SECOND_WORDS = frozenset(
    key[1]
    for table in (_HANDLERS, UNSUPPORTED, TOP_LEVEL)
    for key in table
    if len(key) > 1 and key[0] == "access-list"
)


def dispatch(b: Builder, block: Block) -> None:
    """Send one top-level block to its handler, the ignore table or a diagnostic."""
    header, words = block.header, block.header.words
    if words[0] == "access-list" and (len(words) < 2 or words[1] not in _ACL_SECOND_WORDS):
        # Most lines of a config: what `_simple` (no access-list word) and `_table` would choose.
        blocks.read_acl_line(b, block)
        return
    if words[0] == "no" and len(words) > 1:
        b.cover(block.children, Disposition.IGNORED)
        entry = _table(words[1:])
        if words[1] == "same-security-traffic" or (entry is not None and entry[0] == "ignored"):
            b.mark(header, Disposition.IGNORED)  # the default state, as `show run` prints it
        else:
            b.diagnose(header, DiagnosticKind.UNSUPPORTED, "negated form not modelled")
        return
    if _simple(b, block):
        return
    entry = _table(words)
    if entry is None:
        b.unrecognized(header)
        b.cover(block.children, Disposition.DIAGNOSED)
    elif entry[0] == "handler":
        handler: Handler = entry[1]  # type: ignore[assignment]
        handler(b, block)
    elif entry[0] == "unsupported":
        reason: str
        relevant: bool
        reason, relevant = entry[1]  # type: ignore[misc]
        b.diagnose(header, DiagnosticKind.UNSUPPORTED, reason, relevant)
        b.cover(block.children, Disposition.DIAGNOSED)
    else:
        b.mark(header, Disposition.IGNORED)
        b.cover(block.children, Disposition.IGNORED)


# --- building the model ------------------------------------------------------------------


def _rulesets(b: Builder, diagnostics: list[Diagnostic]) -> dict[str, RuleSet]:
    out: dict[str, RuleSet] = {}
    tables, file = b.tables, b.file
    names = tables.names
    for draft in b.acls.values():
        rules: list[Rule] = []
        for entry in draft.entries:
            if entry is None:
                continue
            number, raw, tokens, standard = entry
            if not standard and (not names or names.keys().isdisjoint(tokens)):
                plain = plain_rule(tokens, file, number, raw)
                if plain is not None:
                    rules.append(plain)
                    continue
            rule, error = build_rule(tokens, tables, Source(file, number, raw), standard=standard)
            rules.append(rule)
            if error is not None:
                diagnostics.append(
                    Diagnostic(rule.source, error.kind, f"ACL {draft.name}: {error.reason}", True)
                )
                b.dispositions[number] = Disposition.DIAGNOSED
        out[draft.name] = RuleSet(draft.name, tuple(rules), source=draft.source)
    return out


def _level(draft: InterfaceDraft) -> int:
    """The interface's security level: explicit, else ASA's default for its name."""
    if draft.level is not None:
        return draft.level
    return 100 if (draft.nameif or "").lower() == "inside" else 0


def _role(draft: InterfaceDraft, nat: NatResult) -> tuple[Role, str]:
    if draft.level is not None and draft.level_source is not None:
        role = Role.OUTSIDE if draft.level == 0 else Role.INSIDE
        return role, f"security-level {draft.level} (line {draft.level_source.line})"
    name = draft.nameif or ""
    if name in nat.hints:
        return nat.hints[name]
    if name.lower() in ("inside", "outside"):
        role = Role.INSIDE if name.lower() == "inside" else Role.OUTSIDE
        return role, f"nameif {name} (line {draft.source.line}): default level {_level(draft)}"
    return Role.UNKNOWN, ""


def _interfaces(b: Builder, nat: NatResult) -> tuple[Interface, ...]:
    out = []
    for draft in b.interfaces:
        if draft.nameif is None:
            continue  # no nameif: the interface carries no traffic
        role, reason = _role(draft, nat)
        if draft.management_only:
            reason = f"management-only (line {draft.source.line}): no through traffic"
        out.append(
            Interface(
                draft.nameif,
                tuple(draft.addresses),
                draft.shutdown,
                role,
                reason,
                draft.source,
                draft.management_only,
            )
        )
    return tuple(out)


def _level_ruleset(i: InterfaceDraft, o: InterfaceDraft, action: Action, same: bool) -> RuleSet:
    label = "same-security-level" if same else "security-level"
    name = f"{label} {i.nameif}({_level(i)}) -> {o.nameif}({_level(o)})"
    return RuleSet(name, (), action, i.level_source or i.source)


def _bindings(
    b: Builder, rulesets: dict[str, RuleSet], diagnostics: list[Diagnostic]
) -> tuple[list[RuleSet], list[Binding]]:
    live = [d for d in b.interfaces if d.nameif and not d.shutdown and not d.management_only]
    ins = {g.interface: g for g in b.access_groups if g.direction == "in"}
    glob = next((g for g in reversed(b.access_groups) if g.direction == "global"), None)
    for group in b.access_groups:
        if group.acl not in rulesets:
            diagnostics.append(
                Diagnostic(
                    group.source,
                    DiagnosticKind.UNRECOGNIZED,
                    f"access list {group.acl!r} is not defined",
                    True,
                )
            )
    extra: dict[str, RuleSet] = {}
    bindings: list[Binding] = []
    for i in live:
        assert i.nameif is not None
        ingress = ins.get(i.nameif)
        if ingress is not None or glob is not None:
            name, source = _ingress_set(ingress, glob, rulesets, extra)
            bindings.append(Binding(name, i.nameif, Direction.IN, source))
        for o in live:
            if o is i or o.nameif is None:
                continue
            li, lo = _level(i), _level(o)
            if ingress is None and glob is None:
                permit = li > lo or (li == lo and b.same_security_inter is not None)
                ruleset = _level_ruleset(i, o, Action.PERMIT if permit else Action.DENY, li == lo)
            elif li == lo and b.same_security_inter is None:
                ruleset = _level_ruleset(i, o, Action.DENY, True)
            else:
                continue
            extra[ruleset.name] = ruleset
            assert ruleset.source is not None
            bindings.append(Binding(ruleset.name, i.nameif, Direction.IN, ruleset.source, peer=o.nameif))
    for group in b.access_groups:
        if group.direction == "out" and group.interface is not None:
            bindings.append(Binding(group.acl, group.interface, Direction.OUT, group.source))
    return list(extra.values()), bindings


def _ingress_set(
    ingress: object, glob: object, rulesets: dict[str, RuleSet], extra: dict[str, RuleSet]
) -> tuple[str, Source]:
    from auditor.parsers.cisco_asa.builder import AccessGroup

    assert ingress is None or isinstance(ingress, AccessGroup)
    assert glob is None or isinstance(glob, AccessGroup)
    if ingress is None or glob is None:
        only = ingress or glob
        assert only is not None
        return only.acl, only.source
    name = f"{ingress.acl} + {glob.acl}"
    parts = [rulesets[n].rules for n in (ingress.acl, glob.acl) if n in rulesets]
    extra[name] = RuleSet(name, tuple(r for rules in parts for r in rules), Action.DENY, ingress.source)
    return name, ingress.source


def build_result(b: Builder, line_count: int) -> ParseResult:
    """Freeze what the builder read into a ``ParseResult``."""
    diagnostics = list(b.diagnostics)
    for draft in b.interfaces:
        if draft.nameif:
            b.tables.interfaces[draft.nameif] = tuple(a.split("/")[0] for a in draft.addresses)
    rulesets = _rulesets(b, diagnostics)
    levels = {d.nameif: _level(d) for d in b.interfaces if d.nameif}
    nat = build_nat(b, levels)
    extra, bindings = _bindings(b, rulesets, diagnostics)
    features = inspect.build_features(b)
    diagnostics.extend(d for d in b.diagnostics if d not in diagnostics)
    model = ConfigModel(
        platform=Platform.CISCO_ASA,
        hostname=b.hostname,
        version=b.version,
        interfaces=_interfaces(b, nat),
        rulesets=(*rulesets.values(), *extra),
        bindings=tuple(bindings),
        routes=tuple(b.routes),
        port_mappings=tuple(nat.mappings),
        features=tuple(features),
        limitations=tuple(nat.limitations),
        egress_sees_translated=False,  # 8.3+: access-group ACLs match real addresses [S12]
    )
    diagnostics.sort(key=lambda d: d.source.line)
    return ParseResult(model, tuple(diagnostics), line_count)


@lru_cache(maxsize=4096)  # the proof reads a device's lines again right after
def _plain_acl_line(raw: str) -> tuple[str, tuple[str, ...]] | None:
    """Return (list name, entry words) of ``access-list NAME extended WORDS...``, else None.

    ``raw`` starts with ``access-list `` (top level, no comment). None for the other forms
    (``extended`` not in lower case, ``line N``, a name that a longer table key claims):
    they take the general way.
    """
    tokens = raw.split()  # the line's tokens: it starts with a word, no indent to strip
    if len(tokens) < 3 or tokens[2] != "extended" or tokens[1].lower() in _ACL_SECOND_WORDS:
        return None
    return tokens[1], tuple(tokens[3:])


def _read_lines(b: Builder, raws: list[str]) -> None:
    """Read every line into ``b`` in one pass: split, comments set apart, blocks dispatched.

    A block (a top-level line and the indented lines under it) is dispatched once the next
    top-level line ends it: handlers only record, so they see the file's order. Plain
    ``access-list NAME extended`` lines, most of a config, are recorded straight from their
    text as ``read_acl_line`` records them; indented lines under one are its block's body,
    which ``read_acl_line`` marks diagnosed.
    """
    dispositions, acls, file = b.dispositions, b.acls, b.file
    plain_line, extracted = _plain_acl_line, Disposition.EXTRACTED
    current: Block | None = None  # the block being gathered
    under_plain = False  # the last top-level line was a plain access-list line
    for number, raw in enumerate(raws, start=1):
        if raw.startswith("access-list "):  # top level and no comment: it ends the current block
            if current is not None:
                dispatch(b, current)
                current = None
            plain = plain_line(raw)
            if plain is not None:
                name, words = plain
                draft = acls.get(name)
                if draft is None:
                    draft = acls[name] = AclDraft(name, Source(file, number, raw))
                draft.entries.append((number, raw, words, False))
                dispositions[number] = extracted  # the line's first record
                under_plain = True
                continue
        indent, tokens, lowered = line_parts(raw)
        if is_comment(indent, tokens, lowered):
            dispositions[number] = Disposition.COMMENT
            continue
        line = ConfigLine(number, raw, indent, tokens, lowered)
        if indent == 0:
            if current is not None:
                dispatch(b, current)
            current = Block(line, [])
            under_plain = False
        elif under_plain:
            dispositions.setdefault(number, Disposition.DIAGNOSED)
        elif current is None:
            current = Block(line, [])  # an indented first line heads its own block
        else:
            current.children.append(line)
    if current is not None:
        dispatch(b, current)


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse ASA text; also return what became of every line (for accounting tests)."""
    raws = split_lines(text)
    b = Builder(filename)
    _read_lines(b, raws)
    return build_result(b, len(raws)), b.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse a Cisco ASA configuration into the vendor-neutral model.

    Never raises for odd lines: they become diagnostics.

    Args:
        text: the configuration text (``show running-config`` or an archived copy).
        filename: the name recorded in every ``Source``.

    Returns:
        The model (platform ``cisco_asa``), the diagnostics and the number of lines read.
    """
    return parse_with_dispositions(text, filename)[0]
