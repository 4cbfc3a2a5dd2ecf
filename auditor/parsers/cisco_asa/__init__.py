"""Parser for Cisco ASA configurations (``cisco_asa``).

Parse stage of the pipeline: ``parse(text, filename)`` turns ``show running-config`` text
into the vendor-neutral ``ConfigModel`` with a diagnostic for every line it could not use;
``looks_like(text)`` is the cheap content test behind ``--platform auto``.

Modules: ``lines`` (blocks, comments), ``ports`` (keyword tables), ``objects`` (objects,
groups, resolution), ``acl`` (entry grammar), ``interfaces`` (and routes), ``blocks``
(top-level handlers), ``nat``, ``inspect`` (MPF inspection), ``ignored`` (known-and-ignored
commands), ``builder`` (state) and ``parser`` (dispatch, bindings, model).
"""

from __future__ import annotations

import re

from auditor.parsers.cisco_asa.parser import parse, parse_with_dispositions

__all__ = ["looks_like", "parse", "parse_with_dispositions"]

# Lines no IOS configuration has: ASA's version banner, nameif/security-level,
# interface-bound access-groups, object NAT, twice NAT.
_ASA_MARKERS = re.compile(
    r"^(ASA Version \S+|PIX Version \S+|access-group \S+ (in|out) interface \S+|access-group \S+ global|"
    r"object network \S+|same-security-traffic permit |nat \(\S+,\S+\) )"
    r"|^ (nameif \S+|security-level \d+)\s*$",
    re.M,
)
# ACLs named with a type keyword after the name are ASA syntax, but test files mix them into
# IOS configs: they count only when nothing IOS-only is present.
_ASA_ACL = re.compile(r"^access-list \S+ (line \d+ )?(extended|standard|remark) ", re.M)
_IOS_ONLY = re.compile(r"^(ip access-list |ip route |line (con|vty) |ip nat )|^ ip access-group ", re.M)


DETECTION_RULE = (
    "an ASA marker ('ASA Version', nameif/security-level, access-group ... interface|global, "
    "object network, nat (a,b)), or 'access-list X extended' with no IOS-only command"
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like a Cisco ASA configuration.

    Examples:
        >>> looks_like("ASA Version 9.8(2)\\nhostname fw\\n")
        True
        >>> looks_like("hostname r1\\ninterface GigabitEthernet0/1\\n ip address 10.0.0.1 255.0.0.0\\n")
        False
    """
    sample = text[:200_000]
    if _ASA_MARKERS.search(sample):
        return True
    return _ASA_ACL.search(sample) is not None and _IOS_ONLY.search(sample) is None
