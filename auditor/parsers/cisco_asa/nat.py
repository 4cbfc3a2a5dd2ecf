"""ASA NAT: static translations that let outside hosts in (port mappings), and role hints.

Part of the cisco_asa parser (parse stage). Facts (Cisco ASA CLI configuration guide,
"Network Object NAT", "Twice NAT", and pre-8.3 "static"; VENDORS.md §2.6 [S19]):
- object NAT, inside ``object network O``: ``nat (real_if,mapped_if) static MAPPED|interface
  [service tcp|udp REAL_PORT MAPPED_PORT]`` (real port first); without ``service`` a static
  NAT maps every port, in both directions;
- twice NAT: ``nat (real_if,mapped_if) [line|after-auto] source static REAL MAPPED
  [destination static ...] [service REAL_SVC MAPPED_SVC] [unidirectional] [inactive]
  [description ...]``; ``unidirectional`` statics cannot be initiated from the mapped side,
  ``inactive`` rules do nothing;
- pre-8.3: ``static (real_if,mapped_if) [tcp|udp] MAPPED [MPORT] REAL [RPORT] [netmask M]``,
  ``nat (real_if) ID ...`` with ``global (mapped_if) ID ...``.
ACLs see real addresses on 8.3 and later [S12], so dynamic NAT/PAT does not change what the
rule sets match; its ``(real_if,mapped_if)`` pair still tells which side is outside.
A static that maps a host from a lower-security interface onto a higher one (``nat
(outside,inside) static``) exposes an outside host to inside users, not an inside host to
the outside, so it is not a port mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.flowspace import Interval, cube_to_text
from auditor.model import Limitation, PortMapping, Role, Source
from auditor.parsers.cisco_asa.builder import Builder, NatLine
from auditor.parsers.cisco_asa.objects import ObjectError, Tables, is_ipv4, read_port_op
from auditor.parsers.cisco_asa.ports import TRANSPORTS


class NatError(Exception):
    """A NAT line whose effect on port mappings cannot be told."""


@dataclass(slots=True)
class NatResult:
    """What NAT lines contribute to the model."""

    mappings: list[PortMapping] = field(default_factory=list)
    hints: dict[str, tuple[Role, str]] = field(default_factory=dict)
    limitations: list[Limitation] = field(default_factory=list)


def _pair(token: str) -> tuple[str | None, str | None] | None:
    if not (token.startswith("(") and token.endswith(")")):
        return None
    parts = token[1:-1].split(",")
    names = [None if p.lower() == "any" else p for p in parts]
    if len(names) == 1:
        return names[0], None
    return (names[0], names[1]) if len(names) == 2 else None


def _text(tables: Tables, name: str) -> str:
    if is_ipv4(name):
        return name
    lenient = Tables(tables.objects, tables.groups, tables.names, tables.interfaces, lenient=True)
    for resolve in (lenient.network_object, lenient.network_group):
        try:
            return f"{name} ({', '.join(cube_to_text(c) for c in resolve(name))})"
        except ObjectError:
            continue
    if name.lower() == "any":
        return "any"
    raise NatError(f"network object {name!r} is not defined")


def _svc_ports(tables: Tables, name: str) -> tuple[tuple[int, ...] | None, tuple[Interval, ...] | None]:
    try:
        items = tables.service_object(name)
    except ObjectError as error:
        raise NatError(error.reason) from error
    protocols: set[int] = set()
    ports: list[Interval] = []
    for item in items:
        if item.protocols is None or (item.sport is None and item.dport is None):
            return None, None
        protocols.update(p for lo, hi in item.protocols for p in range(lo, hi + 1))
        ports.extend((*(item.sport or ()), *(item.dport or ())))
    return tuple(sorted(protocols)), tuple(ports)


def _levels_inward(levels: dict[str, int], real: str | None, mapped: str | None) -> bool:
    """Tell whether the static maps a host of a lower-security interface onto a higher one."""
    if real is None or mapped is None or real not in levels or mapped not in levels:
        return False
    return levels[real] < levels[mapped]


def _object_nat(b: Builder, nat: NatLine, levels: dict[str, int], out: NatResult) -> None:
    tokens, words = nat.line.tokens, nat.line.words
    pos, pair = 1, None
    if len(tokens) > 1 and (pair := _pair(tokens[1])) is not None:
        pos = 2
    real_if, mapped_if = pair or (None, None)
    _hint(out, real_if, mapped_if, nat.line.number)
    if pos >= len(words) or words[pos] != "static" or _levels_inward(levels, real_if, mapped_if):
        return
    if pos + 1 >= len(tokens) or nat.obj is None:
        raise NatError("static object NAT without a mapped address")
    mapped = tokens[pos + 1]
    outside = (
        f"interface {mapped_if or ''}".strip() if mapped.lower() == "interface" else _text(b.tables, mapped)
    )
    inside = _text(b.tables, nat.obj)
    source = b.source(nat.line)
    if "service" not in words:
        out.mappings.append(PortMapping(None, inside, outside, None, None, source))
        return
    i = words.index("service")
    transports = TRANSPORTS.get(words[i + 1] if i + 1 < len(words) else "")
    if transports is None or i + 3 >= len(tokens):
        raise NatError("object NAT service form not understood")
    real_ports, _ = read_port_op(("eq", tokens[i + 2]), 0, transports)
    mapped_ports, _ = read_port_op(("eq", tokens[i + 3]), 0, transports)
    out.mappings.append(PortMapping(transports, inside, outside, real_ports, mapped_ports, source))


def _twice_nat(b: Builder, nat: NatLine, levels: dict[str, int], out: NatResult) -> None:
    tokens, words = nat.line.tokens, nat.line.words
    if "description" in words:
        cut = words.index("description")
        tokens, words = tokens[:cut], words[:cut]
    pair = _pair(tokens[1]) if len(tokens) > 1 else None
    real_if, mapped_if = pair or (None, None)
    if "inactive" in words:
        return
    _hint(out, real_if, mapped_if, nat.line.number)
    if "source" not in words:
        raise NatError("twice NAT without 'source'")
    i = words.index("source")
    if words[i + 1 : i + 2] != ("static",) or "unidirectional" in words:
        return
    if i + 3 >= len(tokens):
        raise NatError("twice NAT static without real and mapped addresses")
    if _levels_inward(levels, real_if, mapped_if):
        return
    inside = _text(b.tables, tokens[i + 2])
    mapped = tokens[i + 3]
    outside = (
        f"interface {mapped_if or ''}".strip() if mapped.lower() == "interface" else _text(b.tables, mapped)
    )
    protocols: tuple[int, ...] | None = None
    inside_ports = outside_ports = None
    if "service" in words:
        j = words.index("service")
        if j + 2 >= len(tokens):
            raise NatError("twice NAT service without its two service objects")
        protocols, inside_ports = _svc_ports(b.tables, tokens[j + 1])
        _, outside_ports = _svc_ports(b.tables, tokens[j + 2])
    out.mappings.append(
        PortMapping(protocols, inside, outside, inside_ports, outside_ports, b.source(nat.line))
    )


def _legacy_static(b: Builder, nat: NatLine, levels: dict[str, int], out: NatResult) -> None:
    tokens, words = nat.line.tokens, nat.line.words
    pair = _pair(tokens[1]) if len(tokens) > 1 else None
    if pair is None:
        raise NatError("static without (real_if,mapped_if)")
    _hint(out, pair[0], pair[1], nat.line.number)
    if _levels_inward(levels, pair[0], pair[1]):
        return
    rest, words = tokens[2:], words[2:]
    transports = TRANSPORTS.get(words[0]) if words else None
    source = b.source(nat.line)
    if transports is not None:
        if len(rest) < 5:
            raise NatError("static port translation form not understood")
        mapped = f"interface {pair[1]}" if words[1] == "interface" else rest[1]
        mapped_ports, _ = read_port_op(("eq", rest[2]), 0, transports)
        real_ports, _ = read_port_op(("eq", rest[4]), 0, transports)
        out.mappings.append(PortMapping(transports, rest[3], mapped, real_ports, mapped_ports, source))
    elif len(rest) >= 2:
        mapped = f"interface {pair[1]}" if words[0] == "interface" else rest[0]
        out.mappings.append(PortMapping(None, rest[1], mapped, None, None, source))
    else:
        raise NatError("static form not understood")


def _hint(out: NatResult, real_if: str | None, mapped_if: str | None, line: int) -> None:
    if real_if and mapped_if and real_if != mapped_if:
        out.hints.setdefault(mapped_if, (Role.OUTSIDE, f"NAT maps {real_if} to {mapped_if} (line {line})"))
        out.hints.setdefault(real_if, (Role.INSIDE, f"NAT maps {real_if} to {mapped_if} (line {line})"))


def _legacy_pool(out: NatResult, nat: NatLine) -> None:
    pair = _pair(nat.line.tokens[1]) if len(nat.line.tokens) > 1 else None
    if pair is None or pair[0] is None:
        raise NatError(f"{nat.form} without its interface")
    role = Role.INSIDE if nat.form == "nat" else Role.OUTSIDE
    out.hints.setdefault(pair[0], (role, f"pre-8.3 '{nat.form} ({pair[0]})' (line {nat.line.number})"))


def build_nat(b: Builder, levels: dict[str, int]) -> NatResult:
    """Resolve every NAT line read into port mappings, role hints and limitations."""
    out = NatResult()
    handlers = {"object": _object_nat, "twice": _twice_nat, "static": _legacy_static}
    for nat in b.nat_lines:
        try:
            if nat.form in handlers:
                handlers[nat.form](b, nat, levels, out)
            else:
                _legacy_pool(out, nat)
        except (NatError, ObjectError, IndexError) as error:
            reason = f"NAT line {nat.line.number} not understood: {error}"
            source = Source(b.file, nat.line.number, nat.line.raw)
            out.limitations.append(Limitation(reason, frozenset({"port-mapping"}), (source,)))
    return out
