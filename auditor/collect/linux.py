"""Collect a Linux firewall's ruleset over SSH: ``iptables-save`` or ``nft list ruleset``.

paramiko directly (one exec channel, no shell): the exit status and stderr say whether the
dump is whole; ``sudo -n`` never waits for a password. Host keys are checked strictly
against the inventory's known_hosts file.
"""

from __future__ import annotations

import paramiko

from auditor.collect import check
from auditor.collect.guard import ReadOnlyGuard
from auditor.collect.result import Incomplete, Permanent
from auditor.inventory import Device

DUMPS = {"iptables": "iptables-save", "nft": "nft list ruleset"}
ALLOWED = frozenset(DUMPS.values()) | frozenset(f"sudo -n {c}" for c in DUMPS.values())


def command(device: Device) -> str:
    """The one command run on the host."""
    dump = DUMPS[device.linux_ruleset]
    return f"sudo -n {dump}" if device.sudo else dump


def source(device: Device) -> str:
    """How the ruleset was obtained, for reports."""
    return f"ssh-linux@{device.host}:{device.port} '{command(device)}'"


def collect(device: Device, password: str | None, guard: ReadOnlyGuard) -> str:
    """Run the dump and return its whole output.

    Raises:
        Permanent: the command failed (e.g. sudo wants a password). Incomplete: cut short.
        paramiko's exceptions for connection, auth and host-key failures.
    """
    client = paramiko.SSHClient()
    if device.known_hosts.is_file():
        client.load_host_keys(str(device.known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            str(device.host),
            port=device.port,
            username=device.username,
            password=password,
            key_filename=str(device.key_file) if device.key_file else None,
            timeout=device.timeout,
            banner_timeout=device.timeout,
            auth_timeout=device.timeout,
            allow_agent=False,
            look_for_keys=False,
        )
        cmd = command(device)
        guard.check(cmd + "\n")
        _, stdout, stderr = client.exec_command(cmd, timeout=device.timeout)
        out = stdout.read().decode("utf-8", errors="replace")
        err = stderr.read().decode("utf-8", errors="replace").strip()
        status = stdout.channel.recv_exit_status()
    finally:
        client.close()
    if status == -1:
        raise Incomplete(f"{cmd!r}: session closed before the command finished; output discarded")
    if status != 0:
        first = err.splitlines()[0] if err else "no message"
        raise Permanent(f"{cmd!r} exited {status}: {first[:160]}")
    if device.linux_ruleset == "iptables":
        check.iptables_save(out)
    else:
        check.nft_ruleset(out)
    return str(out)
