"""Where each platform writes its secrets: one table of patterns per syntax.

Like the parsers, this module is vendor syntax on purpose; nothing else in the archive
knows it. Every pattern has one named group ``v``: the secret value, which is replaced
and nothing else (the keywords, the quotes, the line stay). A value may be quoted; the
quotes are kept. Netconan's own patterns run beside these (``upstream.py``); these cover
what it misses and the platforms it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from auditor.redact.sections import BraceBlocks, ConfigEnd, IndentParent, NoSections, SlashMenu, Tracker

# Kinds of secret, as the archive index and the report name them.
API_TOKEN = "api-token"
AUTH_KEY = "auth-key"
FLAGGED_LINE = "flagged-line"
PASSWORD = "password"
PASSWORD_HASH = "password-hash"
PRE_SHARED_KEY = "pre-shared-key"
PRIVATE_KEY = "private-key"
SNMP_COMMUNITY = "snmp-community"

# A value: quoted (kept quoted) or one word; never a brace, semicolon or XML bracket.
_VAL = r"""(?P<v>"[^"]*"|'[^']*'|[^\s;"'{}<>]+)"""
# IOS-like values are whitespace-delimited: any other character may be part of a secret.
_WORD = r"""(?P<v>"[^"]*"|\S+)"""
# RouterOS: quoted with backslash escapes, or unquoted up to whitespace.
_RO_VAL = r'(?P<v>"(?:[^"\\]|\\.)*"|[^\s"]+)'
# Words that follow ``password``/``secret`` in commands that hold no secret.
# A secret may begin with one of these words, so only the whole word (then a blank) counts.
_NOT_A_SECRET = (
    r"(?!(?:encryption|required|ignore|expires|policy|strength-check|lifetime|minimum|maximum|"
    r"min-length|prompt|history|reuse|complexity|hash|aes)(?:\s|$))"
)


