"""Apply VyOS configuration-mode ``set`` / ``delete`` commands to config text (merge step).

The proof of a VyOS remediation is made on the text the commands leave behind. VyOS
configs come in two forms and both are edited here the way the configuration tree would
change: ``show configuration commands`` output (one ``set`` line per leaf) and the
curly-brace ``config.boot`` / ``show configuration`` tree (one node or leaf per line).

What the editor does, as the VyOS CLI does:

- ``set PATH`` adds the node or leaf (an identical one already there changes nothing);
  the parent nodes are created as needed.
- ``delete PATH`` removes the node or leaf with everything under it; a path that is not
  there is refused ("Nothing to delete"). A parent left without children goes too, as
  the configuration tree keeps no empty nodes.

What it refuses beyond that, so that a remediation never changes more than it says:
``set`` of a single-value leaf (action, description, protocol, a rule's address or port,
...) over a different existing value (VyOS would silently replace it; a remediation only
adds), and a rule number outside 1-999999. Leaves that take several values (a group's
members, 1.4's ``state``, ``service upnp listen``) just gain one.

Values are told from nodes the way VyOS prints commands: a value is single-quoted
(``protocol 'udp'``), a node or a value-less leaf is not (``rule 10 disable``).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from auditor.remediation.merge import MergeError

__all__ = ["VyosText"]

# Nodes that take a name on the same line in the brace form (``rule 10 {``, ``name LAN {``).
_TAG_NODES = frozenset(
    {"rule", "name", "address-group", "network-group", "port-group", "interface-group", "ethernet",
     "bonding", "bridge", "loopback", "pppoe", "wireguard", "dummy", "vti", "openvpn", "vif",
     "vif-s", "vif-c", "route", "next-hop", "interface", "zone"}
)  # fmt: skip
_RULE_MAX = 999_999
# Leaves of one value (others, like a group's members or 1.4's `state`, take several).
_SINGLE = frozenset({"action", "description", "protocol", "jump-target", "default-action"})
_INDENT = "    "


@dataclass(slots=True)
class _Node:
    """One node or leaf of the brace form: its words, first and last line, children."""

    words: tuple[str, ...]
    start: int
    end: int
    block: bool
    indent: str
    children: list[_Node] = field(default_factory=list)


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError as exc:
        raise MergeError(f"unbalanced quotes in {text!r}") from exc


def _is_brace(lines: list[str]) -> bool:
    return any(line.rstrip().endswith("{") for line in lines)


class VyosText:
    """A VyOS configuration, in either form, edited by ``set`` and ``delete`` commands."""

    def __init__(self, text: str) -> None:
        """Split ``text`` into lines and tell its form."""
        self.lines = text.splitlines()
        self.brace = _is_brace(self.lines)

    def text(self) -> str:
        """Return the edited configuration."""
        return "\n".join(self.lines) + "\n"

    def apply(self, rendered: str) -> None:
        """Apply rendered ``set`` / ``delete`` commands in order (``#`` lines are comments).

        Raises:
            MergeError: a command VyOS would refuse, or one that would overwrite a value.
        """
        for raw in rendered.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            words = _split(line)
            verb, path = words[0], tuple(words[1:])
            if verb not in ("set", "delete") or not path:
                raise MergeError(f"command {line!r} not understood")
            _check_rule_numbers(path)
            valued = line.endswith("'")
            if verb == "set":
                self._set_brace(path, valued) if self.brace else self._set_commands(path, valued)
            else:
                self._delete_brace(path) if self.brace else self._delete_commands(path)

    # --- the set-commands form -----------------------------------------------------------

    def _statements(self) -> list[tuple[int, tuple[str, ...]]]:
        out = []
        for i, line in enumerate(self.lines):
            if line.startswith("set "):
                out.append((i, tuple(_split(line)[1:])))
        return out

    def _set_commands(self, path: tuple[str, ...], valued: bool) -> None:
        statements = self._statements()
        if any(words == path for _, words in statements):
            return
        if valued and _single(path):
            for _, words in statements:
                if len(words) == len(path) and words[:-1] == path[:-1]:
                    raise MergeError(
                        f"{' '.join(path[:-1])} is already {words[-1]!r}: the change would overwrite it"
                    )
        last = f"'{path[-1]}'" if valued else _quote_word(path[-1])
        new = " ".join(["set", *(_quote_word(w) for w in path[:-1]), last])
        self.lines.insert(self._position(statements, path), new)

    def _position(self, statements: list[tuple[int, tuple[str, ...]]], path: tuple[str, ...]) -> int:
        """Where a new line goes: among the lines sharing most of its path, in number order."""
        if not statements:
            return len(self.lines)
        best = max(_common(words, path) for _, words in statements)
        if best == 0:
            return statements[-1][0] + 1
        near = [(i, words) for i, words in statements if _common(words, path) == best]
        for i, words in near:
            if best < len(words) and best < len(path) and _order(words[best]) > _order(path[best]):
                return i
        return near[-1][0] + 1

    def _delete_commands(self, path: tuple[str, ...]) -> None:
        doomed = [i for i, words in self._statements() if words[: len(path)] == path]
        if not doomed:
            raise MergeError(f"Nothing to delete: {' '.join(path)} is not in the configuration")
        for i in reversed(doomed):
            del self.lines[i]

    # --- the brace form ------------------------------------------------------------------

    def _tree(self) -> _Node:
        root = _Node((), -1, len(self.lines), True, "")
        stack = [root]
        for i, raw in enumerate(self.lines):
            line = raw.strip()
            if not line or line.startswith(("/*", "//", "#", "*")):
                continue
            indent = raw[: len(raw) - len(raw.lstrip())]
            if line == "}":
                if len(stack) > 1:
                    stack.pop().end = i
                continue
            opens = line.endswith("{")
            words = tuple(_split(line[:-1] if opens else line))
            node = _Node(words, i, i, opens, indent)
            stack[-1].children.append(node)
            if opens:
                stack.append(node)
        return root

    def _find(self, path: tuple[str, ...]) -> tuple[list[_Node], tuple[str, ...]]:
        """Return the chain of nodes matching the longest prefix of ``path``, and the rest."""
        root = self._tree()
        node, rest, chain = root, path, [root]
        while rest:
            for child in node.children:
                n = len(child.words)
                if n and child.words == rest[:n] and (child.block or n == len(rest)):
                    chain.append(child)
                    node, rest = child, rest[n:]
                    break
            else:
                break
            if not node.block:
                break
        return chain, rest

    def _set_brace(self, path: tuple[str, ...], valued: bool) -> None:
        chain, rest = self._find(path)
        if not rest:
            return  # already there
        parent = chain[-1]
        if not parent.block:
            raise MergeError(f"{' '.join(path)}: {' '.join(parent.words)!r} is a value, not a node")
        if valued and len(rest) == 2 and _single(path):
            for child in parent.children:
                if not child.block and len(child.words) == 2 and child.words[0] == rest[0]:
                    raise MergeError(
                        f"{' '.join(path[:-1])} is already {child.words[1]!r}: the change would overwrite it"
                    )
        leaf = rest[-2:] if valued and len(rest) >= 2 else rest[-1:]
        nodes = rest[: len(rest) - len(leaf)]
        groups: list[tuple[str, ...]] = []
        j = 0
        while j < len(nodes):
            step = 2 if nodes[j] in _TAG_NODES and j + 1 < len(nodes) else 1
            groups.append(nodes[j : j + step])
            j += step
        inner = (
            parent.children[0].indent
            if parent.children
            else ("" if parent.start < 0 else parent.indent + _INDENT)
        )
        new: list[str] = []
        for depth, group in enumerate(groups):
            new.append(f"{inner}{_INDENT * depth}{' '.join(_quote_word(w) for w in group)} {{")
        new.append(f"{inner}{_INDENT * len(groups)}{' '.join(_brace_value(w) for w in leaf)}")
        for depth in reversed(range(len(groups))):
            new.append(f"{inner}{_INDENT * depth}}}")
        at = self._slot(parent, groups[0] if groups else leaf)
        self.lines[at:at] = new

    def _slot(self, parent: _Node, words: tuple[str, ...]) -> int:
        """Where a new child goes: in VyOS's order among its siblings (names, then numbers)."""
        key = _key(words)
        for child in parent.children:
            if _key(child.words) > key:
                return child.start
        if parent.children:
            return parent.children[-1].end + 1
        return parent.end if parent.start >= 0 else len(self.lines)

    def _delete_brace(self, path: tuple[str, ...]) -> None:
        chain, rest = self._find(path)
        if rest or len(chain) < 2:
            raise MergeError(f"Nothing to delete: {' '.join(path)} is not in the configuration")
        doomed = len(chain) - 1
        # A parent left empty goes too (the root, chain[0], never does).
        while doomed > 1 and len(chain[doomed - 1].children) == 1:
            doomed -= 1
        node = chain[doomed]
        del self.lines[node.start : node.end + 1]


def _single(path: tuple[str, ...]) -> bool:
    """Tell whether the leaf of a valued ``path`` holds one value (setting it replaces the old)."""
    leaf = path[-2] if len(path) >= 2 else ""
    parent = path[-3] if len(path) >= 3 else ""
    if leaf in _SINGLE:
        return True
    if leaf in ("address", "port") and parent in ("source", "destination", "translation"):
        return True
    return leaf == "name" and parent in ("inbound-interface", "outbound-interface")


def _check_rule_numbers(path: tuple[str, ...]) -> None:
    for word, value in zip(path, path[1:], strict=False):
        if word == "rule" and value.isdigit() and not 1 <= int(value) <= _RULE_MAX:
            raise MergeError(f"rule {value}: rule numbers run from 1 to {_RULE_MAX}")


def _common(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _key(words: tuple[str, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple(_order(w) for w in words[:2])


def _order(word: str) -> tuple[int, int, str]:
    return (0, int(word), "") if word.isdigit() else (1, 0, word)


_PLAIN = re.compile(r"^[\w./:!,@+*-]+$")


def _quote_word(word: str) -> str:
    return word if _PLAIN.match(word) else f"'{word}'"


def _brace_value(word: str) -> str:
    """A word as config.boot prints it: bare, or in double quotes when it holds spaces."""
    return word if _PLAIN.match(word) else f'"{word}"'
