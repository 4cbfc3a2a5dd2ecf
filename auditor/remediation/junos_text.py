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

import bisect
import itertools
import re
from functools import lru_cache

from auditor.parsers.juniper_junos.statements import (
    Lexed,
    Statement,
    is_plain,
    lex,
    lex_shared,
    split_lines,
)
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


def _is_set_form(lines: list[str]) -> bool:
    for raw in lines:
        words = raw.split()
        if words and not words[0].startswith(("#", "/*")) and words[0] not in _SET_FORM_VERBS:
            return False
    return True


# A line without quotes, comments or punctuation is its whitespace-split words (the lexer's
# own plain-line test); anything else goes through the lexer.
_NOT_PLAIN = re.compile(r'[{};\[\]"#]|/\*')

_Parsed = tuple[str, list[tuple[str, ...]]]


def _paths(line: str) -> _Parsed:
    """Return a set-form line's verb and the statement paths it names (a list names several)."""
    words = line.split()
    if not words or words[0] not in _SET_FORM_VERBS:
        return "", []
    verb = words[0]
    if verb not in ("set", "deactivate"):
        return verb, []
    if _NOT_PLAIN.search(line) is None:
        # What the lexer makes of a plain line: `set P` is one statement P, `deactivate P`
        # one deactivated path P (none when P is empty).
        if verb == "set" or len(words) > 1:
            return verb, [tuple(words[1:])]
        return verb, []
    return _lexed_paths(line)


@lru_cache(maxsize=4096)
def _lexed_paths(line: str) -> _Parsed:
    lexed = lex(line)
    if line.split()[0] == "set":
        return "set", [st.words for st in lexed.statements]
    return "deactivate", [p for p, _ in lexed.deactivated]


def _encode(path: tuple[str, ...]) -> str | None:
    """A newline, then every word followed by a tab; None when a word holds either character."""
    encoded = "\n" + "".join([word + "\t" for word in path])
    if encoded.count("\t") != len(path) or encoded.count("\n") != 1:
        return None
    return encoded


def _encode_head(path: tuple[str, ...], words: int) -> str:
    return "\n" + "".join([word + "\t" for word in path[:words]])


def _longest_head(path: tuple[str, ...], keys: str) -> int:
    """Return how many leading words of ``path`` some line of the encoded ``keys`` shares.

    A head of k words is in the keys only if the head of k - 1 is, so a binary search finds it.
    """
    lo, hi = 0, len(path)  # the head of lo words is found (0: trivially), of hi + 1 not
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _encode_head(path, mid) in keys:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _key(parsed: _Parsed) -> str | None:
    """A set line's paths encoded for ``JunosText._place_search`` ("" for other lines)."""
    verb, paths = parsed
    if verb != "set":
        return ""
    encoded = [_encode(p) for p in paths]
    if None in encoded:
        return None
    return "".join(encoded)  # type: ignore[arg-type]


# Whitespace other than the space and the newline: str.split() splits on these as well.
_OTHER_SPACE = ("\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x00")


def _simple(text: str) -> bool:
    """Tell whether every line of ``text`` is ``set`` and plain words, each after one space.

    Then a line's words are its text split at spaces (no word holds a tab, a newline or a
    NUL), so "some line's path starts with these words" is a substring test on the text
    (see ``_head_at``). Checked on the whole text at once.
    """
    return (
        text.endswith("\n")
        and text.startswith("set ")
        and text.isascii()
        and is_plain(text)
        and not any(c in text for c in _OTHER_SPACE)
        and "  " not in text
        and " \n" not in text
        and "\n " not in text
        and text.count("\nset ") == text.count("\n") - 1
    )


