"""``iptables-save`` text (and aerleon-style bare rule fragments) into the neutral model.

Part of the linux parser (parse stage). Every chain of the filter, raw, mangle and security
tables becomes a rule set ``<table>/<chain>``; the nat table yields port mappings and the
outside interface; ``raw`` ``CT --helper`` rules yield ALG features.

Semantics (iptables(8), VENDORS.md §7.1): a built-in chain ends in its policy, a user
chain returns to its caller; ``-g`` does not return to the chain that issued it; LOG, MARK
and other non-terminating targets let the packet continue, so they make no rule.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from auditor.flowspace import TCP, FlowSpace, cube_from_mask, cube_from_prefix, cubes_from_range
from auditor.model import (
    Action,
    Binding,
    DiagnosticKind,
    Direction,
    Limitation,
    PortMapping,
    Rule,
    RuleSet,
    Source,
)
from auditor.parsers.base import shell_words
from auditor.parsers.linux.common import (
    OTHER_HELPERS,
    TCP_FLAG_NAMES,
    Cond,
    CondError,
    Disposition,
    Draft,
    flags_equal,
    helper_kind,
    port_number,
    ports_space,
    protocol_number,
    state_space,
    tcp_flags_space,
)

_SYN_MASK = frozenset({"syn", "ack", "rst", "fin"})  # what --syn tests (iptables-extensions(8))


def _flag_names(text: str) -> frozenset[str]:
    """Return iptables flag names (``SYN,ACK``, ``ALL``, ``NONE``) as lowercase names."""
    names = frozenset(f.lower() for f in text.split(","))
    return TCP_FLAG_NAMES if names == {"all"} else frozenset() if names == {"none"} else names


BUILTIN = {
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "raw": ("PREROUTING", "OUTPUT"),
    "security": ("INPUT", "FORWARD", "OUTPUT"),
}
# Chains a forwarded packet crosses that can drop it, in netfilter hook/priority order:
# PREROUTING (raw -300, mangle -150), FORWARD (mangle -150, filter 0, security 50),
# POSTROUTING (mangle -150).
TRANSIT = (
    ("raw", "PREROUTING"),
    ("mangle", "PREROUTING"),
    ("mangle", "FORWARD"),
    ("filter", "FORWARD"),
    ("security", "FORWARD"),
    ("mangle", "POSTROUTING"),
)
FILTERING_TABLES = ("filter", "raw", "mangle", "security")
VERDICTS = {"ACCEPT": Action.PERMIT, "DROP": Action.DENY, "REJECT": Action.DENY, "RETURN": Action.RETURN}
NON_TERMINATING = frozenset(
    {"LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE", "TCPMSS", "CLASSIFY"}
    | {"DSCP", "TOS", "TTL", "HL", "SET", "AUDIT", "CHECKSUM", "CONNSECMARK", "SECMARK", "LED"}
    | {"IDLETIMER", "RATEEST", "TEE", "HMARK", "CLUSTERIP"}
)
NAT_TARGETS = frozenset({"MASQUERADE", "SNAT", "DNAT", "REDIRECT", "NETMAP"})
# Options of targets and of modules that do not change which packets a rule matches.
TARGET_OPTIONS = frozenset(
    {"--reject-with", "--log-prefix", "--log-level", "--log-tcp-sequence", "--log-tcp-options"}
    | {"--log-ip-options", "--log-uid", "--nflog-group", "--nflog-prefix", "--nflog-threshold"}
    | {"--set-mark", "--set-xmark", "--and-mark", "--or-mark", "--xor-mark", "--save-mark"}
    | {"--restore-mark", "--nfmask", "--ctmask", "--mask", "--notrack", "--zone", "--ctevents"}
    | {"--timeout", "--set-mss", "--clamp-mss-to-pmtu", "--set-class", "--set-dscp"}
    | {"--set-dscp-class", "--to-source", "--to-destination", "--to-ports", "--to", "--random"}
    | {"--random-fully", "--persistent", "--helper", "--comment", "--nflog-size", "--nflog-range"}
)
EXACT_MODULES = frozenset({"tcp", "udp", "multiport", "state", "conntrack", "iprange", "comment", "icmp"})


@dataclass(slots=True)
class Chain:
    """A chain being read."""

    table: str
    name: str
    policy: Action | None  # None: a user chain
    source: Source | None
    rules: list[Rule | Source] = field(default_factory=list)  # a Source: a line not understood


@dataclass(slots=True)
class Parsed:
    """One ``-A`` line, read."""

    chain: str
    cond: Cond
    jump: str | None = None
    goto: bool = False
    options: dict[str, str] = field(default_factory=dict)
    protocol: int | None = None
    dport: list[tuple[int, int]] | None = None
    daddr: str | None = None


def _address(value: str, ipv6: bool) -> list[tuple[int, int]]:
    cubes: list[tuple[int, int]] = []
    for part in value.split(","):
        if ":" in part:
            if not ipv6:
                raise CondError(f"IPv6 address {part!r} in an IPv4 ruleset")
            return []
        address, _, mask = part.partition("/")
        if not mask:
            cubes.append(cube_from_prefix(address + "/32"))
        elif mask.isdigit():
            cubes.append(cube_from_prefix(f"{address}/{mask}"))
        else:
            cubes.append(cube_from_mask(address, mask))
    return cubes


def _ranges(value: str, sep: str = ":") -> list[tuple[int, int]]:
    out = []
    for part in value.split(","):
        lo, has_sep, hi = part.partition(sep)
        first = port_number(lo) if lo else 0
        last = (port_number(hi) if hi else 65535) if has_sep else first
        if first > last:
            raise CondError(f"empty port range {part!r}")
        out.append((first, last))
    return out


def _read_rule(tokens: list[str], ipv6: bool) -> Parsed:
    """Read the tokens after ``-A``; raises CondError on values it cannot read."""
    parsed = Parsed(tokens[0], Cond())
    cond = parsed.cond
    i, negate = 1, False
    while i < len(tokens):
        opt = tokens[i]
        arg = tokens[i + 1] if i + 1 < len(tokens) else ""
        i += 2
        if opt == "!":
            negate, i = True, i - 1
            continue
        if opt in ("-p", "--protocol"):
            number = protocol_number(arg)
            parsed.protocol = number
            if number is not None:
                cond.add(FlowSpace.build(protocols=[(number, number)]), negate)
        elif opt in ("-s", "--source", "--src", "-d", "--destination", "--dst"):
            cubes = _address(arg, ipv6)
            side = "src" if opt in ("-s", "--source", "--src") else "dst"
            cond.add(FlowSpace.build(**{side: cubes}) if cubes else FlowSpace(), negate)
            if side == "dst" and not negate:
                parsed.daddr = arg
        elif opt in ("-i", "--in-interface", "-o", "--out-interface"):
            cond.interface("in" if opt.startswith(("-i", "--in")) else "out", frozenset({arg}), negate)
        elif opt in ("-j", "--jump", "-g", "--goto"):
            parsed.jump, parsed.goto = arg, opt in ("-g", "--goto")
        elif opt in ("-m", "--match"):
            if arg not in EXACT_MODULES:
                cond.inexact(f"match module {arg!r}")
        elif opt in ("--dport", "--destination-port", "--dports", "--destination-ports"):
            parsed.dport = _ranges(arg)
            cond.add(ports_space("dport", parsed.dport), negate)
        elif opt in ("--sport", "--source-port", "--sports", "--source-ports"):
            cond.add(ports_space("sport", _ranges(arg)), negate)
        elif opt == "--ports":
            ports = _ranges(arg)
            cond.add(ports_space("sport", ports) | ports_space("dport", ports), negate)
        elif opt in ("--state", "--ctstate"):
            cond.add(state_space(arg.split(",")), negate)
        elif opt == "--syn":  # SYN set, ACK, RST and FIN clear
            i -= 1
            cond.add(tcp_flags_space(flags_equal(_SYN_MASK, frozenset({"syn"}), negate)))
        elif opt in ("--src-range", "--dst-range"):
            first, _, last = arg.partition("-")
            side = "src" if opt == "--src-range" else "dst"
            cond.add(FlowSpace.build(**{side: cubesfrom(first, last)}), negate)
        elif opt == "--tcp-flags":
            mask = _flag_names(arg)
            comp = _flag_names(tokens[i] if i < len(tokens) else "NONE")
            i += 1
            if mask | comp <= TCP_FLAG_NAMES:  # the flags under the mask must be exactly the set ones
                cond.add(tcp_flags_space(flags_equal(mask, comp, negate)))
            else:
                cond.inexact(f"--tcp-flags {arg}", FlowSpace.build(protocols=[(TCP, TCP)]))
        elif opt in ("--icmp-type", "--icmpv6-type"):
            cond.inexact(f"{opt} {arg}")
        elif opt in TARGET_OPTIONS:
            parsed.options[opt] = arg
            if opt in ("--random", "--random-fully", "--persistent", "--notrack", "--clamp-mss-to-pmtu"):
                i -= 1
        elif opt.startswith("-"):
            cond.inexact(f"option {opt!r}")
            i -= 1
            while i < len(tokens) and not tokens[i].startswith("-") and tokens[i] != "!":
                i += 1
        else:
            raise CondError(f"unexpected word {opt!r}")
        negate = False
    return parsed


def cubesfrom(first: str, last: str) -> list[tuple[int, int]]:
    """Return the cubes of an inclusive address range ``first``-``last``."""
    try:
        return cubes_from_range(first, last)
    except ValueError as exc:
        raise CondError(f"bad address range {first}-{last}") from exc


class IptablesReader:
    """Reads iptables-save text line by line into a Draft."""

    def __init__(self, draft: Draft, lines: list[str]) -> None:
        """Prepare to read ``lines`` into ``draft``."""
        self.draft = draft
        self.lines = lines
        self.table = "filter"
        self.chains: dict[tuple[str, str], Chain] = {}
        self.ipv6 = any(_looks_ipv6(line) for line in lines)
        self.declared = self._declared()

    def _declared(self) -> set[tuple[str, str]]:
        table, out = "filter", set()
        for line in self.lines:
            words = line.split()
            if words and words[0].startswith("*"):
                table = words[0][1:]
            elif words and words[0].startswith(":") or words[:1] == ["-N"] and len(words) > 1:
                out.add((table, words[0][1:] if words[0].startswith(":") else words[1]))
        return out

    def source(self, number: int) -> Source:
        """Return the Source of line ``number``."""
        return Source(self.draft.file, number, self.lines[number - 1])

    def chain(self, name: str, source: Source, policy: Action | None = None) -> Chain:
        """Return the chain ``name`` of the current table, creating it on first sight."""
        key = (self.table, name)
        if key not in self.chains:
            if policy is None and name in BUILTIN.get(self.table, ()):
                policy = Action.PERMIT
            self.chains[key] = Chain(self.table, name, policy, source)
        return self.chains[key]

    def read(self) -> None:
        """Read every line."""
        for number, raw in enumerate(self.lines, start=1):
            self._line(number, raw.strip())
        self._build()

    def _line(self, number: int, text: str) -> None:
        src, draft = self.source(number), self.draft
        words = text.split()
        if not words or words[0].startswith("#"):
            draft.mark(src, Disposition.COMMENT)
        elif words[0].startswith("*") and len(words) == 1:
            self.table = words[0][1:]
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "COMMIT":
            draft.mark(src, Disposition.IGNORED)
        elif words[0].startswith(":") and len(words) >= 2:
            policy = {"ACCEPT": Action.PERMIT, "DROP": Action.DENY}.get(words[1])
            if words[1] not in ("ACCEPT", "DROP", "-"):
                draft.diagnose(src, DiagnosticKind.UNRECOGNIZED, f"unknown chain policy {words[1]!r}")
            chain = self.chain(words[0][1:], src, policy)
            chain.policy, chain.source = policy if words[1] != "-" else None, src
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "-P" and len(words) == 3:
            chain = self.chain(words[1], src)
            chain.policy = {"ACCEPT": Action.PERMIT, "DROP": Action.DENY}.get(words[2], chain.policy)
            chain.source = src
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "-N" and len(words) == 2:
            self.chain(words[1], src)
            draft.mark(src, Disposition.EXTRACTED)
        elif words[0] == "-A" and len(words) >= 2:
            self._append(src, text)
        elif words[0].startswith("[") and len(words) > 2 and words[1] == "-A":
            self._append(src, text.split(None, 1)[1])  # iptables-save -c counters
        else:
            draft.diagnose(src, DiagnosticKind.UNRECOGNIZED, "line not recognized")

    def _append(self, src: Source, text: str) -> None:
        draft = self.draft
        try:
            parsed = _read_rule(shell_words(text)[1:], self.ipv6)
        except (CondError, ValueError, IndexError) as exc:
            chain = self.chain(text.split()[1], src)
            draft.diagnose(src, DiagnosticKind.UNRECOGNIZED, f"rule not understood: {exc}")
            chain.rules.append(src)
            return
        chain = self.chain(parsed.chain, src)
        if self.table == "nat":
            self._nat(parsed, src)
        elif parsed.jump == "CT" and "--helper" in parsed.options:
            self._helper(parsed, src)
        draft.see_interfaces(parsed.cond, src)
        if self.table not in FILTERING_TABLES:
            if self.table != "nat":
                draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"table {self.table!r} is not evaluated")
            return
        jump = parsed.jump
        if jump == "NOTRACK" or (jump == "CT" and "--notrack" in parsed.options):
            # Not a verdict, but later state conditions see these packets as untracked.
            chain.rules.append(draft.rule(Action.UNTRACK, parsed.cond, src))
            draft.mark(src, Disposition.EXTRACTED)
            return
        if jump is None or jump in NON_TERMINATING:
            draft.mark(src, Disposition.EXTRACTED)  # counts, logs or marks: the packet goes on
            return
        if jump in VERDICTS and not parsed.goto:
            chain.rules.append(draft.rule(VERDICTS[jump], parsed.cond, src))
        elif (self.table, jump) in self.declared:
            action = Action.GOTO if parsed.goto else Action.JUMP
            chain.rules.append(draft.rule(action, parsed.cond, src, target=f"{self.table}/{jump}"))
        else:
            draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"target {jump!r} is not evaluated")
            chain.rules.append(src)
            return
        draft.mark(src, Disposition.EXTRACTED)

    def _helper(self, parsed: Parsed, src: Source) -> None:
        name = parsed.options["--helper"]
        if helper_kind(name) is not None:
            detail = f"conntrack helper {name} assigned by CT target ({self.table} table)"
            self.draft.helper(name, src, detail)
        elif name.lower() not in OTHER_HELPERS:
            self.draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"unknown conntrack helper {name!r}")

    def _nat(self, parsed: Parsed, src: Source) -> None:
        draft, cond, jump = self.draft, parsed.cond, parsed.jump
        if jump in ("MASQUERADE", "SNAT") and cond.exact:
            if cond.egress and not cond.egress_negated:
                for name in sorted(cond.egress):
                    draft.outside.setdefault(name, f"{jump.lower()} out {name} (line {src.line})")
            elif cond.egress:
                draft.outside_negated.append(cond.egress)
        elif jump in ("DNAT", "REDIRECT", "NETMAP") and parsed.chain not in ("OUTPUT", "POSTROUTING"):
            draft.port_mappings.append(_mapping(parsed, src))
        elif jump is not None and jump not in NAT_TARGETS and jump not in VERDICTS:
            if ("nat", jump) not in self.declared and jump not in NON_TERMINATING:
                draft.diagnose(src, DiagnosticKind.UNSUPPORTED, f"nat target {jump!r} not evaluated")
        draft.mark(src, Disposition.EXTRACTED)

    def _build(self) -> None:
        draft = self.draft
        for (table, name), chain in self.chains.items():
            if table not in FILTERING_TABLES:
                continue
            rules = []
            for rule in chain.rules:
                # A line not understood may match anything and do anything.
                rules.append(Rule(Action.DENY, None, rule) if isinstance(rule, Source) else rule)
            default = chain.policy if chain.policy is not None else Action.RETURN
            draft.rulesets.append(RuleSet(f"{table}/{name}", tuple(rules), default, chain.source))
        for table, name in TRANSIT:
            transit = self.chains.get((table, name))
            if transit is not None and transit.source is not None:
                draft.bindings.append(Binding(f"{table}/{name}", "*", Direction.IN, transit.source))
        draft.forward_roots.append("filter/FORWARD")
        if self.ipv6:
            draft.bindings.clear()
            draft.limitations.append(
                Limitation("ip6tables text: the IPv4 rule set is not in this file", frozenset({"flow"}))
            )
        elif ("filter", "FORWARD") not in self.chains:
            draft.limitations.append(
                Limitation("the file does not show the filter FORWARD chain", frozenset({"flow"}))
            )


def _mapping(parsed: Parsed, src: Source) -> PortMapping:
    target = parsed.options.get("--to-destination") or parsed.options.get("--to") or ""
    ports = parsed.options.get("--to-ports")
    if target.startswith("["):  # [v6addr]:port
        address, _, port = target[1:].partition("]")
        port = port.lstrip(":")
    elif target.count(":") == 1:
        address, _, port = target.partition(":")
    else:
        address, port = target, ""
    if parsed.jump == "REDIRECT":
        address, port = "local", ports or ""
    outside = parsed.dport
    inside = _ranges(port, "-") if port else outside
    protocols = (parsed.protocol,) if parsed.protocol is not None else None
    return PortMapping(
        protocols,
        address or "?",
        parsed.daddr or "*",
        tuple(inside) if inside else None,
        tuple(outside) if outside else None,
        src,
    )


def _looks_ipv6(line: str) -> bool:
    words = line.split()
    for flag, value in zip(words, words[1:], strict=False):
        if flag in ("-s", "-d") and ":" in value:
            try:
                ipaddress.IPv6Network(value, strict=False)
            except ValueError:
                continue
            return True
    return False
