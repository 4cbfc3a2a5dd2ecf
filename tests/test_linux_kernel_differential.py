"""Generated Linux rulesets, loaded into a real kernel, against the audit: differential testing.

Hypothesis draws small iptables-save rulesets (FORWARD policy, matches on interfaces,
addresses, protocols, ports, multiport, conntrack state and --syn, negations, user chains
reached by jump and goto with RETURN, REJECT and LOG, a raw-table NOTRACK, rules in an
earlier mangle-priority chain, and equivalent spellings: -m state, th dport, ip protocol,
named interval sets of ports and addresses),
and the same draws as nft rulesets. Each is loaded into the router of the namespace lab
(tests/netns_lab.py), the inside host sends every port of the Apple pack, and the per-check
verdict of what arrived must equal the audit's. The audit is asked about exactly what the
probe sends: the inside host 10.77.1.2 on lan0 to the Apple host 17.0.0.10 behind wan0, so
a verdict can only differ where the semantics do. Few examples per run (each loads a kernel
ruleset and probes); ``AUDITOR_KERNEL_EXAMPLES`` raises the count for a longer hunt.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import engine, parsers, policy
from auditor.model import Platform
from tests.netns_lab import CHECKS, Lab, spans, truth

EXAMPLES = int(os.environ.get("AUDITOR_KERNEL_EXAMPLES", "12"))
PACK_TEXT = (Path(__file__).resolve().parent.parent / "policies" / "apple-facetime-imessage.yaml").read_text()
# Ports near the edges of the Apple ranges, so generated ranges cut them.
PORTS = [80, 443, 444, 5223, 3478, 3479, 3485, 3497, 3498, 16384, 16386, 16387, 16393, 16399, 16402]


@dataclass(frozen=True)
class Match:
    """One rule's conditions, rendered in both syntaxes."""

    iface: tuple[str, str, bool] | None  # ("i"|"o", name, negated)
    src: tuple[str, bool] | None
    dst: tuple[str, bool] | None
    proto: str | None
    ports: tuple[tuple[int, int], ...]  # dport spans (several: multiport / an nft set)
    ports_negated: bool
    state: str | None  # NEW | ESTABLISHED,RELATED | UNTRACKED | INVALID
    syn: bool
    variant: int = 0  # picks between equivalent spellings: -m state vs conntrack, th dport, ...

    def iptables(self) -> str:
        out = []
        if self.iface:
            flag, name, neg = self.iface
            out.append(f"{'! ' if neg else ''}-{flag} {name}")
        for flag, value in (("s", self.src), ("d", self.dst)):
            if value:
                out.append(f"{'! ' if value[1] else ''}-{flag} {value[0]}")
        if self.proto:
            out.append(f"-p {self.proto}")
            if self.syn:
                out.append("-m tcp --syn")
            if self.ports:
                text = ",".join(f"{a}:{b}" if a != b else str(a) for a, b in self.ports)
                neg = "! " if self.ports_negated else ""
                if len(self.ports) > 1:
                    out.append(f"-m multiport {neg}--dports {text}")
                else:
                    out.append(f"-m {self.proto} {neg}--dport {text}")
        if self.state:
            module = (
                "-m state --state"
                if self.variant % 2 and self.state != "UNTRACKED"
                else "-m conntrack --ctstate"
            )
            out.append(f"{module} {self.state}")
        return " ".join(out)

    def nft(self, sets: dict[str, str]) -> str:
        """Render as an nft rule; named sets it uses are added to ``sets`` (name -> body)."""
        out = []
        if self.iface:
            flag, name, neg = self.iface
            out.append(f'{flag}ifname {"!= " if neg else ""}"{name}"')
        for word, value in (("saddr", self.src), ("daddr", self.dst)):
            if value:
                address = value[0]
                if self.variant == 5:  # a named interval set of addresses
                    address = _named(sets, "ipv4_addr", address)
                out.append(f"ip {word} {'!= ' if value[1] else ''}{address}")
        if self.proto:
            if self.syn:
                out.append("tcp flags & (fin|syn|rst|ack) == syn")
            if self.ports:
                items = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in self.ports)
                text = f"{{ {items} }}" if len(self.ports) > 1 else items
                if self.variant == 4:  # a named interval set of ports (nft refuses overlaps in one)
                    merged = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in _merged(self.ports))
                    text = _named(sets, "inet_service", merged)
                if self.variant % 3 == 2 and not self.syn:  # the transport-header spelling
                    out.append(
                        f"meta l4proto {self.proto} th dport {'!= ' if self.ports_negated else ''}{text}"
                    )
                else:
                    out.append(f"{self.proto} dport {'!= ' if self.ports_negated else ''}{text}")
            elif not self.syn:
                out.append(f"meta l4proto {self.proto}" if self.variant % 2 else f"ip protocol {self.proto}")
        if self.state:
            out.append(f"ct state {self.state.lower()}")
        return " ".join(out)


