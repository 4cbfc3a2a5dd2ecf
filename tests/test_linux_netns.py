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
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent / "netns"
PID = os.getpid()
NS_IN, NS_RT, NS_AP = f"aud-in-{PID}", f"aud-rt-{PID}", f"aud-ap-{PID}"
INSIDE_NET = "10.77.1.0/24"
APPLE = "17.0.0.10"
TIMEOUT = 0.5

CHECKS: dict[str, tuple[str, tuple[int, ...]]] = {
    "tcp-80": ("tcp", (80,)),
    "tcp-443": ("tcp", (443,)),
    "tcp-5223": ("tcp", (5223,)),
    "udp-3478-3497": ("udp", tuple(range(3478, 3498))),
    "udp-16384-16387": ("udp", tuple(range(16384, 16388))),
    "udp-16393-16402": ("udp", tuple(range(16393, 16403))),
}
TCP_PORTS = sorted({p for proto, ports in CHECKS.values() if proto == "tcp" for p in ports})
UDP_PORTS = sorted({p for proto, ports in CHECKS.values() if proto == "udp" for p in ports})

# Runs in the Apple namespace: a packet socket on ap0 records IPv4 packets to APPLE that arrive
# (TCP: SYN without ACK; UDP: any datagram) until a line on stdin, then drains and prints JSON.
SNIFFER = r"""
import json, select, socket, sys
apple = socket.inet_aton(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.bind(("ap0", 0))
seen = {"tcp": set(), "udp": set(), "src": set()}
def take(data, addr):
    if addr[2] == socket.PACKET_OUTGOING or len(data) < 20 or data[16:20] != apple:
        return
    ihl = (data[0] & 0x0F) * 4
    proto, l4 = data[9], data[ihl:]
    if len(l4) < 4:
        return
    dport = int.from_bytes(l4[2:4], "big")
    if proto == 6 and len(l4) >= 14 and l4[13] & 0x02 and not l4[13] & 0x10:
        seen["tcp"].add(dport)
    elif proto == 17:
        seen["udp"].add(dport)
    else:
        return
    seen["src"].add(socket.inet_ntoa(data[12:16]))
print("ready", flush=True)
while True:
    ready, _, _ = select.select([s, sys.stdin], [], [])
    if s in ready:
        take(*s.recvfrom(65535))
    if sys.stdin in ready:
        break
s.setblocking(False)
while True:
    try:
        take(*s.recvfrom(65535))
    except BlockingIOError:
        break
print(json.dumps({k: sorted(v) for k, v in seen.items()}), flush=True)
"""

# Runs in the inside namespace: UDP datagrams to every UDP port, TCP connects (in parallel
# threads, TIMEOUT each) to every TCP port; prints what connect() said, for the failure message.
PROBER = r"""
import json, socket, sys, threading
dst, timeout = sys.argv[1], float(sys.argv[2])
tcp = [int(p) for p in sys.argv[3].split(",")]
udp = [int(p) for p in sys.argv[4].split(",")]
for port in udp:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        u.sendto(b"auditor-netns-probe", (dst, port))
result = {}
def connect(port):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(timeout)
    try:
        c.connect((dst, port))
        result[port] = "connected"
    except ConnectionRefusedError:
        result[port] = "refused"
    except OSError as exc:
        result[port] = type(exc).__name__
    finally:
        c.close()
threads = [threading.Thread(target=connect, args=(p,)) for p in tcp]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(result))
"""


def sh(*args: str, ns: str | None = None, stdin: str | None = None, check: bool = True) -> str:
    cmd = ["ip", "netns", "exec", ns, *args] if ns else list(args)
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=30)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def netns_list() -> set[str]:
    return {line.split()[0] for line in sh("ip", "netns", "list").splitlines() if line.strip()}


@dataclass
class Arrivals:
    tcp: set[int]
    udp: set[int]
    sources: list[str]
    connects: dict[str, str]

    def ports(self, proto: str) -> set[int]:
        return self.tcp if proto == "tcp" else self.udp