def _simple_file(text: str) -> bool:
    """``_simple`` for a whole file, from the lexer's words of its lines (shared with the parse).

    A line is simple when it is ``set`` and its words joined by single spaces (no other
    whitespace, none leading or trailing): that tells what ``_simple``'s searches for two
    characters (slow on a long text) tell, line by line.
    """
    if not (
        text.endswith("\n") and text.isascii() and is_plain(text) and not any(c in text for c in _OTHER_SPACE)
    ):
        return False
    lexed = lex_shared(text)  # the parse lexed the same text: read only
    paths = [st.words for st in lexed.statements]
    if len(paths) != len(lexed.lines) or not all(paths):
        return False
    # Words hold no newline: the texts are equal exactly when each line is its words joined.
    return "\n".join(["set " + " ".join(path) for path in paths]) + "\n" == text


def _plain_words(path: tuple[str, ...]) -> bool:
    """Tell whether every word of ``path`` is non-empty and holds no whitespace."""
    return all(word.split() == [word] for word in path)


def _head_at(body: str, head: str) -> int:
    """The last place in ``body`` where ``head`` is followed by a space or a newline (-1: none).

    ``head`` is a newline, ``set`` and some words: a line whose path starts with those words
    holds it followed by a space (a longer path) or a newline (the same path); a place
    followed by another character is a longer last word, looked past. Only for words a
    simple line could hold (``_plain_words``).
    """
    n = len(head)
    found = body.rfind(head)
    while found >= 0 and body[found + n] not in " \n":  # the body ends with a newline
        found = body.rfind(head, 0, found + n - 1)
    return found


