"""Parser for VyOS (``vyos``): ``set`` commands and the ``config.boot`` curly-brace form.

Parse stage of the pipeline: ``parse(text, filename)`` turns ``show configuration
commands`` output or a ``config.boot`` file (1.3 iptables-era or 1.4+ nftables-era
syntax) into the vendor-neutral ``ConfigModel`` with a diagnostic for every line it could
not use; ``looks_like(text)`` is the cheap content test behind ``--platform auto``.

Modules: ``lexer`` (both forms to flat statements with file lines), ``values`` (addresses,
ports, protocols), ``groups`` (firewall groups), ``rules`` (one numbered rule), ``firewall``
(rule sets, defaults, bindings), ``interfaces`` (interfaces and static routes), ``nat``,
``features`` (conntrack helpers, UPnP, the 1.3/1.4+ generation), ``draft`` (state) and
``parser`` (dispatch and the model).
"""

from __future__ import annotations

import re

from auditor.parsers.vyos.parser import parse, parse_with_dispositions

__all__ = ["DETECTION_RULE", "looks_like", "parse", "parse_with_dispositions"]

DETECTION_RULE = (
    "VyOS version comments ('// vyos-config-version:', 'Release version: 1.x', '# Version: VyOS'), "
    "VyOS set commands ('set interfaces ethernet ethN', 'set firewall ipv4|group|name X rule N', "
    "'set nat source|destination rule N'), or a brace tree whose leaves carry no ';'"
)

_VERSION = re.compile(r"vyos-config-version:|Release version:\s*1\.\d|^#\s*Version:\s*VyOS ", re.M)
_SET = re.compile(
    r"^set (interfaces (ethernet|bonding|bridge|loopback|pppoe|wireguard|dummy|vti|openvpn) \S+|"
    r"firewall (ipv4 |global-options |group |name \S+ (rule|default-action) )|"
    r"nat (source|destination) rule \d+|"
    r"system conntrack modules )",
    re.M,
)
_BRACE_TOP = re.compile(r"^(system|interfaces|firewall|service|protocols|nat) \{\s*$", re.M)
_EDGEOS = re.compile(r"ubnt|EdgeRouter|EdgeOS|Release version: v\d|switch0", re.I)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like a VyOS configuration.

    Examples:
        >>> looks_like("set interfaces ethernet eth0 address '192.0.2.1/24'\n")
        True
        >>> looks_like("system {\n    host-name vyos\n}\n")
        True
        >>> looks_like("system {\n    host-name srx;\n}\n")
        False
        >>> looks_like("set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n")
        False
    """
    sample = text[:200_000]
    # A substring test first: the version regex has no literal prefix to scan for.
    hinted = "vyos-config-version:" in sample or "ersion:" in sample
    versioned = hinted and _VERSION.search(sample) is not None
    marked = versioned or _SET.search(sample) is not None
    if not marked and not _BRACE_TOP.search(sample):
        return False  # the common case (another platform's text): two cheap searches
    if _EDGEOS.search(sample):
        return False
    if marked:
        return True
    lines = [line.strip() for line in sample.splitlines()]
    comment = ("/*", "//", "#")
    leaves = [ln for ln in lines if ln and not ln.endswith(("{", "}")) and not ln.startswith(comment)]
    return bool(leaves) and not any(ln.endswith(";") for ln in leaves)
