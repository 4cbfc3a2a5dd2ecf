"""Hand-labelled verdict tests for vyos configs, run through the engine.

Every expectation below was written from VyOS semantics (VENDORS.md §8.3 and the vyos
parser's docstrings: 1.4+ base chains accept without a default-action, named chains and
1.3 rule sets drop; rules by number, first match; 1.3 loads the SIP and H.323 conntrack
helpers unless disabled, 1.4+ only when set; the generation comes from the version
comments or the firewall syntax, else the helper verdicts are unknown; destination NAT of a
required port and ``service upnp`` map ports) before the tool was run on them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.parsers.vyos import parse
from tests.verdict_table import ALL, F, P, U, mismatches, row, statuses

HERE = Path(__file__).parent / "verdicts" / "vyos"

EXPECTED: dict[str, dict[str, str]] = {
    # 1.4 forward filter: only established/related accepted and invalid dropped; new flows
    # reach the base chain's default accept. 1.4 syntax: helpers off unless set.
    "01_14_forward_default_accept.conf": row(ALL),
    # default-action drop; only TCP 80/443 from the LAN; the SIP helper is set (media too).
    "02_14_default_drop_web_only.conf": row((P, P, F, F, F, F), sip=F, media=F),
    # config.boot: LAN traffic jumps to a named chain that accepts TCP and STUN, then its
    # unprinted default-action drop; UDP 3478 forwarded to an inside host.
    "03_14_named_chain_jump.boot": row((P, P, P, P, F, F), pmap=F),
    # 1.3 config.boot: in-ruleset on the LAN drops RTP, accepts the LAN; helpers on by default.
    "04_13_legacy_in_ruleset.boot": row((P, P, P, P, F, F), sip=F, media=F),
    # 1.3 set form: out-ruleset on the WAN drops TCP 5223 to Apple; SIP and H.323 disabled.
    "05_13_set_helpers_disabled_out_ruleset.conf": row((P, P, F, P, P, P)),
    # No firewall and nothing that tells 1.3 from 1.4+: helper verdicts unknown.
    "06_unknown_generation.conf": row(ALL, sip=U, media=U),
    # Groups: Apple network and UDP ports (STUN, 16384-16387 only); a negated destination
    # drop that never hits 17/8; service upnp maps ports.
    "07_14_groups_upnp.conf": row((P, P, P, P, P, F), pmap=F),
    # An FQDN drop of UDP: what it matches is not in the text. RTSP helper set: media ports.
    "08_14_fqdn_rtsp.conf": row((P, P, P, U, U, U), media=F),
    # 1.5 rolling: the disabled STUN drop is skipped; raw prerouting drops 16393-16402.
    "09_14_disabled_rule_raw_drop.conf": row((P, P, P, P, P, F)),
    # New connections from the LAN accepted for TCP only; default-action drop.
    "10_14_new_tcp_only.conf": row((P, P, P, F, F, F)),
}


def test_every_config_has_expectations() -> None:
    assert {p.name for p in HERE.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.rsplit(".", 1)[0])
def test_verdicts(name: str) -> None:
    actual = statuses(parse, HERE / name)
    expected = EXPECTED[name]
    differ = mismatches(expected, actual)
    assert not differ, f"{name}: check -> (expected, actual): {differ}"
