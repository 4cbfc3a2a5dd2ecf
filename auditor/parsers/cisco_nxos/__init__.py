"""Parser for Cisco NX-OS configurations (``cisco_nxos``).

Parse stage of the pipeline: ``parse(text, filename)`` turns ``show running-config`` text
into the vendor-neutral ``ConfigModel`` with a diagnostic for every line it could not use;
``looks_like(text)`` is the cheap content test behind ``--platform auto``.

Modules: ``acl`` (entry grammar and port names), ``objgroups`` (address and port groups),
``interfaces`` (and routes), ``nat``, ``ignored`` (known-and-ignored commands), ``state``
(the builder), ``parser``. Line splitting, the builder base and the static-NAT reader are
shared with ``cisco_ios``.

Assumption named here and in the model: NX-OS has no NAT application-level gateway (SIP or
media) that this parser could find in Cisco's NX-OS NAT guides, so no ALG feature is
recorded; that absence is unconfirmed.
"""

from __future__ import annotations

import re

from auditor.parsers.cisco_nxos.parser import parse, parse_with_dispositions

__all__ = ["DETECTION_RULE", "looks_like", "parse", "parse_with_dispositions"]

# Content only NX-OS prints (IOS prints `version 15.2`, EOS `! Command:` with a space).
_NXOS_MARKERS = re.compile(
    r"^(!Command: show running-config|!RANCID-CONTENT-TYPE: cisco-nx|"
    r"version \d+\.\d+\(\d+\)\S*( Bios:.*)?\s*$|feature \S+\s*$|boot nxos |vdc \S+ id \d+\s*$|"
    r"object-group ip (address|port) \S+\s*$)",
    re.M,
)
# A bare ACL command file (no hostname, no interface): an untyped `ip access-list NAME` whose
# entries give hosts as A/32 and never as `host A` (NX-OS prints hosts back as A/32; IOS wants
# a wildcard mask; EOS prints `host A`).
_UNTYPED_ACL = re.compile(r"^ip access-list \S+\s*$", re.M)
_DEVICE_CONFIG = re.compile(r"^(hostname|interface) |^\s+(\d+ )?(permit|deny) .*\bhost \d", re.M)
_PREFIX_HOST_ENTRY = re.compile(r"^\s+(\d+ )?(permit|deny) \S+ .*\b\d+\.\d+\.\d+\.\d+/32\b", re.M)
_NOT_NXOS = re.compile(
    r"^(ASA Version|PIX Version|: Saved|! device: |set |config |/ip |\*filter|table )|"
    r"^ip access-list (standard|extended) |^\S.*\{\s*$",
    re.M,
)

DETECTION_RULE = (
    "an NX-OS marker (!Command: show running-config, version N.N(N), feature, boot nxos, "
    "vdc ... id N, object-group ip address|port), or a bare ACL file (no hostname or interface) "
    "whose untyped ip access-list gives hosts as A/32; and nothing of ASA, EOS, Junos, FortiOS or Linux"
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like an NX-OS configuration.

    Examples:
        >>> looks_like("version 9.3(1) Bios:version\\nhostname sw1\\nfeature bgp\\n")
        True
        >>> looks_like("version 15.2\\nhostname r1\\ninterface GigabitEthernet0/1\\n")
        False
    """
    sample = text[:200_000]
    if _NOT_NXOS.search(sample):
        return False
    if _NXOS_MARKERS.search(sample):
        return True
    if _DEVICE_CONFIG.search(sample):
        return False
    return bool(_UNTYPED_ACL.search(sample) and _PREFIX_HOST_ENTRY.search(sample))
