"""NX-OS NAT lines: static mappings (port mappings), dynamic source NAT, NAT settings.

Part of the cisco_nxos parser (parse stage). Facts used (Cisco Nexus 9000 / 5600 / 3548 NX-OS
Interfaces Configuration Guides, "Configuring Static and Dynamic NAT Translation"): static NAT
translates inside local to inside global addresses one to one, optionally per port, in both
directions, so a static entry lets outside hosts reach the inside host: a port mapping. The
IOS-style ``ip nat inside|outside source static [tcp|udp] LOCAL [PORT] GLOBAL [PORT] [options]``
form is shared with the cisco_ios parser and read by it.

Assumptions named in evidence:
- NAT ALGs: no NX-OS NAT application-level gateway (SIP or media) was found in Cisco's NX-OS
  NAT guides; the parser records no ALG feature. This absence is unconfirmed.
- Whether NX-OS translates before or after the egress (``out``) router ACL was not confirmed,
  so source NAT is not modelled as a translation: with an outbound ACL bound anywhere, a
  source-NAT line is a limitation on flow checks (an inbound ACL sees the untranslated source,
  and the 17.0.0.0/8 destination is unchanged by source NAT).
"""

from __future__ import annotations

from auditor.model import DiagnosticKind, Direction, Feature, Limitation, Provenance
from auditor.parsers.cisco_ios.lines import Block, Disposition
from auditor.parsers.cisco_ios.nat import NatError, read_static
from auditor.parsers.cisco_nxos.state import NxBuilder

# NX-OS options after a static entry the shared reader does not know, with their argument count.
_NXOS_ONLY_OPTIONS = {"group": 1}


def _without_nxos_options(tokens: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    index = 0
    while index < len(tokens):
        skip = _NXOS_ONLY_OPTIONS.get(tokens[index].lower())
        if skip is not None:
            index += 1 + skip
            continue
        out.append(tokens[index])
        index += 1
    return tuple(out)


def read_nat(builder: NxBuilder, block: Block) -> None:
    """Read a top-level ``ip nat ...`` command."""
    line, words, tokens = block.header, block.header.words, block.header.tokens
    builder.cover(block.children, Disposition.DIAGNOSED)
    if len(words) > 4 and words[2] in ("inside", "outside") and words[3] == "source":
        if words[4] == "static":
            try:
                mapping, _nat = read_static(
                    _without_nxos_options(tokens[5:]), builder.source(line), inside=words[2] == "inside"
                )
            except NatError as error:
                builder.limitations.append(
                    Limitation(
                        f"static NAT form not understood ({error}): it may map a required port",
                        frozenset({"port-mapping", "flow"}),
                        (builder.source(line),),
                    )
                )
                builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, f"static NAT: {error}", True)
                return
            builder.port_mappings.append(mapping)
            builder.dynamic_nat.append(builder.source(line))  # also a source translation
            builder.mark(line, Disposition.EXTRACTED)
            return
        builder.dynamic_nat.append(builder.source(line))  # disposition set when the model is built
        return
    if words[2:3] in (("translation",), ("log",)):
        builder.mark(line, Disposition.IGNORED)  # timeouts, limits and logging
        return
    if words[2:3] == ("pool",):
        builder.mark(line, Disposition.IGNORED)  # addresses only used by a dynamic rule (a limitation)
        return
    builder.diagnose(line, DiagnosticKind.UNRECOGNIZED, "NAT command not understood", True)


_ALG_KINDS = ("sip", "h323", "rtsp", "sccp", "mgcp")


def nat_alg_features(builder: NxBuilder) -> list[Feature]:
    """Return the assumed-absent NAT ALGs, so the evidence names the assumption when NAT is used."""
    if not builder.dynamic_nat:
        return []
    detail = (
        "NX-OS NAT: no {kind} application-level gateway found in Cisco's NX-OS NAT configuration "
        "guides (Nexus 3548/5600/9000); assumed absent on every release (unconfirmed)"
    )
    return [Feature(kind, False, Provenance.DEFAULT, detail.format(kind=kind.upper())) for kind in _ALG_KINDS]


def nat_limitations(builder: NxBuilder) -> list[Limitation]:
    """Return the limitation source NAT brings when an outbound ACL is bound."""
    outbound = [b for b in builder.bindings if b.direction is Direction.OUT]
    if not builder.dynamic_nat or not outbound:
        return []
    return [
        Limitation(
            "source NAT with an outbound ACL: whether NX-OS translates before the egress ACL "
            "is not confirmed, so the source address that ACL sees is not known",
            frozenset({"flow"}),
            tuple(builder.dynamic_nat) + tuple(b.source for b in outbound),
        )
    ]


__all__ = ["nat_alg_features", "nat_limitations", "read_nat"]
