"""Apply rendered PAN-OS configure-mode commands to a configuration, as the firewall would.

The merge step of the remediation for ``paloalto_panos``. PAN-OS holds one configuration
tree and prints it as ``set`` commands or as XML; the rendered change is a list of
``set``, ``delete`` and ``move`` commands on that tree. ``PanosSetText`` applies them to
set-format text (a rule's position is where its first line stands, as the parser reads
it); ``PanosXmlText`` applies them to the XML document (a rule is an ``<entry name=...>``
under ``rules``, in order). Both refuse what the firewall would refuse: deleting or moving
something that is not there, moving a rule before one that does not exist. A brace-form
configuration is printed as set commands first (``PanosBraceText``), and only when that
printing parses to the same model.

Paths are compared scope-qualified (``vsys vsys1 ...``, ``shared ...``), so ``set rulebase``
and ``set vsys vsys1 rulebase`` on a single-vsys firewall name the same node; a rule's
fields in one command (``from trust to untrust ...``) are split as the parser splits them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # the input is read by the parser's guarded expat reader first
from dataclasses import fields, is_dataclass

from auditor.flowspace import FlowSpace
from auditor.model import Source
from auditor.parsers.paloalto_panos.parser import parse
from auditor.parsers.paloalto_panos.reader import RULE_KEYS, choose_vsys, locate, split_fields
from auditor.parsers.paloalto_panos.statements import detect_form, flatten, split_lines
from auditor.remediation.merge import MergeError

__all__ = [
    "PanosBraceText",
    "PanosSetText",
    "PanosXmlText",
    "brace_as_set",
    "command_words",
    "commands",
    "normalize",
    "panos_editor",
]

Path = tuple[str, ...]

# Rule fields that hold member lists: ``set`` adds a member, it does not replace the list.
LIST_FIELDS = {
    "security": frozenset(
        {"from", "to", "source", "destination", "application", "service", "source-user", "category"}
        | {"source-hip", "destination-hip", "tag"}
    ),
    "nat": frozenset({"from", "to", "source", "destination", "tag"}),
}
# Containers whose children are ``<entry name=...>`` (in set commands: the word after them).
_ENTRY_CONTAINERS = frozenset({"address", "service", "rules", "zone", "address-group", "service-group"})


_TOKEN = re.compile(r'"([^"]*)"|\'([^\']*)\'|([\[\]])|([^\s\[\]"\']+)')


def command_words(line: str) -> tuple[str, ...]:
    """Split one command line into words (quotes removed; bracket lists kept as ``[`` ... ``]``).

    Examples:
        >>> command_words('set rulebase security rules "a b" from [ x y ]')
        ('set', 'rulebase', 'security', 'rules', 'a b', 'from', '[', 'x', 'y', ']')
    """
    return tuple(next(g for g in m.groups() if g is not None) for m in _TOKEN.finditer(line.strip()))


def _expand(words: tuple[str, ...]) -> list[Path]:
    """``a [ b c ]`` -> ``(a, b)``, ``(a, c)``: one path per bracket member."""
    out: list[Path] = [()]
    index = 0
    while index < len(words):
        if words[index] == "[":
            end = words.index("]", index) if "]" in words[index:] else len(words)
            members = words[index + 1 : end]
            out = [(*p, m) for p in out for m in members] if members else out
            index = end + 1
            continue
        out = [(*p, words[index]) for p in out]
        index += 1
    return out


def normalize(words: tuple[str, ...], vsys: str) -> list[Path]:
    """Return the scope-qualified leaf paths one command sets (``words`` without its verb).

    Examples:
        >>> [p[-2:] for p in normalize(("rulebase", "nat", "rules", "r", "from", "a", "to", "b"), "vsys1")]
        [('from', 'a'), ('to', 'b')]
        >>> normalize(("vsys", "vsys2", "address", "x", "ip-netmask", "1.2.3.4"), "vsys1")[0][:4]
        ('vsys', 'vsys2', 'address', 'x')
    """
    out: list[Path] = []
    for path in _expand(words):
        kind, name, at = locate(path)
        scope: Path = ("vsys", name or vsys) if kind == "vsys" else (kind,) if name is None else (kind, name)
        rest = path[at:]
        if len(rest) > 4 and rest[0] == "rulebase" and rest[2] == "rules" and rest[1] in RULE_KEYS:
            head = (*scope, *rest[:4])
            out.extend((*head, *piece) for piece in split_fields(rest[4:], RULE_KEYS[rest[1]]))
        else:
            out.append((*scope, *rest))
    return out


def commands(rendered: str) -> list[str]:
    r"""Return the commands of ``rendered``: a quoted value may run over several lines.

    Examples:
        >>> commands('set a description "two words"\n# a comment\nset b c')
        ['set a description "two words"', 'set b c']
    """
    out: list[str] = []
    open_quote = False
    for line in rendered.splitlines():
        if open_quote:
            out[-1] += "\n" + line
        elif line.strip() and not line.lstrip().startswith("#"):
            out.append(line.strip())
        else:
            continue
        open_quote = out[-1].count('"') % 2 == 1
    return out


def _is_list(path: Path) -> bool:
    """Whether the leaf ``path`` is a member of a rule's list field."""
    for i, word in enumerate(path[:-3]):
        if word == "rulebase" and path[i + 2] == "rules" and len(path) > i + 5:
            return path[i + 4] in LIST_FIELDS.get(path[i + 1], frozenset())
    return False


