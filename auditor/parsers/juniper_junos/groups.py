"""Configuration groups: ``groups G ...`` definitions inherited through ``apply-groups G``.

Part of the juniper_junos parser (parse stage). A group holds a configuration tree; an
``apply-groups G`` statement at level P (top level when P is empty) inherits the group's
statements under P. Group paths may hold wildcards in angle brackets (``<ge-*>``,
``<*>``): they match the names the configuration itself already has at that level
(Junos "Using Wildcards with Configuration Groups"), so they are resolved against the
statements outside groups. Statements a level defines itself come first; inherited ones
follow in group order (the order of ``apply-groups``). ``apply-groups-except`` and the
hidden ``junos-defaults`` group are not expanded: the first is reported, the second holds
the predefined applications, which the parser embeds itself.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from auditor.parsers.juniper_junos.statements import Statement


@dataclass(slots=True)
class Expansion:
    """Statements after groups are applied, and what became of group lines."""

    statements: list[Statement]
    applied_lines: set[int] = field(default_factory=set)  # group lines that were inherited
    unused_lines: set[int] = field(default_factory=set)  # group lines nothing inherits
    apply_lines: set[int] = field(default_factory=set)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _is_wild(word: str) -> bool:
    return word.startswith("<") and word.endswith(">")


def _word_matches(pattern: str, word: str) -> bool:
    return fnmatch.fnmatchcase(word, pattern[1:-1]) if _is_wild(pattern) else pattern == word


def _resolve(path: tuple[str, ...], start: int, config: list[Statement]) -> list[tuple[str, ...]]:
    """Concrete paths for ``path`` whose wildcards from ``start`` on match existing names."""
    results: list[tuple[str, ...]] = [path[:start]]
    for index in range(start, len(path)):
        word = path[index]
        grown: list[tuple[str, ...]] = []
        for prefix in results:
            if not _is_wild(word):
                grown.append((*prefix, word))
                continue
            names: list[str] = []
            for st in config:
                if (
                    len(st.words) > index
                    and st.words[:index] == prefix
                    and _word_matches(word, st.words[index])
                ):
                    if st.words[index] not in names:
                        names.append(st.words[index])
            grown.extend((*prefix, name) for name in names)
        results = grown
    return results


def expand_groups(statements: list[Statement]) -> Expansion:
    """Apply every ``apply-groups`` to the group definitions it names."""
    groups: dict[str, list[Statement]] = {}
    config: list[Statement] = []
    applies: list[tuple[tuple[str, ...], str, Statement]] = []
    for st in statements:
        w = st.words
        if w[:1] == ("groups",) and len(w) >= 2:
            groups.setdefault(w[1], []).append(st)
        elif w and w[-2:-1] == ("apply-groups",):
            applies.append((w[:-2], w[-1], st))
        else:
            config.append(st)
    out = Expansion(list(config))
    for st in statements:
        if st.words[:-1] and "apply-groups-except" in st.words:
            out.problems.append(
                (st.line, "apply-groups-except is not modelled: inherited statements may differ")
            )
    used: set[int] = set()
    for level, name, apply in applies:
        out.apply_lines.add(apply.line)
        if apply.inactive:
            continue
        body = groups.get(name)
        if body is None:
            if name != "junos-defaults":
                out.problems.append((apply.line, f"apply-groups {name}: the group is not defined"))
            continue
        for gst in body:
            path = gst.words[2:]
            if len(path) <= len(level) or not all(
                _word_matches(p, w) for p, w in zip(path, level, strict=False)
            ):
                continue
            concrete = (*level, *path[len(level) :])
            resolved = _resolve(concrete, len(level), config)
            for words in resolved:
                out.statements.append(Statement(words, gst.line, gst.last, gst.inactive, name))
                used.add(gst.line)
    for body in groups.values():
        for gst in body:
            (out.applied_lines if gst.line in used else out.unused_lines).add(gst.line)
    return out
