"""fortinet remediation: golden text per failing verdict case, proof by re-audit, rollback, oracle.

For every hand-labelled FortiOS config with a failing check (tests/verdicts/fortinet), the
rendered change and rollback must equal ``tests/remediation/fortinet/<case>.txt``; verified
cases must pass every check after the merge, the cases in ``NOT_VERIFIED`` must give their
reason. The rollback applied to the merged text must give back the original tables. The
editor must refuse what FortiOS refuses. A property test generates failing policy lists,
remediates them and checks the merged TEXT packet by packet with an oracle of its own.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import engine, parsers, policy
from auditor.model import Platform, Status
from auditor.parsers.fortinet import reader
from auditor.parsers.fortinet.lines import Edit, Section, Stmt, read_tree
from auditor.parsers.fortinet.state import Builder
from auditor.remediation import DeviceRemediation, remediate
from auditor.remediation import fortinet as fortinet_remediation
from auditor.remediation.fortinet_text import FortiosText
from auditor.remediation.merge import MergeError
from tests.golden import check_golden

ROOT = Path(__file__).parent
PACK = policy.resolve("apple-facetime-imessage")
OPTIONS = engine.AuditOptions()
CASES = sorted((ROOT / "verdicts" / "fortinet").glob("*.conf"))
# Cases that honestly cannot be verified, with a word of the reason that must be given.
NOT_VERIFIED = {
    # No session-helper table in the text: the factory entries' ids are unknown.
    "01_allow_all_nat": "SIP (default)",
    # A VIP no policy uses: whether it maps anything is not confirmed.
    "09_vip_unused": "not confirmed",
}


def _remediate(text: str, name: str = "case.conf") -> tuple[DeviceRemediation, list[str]]:
    model = parsers.parse(Platform.FORTINET, text, name).model
    findings = engine.audit(model, PACK, OPTIONS)
    failing = [f.check for f in findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    return remediate(Platform.FORTINET, text, name, findings, [PACK], OPTIONS), failing


def _golden_text(result: DeviceRemediation) -> str:
    parts = [result.config, "# --- rollback ---\n", result.rollback]
    parts.append(f"# --- verified: {str(result.verified).lower()}\n")
    if not result.verified:
        parts.append(f"# --- reason: {result.reason}\n")
    return "".join(parts)


def _statuses(text: str) -> dict[str, Status]:
    model = parsers.parse(Platform.FORTINET, text, "after.conf").model
    return {f.check: f.status for f in engine.audit(model, PACK, OPTIONS)}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_fortinet(path: Path, update_golden: bool) -> None:
    result, failing = _remediate(path.read_text(), path.name)
    if not failing:
        assert result.verified and result.config == ""
        return
    if path.stem in NOT_VERIFIED:
        assert not result.verified
        assert NOT_VERIFIED[path.stem] in result.reason, result.reason
    else:
        assert result.verified, result.reason
        assert set(result.per_check) == set(failing)
        for check, status in _statuses(result.merged).items():
            assert status in (Status.PASS, Status.NOT_APPLICABLE), (check, status)
    check_golden(ROOT / "remediation" / "fortinet" / f"{path.stem}.txt", _golden_text(result), update_golden)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_each_checks_part_applies_on_its_own(path: Path) -> None:
    """A check's part creates the objects its policy names: it can be applied alone."""
    text = path.read_text()
    result, _ = _remediate(text, path.name)
    for check, part in result.per_check.items():
        editor = FortiosText(text)
        editor.apply(part)
        for line in part.splitlines():
            assert line in result.config.splitlines(), (check, line)


# --- rollback ------------------------------------------------------------------------------