def _rule_path(words: tuple[str, ...], vsys: str) -> tuple[Path, str, str | None]:
    """Split ``move <path to a rule> before|after OTHER | top|bottom`` into its parts."""
    for where in ("before", "after", "top", "bottom"):
        if where in words:
            at = words.index(where)
            other = words[at + 1] if at + 1 < len(words) else None
            if (where in ("before", "after")) != (other is not None) or len(words) > at + 2:
                break
            paths = normalize(words[:at], vsys)
            if len(paths) == 1 and len(paths[0]) >= 4 and paths[0][-2] == "rules":
                return paths[0], where, other
    raise MergeError(f"move {' '.join(words)}: not a rule move PAN-OS accepts")


class PanosSetText:
    """Set-format PAN-OS text: one ``set`` command per line, rules ordered by first line."""

    def __init__(self, text: str) -> None:
        """Split ``text`` into lines; the modelled vsys names the top-level scope."""
        self.lines = split_lines(text)
        self.vsys = choose_vsys(flatten(text))
        self.spans: dict[int, list[int]] = {}  # line index -> the lines its command runs over

    def text(self) -> str:
        """Return the edited configuration."""
        return "\n".join(self.lines) + "\n"

    def _leaves(self) -> list[tuple[int, list[Path]]]:
        """Return (line index, leaf paths) of every ``set`` command in the text."""
        out: list[tuple[int, list[Path]]] = []
        self.spans = {}
        for stmt in flatten(self.text()).statements:
            if stmt.words[:1] != ("set",):
                continue
            paths = normalize(stmt.words[1:], self.vsys)
            self.spans[stmt.line - 1] = [n - 1 for n in stmt.lines]
            if out and out[-1][0] == stmt.line - 1:
                out[-1][1].extend(paths)  # a bracket list: several statements, one line
            else:
                out.append((stmt.line - 1, paths))
        return out

    def apply(self, rendered: str) -> None:
        """Apply ``set``, ``delete`` and ``move`` commands line by line (``#`` lines are comments).

        Raises:
            MergeError: the command names a node that is not there, or is not understood.
        """
        for raw in commands(rendered):
            words = command_words(raw)
            if words[0] == "set":
                self._set(raw, words[1:])
            elif words[0] == "delete":
                self._delete(words[1:])
            elif words[0] == "move":
                self._move(words[1:])
            else:
                raise MergeError(f"command {raw.strip()!r} not understood")

    def _set(self, line: str, words: tuple[str, ...]) -> None:
        new = normalize(words, self.vsys)
        leaves = self._leaves()
        have = {p for _, paths in leaves for p in paths}
        fresh = [p for p in new if p not in have]
        if not fresh:
            return
        for path in fresh:
            if _is_list(path):
                continue
            replaced = [(i, paths) for i, paths in leaves if any(p[:-1] == path[:-1] for p in paths)]
            if replaced:
                index, paths = replaced[0] if len(replaced) == 1 else (-1, [])
                if len(new) != 1 or len(paths) != 1 or len(self.spans[index]) != 1:
                    raise MergeError(f"{line!r} replaces a value on a line that sets other values too")
                self.lines[index : index + 1] = line.split("\n")
                return
        at = self._insert_at(new[0], leaves)
        self.lines[at:at] = line.split("\n")

    def _insert_at(self, path: Path, leaves: list[tuple[int, list[Path]]]) -> int:
        """Where a new line for ``path`` goes: after its rule, its rulebase or its object kind."""
        rule = _rule_prefix(path)
        for prefix in ([rule, rule[:-1]] if rule else []) + [path[: _scope_len(path) + 1]]:
            at = [i for i, paths in leaves if any(p[: len(prefix)] == prefix for p in paths)]
            if at:
                return self.spans[at[-1]][-1] + 1  # after the whole command, if it runs on
        return len(self.lines)

    def _lines_under(self, prefix: Path) -> list[int]:
        """Return the line indexes that set only things under ``prefix``.

        Raises:
            MergeError: a line sets something under ``prefix`` and something else.
        """
        out = []
        for index, paths in self._leaves():
            inside = [p[: len(prefix)] == prefix for p in paths]
            if all(inside):
                out.extend(self.spans[index])
            elif any(inside):
                raise MergeError(f"line {index + 1} sets {' '.join(prefix)} together with other values")
        return out

    def _delete(self, words: tuple[str, ...]) -> None:
        paths = normalize(words, self.vsys)
        if len(paths) != 1:
            raise MergeError(f"delete {' '.join(words)}: one node at a time")
        found = self._lines_under(paths[0])
        if not found:
            raise MergeError(f"delete {' '.join(words)}: no such node in the configuration")
        for index in reversed(found):
            del self.lines[index]

    def _move(self, words: tuple[str, ...]) -> None:
        path, where, other = _rule_path(words, self.vsys)
        mine = self._lines_under(path)
        if not mine:
            raise MergeError(f"move: no rule {path[-1]!r}")
        moved = [self.lines[i] for i in mine]
        for index in reversed(mine):
            del self.lines[index]
        rulebase = path[:-1]
        if where in ("top", "bottom"):
            found = self._lines_under(rulebase)
            at = (found[0] if where == "top" else found[-1] + 1) if found else len(self.lines)
        else:
            assert other is not None
            found = self._lines_under((*rulebase, other))
            if not found:
                raise MergeError(f"move: no rule {other!r} to move {path[-1]!r} {where}")
            at = found[0] if where == "before" else found[-1] + 1
        self.lines[at:at] = moved


