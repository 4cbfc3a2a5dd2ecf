"""Hand-labelled verdict tests for paloalto_panos configs, run through the engine on the parsed model.

Every expectation below was written from PAN-OS semantics (VENDORS.md §5: security rules
top-down, first match, then intrazone-default allow / interzone-default deny unless
overridden; disabled rules skipped; App-ID and user conditions undecidable from the config;
SIP and the other media ALGs on unless an ``alg-override`` disables them; destination NAT and
bi-directional static NAT are port mappings) before the tool was run. Roles come from the
source NAT rule (from zone inside, to zone outside), else from the default route and the
connected inside network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.parsers.paloalto_panos import parse
from tests.verdict_table import ALL, PA, F, P, U, mismatches, row, statuses

HERE = Path(__file__).parent / "verdicts" / "paloalto_panos"

def _row(flows: tuple[str, ...], sip: str = F, pmap: str = P, media: str = F) -> dict[str, str]:
    return row(flows, sip, pmap, media)  # PAN-OS: the SIP and media ALGs are on unless overridden


EXPECTED: dict[str, dict[str, str]] = {
    # One allow-all rule from trust to untrust.
    "01_allow_all_outbound.conf": _row(ALL),
    # No security rule: interzone-default denies everything between zones.
    "02_no_rules_interzone_deny.conf": _row((F, F, F, F, F, F)),
    # No rule, but interzone-default is overridden to allow.
    "03_interzone_default_overridden.conf": _row(ALL),
    # Zones named corp/isp (roles from the source NAT rule): service-http/-https only.
    "04_web_only_custom_zones.conf": _row((P, P, F, F, F, F)),
    # UDP 3478-3497 to 17.0.0.0/8 dropped before the allow-all.
    "05_deny_stun_before_allow.conf": _row((P, P, P, F, P, P)),
    # web-browsing/ssl on application-default: TCP 80/443 depend on App-ID, the rest can
    # never match (not their standard ports) and meet interzone-default.
    "06_app_id_web_only.conf": _row((U, U, F, F, F, F)),
    # Destination NAT publishes TCP 443 on the outside address.
    "07_dnat_https_to_server.conf": _row(ALL, pmap=F),
    # SIP ALG off; H.323/RTSP/MGCP/SCCP still on by default.
    "08_sip_alg_disabled_only.conf": _row(ALL, sip=P, media=F),
    # Every media ALG overridden off.
    "09_all_media_algs_disabled.conf": _row(ALL, sip=P, media=P),
    # Disabled deny-all is skipped; roles from the default route and connected network.
    "10_disabled_deny_no_nat.conf": _row(ALL),
    # service-https, TCP 5223 and UDP 3478-3480 only.
    "11_partial_services.conf": _row((F, P, P, PA, F, F)),
    # XML: nested address group and service group cover every port; bi-directional static
    # NAT of the PBX maps every port.
    "12_xml_nested_groups_bidir_static.xml": _row(ALL, pmap=F),
    # The only allow rule depends on User-ID group membership.
    "13_user_based_rule.conf": _row((U, U, U, U, U, U)),
}


def test_every_config_has_expectations() -> None:
    assert {p.name for p in HERE.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=[n.rsplit(".", 1)[0] for n in sorted(EXPECTED)])
def test_verdicts(name: str) -> None:
    actual = statuses(parse, HERE / name)
    expected = EXPECTED[name]
    differ = mismatches(expected, actual)
    assert not differ, f"{name}: check -> (expected, actual): {differ}"