# Every rule below (and in any table added here) needs one of these in the line, lowercased;
# a line with none is skipped without running the patterns (most of a config: ACLs, routes).
TRIGGERS = (
    "pass",
    "secret",
    "key",
    "communit",
    "snmp",
    "psk",
    "pre-share",
    "auth",
    "$",
    "token",
    "bearer",
    "://",
    "-aq==",
    "lufrpt",
    "gh",
    "glpat-",
    "xox",
    "akia",
    "eyj",
    "pwd",
    "hash",
    "enc ",
    "name",
    "private",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One place a secret is written: its kind, the pattern, and the section it needs."""

    kind: str
    pattern: re.Pattern[str]
    section: re.Pattern[str] | None = None


def _rule(kind: str, pattern: str, section: str | None = None) -> Rule:
    return Rule(kind, re.compile(pattern), re.compile(section) if section else None)


# Any platform: hashes in crypt(3) and vendor forms, well-known token formats, and
# ``key=value`` / ``key: value`` secrets in comments and descriptions.
COMMON: tuple[Rule, ...] = (
    _rule(
        PASSWORD_HASH,
        r"""(?<![\w$])(?P<v>\$(?:1|2[aby]?|5|6|7|8|9|y|sha512|sha256|pbkdf2)\$[^\s"';<>{}]+)""",
    ),
    _rule(
        API_TOKEN,
        r"\b(?P<v>gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,}|glpat-[\w-]{20,}"
        r"|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"
        r"|LUFRPT[A-Za-z0-9+/=]{10,})",
    ),
    _rule(API_TOKEN, r"(?i)\bbearer\s+(?P<v>[\w.~+/-]{12,}=*)"),
    _rule(PASSWORD, r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@]+:(?P<v>[^\s/@]+)@"),  # user:password@ in URLs
    _rule(
        API_TOKEN,
        r"""(?i)\b(?:api[-_]?key|api[-_]?token|access[-_]?token|auth[-_]?token|token|secret|password"""
        r"""|passwd|pwd|psk)\s*[=:]\s*(?P<v>"[^"]*"|'[^']*'|[^\s"',;}\]]+)""",
    ),
)

# IOS, IOS-XE, NX-OS, EOS and ASA share the shape of these commands.
CISCO_LIKE: tuple[Rule, ...] = (
    # IOS reads a clear-text (type 0) password to the end of the line: it may hold blanks.
    _rule(PASSWORD, r"\b(?:password|secret) 0 (?P<v>\S(?:.*\S)?)"),
    _rule(
        PASSWORD,
        r"\b(?:password|passwd|secret)(?: (?:level \d+|\d{1,2}|sha512|sha256|pbkdf2|md5|encrypted|"
        r"cleartext|clear))* " + _NOT_A_SECRET + _WORD,
    ),
    _rule(AUTH_KEY, r"^\s*(?:tacacs-server|radius-server)\b.*?\bkey(?: \d)? " + _WORD),
    _rule(
        AUTH_KEY,
        r"^\s+key(?: \d)? " + _WORD + r"\s*$",
        section=r"^(?:tacacs server|radius server|aaa-server|radius-server host|tacacs-server host)\b",
    ),
    _rule(AUTH_KEY, r"\bserver-private\b.*?\bkey(?: \d)? " + _WORD),
    _rule(PRE_SHARED_KEY, r"\b(?:crypto )?isakmp key(?: \d)? " + _WORD),
    _rule(PRE_SHARED_KEY, r"\bpre-shared-key(?: address \S+(?: \S+)?| hostname \S+) key(?: \d)? " + _WORD),
    _rule(
        PRE_SHARED_KEY,
        r"\bpre-shared-key(?: \d| hex| hexadecimal| ascii-text)? (?!(?:address|hostname)\b)" + _WORD,
    ),
    _rule(PRE_SHARED_KEY, r"\bpre-share key(?: \d)? " + _WORD),
    _rule(PRE_SHARED_KEY, r"\bwpa-psk (?:ascii|hex)(?: \d)? " + _WORD),
    _rule(AUTH_KEY, r"\bfailover key(?: hex)? " + _WORD),
    _rule(AUTH_KEY, r"\bkey-string(?: \d)? " + _WORD),
    _rule(AUTH_KEY, r"\bauthentication-key(?: \d+ (?:md5|sha\d*))?(?: \d)? " + _WORD),
    _rule(AUTH_KEY, r"\bmessage-digest-key \d+ md5(?: \d)? " + _WORD),
    _rule(AUTH_KEY, r"\bauthentication text " + _WORD),
    _rule(AUTH_KEY, r"\bnhrp authentication " + _WORD),
    _rule(SNMP_COMMUNITY, r"\bsnmp-server community(?: [08])? " + _WORD),
    _rule(SNMP_COMMUNITY, r"\bsnmp-server host\b.*?\bcommunity(?: [08])? " + _WORD),
    _rule(
        SNMP_COMMUNITY,
        r"\bsnmp-server host (?:\S+ )?[\d.:a-fA-F]+(?: (?:informs|traps|vrf \S+|version (?:1|2c|3 \S+)))* "
        r"(?!(?:community|informs|traps|version|vrf|udp-port|poll|use-vrf|filter-vrf)\b)" + _WORD,
    ),
    _rule(PASSWORD, r"\bsnmp-server user\b.*?\bauth (?:md5|sha\S*) " + _WORD),
    _rule(PASSWORD, r"\bsnmp-server user\b.*?\bpriv(?: (?:3des|des|aes(?:-?\d+)?))?(?: \d+)? " + _WORD),
    _rule(PASSWORD, r"\bldap-login-password " + _WORD),
)

JUNOS: tuple[Rule, ...] = (
    _rule(
        PASSWORD,
        r"\b(?:encrypted-password|plain-text-password-value|simple-password|secret|privacy-key|"
        r"authentication-password|privacy-password|hello-authentication-key|key-string)\s+" + _VAL,
    ),
    _rule(AUTH_KEY, r"\bauthentication-key (?!\d+ (?:type|value)\b)" + _VAL),
    _rule(AUTH_KEY, r"\bauthentication-key \d+ (?:type \S+ )?value " + _VAL),
    _rule(PRE_SHARED_KEY, r"\bpre-shared-key (?:ascii-text|hexadecimal) " + _VAL),
    _rule(AUTH_KEY, r"\bmd5 \d+ key " + _VAL),
    _rule(SNMP_COMMUNITY, r"\bsnmp\b.*?\bcommunity " + _VAL),
    _rule(SNMP_COMMUNITY, r"^\s*community " + _VAL, section=r"(?:^|/)snmp$"),
)

FORTIOS: tuple[Rule, ...] = (
    # An ENC value is one blank-free word, whatever characters it holds.
    _rule(PRE_SHARED_KEY, r"^\s*set psksecret(?:-remote)? ENC (?P<v>\S+)"),
    _rule(PRE_SHARED_KEY, r"^\s*set psksecret(?:-remote)? (?!ENC\b)" + _VAL),
    _rule(PASSWORD, r"^\s*set [\w-]+ ENC (?P<v>\S+)"),
    _rule(
        PASSWORD,
        r"^\s*set (?:[\w-]*?(?:password|passwd|pwd|secret|passphrase|psk)|(?:[\w-]*-)?(?<!public-)key)"
        r'(?:-\d)? (?!ENC\b)(?!"?-----)' + _VAL,
    ),
    _rule(SNMP_COMMUNITY, r"^\s*set name " + _VAL, section=r"^system snmp community$"),
)

PANOS: tuple[Rule, ...] = (
    _rule(
        PASSWORD,
        r"<(?:phash|password-hash|password|secret|authpwd|privpwd|auth-password|priv-password|"
        r"passphrase)>(?P<v>[^<]+)</",
    ),
    _rule(PRE_SHARED_KEY, r"<key>(?P<v>[^<]+)</key>"),
    _rule(API_TOKEN, r"<api-key>(?P<v>[^<]+)</api-key>"),
    _rule(SNMP_COMMUNITY, r"<(?P<t>(?:snmp-)?community-string)>(?P<v>[^<]+)</(?P=t)>"),
    _rule(PASSWORD, r"\b(?:phash|password-hash|authpwd|privpwd|secret) " + _VAL),
    _rule(PRE_SHARED_KEY, r"\bpre-shared-key key " + _VAL),
    _rule(SNMP_COMMUNITY, r"\b(?:snmp-)?community-string " + _VAL),
    # PAN-OS writes encrypted values with this prefix wherever they sit.
    _rule(PRE_SHARED_KEY, r"(?P<v>-AQ==[A-Za-z0-9+/=]+)"),
)

ROUTEROS: tuple[Rule, ...] = (
    _rule(
        PRE_SHARED_KEY,
        r"\b(?:wpa-pre-shared-key|wpa2-pre-shared-key|wpa3-pre-shared-key|pre-shared-key|preshared-key)="
        + _RO_VAL,
    ),
    _rule(
        PASSWORD,
        r"\b(?:password|secret|authentication-password|encryption-password|passphrase)=" + _RO_VAL,
    ),
    _rule(AUTH_KEY, r"\bauthentication-key=" + _RO_VAL),
    _rule(PRIVATE_KEY, r"\bprivate-key=" + _RO_VAL),
    _rule(SNMP_COMMUNITY, r"\bname=" + _RO_VAL, section=r"^/snmp community\b"),
)

VYOS: tuple[Rule, ...] = (
    _rule(
        PASSWORD,
        r"\b(?:encrypted-password|plaintext-password|password|secret|pre-shared-secret|md5-key|"
        r"preshared-key)\s+" + _VAL,
    ),
    _rule(PRIVATE_KEY, r"\bprivate(?:-key| key)\s+" + _VAL),
    _rule(SNMP_COMMUNITY, r"\bsnmp community " + _VAL),
    _rule(SNMP_COMMUNITY, r"^\s*community " + _VAL, section=r"(?:^|/)snmp$"),
)

# Where netconan's patterns (written for IOS-like, Junos, FortiOS and VyOS syntax) run too.
# On RouterOS's key=value lines, PAN-OS XML and netfilter they find nothing the rules above
# miss and misfire (``password=x use-peer-dns=yes`` loses its next option; a ``$1$`` hash
# pattern runs on into ``</phash>``), so they are left out there.
NETCONAN_SYNTAXES = frozenset({"cisco", "junos", "fortios", "vyos"})

# One entry per syntax: how to track sections, and the rules. Platforms map to entries.
Syntax = tuple[Callable[[], Tracker], tuple[Rule, ...]]
SYNTAXES: dict[str, Syntax] = {
    "cisco": (IndentParent, CISCO_LIKE),
    "junos": (BraceBlocks, JUNOS),
    "fortios": (ConfigEnd, FORTIOS),
    "panos": (NoSections, PANOS),
    "routeros": (SlashMenu, ROUTEROS),
    "vyos": (BraceBlocks, VYOS),
    "flat": (NoSections, ()),
}
PLATFORM_SYNTAX: dict[str, str] = {
    "cisco_ios": "cisco",
    "cisco_xe": "cisco",
    "cisco_asa": "cisco",
    "cisco_nxos": "cisco",
    "arista_eos": "cisco",
    "juniper_junos": "junos",
    "fortinet": "fortios",
    "paloalto_panos": "panos",
    "mikrotik_routeros": "routeros",
    "vyos": "vyos",
    "ubiquiti_edge": "vyos",
    "linux": "flat",
}


def syntaxes_for(platform: str | None) -> list[Syntax]:
    """Return the syntaxes to apply: the platform's, or every one when it is not known."""
    name = PLATFORM_SYNTAX.get(platform or "")
    if name is None:
        return list(SYNTAXES.values())
    return [SYNTAXES[name]]


# Comments a platform prints on every line that holds a secret: such a line is never kept as
# it is, even when no rule knows its form (Junos marks them ``## SECRET-DATA``).
SECRET_MARKERS: dict[str, tuple[str, ...]] = {"junos": ("## SECRET-DATA",)}


def secret_markers(platform: str | None) -> tuple[str, ...]:
    """Return the secret-line markers of the platform (all of them when it is unknown)."""
    name = PLATFORM_SYNTAX.get(platform or "")
    if name is None:
        return tuple(m for markers in SECRET_MARKERS.values() for m in markers)
    return SECRET_MARKERS.get(name, ())


def netconan_applies(platform: str | None) -> bool:
    """Whether netconan's patterns run on this platform's configs (always, when it is unknown)."""
    name = PLATFORM_SYNTAX.get(platform or "")
    return name is None or name in NETCONAN_SYNTAXES
