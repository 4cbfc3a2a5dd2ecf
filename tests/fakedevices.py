"""Real SSH servers on loopback for the collection tests.

- ``fakenos_fleet``: FakeNOS (PyPI) serving our own sample running-configs over real SSH, one
  emulated network OS per platform, with the prompts and session-preparation answers netmiko's
  driver for that platform expects. FakeNOS's shell is wrapped so every line a client sends is
  recorded on the server side: the proof that a session sent nothing but the allow-list.
- ``silent_server``: a listening socket that accepts and never speaks (a hung device).
- ``closing_server``: a real paramiko SSH server that answers like IOS, then on
  ``show running-config`` sends part of the config and closes the session.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko
from fakenos import FakeNOS
from fakenos.core.nos import Nos
from fakenos.plugins.shell.cmd_shell import CMDShell

ROOT = Path(__file__).resolve().parent.parent
DEVICES = Path(__file__).resolve().parent / "collect" / "devices"
USER, PASSWORD = "auditor", "s3cret-Collect!"

# What each emulated platform answers: its prompt (FakeNOS formats {base_prompt}), the
# session-preparation commands netmiko's driver sends (with the text it waits for), and the
# config command(s) with our sample config as output.
_PROMPTS = {
    "cisco_ios": "{base_prompt}#",
    "cisco_asa": "{base_prompt}#",
    "arista_eos": "{base_prompt}#",
    "cisco_nxos": "{base_prompt}#",
    "juniper_junos": "{base_prompt}>",
    "fortinet": "{base_prompt} #",
    "paloalto_panos": "{base_prompt}>",
    "mikrotik_routeros": "[{base_prompt}] > ",
}
_BASE = {  # user@host prompts
    "juniper_junos": "auditor@{name}",
    "paloalto_panos": "auditor@{name}",
    "mikrotik_routeros": "auditor@{name}",
}
_SESSION: dict[str, dict[str, str]] = {
    "cisco_ios": {"terminal width 511": "", "terminal length 0": ""},
    "cisco_asa": {
        "show curpriv": "Username : enable_15\nCurrent privilege level : 15\nCurrent Mode/s : P_PRIV",
        "terminal pager 0": "",
    },
    "arista_eos": {
        "terminal width 511": "Width set to 511 columns.",
        "terminal length 0": "Pagination disabled.",
    },
    "cisco_nxos": {"terminal width 511": "", "terminal length 0": ""},
    "juniper_junos": {
        "set cli screen-width 511": "Screen width set to 511",
        "set cli complete-on-space off": "Disabling complete-on-space",
        "set cli screen-length 0": "Screen length set to 0",
    },
    "fortinet": {
        "get system status | grep Virtual": "Virtual domain configuration: disable",
        "get system status | grep Version": "Version: FortiGate-VM64 v7.2.5,build1517,230606 (GA.F)",
        "get system console": "mode                : line\noutput              : standard",
    },
    "paloalto_panos": {
        "set cli scripting-mode on": "",
        "set cli terminal width 500": "",
        "set cli pager off": "",
        "show system info": "hostname: edge-pa-01\noperational-mode: normal\nsw-version: 10.2.4",
    },
    "mikrotik_routeros": {},
}
SAMPLES = {
    "cisco_ios": ROOT / "inventory" / "configs" / "br-rtr-02.cfg",
    "cisco_asa": DEVICES / "cisco_asa.cfg",
    "arista_eos": DEVICES / "arista_eos.cfg",
    "cisco_nxos": DEVICES / "cisco_nxos.cfg",
    "juniper_junos": DEVICES / "juniper_junos.set",
    "fortinet": DEVICES / "fortinet.conf",
    "paloalto_panos": DEVICES / "paloalto_panos.set",
    "mikrotik_routeros": DEVICES / "mikrotik_routeros.rsc",
}
CONFIG_COMMANDS = {
    "cisco_ios": ("show running-config",),
    "cisco_asa": ("show running-config",),
    "arista_eos": ("show running-config",),
    "cisco_nxos": ("show running-config",),
    "juniper_junos": ("show configuration | display set",),
    "fortinet": ("show full-configuration",),
    "paloalto_panos": ("set cli config-output-format set", "show config running"),
    "mikrotik_routeros": ("/export",),
}


@dataclass
class Recorder:
    """Lines the server received, per device (its base prompt)."""

    lines: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, device: str, line: str) -> None:
        with self.lock:
            self.lines.setdefault(device, []).append(line)


def nos_for(platform: str, config: str | None = None, answers: dict[str, str] | None = None) -> Nos:
    """A FakeNOS OS for a platform serving ``config`` (the sample when None); ``answers`` override."""
    prompt = _PROMPTS[platform]
    text = config if config is not None else SAMPLES[platform].read_text()
    session = {**_SESSION[platform], **(answers or {})}
    commands: dict[str, Any] = {
        cmd: {"output": out, "help": cmd, "prompt": prompt} for cmd, out in session.items()
    }
    for cmd in CONFIG_COMMANDS[platform][:-1]:
        commands[cmd] = {"output": "", "help": cmd, "prompt": prompt}
    commands[CONFIG_COMMANDS[platform][-1]] = {"output": text, "help": "config", "prompt": prompt}
    return Nos(name=f"auditor_{platform}", initial_prompt=prompt, commands=commands)


@contextmanager
def fakenos_fleet(
    hosts: dict[str, tuple[str, int]],
    configs: dict[str, str] | None = None,
    answers: dict[str, dict[str, str]] | None = None,
) -> Iterator[Recorder]:
    """Serve ``{name: (platform, port)}`` on 127.0.0.1; yield what each received."""
    recorder = Recorder()

    class RecordingShell(CMDShell):  # type: ignore[misc]
        stopping = False

        def stop(self) -> None:
            self.stopping = True  # FakeNOS writes "exit" to its own stdin to stop: not the client's
            super().stop()

        def precmd(self, line: str) -> str:
            if not self.stopping:
                recorder.add(self.base_prompt, line.strip())
            return str(super().precmd(line))

    plugins = {}
    inventory: dict[str, Any] = {"hosts": {}}
    for name, (platform, port) in hosts.items():
        key = f"auditor_{platform}_{name}"
        nos = nos_for(platform, (configs or {}).get(name), (answers or {}).get(name))
        nos.name = key
        plugins[key] = nos
        user = f"{USER}+ct511w4098h" if platform == "mikrotik_routeros" else USER  # netmiko's login options
        inventory["hosts"][name] = {
            "username": user,
            "password": PASSWORD,
            "port": port,
            "platform": platform,
            "nos": {"plugin": key},
            "shell": {"plugin": "CMDShell", "configuration": {"base_prompt": base_prompt(platform, name)}},
        }
    # FortiOS clients (netmiko) ask for Diffie-Hellman group exchange: the server needs moduli.
    paramiko.Transport.load_server_moduli()
    net = FakeNOS(inventory=inventory, plugins=list(plugins.values()))
    net.shell_plugins["CMDShell"] = RecordingShell
    net.start()  # hosts start in threads: wait until each listens
    try:
        for _, port in hosts.values():
            wait_for_port(port)
        yield recorder
    finally:
        _wake_waiting_sessions(net)
        net.stop()


def _wake_waiting_sessions(net: Any) -> None:
    """Release FakeNOS workers still waiting for a channel that will never come.

    A connection that never opens a channel (the port probe above, a client that refused the
    host key) leaves FakeNOS's worker in ``Transport.accept()`` with no timeout; closing the
    transport does not wake it, and the worker is not a daemon thread, so the test process
    would never exit. Notifying the wait lets the worker see no channel and end.
    """
    for host in net.hosts.values():
        server = getattr(host, "server", None)
        sessions = getattr(server, "_active_sessions", set())
        for session in list(sessions):
            session.close()
            with session.lock:
                session.server_accept_cv.notify_all()


def base_prompt(platform: str, name: str) -> str:
    """The prompt stem a device shows (and the key its received lines are recorded under)."""
    return _BASE.get(platform, "{name}").format(name=name)


def wait_for_port(port: int, deadline: float = 10.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fakenos_host_key() -> paramiko.PKey:
    """The host key every FakeNOS server presents (FakeNOS ships one default key)."""
    import io

    from fakenos.plugins.servers.ssh_server_paramiko import DEFAULT_SSH_KEY

    return paramiko.RSAKey(file_obj=io.StringIO(DEFAULT_SSH_KEY))


def known_hosts_line(port: int, key: paramiko.PKey) -> str:
    return f"[127.0.0.1]:{port} {key.get_name()} {key.get_base64()}\n"


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never sends a byte."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


class _Server(paramiko.ServerInterface):
    """Password or keyboard-interactive login (PAN-OS's netmiko driver uses the latter)."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def check_auth_password(self, username: str, password: str) -> int:
        ok = not self.interactive and username == USER and password == PASSWORD
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_interactive(self, username: str, submethods: str) -> Any:
        if not self.interactive or username != USER:
            return paramiko.AUTH_FAILED
        query = paramiko.InteractiveQuery("", "")
        query.add_prompt("Password: ", False)
        return query

    def check_auth_interactive_response(self, responses: list[str]) -> int:
        ok = list(responses) == [PASSWORD]
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "keyboard-interactive" if self.interactive else "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        ok = kind == "session"
        return paramiko.OPEN_SUCCEEDED if ok else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, *args: Any) -> bool:
        return True

    def check_channel_shell_request(self, channel: Any) -> bool:
        return True