@dataclass(frozen=True)
class Rule:
    match: Match
    target: str  # ACCEPT DROP REJECT RETURN LOG JUMP GOTO


@dataclass(frozen=True)
class Ruleset:
    policy: str
    forward: tuple[Rule, ...]
    user: tuple[Rule, ...]
    notrack: tuple[int, int] | None
    mangle: tuple[Rule, ...]  # an earlier forward chain (mangle priority): its accept ends only itself

    def iptables(self) -> str:
        lines = ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
        if self.notrack:
            a, b = self.notrack
            lines.append(f"-A PREROUTING -i lan0 -p udp -m udp --dport {a}:{b} -j NOTRACK")
        lines += [
            "COMMIT",
            "*mangle",
            ":PREROUTING ACCEPT [0:0]",
            ":INPUT ACCEPT [0:0]",
            ":FORWARD ACCEPT [0:0]",
        ]
        lines += [":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]
        for rule in self.mangle:
            lines.append(f"-A FORWARD {rule.match.iptables()} -j {rule.target}".replace("  ", " "))
        lines += ["COMMIT", "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
        lines += [":POSTROUTING ACCEPT [0:0]", "-A POSTROUTING -o wan0 -j MASQUERADE", "COMMIT"]
        lines += ["*filter", ":INPUT ACCEPT [0:0]", f":FORWARD {self.policy} [0:0]", ":OUTPUT ACCEPT [0:0]"]
        lines.append(":USER - [0:0]")
        for chain, rules in (("FORWARD", self.forward), ("USER", self.user)):
            for rule in rules:
                target = {"JUMP": "-j USER", "GOTO": "-g USER", "LOG": "-j LOG"}.get(
                    rule.target, f"-j {rule.target}"
                )
                lines.append(f"-A {chain} {rule.match.iptables()} {target}".replace("  ", " "))
        lines.append("COMMIT")
        return "\n".join(lines) + "\n"

    def nft(self) -> str:
        verdict = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return"}
        verdict |= {"JUMP": "jump user", "GOTO": "goto user", "LOG": "log"}

        sets: dict[str, str] = {}

        def body(rules: tuple[Rule, ...]) -> str:
            return "".join(
                f"\t\t{r.match.nft(sets)} {verdict[r.target]}\n".replace("\t ", "\t") for r in rules
            )

        raw = (
            f'\t\tiifname "lan0" udp dport {self.notrack[0]}-{self.notrack[1]} notrack\n'
            if self.notrack
            else ""
        )
        mangle, forward, user = body(self.mangle), body(self.forward), body(self.user)
        defined = "".join(f"\tset {name} {{\n{text}\t}}\n" for name, text in sets.items())
        return (
            "table inet fw {\n"
            f"{defined}"
            f"\tchain raw {{\n\t\ttype filter hook prerouting priority raw; policy accept;\n{raw}\t}}\n"
            f"\tchain mangle {{\n\t\ttype filter hook forward priority mangle; policy accept;\n{mangle}\t}}\n"
            "\tchain forward {\n"
            f"\t\ttype filter hook forward priority filter; policy {self.policy.lower()};\n"
            f"{forward}\t}}\n"
            f"\tchain user {{\n{user}\t}}\n"
            "}\n"
            "table ip nat {\n\tchain postrouting {\n"
            '\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\toifname "wan0" masquerade\n'
            "\t}\n}\n"
        )


def _merged(spans: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """Return ``spans`` sorted with overlapping and touching ones joined."""
    out: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def _named(sets: dict[str, str], kind: str, elements: str) -> str:
    """Define (once) a named interval set of ``elements`` and return its reference."""
    name = f"s{len(sets)}"
    sets[name] = f"\t\ttype {kind}\n\t\tflags interval\n\t\telements = {{ {elements} }}\n"
    return f"@{name}"


def _span() -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.sampled_from(PORTS), st.sampled_from(PORTS)).map(lambda t: (min(t), max(t)))


@st.composite
def _match(draw: st.DrawFn) -> Match:
    iface = draw(
        st.none() | st.tuples(st.sampled_from(["i", "o"]), st.sampled_from(["lan0", "wan0"]), st.booleans())
    )
    src = draw(
        st.none() | st.tuples(st.sampled_from(["10.77.1.0/24", "10.77.1.2", "10.77.1.128/25"]), st.booleans())
    )
    dst = draw(
        st.none() | st.tuples(st.sampled_from(["17.0.0.0/8", "17.0.0.10", "17.0.1.0/24"]), st.booleans())
    )
    proto = draw(st.none() | st.sampled_from(["tcp", "udp"]))
    ports: tuple[tuple[int, int], ...] = ()
    negated = syn = False
    if proto:
        ports = tuple(draw(st.lists(_span(), min_size=0, max_size=3)))
        negated = bool(ports) and draw(st.booleans()) and len(ports) == 1
        syn = proto == "tcp" and draw(st.integers(0, 5)) == 0
    state = draw(
        st.none() | st.sampled_from(["NEW", "ESTABLISHED,RELATED", "UNTRACKED", "INVALID", "NEW,UNTRACKED"])
    )
    return Match(iface, src, dst, proto, ports, negated, state, syn, draw(st.integers(0, 5)))


@st.composite
def _ruleset(draw: st.DrawFn) -> Ruleset:
    forward_targets = st.sampled_from(["ACCEPT", "ACCEPT", "DROP", "REJECT", "JUMP", "GOTO", "LOG"])
    user_targets = st.sampled_from(["ACCEPT", "DROP", "RETURN", "REJECT", "LOG"])
    forward = tuple(draw(st.lists(st.builds(Rule, _match(), forward_targets), min_size=1, max_size=6)))
    user = tuple(draw(st.lists(st.builds(Rule, _match(), user_targets), min_size=0, max_size=3)))
    notrack = draw(st.none() | _span())
    early = st.builds(Rule, _match(), st.sampled_from(["ACCEPT", "DROP", "LOG"]))
    mangle = tuple(draw(st.lists(early, min_size=0, max_size=2)))
    return Ruleset(draw(st.sampled_from(["ACCEPT", "DROP"])), forward, user, notrack, mangle)


def _pack(tmp: Path) -> policy.PolicyPack:
    path = tmp / "pack.yaml"
    path.write_text(PACK_TEXT.replace("destinations: [17.0.0.0/8]", "destinations: [17.0.0.10/32]"))
    return policy.load(path)


def _compare(lab: Lab, text: str, nft: bool, pack: policy.PolicyPack) -> list[str]:
    # The lab's roles, named as an admin would: a generated ruleset need not reveal them.
    options = engine.AuditOptions(
        inside_networks=["10.77.1.2/32"], inside_interfaces=["lan0"], outside_interfaces=["wan0"]
    )
    findings = {
        f.check: f for f in engine.audit(parsers.parse(Platform.LINUX, text, "gen").model, pack, options)
    }
    lab.load_text(text, nft=nft)
    got = lab.probe()
    problems = []
    for check, (proto, ports) in CHECKS.items():
        through = got.ports(proto) & set(ports)
        if findings[check].status.value != truth(through, ports):
            problems.append(
                f"{check}: kernel let through {spans(through)} -> {truth(through, ports)}; "
                f"audit: {findings[check].status.value}: {findings[check].summary}"
            )
    return problems


@pytest.mark.skipif(
    shutil.which("nft") is None or shutil.which("iptables-restore") is None, reason="needs nft and iptables"
)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(_ruleset())
def test_generated_rulesets_kernel_equals_audit(
    lab: Lab, tmp_path_factory: pytest.TempPathFactory, rules: Ruleset
) -> None:
    pack = _pack(tmp_path_factory.mktemp("pack"))
    for text, nft in ((rules.iptables(), False), (rules.nft(), True)):
        problems = _compare(lab, text, nft, pack)
        assert not problems, f"{'nft' if nft else 'iptables'} ruleset:\n{text}\n" + "\n".join(problems)
