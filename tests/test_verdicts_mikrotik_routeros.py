"""Hand-labelled verdict tests for mikrotik_routeros configs, run through the engine.

Every expectation below was written from RouterOS semantics (VENDORS.md §6: the forward
chain accepts what no rule decides; log, passthrough and add-to-address-list rules do not
decide; disabled rules are skipped; raw prerouting drops act first; the SIP and H.323
helpers are on unless the export turns them off; UPnP and dst-nat/netmap from the
outside map ports) before the tool was run on them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.parsers.mikrotik_routeros import parse
from tests.verdict_table import ALL, PA, F, P, U, mismatches, row, statuses

HERE = Path(__file__).parent / "verdicts" / "mikrotik_routeros"

EXPECTED: dict[str, dict[str, str]] = {
    # Factory defconf: LAN->WAN new flows fall to the chain's accept; the SIP and H.323
    # helpers are on by default and a plain /export does not print them.
    "01_defconf_plain.rsc": row(ALL, sip=F, media=F),
    # SIP helper off; H.323 stays on by default (it opens media ports).
    "02_defconf_sip_off.rsc": row(ALL, media=F),
    # Both helpers off; a WAN port forward of TCP 443 to an inside server.
    "03_helpers_off_port_forward.rsc": row(ALL, pmap=F),
    # Allow-list: only TCP 80/443 and DNS out, then drop everything.
    "04_allowlist_web_only.rsc": row((P, P, F, F, F, F), sip=F, media=F),
    # Apple address list with every required port accepted before the LAN drop.
    "05_apple_address_list.rsc": row(ALL),
    # Only UDP 3478-3479 of the STUN range; other UDP from LAN dropped.
    "06_partial_stun.rsc": row((P, P, P, PA, F, F), sip=F, media=F),
    # A custom chain drops RTP 16384-16402, then returns; the forward chain accepts the rest.
    "07_jump_chain.rsc": row((P, P, P, P, F, F), sip=F, media=F),
    # log/passthrough/add-dst-to-address-list go on; the disabled drop is skipped.
    "08_log_passthrough_disabled.rsc": row(ALL),
    # UPnP on with an external interface: hosts can map ports.
    "09_upnp_enabled.rsc": row(ALL, sip=F, pmap=F, media=F),
    # raw prerouting drops STUN from the LAN before the filter sees it.
    "10_raw_drop_stun.rsc": row((P, P, P, F, P, P), sip=F, media=F),
    # A drop by an address list holding a DNS name: what it matches is not in the text.
    "11_dns_address_list.rsc": row((U, U, U, U, U, U), sip=F, media=F),
    # New connections from the bridge accepted for TCP only; the rest rejected.
    "12_new_tcp_only.rsc": row((P, P, P, F, F, F), sip=F, media=F),
    # export verbose (v6): sip printed enabled, h323 disabled; a 1:1 netmap from outside.
    "13_v6_verbose_netmap.rsc": row(ALL, sip=F, pmap=F, media=F),
    # defconf, then only web out and a final drop. No IPsec policy exists, so the defconf
    # ipsec-policy accepts match nothing and the final drop decides.
    "14_defconf_hardened.rsc": row((P, P, F, F, F, F), sip=F, media=F),
    # A hotspot on the only inside interface: clients pass once logged in, through dynamic
    # rules the export does not show.
    "15_hotspot_guest.rsc": row((U, U, U, U, U, U)),
    # raw notrack makes STUN untracked; the forward chain then drops untracked packets.
    "16_notrack_then_drop_untracked.rsc": row((P, P, P, F, P, P), sip=F, media=F),
    # v7 export verbose: SIP and H.323 off but RTSP on (media ports); UPnP on with an
    # external interface; the dst-nat maps TCP 32400 only; LAN traffic accepted first.
    "17_v7_verbose_upnp_rtsp.rsc": row(ALL, pmap=F, media=F),
    # TCP flag hardening: a new connection starts with a bare SYN, so neither drop hits it;
    # new connections from the LAN are accepted before the final drop.
    "18_tcp_flag_hardening.rsc": row(ALL, sip=F, media=F),
    # NAT-PMP (v7) on with an external interface: hosts can map ports.
    "19_nat_pmp_enabled.rsc": row(ALL, pmap=F),
    # Only DNS out, then drop everything forwarded; SIP off, H.323 still on by default.
    "20_drop_all_forward.rsc": row((F, F, F, F, F, F), media=F),
}


def test_every_config_has_expectations() -> None:
    assert {p.name for p in HERE.glob("*.rsc")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.removesuffix(".rsc"))
def test_verdicts(name: str) -> None:
    actual = statuses(parse, HERE / name)
    expected = EXPECTED[name]
    differ = mismatches(expected, actual)
    assert not differ, f"{name}: check -> (expected, actual): {differ}"
