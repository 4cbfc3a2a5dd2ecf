"""Parser for Cisco IOS and IOS XE configurations (``cisco_ios``, ``cisco_xe``).

Parse stage of the pipeline: ``parse(text, filename)`` turns ``show running-config`` text
into the vendor-neutral ``ConfigModel`` with a diagnostic for every line it could not use;
``looks_like(text)`` is the cheap content test behind ``--platform auto``.

Modules: ``lines`` (blocks, comments, banners), ``ports`` (keyword tables), ``acl`` (entry
grammar), ``objgroups``, ``nat``, ``firewall`` (CBAC, ZBF), ``interfaces`` (and routes),
``blocks`` (top-level handlers), ``ignored`` (known-and-ignored commands), ``parser``.
"""

from __future__ import annotations

import re

from auditor.parsers.cisco_ios.parser import parse, parse_with_dispositions

__all__ = ["looks_like", "parse", "parse_with_dispositions"]

_IOS_MARKERS = (
    re.compile(
        r"^interface (GigabitEthernet|FastEthernet|TenGigabitEthernet|Ethernet|Loopback|"
        r"Vlan|Port-channel|Serial|Tunnel|Dialer|BVI)\S*\s*$",
        re.M,
    ),
    re.compile(r"^ip access-list (standard|extended) \S+", re.M),
    re.compile(r"^access-list \d+ (permit|deny|remark) ", re.M),
    re.compile(r"^version \d+\.\d+\s*$", re.M),
    re.compile(r"^ip route \d+\.\d+\.\d+\.\d+ \d+\.\d+\.\d+\.\d+ ", re.M),
    re.compile(r"^ip nat (inside|outside) source ", re.M),
    re.compile(r"^line (con|vty|aux) \d+", re.M),
    re.compile(r"^hostname \S+\s*$", re.M),
    re.compile(r"^ ip address \d+\.\d+\.\d+\.\d+ \d+\.\d+\.\d+\.\d+", re.M),
    re.compile(r"^ (\d+ )?(permit|deny) (ip|tcp|udp|icmp) ", re.M),
)
# Text that belongs to other platforms that share IOS-like syntax.
_OTHER_MARKERS = re.compile(
    r"^(ASA Version|PIX Version|: Saved|feature \S+|nameif |set |config firewall|/ip |"
    r"\*filter|table (inet|ip|ip6) )|^ nameif |^\s*security-level \d+|^\S.*\{\s*$",
    re.M,
)


DETECTION_RULE = (
    "at least two IOS markers (hostname, interface, ip address/route/access-list lines, version) "
    "and none of ASA, Junos, FortiOS, PAN-OS or Linux"
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like an IOS / IOS XE configuration.

    Examples:
        >>> looks_like("hostname r1\\n!\\ninterface GigabitEthernet0/1\\n ip address 10.0.0.1 255.0.0.0\\n")
        True
        >>> looks_like("ASA Version 9.8(2)\\nhostname fw\\n")
        False
    """
    sample = text[:200_000]
    if _OTHER_MARKERS.search(sample):
        return False
    return sum(1 for marker in _IOS_MARKERS if marker.search(sample)) >= 2
