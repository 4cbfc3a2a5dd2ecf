"""VyOS text into the neutral model: dispatch by top-level node, then build (parse stage)."""

from __future__ import annotations

from dataclasses import replace

from auditor.model import (
    ConfigModel,
    Diagnostic,
    DiagnosticKind,
    Interface,
    ParseResult,
    Platform,
    Role,
    Source,
)
from auditor.parsers.juniper_junos.statements import Statement
from auditor.parsers.linux.common import Disposition
from auditor.parsers.vyos.draft import Draft
from auditor.parsers.vyos.features import Generation, Services, build_features, generation, read_conntrack
from auditor.parsers.vyos.firewall import Firewall, build_firewall, read_firewall
from auditor.parsers.vyos.interfaces import Iface, interfaces, read_interface, read_static
from auditor.parsers.vyos.lexer import lex
from auditor.parsers.vyos.nat import NatRule, build_nat, read_nat

# Top-level nodes that cannot change whether a new IPv4 connection is forwarded, mapped or
# handed to a helper: management, routing protocols, VPN tunnels' own settings, QoS, PKI.
IGNORED_TOP = frozenset(
    {"high-availability", "pki", "vpn", "policy", "qos", "traffic-policy", "load-balancing", "container",
     "vrf", "cluster", "smoketest", "interfaces-description"}
)  # fmt: skip
# 1.3 firewall leaves whose presence says the text is 1.3 syntax.
_LEGACY_FIREWALL = frozenset({"name", "state-policy", "all-ping", "broadcast-ping", "ipv6-name"})


class _Reader:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.fw = Firewall()
        self.services = Services()
        self.nat: dict[tuple[str, int], NatRule] = {}
        self.ifaces: dict[str, Iface] = {}

    def read(self, st: Statement) -> None:
        draft, w = self.draft, st.words
        top = w[0]
        if top == "firewall":
            if len(w) > 1 and w[1] in ("ipv4", "global-options", "interface"):
                self.services.modern_syntax.append(st)
            elif len(w) > 1 and w[1] in _LEGACY_FIREWALL:
                self.services.legacy_syntax.append(st)
            read_firewall(draft, self.fw, st)
        elif top == "interfaces":
            before = len(self.fw.legacy_bindings)
            read_interface(draft, self.fw, self.ifaces, st)
            if len(self.fw.legacy_bindings) > before:
                self.services.legacy_syntax.append(st)
        elif top == "nat":
            read_nat(draft, self.nat, st)
        elif top == "protocols" and len(w) > 1 and w[1] == "static":
            read_static(draft, st)
        elif top == "system" and len(w) == 3 and w[1] == "host-name":
            draft.hostname = w[2]
            draft.extracted(st)
        elif top == "system" and len(w) > 1 and w[1] == "conntrack":
            read_conntrack(draft, self.services, st)
        elif top == "service" and len(w) > 1 and w[1] == "upnp":
            self.services.upnp.append(st)
            draft.extracted(st)
        elif top == "zone-policy":
            self.fw.zones.append(st)
            self.services.legacy_syntax.append(st)
        elif top in ("system", "service", "protocols") or top in IGNORED_TOP:
            draft.ignored(st)
        else:
            draft.unrecognized(st, relevant=False)


def parse_with_dispositions(text: str, filename: str) -> tuple[ParseResult, dict[int, Disposition]]:
    """Parse VyOS text; also return what became of every line (for accounting tests)."""
    lexed = lex(text)
    draft = Draft(filename, lexed.lines)
    for number, reason in lexed.problems:
        source = Source(filename, number, lexed.lines[number - 1] if lexed.lines else "")
        draft.diagnostics.append(Diagnostic(source, DiagnosticKind.UNRECOGNIZED, reason, True))
        draft.dispositions[number] = Disposition.DIAGNOSED
    reader = _Reader(draft)
    for st in lexed.statements:
        reader.read(st)
    build_firewall(draft, reader.fw)
    build_nat(draft, reader.nat)
    build_features(draft, lexed, reader.services)
    interfaces(draft, reader.ifaces)
    for number in lexed.structure:
        draft.dispositions.setdefault(number, Disposition.COMMENT)
    return _finish(draft, len(lexed.lines)), draft.dispositions


def _finish(draft: Draft, line_count: int) -> ParseResult:
    found = dict(draft.interfaces)
    for name, reason in draft.outside.items():
        iface = found.get(name)
        if iface is None:
            found[name] = Interface(name, role=Role.OUTSIDE, role_reason=reason)
        else:
            found[name] = replace(iface, role=Role.OUTSIDE, role_reason=reason)
    model = ConfigModel(
        platform=Platform.VYOS,
        hostname=draft.hostname,
        version=draft.version,
        interfaces=tuple(found.values()),
        rulesets=tuple(draft.rulesets),
        bindings=tuple(draft.bindings),
        routes=tuple(r for r in draft.routes if (r.prefix, r.next_hop, r.interface) not in draft.dead_routes),
        source_nats=tuple(draft.source_nats),
        port_mappings=tuple(draft.port_mappings),
        features=tuple(draft.features),
        limitations=tuple(draft.limitations),
        egress_sees_translated=False,  # forward filters run before postrouting source NAT
    )
    diagnostics = tuple(sorted(draft.diagnostics, key=lambda d: d.source.line))
    return ParseResult(model, diagnostics, line_count)


def parse(text: str, filename: str) -> ParseResult:
    """Parse VyOS configuration text (``set`` commands or ``config.boot``)."""
    return parse_with_dispositions(text, filename)[0]


def generation_of(text: str) -> Generation | None:
    """Return which VyOS generation (1.3 or 1.4+) the text is from, or None when it does not say.

    The remediation needs it to turn a conntrack helper off the way that generation does.
    """
    lexed = lex(text)
    reader = _Reader(Draft("", lexed.lines))
    for st in lexed.statements:
        reader.read(st)
    return generation(lexed, reader.services)[0]
