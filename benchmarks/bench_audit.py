"""Benchmark auditor on generated Cisco IOS configs, against hier_config parsing the same text.

Workloads (all generated deterministically from ``--seed``):

* ``big-early`` / ``big-late``: one router with a 5,000-line extended ACL bound ``in`` on the
  NAT inside interface. In ``early`` the Apple-relevant entries sit near the top (the walk
  is decided quickly); in ``late`` they sit at the end, so every required flow is walked
  through almost every entry (worst case).
* ``fleet``: 1,000 branch-router configs of 50-300 lines, audited in-process one after the
  other with ``audit_config`` and by one ``auditor audit FILES... --format json`` process.

Every auditor number is the full Apple pack (9 checks). hier_config (``pip install -e
.[bench]``) only parses the same text; the ratio column is auditor time / hier_config time.

Usage::

    python benchmarks/bench_audit.py            # full size (the issue's aims)
    python benchmarks/bench_audit.py --quick    # 50 configs, 500-line ACL: smoke run
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import ipaddress
import os
import platform as pyplatform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from auditor import engine, parsers, policy
from auditor.model import ConfigModel, Platform
from auditor.pipeline import DeviceReport, audit_config

T = TypeVar("T")

PACK_ID = "apple-facetime-imessage"
AIM_FLEET_S = 10.0  # 1,000 configs
AIM_BIG_S = 1.0  # one 5,000-line ACL

# --- generation: shared vocabulary ------------------------------------------------------

TCP_PORTS: tuple[str, ...] = tuple(
    "22 www 443 smtp domain pop3 143 389 445 993 1433 3306 3389 8080 8443 telnet ftp ftp-data "
    "135 139 5060".split()
)
UDP_PORTS: tuple[str, ...] = tuple(
    "domain ntp snmp snmptrap syslog tftp bootps 500 4500 1812 1813 5060 netbios-ns netbios-dgm "
    "514 161".split()
)
WAN_PREFIXES: tuple[str, ...] = ("203.0.113", "198.51.100", "192.0.2")
TEN_8 = ipaddress.IPv4Network("10.0.0.0/8")

# The Apple-relevant block: permits for most required flows, one deny (UDP 16384-16387).
APPLE_BLOCK: tuple[str, ...] = (
    "remark Apple FaceTime / iMessage",
    "permit tcp any 17.0.0.0 0.255.255.255 eq www 443",
    "permit tcp any 17.0.0.0 0.255.255.255 eq 5223",
    "permit udp any 17.0.0.0 0.255.255.255 range 3478 3497",
    "deny udp any 17.0.0.0 0.255.255.255 range 16384 16387 log",
    "permit udp any 17.0.0.0 0.255.255.255 range 16393 16402",
)


def wildcard(prefix_len: int) -> str:
    """Return the IOS wildcard mask of a prefix length (24 -> 0.0.0.255)."""
    return str(ipaddress.IPv4Address((1 << (32 - prefix_len)) - 1))


def netmask(prefix_len: int) -> str:
    """Return the dotted subnet mask of a prefix length (24 -> 255.255.255.0)."""
    return str(ipaddress.IPv4Network(f"0.0.0.0/{prefix_len}").netmask)


def network_at(rng: random.Random, first_octet_choices: Sequence[int], prefix_len: int) -> str:
    """Return a random network address of ``prefix_len`` whose first octet is one of the choices."""
    value = (rng.choice(first_octet_choices) << 24) | rng.getrandbits(24)
    return str(ipaddress.IPv4Network((value, prefix_len), strict=False).network_address)


def public_first_octets() -> list[int]:
    """First octets of public unicast space, without 10, 17 (Apple), 127 and 172/192."""
    return [o for o in range(1, 224) if o not in (10, 17, 127, 172, 192)]


def inside_address(rng: random.Random, within: ipaddress.IPv4Network) -> str:
    """Return an ACL operand naming inside hosts or subnets of ``within``."""
    size = within.num_addresses
    if rng.random() < 0.35:
        return f"host {within.network_address + rng.randrange(1, size - 1)}"
    prefix_len = rng.choice([n for n in (16, 20, 22, 23, 24, 24, 25, 26, 27, 28) if n >= within.prefixlen])
    base = int(within.network_address) + rng.randrange(size)
    return f"{ipaddress.IPv4Network((base, prefix_len), strict=False).network_address} {wildcard(prefix_len)}"


def outside_address(rng: random.Random) -> str:
    """Return an ACL operand naming public hosts or subnets (never 17/8)."""
    if rng.random() < 0.4:
        return f"host {network_at(rng, public_first_octets(), 32)}"
    prefix_len = rng.choice((8, 12, 16, 19, 20, 22, 24, 24, 24, 27, 29))
    return f"{network_at(rng, public_first_octets(), prefix_len)} {wildcard(prefix_len)}"


def port_clause(rng: random.Random, protocol: str) -> str:
    """Return a destination-port condition: eq (one or several), neq, gt, lt or range."""
    names = TCP_PORTS if protocol == "tcp" else UDP_PORTS
    roll = rng.random()
    if roll < 0.55:
        return f"eq {rng.choice(names)}"
    if roll < 0.65:
        return "eq " + " ".join(rng.sample(names, rng.randint(2, 4)))
    if roll < 0.85:
        low = rng.randrange(1024, 60000)
        return f"range {low} {low + rng.randrange(1, 2000)}"
    if roll < 0.92:
        return f"gt {rng.randrange(1023, 49152)}"
    if roll < 0.97:
        return f"lt {rng.randrange(1024, 4096)}"
    return f"neq {rng.choice(names)}"


# --- generation: object groups ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Groups:
    """Object groups a config defines: their text and their names by kind."""

    lines: tuple[str, ...]
    networks: tuple[str, ...]
    services: tuple[str, ...]


NO_GROUPS = Groups((), (), ())


def object_groups(rng: random.Random, count: int) -> Groups:
    """Return ``count`` network groups (one nesting another) and two service groups."""
    lines: list[str] = []
    networks: list[str] = []
    for index in range(count):
        name = f"NET-{index}"
        lines += [f"object-group network {name}", f" description generated group {index}"]
        for _ in range(rng.randint(2, 6)):
            if rng.random() < 0.5:
                lines.append(f" host {network_at(rng, public_first_octets(), 32)}")
            else:
                prefix_len = rng.choice((16, 20, 24, 28))
                lines.append(f" {network_at(rng, public_first_octets(), prefix_len)} {netmask(prefix_len)}")
        if index > 0 and rng.random() < 0.5:
            lines.append(f" group-object NET-{index - 1}")
        networks.append(name)
    lines += [
        "object-group service WEB-SVC",
        " tcp eq www",
        " tcp eq 443",
        " tcp range 8080 8090",
        "object-group service MGMT-SVC",
        " tcp eq 22",
        " tcp eq telnet",
        " udp eq snmp",
        " tcp-udp eq domain",
    ]
    return Groups(tuple(lines), tuple(networks), ("WEB-SVC", "MGMT-SVC"))


# --- generation: ACL entries --------------------------------------------------------------


def random_entry(rng: random.Random, groups: Groups, lan: ipaddress.IPv4Network) -> str:
    """Return one extended entry (no sequence number) that never matches everything.

    Sources are inside hosts/subnets (or ``any`` towards a specific destination), so no
    entry decides the whole Apple flow on its own: the worst-case walk goes to the end.
    """
    roll = rng.random()
    if roll < 0.06:
        topic = rng.choice(("servers", "partners", "guest vlan", "legacy app", "printers"))
        return f"remark CHG{rng.randrange(100000):05d} {topic}"
    action = "permit" if rng.random() < 0.7 else "deny"
    if groups.networks and roll < 0.12:
        return _group_entry(rng, action, groups, lan)
    protocol = rng.choices(("tcp", "udp", "ip"), weights=(55, 30, 15))[0]
    if protocol == "tcp" and roll > 0.95:
        return f"permit tcp any {inside_address(rng, lan)} established"
    src = inside_address(rng, lan) if rng.random() < 0.85 else "any"
    dst = (
        outside_address(rng)
        if src == "any" or rng.random() < 0.6
        else rng.choice(("any", inside_address(rng, lan)))
    )
    entry = f"{action} {protocol} {src} {dst}"
    if protocol != "ip":
        entry += " " + port_clause(rng, protocol)
    if rng.random() < 0.1:
        entry += " log"
    return entry


def _group_entry(rng: random.Random, action: str, groups: Groups, lan: ipaddress.IPv4Network) -> str:
    """Return an entry using a network group, and sometimes a service group."""
    network = rng.choice(groups.networks)
    if rng.random() < 0.5:
        service = rng.choice(groups.services)
        return f"{action} object-group {service} {inside_address(rng, lan)} object-group {network}"
    return f"{action} tcp {inside_address(rng, lan)} object-group {network} {port_clause(rng, 'tcp')}"


def unique(count: int, make: Callable[[], str]) -> list[str]:
    """Return ``count`` distinct strings from ``make`` (IOS keeps one copy of a repeated entry)."""
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen.setdefault(make(), None)
    return list(seen)


def acl_block(name: str, entries: Sequence[str], *, numbered_seq: bool) -> list[str]:
    """Return ``ip access-list extended NAME`` with its entries (sequence numbers optional)."""
    lines = [f"ip access-list extended {name}"]
    for index, entry in enumerate(entries, start=1):
        seq = f"{index * 10} " if numbered_seq and not entry.startswith("remark") else ""
        lines.append(f" {seq}{entry}")
    return lines


# --- generation: the 5,000-line ACL config ------------------------------------------------


def big_config(rng: random.Random, acl_lines: int, apple_late: bool) -> str:
    """Return a router config whose inside ACL has ``acl_lines`` entries.

    ``apple_late`` puts the Apple block at the end (before the final deny) instead of
    near the top.
    """
    groups = object_groups(rng, 4)
    body = unique(acl_lines - len(APPLE_BLOCK) - 2, lambda: random_entry(rng, groups, TEN_8))
    at = len(body) if apple_late else min(40, len(body))
    entries = body[:at] + list(APPLE_BLOCK) + body[at:]
    entries += ["permit ip 10.0.0.0 0.255.255.255 any", "deny ip any any log"]
    lines = [
        "version 15.7",
        "service timestamps log datetime msec",
        "hostname edge-bench-01",
        "!",
        "ip cef",
        "no ip domain lookup",
        "!",
        *groups.lines,
        "!",
        "interface GigabitEthernet0/0",
        " description LAN",
        " ip address 10.0.0.1 255.255.0.0",
        " ip access-group BIG-IN in",
        " ip nat inside",
        " no shutdown",
        "!",
        "interface GigabitEthernet0/1",
        " description WAN",
        " ip address 203.0.113.2 255.255.255.252",
        " ip nat outside",
        " no shutdown",
        "!",
        *acl_block("BIG-IN", entries, numbered_seq=False),
        "!",
        "ip access-list standard NAT",
        " permit 10.0.0.0 0.255.255.255",
        "!",
        "ip nat inside source list NAT interface GigabitEthernet0/1 overload",
        "ip route 0.0.0.0 0.0.0.0 203.0.113.1",
        "!",
        "line vty 0 4",
        " transport input ssh",
        "end",
    ]
    return "\n".join(lines) + "\n"


# --- generation: branch routers -----------------------------------------------------------


def lan_entries(rng: random.Random, groups: Groups, count: int, lan: ipaddress.IPv4Network) -> list[str]:
    """Return a branch LAN-IN ACL: random entries, sometimes an Apple block, a final rule.

    Most sources are in the branch LAN; some name the whole 10/8 (company-wide rules).
    """
    entries = unique(count, lambda: random_entry(rng, groups, lan if rng.random() < 0.8 else TEN_8))
    if rng.random() < 0.4:
        at = rng.randrange(len(entries) + 1)
        entries[at:at] = APPLE_BLOCK[: rng.randint(2, len(APPLE_BLOCK))]
    entries.append(
        rng.choice(("permit ip 10.0.0.0 0.255.255.255 any", "deny ip any any log", "permit ip any any"))
    )
    return entries


def wan_out_entries(rng: random.Random) -> list[str]:
    """Return an outbound WAN ACL (post-NAT sources: ``any`` or the WAN address)."""
    entries = unique(
        rng.randint(3, 12), lambda: f"deny tcp any {outside_address(rng)} {port_clause(rng, 'tcp')}"
    )
    if rng.random() < 0.5:
        entries.append("deny udp any any range 16384 16402")
    entries.append("permit ip any any")
    return entries


def filler(rng: random.Random, count: int) -> list[str]:
    """Return ``count`` known-and-ignored lines (management, spare ports), none repeated."""
    kinds = (
        "ntp server 192.0.2.{i}",
        "logging host 198.51.100.{i}",
        "snmp-server host 192.0.2.{i} public",
        "username ops{i} privilege 15 secret 5 $1$x{i}",
        "ip host srv{i} 10.255.0.{i}",
    )
    lines: list[str] = []
    port = 2
    while len(lines) < count:
        if rng.random() < 0.25:
            lines += [f"interface GigabitEthernet0/{port}", " no ip address", " shutdown", "!"]
            port += 1
        else:
            lines.append(rng.choice(kinds).format(i=len(lines) + 1))
    return lines[:count]


def branch_config(rng: random.Random, index: int) -> str:
    """Return one branch router config of 50-300 lines."""
    target = rng.randint(50, 300)
    groups = object_groups(rng, rng.randint(1, 3)) if rng.random() < 0.25 else NO_GROUPS
    wan_ip = f"{rng.choice(WAN_PREFIXES)}.{rng.randrange(2, 250)}"
    lan_net = f"10.{index // 256 % 256}.{index % 256}"
    lan = ipaddress.IPv4Network(f"{lan_net}.0/24")
    lan_acl = lan_entries(rng, groups, rng.randint(10, 60), lan)
    wan_out = rng.random() < 0.3
    seq = rng.random() < 0.5
    lines = [
        "version 15.4",
        "service timestamps debug datetime msec",
        f"hostname br-{index:04d}",
        "boot-start-marker",
        "boot-end-marker",
        "!",
        "aaa new-model",
        "username admin secret 5 x",
        "ip cef",
        "!",
        *groups.lines,
        "!",
        "interface GigabitEthernet0/0",
        " description WAN",
        f" ip address {wan_ip} 255.255.255.0",
        " ip nat outside",
        *([" ip access-group WAN-OUT out"] if wan_out else []),
        " duplex auto",
        " no shutdown",
        "!",
        "interface GigabitEthernet0/1",
        " description LAN",
        f" ip address {lan_net}.1 255.255.255.0",
        " ip access-group LAN-IN in",
        " ip nat inside",
        " no shutdown",
        "!",
        *acl_block("LAN-IN", lan_acl, numbered_seq=seq),
        "!",
        *(acl_block("WAN-OUT", wan_out_entries(rng), numbered_seq=seq) + ["!"] if wan_out else []),
        "ip access-list standard NAT-ACL",
        f" permit {lan_net}.0 0.0.0.255",
        "!",
        "ip nat inside source list NAT-ACL interface GigabitEthernet0/0 overload",
        *nat_extras(rng, lan_net),
        f"ip route 0.0.0.0 0.0.0.0 {wan_ip.rsplit('.', 1)[0]}.1",
        "!",
    ]
    tail = ["line con 0", " logging synchronous", "line vty 0 4", " transport input ssh", "end"]
    lines += filler(rng, target - len(lines) - len(tail)) + tail
    return "\n".join(lines) + "\n"


def nat_extras(rng: random.Random, lan_net: str) -> list[str]:
    """Return optional SIP ALG switches and static PAT lines."""
    lines: list[str] = []
    if rng.random() < 0.35:
        lines.append("no ip nat service sip udp port 5060")
        if rng.random() < 0.6:
            lines.append("no ip nat service sip tcp port 5060")
    if rng.random() < 0.3:
        for port in rng.sample(("443", "3389", "8080", "5060", "16384"), rng.randint(1, 3)):
            proto = "udp" if port in ("5060", "16384") else "tcp"
            lines.append(
                f"ip nat inside source static {proto} {lan_net}.{rng.randrange(10, 200)} "
                f"{port} interface GigabitEthernet0/0 {port}"
            )
    return lines


def branch_fleet(seed: int, count: int) -> list[tuple[str, str]]:
    """Return ``count`` (name, text) branch configs."""
    rng = random.Random(seed)
    return [(f"br-{i:04d}", branch_config(rng, i)) for i in range(count)]


# --- timing -----------------------------------------------------------------------------


def best_of(repeat: int, func: Callable[[], T]) -> tuple[float, T]:
    """Run ``func`` ``repeat`` times; return the fastest wall time (s) and the last result."""
    best = float("inf")
    result: T
    for _ in range(max(1, repeat)):
        gc.collect()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table."""

    workload: str
    what: str
    seconds: float
    note: str = ""


