"""The model's quick constructors behave as the dataclasses' own would."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from auditor.flowspace import FlowSpace
from auditor.model import Action, InterfaceMatch, Rule, Source
from auditor.parsers.cisco_asa.lines import ConfigLine as AsaLine
from auditor.parsers.cisco_ios.lines import ConfigLine
from auditor.parsers.juniper_junos.statements import Statement
from auditor.quick import quick_init
from auditor.remediation.mikrotik_routeros_text import RosItem

QUICK = (Source, Rule, FlowSpace, ConfigLine, AsaLine, RosItem, Statement)


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__name__)
def test_quick_init_keeps_the_dataclass_signature(cls: type) -> None:
    fields = [
        (f.name, f.type)
        if f.default is dataclasses.MISSING
        else (f.name, f.type, dataclasses.field(default=f.default))
        for f in dataclasses.fields(cls)
    ]
    twin = dataclasses.make_dataclass("Twin", fields, frozen=True, slots=True)  # the dataclass's own __init__

    def shape(of: type) -> list[tuple[str, object, object]]:
        return [(p.name, p.kind, p.default) for p in inspect.signature(of).parameters.values()]

    assert shape(cls) == shape(twin)
    assert cls.__init__.__qualname__ == f"{cls.__qualname__}.__init__"


def test_quick_init_fills_every_field_and_stays_frozen() -> None:
    source = Source("r1.cfg", 12, " permit tcp any any eq 443")
    match = FlowSpace.build(dport=[(443, 443)])
    only_eth0 = InterfaceMatch(ingress=frozenset({"eth0"}))
    rule = Rule(Action.PERMIT, match, source, target="LAN", interfaces=only_eth0)
    assert (source.file, source.line, source.text) == ("r1.cfg", 12, " permit tcp any any eq 443")
    assert (rule.action, rule.match, rule.source, rule.bound, rule.target, rule.interfaces) == (
        Action.PERMIT,
        match,
        source,
        None,
        "LAN",
        only_eth0,
    )
    assert rule == Rule(action=Action.PERMIT, match=match, source=source, target="LAN", interfaces=only_eth0)
    assert hash(rule) == hash(dataclasses.replace(rule))
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.action = Action.DENY  # type: ignore[misc]
    with pytest.raises(TypeError):
        Source("r1.cfg", 12)  # type: ignore[call-arg]


def test_quick_init_refuses_what_it_cannot_copy() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class WithFactory:
        names: list[str] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            pass

    for cls in (WithFactory, Checked):
        with pytest.raises(TypeError, match="plain fields"):
            quick_init(cls)
