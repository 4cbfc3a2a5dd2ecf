"""Linux remediation (iptables-save and nft): golden text per failing ruleset, proof by re-audit.

The cases are the real-kernel rulesets of ``tests/netns`` (audited with the netns test's inside
network) and small rulesets below for what those do not exercise: a SIP conntrack helper, a
port mapping, a user chain called from two places, each in both syntaxes. Each
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
from auditor.remediation.merge import IptablesText, MergeError, NftText
from auditor.remediation.nft import chains_of
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

NFT_SIP_HELPER = """table inet fw {
  ct helper sip-5060 {
    type "sip" protocol udp
    l3proto ip
  }
  chain pre {
    type filter hook prerouting priority filter; policy accept;
    iifname "lan0" udp dport 5060 ct helper set "sip-5060"
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
  }
}
table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "wan0" masquerade
  }
}
"""

NFT_PORT_MAPPING = """table ip nat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "wan0" tcp dport 2222 dnat to 10.77.1.9:22
    iifname "wan0" udp dport 16384-16402 dnat to 10.77.1.5
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade
  }
}
table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "wan0" oifname "lan0" ip daddr 10.77.1.5 udp dport 16384-16402 accept
    iifname "lan0" oifname "wan0" tcp dport { 80, 443 } accept
    iifname "lan0" oifname "wan0" meta l4proto udp accept
  }
}
"""

# logdrop is jumped to from two rules: the permit goes before the jump, not into the shared chain.
NFT_SHARED_CHAIN = """table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "wan0" masquerade
  }
}
table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 23 jump logdrop
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname "lan0" oifname "wan0" udp dport 3000-3500 jump logdrop
    iifname "lan0" oifname "wan0" tcp dport 5223 reject with tcp reset
    iifname "lan0" oifname "wan0" accept
  }
  chain logdrop {
    log prefix "dropped: "
    drop
  }
}
"""

# Written by hand: the chain header shares its line with the opening brace, a set spans lines,
# and an untouched chain sits on one line.
NFT_HAND_WRITTEN = """table inet filter {
  chain forward { type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" tcp dport {
      80, 443 } accept
  }
  chain input { type filter hook input priority 0; policy accept; }
}
table ip nat {
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    oifname "wan0" masquerade
  }
}
"""

OWN = {
    "sip_helper": SIP_HELPER,
    "port_mapping": PORT_MAPPING,
    "shared_chain": SHARED_CHAIN,
    "nft_sip_helper": NFT_SIP_HELPER,
    "nft_port_mapping": NFT_PORT_MAPPING,
    "nft_shared_chain": NFT_SHARED_CHAIN,
    "nft_hand_written": NFT_HAND_WRITTEN,
}
CASES: dict[str, tuple[str, dict[str, list[str]]]] = {
    p.stem: (p.read_text(), ROLES if p.stem == "ipt_no_roles" else {})
    for p in sorted([*(ROOT / "netns").glob("ipt_*.rules"), *(ROOT / "netns").glob("nft_*.nft")])
}
CASES.update({name: (text, {}) for name, text in OWN.items()})
NOT_VERIFIED = {}


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
    if name.startswith("nft"):  # rewritten chains come back with their rules, one per line
        editor: IptablesText | NftText = NftText(result.merged)
        editor.apply(result.rollback)
        assert rules_of(editor.text()) == rules_of(text)
        assert rules_of(result.merged) != rules_of(text)
    else:
        editor = IptablesText(result.merged)
        editor.apply(result.rollback)
        assert editor.text() == text


def rules_of(text: str) -> dict[str, list[str]]:
    """Return each nft chain's rules as text, and its header (type, hook, policy)."""
    return {
        name: [rule for _, rule in chain.rules] + [str(chain.hook)] for name, chain in chains_of(text).items()
    }


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


def test_nft_merge_rewrites_chains_as_nft_would() -> None:
    editor = NftText(NFT_HAND_WRITTEN)
    editor.apply(
        "flush chain inet filter input\n"
        "table inet filter {\n chain input {\n  tcp dport 22 accept\n }\n}\n"
        "table inet filter {\n chain forward {\n  udp dport 53 accept\n }\n}\n"  # no flush: appended
    )
    chains = chains_of(editor.text())
    assert [rule for _, rule in chains["inet filter/input"].rules] == ["tcp dport 22 accept"]
    assert chains["inet filter/input"].hook == "input"
    forward = [rule for _, rule in chains["inet filter/forward"].rules]
    assert forward[0] == "ct state established , related accept" and forward[-1] == "udp dport 53 accept"
    assert len(forward) == 3
    with pytest.raises(MergeError, match="no chain"):
        editor.apply("flush chain inet filter nosuch\n")
    with pytest.raises(MergeError, match="header"):
        editor.apply("table inet filter {\n chain input {\n  policy drop\n }\n}\n")
    with pytest.raises(MergeError, match="not understood"):
        editor.apply("delete rule inet filter input handle 4\n")
