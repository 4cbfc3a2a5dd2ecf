"""Policy packs: YAML files of required flows and forbidden features, loaded into typed checks.

A pack is data (``policies/*.yaml``); this module validates it at the trust boundary with
pydantic and turns each check into what the engine asks: a ``FlowSpace`` that must get
through, or the feature kinds that must be off. A bad pack raises ``PolicyError`` with
``file:line: problem``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from auditor.errors import PolicyError
from auditor.flowspace import STATE_NEW, TCP, UDP, FlowSpace, Interval, cube_from_prefix

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "policies"
_PROTOCOLS = {"tcp": TCP, "udp": UDP}
_PORTS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRef(_Strict):
    """A document a pack's checks cite."""

    title: str
    url: str


class _CheckBase(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str
    rationale: str
    source: str | None = None
    platforms: tuple[str, ...] | None = None


class FlowCheck(_CheckBase):
    """Connections that must be permitted from the inside networks to the destinations."""

    kind: Literal["flow"]
    protocol: Literal["tcp", "udp"]
    ports: str
    destinations: tuple[str, ...] | None = None

    @field_validator("ports")
    @classmethod
    def _ports_are_ranges(cls, value: str) -> str:
        parse_ports(value)
        return value

    @field_validator("destinations")
    @classmethod
    def _destinations_are_prefixes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for prefix in value or ():
            ipaddress.IPv4Network(prefix)
        return value

    @property
    def port_ranges(self) -> list[Interval]:
        """The destination port ranges, parsed."""
        return parse_ports(self.ports)


class FeatureCheck(_CheckBase):
    """Features (ALGs, inspection engines) that must be off."""

    kind: Literal["feature"]
    features: tuple[str, ...] = Field(min_length=1)


class PortMappingCheck(_CheckBase):
    """No mapping of the pack's required ports, and none of the mapping features on."""

    kind: Literal["port-mapping"]
    features: tuple[str, ...] = ()


Check = Annotated[FlowCheck | FeatureCheck | PortMappingCheck, Field(discriminator="kind")]


class PolicyPack(_Strict):
    """A validated policy pack."""

    schema_version: Literal[1]
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str
    description: str = ""
    sources: dict[str, SourceRef] = {}
    destinations: tuple[str, ...]
    checks: tuple[Check, ...] = Field(min_length=1)
    path: str = ""

    @field_validator("destinations")
    @classmethod
    def _prefixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for prefix in value:
            ipaddress.IPv4Network(prefix)
        return value

    @model_validator(mode="after")
    def _references_resolve(self) -> PolicyPack:
        seen: set[str] = set()
        for check in self.checks:
            if check.id in seen:
                raise ValueError(f"check id {check.id!r} is used twice")
            seen.add(check.id)
            if check.source is not None and check.source not in self.sources:
                raise ValueError(f"check {check.id!r} cites unknown source {check.source!r}")
        return self

    def flow_checks(self) -> list[FlowCheck]:
        """Return the flow checks, in pack order."""
        return [c for c in self.checks if isinstance(c, FlowCheck)]

    def required_flow(self, check: FlowCheck, inside: Sequence[str]) -> FlowSpace:
        """Return the packets of new connections ``check`` requires from ``inside`` networks."""
        destinations = check.destinations or self.destinations
        return _required_flow(_PROTOCOLS[check.protocol], check.ports, tuple(inside), tuple(destinations))

    def all_required_ports(self) -> FlowSpace:
        """Return protocol x destination port of every flow check, any address: what must not be mapped."""
        return _reach(tuple((_PROTOCOLS[c.protocol], c.ports) for c in self.flow_checks()))


# Every audit asks for these (twice per remediated device): built once per distinct input.
@lru_cache(maxsize=256)
def _required_flow(
    protocol: int, ports: str, inside: tuple[str, ...], destinations: tuple[str, ...]
) -> FlowSpace:
    return FlowSpace.build(
        protocols=[(protocol, protocol)],
        src=[cube_from_prefix(n) for n in inside],
        dst=[cube_from_prefix(d) for d in destinations],
        dport=parse_ports(ports),
        state=[(STATE_NEW, STATE_NEW)],
    )


@lru_cache(maxsize=64)
def _reach(flows: tuple[tuple[int, str], ...]) -> FlowSpace:
    space = FlowSpace()
    for protocol, ports in flows:
        space = space | FlowSpace.build(protocols=[(protocol, protocol)], dport=parse_ports(ports))
    return space


def parse_ports(text: str) -> list[Interval]:
    """Parse ``"80"``, ``"3478-3497"`` or a comma list of those into port intervals.

    Examples:
        >>> parse_ports("3478-3497, 5223")
        [(3478, 3497), (5223, 5223)]
    """
    out: list[Interval] = []
    for part in text.split(","):
        m = _PORTS.match(part)
        if not m:
            raise ValueError(f"bad port range {part.strip()!r} (use 80 or 3478-3497)")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if not 0 <= lo <= hi <= 65535:
            raise ValueError(f"bad port range {part.strip()!r} (0-65535, low before high)")
        out.append((lo, hi))
    return out


def builtin_packs() -> dict[str, Path]:
    """Return the packs shipped with auditor, by policy id (the file stem)."""
    return {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.yaml"))}


def resolve(spec: str) -> PolicyPack:
    """Load a pack named by a built-in id or by a file path."""
    packs = builtin_packs()
    if spec in packs:
        return load(packs[spec])
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load(path)
    known = ", ".join(sorted(packs)) or "none"
    raise PolicyError(f"{spec}: no such policy pack (built-in: {known}; or give a YAML file)")


def load(path: Path) -> PolicyPack:
    """Load and validate one pack file.

    Raises:
        PolicyError: the file is missing, not YAML, or not a valid pack; the message names
            the file and the line of the offending value.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy pack ({exc.strerror or exc})") from exc
    return loads(text, path)


def loads(text: str, path: Path) -> PolicyPack:
    """Validate one pack's YAML text, read from ``path`` (named in errors and kept on the pack).

    Raises:
        PolicyError: not YAML, or not a valid pack; the message names the file and line.
    """
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{path}{line}: not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{path}:1: a policy pack is a mapping with id, title and checks")
    try:
        return PolicyPack.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        error = exc.errors()[0]
        line_no = _line_of(node, error["loc"])
        where = ".".join(str(p) for p in error["loc"] if not isinstance(p, str) or p not in _TAGS)
        message = error["msg"].removeprefix("Value error, ")
        raise PolicyError(
            f"{path}:{line_no}: {where}: {message}" if where else f"{path}:{line_no}: {message}"
        ) from exc


# pydantic puts the discriminator value into error locations ("checks.3.flow.ports").
_TAGS = frozenset({"flow", "feature", "port-mapping"})


def _line_of(node: Any, loc: Sequence[int | str]) -> int:
    """Follow a pydantic error location through the YAML node tree to a line number."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    line = key.start_mark.line + 1
                    break
            else:
                if part in _TAGS:
                    continue
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
