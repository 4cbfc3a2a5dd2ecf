"""Linux (iptables-save) remediation: golden text per failing ruleset, proof by re-audit.

The cases are the real-kernel rulesets of ``tests/netns`` (audited with the netns test's inside
network) and small rulesets below for what those do not exercise: a SIP conntrack helper, a
port mapping, a user chain called from two places, and nft text (no remediation yet). Each
case's change and rollback must equal ``tests/remediation/linux/<case>.txt``; a case is
verified unless ``NOT_VERIFIED`` gives a word of the reason that must be given instead.
``tests/test_linux_netns.py`` loads a merged ruleset into a kernel and sends the packets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import engine, parsers, policy
from auditor.model import Platform, Status
from auditor.remediation import DeviceRemediation, remediate
from auditor.remediation.merge import IptablesText, MergeError
from tests.golden import check_golden

ROOT = Path(__file__).parent
PACK = policy.resolve("apple-facetime-imessage")
INSIDE = ["10.77.1.0/24"]
ROLES = {"inside_interfaces": ["lan0"], "outside_interfaces": ["wan0"]}

SIP_HELPER = """*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -i lan0 -p tcp -m tcp --dport 5060 -j CT --helper sip
-A PREROUTING -i lan0 -p udp -m udp --dport 5060 -j CT --helper sip
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o wan0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i lan0 -o wan0 -j ACCEPT
COMMIT
"""

PORT_MAPPING = """*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i wan0 -p tcp -m tcp --dport 2222 -j DNAT --to-destination 10.77.1.9:22
-A PREROUTING -i wan0 -p udp -m udp --dport 16384:16402 -j DNAT --to-destination 10.77.1.5
-A POSTROUTING -o wan0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -i wan0 -o lan0 -d 10.77.1.5/32 -p udp -m udp --dport 16384:16402 -j ACCEPT
-A FORWARD -i lan0 -o wan0 -p tcp -m multiport --dports 80,443 -j ACCEPT
-A FORWARD -i lan0 -o wan0 -p udp -j ACCEPT
COMMIT
"""

# LOGDROP is jumped to from two rules: the permit goes before the jump, not into the shared chain.
SHARED_CHAIN = """*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o wan0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:LOGDROP - [0:0]
-A INPUT -p tcp -m tcp --dport 23 -j LOGDROP
-A FORWARD -i lan0 -o wan0 -p udp -m udp --dport 3000:3500 -j LOGDROP
-A FORWARD -i lan0 -o wan0 -p tcp -m tcp --dport 5223 -j REJECT --reject-with tcp-reset
-A FORWARD -i lan0 -o wan0 -j ACCEPT
-A LOGDROP -j LOG --log-prefix "dropped: "
-A LOGDROP -j DROP
COMMIT
"""

NFT = """table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    iifname "lan0" oifname "wan0" tcp dport { 80, 443 } accept
  }
}
table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "wan0" masquerade
  }
}
"""

OWN = {"sip_helper": SIP_HELPER, "port_mapping": PORT_MAPPING, "shared_chain": SHARED_CHAIN, "nft": NFT}
CASES: dict[str, tuple[str, dict[str, list[str]]]] = {
    p.stem: (p.read_text(), ROLES if p.stem == "ipt_no_roles" else {})
    for p in sorted((ROOT / "netns").glob("ipt_*.rules"))
}
CASES.update({name: (text, {}) for name, text in OWN.items()})
NOT_VERIFIED = {
    "ipt_raw_state": "NOTRACK",  # untracked packets: the plan reasons about NEW connections only
    "nft": "not written yet",
}


def run(
    text: str, name: str, roles: dict[str, list[str]] | None = None
) -> tuple[DeviceRemediation, list[str]]:
    """Audit and remediate ``text`` with the netns test's inside network."""
    options = engine.AuditOptions(inside_networks=INSIDE, **(roles or {}))
    model = parsers.parse(Platform.LINUX, text, name).model
    findings = engine.audit(model, PACK, options)
    failing = [f.check for f in findings if f.status not in (Status.PASS, Status.NOT_APPLICABLE)]
    return remediate(Platform.LINUX, text, name, findings, [PACK], options), failing


def _golden_text(result: DeviceRemediation) -> str:
    parts = [result.config, "# --- rollback ---\n", result.rollback]
    parts.append(f"# --- verified: {str(result.verified).lower()}\n")
    if not result.verified:
        parts.append(f"# --- reason: {result.reason}\n")
    return "".join(parts)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_linux(name: str, update_golden: bool) -> None:
    text, roles = CASES[name]
    result, failing = run(text, name, roles)
    assert failing, f"{name} should fail a check"
    if name in NOT_VERIFIED:
        assert not result.verified
        assert NOT_VERIFIED[name] in result.reason, result.reason
    else:
        assert result.verified, result.reason
        assert set(result.per_check) == set(failing)
    check_golden(ROOT / "remediation" / "linux" / f"{name}.txt", _golden_text(result), update_golden)


@pytest.mark.parametrize("name", sorted(n for n in CASES if n not in NOT_VERIFIED))
def test_rollback_restores_the_rules(name: str) -> None:
    text, roles = CASES[name]
    result, _ = run(text, name, roles)
    editor = IptablesText(result.merged)
    editor.apply(result.rollback)
    assert editor.text() == text


def test_port_mapping_says_what_stops() -> None:
    result, _ = run(PORT_MAPPING, "port_mapping")
    assert "# stops inbound UDP 16384-16402" in result.config
    assert "--dport 2222" not in result.config  # maps no required port: left alone


def test_merge_inserts_appends_and_deletes() -> None:
    editor = IptablesText(SHARED_CHAIN)
    editor.apply(
        "iptables -I FORWARD 2 -p udp -j ACCEPT\n"
        "iptables -t filter -A LOGDROP -j RETURN\n"
        "iptables -D FORWARD -i lan0 -o wan0 -j ACCEPT\n"
        "iptables -t nat -A PREROUTING -p tcp -j ACCEPT\n"
    )
    lines = editor.text().splitlines()
    forward = [x for x in lines if x.startswith("-A FORWARD")]
    assert forward[1] == "-A FORWARD -p udp -j ACCEPT" and len(forward) == 3
    assert lines[lines.index('-A LOGDROP -j LOG --log-prefix "dropped: "') + 2] == "-A LOGDROP -j RETURN"
    # an empty chain's first rule goes before the rules of the chains declared after it
    assert lines[lines.index("-A PREROUTING -p tcp -j ACCEPT") + 1] == "-A POSTROUTING -o wan0 -j MASQUERADE"
    with pytest.raises(MergeError):
        editor.apply("iptables -D FORWARD -p icmp -j DROP")
    with pytest.raises(MergeError):
        editor.apply("iptables -I FORWARD 9 -p icmp -j DROP")
    with pytest.raises(MergeError):
        editor.apply("iptables -A NOSUCH -j DROP")
