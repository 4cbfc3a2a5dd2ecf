"""Hand-labelled verdict tests for arista_eos configs, run through the engine on the parsed model.

Every expectation below was written from EOS semantics (VENDORS.md §0 and §8.1: the inbound
ACL of the inside interface, then the outbound ACL of the egress interface; first match by
sequence number; implicit deny; no SIP or media ALG known on EOS) before the tool was run.
The inside networks are the engine's defaults (RFC 1918); the outside interface is the one
the default route leaves through.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.parsers.arista_eos import parse
from tests.verdict_table import ALL, PA, F, P, U, mismatches, row, statuses

HERE = Path(__file__).parent / "verdicts" / "arista_eos"
UNKNOWN_FLOWS = (U, U, U, U, U, U)

EXPECTED: dict[str, dict[str, str]] = {
    # SVI inbound ACL: www and https (80, 443) and all of STUN 3478-3497; 5223 and the
    # media ranges fall to the deny.
    "01_routed_in_acl_named_ports.cfg": row((P, P, F, P, F, F)),
    # No ACL on any interface: everything routes; no ALG, no static NAT.
    "02_no_acl.cfg": row(ALL),
    # Outbound ACL on the uplink drops UDP 16384-16402; the rest is permitted.
    "03_out_acl_on_uplink.cfg": row((P, P, P, P, F, F)),
    # `established` never matches a SYN: only 443 opens for TCP; neq 16385 removes one of
    # the four 16384-16387 ports.
    "04_established_and_neq.cfg": row((F, P, F, P, PA, P)),
    # A port ACL on a switched port filters bridged traffic: not modelled, flows unknown.
    "05_switched_port_acl.cfg": row(UNKNOWN_FLOWS),
    # Inside and outside both in VRF CUST with an ACL bound: flows unknown (default VRF only).
    "06_vrf_with_acl.cfg": row(UNKNOWN_FLOWS),
    # One-to-one static NAT maps every port of 203.0.113.10 to an inside host.
    "07_static_nat.cfg": row(ALL, pmap=F),
    # www is decided by entry 10; entry 20 (ttl) cannot be evaluated and may permit the rest.
    "08_opaque_ttl_entry.cfg": row((P, U, U, U, U, U)),
    # Destination static NAT: syntax unconfirmed, so whether it maps a port is unknown.
    "09_destination_nat_unconfirmed.cfg": row(ALL, pmap=U),
    # Sequence 10 (deny 5223) is evaluated before 30 (permit all), whatever the file order.
    "10_sequence_order.cfg": row((P, P, F, P, P, P)),
}


def test_every_config_has_expectations() -> None:
    assert {p.name for p in HERE.glob("*.cfg")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_verdicts(name: str) -> None:
    actual = statuses(parse, HERE / name)
    assert not mismatches(EXPECTED[name], actual), mismatches(EXPECTED[name], actual)