def tables(text: str) -> dict[str, object]:
    """Every table and settings block as it would be read back: policy order kept exactly.

    Keys carry the VDOM (``vdom root/firewall policy``) and ``global/`` in multi-VDOM text.
    """
    out: dict[str, object] = {}

    def stmts(items: list[Stmt | Edit | Section]) -> tuple[object, ...]:
        flat: list[object] = []
        for item in items:
            if isinstance(item, Stmt):
                flat.append((item.verb, item.args))
            elif isinstance(item, Section) and item.items:
                flat.append((item.path, stmts(item.items)))
        return tuple(flat)

    def read(items: list[Stmt | Edit | Section], prefix: str) -> None:
        for section in items:
            if not isinstance(section, Section):
                continue
            key = " ".join(section.key)
            if key == "vdom":
                for edit in section.items:
                    if isinstance(edit, Edit):
                        read(list(edit.items), f"{prefix}vdom {edit.name}/")
                continue
            if key == "global":
                read(list(section.items), f"{prefix}global/")
                continue
            entries = [(i.name, stmts(i.items)) for i in section.items if isinstance(i, Edit)]
            settings_ = stmts([i for i in section.items if not isinstance(i, Edit)])
            if key == "firewall policy":
                out[prefix + key] = entries  # the list order is the evaluation order
                continue
            # An entry with nothing set is the factory entry the text did not print (the
            # rollback of `config sip` in the `default` VoIP profile leaves it so): the same state.
            entries = [e for e in entries if e[1]]
            if entries or settings_:
                out[prefix + key] = (sorted(entries, key=str), settings_)

    read(list(read_tree(text).root.items), "")
    return out


ROLLBACK_CASES = [p for p in CASES if p.stem not in NOT_VERIFIED]


@pytest.mark.parametrize("path", ROLLBACK_CASES, ids=[p.stem for p in ROLLBACK_CASES])
def test_rollback_restores_the_tables(path: Path) -> None:
    text = path.read_text()
    result, failing = _remediate(text, path.name)
    if not failing:
        return
    editor = FortiosText(result.merged)
    editor.apply(result.rollback)
    assert tables(editor.text()) == tables(text)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_tables_kept_from_the_parse_are_those_a_fresh_reading_gives(path: Path) -> None:
    """The remediation takes the tables the parser just read; reading the text again gives the same."""
    text = path.read_text(encoding="utf-8")
    parsers.parse(Platform.FORTINET, text, path.name)
    kept = reader.kept_tables(text)
    assert kept is not None
    fresh = Builder(path.name)
    reader.read(fresh, read_tree(text).root)
    assert kept == (fresh.vdoms, fresh.global_tables, fresh.multi_vdom)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_remediation_without_a_parse_just_before_is_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fortinet_remediation.forget_devices()
    after_parse, _ = _remediate(text)  # the remediation takes the tables the parse kept
    model = parsers.parse(Platform.FORTINET, text, "case.conf").model
    findings = engine.audit(model, PACK, OPTIONS)
    reader.forget_tables()
    fortinet_remediation.forget_devices()
    alone = remediate(Platform.FORTINET, text, "case.conf", findings, [PACK], OPTIONS, model)
    assert alone == after_parse


# --- features, VIPs and order on configs of their own ----------------------------------------

HEAD = """config system interface
    edit "wan1"
        set ip 203.0.113.2 255.255.255.252
        set role wan
    next
    edit "lan"
        set ip 192.168.1.1 255.255.255.0
        set role lan
    next
end
config router static
    edit 1
        set gateway 203.0.113.1
        set device "wan1"
    next
end
"""
HELPERS = """config system session-helper
    edit 1
        set name pptp
        set protocol 6
        set port 1723
    next
    edit 2
        set name h323
        set protocol 6
        set port 1720
    next
    edit 3
        set name ras
        set protocol 17
        set port 1719
    next
    edit 6
        set name rtsp
        set protocol 6
        set port 554
    next
    edit 13
        set name sip
        set protocol 17
        set port 5060
    next
    edit 19
        set name mgcp
        set protocol 17
        set port 2427
    next
end
"""
OUT = """    edit {id}
        set srcintf "lan"
        set dstintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set action {action}
        set schedule "always"
        set service "{service}"
        set nat enable
    next
"""


