"""paloalto_panos remediation: goldens per failing verdict case, rollback, editor, oracle.

For every hand-labelled PAN-OS config with a failing check (tests/verdicts/paloalto_panos,
set format and XML), the rendered change and rollback must equal
``tests/remediation/paloalto_panos/<case>.txt`` and the merged config must pass every check.
The rollback applied after the change must give back the configuration it started from
(the same text for set format, the same tree for XML). Generated failing rulebases (the
shapes of tests/test_panos_oracle.py) are remediated and the merged set text is evaluated
packet by packet by an oracle of this file that reads the set commands itself.
"""

from __future__ import annotations

import ipaddress
import shlex
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor import engine, parsers, policy
from auditor.model import Platform, Status
from auditor.parsers.paloalto_panos.statements import flatten
from auditor.remediation import DeviceRemediation, panos_text, remediate
from auditor.remediation.merge import MergeError
from auditor.remediation.panos_text import PanosSetText, PanosXmlText, normalize, panos_editor
from tests.golden import check_golden
from tests.test_panos_oracle import Entry, entries
from tests.test_panos_oracle import render as render_rulebase

ROOT = Path(__file__).parent
PACK = policy.resolve("apple-facetime-imessage")
CASES = sorted((ROOT / "verdicts" / "paloalto_panos").iterdir())
PANOS = Platform.PALOALTO_PANOS
_GOOD = (Status.PASS, Status.NOT_APPLICABLE)


def _remediate(text: str, name: str = "fw.conf") -> tuple[DeviceRemediation, list[str]]:
    options = engine.AuditOptions()
    model = parsers.parse(PANOS, text, name).model
    findings = engine.audit(model, PACK, options)
    failing = [f.check for f in findings if f.status not in _GOOD]
    return remediate(PANOS, text, name, findings, [PACK], options), failing


def _golden_text(result: DeviceRemediation) -> str:
    parts = [result.config, "# --- rollback ---\n", result.rollback]
    parts.append(f"# --- verified: {str(result.verified).lower()}\n")
    if not result.verified:
        parts.append(f"# --- reason: {result.reason}\n")
    return "".join(parts)


def _tree(text: str) -> list[tuple[str, ...]]:
    """The configuration as ordered leaf paths (what the XML says, not how it is laid out)."""
    return [s.words for s in flatten(text).statements]


def _state(text: str) -> tuple[list[tuple[str, ...]], dict[tuple[str, ...], list[str]]]:
    """The configuration tree a firewall holds: its leaves, and the order of each rulebase's rules.

    Lines of different nodes may stand in any order in set text; a rulebase's order is the
    order of its rules' first lines (entries in XML).
    """
    leaves: list[tuple[str, ...]] = []
    for stmt in flatten(text).statements:
        words = stmt.words[1:] if stmt.words[0] == "set" else stmt.words
        leaves.extend(normalize(words, "vsys1"))
    order: dict[tuple[str, ...], list[str]] = {}
    for leaf in leaves:
        if "rules" in leaf:
            at = leaf.index("rules")
            names = order.setdefault(leaf[:at], [])
            if leaf[at + 1] not in names:
                names.append(leaf[at + 1])
    return sorted(leaves), order


def _rolled_back(text: str, result: DeviceRemediation) -> str:
    editor = panos_editor(result.merged)
    editor.apply(result.rollback)
    return editor.text()


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_panos(path: Path, update_golden: bool) -> None:
    text = path.read_text()
    result, failing = _remediate(text, path.name)
    if not failing:
        assert result.verified and result.config == ""
        return
    assert result.verified, result.reason
    assert set(result.per_check) == set(failing)
    after = parsers.parse(PANOS, result.merged, path.name).model
    for finding in engine.audit(after, PACK, engine.AuditOptions()):
        assert finding.status in _GOOD, (finding.check, finding.summary)
    # the rollback gives back the configuration the change started from
    assert _state(_rolled_back(text, result)) == _state(text)
    check_golden(
        ROOT / "remediation" / "paloalto_panos" / f"{path.stem}.txt", _golden_text(result), update_golden
    )


BASE = """set deviceconfig system hostname fw
set network interface ethernet ethernet1/1 layer3 ip 203.0.113.2/30
set network interface ethernet ethernet1/2 layer3 ip 10.1.1.1/24
set zone trust network layer3 ethernet1/2
set zone untrust network layer3 ethernet1/1
set shared alg-override application sip alg-disabled yes
set shared alg-override application h.225 alg-disabled yes
set shared alg-override application h.245 alg-disabled yes
set shared alg-override application rtsp alg-disabled yes
set shared alg-override application mgcp alg-disabled yes
set shared alg-override application sccp alg-disabled yes
set address apple ip-netmask 17.0.0.0/8
"""


