"""Engine behaviour on whole paths: roles, NAT before the egress ACL, undefined lists."""

from __future__ import annotations

from auditor.engine import AuditOptions, audit
from auditor.model import Status
from auditor.parsers.cisco_ios import parse
from auditor.policy import resolve

PACK = resolve("apple-facetime-imessage")


def verdicts(config: str, **options: tuple[str, ...]) -> dict[str, Status]:
    model = parse(config, "t.cfg").model
    return {f.check: f.status for f in audit(model, PACK, AuditOptions(**options))}


def summaries(config: str) -> dict[str, str]:
    return {f.check: f.summary for f in audit(parse(config, "t.cfg").model, PACK, AuditOptions())}


NAT_EDGE = """
interface GigabitEthernet0/0
 ip address 198.51.100.2 255.255.255.252
 ip nat outside
 ip access-group WAN-OUT out
interface GigabitEthernet0/1
 ip address 10.1.1.1 255.255.255.0
 ip nat inside
ip route 0.0.0.0 0.0.0.0 198.51.100.1
ip nat inside source list 10 interface GigabitEthernet0/0 overload
access-list 10 permit 10.1.1.0 0.0.0.255
no ip nat service all-algs
ip access-list extended WAN-OUT
 10 permit tcp {src} 17.0.0.0 0.255.255.255 eq 443
"""


def test_egress_acl_sees_the_translated_source() -> None:
    # After NAT the source is 198.51.100.2: a rule for the inside prefix no longer matches.
    assert verdicts(NAT_EDGE.format(src="10.1.1.0 0.0.0.255"))["tcp-443"] is Status.FAIL
    assert verdicts(NAT_EDGE.format(src="host 198.51.100.2"))["tcp-443"] is Status.PASS
    assert verdicts(NAT_EDGE.format(src="any"))["tcp-443"] is Status.PASS


def test_untranslated_sources_keep_their_address() -> None:
    # 10.1.2.0/24 sits behind the inside interface but is not in the NAT list: not translated.
    config = NAT_EDGE.format(src="host 198.51.100.2") + "ip route 10.1.2.0 255.255.255.0 10.1.1.254\n"
    found = verdicts(config)
    assert found["tcp-443"] is Status.PARTIAL
    assert "10.1.2.0/24" in summaries(config)["tcp-443"]


def test_pool_with_several_addresses_is_judged_for_every_address() -> None:
    config = NAT_EDGE.format(src="host 203.0.113.1").replace(
        "ip nat inside source list 10 interface GigabitEthernet0/0 overload",
        "ip nat pool P 203.0.113.1 203.0.113.2 netmask 255.255.255.252\n"
        "ip nat inside source list 10 pool P overload",
    )
    # Only one of the two pool addresses is permitted: which one NAT picks is not in the config.
    assert verdicts(config)["tcp-443"] is Status.UNKNOWN
    config = config.replace("host 203.0.113.1", "203.0.113.0 0.0.0.3")
    assert verdicts(config)["tcp-443"] is Status.PASS


def test_roles_that_do_not_matter_do_not_make_unknown() -> None:
    config = """
interface GigabitEthernet0/0
 ip address 203.0.113.1 255.255.255.0
 ip access-group EDGE in
interface GigabitEthernet0/1
 ip address 198.18.0.1 255.255.255.0
ip access-list extended EDGE
 10 permit ip any any
"""
    found = verdicts(config)
    assert found["tcp-5223"] is Status.PASS
    assert "does not depend" in summaries(config)["tcp-5223"]
    # ...but when the ACL matters, which side is which must be known.
    assert (
        verdicts(config.replace("permit ip any any", "deny udp any any"))["udp-3478-3497"] is Status.UNKNOWN
    )


def test_undefined_acl_is_permit_all_with_a_note() -> None:
    config = """
interface GigabitEthernet0/0
 ip address 198.51.100.2 255.255.255.252
 ip access-group MISSING out
interface GigabitEthernet0/1
 ip address 10.1.1.1 255.255.255.0
ip route 0.0.0.0 0.0.0.0 198.51.100.1
"""
    model = parse(config, "t.cfg").model
    finding = audit(model, PACK, AuditOptions())[0]
    assert finding.status is Status.PASS
    assert any("not defined" in e.note for e in finding.evidence)


def test_user_named_interface_that_does_not_exist_is_unknown_not_a_guess() -> None:
    found = verdicts(NAT_EDGE.format(src="any"), outside_interfaces=("Dialer9",))
    assert found["tcp-80"] is Status.UNKNOWN
