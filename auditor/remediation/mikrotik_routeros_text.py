"""RouterOS ``/export`` text, edited as the router's console would edit its configuration.

The merge step of a mikrotik_routeros remediation. Understands the commands
``templates/remediation/mikrotik_routeros.j2`` writes, each with its full menu path:

- ``/ip firewall filter|raw|nat add ARGS [place-before=SELECTOR]``: a new rule, before the
  item the selector names or, without ``place-before``, after the table's last rule;
- ``/ip firewall filter|raw|nat remove SELECTOR``: every item the selector names;
- ``/ip firewall service-port set NAME disabled=yes|no`` and ``/ip upnp|nat-pmp set enabled=yes|no``.

A selector is ``[find where COND and COND ...]`` or ``[:pick [find where ...] K]``; a COND
is ``!dynamic`` or ``key="value"``. ``find`` walks a table's items in list order (the order
``print`` and ``/export`` show) and an export holds only static items, so ``!dynamic`` holds
for every item here. The text stays what ``/export`` would print after the change: a rule is
one ``add`` line in its table's section, a setting back at its default prints nothing, and a
section left empty is not printed. ``MergeError`` is raised for what the router would refuse
(a ``place-before`` that names no rule, a rule without ``chain=``) and, to be safe, for what it
might take otherwise than meant: a ``place-before`` naming several rules, or a ``remove`` that
names none (the router would silently do nothing, so the change would not be what it says).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from auditor.parsers.mikrotik_routeros.features import MEDIA_HELPERS
from auditor.parsers.mikrotik_routeros.lexer import (
    Command,
    continues,
    logical_lines,
    logical_spans,
    read_command,
    shared_command,
    split_words,
)
from auditor.quick import quick_init
from auditor.remediation.merge import MergeError

__all__ = ["RosItem", "RosText", "parse_selector"]

Menu = tuple[str, ...]
TABLES: frozenset[Menu] = frozenset({("ip", "firewall", t) for t in ("filter", "raw", "nat")})
SERVICE_PORT: Menu = ("ip", "firewall", "service-port")
MAPPING_SERVICES: frozenset[Menu] = frozenset({("ip", "upnp"), ("ip", "nat-pmp")})
# The order /export prints these menus in: a section the change creates goes in its place.
_ORDER: list[Menu] = [
    ("ip", "firewall", "address-list"),
    ("ip", "firewall", "filter"),
    ("ip", "firewall", "mangle"),
    ("ip", "firewall", "nat"),
    ("ip", "firewall", "raw"),
    SERVICE_PORT,
    ("ip", "nat-pmp"),
    ("ip", "upnp"),
]
_DISPLAY_VERBS = frozenset({"print", "export"})
_MAY_NAME_A_MENU = frozenset('/"\\')  # first characters a word starting with / can come from
_PLACE_BEFORE = re.compile(r"\s+place-before=")
_COND = re.compile(r'^(?P<key>[a-z0-9-]+)=(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s"]+))$')
_PICK = re.compile(r"^\[:pick\s+(?P<list>\[find\b.*\])\s+(?P<index>\d+)\]$", re.S)
_FIND = re.compile(r"^\[find\s+where\s+(?P<conds>.*)\]$", re.S)


@quick_init  # made for every line read and moved
@dataclass(frozen=True, slots=True)
class RosItem:
    """One command of the export: its menu, its words, and the physical lines it spans."""

    command: Command
    first: int  # index of its first physical line
    last: int  # index of its last physical line
    text: str  # the logical line, continuations joined

    @property
    def args(self) -> dict[str, str]:
        """Return the command's ``key=value`` arguments (values unquoted)."""
        return self.command.args


@dataclass(frozen=True, slots=True)
class Selector:
    """A ``find`` over a table's items: every condition must hold; ``pick`` takes one of them."""

    conditions: tuple[tuple[str, str], ...]
    pick: int | None