WARM_UP = "hostname warm-up\ninterface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"


class Auditor:
    """auditor's entry points with the pack and options loaded once (as the CLI does)."""

    def __init__(self) -> None:
        self.pack = policy.resolve(PACK_ID)
        self.options = engine.AuditOptions()
        self.full([("warm-up", WARM_UP)])  # imports the parser modules outside the timings

    def full(self, configs: Sequence[tuple[str, str]]) -> list[DeviceReport]:
        """Audit configs through ``audit_config`` (detect, parse, 9 checks)."""
        return [
            audit_config(name, text, f"file:{name}.cfg", None, [self.pack], self.options, remediation=False)
            for name, text in configs
        ]

    def parse(self, configs: Sequence[tuple[str, str]]) -> list[ConfigModel]:
        """Parse configs only."""
        return [parsers.parse(Platform.CISCO_IOS, text, f"{name}.cfg").model for name, text in configs]

    def evaluate(self, models: Sequence[ConfigModel]) -> int:
        """Run the pack's checks on parsed models; return the number of findings."""
        return sum(len(engine.audit(model, self.pack, self.options)) for model in models)


def hier_parse() -> Callable[[Sequence[tuple[str, str]]], int] | None:
    """Return a function parsing configs with hier_config, or None if it is not installed."""
    try:
        from hier_config import Platform as HPlatform
        from hier_config import get_hconfig
    except ImportError:
        return None

    def run(configs: Sequence[tuple[str, str]]) -> int:
        return sum(len(get_hconfig(HPlatform.CISCO_IOS, text).children) for _, text in configs)

    return run


