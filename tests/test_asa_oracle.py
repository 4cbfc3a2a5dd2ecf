"""ASA binding order and security-level defaults against a per-packet oracle.

Hypothesis draws two interfaces' security levels, whether `same-security-traffic permit
inter-interface` is set, an optional inbound ACL on the inside interface and an optional
global ACL (entries on the Apple ports and their neighbours), renders an ASA config,
audits it, and compares every flow check's verdict with what the oracle derives from the
drawn data: interface ACL entries, then global entries, then the implicit deny; with no
ACL at all, higher to lower is permitted; equal levels only ever with same-security-traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine import AuditOptions, audit
from auditor.model import Status
from auditor.parsers.cisco_asa import parse
from auditor.policy import resolve

PACK = resolve("apple-facetime-imessage")
FLOWS = {c.id: (c.protocol, c.port_ranges[0]) for c in PACK.flow_checks()}
PORTS = sorted({p for _, (lo, hi) in FLOWS.values() for p in (lo - 1, lo, hi, hi + 1)})


@dataclass(frozen=True)
class Entry:
    action: str
    protocol: str
    low: int
    high: int

    def text(self, acl: str) -> str:
        ports = f"eq {self.low}" if self.low == self.high else f"range {self.low} {self.high}"
        return f"access-list {acl} extended {self.action} {self.protocol} any 17.0.0.0 255.0.0.0 {ports}"

    def matches(self, protocol: str, port: int) -> bool:
        return protocol == self.protocol and self.low <= port <= self.high


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    a, b = sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))))
    return Entry(draw(st.sampled_from(["permit", "deny"])), draw(st.sampled_from(["tcp", "udp"])), a, b)


def render(inside: int, outside: int, same: bool, acl: list[Entry] | None, glob: list[Entry] | None) -> str:
    lines = [
        "ASA Version 9.12(4)",
        "hostname fw",
        "interface GigabitEthernet0/0",
        " nameif outside",
        f" security-level {outside}",
        " ip address 203.0.113.2 255.255.255.252",
        "interface GigabitEthernet0/1",
        " nameif inside",
        f" security-level {inside}",
        " ip address 10.1.1.1 255.255.255.0",
        "route outside 0.0.0.0 0.0.0.0 203.0.113.1 1",
    ]
    if same:
        lines.append("same-security-traffic permit inter-interface")
    for name, body in (("IN", acl), ("GLOBAL", glob)):
        if body is not None:
            lines += [e.text(name) for e in body] or [
                f"access-list {name} extended deny ip host 192.0.2.1 any"
            ]
    if acl is not None:
        lines.append("access-group IN in interface inside")
    if glob is not None:
        lines.append("access-group GLOBAL global")
    return "\n".join(lines) + "\n"


def oracle_permits(inside: int, outside: int, same: bool, acl, glob, protocol: str, port: int) -> bool:  # type: ignore[no-untyped-def]
    if inside == outside and not same:
        # Equal levels never talk without same-security-traffic, whatever an ACL permits
        # (Cisco: "interfaces on the same security level cannot communicate"; batfish
        # AsaConfiguration.applyASASecurityLevelFilter models the same).
        return False
    if acl is None and glob is None:
        return inside > outside or (inside == outside and same)
    for entry in (acl or []) + (glob or []):
        if entry.matches(protocol, port):
            return entry.action == "permit"
    return False


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from([0, 50, 100]),
    st.sampled_from([0, 50, 100]),
    st.booleans(),
    st.none() | st.lists(entries(), max_size=5),
    st.none() | st.lists(entries(), max_size=5),
)
def test_asa_verdicts_equal_oracle(inside: int, outside: int, same: bool, acl, glob) -> None:  # type: ignore[no-untyped-def]
    model = parse(render(inside, outside, same, acl, glob), "fw.cfg").model
    options = AuditOptions(inside_interfaces=("inside",), outside_interfaces=("outside",))
    found = {f.check: f for f in audit(model, PACK, options)}
    for check, (protocol, (lo, hi)) in FLOWS.items():
        through = [
            p for p in range(lo, hi + 1) if oracle_permits(inside, outside, same, acl, glob, protocol, p)
        ]
        expected = (
            Status.PASS if len(through) == hi - lo + 1 else Status.FAIL if not through else Status.PARTIAL
        )
        assert found[check].status is expected, (check, found[check].summary)