def test_alg_off_the_way_the_parser_models_it() -> None:
    text = (
        HEAD
        + HELPERS
        + 'config firewall service custom\n    edit "SIP-5062"\n        set udp-portrange 5062\n'
        + "        set helper sip\n    next\nend\n"
        + "config firewall policy\n"
        + OUT.format(id=4, action="accept", service="ALL")
        + "end\n"
    )
    result, failing = _remediate(text)
    assert set(failing) == {"sip-alg", "dynamic-media-ports"}
    assert result.verified, result.reason
    config = result.config
    assert "set default-voip-alg-mode kernel-helper-based" in config  # the proxy ALG (factory mode)
    for ident in (2, 3, 6, 13, 19):
        assert f"    delete {ident}\n" in config
    assert "    delete 1\n" not in config  # pptp opens no media ports
    assert "set helper disable" in config
    editor = FortiosText(result.merged)
    editor.apply(result.rollback)
    assert tables(editor.text()) == tables(text)
    assert "unset default-voip-alg-mode" in result.rollback


def test_vip_used_with_other_destinations_is_unselected_and_restored_in_place() -> None:
    vip = """config firewall vip
    edit "stun-in"
        set extip 203.0.113.2
        set mappedip "192.168.1.50"
        set extintf "wan1"
        set portforward enable
        set protocol udp
        set extport 3478
    next
    edit "web-in"
        set extip 203.0.113.2
        set mappedip "192.168.1.60"
        set extintf "wan1"
        set portforward enable
        set extport 8080
    next
    edit "only-stun"
        set extip 203.0.113.2
        set mappedip "192.168.1.51"
        set extintf "wan1"
        set portforward enable
        set protocol udp
        set extport 16384
    next
end
"""
    inbound = """    edit {id}
        set srcintf "wan1"
        set dstintf "lan"
        set srcaddr "all"
        set dstaddr {dst}
        set action accept
        set schedule "always"
        set service "ALL"
    next
"""
    text = (
        HEAD.replace(
            "config router",
            "config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\nconfig router",
        )
        + "config system session-helper\nend\n"
        + vip
        + "config firewall policy\n"
        + OUT.format(id=1, action="accept", service="ALL")
        + inbound.format(id=5, dst='"stun-in" "web-in"')
        + inbound.format(id=6, dst='"only-stun"')
        + inbound.format(id=2, dst='"web-in"')
        + "end\n"
    )
    result, failing = _remediate(text)
    assert failing == ["port-mapping"]
    assert result.verified, result.reason
    assert 'set dstaddr "web-in"' in result.config and "    delete 6\n" in result.config
    merged = FortiosText(result.merged)
    assert merged.entries("firewall vip") == ["web-in"]
    assert merged.entries("firewall policy") == ["1", "5", "2"]
    assert "move 6 before 2" in result.rollback
    merged.apply(result.rollback)
    assert tables(merged.text()) == tables(text)


def test_new_policy_goes_before_the_denying_one_in_list_order() -> None:
    text = (
        HEAD
        + "config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n"
        + "config system session-helper\nend\nconfig firewall policy\n"
        + OUT.format(id=30, action="accept", service="HTTP")
        + OUT.format(id=2, action="deny", service="ALL")
        + OUT.format(id=10, action="accept", service="ALL")
        + "end\n"
    )
    result, failing = _remediate(text)
    assert result.verified, result.reason
    order = FortiosText(result.merged).entries("firewall policy")
    assert order[0] == "30" and order[-2:] == ["2", "10"]
    assert {int(i) for i in order[1:-2]} == set(range(31, 31 + len(failing)))
    assert "tcp-80" not in failing  # policy 30 already accepts HTTP


