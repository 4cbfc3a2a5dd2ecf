"""Parser for FortiOS (FortiGate) configurations (``fortinet``).

Parse stage of the pipeline: ``parse(text, filename)`` turns ``show`` / ``show
full-configuration`` text (or a backup) into the vendor-neutral ``ConfigModel`` with a
diagnostic for every line it could not use; ``looks_like(text)`` is the cheap content test
behind ``--platform auto``.

Modules: ``lines`` (the config/edit/set tree), ``state`` (tables and entries), ``tables``
(what is read, ignored or reported), ``reader`` (VDOM context, tables), ``predefined``
(factory services), ``objects`` (addresses and services as packet sets), ``policy``
(policies as interface-pair rule sets), ``alg`` (SIP ALG, VoIP profiles, session helpers),
``vip`` (port mappings), ``interfaces`` (interfaces, zones, routes, roles) and ``parser``.
"""

from __future__ import annotations

import re

from auditor.parsers.fortinet.parser import parse, parse_with_dispositions

__all__ = ["DETECTION_RULE", "looks_like", "parse", "parse_with_dispositions"]

_CONFIG = re.compile(
    r"^config (system|firewall|router|vpn|user|log|vdom|global|voip|wireless-controller)\b", re.M
)
_CLOSE = re.compile(r"^\s*(end|next)\s*$", re.M)

DETECTION_RULE = "a top-level 'config system|firewall|router|vdom|global ...' block closed by 'end'"


def looks_like(text: str) -> bool:
    r"""Tell, cheaply, whether ``text`` looks like a FortiOS configuration.

    Examples:
        >>> looks_like("config system global\n    set hostname fw\nend\n")
        True
        >>> looks_like("hostname r1\ninterface GigabitEthernet0/1\n")
        False
    """
    sample = text[:200_000]
    return _CONFIG.search(sample) is not None and _CLOSE.search(sample) is not None
