"""Parser for Palo Alto Networks PAN-OS configurations (``paloalto_panos``).

Parse stage of the pipeline: ``parse(text, filename)`` turns a PAN-OS configuration in
any of its three printed forms (``set`` commands, the brace form, the XML document) into
the vendor-neutral ``ConfigModel``; ``looks_like(text)`` is the cheap content test behind
``--platform auto``.

Modules: ``statements`` (the three forms flattened into leaf statements with line
numbers), ``reader`` (dispatch into a ``draft``), ``ignored`` (known-and-ignored subtrees),
``objects`` (address and service resolution), ``rules`` (security rules, zones, bindings),
``nat`` (port mappings, source NAT, roles), ``alg`` (ALG features) and ``parser``.
"""

from __future__ import annotations

import re

from auditor.parsers.paloalto_panos.parser import parse, parse_with_dispositions

__all__ = ["DETECTION_RULE", "looks_like", "parse", "parse_with_dispositions"]

# set commands and brace blocks only PAN-OS has: deviceconfig, mgt-config, rulebase,
# device-group, zone ... network layer3, address ... ip-netmask.
_SET = re.compile(
    r"^set (deviceconfig|mgt-config|rulebase|device-group|template|template-stack|vsys vsys\d+"
    r"|shared (address|service|alg-override|application|log-settings)"
    r"|network (virtual-router|interface ethernet ethernet\d)"
    r"|zone \S+ network (layer3|layer2|virtual-wire|tap)"
    r"|address \S+ (ip-netmask|ip-range|fqdn)|config (shared|mgt-config|devices))\b",
    re.M,
)
_BRACE = re.compile(r"^\s*(deviceconfig|mgt-config|rulebase|device-group)\s*\{\s*$", re.M)
_XML = re.compile(r"<config\b[^>]*\b(urldb|version)=|<mgt-config>|<deviceconfig>", re.M)

DETECTION_RULE = (
    "PAN-OS set commands (set deviceconfig/mgt-config/rulebase/device-group, zone ... network "
    "layer3, address ... ip-netmask), brace blocks (deviceconfig {, rulebase {) or an XML "
    "<config> document with urldb/version, <mgt-config> or <deviceconfig>"
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like a PAN-OS configuration.

    Examples:
        >>> looks_like("set deviceconfig system hostname fw1\\n")
        True
        >>> looks_like("set system host-name r1\\nset interfaces ethernet eth0 address dhcp\\n")
        False
    """
    sample = text[:200_000]
    if sample.lstrip().startswith("<"):
        return _XML.search(sample) is not None
    return _SET.search(sample) is not None or _BRACE.search(sample) is not None