MULTI_VDOM = """#config-version=FGT60F-7.4.8-FW-build2795-250523:opmode=0:vdom=1
config vdom
edit root
next
edit lab
next
end
config global
config system interface
    edit "wan1"
        set vdom "root"
        set ip 203.0.113.2 255.255.255.252
        set role wan
    next
    edit "lan"
        set vdom "root"
        set ip 192.168.1.1 255.255.255.0
        set role lan
    next
    edit "port9"
        set vdom "lab"
        set ip 10.9.0.1 255.255.255.0
    next
end
config system session-helper
    edit 1
        set name pptp
        set protocol 6
        set port 1723
    next
    edit 13
        set name sip
        set protocol 17
        set port 5060
    next
end
end
config vdom
edit root
config system settings
    set default-voip-alg-mode kernel-helper-based
end
config router static
    edit 1
        set gateway 203.0.113.1
        set device "wan1"
    next
end
config firewall policy
"""


def test_multi_vdom_changes_name_their_vdom_and_the_global_table() -> None:
    text = (
        MULTI_VDOM
        + OUT.format(id=4, action="deny", service="HTTPS")
        + OUT.format(id=5, action="accept", service="ALL")
        + "end\nnext\nedit lab\nconfig system settings\n    set default-voip-alg-mode kernel-helper-based\n"
        + "end\nnext\nend\n"
    )
    result, failing = _remediate(text)
    assert set(failing) == {"tcp-443", "sip-alg", "dynamic-media-ports"}
    assert result.verified, result.reason
    assert result.config.startswith("config vdom\nedit root\nconfig firewall address\n")
    assert "config global\n# stops the sip session helper" in result.config
    after = tables(result.merged)
    assert [name for name, _ in after["vdom root/firewall policy"]] == ["6", "4", "5"]  # type: ignore[index]
    assert "vdom lab/firewall policy" not in after
    assert [name for name, _ in after["global/system session-helper"][0]] == ["1"]  # type: ignore[index]
    editor = FortiosText(result.merged)
    editor.apply(result.rollback)
    assert tables(editor.text()) == tables(text)


def test_new_policy_translates_as_the_path_does_with_its_ip_pool() -> None:
    pool = OUT.format(id=3, action="accept", service="ALL").replace(
        "set nat enable", 'set nat enable\n        set ippool enable\n        set poolname "pool1"'
    )
    text = (
        HEAD
        + "config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n"
        + "config system session-helper\nend\n"
        + 'config firewall ippool\n    edit "pool1"\n        set startip 203.0.113.2\n'
        + "        set endip 203.0.113.2\n    next\nend\nconfig firewall policy\n"
        + OUT.format(id=1, action="deny", service="HTTPS")
        + pool
        + "end\n"
    )
    result, _ = _remediate(text)
    assert result.verified, result.reason
    assert (
        '        set nat enable\n        set ippool enable\n        set poolname "pool1"\n' in result.config
    )
    assert "# source NAT as policy 3 of the same path does (its IP pool)" in result.config


def test_a_zone_member_is_named_by_its_zone() -> None:
    text = (
        HEAD
        + "config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n"
        + 'config system session-helper\nend\nconfig system zone\n    edit "LAN"\n'
        + '        set interface "lan" "lan2"\n    next\nend\nconfig firewall policy\n'
        + OUT.format(id=1, action="accept", service="HTTP").replace('srcintf "lan"', 'srcintf "LAN"')
        + "end\n"
    )
    result, failing = _remediate(text)
    assert result.verified, result.reason
    assert 'set srcintf "LAN"' in result.config and 'set srcintf "lan"' not in result.config
    assert "# LAN is a zone: the policy also applies to its other members" in result.config
    assert "tcp-80" not in failing


