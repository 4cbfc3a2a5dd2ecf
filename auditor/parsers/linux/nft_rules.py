"""One nft rule's words into conditions, a verdict and side effects (linux parser, parse stage).

Selectors (``ip saddr``, ``tcp dport``, ``ct state``, ``iifname`` …) narrow a ``Cond``;
statements (``counter``, ``log``, ``mark set``) do not end the rule; verdicts (``accept``,
``drop``, ``reject``, ``jump``, ``goto``, ``return``) do. A verdict map
(``tcp dport vmap { 22 : accept }``) yields one (condition, verdict) pair per element.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from auditor.flowspace import TCP, UDP, FlowSpace, cube_from_prefix, cubes_from_range
from auditor.parsers.linux.common import (
    TCP_FLAG_NAMES,
    Cond,
    CondError,
    flags_any,
    flags_equal,
    port_number,
    ports_space,
    protocol_number,
    state_space,
    tcp_flags_space,
)

VERDICT_WORDS = frozenset({"accept", "drop", "reject", "jump", "goto", "return", "continue", "queue"})
_PORT_PROTOS = {"tcp": [(TCP, TCP)], "udp": [(UDP, UDP)], "sctp": [(132, 132)], "dccp": [(33, 33)]}
_PORT_PROTOS["th"] = _PORT_PROTOS["tcp"] + _PORT_PROTOS["udp"] + [(33, 33), (132, 132), (136, 136)]
_CMP = frozenset({"==", "!=", "eq", "ne", "<", ">", "<=", ">="})


@dataclass(slots=True)
class Env:
    """What a rule may refer to: named sets/maps (type, element words or None) and defines."""

    sets: dict[str, tuple[str, list[str] | None]] = field(default_factory=dict)
    defines: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class RuleSpec:
    """A rule, read: its condition, its verdicts, NAT and helper statements."""

    cond: Cond = field(default_factory=Cond)
    verdicts: list[tuple[Cond, str, str | None]] = field(default_factory=list)
    nat: tuple[str, str] | None = None  # (dnat|snat|masquerade|redirect, argument)
    helper: str | None = None
    notrack: bool = False  # `notrack`: the packet goes on, exempt from connection tracking
    protocols: list[int] = field(default_factory=list)
    dports: list[tuple[int, int]] | None = None
    daddr: str | None = None
    unknown: list[str] = field(default_factory=list)  # words not recognized


Apply = Callable[[Cond, list[str], bool], None]


def _addresses(values: list[str]) -> list[tuple[int, int]]:
    cubes: list[tuple[int, int]] = []
    for value in values:
        if "-" in value and "/" not in value:
            first, _, last = value.partition("-")
            cubes.extend(cubes_from_range(first, last))
        else:
            cubes.append(cube_from_prefix(value if "/" in value else value + "/32"))
    return cubes


def _port_ranges(values: list[str]) -> list[tuple[int, int]]:
    out = []
    for value in values:
        lo, sep, hi = value.partition("-")
        out.append((port_number(lo), port_number(hi) if sep else port_number(lo)))
    return out


def _addr(side: str) -> Apply:
    def apply(cond: Cond, values: list[str], negated: bool) -> None:
        cond.add(FlowSpace.build(**{side: _addresses(values)}), negated)

    return apply


def _ports(proto: str, side: str) -> Apply:
    def apply(cond: Cond, values: list[str], negated: bool) -> None:
        cond.add(FlowSpace.build(protocols=_PORT_PROTOS[proto]))
        cond.add(ports_space(side, _port_ranges(values)), negated)

    return apply


def _proto(cond: Cond, values: list[str], negated: bool) -> None:
    numbers = [protocol_number(v) for v in values]
    if None in numbers:
        return
    cond.add(FlowSpace.build(protocols=[(n, n) for n in numbers if n is not None]), negated)


def _state(cond: Cond, values: list[str], negated: bool) -> None:
    cond.add(state_space(values), negated)


def _iface(side: str) -> Apply:
    def apply(cond: Cond, values: list[str], negated: bool) -> None:
        cond.interface(side, frozenset(v.strip('"') for v in values), negated)

    return apply


def _nothing(cond: Cond, values: list[str], negated: bool) -> None:
    if not negated:  # an IPv6 header condition: no IPv4 packet matches it
        cond.add(FlowSpace())


def _nfproto(cond: Cond, values: list[str], negated: bool) -> None:
    if (values == ["ipv6"]) != negated:
        cond.add(FlowSpace())


def _bounded(why: str, bound: FlowSpace | None = None) -> Apply:
    def apply(cond: Cond, values: list[str], negated: bool) -> None:
        cond.inexact(f"{why} {' '.join(values)}".strip(), bound)

    return apply


_ICMP = FlowSpace.build(protocols=[(1, 1)])
SELECTORS: dict[tuple[str, ...], Apply] = {
    ("ip", "saddr"): _addr("src"),
    ("ip", "daddr"): _addr("dst"),
    ("ip", "protocol"): _proto,
    ("meta", "l4proto"): _proto,
    ("ct", "state"): _state,
    ("iifname",): _iface("in"),
    ("iif",): _iface("in"),
    ("meta", "iifname"): _iface("in"),
    ("oifname",): _iface("out"),
    ("oif",): _iface("out"),
    ("meta", "oifname"): _iface("out"),
    ("meta", "nfproto"): _nfproto,
    ("icmp", "type"): _bounded("icmp type", _ICMP),
    ("icmp", "code"): _bounded("icmp code", _ICMP),
    ("icmpv6", "type"): _bounded("icmpv6 type", FlowSpace.build(protocols=[(58, 58)])),
    ("mark",): _bounded("mark"),
    ("meta", "mark"): _bounded("meta mark"),
    ("ct", "mark"): _bounded("ct mark"),
    ("ct", "status"): _bounded("ct status"),
    ("ct", "helper"): _bounded("ct helper"),
    ("ip", "ttl"): _bounded("ip ttl"),
    ("ip", "length"): _bounded("ip length"),
    ("ip", "dscp"): _bounded("ip dscp"),
    ("meta", "pkttype"): _bounded("meta pkttype"),
    ("pkttype",): _bounded("pkttype"),
}
for _proto_name in _PORT_PROTOS:
    for _side in ("sport", "dport"):
        SELECTORS[(_proto_name, _side)] = _ports(_proto_name, _side)
for _field in ("saddr", "daddr", "nexthdr", "hoplimit", "flowlabel"):
    SELECTORS[("ip6", _field)] = _nothing


class RuleReader:
    """Reads one rule's words."""

    def __init__(self, words: list[str], env: Env) -> None:
        """Prepare to read ``words`` with the table's sets and the file's defines."""
        self.words = words
        self.env = env
        self.pos = 0
        self.spec = RuleSpec()

    def peek(self, ahead: int = 0) -> str:
        """Return the word ``ahead`` of the position, or ``""`` at the end."""
        i = self.pos + ahead
        return self.words[i] if i < len(self.words) else ""

    def take(self) -> str:
        """Return the next word and move past it."""
        word = self.peek()
        self.pos += 1
        return word

    def read(self) -> RuleSpec:
        """Read the whole rule; raises CondError on a value it cannot read."""
        while self.pos < len(self.words):
            self.step()
        return self.spec

    def step(self) -> None:
        """Read one selector or statement."""
        cond = self.spec.cond
        if self.words[self.pos : self.pos + 2] == ["tcp", "flags"]:
            self.pos += 2
            self.tcp_flags()
            return
        if self.words[self.pos : self.pos + 3] == ["ct", "helper", "set"]:
            self.pos += 3
            self.spec.helper = self.take().strip('"')
            return
        for size in (2, 1):
            key = tuple(self.words[self.pos : self.pos + size])
            if key in SELECTORS and len(key) == size:
                self.pos += size
                self.selector(key, SELECTORS[key])
                return
        word = self.take()
        if word in VERDICT_WORDS:
            self.verdict(word)
        elif word == "counter":
            while self.peek() in ("packets", "bytes", "name"):
                self.pos += 2
        elif word == "fib":
            while self.peek() and self.peek() not in ("type", "oif", "oifname"):
                self.take()
            self.take()
            if self.peek() in _CMP:
                self.take()
            cond.inexact(f"fib lookup {' '.join(self.value_words())}")
        elif word == "log":
            self.skip_args({"prefix", "level", "flags", "group", "snaplen", "queue-threshold"})
        elif word == "comment":
            self.take()
        elif word == "limit":
            cond.inexact("limit rate: only some packets match")
            self.skip_args({"rate", "over", "burst", "packets", "bytes"}, values=True)
        elif word in ("dnat", "snat", "masquerade", "redirect"):
            self.nat(word)
        elif self.peek() == "set" or (word in ("meta", "ct") and self.peek(1) == "set"):
            self.pos += 1 if self.peek() == "set" else 2
            self.value_words()  # a mark or priority set: the packet goes on
        elif word in ("add", "update", "delete"):
            cond.inexact(f"{word} @set: a dynamic set condition")
            self.pos += 1
            self.value_words()
        elif word == "notrack":
            self.spec.notrack = True
        else:
            cond.inexact(f"{word!r}")
            self.spec.unknown.append(word)

    def tcp_flags(self) -> None:
        """Read a ``tcp flags`` test.

        Forms: ``syn`` (any set), ``== syn``, ``!= syn``, ``syn / syn,ack`` and
        ``& (syn|ack) == syn`` (the bits under the mask equal the value).
        """
        mask: frozenset[str] | None = None
        op = self.take() if self.peek() in ("==", "!=") else None
        if op is None and self.peek() == "&":
            self.take()
            mask = self.flag_words()
            op = self.take() if self.peek() in ("==", "!=") else None
            if op is None:
                raise CondError("tcp flags & MASK needs == or != VALUE")
        value = self.flag_words()
        if self.peek() == "/" and mask is None:
            self.take()
            mask = self.flag_words()
        if not value:
            raise CondError("tcp flags: no flag names")
        if mask is not None:  # (flags & mask) compared with the value
            test = flags_equal(mask, value, op == "!=")
        elif op is None:  # a bare flag: any of them set
            test = flags_any(value)
        else:
            test = flags_equal(TCP_FLAG_NAMES, value, op == "!=")
        self.spec.protocols = self.spec.protocols or [TCP]
        self.spec.cond.add(tcp_flags_space(test))

    def flag_words(self) -> frozenset[str]:
        """Read flag names joined by ``|`` or ``,`` (with parentheses), e.g. ``(fin|syn)``."""
        names: set[str] = set()
        while self.peek():
            parts = [p for p in self.peek().strip("()").replace(",", "|").split("|") if p]
            if self.peek() not in ("|", ",") and not (parts and set(parts) <= TCP_FLAG_NAMES):
                break
            names.update(parts)
            self.take()
        return frozenset(names)

    def skip_args(self, keys: set[str], values: bool = False) -> None:
        """Skip a statement's keyword arguments (``counter packets 0 bytes 0``)."""
        while self.peek() in keys or (values and self.peek()[:1].isdigit()):
            key = self.take()
            if key not in ("over", "packets", "bytes") and not key[:1].isdigit():
                self.take()

    def value_words(self) -> list[str]:
        """Read one value: a word, a comma list, a ``{ set }``, ``@set`` or ``$define``."""
        out: list[str] = []
        if self.peek() == "{":
            self.take()
            while self.peek() not in ("}", ""):
                word = self.take()
                if word != ",":
                    out.append(word)
            self.take()
        else:
            out.append(self.take())
            while self.peek() == ",":
                self.take()
                out.append(self.take())
        return out

    def expand(self, values: list[str]) -> list[str]:
        """Resolve ``@set`` and ``$define`` references; raises CondError when unknown."""
        out: list[str] = []
        for value in values:
            if value.startswith("$"):
                if value[1:] not in self.env.defines:
                    raise _Unknown(f"{value} is defined outside this file")
                out.extend(self.expand(self.env.defines[value[1:]]))
            elif value.startswith("@"):
                entry = self.env.sets.get(value[1:])
                if entry is None or entry[1] is None:
                    raise _Unknown(f"contents of set {value} are not in the text")
                out.extend(entry[1])
            else:
                out.append(value)
        return out

    def selector(self, key: tuple[str, ...], apply: Apply) -> None:
        """Read a selector's operator and value and narrow the condition."""
        negated = False
        if self.peek() in _CMP:
            op = self.take()
            negated = op in ("!=", "ne")
            if op in ("<", ">", "<=", ">="):
                self.spec.cond.inexact(f"{' '.join(key)} {op} {self.take()}")
                return
        if self.peek() == "vmap":
            self.take()
            self.vmap(key, apply)
            return
        try:
            values = self.expand(self.value_words())
        except _Unknown as exc:
            self.spec.cond.inexact(str(exc))
            return
        if key[-1] == "dport" and not negated:
            self.spec.dports = _port_ranges(values)
        if key in (("ip", "protocol"), ("meta", "l4proto")) and not negated:
            self.spec.protocols = [n for n in map(protocol_number, values) if n is not None]
        elif key[-1] in ("dport", "sport") and not self.spec.protocols:
            self.spec.protocols = [lo for lo, _ in _PORT_PROTOS[key[0]]]
        if key == ("ip", "daddr") and not negated:
            self.spec.daddr = ",".join(values)
        apply(self.spec.cond, values, negated)

    def verdict(self, word: str) -> None:
        """Record a verdict (``jump``/``goto`` take the chain name)."""
        target = self.take() if word in ("jump", "goto") else None
        if word == "reject" and self.peek() == "with":
            self.pos += 1
            while self.peek() and self.peek() not in VERDICT_WORDS and self.peek() != "comment":
                self.take()
        if word != "continue":
            self.spec.verdicts.append((self.spec.cond, word, target))

    def vmap(self, key: tuple[str, ...], apply: Apply) -> None:
        """Expand a verdict map into one (condition, verdict) pair per element."""
        words = self.value_words()
        if len(words) == 1 and words[0].startswith("@"):
            entry = self.env.sets.get(words[0][1:])
            if entry is None or entry[1] is None:
                self.spec.cond.inexact(f"contents of map {words[0]} are not in the text")
                self.spec.verdicts.append((self.spec.cond, "unknown", None))
                return
            words = entry[1]
        for element in _elements(words):
            cond = replace(self.spec.cond, why=list(self.spec.cond.why))
            apply(cond, element[0], False)
            self.spec.verdicts.append((cond, element[1], element[2]))

    def nat(self, word: str) -> None:
        """Record a NAT statement and its target."""
        if self.peek() in ("ip", "ip6"):
            self.take()
        arg = ""
        if self.peek() == "to":
            self.take()
            arg = self.take()
        while self.peek() in ("random", "fully-random", "persistent", ","):
            self.take()
        self.spec.nat = (word, arg)


class _Unknown(CondError):
    """A value that refers to contents the text does not hold."""


def _elements(words: list[str]) -> list[tuple[list[str], str, str | None]]:
    """Split map element words ``k : verdict [chain]`` (commas already dropped)."""
    out: list[tuple[list[str], str, str | None]] = []
    i = 0
    while i < len(words):
        if words[i + 1 : i + 2] != [":"] or i + 2 >= len(words):
            raise CondError("bad verdict map element")
        key, verdict = words[i], words[i + 2]
        i += 3
        target = None
        if verdict in ("jump", "goto"):
            if i >= len(words):
                raise CondError("verdict map element without a chain")
            target = words[i]
            i += 1
        out.append(([key], verdict, target))
    return out