@dataclass(slots=True)
class _Span:
    """One logical line as the editor read it: its lines, joined text, menu before it, item.

    Never changed once made (an edit that moves it makes a new one); a plain slotted record
    because one is made for every line read and moved.
    """

    first: int
    last: int
    text: str  # joined, not stripped
    menu: Menu  # the menu in effect before it
    after: Menu  # the menu in effect after it
    item: RosItem | None  # None: a comment, a blank line or a menu-only line


def _read_one(first: int, last: int, text: str, menu: Menu) -> _Span:
    stripped = text.strip()
    if not stripped or stripped[0] == "#":
        return _Span(first, last, text, menu, menu, None)
    command = shared_command(stripped, menu)  # never changed here
    if command.verb is None:
        return _Span(first, last, text, menu, command.menu if command.inline_menu else menu, None)
    return _Span(first, last, text, menu, menu, RosItem(command, first, last, stripped))


# The last export read from scratch: the builders and the editor of one remediation each
# read the same text (one entry: one device's worth).
_LAST: list[tuple[list[str], list[_Span]]] = []


def _reading(lines: list[str]) -> list[_Span]:
    """Return a fresh list of the spans of ``lines`` read from the start (the last one is kept)."""
    last = _LAST[0] if _LAST else None  # one read: another thread may replace it
    if last is not None and last[0] == lines:
        return list(last[1])
    spans, _ = _read_spans(lines, 0, ())
    _LAST[:] = [(list(lines), spans)]
    return list(spans)


def _read_spans(lines: list[str], offset: int, menu: Menu) -> tuple[list[_Span], Menu]:
    """Read ``lines`` (the first at index ``offset``) from ``menu``; return their spans and the menu after."""
    out: list[_Span] = []
    append = out.append
    shift = offset - 1
    for first, last, text in logical_spans(lines):
        # _read_one, inline: most lines are an item read again from the lexer's cache.
        first, last = first + shift, last + shift
        stripped = text.strip()
        if not stripped or stripped[0] == "#":
            append(_Span(first, last, text, menu, menu, None))
            continue
        command = shared_command(stripped, menu)  # never changed here
        if command.verb is None:
            after = command.menu if command.inline_menu else menu
            append(_Span(first, last, text, menu, after, None))
            menu = after
            continue
        append(_Span(first, last, text, menu, menu, RosItem(command, first, last, stripped)))
    return out, menu


def _shifted(span: _Span, delta: int) -> _Span:
    item = span.item
    if item is not None:
        item = RosItem(item.command, item.first + delta, item.last + delta, item.text)
    return _Span(span.first + delta, span.last + delta, span.text, span.menu, span.after, item)


def _span_at(spans: list[_Span], index: int) -> int | None:
    """Return the position of the span starting at line ``index`` (len(spans) at the end), else None."""
    if not spans or index > spans[-1].last:
        return len(spans) if not spans or index == spans[-1].last + 1 else None
    low, high = 0, len(spans)
    while low < high:
        mid = (low + high) // 2
        if spans[mid].first < index:
            low = mid + 1
        else:
            high = mid
    return low if low < len(spans) and spans[low].first == index else None


def _header_lines(lines: list[str], offset: int) -> list[tuple[int, Menu]]:
    """Return (index, menu) of the lines that only name a menu (the first at ``offset``)."""
    out = []
    for index, line in enumerate(lines, offset):
        if line[:1] != "/" and not line[:1].isspace():
            continue  # its first word cannot start with / (most lines: add ...)
        words = line.split()
        if len(words) and words[0].startswith("/") and all("=" not in w for w in words):
            command = read_command(split_words(line.strip()), ())
            if command.verb is None:
                out.append((index, command.menu))
    return out


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_selector(text: str) -> Selector:
    """Read ``[find where ...]`` or ``[:pick [find where ...] K]``.

    Raises:
        MergeError: any other form (this editor does not guess at console expressions).
    """
    text = text.strip()
    pick = None
    picked = _PICK.match(text)
    if picked:
        text, pick = picked.group("list"), int(picked.group("index"))
    found = _FIND.match(text)
    if found is None:
        raise MergeError(f"selector {text!r} not understood")
    conditions: list[tuple[str, str]] = []
    for part in _split_and(found.group("conds")):
        if part == "!dynamic":
            continue  # an export holds static items only
        cond = _COND.match(part)
        if cond is None:
            raise MergeError(f"condition {part!r} not understood")
        value = cond.group("quoted")
        conditions.append((cond.group("key"), _unescape(value) if value is not None else cond.group("bare")))
    return Selector(tuple(conditions), pick)


