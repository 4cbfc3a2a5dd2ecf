"""Collect a running config with napalm's ``get_config``, through nornir-napalm's connection plugin.

Only napalm drivers that run over netmiko are used (``commands.NAPALM_DRIVERS``), so the
safety is the netmiko method's: the netmiko options (strict host keys from the inventory's
known_hosts only, timeouts, no agent) pass through napalm's ``optional_args``. napalm's
``open()`` is told not to connect (netmiko's ``auto_connect=False``) and not to enable
(``force_no_enable``), so it only builds the netmiko connection; the read-only guard is
installed on it and then it logs in. Every line of the session, login preparation included,
goes through the guard. napalm is imported by nornir-napalm only when such a device is collected.
"""

from __future__ import annotations

from typing import Any

from nornir.core.configuration import SSHConfig
from nornir.core.task import Task

from auditor.collect import check, netmiko_driver
from auditor.collect.commands import NAPALM_DRIVERS
from auditor.collect.guard import ReadOnlyGuard
from auditor.inventory import Device

CONNECTION = "napalm"
COMMAND = "show running-config"  # what get_config(retrieve="running") sends on these drivers


def driver(device: Device) -> str:
    """The napalm driver name for the device's netmiko platform."""
    return NAPALM_DRIVERS[str(device.platform)]


def extras(device: Device, secret: str | None) -> dict[str, Any]:
    """The napalm driver's keyword arguments beyond hostname, username and password."""
    netmiko_options = netmiko_driver.extras(device, secret)
    # nornir-napalm's own optional_args (the ssh config file) are replaced by these, so the
    # file nornir-netmiko gives the netmiko method is passed here too: the same SSH settings.
    netmiko_options["ssh_config_file"] = SSHConfig().config_file
    return {
        "timeout": device.timeout,
        "optional_args": {**netmiko_options, "force_no_enable": True},
    }


def source(device: Device) -> str:
    """How the config was obtained, for reports: method, platform, address, napalm call."""
    return (
        f"napalm:{device.platform}@{device.host}:{device.port} "
        f"{driver(device)} get_config(retrieve='running')"
    )


def collect(task: Task, device: Device, guard: ReadOnlyGuard) -> str:
    """Open a guarded session through napalm and return its running config, whole.

    Raises:
        Permanent, Incomplete, ReadOnlyViolation, or netmiko's and paramiko's exceptions.
    """
    napalm_device = task.host.get_connection(CONNECTION, task.nornir.config)
    connection = napalm_device.device  # netmiko's, built by napalm's open() and not yet connected
    guard.install(connection)
    connection._open()  # netmiko's connect + session preparation, behind the guard
    from napalm.base.exceptions import ConnectionClosedException  # loaded already by nornir-napalm

    try:
        configs = napalm_device.get_config(retrieve="running")
    except ConnectionClosedException as exc:
        # napalm wraps a closed socket or EOF: hand on the cause so a dropped session is
        # explained (and retried) like one under the netmiko method.
        if exc.__context__ is not None:
            raise exc.__context__ from None
        raise
    text = netmiko_driver.without_trailing_prompt(str(configs["running"]), str(connection.base_prompt))
    check.whole_config(str(device.platform), COMMAND, text)
    return text.rstrip("\n") + "\n"
