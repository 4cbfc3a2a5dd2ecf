"""The read-only allow-list: what a collection session may send to a device, per platform.

``COMMANDS`` are the commands whose output is the configuration. ``SESSION`` are the lines
netmiko's driver sends to prepare and end the session (paging, width, privilege, exit); each
one only changes the terminal of this session, never the device's configuration. Anything
else is refused by ``guard.ReadOnlyGuard`` before it reaches the device.
"""

from __future__ import annotations

# Command(s) whose combined output is the config, in order. PAN-OS first switches this CLI
# session's output format to set commands: a `set cli ...` operational command changes the
# session's display, not the candidate or running configuration.
COMMANDS: dict[str, tuple[str, ...]] = {
    "cisco_ios": ("show running-config",),
    "cisco_xe": ("show running-config",),
    "cisco_asa": ("show running-config",),
    "cisco_nxos": ("show running-config",),
    "arista_eos": ("show running-config",),
    "juniper_junos": ("show configuration | display set",),
    "fortinet": ("show full-configuration",),
    "paloalto_panos": ("set cli config-output-format set", "show config running"),
    "mikrotik_routeros": ("/export",),
}

# RouterOS with `export_verbose: true`: defaults printed too. The config text is always the
# output of the last command of a platform's list.
VERBOSE_EXPORT = "/export verbose"

_CISCO = ("terminal width 511", "terminal length 0", "exit", "logout")
SESSION: dict[str, frozenset[str]] = {
    "cisco_ios": frozenset(_CISCO),
    "cisco_xe": frozenset(_CISCO),
    "cisco_nxos": frozenset(_CISCO),
    "arista_eos": frozenset(_CISCO + ("enable",)),
    # ASA: privilege (enable / login), then paging off for this session only.
    "cisco_asa": frozenset(("show curpriv", "enable", "login", "terminal pager 0", "exit", "logout")),
    "juniper_junos": frozenset(
        (
            "cli",
            "set cli screen-width 511",
            "set cli complete-on-space off",
            "set cli screen-length 0",
            "exit",
        )
    ),
    # FortiOS: netmiko reads the VDOM mode, version and console output mode. If the console
    # pages ("more"), netmiko would reconfigure it: those config lines are not allowed.
    "fortinet": frozenset(
        (
            "get system status | grep Virtual",
            "get system status | grep Version",
            "get system console",
            "show full-configuration system console",
            "exit",
        )
    ),
    "paloalto_panos": frozenset(
        (
            "set cli scripting-mode on",
            "set cli terminal width 500",
            "set cli pager off",
            "show system info",
            "exit",
        )
    ),
    "mikrotik_routeros": frozenset(("/quit", "quit")),
}

# Lines in a command's output that mean the device refused or did not know the command.
REFUSALS = (
    "% invalid input",
    "% unknown command",
    "% incomplete command",
    "% ambiguous command",
    "% invalid command",
    "% permission denied",
    "% authorization failed",
    "error: syntax error",
    "error: unknown command",
    "unknown command",
    "invalid command",
    "command fail",
    "bad command name",
    "expected end of command",
    "syntax error",
    "command authorization failed",
)

# The line a complete config ends with, where the platform prints one: a config cut short
# (a closed session, a pager) lacks it.
LAST_LINE: dict[str, tuple[str, ...]] = {
    "cisco_ios": ("end",),
    "cisco_xe": ("end",),
    "arista_eos": ("end",),
    "cisco_asa": (": end", "end"),
}


# `method: napalm`: the napalm driver for each netmiko platform it collects. Only drivers that
# run over netmiko are here, so the read-only guard and host-key checks are the same as for
# `method: netmiko`; napalm's `get_config(retrieve="running")` sends `show running-config`.
NAPALM_DRIVERS: dict[str, str] = {
    "cisco_ios": "ios",
    "cisco_xe": "ios",
    "cisco_nxos": "nxos_ssh",
}
# Platforms napalm has a driver for that auditor does not collect through it, and why.
NAPALM_REFUSED: dict[str, str] = {
    "arista_eos": "napalm's eos driver uses eAPI over HTTPS by default, with certificate checks "
    "off; its SSH transport enables before the read-only guard can be installed and hides "
    "'% Invalid input' refusals: use method: netmiko",
    "juniper_junos": "napalm's junos driver uses NETCONF through PyEZ with host-key checking off "
    "(napalm passes no option to turn it on), and sends RPCs the read-only guard cannot check: "
    "use method: netmiko",
}


def commands_for(platform: str, export_verbose: bool = False) -> tuple[str, ...]:
    """The config commands for a netmiko platform (KeyError when auditor has none for it)."""
    if platform == "mikrotik_routeros" and export_verbose:
        return (VERBOSE_EXPORT,)
    return COMMANDS[platform]


def allowed(platform: str, export_verbose: bool = False) -> frozenset[str]:
    """Every line a session with this platform may send (besides empty lines and the secret)."""
    return SESSION.get(platform, frozenset()) | frozenset(commands_for(platform, export_verbose))