def _split_and(text: str) -> list[str]:
    """Split ``A and B and C`` on ``and`` outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted, escaped = False, False
    for word in re.split(r"(\s+)", text.strip()):
        for char in word:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = not quoted
        if not quoted and word == "and":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(word)
    parts.append("".join(current).strip())
    if any(not p for p in parts):
        raise MergeError(f"conditions {text!r} not understood")
    return parts


def _bracket_end(text: str, start: int) -> int:
    """Return the index just past the ``]`` that closes the ``[`` at ``start`` (quotes respected)."""
    depth, quoted, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth -= 1
            if depth == 0:
                return index + 1
    raise MergeError(f"unbalanced brackets in {text[start:]!r}")


class RosText:
    """An editable RouterOS export."""

    def __init__(self, text: str) -> None:
        """Split ``text`` into physical lines."""
        self.lines = text.splitlines()
        # The reading of every logical line, kept in step with each edit (see _splice);
        # _seen is the lines it reads, so an edit made from outside is noticed.
        self._spans: list[_Span] | None = None
        self._heads: list[tuple[int, Menu]] | None = None  # _headers(), kept in step too
        self._seen: list[str] = []

    def text(self) -> str:
        """Return the edited export."""
        return "\n".join(self.lines) + "\n"

    # --- reading -------------------------------------------------------------------------

    def items(self) -> list[RosItem]:
        """Return every command of the export in order (menu-only lines and comments left out)."""
        return [span.item for span in self._read() if span.item is not None]

    def menu_items(self, menu: Menu) -> list[RosItem]:
        """Return ``[i for i in self.items() if i.command.menu == menu]``."""
        return [
            span.item for span in self._read() if span.item is not None and span.item.command.menu == menu
        ]

    def _fresh(self) -> None:
        """Forget what was read if the lines changed other than by ``_splice``."""
        if self._seen != self.lines:
            self._seen = list(self.lines)
            self._spans = self._heads = None

    def _read(self) -> list[_Span]:
        self._fresh()
        if self._spans is None:
            self._spans = _reading(self._seen)
        return self._spans

    def _splice(self, start: int, stop: int, new: list[str]) -> None:
        """Replace ``lines[start:stop]`` by ``new``, and the reading with it.

        The reading of a logical line depends on its text and on the menu in effect before
        it; when the edit starts and ends on logical line boundaries and its own lines end
        one, the lines before it read as they did, and those after it too, shifted, once the
        menu in effect is the same again. Otherwise the whole export is read again.
        """
        self._fresh()
        spans, heads = self._spans, self._heads
        old_count = len(self.lines)
        self.lines[start:stop] = new
        self._seen[start:stop] = new
        self._spans = None
        delta = len(new) - (stop - start)
        if heads is not None:  # a header is a property of its physical line alone
            later = [(index + delta, menu) for index, menu in heads if index >= stop]
            self._heads = [h for h in heads if h[0] < start] + _header_lines(new, start) + later
        if spans is None:
            return
        at, end = _span_at(spans, start), _span_at(spans, stop)
        if at is None or end is None:
            return  # the edit cuts a logical line
        if start == old_count and at and continues(spans[at - 1].text):
            return  # the last line of the export would take the new ones in
        menu = spans[at].menu if at < len(spans) else (spans[-1].after if spans else ())
        read, menu = _read_spans(new, start, menu)
        if read and continues(read[-1].text):
            return  # the new lines would take in the ones after them
        rest: list[_Span] = []
        for index in range(end, len(spans)):
            span = spans[index]
            if span.menu == menu:  # read as before from here on, only moved
                rest.extend([_shifted(moved, delta) for moved in spans[index:]] if delta else spans[index:])
                break
            span = _read_one(span.first + delta, span.last + delta, span.text, menu)
            rest.append(span)
            menu = span.after
        spans[at:] = read + rest
        self._spans = spans

    def table(self, menu: Menu) -> list[RosItem]:
        """Return the rules of a firewall table in list order.

        Raises:
            MergeError: the export also edits the table by position (``set``/``move``/``remove``
                lines of a script): the rules' order is not the text's.
        """
        out = []
        for span in self._read():  # menu_items(menu), in the same pass
            item = span.item
            if item is None or item.command.menu != menu:
                continue
            verb = item.command.verb
            if verb == "add":
                out.append(item)
            elif verb not in _DISPLAY_VERBS:
                raise MergeError(
                    f"/{' '.join(menu)} holds a '{verb}' command (line {item.first + 1}): "
                    "rule positions are not those of the text"
                )
        return out

    def select(self, menu: Menu, selector: Selector) -> list[RosItem]:
        """Return the items of table ``menu`` that ``selector`` names, in list order."""
        found = self.table(menu)
        for key, value in selector.conditions:  # every condition must hold
            found = [item for item in found if item.command.args.get(key) == value]
        if selector.pick is None:
            return found
        return [found[selector.pick]] if selector.pick < len(found) else []

    # --- applying ------------------------------------------------------------------------

    def apply(self, rendered: str) -> None:
        """Apply rendered console commands, one logical line at a time.

        Raises:
            MergeError: a command this editor (or the router) would not accept here.
        """
        for logical in logical_lines(rendered.splitlines()):
            raw = logical.text.strip()
            if not raw or raw.startswith("#"):
                continue
            command = read_command(split_words(raw), ())
            menu, verb = command.menu, command.verb
            if not command.inline_menu:
                raise MergeError(f"command {raw!r} names no menu")
            if menu in TABLES and verb == "add":
                self._add(menu, raw)
            elif menu in TABLES and verb == "remove" and command.selector:
                self._remove(menu, raw)
            elif menu == SERVICE_PORT and verb == "set" and command.selector in MEDIA_HELPERS:
                self._set_helper(command)
            elif menu in MAPPING_SERVICES and verb == "set" and set(command.args) == {"enabled"}:
                self._set_service(menu, command.args["enabled"])
            else:
                raise MergeError(f"command {raw!r} not understood")

    def _add(self, menu: Menu, raw: str) -> None:
        body = raw.split(" add ", 1)[1].strip()
        place = _PLACE_BEFORE.search(body)
        target: RosItem | None = None
        if place is not None:
            start = place.end()
            if body[start : start + 1] != "[":
                raise MergeError(f"place-before needs a [find ...] selector here: {raw!r}")
            end = _bracket_end(body, start)
            found = self.select(menu, parse_selector(body[start:end]))
            if len(found) != 1:
                raise MergeError(f"place-before names {len(found)} rules: {body[start:end]}")
            target = found[0]
            body = (body[: place.start()] + body[end:]).strip()
        if "chain" not in read_command(["add", *split_words(body)], menu).args:
            raise MergeError(f"a rule without chain=: {raw!r}")
        if target is not None:
            prefix = f"/{' '.join(menu)} " if target.command.inline_menu else ""
            self._splice(target.first, target.first, [f"{prefix}add {body}"])
            return
        rules = self.table(menu)
        if rules:
            last = rules[-1]
            prefix = f"/{' '.join(menu)} " if last.command.inline_menu else ""
            self._splice(last.last + 1, last.last + 1, [f"{prefix}add {body}"])
            return
        self._section_end(menu, create=True)
        at = self._section_end(menu, create=False)
        self._splice(at, at, [f"add {body}"])

    def _remove(self, menu: Menu, raw: str) -> None:
        start = raw.index(" remove ") + len(" remove ")
        found = self.select(menu, parse_selector(raw[start:]))
        if not found:
            raise MergeError(f"no rule matches {raw[start:].strip()}")
        for item in reversed(found):
            self._splice(item.first, item.last + 1, [])
        self._drop_if_empty(menu)

    def _set_helper(self, command: Command) -> None:
        name = command.selector or ""
        value = command.args.get("disabled")
        if set(command.args) != {"disabled"} or value not in ("yes", "no"):
            raise MergeError(f"service-port {name}: only disabled=yes|no is understood")
        default = "no" if MEDIA_HELPERS[name][1] else "yes"
        self._set_line(SERVICE_PORT, lambda c: c.selector == name, f"set {name}", "disabled", value, default)

    def _set_service(self, menu: Menu, value: str) -> None:
        if value not in ("yes", "no"):
            raise MergeError(f"/{' '.join(menu)}: enabled={value} not understood")
        self._set_line(menu, lambda c: c.selector is None, "set", "enabled", value, "no")

    def _set_line(
        self, menu: Menu, mine: Callable[[Command], bool], head: str, key: str, value: str, default: str
    ) -> None:
        """Set ``key=value`` on the menu's ``set`` line (or add one); a default alone prints nothing."""
        lines = [i for i in self.menu_items(menu) if i.command.verb == "set" and mine(i.command)]
        if lines:
            item = lines[-1]
            pattern = re.compile(rf"(?<=\s){re.escape(key)}=\S+")
            text = item.text
            if pattern.search(text):
                text = pattern.sub(f"{key}={value}", text, count=1)
            else:
                text = f"{text} {key}={value}"
            if set(read_command(split_words(text), menu).args) == {key} and value == default:
                self._splice(item.first, item.last + 1, [])  # /export leaves a default unprinted
                self._drop_if_empty(menu)
                return
            self._splice(item.first, item.last + 1, [text])
            return
        if value == default:
            return  # already the default: /export prints nothing either way
        self._section_end(menu, create=True)
        at = self._section_end(menu, create=False)
        self._splice(at, at, [f"{head} {key}={value}"])

    # --- sections ------------------------------------------------------------------------

    def _headers(self) -> list[tuple[int, Menu]]:
        self._fresh()
        if self._heads is None:
            self._heads = _header_lines(self.lines, 0)
        return self._heads

    def _section_end(self, menu: Menu, create: bool) -> int:
        """Return the index just past the section of ``menu`` (creating the header if asked).

        Raises:
            MergeError: there is no such section and ``create`` is False.
        """
        headers = self._headers()
        for n, (index, name) in enumerate(headers):
            if name == menu:
                end = headers[n + 1][0] if n + 1 < len(headers) else len(self.lines)
                while end > index + 1 and not self.lines[end - 1].strip():
                    end -= 1
                return end
        if not create:
            raise MergeError(f"no section /{' '.join(menu)}")
        rank = _ORDER.index(menu) if menu in _ORDER else len(_ORDER)
        at = len(self.lines)
        earlier = [(i, n) for n, (i, name) in enumerate(headers) if name in _ORDER[:rank]]
        later = [i for i, name in headers if name in _ORDER[rank + 1 :]]
        if earlier:
            _, n = earlier[-1]
            at = headers[n + 1][0] if n + 1 < len(headers) else len(self.lines)
        elif later:
            at = later[0]
        self._splice(at, at, [f"/{' '.join(menu)}"])
        return at + 1

    def _drop_if_empty(self, menu: Menu) -> None:
        """Remove the header of ``menu`` when nothing is left under it (/export prints no empty menu)."""
        headers = self._headers()
        for n, (index, name) in enumerate(headers):
            if name != menu:
                continue
            end = headers[n + 1][0] if n + 1 < len(headers) else len(self.lines)
            if not any(line.strip() for line in self.lines[index + 1 : end]):
                self._splice(index, end, [])
            return