def _scope_len(path: Path) -> int:
    return 2 if path[:1] == ("vsys",) else 1


def _rule_prefix(path: Path) -> Path | None:
    """The path of the rule ``path`` belongs to (``... rulebase KIND rules NAME``), or None."""
    start = _scope_len(path)
    if (
        path[start : start + 1] == ("rulebase",)
        and path[start + 2 : start + 3] == ("rules",)
        and len(path) > start + 3
    ):
        return path[: start + 4]
    return None


class PanosXmlText:
    """A PAN-OS XML configuration, edited as the firewall edits its configuration tree."""

    def __init__(self, text: str) -> None:
        """Parse ``text`` (already checked by the parser's expat reader: no DTD, well-formed).

        Raises:
            MergeError: the XML cannot be read or has no ``<config>`` element.
        """
        flat = flatten(text)
        if flat.error is not None:
            raise MergeError(flat.error)
        self.vsys = choose_vsys(flat)
        self.declaration = text.lstrip().startswith("<?xml")
        self.root = ET.fromstring(text)
        config = self.root if self.root.tag == "config" else self.root.find(".//config")
        if config is None:
            raise MergeError("no <config> element")
        self.config = config

    def text(self) -> str:
        """Return the edited document."""
        body = ET.tostring(self.root, encoding="unicode")
        return ('<?xml version="1.0"?>\n' if self.declaration else "") + body + "\n"

    def apply(self, rendered: str) -> None:
        """Apply ``set``, ``delete`` and ``move`` commands to the tree.

        Raises:
            MergeError: a command names a node that is not there, or is not understood.
        """
        for raw in commands(rendered):
            words = command_words(raw)
            if words[0] == "set":
                for path in normalize(words[1:], self.vsys):
                    self._set(path)
            elif words[0] == "delete":
                self._delete(words[1:])
            elif words[0] == "move":
                self._move(words[1:])
            else:
                raise MergeError(f"command {raw.strip()!r} not understood")

    def _scope(self, path: Path, create: bool) -> tuple[ET.Element, Path]:
        if path[0] == "shared":
            shared = self.config.find("shared")
            if shared is None:
                if not create:
                    raise MergeError("no shared configuration")
                shared = ET.SubElement(self.config, "shared")
            return shared, path[1:]
        if path[0] == "vsys":
            for device in self.config.findall("devices/entry"):
                for vsys in device.findall("vsys/entry"):
                    if vsys.get("name") == path[1]:
                        return vsys, path[2:]
            raise MergeError(f"no vsys {path[1]} in the configuration")
        raise MergeError(f"{' '.join(path)}: only vsys and shared nodes are edited")

    def _walk(self, path: Path, create: bool) -> ET.Element | None:
        """Return the element at ``path`` (creating the way when asked), or None."""
        element, rest = self._scope(path, create)
        index = 0
        while index < len(rest):
            word = rest[index]
            holds_entries = element.tag in _ENTRY_CONTAINERS or (
                element.tag == "application" and self._parent_tag(element) == "alg-override"
            )
            child = (
                next((e for e in element.findall("entry") if e.get("name") == word), None)
                if holds_entries
                else element.find(word)
            )
            if child is None:
                if not create:
                    return None
                child = (
                    ET.SubElement(element, "entry", {"name": word})
                    if holds_entries
                    else ET.SubElement(element, word)
                )
            element = child
            index += 1
        return element

    def _parent_tag(self, element: ET.Element) -> str | None:
        for parent in self.config.iter():
            if element in list(parent):
                return parent.tag
        return None

    def _set(self, path: Path) -> None:
        holder = self._walk(path[:-1], True)
        assert holder is not None
        value = path[-1]
        if _is_list(path):
            if holder.text and holder.text.strip() and not list(holder):
                holder.text = None  # a single value printed as text becomes a member list
            if value not in [m.text for m in holder.findall("member")]:
                ET.SubElement(holder, "member").text = value
            return
        if [c for c in holder if c.tag != "member"]:
            raise MergeError(f"{' '.join(path[:-1])} is a container, not a value")
        for member in holder.findall("member"):
            holder.remove(member)
        holder.text = value

    def _delete(self, words: tuple[str, ...]) -> None:
        paths = normalize(words, self.vsys)
        if len(paths) != 1:
            raise MergeError(f"delete {' '.join(words)}: one node at a time")
        path = paths[0]
        element = self._walk(path, False)
        if element is None or len(path) <= _scope_len(path):
            raise MergeError(f"delete {' '.join(words)}: no such node in the configuration")
        # Containers the delete leaves empty configure nothing: they go too (up to the scope).
        while len(path) > _scope_len(path):
            parent = self._walk(path[:-1], False)
            assert parent is not None
            parent.remove(element)
            path, element = path[:-1], parent
            if len(element) or (element.text or "").strip() or element.get("name") is not None:
                break
            if len(path) == _scope_len(path):
                if path == ("shared",):
                    self.config.remove(element)
                break

    def _move(self, words: tuple[str, ...]) -> None:
        path, where, other = _rule_path(words, self.vsys)
        rules = self._walk(path[:-1], False)
        rule = self._walk(path, False)
        if rules is None or rule is None:
            raise MergeError(f"move: no rule {path[-1]!r}")
        rules.remove(rule)
        entries = list(rules)
        if where == "top":
            rules.insert(0, rule)
        elif where == "bottom":
            rules.append(rule)
        else:
            target = next((e for e in entries if e.tag == "entry" and e.get("name") == other), None)
            if target is None:
                raise MergeError(f"move: no rule {other!r} to move {path[-1]!r} {where}")
            at = entries.index(target) + (1 if where == "after" else 0)
            rules.insert(at, rule)


