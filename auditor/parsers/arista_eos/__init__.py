"""Parser for Arista EOS configurations (``arista_eos``).

Parse stage of the pipeline: ``parse(text, filename)`` turns ``show running-config`` text
into the vendor-neutral ``ConfigModel`` with a diagnostic for every line it could not use;
``looks_like(text)`` is the cheap content test behind ``--platform auto``.

EOS syntax is IOS-like, so the IOS line, ACL-entry and builder types are reused; modules
here hold what EOS does differently: ``lines`` (``banner`` ... ``EOF``), ``ports`` (port
names), ``acl`` (prefix notation), ``blocks`` (ACL and NAT blocks), ``interfaces`` (switched
vs routed ports, VRFs, interface NAT, routes), ``ignored`` (known-and-ignored commands),
``parser`` (dispatch, model, and the assumptions the model rests on).
"""

from __future__ import annotations

import re

from auditor.parsers.arista_eos.parser import parse, parse_with_dispositions

__all__ = ["DETECTION_RULE", "looks_like", "parse", "parse_with_dispositions"]

# Lines only EOS prints: its running-config header, its boot image, EOS-only commands and
# spellings (IOS and NX-OS write `Port-channel` / `port-channel`; EOS `Port-Channel`).
_EOS_MARKERS = re.compile(
    r"^! device: \S+ \(.*\bEOS-\d|^!RANCID-CONTENT-TYPE: arista\s*$|^! boot system flash:\S*\.swi\s*$|"
    r"^management api http-commands\s*$|^daemon TerminAttr\s*$|^transceiver qsfp default-mode |"
    r"^vrf instance \S+\s*$|^interface Port-Channel\d+\s*$",
    re.M,
)
# An ACL-only text (generated ACL commands, nothing else at the top level): an untyped
# `ip access-list NAME`, an entry in prefix notation (IOS has none) and one with `host A`,
# which NX-OS prints as `A/32`.
_ACL_HEADER = re.compile(r"^ip access-list \S+\s*$", re.M)
_ACL_ONLY_TOP = re.compile(r"^((no )?ip access-list (standard )?\S+|exit|end)\s*$")
_PREFIX_ENTRY = re.compile(r"^\s+(\d+ )?(permit|deny) \S+ .*\b\d+\.\d+\.\d+\.\d+/\d+\b", re.M)
_HOST_ENTRY = re.compile(r"^\s+(\d+ )?(permit|deny) \S+ .*\bhost \d", re.M)
# Text of other platforms with IOS-like syntax.
_OTHER_MARKERS = re.compile(
    r"^(ASA Version|PIX Version|: Saved|feature \S+|vdc |switchname |version \d|set |config |/ip |"
    r"\*filter|table (inet|ip|ip6) |!Command: |!RANCID-CONTENT-TYPE: cisco)|^ nameif |^\S.*\{\s*$",
    re.M,
)

DETECTION_RULE = (
    "an EOS-only line (the '! device: ... EOS-x' header, a boot .swi image, management api "
    "http-commands, daemon TerminAttr, transceiver qsfp default-mode, vrf instance, "
    "interface Port-Channel) or a text of ACL commands only with an untyped ip access-list, "
    "prefix notation and 'host A' entries; and none of ASA, NX-OS, Junos, FortiOS or Linux"
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like an Arista EOS configuration.

    Examples:
        >>> looks_like("! device: leaf1 (DCS-7050SX-64, EOS-4.21.1F)\\nhostname leaf1\\n")
        True
        >>> looks_like("hostname r1\\ninterface Port-channel1\\n ip address 10.0.0.1 255.0.0.0\\n")
        False
    """
    sample = text[:200_000]
    if _OTHER_MARKERS.search(sample):
        return False
    if _EOS_MARKERS.search(sample):
        return True
    return _acl_only(sample)


def _acl_only(sample: str) -> bool:
    top = [line for line in sample.splitlines() if line[:1] not in ("", " ", "!", "\t")]
    return (
        bool(top)
        and all(_ACL_ONLY_TOP.match(line) for line in top)
        and bool(_ACL_HEADER.search(sample) and _PREFIX_ENTRY.search(sample) and _HOST_ENTRY.search(sample))
    )