def summarize(reports: Sequence[DeviceReport]) -> str:
    """Return device statuses and diagnostic count, to show the input was understood."""
    statuses = Counter(r.status for r in reports)
    diagnostics = sum(len(r.diagnostics) for r in reports)
    verdicts = Counter(f.status.value for r in reports for f in r.findings)
    parts = [f"{k} {v}" for k, v in sorted(statuses.items())]
    parts.append("findings " + "/".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    return ", ".join(parts) + f"; {diagnostics} diagnostics"


def bench_big(
    aud: Auditor, hier: Callable[[Sequence[tuple[str, str]]], int] | None, name: str, text: str, repeat: int
) -> list[Row]:
    """Time one large config: full audit, parse only, evaluate only, hier_config parse."""
    configs = [(name, text)]
    full_s, reports = best_of(repeat, lambda: aud.full(configs))
    parse_s, models = best_of(repeat, lambda: aud.parse(configs))
    eval_s, _ = best_of(repeat, lambda: aud.evaluate(models))
    lines = text.count("\n")
    rows = [
        Row(name, "auditor full audit", full_s, f"{lines} lines; {summarize(reports)}"),
        Row(name, "  parse", parse_s),
        Row(name, "  evaluate (9 checks)", eval_s),
    ]
    if hier is not None:
        hier_s, _ = best_of(repeat, lambda: hier(configs))
        rows.append(Row(name, "hier_config parse", hier_s, f"ratio auditor/hier {full_s / hier_s:.1f}x"))
    return rows


def bench_fleet(
    aud: Auditor,
    hier: Callable[[Sequence[tuple[str, str]]], int] | None,
    configs: Sequence[tuple[str, str]],
    repeat: int,
) -> list[Row]:
    """Time the branch fleet in-process: full audit, parse only, evaluate only, hier_config."""
    label = f"fleet x{len(configs)}"
    full_s, reports = best_of(repeat, lambda: aud.full(configs))
    parse_s, models = best_of(repeat, lambda: aud.parse(configs))
    eval_s, _ = best_of(repeat, lambda: aud.evaluate(models))
    lines = sum(text.count("\n") for _, text in configs)
    rows = [
        Row(label, "auditor in-process", full_s, f"{lines} lines; {summarize(reports)}"),
        Row(label, "  parse", parse_s),
        Row(label, "  evaluate (9 checks)", eval_s),
    ]
    if hier is not None:
        hier_s, _ = best_of(repeat, lambda: hier(configs))
        rows.append(Row(label, "hier_config parse", hier_s, f"ratio auditor/hier {full_s / hier_s:.1f}x"))
    return rows


def auditor_command() -> list[str]:
    """Return the argv prefix that runs the auditor CLI."""
    exe = shutil.which("auditor")
    return [exe] if exe else [sys.executable, "-c", "from auditor.cli import main; main()"]


def bench_cli(configs: Sequence[tuple[str, str]], workdir: Path) -> list[Row]:
    """Write the fleet to ``workdir`` and time one CLI run over every file (wall time)."""
    paths = []
    for name, text in configs:
        path = workdir / f"{name}.cfg"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    base = auditor_command()
    startup_s, _ = best_of(
        3, lambda: subprocess.run([*base, "policies", "list"], check=True, capture_output=True)
    )
    label = f"fleet x{len(configs)}"
    rows = []
    for what, extra in (
        ("auditor CLI (one run, --workers auto)", ["--no-remediation"]),
        ("auditor CLI with proven remediation", []),
    ):
        argv = [*base, "audit", *paths, "--format", "json", "--output", os.devnull, *extra]
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        wall = time.perf_counter() - start
        note = f"exit {done.returncode} (0/1 = audited)"
        if done.returncode not in (0, 1):
            note += f"; stderr: {done.stderr.strip()[:200]}"
        rows.append(Row(label, what, wall, note))
    return [
        *rows,
        Row("-", "CLI startup only", startup_s, "`auditor policies list`, best of 3"),
    ]


# --- report -----------------------------------------------------------------------------


def machine_info() -> list[str]:
    """Return lines describing the machine, Python, package versions and the auditor commit."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"cpu: {cpu}; nproc {affinity} (os.cpu_count {os.cpu_count()})",
        f"python: {pyplatform.python_implementation()} {pyplatform.python_version()} "
        f"on {pyplatform.platform()}",
        f"auditor {_version('auditor')} at {git_commit()}; hier_config {_version('hier_config')}",
    ]


def git_commit() -> str:
    """Return the short commit of the auditor checkout, marked when ``auditor/`` has changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "auditor"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return head + (" (auditor/ modified)" if dirty else "")


def load_average() -> str:
    """Return the 1-minute load average (other work on the machine skews wall times)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed (pip install -e '.[bench]')"


def print_table(rows: Sequence[Row], header: Sequence[str]) -> None:
    """Print the rows as a Markdown table, with header lines before it."""
    for line in header:
        print(line)
    print()
    print("| workload | measurement | seconds | notes |")
    print("| --- | --- | ---: | --- |")
    for row in rows:
        print(f"| {row.workload} | {row.what} | {row.seconds:.3f} | {row.note} |")


def aims(rows: Sequence[Row], fleet_size: int, acl_lines: int) -> list[str]:
    """Return one line per aim of the issue, met or missed (full-size runs only)."""
    if fleet_size != 1000 or acl_lines != 5000:
        return ["aims: not checked (not a full-size run)"]
    out = []
    for row in rows:
        if row.what in ("auditor in-process", "auditor CLI (one run, --workers auto)"):
            out.append(_aim(f"{row.what}, 1,000 configs", row.seconds, AIM_FLEET_S))
        elif row.what == "auditor full audit":
            out.append(_aim(f"{row.workload}, 5,000-line ACL", row.seconds, AIM_BIG_S))
    return out


def _aim(what: str, seconds: float, limit: float) -> str:
    verdict = "met" if seconds < limit else "MISSED"
    return f"aim {what} < {limit:g} s: {verdict} ({seconds:.2f} s)"


# --- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run (50 configs, 500-line ACL)")
    parser.add_argument("--seed", type=int, default=20240601, help="generator seed")
    parser.add_argument("--configs", type=int, help="fleet size (default 1000, quick 50)")
    parser.add_argument("--acl-lines", type=int, help="big ACL entries (default 5000, quick 500)")
    parser.add_argument("--repeat", type=int, help="best of N runs (default 5 big / 3 fleet, quick 1)")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI subprocess run")
    parser.add_argument("--only", choices=("big", "fleet"), help="run one workload (for profiling)")
    parser.add_argument("--keep", type=Path, help="write the generated configs here and keep them")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> list[Row]:
    """Generate the workloads and time them; return the result rows."""
    fleet_size = args.configs or (50 if args.quick else 1000)
    acl_lines = args.acl_lines or (500 if args.quick else 5000)
    repeat_big = args.repeat or (1 if args.quick else 5)
    repeat_fleet = args.repeat or (1 if args.quick else 3)
    aud, hier = Auditor(), hier_parse()
    rows: list[Row] = []
    if args.only in (None, "big"):
        for late in (False, True):
            name = f"big-{'late' if late else 'early'}"
            text = big_config(random.Random(args.seed), acl_lines, apple_late=late)
            _keep(args.keep, [(name, text)])
            rows += bench_big(aud, hier, name, text, repeat_big)
    if args.only in (None, "fleet"):
        fleet = branch_fleet(args.seed, fleet_size)
        _keep(args.keep, fleet)
        rows += bench_fleet(aud, hier, fleet, repeat_fleet)
        if not args.no_cli:
            with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
                rows += bench_cli(fleet, Path(tmp))
    return rows


def _keep(directory: Path | None, configs: Sequence[tuple[str, str]]) -> None:
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in configs:
        (directory / f"{name}.cfg").write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    args = parse_args(argv)
    started, load_before = time.perf_counter(), load_average()
    rows = run(args)
    fleet_size = args.configs or (50 if args.quick else 1000)
    acl_lines = args.acl_lines or (500 if args.quick else 5000)
    header = [
        f"auditor benchmark ({'quick' if args.quick else 'full'}; seed {args.seed}; "
        f"pack {PACK_ID}; times are best of N, wall clock)",
        *machine_info(),
        f"load average (1 min): {load_before} before, {load_average()} after",
    ]
    print_table(rows, header)
    print()
    for line in aims(rows, fleet_size, acl_lines):
        print(line)
    print(f"total benchmark time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
