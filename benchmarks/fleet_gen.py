"""Generate a mixed-platform fleet of configs for the fleet benchmark (deterministic from a seed).

Six platforms, each a small realistic skeleton (interfaces, NAT, the rule set bound on the
inside-to-outside path) filled with random rule entries until the config reaches its drawn
size (50-2,000 lines, log-uniform, so most configs are small and a few are large, as in a
real fleet). Random entries permit and deny random inside sources, destinations and ports,
a share of them touching Apple's ports, so verdicts differ from device to device.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

PLATFORMS = ("cisco_ios", "cisco_asa", "linux", "juniper_junos", "fortinet", "mikrotik_routeros")
_PORTS = (22, 25, 53, 80, 110, 123, 143, 443, 445, 993, 1433, 3306, 3389, 3478, 5060, 5223, 8080, 16384)


def _size(rng: random.Random) -> int:
    return int(math.exp(rng.uniform(math.log(50), math.log(2000))))


def _dst(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return "17.0.0.0/8"
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.0/24"


def _entry(rng: random.Random) -> tuple[str, str, str, int, int]:
    """Return (action, protocol, destination, low port, high port) of one random rule."""
    action = "deny" if rng.random() < 0.3 else "permit"
    protocol = rng.choice(("tcp", "udp"))
    low = rng.choice(_PORTS)
    high = low + (rng.randrange(0, 20) if rng.random() < 0.2 else 0)
    return action, protocol, _dst(rng), low, high


def _mask(prefix: str) -> tuple[str, str, str]:
    address, length = prefix.split("/")
    bits = (0xFFFFFFFF << (32 - int(length))) & 0xFFFFFFFF
    mask = ".".join(str(bits >> s & 255) for s in (24, 16, 8, 0))
    wild = ".".join(str(~bits >> s & 255) for s in (24, 16, 8, 0))
    return address, mask, wild


def cisco_ios(rng: random.Random, index: int, size: int) -> str:
    lan = f"10.{index // 256 % 256}.{index % 256}"
    head = [
        f"hostname ios-{index}",
        "interface GigabitEthernet0/0",
        " ip address 198.51.100.2 255.255.255.0",
        " ip nat outside",
        "interface GigabitEthernet0/1",
        f" ip address {lan}.1 255.255.255.0",
        " ip nat inside",
        " ip access-group LAN-IN in",
        "ip access-list extended LAN-IN",
    ]
    tail = [
        " permit ip any any",
        f"ip access-list standard NAT\n permit {lan}.0 0.0.0.255",
        "ip nat inside source list NAT interface GigabitEthernet0/0 overload",
        "ip route 0.0.0.0 0.0.0.0 198.51.100.1",
        "end",
    ]
    body = []
    for _ in range(max(1, size - len(head) - len(tail))):
        action, protocol, dst, low, high = _entry(rng)
        address, _, wild = _mask(dst)
        ports = f"eq {low}" if low == high else f"range {low} {high}"
        body.append(f" {action} {protocol} {lan}.0 0.0.0.255 {address} {wild} {ports}")
    return "\n".join(head + body + tail) + "\n"


def cisco_asa(rng: random.Random, index: int, size: int) -> str:
    lan = f"10.{index // 256 % 256}.{index % 256}"
    head = [
        "ASA Version 9.12(4)",
        f"hostname asa-{index}",
        "interface GigabitEthernet0/0",
        " nameif outside",
        " security-level 0",
        " ip address 198.51.100.2 255.255.255.0",
        "interface GigabitEthernet0/1",
        " nameif inside",
        " security-level 100",
        f" ip address {lan}.1 255.255.255.0",
    ]
    tail = [
        "access-list INSIDE_IN extended permit ip any any",
        "access-group INSIDE_IN in interface inside",
        "route outside 0.0.0.0 0.0.0.0 198.51.100.1",
    ]
    body = []
    for _ in range(max(1, size - len(head) - len(tail))):
        action, protocol, dst, low, high = _entry(rng)
        address, mask, _ = _mask(dst)
        ports = f"eq {low}" if low == high else f"range {low} {high}"
        body.append(
            f"access-list INSIDE_IN extended {action} {protocol} {lan}.0 255.255.255.0 "
            f"{address} {mask} {ports}"
        )
    return "\n".join(head + body + tail) + "\n"


def linux(rng: random.Random, index: int, size: int) -> str:
    lan = f"10.{index // 256 % 256}.{index % 256}.0/24"
    head = [
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD DROP [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        "-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    ]
    tail = [
        "-A FORWARD -i eth1 -o eth0 -j ACCEPT",
        "COMMIT",
        "*nat",
        ":PREROUTING ACCEPT [0:0]",
        ":INPUT ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]",
        f"-A POSTROUTING -s {lan} -o eth0 -j MASQUERADE",
        "COMMIT",
    ]
    body = []
    for _ in range(max(1, size - len(head) - len(tail))):
        action, protocol, dst, low, high = _entry(rng)
        ports = str(low) if low == high else f"{low}:{high}"
        target = "ACCEPT" if action == "permit" else "DROP"
        body.append(
            f"-A FORWARD -i eth1 -o eth0 -s {lan} -d {dst} -p {protocol} -m {protocol} "
            f"--dport {ports} -j {target}"
        )
    return "\n".join(head + body + tail) + "\n"


def juniper_junos(rng: random.Random, index: int, size: int) -> str:
    lan = f"10.{index // 256 % 256}.{index % 256}"
    head = [
        f"set system host-name srx-{index}",
        "set interfaces ge-0/0/0 unit 0 family inet address 198.51.100.2/24",
        f"set interfaces ge-0/0/1 unit 0 family inet address {lan}.1/24",
        "set security zones security-zone untrust interfaces ge-0/0/0.0",
        "set security zones security-zone trust interfaces ge-0/0/1.0",
        "set security nat source rule-set out from zone trust",
        "set security nat source rule-set out to zone untrust",
        "set security nat source rule-set out rule r1 match source-address 0.0.0.0/0",
        "set security nat source rule-set out rule r1 then source-nat interface",
        "set routing-options static route 0.0.0.0/0 next-hop 198.51.100.1",
    ]
    tail = [
        "set security policies from-zone trust to-zone untrust policy last match source-address any",
        "set security policies from-zone trust to-zone untrust policy last match destination-address any",
        "set security policies from-zone trust to-zone untrust policy last match application any",
        "set security policies from-zone trust to-zone untrust policy last then permit",
    ]
    body: list[str] = []
    n = 0
    while len(head) + len(body) + len(tail) + 7 <= size or n == 0:
        action, protocol, dst, low, high = _entry(rng)
        n += 1
        policy = f"set security policies from-zone trust to-zone untrust policy p{n}"
        body += [
            f"set security address-book global address a{n} {dst}",
            f"set applications application app{n} protocol {protocol}",
            f"set applications application app{n} destination-port {low if low == high else f'{low}-{high}'}",
            f"{policy} match source-address any",
            f"{policy} match destination-address a{n}",
            f"{policy} match application app{n}",
            f"{policy} then {'permit' if action == 'permit' else 'deny'}",
        ]
    return "\n".join(head + body + tail) + "\n"


def fortinet(rng: random.Random, index: int, size: int) -> str:
    lan = f"10.{index // 256 % 256}.{index % 256}"
    head = [
        "config system interface",
        '    edit "wan1"',
        "        set ip 198.51.100.2 255.255.255.0",
        "        set role wan",
        "    next",
        '    edit "internal"',
        f"        set ip {lan}.1 255.255.255.0",
        "        set role lan",
        "    next",
        "end",
        "config router static",
        "    edit 1",
        "        set gateway 198.51.100.1",
        '        set device "wan1"',
        "    next",
        "end",
    ]
    addresses: list[str] = ["config firewall address"]
    services: list[str] = ["config firewall service custom"]
    policies: list[str] = ["config firewall policy"]
    n = 0
    while len(head) + len(addresses) + len(services) + len(policies) + 24 <= size or n == 0:
        action, protocol, dst, low, high = _entry(rng)
        n += 1
        address, mask, _ = _mask(dst)
        ports = str(low) if low == high else f"{low}-{high}"
        addresses += [f'    edit "a{n}"', f"        set subnet {address} {mask}", "    next"]
        services += [f'    edit "s{n}"', f"        set {protocol}-portrange {ports}", "    next"]
        policies += [
            f"    edit {n}",
            '        set srcintf "internal"',
            '        set dstintf "wan1"',
            '        set srcaddr "all"',
            f'        set dstaddr "a{n}"',
            f"        set action {'accept' if action == 'permit' else 'deny'}",
            '        set schedule "always"',
            f'        set service "s{n}"',
            "    next",
        ]
    policies += [
        f"    edit {n + 1}",
        '        set srcintf "internal"',
        '        set dstintf "wan1"',
        '        set srcaddr "all"',
        '        set dstaddr "all"',
        "        set action accept",
        '        set schedule "always"',
        '        set service "ALL"',
        "        set nat enable",
        "    next",
    ]
    return "\n".join(head + addresses + ["end"] + services + ["end"] + policies + ["end"]) + "\n"


def mikrotik_routeros(rng: random.Random, index: int, size: int) -> str:
    lan = f"10.{index // 256 % 256}.{index % 256}"
    head = [
        f"# RouterOS 7.12 ros-{index}",
        "/interface list",
        "add name=WAN",
        "add name=LAN",
        "/interface list member",
        "add interface=ether1 list=WAN",
        "add interface=bridge list=LAN",
        "/ip address",
        "add address=198.51.100.2/24 interface=ether1",
        f"add address={lan}.1/24 interface=bridge",
        "/ip route",
        "add dst-address=0.0.0.0/0 gateway=198.51.100.1",
        "/ip firewall filter",
        "add action=accept chain=forward connection-state=established,related",
    ]
    tail = [
        "add action=drop chain=forward in-interface-list=WAN",
        "/ip firewall nat",
        "add action=masquerade chain=srcnat out-interface-list=WAN",
    ]
    body = []
    for _ in range(max(1, size - len(head) - len(tail))):
        action, protocol, dst, low, high = _entry(rng)
        ports = str(low) if low == high else f"{low}-{high}"
        verb = "accept" if action == "permit" else "drop"
        body.append(
            f"add action={verb} chain=forward dst-address={dst} dst-port={ports} protocol={protocol} "
            f"src-address={lan}.0/24"
        )
    return "\n".join(head + body + tail) + "\n"


GENERATORS: dict[str, Callable[[random.Random, int, int], str]] = {
    "cisco_ios": cisco_ios,
    "cisco_asa": cisco_asa,
    "linux": linux,
    "juniper_junos": juniper_junos,
    "fortinet": fortinet,
    "mikrotik_routeros": mikrotik_routeros,
}


def fleet(seed: int, count: int) -> list[tuple[str, str, str]]:
    """Return ``count`` (name, platform, text) configs, platforms in turn, sizes drawn per config."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        platform = PLATFORMS[index % len(PLATFORMS)]
        out.append((f"dev-{index:05d}", platform, GENERATORS[platform](rng, index, _size(rng))))
    return out
