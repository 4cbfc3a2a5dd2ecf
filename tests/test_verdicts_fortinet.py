"""Hand-labelled verdict tests for FortiOS configs, run through the engine on the parsed model.

Every expectation below was written from FortiOS semantics before the tool was run
(VENDORS.md §4: policies in sequence order, first match, implicit deny "policy 0"; no
``set action`` line means deny; disabled policies are skipped; zones stand for their
members; VoIP ALG proxy-based by default with the ``default`` profile's SIP on; the factory
session-helper table when none is printed; VIPs used by an accepting policy map ports; time
schedules and ISDB destinations are not decidable from the text). ``CLEAN`` configs set
kernel-helper mode and print a helper table without SIP/H.323/RAS/RTSP/MGCP entries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.parsers.fortinet import parse
from tests.verdict_table import ALL, PA, F, P, U, mismatches, row, statuses

HERE = Path(__file__).parent / "verdicts" / "fortinet"

EXPECTED: dict[str, dict[str, str]] = {
    # Accept-all LAN->WAN; proxy VoIP ALG and factory helpers by default (nothing printed).
    "01_allow_all_nat.conf": row(ALL, sip=F, media=F),
    # Deny HTTPS to 17/8 above the accept: only TCP 443 fails.
    "02_deny_https_first.conf": row((P, F, P, P, P, P)),
    # Sequence order: the accept (id 9) is listed first, the deny-all (id 2) never matches.
    "03_sequence_not_id.conf": row(ALL),
    # No action line: deny, so Apple traffic never reaches the accept below.
    "04_no_action_line.conf": row((F, F, F, F, F, F)),
    # Disabled deny-all skipped.
    "05_disabled_deny.conf": row(ALL),
    # 3478-3490 of 3478-3497; 16393-16402 missing.
    "06_partial_udp.conf": row((P, P, P, PA, P, F)),
    # A zone stands for its member.
    "07_zone_policy.conf": row(ALL),
    # Port forward of UDP 3478-3479 in use.
    "08_vip_portforward_stun.conf": row(ALL, pmap=F),
    # A VIP nothing uses: not confirmed whether it maps anything.
    "09_vip_unused.conf": row(ALL, pmap=U),
    # Kernel-helper mode, no SIP or media helper: clean.
    "10_kernel_helper_no_sip.conf": row(ALL),
    # A VoIP profile on the accepting policy: the SIP ALG acts even in kernel-helper mode.
    "11_kernel_helper_voip_profile.conf": row(ALL, sip=F, media=F),
    # Proxy mode, default profile with SIP and SCCP off, no SIP helper: no SIP processing.
    "12_proxy_profile_sip_disabled.conf": row(ALL),
    # A recurring schedule decides the only accept.
    "13_schedule_workhours.conf": row((U, U, U, U, U, U)),
    # Everything but Apple is accepted: Apple hits the implicit deny.
    "14_negated_destination.conf": row((F, F, F, F, F, F)),
    # ISDB destination: contents not in the config.
    "15_isdb_destination.conf": row((U, U, U, U, U, U)),
}


def test_every_config_has_expectations() -> None:
    assert {p.name for p in HERE.glob("*.conf")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=[n.removesuffix(".conf") for n in sorted(EXPECTED)])
def test_verdicts(name: str) -> None:
    actual = statuses(parse, HERE / name)
    expected = EXPECTED[name]
    differ = mismatches(expected, actual)
    assert not differ, f"{name}: check -> (expected, actual): {differ}"
