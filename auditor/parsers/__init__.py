"""Platform parsers, looked up through one explicit table.

Each platform module provides ``parse(text, filename) -> ParseResult`` and
``looks_like(text) -> bool``. Modules load on first use, so a run that audits one
platform does not import the others.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from auditor.errors import ParseError
from auditor.model import ParseResult, Platform

# Platform -> module under auditor.parsers. IOS-XE shares the IOS parser.
PARSERS: dict[Platform, str] = {
    Platform.CISCO_IOS: "cisco_ios",
    Platform.CISCO_XE: "cisco_ios",
    Platform.CISCO_ASA: "cisco_asa",
    Platform.CISCO_NXOS: "cisco_nxos",
    Platform.LINUX: "linux",
    Platform.FORTINET: "fortinet",
    Platform.JUNIPER_JUNOS: "juniper_junos",
    Platform.MIKROTIK_ROUTEROS: "mikrotik_routeros",
    Platform.PALOALTO_PANOS: "paloalto_panos",
    Platform.ARISTA_EOS: "arista_eos",
    Platform.VYOS: "vyos",
}
# The order `--platform auto` tries detectors in: most specific content first.
DETECT_ORDER: tuple[Platform, ...] = (
    Platform.LINUX,
    Platform.FORTINET,
    Platform.PALOALTO_PANOS,
    Platform.JUNIPER_JUNOS,
    Platform.VYOS,
    Platform.CISCO_ASA,
    Platform.CISCO_NXOS,
    Platform.ARISTA_EOS,
    Platform.CISCO_IOS,
    Platform.MIKROTIK_ROUTEROS,
)


def supported() -> list[Platform]:
    """Return the platforms that have a parser."""
    return list(PARSERS)


def _module(platform: Platform) -> ModuleType:
    return importlib.import_module(f"auditor.parsers.{PARSERS[platform]}")


def parse(platform: Platform, text: str, filename: str) -> ParseResult:
    """Parse ``text`` as ``platform``.

    Raises:
        ParseError: no parser exists for the platform yet, or the text is not its.
    """
    if platform not in PARSERS:
        have = ", ".join(p.value for p in PARSERS)
        raise ParseError(f"{filename}: no parser for {platform.value} yet (parsers: {have})")
    result: ParseResult = _module(platform).parse(text, filename)
    return result


def detect(text: str) -> tuple[Platform, str] | None:
    """Return the first platform (in DETECT_ORDER) whose parser claims ``text``, and why."""
    for platform in DETECT_ORDER:
        module = _module(platform)
        if module.looks_like(text):
            return platform, f"auto-detected as {platform.value}: {module.DETECTION_RULE}"
    return None


def detect_order() -> str:
    """Name the platforms auto-detection tries, in order."""
    return ", ".join(p.value for p in DETECT_ORDER)
