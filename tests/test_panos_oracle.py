"""PAN-OS audits of generated rulebases against a per-port oracle, through the whole engine.

Hypothesis draws zone names (so roles come from the source NAT rule or from the zone name),
security rules on the Apple ports and their neighbours (allow/deny/drop, some disabled, some
scoped to other zones or made intrazone-only), and an optional interzone-default override;
renders a set-format config; audits it; and compares every flow check's verdict with what
the oracle derives from the drawn data: the first enabled rule that applies to the
inside -> outside zone pair and matches the port decides, else interzone-default (deny
unless overridden).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine import AuditOptions, audit
from auditor.model import Status
from auditor.parsers.paloalto_panos import parse
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
    scope: str  # pair, any, other (from another zone), intrazone
    disabled: bool

    def applies(self) -> bool:
        return not self.disabled and self.scope in ("pair", "any")

    def matches(self, protocol: str, port: int) -> bool:
        return protocol == self.protocol and self.low <= port <= self.high


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    a, b = sorted((draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))))
    return Entry(
        draw(st.sampled_from(["allow", "deny", "drop", "reset-both"])),
        draw(st.sampled_from(["tcp", "udp"])),
        a,
        b,
        draw(st.sampled_from(["pair", "any", "other", "intrazone"])),
        draw(st.integers(0, 4)) == 0,
    )


def render(inside: str, outside: str, rules: list[Entry], override: str | None, nat: bool) -> str:
    lines = [
        "set deviceconfig system hostname gen",
        "set network interface ethernet ethernet1/1 layer3 ip 203.0.113.2/30",
        "set network interface ethernet ethernet1/2 layer3 ip 10.1.1.1/24",
        "set network interface ethernet ethernet1/3 layer3 ip 10.9.9.1/24",
        f"set zone {inside} network layer3 ethernet1/2",
        f"set zone {outside} network layer3 ethernet1/1",
        "set zone dmz network layer3 ethernet1/3",
        "set address apple ip-netmask 17.0.0.0/8",
    ]
    if nat:
        lines += [
            f"set rulebase nat rules hide from {inside} to {outside} source any destination any service any",
            "set rulebase nat rules hide source-translation dynamic-ip-and-port interface-address "
            "interface ethernet1/1",
        ]
    for n, e in enumerate(rules):
        ports = str(e.low) if e.low == e.high else f"{e.low}-{e.high}"
        lines.append(f"set service s{n} protocol {e.protocol} port {ports}")
        zones = {
            "pair": (inside, outside),
            "any": ("any", "any"),
            "other": ("dmz", outside),
            "intrazone": ("any", "any"),
        }[e.scope]
        prefix = f"set rulebase security rules r{n}"
        lines.append(
            f"{prefix} from {zones[0]} to {zones[1]} source any destination apple application any "
            f"service s{n} action {e.action}"
        )
        if e.scope == "intrazone":
            lines.append(f"{prefix} rule-type intrazone")
        if e.disabled:
            lines.append(f"{prefix} disabled yes")
    if override is not None:
        lines.append(f"set rulebase default-security-rules rules interzone-default action {override}")
    return "\n".join(lines) + "\n"


def oracle_permits(rules: list[Entry], override: str | None, protocol: str, port: int) -> bool:
    for entry in rules:
        if entry.applies() and entry.matches(protocol, port):
            return entry.action == "allow"
    return override == "allow"


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([("trust", "untrust"), ("L3-Inside", "L3-Outside"), ("corp", "isp")]),
    st.lists(entries(), max_size=6),
    st.sampled_from([None, "allow", "deny"]),
)
def test_panos_verdicts_equal_oracle(
    zones: tuple[str, str], rules: list[Entry], override: str | None
) -> None:
    inside, outside = zones
    nat = inside == "corp"  # corp/isp say nothing by name: the NAT rule gives the roles
    result = parse(render(inside, outside, rules, override, nat), "fw.conf")
    assert not result.diagnostics
    found = {f.check: f for f in audit(result.model, PACK, AuditOptions())}
    for check, (protocol, (lo, hi)) in FLOWS.items():
        through = [p for p in range(lo, hi + 1) if oracle_permits(rules, override, protocol, p)]
        expected = (
            Status.PASS if len(through) == hi - lo + 1 else Status.FAIL if not through else Status.PARTIAL
        )
        assert found[check].status is expected, (check, found[check].summary)