def test_nat_rule_in_the_middle_is_deleted_and_restored_in_place() -> None:
    text = BASE + (
        "set rulebase nat rules hide from trust to untrust source any destination any service any\n"
        "set rulebase nat rules hide source-translation dynamic-ip-and-port interface-address "
        "interface ethernet1/1\n"
        "set address web ip-netmask 10.1.1.20\n"
        "set rulebase nat rules publish from untrust to untrust source any destination any "
        "service service-https\n"
        "set rulebase nat rules publish destination-translation translated-address web\n"
        'set rulebase nat rules publish description "publishes the web server,\n'
        'ticket 42"\n'
        'set rulebase nat rules "last one" from untrust to untrust source any destination any '
        "service service-http\n"
        "set rulebase security rules out from trust to untrust source any destination any application any "
        "service any action allow\n"
    )
    result, failing = _remediate(text)
    assert failing == ["port-mapping"]
    assert result.verified, result.reason
    assert "delete rulebase nat rules publish\n" in result.config
    assert 'move rulebase nat rules publish before "last one"\n' in result.rollback
    assert "publish" not in result.merged
    assert _rolled_back(text, result) == text


def test_existing_override_left_on_is_switched_and_restored() -> None:
    text = BASE.replace("sip alg-disabled yes", "sip alg-disabled no") + (
        "set rulebase security rules out from trust to untrust source any destination any application any "
        "service any action allow\n"
        "set rulebase nat rules hide from trust to untrust source any destination any service any\n"
        "set rulebase nat rules hide source-translation dynamic-ip-and-port interface-address "
        "interface ethernet1/1\n"
    )
    result, _ = _remediate(text)
    assert result.verified, result.reason
    assert result.config.count("set shared alg-override application sip alg-disabled yes") == 1
    assert "set shared alg-override application sip alg-disabled no\n" in result.rollback
    assert "alg-disabled no" not in result.merged
    assert _rolled_back(text, result) == text


def test_vsys_form_and_quoted_rule_names() -> None:
    scoped = BASE.replace("set zone", "set vsys vsys1 zone").replace("set address", "set vsys vsys1 address")
    text = scoped + (
        "set vsys vsys1 service stun protocol udp port 3478-3497\n"
        'set vsys vsys1 rulebase security rules "Block STUN" from trust to untrust source any '
        "destination apple application any service stun action drop\n"
        "set vsys vsys1 rulebase security rules out from trust to untrust source any destination any "
        "application any service any action allow\n"
        "set vsys vsys1 rulebase nat rules hide from trust to untrust source any destination any "
        "service any\n"
        "set vsys vsys1 rulebase nat rules hide source-translation dynamic-ip-and-port interface-address "
        "interface ethernet1/1\n"
    )
    result, failing = _remediate(text)
    assert failing == ["udp-3478-3497"]
    assert result.verified, result.reason
    move = 'move vsys vsys1 rulebase security rules auditor-udp-3478-3497 before "Block STUN"\n'
    assert move in result.config
    assert "set vsys vsys1 service auditor-udp-3478-3497 protocol udp port 3478-3497\n" in result.config
    merged = result.merged.splitlines()
    mine = next(i for i, line in enumerate(merged) if "rules auditor-udp-3478-3497 from" in line)
    assert mine < next(i for i, line in enumerate(merged) if '"Block STUN"' in line)
    assert _rolled_back(text, result) == text


def test_xml_nat_rule_deleted_and_recreated_from_its_fields() -> None:
    text = (ROOT / "verdicts" / "paloalto_panos" / "12_xml_nested_groups_bidir_static.xml").read_text()
    text = text.replace(
        '<entry name="pbx-static">',
        '<entry name="publish"><from><member>untrust</member></from><to><member>untrust</member></to>'
        "<source><member>any</member></source><destination><member>any</member></destination>"
        "<service>service-https</service><destination-translation><translated-address>pbx"
        "</translated-address></destination-translation></entry>\n"
        '                <entry name="pbx-static">',
    )
    result, _ = _remediate(text, "fw.xml")
    assert result.verified, result.reason
    assert "delete rulebase nat rules publish\n" in result.config
    assert "set rulebase nat rules publish service service-https\n" in result.rollback
    assert "move rulebase nat rules publish before pbx-static\n" in result.rollback
    assert _state(_rolled_back(text, result)) == _state(text)