def _longest_in_text(path: tuple[str, ...], body: str) -> tuple[int, int]:
    """``_longest_head`` over a simple file's text (after a leading newline) instead of its keys.

    Also returns where the head of that many words last is (``_head_at``; -1 for none).
    """
    lo, hi, at = 0, len(path), -1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = _head_at(body, "\nset " + " ".join(path[:mid]))
        if found >= 0:
            lo, at = mid, found
        else:
            hi = mid - 1
    return lo, at


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
    """An editable Junos configuration, held as set commands.

    ``lines`` are the commands; ``_parsed`` holds, for each line, its verb and paths (what
    ``_paths`` says of it), so an edit reads every line once instead of once per command.

    A file of simple set lines (``_simple``, most files) is kept as its text: ``set`` and
    ``insert`` commands edit that text (placing a line by substring search, see ``_head_at``),
    the lines are read from it when asked for, and the per-line lists only when another
    command needs them.
    """

    _lines: list[str] | None  # None: the lines of the simple text (see ``lines``)
    _rows_parsed: list[_Parsed] | None
    _rows_keys: list[str | None] | None  # None: a word holds a tab or newline (see _place_search)
    _body: str | None  # while the rows are unread: a newline, then the simple text

    def __init__(self, text: str) -> None:
        """Read ``text`` (set or brace form); a brace form is turned into set commands.

        Raises:
            MergeError: the text has lines the lexer cannot read as Junos statements.
        """
        self._body = None
        self._lines = None
        self._rows_parsed = self._rows_keys = None
        if _simple_file(text):
            self._body = "\n" + text
            return
        lines = split_lines(text)
        if is_plain(text) and self._read_plain(lines):
            return
        if _is_set_form(lines):
            self.lines = lines
            self._parsed = [_paths(line) for line in lines]
            self._keys = [_key(parsed) for parsed in self._parsed]
            return
        lexed = lex(text)
        if lexed.problems:
            line, reason = lexed.problems[0]
            raise MergeError(f"line {line} cannot be read as Junos configuration: {reason}")
        lines = set_lines(lexed, lexed.statements)
        for path, _ in lexed.deactivated:
            lines.append(_text("deactivate", path))
        self.lines = lines
        self._parsed = [_paths(line) for line in lines]
        self._keys = [_key(parsed) for parsed in self._parsed]

    @property
    def lines(self) -> list[str]:
        """The commands, one a line."""
        if self._lines is None:  # a simple file's commands edited its text only
            assert self._body is not None
            self._lines = self._body[1:-1].split("\n")
        return self._lines

    @lines.setter
    def lines(self, value: list[str]) -> None:
        self._lines = value

    @property
    def _parsed(self) -> list[_Parsed]:
        if self._rows_parsed is None:
            self._read_rows()
        assert self._rows_parsed is not None
        return self._rows_parsed

    @_parsed.setter
    def _parsed(self, value: list[_Parsed]) -> None:
        self._rows_parsed = value

    @property
    def _keys(self) -> list[str | None]:
        if self._rows_keys is None:
            self._read_rows()
        assert self._rows_keys is not None
        return self._rows_keys

    @_keys.setter
    def _keys(self, value: list[str | None]) -> None:
        self._rows_keys = value

    def _read_rows(self) -> None:
        """Read the per-line lists of a simple file (its lines are still simple set lines)."""
        lines = self.lines
        self._body = None
        self._read_plain(lines)

    def _read_plain(self, lines: list[str]) -> bool:
        """Read a set-form text whose every line is plain (most are); False for a brace form.

        No line holds ``#`` or ``/*``, so a set form is one whose lines start with a verb, and
        a ``set`` line's path is its words after ``set`` (what ``_paths`` says of it).
        """
        rows = [line.split() for line in lines]
        if not all(not words or words[0] in _SET_FORM_VERBS for words in rows):
            return False
        sets = [words[1:] if words and words[0] == "set" else None for words in rows]
        self.lines = lines
        self._parsed = [("set", [tuple(path)]) if path is not None else ("", []) for path in sets]
        self._keys = [
            "\n" + "\t".join(path) + "\t" if path else "\n" if path is not None else "" for path in sets
        ]
        for i, path in enumerate(sets):
            if path is None:  # deactivate, delete... lines: rare in a file
                self._parsed[i] = _paths(lines[i])
                self._keys[i] = _key(self._parsed[i])
        return True

    def text(self) -> str:
        """Return the edited configuration (set form)."""
        if self._body is not None:
            return self._body[1:]
        return "\n".join(self.lines) + "\n"

    def has(self, path: tuple[str, ...]) -> bool:
        """Tell whether some statement lies under ``path``."""
        return any(_starts(p, path) for _, paths in self._parsed for p in paths)

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
        """Add ``path`` after the last line sharing the longest leading words with it (else last).

        Nothing changes when a set line already names ``path``.
        """
        if self._body is not None and path and self._set_simple(path):
            return
        at = self._place_search(path) if path and None not in self._keys else self._place_scan(path)
        if at is None:
            return
        line = _text("set", path)
        self.lines.insert(at, line)
        self._parsed.insert(at, _paths(line))
        self._keys.insert(at, _key(self._parsed[at]))

    def _place_scan(self, path: tuple[str, ...]) -> int | None:
        """Where ``_set`` puts ``path`` (None: already there), line by line."""
        best, at = 0, len(self.lines)
        # Only a path sharing at least max(best, 1) leading words can move the place: compare
        # that many words at once, then count the rest.
        reach = 1
        head = path[:1]
        for i, (verb, paths) in enumerate(self._parsed):
            if verb != "set":
                continue
            for p in paths:
                if p == path:
                    return None
                if p[:reach] == head and path:
                    common = reach + _common(p[reach:], path[reach:])
                    if common >= best:
                        best, at = common, i + 1
                        reach, head = common, path[:common]
        return at

    def _set_simple(self, path: tuple[str, ...]) -> bool:
        """``_set`` on a simple file's text; False (nothing done) when the line is not simple.

        What ``_place_search`` decides: the new line goes after the last line holding the
        longest head of ``path`` (else last), found by substring search (``_head_at``).
        """
        line = _text("set", path)
        if not _simple(line + "\n"):
            return False
        body = self._body
        assert body is not None
        if "\n" + line + "\n" in body:
            return True  # already there
        lo, found = _longest_in_text(path, body)
        offset = len(body) - 1 if lo == 0 else body.find("\n", found + 1)
        self._lines = None
        self._body = body[:offset] + "\n" + line + body[offset:]
        return True

    def _insert_simple(self, element: tuple[str, ...], anchor: tuple[str, ...]) -> bool:
        """``_insert`` on a simple file's lines; False (nothing done) when a path is not plain words.

        One path per line, its words split at single spaces: a line is under a path when it
        is ``set`` and the path's words, alone or followed by a space.
        """
        if not element or not anchor or not _plain_words(element) or not _plain_words(anchor):
            return False
        lines = self.lines
        mine = "set " + " ".join(element)
        mine_longer = mine + " "
        inside = [line == mine or line.startswith(mine_longer) for line in lines]
        if not any(inside):
            raise MergeError(f"insert {' '.join(element)}: no such element")
        target = "set " + " ".join(anchor)
        target_longer = target + " "
        rest = [line for line, yes in zip(lines, inside, strict=True) if not yes]
        for i, line in enumerate(rest):
            if line == target or line.startswith(target_longer):
                moved = [line for line, yes in zip(lines, inside, strict=True) if yes]
                self.lines = [*rest[:i], *moved, *rest[i:]]
                self._body = "\n" + "\n".join(self.lines) + "\n"
                return True
        raise MergeError(f"insert {' '.join(element)}: no {' '.join(anchor[-2:])} to insert before")

    def _place_search(self, path: tuple[str, ...]) -> int | None:
        """``_place_scan`` for a non-empty path, by substring search over every line's key.

        A key writes each path as a newline, then each word followed by a tab (words hold
        neither, else the line has no key and ``_place_scan`` decides), so "some path starts
        with these words" is "the keys hold their encoding", and the last line holding it is
        the last match.
        """
        encoded = _encode(path)
        if encoded is None:
            return self._place_scan(path)
        keys = "".join(self._keys) + "\n"  # type: ignore[arg-type]
        if encoded + "\n" in keys:
            return None
        lo = _longest_head(path, keys)
        if lo == 0:
            return len(self.lines)
        found = keys.rfind(_encode_head(path, lo))
        starts = list(itertools.accumulate(map(len, self._keys), initial=0))  # type: ignore[arg-type]
        return bisect.bisect_right(starts, found)  # the line holding the match, plus one

    def _delete(self, path: tuple[str, ...]) -> None:
        kept: list[tuple[str, _Parsed, str | None]] = []
        removed = False
        for row in zip(self.lines, self._parsed, self._keys, strict=True):
            verb, paths = row[1]
            under = [p for p in paths if _starts(p, path)]
            if verb not in ("set", "deactivate") or not under:
                kept.append(row)
                continue
            removed = removed or verb == "set"
            # A list line (`application [ a b ]`) keeps the values not deleted.
            for p in paths:
                if not _starts(p, path):
                    line = _text(verb, p)
                    parsed = _paths(line)
                    kept.append((line, parsed, _key(parsed)))
        if not removed:
            raise MergeError(f"delete {' '.join(path)}: statement not found")
        self._rows(kept)

    def _rows(self, rows: list[tuple[str, _Parsed, str | None]]) -> None:
        self.lines = [line for line, _, _ in rows]
        self._parsed = [parsed for _, parsed, _ in rows]
        self._keys = [key for _, _, key in rows]

    def _insert(self, element: tuple[str, ...], anchor: tuple[str, ...]) -> None:
        if self._body is not None and self._insert_simple(element, anchor):
            return
        encoded = _encode(element) if element else None
        inside = [
            encoded in key
            if encoded is not None and key is not None and parsed[0] == "set"
            else any(_starts(p, element) for p in parsed[1])
            for parsed, key in zip(self._parsed, self._keys, strict=True)
        ]  # a set line's key holds a path's encoding at its start only, so `in` is "starts with"
        rows = list(zip(self.lines, self._parsed, self._keys, strict=True))
        moved = [row for row, yes in zip(rows, inside, strict=True) if yes]
        if not moved:
            raise MergeError(f"insert {' '.join(element)}: no such element")
        rest = [row for row, yes in zip(rows, inside, strict=True) if not yes]
        for i, (_, (verb, paths), _) in enumerate(rest):
            if verb == "set" and any(_starts(p, anchor) for p in paths):
                self._rows([*rest[:i], *moved, *rest[i:]])
                return
        raise MergeError(f"insert {' '.join(element)}: no {' '.join(anchor[-2:])} to insert before")
