"""``nft list ruleset`` text into the neutral model (part of the linux parser, parse stage).

Every chain of an ``ip`` or ``inet`` table becomes a rule set ``<family> <table>/<chain>``.
Base chains of type filter on the prerouting, forward and postrouting hooks see transit
traffic: each becomes a binding on every interface, ordered by hook and then priority
(raw -300, mangle -150, dstnat -100, filter 0, security 50, srcnat 100; nftables wiki
"Configuring chains"). A packet must be accepted by every one of them: ``accept`` ends
only its own base chain, ``drop`` is final. A base chain without ``policy`` accepts.
``ip6``, ``arp`` and ``bridge`` tables never filter routed IPv4 traffic and are ignored.
"""

from __future__ import annotations

import re

from auditor.model import Action, Binding, DiagnosticKind, Direction, PortMapping, Rule, RuleSet, Source
from auditor.parsers.linux.common import OTHER_HELPERS, Cond, CondError, Disposition, Draft, helper_kind
from auditor.parsers.linux.nft_lexer import Stmt, parse_blocks, tokenize
from auditor.parsers.linux.nft_rules import Env, RuleReader, RuleSpec

HOOKS = {"prerouting": 0, "forward": 1, "postrouting": 2}
PRIORITIES = {"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}
IPV4_FAMILIES = frozenset({"ip", "inet"})
VERDICTS = {"accept": Action.PERMIT, "drop": Action.DENY, "reject": Action.DENY, "return": Action.RETURN}
_PRIORITY = re.compile(r"^(-?\d+|[a-z]+)\s*(?:([+-])\s*(\d+))?$")
_SET_IGNORED = frozenset({"flags", "size", "timeout", "gc-interval", "counter", "auto-merge", "policy"})
_SET_IGNORED |= {"comment", "typeof"}


def _priority(words: list[str]) -> int | None:
    match = _PRIORITY.match(" ".join(words))
    if match is None:
        return None
    base = match.group(1)
    value = int(base) if base.lstrip("-").isdigit() else PRIORITIES.get(base)
    if value is None:
        return None
    offset = int(match.group(3) or 0)
    return value - offset if match.group(2) == "-" else value + offset


class NftReader:
    """Reads nft ruleset text into a Draft."""

    def __init__(self, draft: Draft, lines: list[str]) -> None:
        """Prepare to read ``lines`` into ``draft``."""
        self.draft = draft
        self.lines = lines
        self.defines: dict[str, list[str]] = {}
        self.base: list[tuple[int, int, int, str, Source]] = []

    def source(self, stmt: Stmt) -> Source:
        """Return the Source of a statement's first line."""
        return Source(self.draft.file, stmt.line, self.lines[stmt.line - 1])

    def mark(self, stmt: Stmt, disposition: Disposition, deep: bool = False) -> None:
        """Record the disposition of every line a statement (and, if deep, its body) covers."""
        for line in sorted(stmt.lines):
            self.draft.mark(Source(self.draft.file, line, self.lines[line - 1]), disposition)
        for child in stmt.body or () if deep else ():
            self.mark(child, disposition, deep)

    def diagnose(self, stmt: Stmt, kind: DiagnosticKind, reason: str, relevant: bool = True) -> None:
        """Report a statement and mark its lines."""
        self.draft.diagnose(self.source(stmt), kind, reason, relevant)
        self.mark(stmt, Disposition.DIAGNOSED)

    def read(self) -> None:
        """Read the whole text."""
        stmts, _ = parse_blocks(tokenize(self.lines))
        for stmt in stmts:
            self.top(stmt)
        for _hook, _prio, _seq, name, src in sorted(self.base):
            self.draft.bindings.append(Binding(name, "*", Direction.IN, src))
        for number, line in enumerate(self.lines, start=1):
            text = line.strip()
            kind = Disposition.COMMENT if not text or text.startswith("#") else Disposition.IGNORED
            self.draft.mark(Source(self.draft.file, number, line), kind)

    def top(self, stmt: Stmt) -> None:
        """Read a top-level statement."""
        words = stmt.words
        if words[0] == "table" and stmt.body is not None:
            family = words[1] if len(words) == 3 else "ip"
            self.table(stmt, family, words[-1])
        elif words[:2] == ["flush", "ruleset"] or words[0] == "flush":
            self.mark(stmt, Disposition.IGNORED)
        elif words[0] == "define" and len(words) >= 3:
            self.defines[words[1]] = [w for w in words[3:] if w not in ("{", "}", ",")]
            self.mark(stmt, Disposition.EXTRACTED)
        elif words[0] == "include":
            self.diagnose(stmt, DiagnosticKind.UNSUPPORTED, "included file is not in the text")
        else:
            self.diagnose(stmt, DiagnosticKind.UNRECOGNIZED, "statement not recognized")

    def table(self, stmt: Stmt, family: str, name: str) -> None:
        """Read a table: its sets, maps and helpers first, then its chains."""
        self.mark(stmt, Disposition.EXTRACTED)
        if family not in IPV4_FAMILIES:
            self.other_family(stmt, family)
            return
        env = Env(defines=self.defines)
        helpers: dict[str, str] = {}
        body = stmt.body or []
        for child in body:
            words = child.words
            if child.body is not None and words[0] in ("set", "map"):
                env.sets[words[1]] = self.set_contents(child)
            elif child.body is not None and words[:2] == ["ct", "helper"]:
                helpers[words[2].strip('"')] = self.helper_type(child)
        for child in body:
            words = child.words
            if child.body is not None and words[0] == "chain":
                self.chain(child, family, name, env, helpers)
            elif child.body is not None or words[0] == "comment":
                self.mark(child, Disposition.EXTRACTED if words[0] in ("set", "map") else Disposition.IGNORED)
                self.mark(child, Disposition.IGNORED, deep=True)
            elif words[:2] == ["flags", "dormant"]:
                self.diagnose(child, DiagnosticKind.UNSUPPORTED, "a dormant table filters nothing")
            else:
                self.diagnose(child, DiagnosticKind.UNRECOGNIZED, "table statement not recognized")

    def other_family(self, stmt: Stmt, family: str) -> None:
        """Ignore a table that never filters routed IPv4 traffic; report netdev ingress chains."""
        self.mark(stmt, Disposition.IGNORED, deep=True)
        if family != "netdev":
            return
        for child in stmt.body or []:
            for line in child.body or []:
                if "hook" in line.words and child.body:
                    self.diagnose(child, DiagnosticKind.UNSUPPORTED, "netdev ingress chain is not evaluated")

    def set_contents(self, block: Stmt) -> tuple[str, list[str] | None]:
        """Return a named set's type and elements (None when they can change at run time)."""
        kind, elements, dynamic = "", None, False
        for child in block.body or []:
            words = child.words
            if words[0] == "type":
                kind = " ".join(words[1:])
            elif words[0] == "elements":
                elements = [w for w in words[2:] if w not in ("{", "}", ",")]
            if words[0] == "flags" and ("dynamic" in words or "timeout" in words):
                dynamic = True
        return kind, None if dynamic else elements

    def helper_type(self, block: Stmt) -> str:
        """Return the helper type of a ``ct helper`` object (``sip``, ``RAS``, …)."""
        for child in block.body or []:
            if child.words[:1] == ["type"] and len(child.words) > 1:
                return child.words[1].strip('"')
        return ""

    def chain(self, block: Stmt, family: str, table: str, env: Env, helpers: dict[str, str]) -> None:
        """Read a chain into a rule set; a base chain on a transit hook also gets a binding."""
        name = f"{family} {table}/{block.words[1]}"
        src = self.source(block)
        hook, kind, priority, policy = None, None, 0, Action.PERMIT
        rules: list[Rule] = []
        for child in block.body or []:
            words = child.words
            if words[0] == "type" and "hook" in words:
                kind, hook = words[1], words[words.index("hook") + 1]
                prio = _priority(words[words.index("priority") + 1 :]) if "priority" in words else None
                if prio is None:
                    self.diagnose(child, DiagnosticKind.UNRECOGNIZED, "chain priority not understood")
                priority = prio or 0
                self.mark(child, Disposition.EXTRACTED)
            elif words[0] == "policy" and len(words) == 2:
                policy = Action.DENY if words[1] == "drop" else Action.PERMIT
                self.mark(child, Disposition.EXTRACTED)
            elif words[0] in ("comment", "devices", "device"):
                self.mark(child, Disposition.IGNORED)
            else:
                rules.extend(self.rule(child, family, table, env, helpers, hook))
        default = policy if hook is not None else Action.RETURN
        self.draft.rulesets.append(RuleSet(name, tuple(rules), default, src))
        if hook in HOOKS and kind == "filter":
            self.base.append((HOOKS[hook], priority, len(self.base), name, src))
        if hook == "forward":
            self.draft.forward_roots.append(name)
        if hook == "ingress":
            self.diagnose(block, DiagnosticKind.UNSUPPORTED, "ingress hook chain is not evaluated")

    def rule(
        self, stmt: Stmt, family: str, table: str, env: Env, helpers: dict[str, str], hook: str | None
    ) -> list[Rule]:
        """Read one rule; return the rules it makes (none for counters, logs and NAT)."""
        src, draft = self.source(stmt), self.draft
        try:
            spec = RuleReader(stmt.words, env).read()
        except (CondError, ValueError, IndexError, KeyError) as exc:
            self.diagnose(stmt, DiagnosticKind.UNRECOGNIZED, f"rule not understood: {exc}")
            return [Rule(Action.DENY, None, src)]
        self.mark(stmt, Disposition.EXTRACTED)
        draft.see_interfaces(spec.cond, src)
        if spec.unknown and not spec.verdicts:  # the unknown words may be a verdict
            self.diagnose(
                stmt, DiagnosticKind.UNRECOGNIZED, f"words not recognized: {' '.join(spec.unknown)}"
            )
            return [Rule(Action.DENY, None, src)]
        if spec.helper is not None:
            self.helper(stmt, spec.helper, helpers)
        if spec.nat is not None and hook not in ("output",):
            self.nat(spec, src)
        rules = []
        if spec.notrack:
            rules.append(draft.rule(Action.UNTRACK, spec.cond, src))
        for cond, verdict, target in spec.verdicts:
            if verdict in VERDICTS:
                rules.append(draft.rule(VERDICTS[verdict], cond, src))
            elif verdict in ("jump", "goto") and target is not None:
                action = Action.JUMP if verdict == "jump" else Action.GOTO
                rules.append(draft.rule(action, cond, src, target=f"{family} {table}/{target}"))
            else:
                unknown = Cond(cond.space, False, [*cond.why, f"verdict {verdict!r}"])
                rules.append(draft.rule(Action.DENY, unknown, src))
        return rules

    def helper(self, stmt: Stmt, name: str, helpers: dict[str, str]) -> None:
        """Record a ``ct helper set`` assignment as an ALG feature."""
        kind = helpers.get(name)
        if kind is None:
            self.diagnose(stmt, DiagnosticKind.UNSUPPORTED, f"ct helper object {name!r} is not defined here")
        elif helper_kind(kind) is not None:
            detail = f"conntrack helper {name!r} (type {kind}) assigned by ct helper set"
            self.draft.helper(kind, self.source(stmt), detail)
        elif kind.lower() not in OTHER_HELPERS:
            self.diagnose(stmt, DiagnosticKind.UNSUPPORTED, f"unknown conntrack helper type {kind!r}")

    def nat(self, spec: RuleSpec, src: Source) -> None:
        """Record the outside interface of a masquerade/snat, or a port mapping of a dnat."""
        word, arg = spec.nat or ("", "")
        cond = spec.cond
        if word in ("masquerade", "snat") and cond.exact and cond.egress:
            if cond.egress_negated:
                self.draft.outside_negated.append(cond.egress)
            for name in sorted(cond.egress if not cond.egress_negated else ()):
                self.draft.outside.setdefault(name, f"{word} out {name} (line {src.line})")
        elif word in ("dnat", "redirect"):
            address, _, port = arg.rpartition(":") if ":" in arg else (arg, "", "")
            if word == "redirect":
                address, port = "local", arg.lstrip(":")
            inside = [_port_range(port)] if port else spec.dports
            mapping = PortMapping(
                tuple(spec.protocols) or None,
                address or "?",
                spec.daddr or "*",
                tuple(inside) if inside else None,
                tuple(spec.dports) if spec.dports else None,
                src,
            )
            self.draft.port_mappings.append(mapping)


def _port_range(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)
