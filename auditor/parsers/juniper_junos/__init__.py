"""Parser for Juniper Junos configurations (``juniper_junos``): SRX flow mode and MX/EX filters.

Parse stage of the pipeline: ``parse(text, filename)`` turns ``show configuration`` text (the
curly-brace hierarchy, the ``| display set`` form, or a mix) into the vendor-neutral
``ConfigModel`` with a diagnostic for every line it could not use; ``looks_like(text)`` is
the cheap content test behind ``--platform auto``.

Modules: ``statements`` (both formats to flat statements with file lines), ``groups``
(``apply-groups``), ``readers`` (statements into the draft), ``draft`` (state), ``tables``
and ``values`` (names and values), ``objects`` (address books, applications), ``policies``
(zones and security policies), ``filters`` (firewall filters), ``nat``, ``alg``, ``ignored``
(known-and-ignored hierarchies) and ``parser`` (the model).
"""

from __future__ import annotations

import re

from auditor.parsers.juniper_junos.parser import parse, parse_with_dispositions

__all__ = ["DETECTION_RULE", "looks_like", "parse", "parse_with_dispositions"]

# Statements only Junos has: logical units and `family inet` under interfaces, SRX zones
# and policies, firewall filter terms, policy-options/routing-options, and the brace form's
# `version X;` and commit banner. VyOS shares `set interfaces`/`set firewall` but never
# `unit N` or `family inet`.
_SET_FORM = re.compile(
    r"^(set|deactivate) (interfaces \S+ unit \d+|security (zones|policies|nat|address-book|alg|screen|ike) |"
    r"firewall (family inet6? )?filter \S+ term |policy-options |routing-options |applications application)",
    re.M,
)
_BRACE_FORM = re.compile(
    r"^(version \d+\.\S*;|## Last commit: )|^\s+(family inet6? \{|unit \d+ \{|security-zone \S+ \{|"
    r"from-zone \S+ to-zone \S+ \{|term \S+ \{|(replace: |inactive: )?(filter \S+|address-book) \{)",
    re.M,
)

DETECTION_RULE = (
    "Junos statements: 'set interfaces X unit N', 'set security zones|policies|nat ...', "
    "'set firewall ... filter F term T', policy-options/routing-options, or the brace form's "
    "'version X;', 'family inet {', 'unit N {', 'security-zone Z {', 'term T {'"
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like a Junos configuration.

    Examples:
        >>> looks_like("set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n")
        True
        >>> looks_like("set interfaces ethernet eth0 address 10.0.0.1/24\n")
        False
    """
    sample = text[:200_000]
    return _SET_FORM.search(sample) is not None or _BRACE_FORM.search(sample) is not None