def brace_as_set(text: str) -> str:
    """Print a brace-form configuration as set commands: one command per leaf, in order."""
    lines = []
    for stmt in flatten(text).statements:
        words = [w if w and not any(c in w for c in ' \t[]";') else f'"{w}"' for w in stmt.words]
        lines.append("set " + " ".join(words))
    return "\n".join(lines) + "\n"


def _meaning(item: object) -> object:
    """What a model object says, without where it was written (sources, line numbers)."""
    if isinstance(item, Source):
        return None
    if isinstance(item, FlowSpace):
        return item.canonical().boxes
    if isinstance(item, str):
        return _LINE.sub("line N", item)
    if isinstance(item, (tuple, list, frozenset)):
        parts = [_meaning(i) for i in item]
        return sorted(parts, key=repr) if isinstance(item, frozenset) else tuple(parts)
    if is_dataclass(item) and not isinstance(item, type):
        return tuple((f.name, _meaning(getattr(item, f.name))) for f in fields(item))
    return item


_LINE = re.compile(r"\bline \d+")


class PanosBraceText(PanosSetText):
    """A brace-form configuration, edited as the same tree printed in set commands.

    The brace form (``show config running``) and the set form print one tree; the change is
    applied to the set printing, which is what ``text`` returns. The printing is used only
    when the parser reads it to the same model as the brace text (else the proof would not
    be about this configuration).
    """

    def __init__(self, text: str) -> None:
        """Print ``text`` as set commands and check that nothing was lost.

        Raises:
            MergeError: the set printing does not parse to the same model.
        """
        printed = brace_as_set(text)
        before = parse(text, "config").model
        after = parse(printed, "config").model
        if _meaning(before) != _meaning(after):
            raise MergeError(
                "the brace-form configuration does not print as set commands that mean the same; "
                "export the configuration in set format to prove the change"
            )
        super().__init__(printed)


def panos_editor(text: str) -> PanosSetText | PanosXmlText:
    """Return the editor for ``text``'s form (set commands, brace form or XML)."""
    form = detect_form(text)
    if form == "xml":
        return PanosXmlText(text)
    if form == "brace":
        return PanosBraceText(text)
    return PanosSetText(text)