class Lab:
    """The three namespaces; ``probe`` sends every port once and returns what reached Apple."""

    def load(self, ruleset: Path) -> None:
        sh("nft", "flush", "ruleset", ns=NS_RT)
        text = ruleset.read_text()
        if ruleset.suffix == ".nft":
            sh("nft", "-f", "-", ns=NS_RT, stdin=text)
        else:
            sh("iptables-restore", ns=NS_RT, stdin=text)

    def probe(self) -> Arrivals:
        sniffer = subprocess.Popen(
            ["ip", "netns", "exec", NS_AP, sys.executable, "-c", SNIFFER, APPLE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert sniffer.stdout is not None and sniffer.stderr is not None
            ready = sniffer.stdout.readline()
            if ready.strip() != "ready":
                raise RuntimeError(f"sniffer did not start: {ready!r} {sniffer.stderr.read()}")
            connects = sh(
                sys.executable,
                "-c",
                PROBER,
                APPLE,
                str(TIMEOUT),
                ",".join(map(str, TCP_PORTS)),
                ",".join(map(str, UDP_PORTS)),
                ns=NS_IN,
            )
            time.sleep(0.1)  # veth delivery is immediate; this is slack for the router's queue
            out, err = sniffer.communicate("stop\n", timeout=10)
        finally:
            if sniffer.poll() is None:
                sniffer.kill()
                sniffer.wait()
        if sniffer.returncode != 0:
            raise RuntimeError(f"sniffer exited {sniffer.returncode}: {err.strip()}")
        seen = json.loads(out)
        return Arrivals(set(seen["tcp"]), set(seen["udp"]), seen["src"], json.loads(connects))


def _build() -> None:
    for ns in (NS_IN, NS_RT, NS_AP):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    # Each pair is created inside a test namespace with its peer moved straight into another one.
    sh("ip", "-n", NS_IN, "link", "add", "in0", "type", "veth", "peer", "name", "lan0", "netns", NS_RT)
    sh("ip", "-n", NS_AP, "link", "add", "ap0", "type", "veth", "peer", "name", "wan0", "netns", NS_RT)
    for ns, dev, addrs in (
        (NS_IN, "in0", ["10.77.1.2/24"]),
        (NS_RT, "lan0", ["10.77.1.1/24"]),
        (NS_RT, "wan0", ["198.18.0.1/30"]),
        (NS_AP, "ap0", ["198.18.0.2/30", f"{APPLE}/32"]),
    ):
        for addr in addrs:
            sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
    sh("ip", "-n", NS_IN, "route", "add", "default", "via", "10.77.1.1")
    sh("ip", "-n", NS_RT, "route", "add", "17.0.0.0/8", "via", "198.18.0.2")
    sh("ip", "-n", NS_AP, "route", "add", "default", "via", "198.18.0.1")
    forward = "open('/proc/sys/net/ipv4/ip_forward', 'w').write('1')"  # sysctl may not be on PATH
    sh(sys.executable, "-c", forward, ns=NS_RT)


def _teardown() -> None:
    for ns in (NS_AP, NS_RT, NS_IN):
        if ns in netns_list():
            sh("ip", "netns", "del", ns, check=False)
    left = netns_list() & {NS_IN, NS_RT, NS_AP}  # only ours: other test runs may be live
    if left:
        raise RuntimeError(f"namespaces left behind: {sorted(left)}")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    if shutil.which("ip") is None:
        pytest.skip("iproute2 ('ip') is not installed; .ci/run installs it")
    probe_ns = f"aud-probe-{PID}"
    made = subprocess.run(["ip", "netns", "add", probe_ns], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(
            f"cannot create network namespaces here (needs root / CAP_NET_ADMIN): {made.stderr.strip()}"
        )
    subprocess.run(["ip", "netns", "del", probe_ns], capture_output=True)
    try:
        _build()
        lab = Lab()
        # Harness self-check: with an empty ruleset every port must arrive, from the inside host.
        open_all = lab.probe()
        assert (open_all.tcp, open_all.udp) == (set(TCP_PORTS), set(UDP_PORTS)), open_all
        assert open_all.sources == ["10.77.1.2"], open_all
        yield lab
    finally:
        _teardown()


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


def truth(got: set[int], ports: tuple[int, ...]) -> str:
    through = got & set(ports)
    return "pass" if through == set(ports) else "fail" if not through else "partial"


def spans(ports: set[int]) -> str:
    out: list[str] = []
    for p in sorted(ports):
        if out and out[-1].split("-")[-1] == str(p - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{p}"
        else:
            out.append(str(p))
    return ", ".join(out) or "none"


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
