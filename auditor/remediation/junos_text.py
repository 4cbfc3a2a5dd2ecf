"""Apply rendered Junos configuration-mode commands to config text, as the device would.

The merge step of the juniper_junos remediation. Junos configurations come in two display
forms: ``show configuration`` (the curly-brace hierarchy) and ``| display set`` (one ``set``
command per leaf). The editor works on the set form: a set-form file is edited line by line
as it is (comments kept); a brace-form file is first turned into the set form through the
parser's own lexer (``statements.lex``), with ``inactive:`` levels written as
``deactivate`` lines, which is the text ``show configuration | display set`` would print.

Commands, as the CLI applies them in configuration mode:

- ``set P``: adds the statement (nothing when it is already there); a new element goes at
  the end of its list (Junos "new policies go to the end of the policy list");
- ``delete P``: removes every statement under ``P`` (refused when there is none);
- ``insert P before K N``: moves element ``P`` (``... policy NEW``) before its sibling
  ``K N`` (``policy OLD``): refused when either is missing.

The parser orders policies, terms and rules by their first statement, so placing an
element's lines just before its sibling's first line is what ``insert`` means to it.
"""

from __future__ import annotations

from functools import cache

from auditor.parsers.juniper_junos.statements import Lexed, Statement, lex
from auditor.remediation.merge import MergeError

__all__ = ["JunosText", "quote", "set_lines"]

_SET_FORM_VERBS = ("set", "deactivate", "activate", "delete", "insert")
_SPECIAL = set(' \t;{}[]"#')


def quote(word: str) -> str:
    """Return ``word`` as the set form prints it (quoted when it holds spaces or punctuation)."""
    if word == '""':
        return word
    if not word or any(c in _SPECIAL for c in word) or word.startswith("/*"):
        return '"' + word + '"'
    return word


def _text(verb: str, words: tuple[str, ...]) -> str:
    return " ".join([verb, *(quote(w) for w in words)])


def _inactive_level(lexed: Lexed, st: Statement) -> tuple[str, ...]:
    """Return the level an inactive brace statement was deactivated at (``inactive:`` on it)."""
    for length in range(1, len(st.words)):
        line = lexed.headers.get(st.words[:length])
        if line is not None and "inactive:" in lexed.lines[line - 1].split("{")[0]:
            return st.words[:length]
    return st.words


def set_lines(lexed: Lexed, statements: list[Statement]) -> list[str]:
    """Return ``statements`` as set commands, each deactivated level once after its statements."""
    out: list[str] = []
    levels: dict[tuple[str, ...], int] = {}
    for st in statements:
        out.append(_text("set", st.words))
        if st.inactive:
            levels[_inactive_level(lexed, st)] = len(out)
    for level, after in sorted(levels.items(), key=lambda item: -item[1]):
        out.insert(after, _text("deactivate", level))
    return out


def _is_set_form(lexed: Lexed) -> bool:
    for raw in lexed.lines:
        words = raw.split()
        if words and not words[0].startswith(("#", "/*")) and words[0] not in _SET_FORM_VERBS:
            return False
    return True


@cache
def _paths(line: str) -> tuple[str, list[tuple[str, ...]]]:
    """Return a set-form line's verb and the statement paths it names (a list names several)."""
    words = line.split()
    if not words or words[0] not in _SET_FORM_VERBS:
        return "", []
    lexed = lex(line)
    if words[0] == "set":
        return "set", [st.words for st in lexed.statements]
    if words[0] == "deactivate":
        return "deactivate", [p for p, _ in lexed.deactivated]
    return words[0], []


def _starts(path: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    return path[: len(prefix)] == prefix


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class JunosText:
    """An editable Junos configuration, held as set commands."""

    def __init__(self, text: str) -> None:
        """Read ``text`` (set or brace form); a brace form is turned into set commands.

        Raises:
            MergeError: the text has lines the lexer cannot read as Junos statements.
        """
        lexed = lex(text)
        if _is_set_form(lexed):
            self.lines = list(lexed.lines)
            return
        if lexed.problems:
            line, reason = lexed.problems[0]
            raise MergeError(f"line {line} cannot be read as Junos configuration: {reason}")
        self.lines = set_lines(lexed, lexed.statements)
        for path, _ in lexed.deactivated:
            self.lines.append(_text("deactivate", path))

    def text(self) -> str:
        """Return the edited configuration (set form)."""
        return "\n".join(self.lines) + "\n"

    def has(self, path: tuple[str, ...]) -> bool:
        """Tell whether some statement lies under ``path``."""
        return any(_starts(p, path) for line in self.lines for p in _paths(line)[1])

    def apply(self, rendered: str) -> None:
        """Apply rendered ``set`` / ``delete`` / ``insert`` commands in order.

        Raises:
            MergeError: a command deletes or moves what is not there, or is not understood.
        """
        for raw in rendered.splitlines():
            words = raw.split()
            if not words or words[0].startswith("#"):
                continue
            verb, rest = words[0], lex("set " + raw.strip()[len(words[0]) :].strip())
            paths = [st.words for st in rest.statements]
            if verb == "set" and paths:
                for path in paths:
                    self._set(path)
            elif verb == "delete" and len(paths) == 1:
                self._delete(paths[0])
            elif verb == "insert" and len(paths) == 1 and len(paths[0]) >= 5 and paths[0][-3] == "before":
                path = paths[0]
                self._insert(path[:-3], (*path[:-5], path[-2], path[-1]))
            else:
                raise MergeError(f"command {raw.strip()!r} not understood")

    def _set(self, path: tuple[str, ...]) -> None:
        best, at = 0, len(self.lines)
        for i, line in enumerate(self.lines):
            verb, paths = _paths(line)
            if verb != "set":
                continue
            if path in paths:
                return
            common = max(_common(path, p) for p in paths) if paths else 0
            if common and common >= best:
                best, at = common, i + 1
        self.lines.insert(at, _text("set", path))

    def _delete(self, path: tuple[str, ...]) -> None:
        kept: list[str] = []
        removed = False
        for line in self.lines:
            verb, paths = _paths(line)
            under = [p for p in paths if _starts(p, path)]
            if verb not in ("set", "deactivate") or not under:
                kept.append(line)
                continue
            removed = removed or verb == "set"
            # A list line (`application [ a b ]`) keeps the values not deleted.
            kept.extend(_text(verb, p) for p in paths if not _starts(p, path))
        if not removed:
            raise MergeError(f"delete {' '.join(path)}: statement not found")
        self.lines = kept

    def _insert(self, element: tuple[str, ...], anchor: tuple[str, ...]) -> None:
        inside = [any(_starts(p, element) for p in _paths(line)[1]) for line in self.lines]
        moved = [line for line, yes in zip(self.lines, inside, strict=True) if yes]
        if not moved:
            raise MergeError(f"insert {' '.join(element)}: no such element")
        rest = [line for line, yes in zip(self.lines, inside, strict=True) if not yes]
        for i, line in enumerate(rest):
            verb, paths = _paths(line)
            if verb == "set" and any(_starts(p, anchor) for p in paths):
                self.lines = [*rest[:i], *moved, *rest[i:]]
                return
        raise MergeError(f"insert {' '.join(element)}: no {' '.join(anchor[-2:])} to insert before")