@contextmanager
def scripted_server(
    host_key: paramiko.PKey,
    prompt: str,
    answers: dict[str, str],
    *,
    interactive: bool = False,
    echo_prompt: bool = False,
    drop_on: str | None = None,
) -> Iterator[tuple[int, Recorder]]:
    """A real paramiko SSH server with a line shell: each known command gets its answer.

    ``drop_on``: send the first half of that command's answer, then close the session.
    ``echo_prompt``: repeat the prompt before echoing a line, as PAN-OS shows it to netmiko.
    Unknown commands get an error line. Every received line is recorded.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    recorder = Recorder()
    stop = threading.Event()

    def crlf(text: str) -> bytes:
        return "".join(line + "\r\n" for line in text.splitlines()).encode()

    def serve(client: socket.socket) -> None:
        transport = paramiko.Transport(client)
        transport.add_server_key(host_key)
        try:
            transport.start_server(server=_Server(interactive))
            channel = transport.accept(10)
            if channel is None:
                return
            channel.send(prompt.encode())
            buffer = b""
            while not stop.is_set():
                data = channel.recv(1024)
                if not data:
                    return
                buffer += data
                while b"\n" in buffer:
                    raw, buffer = buffer.split(b"\n", 1)
                    line = raw.decode().strip()
                    recorder.add(prompt, line)
                    channel.send((prompt if echo_prompt and line else "").encode() + line.encode() + b"\r\n")
                    if line and line == drop_on:
                        lines = answers[line].splitlines()
                        channel.send(crlf("\n".join(lines[: len(lines) // 2])))
                        time.sleep(0.2)
                        channel.close()
                        return
                    if line in ("exit", "quit"):
                        channel.close()
                        return
                    if line:
                        channel.send(crlf(answers.get(line, f"Unknown command: {line}")))
                    channel.send(prompt.encode())
        except (EOFError, OSError, paramiko.SSHException):
            return
        finally:
            transport.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(client,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1]), recorder
    finally:
        stop.set()
        thread.join()
        sock.close()


@contextmanager
def closing_server(host_key: paramiko.PKey, config: str) -> Iterator[tuple[int, Recorder]]:
    """An IOS-like SSH server that drops the session half-way through ``show running-config``."""
    answers = {"terminal width 511": "", "terminal length 0": "", "show running-config": config}
    with scripted_server(host_key, "edge-rtr-09#", answers, drop_on="show running-config") as served:
        yield served