def test_vip_in_a_group_is_left_to_the_user_with_the_reason() -> None:
    text = (
        HEAD
        + "config system settings\n    set default-voip-alg-mode kernel-helper-based\nend\n"
        + 'config system session-helper\nend\nconfig firewall vip\n    edit "stun-in"\n'
        + "        set extip 203.0.113.2\n        set mappedip 192.168.1.50\n        set portforward enable\n"
        + "        set protocol udp\n        set extport 3478\n    next\nend\n"
        + 'config firewall vipgrp\n    edit "g"\n        set member "stun-in"\n    next\nend\n'
        + "config firewall policy\n"
        + OUT.format(id=1, action="accept", service="ALL")
        + OUT.format(id=2, action="accept", service="ALL")
        .replace('srcintf "lan"', 'srcintf "x"')
        .replace('dstintf "wan1"', 'dstintf "lan"')
        .replace('srcintf "x"', 'srcintf "wan1"')
        .replace('dstaddr "all"', 'dstaddr "g"')
        + "end\n"
    )
    result, failing = _remediate(text)
    assert failing == ["port-mapping"]
    assert not result.verified and "port-mapping is still fail" in result.reason
    assert "VIP stun-in is a member of VIP group(s) g" in result.config
    assert "    delete" not in result.config


# --- the editor refuses what FortiOS refuses -------------------------------------------------

SMALL = """config firewall address
    edit "a"
        set subnet 10.0.0.0 255.0.0.0
    next
end
config firewall policy
    edit 1
        set srcintf "lan"
        set dstintf "wan1"
        set srcaddr "a"
        set dstaddr "all"
        set action accept
        set schedule "always"
        set service "ALL"
    next
    edit 2
        set srcintf "lan"
        set dstintf "wan1"
        set srcaddr "all"
        set dstaddr "all"
        set schedule "always"
        set service "ALL"
    next
end
"""


@pytest.mark.parametrize(
    ("commands", "word"),
    [
        ('config firewall address\n    delete "a"\nend\n', "is used by"),
        ('config firewall address\n    delete "b"\nend\n', "no entry"),
        ("config firewall policy\n    move 3 before 1\nend\n", "cannot move"),
        ('config firewall policy\n    edit 3\n        set srcaddr "nope"\n    next\nend\n', "not defined"),
        ("config firewall policy\n    edit 3\n", "open"),
        ("set hostname x\n", "outside"),
        ("config firewall policy\n    purge\nend\n", "not understood"),
    ],
)
def test_editor_refuses(commands: str, word: str) -> None:
    with pytest.raises(MergeError, match=word):
        FortiosText(SMALL).apply(commands)


def test_editor_sets_moves_appends_and_keeps_other_lines() -> None:
    editor = FortiosText("#config-version=FGT60F-7.4.8-FW-build2795:opmode=0:vdom=0\n" + SMALL)
    editor.apply(
        "config firewall policy\n"
        "    edit 3\n"
        '        set srcintf "lan"\n'
        "        set srcaddr all\n"
        "    next\n"
        "    move 3 before 2\n"
        "    edit 1\n"
        "        append dstaddr a\n"
        "        unset schedule\n"
        "    next\n"
        "end\n"
    )
    text = editor.text()
    assert text.startswith("#config-version=FGT60F-7.4.8")
    assert editor.entries("firewall policy") == ["1", "3", "2"]
    assert '        set dstaddr "all" "a"\n' in text
    assert 'set schedule "always"\n        set service "ALL"\n    next\n    edit 3' not in text
    assert '    edit 3\n        set srcintf "lan"\n        set srcaddr all\n    next\n' in text


def test_ticket_renders_for_fortinet() -> None:
    from typer.testing import CliRunner

    from auditor.cli import app

    case = ROOT / "verdicts" / "fortinet" / "02_deny_https_first.conf"
    result = CliRunner().invoke(app, ["ticket", str(case)])
    assert result.exit_code == 0, result.output
    assert "move" in result.output and "before 7" in result.output


# --- property test: generated policy lists, merged text against an oracle --------------------

