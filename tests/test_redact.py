"""Redaction: every planted secret gone, every line kept, every other byte unchanged.

Each platform has a realistic config under tests/redact/ with its secrets planted in every
form the platform writes them; ``<name>.secrets`` lists them, one a line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from auditor.redact import MARK, redact

FIXTURES = Path(__file__).resolve().parent / "redact"
CONFIGS = sorted(FIXTURES.glob("*.conf"))


def platform_of(conf: Path) -> str:
    return conf.stem.split("__")[0]


def planted(conf: Path) -> list[str]:
    return [s for s in conf.with_suffix(".secrets").read_text(encoding="utf-8").split("\n") if s]


@pytest.mark.parametrize("conf", CONFIGS, ids=lambda p: p.stem)
def test_every_planted_secret_is_gone_and_nothing_else_moves(conf: Path) -> None:
    text = conf.read_text(encoding="utf-8")
    secrets = planted(conf)
    assert all(s in text for s in secrets), "a .secrets entry is not in its config"
    result = redact(text, platform_of(conf))
    assert [s for s in secrets if s in result.text] == []
    before, after = text.split("\n"), result.text.split("\n")
    assert len(after) == len(before)
    holding = {n for n, line in enumerate(before, start=1) if any(s in line for s in secrets)}
    for number, (old, new) in enumerate(zip(before, after, strict=True), start=1):
        if number not in holding:
            assert new == old, f"line {number} holds no secret but changed"
        else:
            # only the secret values changed: the rest of the line matches byte for byte
            pattern = ".+?".join(re.escape(part) for part in new.split(MARK))
            assert MARK in new and re.fullmatch(pattern, old, re.DOTALL), (old, new)
    assert set(result.lines) == holding
    assert result.count >= 1 and result.kinds
    assert redact(result.text, platform_of(conf)).text == result.text  # stable: the archive re-reads


def test_kinds_name_what_was_replaced() -> None:
    result = redact((FIXTURES / "cisco_ios.conf").read_text(), "cisco_ios")
    assert {"password", "snmp-community", "pre-shared-key", "auth-key"} <= set(result.kinds)
    fortinet = redact((FIXTURES / "fortinet.conf").read_text(), "fortinet")
    assert "private-key" in fortinet.kinds


def test_a_private_key_is_replaced_line_by_line_and_counted_once() -> None:
    text = (
        'set private-key "-----BEGIN ENCRYPTED PRIVATE KEY-----\n'
        "MIIBxTBfBgkqhkiG9w0BBQ0wUjAxBgkqhkiG9w0BBQwwJAQQ\n"
        "AbCdEfGh0123456789\n"
        '-----END ENCRYPTED PRIVATE KEY-----"\n'
        "set certificate x\n"
    )
    result = redact(text, "fortinet")
    assert result.text.split("\n") == [
        'set private-key "-----BEGIN ENCRYPTED PRIVATE KEY-----',
        MARK,
        MARK,
        '-----END ENCRYPTED PRIVATE KEY-----"',
        "set certificate x",
        "",
    ]
    assert result.count == 1 and result.kinds == ("private-key",)


def test_an_unterminated_private_key_is_redacted_to_the_end() -> None:
    text = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\nBBBB"
    assert redact(text, "linux").text == f"-----BEGIN RSA PRIVATE KEY-----\n{MARK}\n{MARK}"


def test_certificates_and_public_keys_are_not_secrets() -> None:
    text = "-----BEGIN CERTIFICATE-----\nMIIDXTCCAkWgAwIBAgIJ\n-----END CERTIFICATE-----\n"
    assert redact(text, "fortinet").text == text


@pytest.mark.parametrize(
    ("platform", "line"),
    [
        ("cisco_ios", "key chain OSPF-KEYS"),
        ("cisco_ios", " key 1"),  # a key chain's key id
        ("cisco_ios", "password encryption aes"),
        ("cisco_ios", "crypto key generate rsa modulus 2048"),
        ("cisco_ios", "service password-encryption"),
        ("cisco_ios", "access-list 101 permit udp any any eq snmp"),
        ("cisco_asa", "access-list OUT extended permit tcp any any eq https"),
        ("fortinet", '    set name "lan-to-apple"'),  # a name outside the SNMP community table
        ("mikrotik_routeros", "add name=wg0 listen-port=13231"),  # name= outside /snmp community
        ("juniper_junos", "set policy-options community CUST members 65000:100"),
        ("linux", "-A FORWARD -p tcp --dport 443 -m comment --comment \"apple push\" -j ACCEPT"),
        ("cisco_nxos", "no password strength-check"),  # netconan alone takes the keyword for a value
    ],
)
def test_look_alike_lines_that_hold_no_secret_stay(platform: str, line: str) -> None:
    assert redact(line, platform).text == line


@pytest.mark.parametrize(
    ("platform", "line", "expected"),
    [
        # netconan's $1$ pattern alone would swallow the closing tag
        ("paloalto_panos", "<phash>$1$vbxm$3DpWw/eU1C7S</phash>", f"<phash>{MARK}</phash>"),
        # netconan alone would take the option after a RouterOS password for the password
        ("mikrotik_routeros", "add name=pppoe-out1 password=pw1 use-peer-dns=yes",
         f"add name=pppoe-out1 password={MARK} use-peer-dns=yes"),
        ("juniper_junos", 'archive-sites "ftp://ops:Horse9@203.0.113.10/b/";',
         f'archive-sites "ftp://ops:{MARK}@203.0.113.10/b/";'),
        ("cisco_nxos", "username admin password 5 <redacted_config>  role network-admin",
         f"username admin password 5 {MARK}  role network-admin"),
        ("cisco_asa", "failover key hex 0a1b2c3d4e5f", f"failover key hex {MARK}"),
    ],
)
def test_only_the_value_is_replaced(platform: str, line: str, expected: str) -> None:
    assert redact(line, platform).text == expected


def test_a_line_netconan_flags_but_no_rule_places_loses_all_but_its_first_word() -> None:
    # netconan knows this line holds a secret but not where; no Junos rule knows the form
    result = redact("wpa-psk hex 0 ABCDEF012345", "juniper_junos")
    assert result.text == f"wpa-psk {MARK}" and result.kinds == ("flagged-line",)


def test_a_line_junos_marks_secret_is_redacted_even_in_a_form_no_rule_knows() -> None:
    line = '            shared-knob-of-2031 "Pl4inTextValue"; ## SECRET-DATA'
    assert redact(line, "juniper_junos").text == f"            shared-knob-of-2031 {MARK}; ## SECRET-DATA"


def test_context_decides_when_a_name_is_a_community() -> None:
    fortinet = "config system snmp community\n    edit 1\n        set name \"c0mm\"\n    next\nend\n"
    assert '"c0mm"' not in redact(fortinet, "fortinet").text
    routeros = "/snmp community\nadd addresses=10.0.0.0/8 name=c0mm\n/interface bridge\nadd name=br0\n"
    out = redact(routeros, "mikrotik_routeros").text
    assert "name=c0mm" not in out and "add name=br0" in out
    junos = "snmp {\n    community c0mm {\n        authorization read-only;\n    }\n}\n"
    assert "c0mm" not in redact(junos, "juniper_junos").text


def test_quotes_and_line_endings_are_kept() -> None:
    text = 'set system login user a authentication encrypted-password "$6$x$y"\r\nset x\r\n'
    out = redact(text, "juniper_junos").text
    assert out == f'set system login user a authentication encrypted-password "{MARK}"\r\nset x\r\n'


def test_an_unknown_platform_gets_every_platforms_rules() -> None:
    text = "snmp-server community c0mm RO\nset psksecret ENC abc\n/user add name=u password=p4ss\n"
    out = redact(text, None).text
    assert "c0mm" not in out and "abc" not in out and "p4ss" not in out


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300), st.sampled_from(
    ["cisco_ios", "juniper_junos", "fortinet", "mikrotik_routeros", "paloalto_panos", "linux", None]
))
def test_lines_are_never_added_or_lost_and_redaction_is_stable(text: str, platform: str | None) -> None:
    once = redact(text, platform)
    assert once.text.count("\n") == text.count("\n")
    assert len(once.text.splitlines()) == len(text.splitlines())
    assert redact(once.text, platform).text == once.text


# Every form of every platform, with the value left open; hypothesis fills in random secrets.
WORD = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=6, max_size=24)
QUOTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters='"\\'),
                   min_size=6, max_size=24).filter(lambda s: s.strip() == s)
# Unquoted in brace and set syntaxes: the OS quotes a value holding any of these.
PLAIN = WORD.filter(lambda s: not any(c in s for c in ";\"'{}<>"))
XML_TEXT = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="<&"),
                   min_size=6, max_size=24)
FORMS: list[tuple[str, str, st.SearchStrategy[str]]] = [
    ("cisco_ios", "enable secret 9 $9${}", WORD),
    ("cisco_ios", "username u privilege 15 password 0 {}", QUOTABLE),
    ("cisco_ios", "snmp-server community {} RO 10", WORD),
    ("cisco_ios", "crypto isakmp key {} address 203.0.113.9", WORD),
    ("cisco_ios", " pre-shared-key address 198.51.100.0 255.255.255.0 key {}", WORD),
    ("cisco_ios", "  key-string 7 {}", WORD),
    ("cisco_ios", " ip ospf message-digest-key 1 md5 {}", WORD),
    ("cisco_ios", "snmp-server user m g v3 auth sha {} priv aes 128 x", WORD),
    ("cisco_asa", "enable password {} encrypted", WORD),
    ("cisco_asa", " ikev1 pre-shared-key {}", WORD),
    ("cisco_asa", "failover key {}", WORD),
    ("cisco_asa", "snmp-server host inside 10.1.5.9 community {} version 2c", WORD),
    ("cisco_nxos", 'tacacs-server key 7 "{}"', QUOTABLE),
    ("arista_eos", "   neighbor 10.0.0.1 password 7 {}", WORD),
    ("juniper_junos", 'set system root-authentication encrypted-password "{}"', QUOTABLE),
    ("juniper_junos", '            pre-shared-key ascii-text "{}"; ## SECRET-DATA', QUOTABLE),
    ("juniper_junos", '    authentication-key "{}"; ## SECRET-DATA', QUOTABLE),
    ("juniper_junos", '        secret "{}"; ## SECRET-DATA', QUOTABLE),
    ("fortinet", "        set password ENC {}", WORD),
    ("fortinet", '        set psksecret "{}"', QUOTABLE),
    ("fortinet", "        set passwd ENC {}", WORD),
    ("paloalto_panos", "        <phash>{}</phash>", XML_TEXT),
    ("paloalto_panos", "                  <key>{}</key>", XML_TEXT),
    ("paloalto_panos", "set mgt-config users admin phash {}", PLAIN),
    ("mikrotik_routeros", 'add name=office wpa2-pre-shared-key="{}"', QUOTABLE),
    ("mikrotik_routeros", "add peer=hq secret={}", WORD.filter(lambda s: '"' not in s)),
    ("mikrotik_routeros", "add area=backbone authentication-key={} interfaces=ether2",
     WORD.filter(lambda s: '"' not in s)),
    ("vyos", "set vpn ipsec authentication psk HQ secret '{}'", QUOTABLE.filter(lambda s: "'" not in s)),
    ("linux", '-A INPUT -m comment --comment "api_key={}" -j ACCEPT',
     WORD.filter(lambda s: not any(c in s for c in "\"',;}]"))),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(FORMS).flatmap(lambda form: st.tuples(st.just(form), form[2])))
def test_random_secrets_in_every_form_are_replaced(case: tuple[tuple[str, str, object], str]) -> None:
    (platform, template, _), secret = case
    line = template.format(secret)
    assume(secret not in template.replace("{}", ""))
    out = redact(line, platform).text
    assert secret not in out, (line, out)
    assert MARK in out
