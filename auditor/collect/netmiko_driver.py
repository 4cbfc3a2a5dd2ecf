"""Collect a network OS's configuration with netmiko, through nornir-netmiko's connection plugin.

The connection is created unconnected so the read-only guard sits on it before login;
host keys are checked strictly against the inventory's known_hosts file only (no system
files, no agent); the config commands come from ``commands.COMMANDS``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from nornir.core.task import Task

from auditor.collect import check
from auditor.collect.commands import allowed, commands_for
from auditor.collect.guard import ReadOnlyGuard
from auditor.inventory import Device

CONNECTION = "netmiko"
_ASA_SETTLE = 1.0  # seconds


def extras(device: Device, secret: str | None) -> dict[str, Any]:
    """Arguments for netmiko's ConnectHandler arguments beyond host, port, user, password and platform."""
    timeout = device.timeout
    return {
        "secret": secret or "",
        "ssh_strict": True,  # paramiko RejectPolicy: unknown keys refused
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(device.known_hosts),
        "use_keys": device.key_file is not None,
        "key_file": str(device.key_file) if device.key_file else None,
        "allow_agent": False,
        "conn_timeout": timeout,
        "auth_timeout": timeout,
        "banner_timeout": timeout,
        "read_timeout_override": timeout,
        "allow_auto_change": False,  # never let the driver change terminal settings in config mode
        "auto_connect": False,  # connect after the guard is installed
        "session_log": None,
    }


def source(device: Device) -> str:
    """How the config was obtained, for reports: method, platform, address and commands."""
    cmds = " + ".join(f"'{c}'" for c in commands_for(str(device.platform), device.export_verbose))
    return f"netmiko:{device.platform}@{device.host}:{device.port} {cmds}"


def collect(task: Task, device: Device, guard: ReadOnlyGuard) -> str:
    """Open a guarded session, run the config commands, and return the last one's whole output.

    Raises:
        Permanent, Incomplete, ReadOnlyViolation, or netmiko's and paramiko's exceptions.
    """
    platform = str(device.platform)
    commands = commands_for(platform, device.export_verbose)
    connection = task.host.get_connection(CONNECTION, task.nornir.config)
    guard.install(connection)
    connection._open()  # netmiko's own connect + session preparation, now behind the guard
    output = ""
    for command in commands:
        kwargs = {}
        if platform == "cisco_asa":
            # netmiko turns echo verification off on an ASA whose width it may not set (we never
            # let it: that is a config-mode command), and can then take a prompt still in flight
            # from session preparation for the end of the output. Let it arrive, drop it, verify.
            time.sleep(_ASA_SETTLE)
            connection.clear_buffer()
            kwargs["cmd_verify"] = True
        output = connection.send_command(command, read_timeout=device.timeout, **kwargs)
        check.refused(command, output)
    output = without_trailing_prompt(str(output), str(connection.base_prompt))
    check.whole_config(platform, commands[-1], output)
    return output


def without_trailing_prompt(output: str, base_prompt: str) -> str:
    """Drop a last line that is the device's prompt (netmiko misses it when it arrives split)."""
    lines = output.rstrip().splitlines()
    stem = re.escape(base_prompt.strip().strip("[]"))
    if lines and base_prompt.strip() and re.fullmatch(rf"\[?{stem}\]?\s*[>#$%]", lines[-1].strip()):
        return "\n".join(lines[:-1]) + "\n"
    return output


def session_allow_list(device: Device) -> frozenset[str]:
    """The lines this device's session may send."""
    return allowed(str(device.platform), device.export_verbose)