# Two inside interfaces: "lan" and "lan2", the second a member of zone "LANS" (a policy must then
# name the zone); "wan1" faces the outside.
PROPERTY_HEAD = """config system interface
    edit "wan1"
        set ip 203.0.113.2 255.255.255.252
        set role wan
    next
    edit "lan"
        set ip 192.168.1.1 255.255.255.0
        set role lan
    next
    edit "lan2"
        set ip 192.168.2.1 255.255.255.0
        set role lan
    next
end
config system zone
    edit "LANS"
        set interface "lan2"
    next
end
config router static
    edit 1
        set gateway 203.0.113.1
        set device "wan1"
    next
end
config system settings
    set default-voip-alg-mode kernel-helper-based
end
config system session-helper
end
"""
_ZONES = {"LANS": {"lan2"}}
_SRCS = {
    "all": None,
    "lan": "192.168.1.0/24",
    "half": "192.168.1.0/25",
    "host": "192.168.1.9/32",
    "lan2": "192.168.2.0/24",
}
_DSTS = {"all": None, "apple": "17.0.0.0/8", "apple-lo": "17.0.0.0/9", "other": "8.8.8.0/24"}
_SERVICES = {
    "ALL": None,
    "t443": ("tcp", 443, 443),
    "t80-5223": ("tcp", 80, 5223),
    "u3478": ("udp", 3478, 3490),
    "u16k": ("udp", 16384, 16402),
    "u-all": ("udp", 1, 65535),
}
_PORTS = [80, 443, 5223, 444, 3478, 3497, 3498, 16384, 16387, 16390, 16393, 16402, 5060]
_PACKETS = [
    (proto, src, dst, port)
    for proto in ("tcp", "udp")
    for src in ("192.168.1.9", "192.168.1.200", "192.168.2.7")
    for dst in ("17.1.2.3", "17.200.0.1", "8.8.8.8")
    for port in _PORTS
]


@st.composite
def _policies(draw: st.DrawFn) -> list[dict[str, object]]:
    out = []
    idents = draw(st.permutations(range(1, 9)))
    for n in range(draw(st.integers(0, 5))):
        out.append(
            {
                "id": idents[n],
                "action": draw(st.sampled_from(["accept", "deny", ""])),
                "status": draw(st.integers(0, 5)) > 0,
                "srcintf": draw(st.sampled_from(["lan", "LANS", "any"])),
                "dstintf": draw(st.sampled_from(["wan1", "any"])),
                "src": draw(st.sampled_from(sorted(_SRCS))),
                "dst": draw(st.sampled_from(sorted(_DSTS))),
                "src_negate": draw(st.integers(0, 8)) == 0,
                "dst_negate": draw(st.integers(0, 6)) == 0,
                "service_negate": draw(st.integers(0, 8)) == 0,
                "service": draw(
                    st.lists(st.sampled_from(sorted(_SERVICES)), min_size=1, max_size=2, unique=True)
                ),
            }
        )
    return out


def _render(policies: list[dict[str, object]]) -> str:
    out = [PROPERTY_HEAD, "config firewall address\n"]
    for name, prefix in {**_SRCS, **_DSTS}.items():
        if prefix is not None:
            net = ipaddress.IPv4Network(prefix)
            out.append(
                f'    edit "{name}"\n        set subnet {net.network_address} {net.netmask}\n    next\n'
            )
    out.append("end\nconfig firewall service custom\n")
    for name, svc in _SERVICES.items():
        if svc is not None:
            out.append(f'    edit "{name}"\n        set {svc[0]}-portrange {svc[1]}-{svc[2]}\n    next\n')
    out.append("end\nconfig firewall policy\n")
    for p in policies:
        services = " ".join(f'"{s}"' for s in p["service"])  # type: ignore[attr-defined]
        body = [f'set srcintf "{p["srcintf"]}"', f'set dstintf "{p["dstintf"]}"']
        body += [f'set srcaddr "{p["src"]}"', f'set dstaddr "{p["dst"]}"']
        body += [f"set service {services}", 'set schedule "always"', "set nat enable"]
        if p["action"]:
            body.append(f"set action {p['action']}")
        if not p["status"]:
            body.append("set status disable")
        for key in ("src", "dst", "service"):
            if p[f"{key}_negate"]:
                body.append(f"set {key}{'addr' if key != 'service' else ''}-negate enable")
        out.append(f"    edit {p['id']}\n" + "".join(f"        {b}\n" for b in body) + "    next\n")
    out.append("end\n")
    return "".join(out)


