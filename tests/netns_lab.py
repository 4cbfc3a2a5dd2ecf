"""Three network namespaces for real-kernel tests: an inside host, a router and an "Apple" host.

Private to one test run (names carry the pid). The inside host (10.77.1.2/24) and the
"Apple" host that alone owns 17.0.0.10 are joined to the router by veth pairs created
directly inside the namespaces (router side ``lan0`` and ``wan0``), so no packet ever touches
the host's interfaces or any outside address. ``Lab.load`` puts a ruleset into the router
(``iptables-restore`` or ``nft -f``); ``Lab.probe`` sends a TCP SYN (``connect``) to every TCP
port and a UDP datagram to every UDP port of the Apple pack's flow checks, and a packet
socket on the Apple host's interface records which of them arrived. The ``lab`` fixture
(session-wide, through tests/conftest.py) skips, with the reason, only where namespaces
cannot be made (not root, no CAP_NET_ADMIN, no iproute2).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
        self.load_text(ruleset.read_text(), nft=ruleset.suffix == ".nft")

    def load_text(self, text: str, nft: bool) -> None:
        """Replace the router's whole ruleset with ``text`` (nft or iptables-save)."""
        sh("nft", "flush", "ruleset", ns=NS_RT)
        if nft:
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


@pytest.fixture(scope="session")
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
