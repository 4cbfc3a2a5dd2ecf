"""Hand-labelled verdict tests for cisco_nxos configs, run through the engine on the parsed model.

Every expectation below was written from NX-OS semantics before the tool was run: router ACLs
(``ip access-group NAME in|out``) on SVIs and routed ports, matched in sequence-number order
with an implicit ``deny ip any any``; ``established`` never matches a new connection's SYN;
a DSCP condition cannot be decided from the config; static NAT of a required port is a port
mapping; a port ACL on a switched port and the management VRF are handled as the parser's
docstrings say (VENDORS.md §8.2).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.parsers.cisco_nxos import parse
from tests.verdict_table import ALL, PA, F, P, U, mismatches, row, statuses

HERE = Path(__file__).parent / "verdicts" / "cisco_nxos"

EXPECTED: dict[str, dict[str, str]] = {
    # No ACL anywhere: routed transit passes.
    "01_no_acl.cfg": row(ALL),
    # The SVI's inbound ACL lists every Apple port before its deny.
    "02_inbound_apple_permits.cfg": row(ALL),
    # Only DNS, www and 443: the rest meets the implicit deny.
    "03_implicit_deny.cfg": row((P, P, F, F, F, F)),
    # Port group MEDIA = 16384-16387 and 3478 only; WEB = 443.
    "04_object_groups.cfg": row((F, P, F, PA, P, F)),
    # Sequence 10 (listed second) denies UDP 16384-16402 before 20 permits everything.
    "05_sequence_order.cfg": row((P, P, P, P, F, F)),
    # The uplink's outbound ACL drops 5223 and UDP above 16392.
    "06_out_acl_on_uplink.cfg": row((P, P, F, P, P, F)),
    # `established` never matches the SYN; the DSCP entry may or may not match UDP.
    "07_established_and_dscp.cfg": row((F, F, F, U, U, U)),
    # Static NAT of UDP 3478 to an inside host; no ACL; no NAT ALG on NX-OS (assumed).
    "08_static_nat_udp_3478.cfg": row(ALL, pmap=F),
    # A port ACL on the access port of VLAN 10 may drop what the SVI routes: not evaluated.
    "09_port_acl.cfg": row((U, U, U, U, U, U)),
    # mgmt0's default route is in the management VRF: the uplink (TCP only out) is the outside.
    "10_mgmt_vrf_default_route.cfg": row((P, P, P, F, F, F)),
}


def test_every_config_has_expectations() -> None:
    assert {p.name for p in HERE.glob("*.cfg")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.removesuffix(".cfg"))
def test_verdicts(name: str) -> None:
    actual = statuses(parse, HERE / name)
    differ = mismatches(EXPECTED[name], actual)
    assert not differ, f"{name}: check -> (expected, actual): {differ}"