def test_brace_form_is_proven_on_its_set_printing() -> None:
    path = ROOT / "parsers" / "paloalto_panos" / "brace_basic.conf"
    text = path.read_text()
    result, failing = _remediate(text, path.name)
    assert failing and result.verified, result.reason
    assert result.merged.startswith("set ")  # the same tree, printed as set commands
    after = parsers.parse(PANOS, result.merged, path.name).model
    for finding in engine.audit(after, PACK, engine.AuditOptions()):
        assert finding.status in _GOOD, (finding.check, finding.summary)
    assert _state(_rolled_back(text, result)) == _state(text)


def test_brace_form_that_prints_differently_is_not_proven(monkeypatch: pytest.MonkeyPatch) -> None:
    path = ROOT / "parsers" / "paloalto_panos" / "brace_basic.conf"
    printed = panos_text.brace_as_set(path.read_text())
    dropped = "\n".join(line for line in printed.splitlines() if "rulebase security" not in line) + "\n"
    monkeypatch.setattr(panos_text, "brace_as_set", lambda _text: dropped)
    result, failing = _remediate(path.read_text(), path.name)
    assert failing and not result.verified
    assert "does not print as set commands that mean the same" in result.reason


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("move rulebase security rules out before nothing", "no rule 'nothing'"),
        ("move rulebase security rules nothing top", "no rule 'nothing'"),
        ("delete rulebase nat rules nothing", "no such node"),
        ("show running", "not understood"),
    ],
)
def test_editors_refuse_what_the_firewall_refuses(command: str, message: str) -> None:
    text = BASE + "set rulebase security rules out from trust to untrust action allow\n"
    with pytest.raises(MergeError, match=message):
        PanosSetText(text).apply(command)


def test_xml_editor_moves_entries_in_order() -> None:
    text = (
        '<config version="10.1.0"><devices><entry name="localhost.localdomain"><vsys><entry name="vsys1">'
        '<rulebase><security><rules><entry name="a"><action>deny</action></entry>'
        '<entry name="b"><action>allow</action></entry></rules></security></rulebase>'
        "</entry></vsys></entry></devices></config>"
    )
    editor = PanosXmlText(text)
    editor.apply(
        "set rulebase security rules c from [ x y ] action allow\nmove rulebase security rules c before b"
    )
    names = [w[8] for w in _tree(editor.text()) if w[6:8] == ("security", "rules")]
    assert list(dict.fromkeys(names)) == ["a", "c", "b"]
    vsys = ("config", "devices", "localhost.localdomain", "vsys", "vsys1")
    assert (*vsys, "rulebase", "security", "rules", "c", "from", "y") in _tree(editor.text())
    with pytest.raises(MergeError, match="no rule 'z'"):
        editor.apply("move rulebase security rules c after z")


# --- generated rulebases against an oracle that reads the merged set text ------------------

INSIDE_SRC = ("10.1.1.5", "10.9.9.5")  # behind the inside zone, behind dmz
DESTINATIONS = ("17.1.2.3", "8.8.8.8")
PORTS = sorted(
    {p for c in PACK.flow_checks() for lo, hi in [c.port_ranges[0]] for p in (lo - 1, lo, hi, hi + 1)}
)


_RULE_KEYS = frozenset(
    {"from", "to", "source", "destination", "application", "service", "action", "rule-type", "disabled"}
    | {"description"}
)


def _oracle(text: str, src_zone: str, dst_zone: str, protocol: str, src: str, dst: str, port: int) -> bool:
    """First match over the set text's security rules, then interzone-default."""
    addresses: dict[str, str] = {}
    services: dict[str, tuple[str, int, int]] = {}
    rules: dict[str, dict[str, list[str]]] = {}
    default = "deny"
    for line in text.splitlines():
        words = shlex.split(line)
        if words[:2] == ["set", "address"]:
            addresses[words[2]] = words[4]
        elif words[:2] == ["set", "service"]:
            low, _, high = words[6].partition("-")
            services[words[2]] = (words[4], int(low), int(high or low))
        elif words[:4] == ["set", "rulebase", "security", "rules"]:
            rule = rules.setdefault(words[4], {})
            key = ""
            for word in words[5:]:
                if word in _RULE_KEYS:
                    if key == "" or rule.get(key):
                        key = word
                        rule.setdefault(key, [])
                        continue
                if word not in "[]":
                    rule[key].append(word)
        elif words[:3] == ["set", "rulebase", "default-security-rules"]:
            default = words[-1]

    def address_in(names: list[str], ip: str) -> bool:
        return "any" in names or any(
            ipaddress.ip_address(ip) in ipaddress.ip_network(addresses[n], strict=False) for n in names
        )

    for rule in rules.values():
        if rule.get("disabled") == ["yes"]:
            continue
        if rule.get("rule-type") == ["intrazone"] and src_zone != dst_zone:
            continue
        if not ({"any", src_zone} & set(rule["from"]) and {"any", dst_zone} & set(rule["to"])):
            continue
        if not (address_in(rule["source"], src) and address_in(rule["destination"], dst)):
            continue
        svc = [services[n] for n in rule["service"] if n != "any"]
        if "any" not in rule["service"] and not any(p == protocol and lo <= port <= hi for p, lo, hi in svc):
            continue
        return rule["action"] == ["allow"]
    return default == "allow"


