"""Parser for MikroTik RouterOS (``mikrotik_routeros``): ``/export`` and ``/export verbose``.

Parse stage of the pipeline. Modules: ``lexer`` (logical lines, words, menus),
``matchers`` (values into packet sets), ``space`` (a rule's match, built per field),
``draft`` (what has been read), ``firewall`` (filter, raw and nat rules), ``features``
(NAT helpers, UPnP, NAT-PMP), ``ignored`` (menus that cannot affect transit traffic),
``reader`` (dispatch by menu) and ``build``
(the model). ``looks_like`` is the cheap content test behind ``--platform auto``.
"""

from __future__ import annotations

import re

from auditor.model import ParseResult
from auditor.parsers.linux.common import Disposition
from auditor.parsers.mikrotik_routeros.build import finish
from auditor.parsers.mikrotik_routeros.draft import Draft
from auditor.parsers.mikrotik_routeros.reader import read

__all__ = ["DETECTION_RULE", "looks_like", "parse", "parse_with_dispositions"]

DETECTION_RULE = (
    "RouterOS export header ('by RouterOS', 'software id =') or menu paths such as '/ip firewall filter'"
)

_HEADER = re.compile(r"^#.*(by RouterOS \d|software id = |platform: MikroTik)", re.M)
_MENU = re.compile(
    r"^/(ip|interface|system|routing|ipv6|tool|snmp|user|queue|ppp)([ /][a-z0-9-]+)*( (add|set) .*)?\s*$",
    re.M,
)


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` is a RouterOS export.

    Examples:
        >>> looks_like("# by RouterOS 6.49.6\n/ip firewall filter\nadd chain=forward action=drop\n")
        True
        >>> looks_like("/interface list\nadd name=WAN\n/ip firewall nat\nadd action=masquerade\n")
        True
        >>> looks_like("hostname r1\ninterface GigabitEthernet0/1\n")
        False
    """
    sample = text[:200_000]
    if _HEADER.search(sample):
        return True
    return len(_MENU.findall(sample)) >= 2


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse ``text`` and also return what became of each line (for tests and audits)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.rstrip("\r") for line in lines]
    draft = Draft(filename)
    services = read(draft, lines)
    return finish(draft, services, len(lines)), draft.dispositions


def parse(text: str, filename: str) -> ParseResult:
    """Parse RouterOS export text into the vendor-neutral model."""
    return parse_with_dispositions(text, filename)[0]
