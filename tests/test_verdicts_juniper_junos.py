"""Hand-labelled verdict tests for juniper_junos configs, run through the engine on the parsed model.

Every expectation below was written from Junos semantics before the tool was run
(VENDORS.md §3: zone-pair policies in order, then global policies, then default-policy,
which is deny-all unless permit-all is configured; intra-zone traffic needs a policy too;
SIP/H.323/RTSP/SCCP ALGs on unless disabled, MGCP off by default; filters are first match
with an implicit discard, a term without a terminating action accepts, tcp-established
never matches a connection's first SYN; destination NAT of a required port is a port
mapping; a router with only filters has no ALG). Roles come from the configs themselves:
trust/untrust zone names, source NAT rule sets, the default route and connected networks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.parsers.juniper_junos import parse
from tests.verdict_table import ALL, PA, F, P, U, mismatches, row, statuses

HERE = Path(__file__).parent / "verdicts" / "juniper_junos"

EXPECTED: dict[str, dict[str, str]] = {
    # Factory-style branch SRX: trust -> untrust permit any; ALGs on by default.
    "01_branch_factory.conf": row(ALL, sip=F, media=F),
    # Every media ALG disabled explicitly, MGCP included.
    "02_all_algs_disabled.conf": row(ALL),
    # SIP off, H.323/RTSP/SCCP still on by default.
    "03_sip_only_disabled.conf": row(ALL, media=F),
    # Only junos-http/junos-https; the default deny-all takes the rest.
    "04_web_only.conf": row((P, P, F, F, F, F), sip=F, media=F),
    # Reject UDP 16384-16402 before the permit-all.
    "05_deny_media_first.conf": row((P, P, P, P, F, F), sip=F, media=F),
    # No policy at all, default-policy permit-all.
    "06_default_permit_all.conf": row(ALL, sip=F, media=F),
    # Policies only untrust->trust and trust->trust: trust->untrust hits deny-all.
    "07_only_inbound_policy.conf": row((F, F, F, F, F, F), sip=F, media=F),
    # Zone policy denies TCP 5223 first; the global policy permits the rest.
    "08_global_after_zone.conf": row((P, P, F, P, P, P), sip=F, media=F),
    # junos-stun-udp covers UDP 3478-3479 only.
    "09_stun_partial.conf": row((P, P, P, PA, P, P), sip=F, media=F),
    # Destination NAT of UDP 16384-16387 to an inside server.
    "10_dnat_push_port.conf": row(ALL, sip=F, pmap=F, media=F),
    # MX input filter: web accepted, STUN term with only `count` accepts, implicit discard for the rest.
    "11_mx_input_filter.conf": row((P, P, F, P, F, F)),
    # Output filter passes TCP only when established: a SYN never is; UDP accepted.
    "12_mx_output_established.conf": row((F, F, F, P, P, P)),
    # The inactive deny of all UDP does not apply; SIP off, the other ALGs on.
    "13_inactive_deny.conf": row(ALL, media=F),
    # HTTPS permitted outright; the rest only by a scheduled policy: unknown.
    "14_scheduled_policy.conf": row((U, P, U, U, U, U), sip=F, media=F),
}


def test_every_config_has_expectations() -> None:
    assert {p.name for p in HERE.glob("*.conf")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=[n.removesuffix(".conf") for n in sorted(EXPECTED)])
def test_verdicts(name: str) -> None:
    actual = statuses(parse, HERE / name)
    expected = EXPECTED[name]
    differ = mismatches(expected, actual)
    assert not differ, f"{name}: check -> (expected, actual): {differ}"