def _required(protocol: str, src: str, dst: str, port: int) -> bool:
    if src != "10.1.1.5" or not dst.startswith("17."):
        return False
    return any(
        c.protocol == protocol and c.port_ranges[0][0] <= port <= c.port_ranges[0][1]
        for c in PACK.flow_checks()
    )


def _as_xml(text: str, inside: str, outside: str) -> str:
    """The generated set configuration as the XML document a firewall would export.

    Interfaces and zones are written here; objects and rules are added through the XML
    editor from the generated set commands (device-level lines are in the skeleton).
    """
    interfaces = "".join(
        f'<entry name="ethernet1/{n}"><layer3><ip><entry name="{ip}"/></ip></layer3></entry>'
        for n, ip in ((1, "203.0.113.2/30"), (2, "10.1.1.1/24"), (3, "10.9.9.1/24"))
    )
    zones = "".join(
        f'<entry name="{z}"><network><layer3><member>ethernet1/{n}</member></layer3></network></entry>'
        for z, n in ((inside, 2), (outside, 1), ("dmz", 3))
    )
    skeleton = (
        '<?xml version="1.0"?>\n<config version="10.1.0"><devices><entry name="localhost.localdomain">'
        f"<network><interface><ethernet>{interfaces}</ethernet></interface></network>"
        f'<vsys><entry name="vsys1"><zone>{zones}</zone></entry></vsys></entry></devices></config>\n'
    )
    editor = PanosXmlText(skeleton)
    editor.apply(
        "\n".join(
            line
            for line in text.splitlines()
            if not line.startswith(("set network", "set zone", "set deviceconfig"))
        )
    )
    return editor.text()


def _xml_as_set(text: str) -> str:
    """The vsys1 part of an XML configuration as one set command per leaf (for the oracle)."""
    vsys = ("config", "devices", "localhost.localdomain", "vsys", "vsys1")
    return "".join(
        "set " + " ".join(s.words[len(vsys) :]) + "\n"
        for s in flatten(text).statements
        if s.words[: len(vsys)] == vsys and "description" not in s.words
    )


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([("trust", "untrust"), ("L3-Inside", "L3-Outside")]),
    st.lists(entries(), max_size=5),
    st.sampled_from([None, "deny"]),
    st.sampled_from(["set", "xml"]),
)
def test_remediated_rulebases_against_the_oracle(
    zones: tuple[str, str], rules: list[Entry], override: str | None, form: str
) -> None:
    inside, outside = zones
    text = render_rulebase(inside, outside, rules, override, False)
    if form == "xml":
        text = _as_xml(text, inside, outside)
    result, failing = _remediate(text, f"fw.{form}")
    flows = [c for c in failing if c.startswith(("tcp-", "udp-"))]
    if not flows:
        return
    assert result.verified, result.reason
    old, merged = (text, result.merged) if form == "set" else (_xml_as_set(text), _xml_as_set(result.merged))
    for src, src_zone in zip(INSIDE_SRC, (inside, "dmz"), strict=True):
        for dst in DESTINATIONS:
            for protocol in ("tcp", "udp"):
                for port in PORTS:
                    before = _oracle(old, src_zone, outside, protocol, src, dst, port)
                    after = _oracle(merged, src_zone, outside, protocol, src, dst, port)
                    packet = (src_zone, protocol, src, dst, port)
                    if before:
                        assert after, ("lost", packet)
                    if _required(protocol, src, dst, port):
                        assert after, ("still denied", packet)
                    elif after:
                        assert before, ("newly permitted", packet)
    assert _state(_rolled_back(text, result)) == _state(text)


def test_set_editor_adds_after_a_value_that_runs_over_lines() -> None:
    text = (
        "set rulebase security rules a from x to y action allow\n"
        'set rulebase security rules a description "one\n'
        'two"\n'
        "set address z ip-netmask 1.1.1.1\n"
    )
    editor = PanosSetText(text)
    editor.apply("set rulebase security rules a source 1.2.3.4\nset address w ip-netmask 2.2.2.2")
    assert editor.text().splitlines()[2:] == [
        'two"',
        "set rulebase security rules a source 1.2.3.4",
        "set address z ip-netmask 1.1.1.1",
        "set address w ip-netmask 2.2.2.2",
    ]