def oracle(text: str, packet: tuple[str, str, str, int]) -> bool:
    """Whether the policy list in ``text`` accepts ``packet`` to wan1 (first match, list order).

    The ingress interface follows from the source (192.168.2.0/24 sits behind lan2).
    """
    proto, src, dst, port = packet
    ingress = "lan2" if src.startswith("192.168.2.") else "lan"
    root = read_tree(text).root
    sections = {" ".join(s.key): s for s in root.items if isinstance(s, Section)}

    def entries(key: str) -> list[tuple[str, dict[str, list[str]]]]:
        section = sections.get(key)
        out = []
        for item in section.items if section is not None else []:
            if isinstance(item, Edit):
                out.append((item.name, {s.key: list(s.values) for s in item.items if isinstance(s, Stmt)}))
        return out

    nets = {name: s["subnet"] for name, s in entries("firewall address")}
    services = {name: s for name, s in entries("firewall service custom")}

    def in_address(name: str, address: str) -> bool:
        if name == "all":
            return True
        net = ipaddress.IPv4Network(f"{nets[name][0]}/{nets[name][1]}")
        return ipaddress.IPv4Address(address) in net

    def in_service(name: str) -> bool:
        if name == "ALL":
            return True
        for span in services[name].get(f"{proto}-portrange", []):
            low, _, high = span.partition("-")
            if int(low) <= port <= int(high or low):
                return True
        return False

    def covers(names: list[str], interface: str) -> bool:
        return any(n == "any" or n == interface or interface in _ZONES.get(n, set()) for n in names)

    def negated(s: dict[str, list[str]], key: str) -> bool:
        return s.get(f"{key}-negate") == ["enable"]

    for _, s in entries("firewall policy"):
        if s.get("status") == ["disable"]:
            continue
        if not covers(s["srcintf"], ingress) or not covers(s["dstintf"], "wan1"):
            continue
        src_ok = any(in_address(n, src) for n in s["srcaddr"]) != negated(s, "srcaddr")
        dst_ok = any(in_address(n, dst) for n in s["dstaddr"]) != negated(s, "dstaddr")
        svc_ok = any(in_service(n) for n in s["service"]) != negated(s, "service")
        if src_ok and dst_ok and svc_ok:
            return s.get("action") == ["accept"]
    return False


def _required(packet: tuple[str, str, str, int]) -> bool:
    proto, _, dst, port = packet
    if not dst.startswith("17."):
        return False
    spans = {
        "tcp": [(80, 80), (443, 443), (5223, 5223)],
        "udp": [(3478, 3497), (16384, 16387), (16393, 16402)],
    }
    return any(low <= port <= high for low, high in spans[proto])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_policies())
def test_remediated_text_permits_what_is_required_and_nothing_else(policies: list[dict[str, object]]) -> None:
    text = _render(policies)
    result, failing = _remediate(text)
    if not failing:
        return
    assert result.verified, (result.reason, text)
    assert 'set srcintf "lan2"' not in result.config  # a zone member is named by its zone
    for packet in _PACKETS:
        before, after = oracle(text, packet), oracle(result.merged, packet)
        if _required(packet):
            assert after, (packet, result.config)
        else:
            assert after == before, (packet, result.config)
    editor = FortiosText(result.merged)
    editor.apply(result.rollback)
    assert tables(editor.text()) == tables(text)
