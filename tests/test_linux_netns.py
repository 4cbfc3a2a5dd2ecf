"""A real Linux firewall proves the Linux semantics: the kernel against the audit, ruleset by ruleset.

Three network namespaces private to the test: an inside host (10.77.1.2/24), a router and an
"Apple" host that alone owns 17.0.0.10, joined by veth pairs created directly inside the
namespaces (router side ``lan0`` and ``wan0``), so no packet ever touches the host's interfaces
or any outside address. Each ruleset under ``tests/netns/`` is loaded into the router with
``iptables-restore`` or ``nft -f``; the inside host sends a TCP SYN (``connect``) to every TCP
port and a UDP datagram to every UDP port of the Apple pack's flow checks, and a packet socket on
the Apple host's interface records which of them arrived. Recording arrivals (a SYN with no ACK,
any datagram) rather than connect() results is what the audit means by a permitted new connection,
whatever happens to the answers. Per check: every port arrived -> ``pass``, none -> ``fail``, some
-> ``partial``; that must equal ``auditor audit --platform linux``'s verdict.

Skips, with the reason, only where namespaces cannot be made (not root, no CAP_NET_ADMIN, no
iproute2) or a ruleset's loader is missing; ``.ci/run`` installs iproute2, iptables and nftables.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.netns_lab import (
    CHECKS,
    HERE,
    INSIDE_NET,
    NS_RT,
    Lab,
    sh,
    spans,
    truth,
)


def start_audit(ruleset: Path, extra: tuple[str, ...]) -> subprocess.Popen[str]:
    """Start ``auditor audit`` on ``ruleset`` (it runs while the kernel is probed)."""
    cmd = [sys.executable, "-m", "auditor", "audit", str(ruleset), "--platform", "linux"]
    cmd += ["--format", "json", "--inside-network", INSIDE_NET, *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def audit_findings(proc: subprocess.Popen[str]) -> dict[str, dict[str, Any]]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1), f"auditor audit exited {proc.returncode}: {err}"
    (device,) = json.loads(out)["devices"]
    return {f["check"]: f for f in device["findings"]}


_PERMITTED = re.compile(r"(?:TCP|UDP) ([\d, -]+) to \S+ is permitted")


def permitted_in_summary(summary: str) -> set[int] | None:
    """Ports a ``partial`` summary names as permitted, or None if it does not say."""
    match = _PERMITTED.search(summary)
    if match is None:
        return None
    ports: set[int] = set()
    for part in match.group(1).split(","):
        lo, _, hi = part.strip().partition("-")
        ports.update(range(int(lo), int(hi or lo) + 1))
    return ports


ROLES = ("--inside-interface", "lan0", "--outside-interface", "wan0")
CASES = [
    pytest.param("ipt_policy_drop.rules", (), id="ipt-policy-drop"),
    pytest.param("ipt_chains.rules", (), id="ipt-jump-goto-return"),
    pytest.param("ipt_policy_accept.rules", (), id="ipt-policy-accept-mangle"),
    pytest.param("ipt_no_roles.rules", ROLES, id="ipt-explicit-roles"),
    pytest.param("nft_two_chains.nft", (), id="nft-two-base-chains"),
    pytest.param("nft_sets.nft", (), id="nft-named-sets"),
    pytest.param("nft_vmap.nft", (), id="nft-vmap"),
    pytest.param("nft_two_tables.nft", (), id="nft-two-tables-named-map"),
    pytest.param("ipt_raw_state.rules", (), id="ipt-raw-notrack-state"),
    pytest.param("nft_notrack.nft", (), id="nft-notrack-state"),
]


@pytest.mark.parametrize(("name", "extra"), CASES)
def test_kernel_agrees_with_audit(lab: Lab, name: str, extra: tuple[str, ...]) -> None:
    ruleset = HERE / name
    for tool in ("nft", "iptables-restore") if ruleset.suffix != ".nft" else ("nft",):
        if shutil.which(tool) is None:  # nft also flushes the router between cases
            pytest.skip(f"{tool} is not installed; .ci/run installs iptables and nftables")
    running = start_audit(ruleset, extra)
    try:
        lab.load(ruleset)
        got = lab.probe()
    except BaseException:
        running.kill()
        running.wait()
        raise
    findings = audit_findings(running)
    problems = []
    for check, (proto, ports) in CHECKS.items():
        through = got.ports(proto) & set(ports)
        expected = truth(through, ports)
        finding = findings[check]
        said = permitted_in_summary(finding["summary"]) if finding["status"] == "partial" else None
        if finding["status"] != expected or (said is not None and said != through):
            problems.append(
                f"{check}: the kernel let through {proto.upper()} {spans(through)} of {spans(set(ports))}"
                f" -> {expected}; the audit says {finding['status']}: {finding['summary']}"
            )
    assert not problems, f"{name} (TCP connect results {got.connects}):\n" + "\n".join(problems)


def test_helpers_read_summaries_and_spans() -> None:
    summary = "UDP 16395-16396 to 17.0.0.0/8 is denied by x; UDP 16393-16394, 16397-16402 to 17.0.0.0/8"
    summary += " is permitted"
    assert permitted_in_summary(summary) == {16393, 16394, *range(16397, 16403)}
    assert permitted_in_summary("TCP 80 to 17.0.0.0/8 is denied") is None
    assert spans({3478, 3479, 3480, 3490, 16384}) == "3478-3480, 3490, 16384"
    assert [truth(got, (1, 2)) for got in ({1, 2}, {2}, set())] == ["pass", "partial", "fail"]


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        pytest.param("ipt_policy_drop.rules", {}, id="ipt-policy-drop"),
        pytest.param("ipt_chains.rules", {}, id="ipt-jump-goto-return"),
        pytest.param("ipt_policy_accept.rules", {}, id="ipt-policy-accept-mangle"),
        pytest.param(
            "ipt_no_roles.rules",
            {"inside_interfaces": ["lan0"], "outside_interfaces": ["wan0"]},
            id="ipt-roles",
        ),
        pytest.param("ipt_raw_state.rules", {}, id="ipt-raw-notrack"),
        pytest.param("nft_notrack.nft", {}, id="nft-notrack"),
        pytest.param("nft_sets.nft", {}, id="nft-sets"),
        pytest.param("nft_two_chains.nft", {}, id="nft-two-base-chains"),
        pytest.param("nft_two_tables.nft", {}, id="nft-two-tables-vmap"),
        pytest.param("nft_vmap.nft", {}, id="nft-vmap-jump-goto"),
    ],
)
def test_kernel_passes_remediated_ruleset(
    lab: Lab, tmp_path: Path, name: str, extra: dict[str, list[str]]
) -> None:
    """The remediated ruleset (merged text, and the commands on the original) lets every check through;
    the rollback commands bring back exactly what got through before."""
    import shlex

    from auditor import engine, parsers, policy
    from auditor.model import Platform
    from auditor.remediation import remediate

    for tool in ("nft", "iptables-restore", "iptables"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed; .ci/run installs iptables and nftables")
    ruleset = HERE / name
    text = ruleset.read_text()
    pack = policy.resolve("apple-facetime-imessage")
    options = engine.AuditOptions(inside_networks=[INSIDE_NET], **extra)
    model = parsers.parse(Platform.LINUX, text, name).model
    result = remediate(Platform.LINUX, text, name, engine.audit(model, pack, options), [pack], options)
    assert result.verified and result.config, result.reason
    merged = tmp_path / name
    merged.write_text(result.merged)

    def run_commands(script: str) -> None:
        if ruleset.suffix == ".nft":  # one nft -f transaction
            sh("nft", "-f", "-", ns=NS_RT, stdin=script)
            return
        for line in script.splitlines():
            if line.startswith("iptables "):
                sh(*shlex.split(line), ns=NS_RT)

    lab.load(ruleset)
    before = lab.probe()
    assert any(not set(ports) <= before.ports(proto) for proto, ports in CHECKS.values()), "should fail first"
    lab.load(merged)
    applied = [("merged ruleset text", lab.probe())]
    lab.load(ruleset)
    run_commands(result.config)
    applied.append(("the remediation commands", lab.probe()))
    run_commands(result.rollback)
    rolled_back = lab.probe()
    problems = [
        f"{how}: {check}: {proto.upper()} {spans(set(ports) - got.ports(proto))} did not arrive"
        for how, got in applied
        for check, (proto, ports) in CHECKS.items()
        if not set(ports) <= got.ports(proto)
    ]
    assert not problems, f"{name}:\n{result.config}\n" + "\n".join(problems)
    assert (rolled_back.tcp, rolled_back.udp) == (before.tcp, before.udp), (
        f"{name}: the rollback does not restore what got through:\n{result.rollback}"
    )
