"""auditor: exact, explained audits of router and firewall configs against policy packs.

Pipeline: inventory -> collect -> parse (``auditor.parsers``) -> model (``auditor.model``)
-> evaluate (``auditor.engine`` over ``auditor.flowspace``) -> findings -> reports.
"""

from auditor.engine import AuditOptions, audit
from auditor.errors import AuditorError, ParseError, PolicyError
from auditor.flowspace import FlowSpace, Packet
from auditor.model import ConfigModel, Evidence, Finding, ParseResult, Platform, Status
from auditor.policy import PolicyPack

__all__ = [
    "AuditOptions",
    "AuditorError",
    "ConfigModel",
    "Evidence",
    "Finding",
    "FlowSpace",
    "Packet",
    "ParseError",
    "ParseResult",
    "Platform",
    "PolicyError",
    "PolicyPack",
    "Status",
    "audit",
]
