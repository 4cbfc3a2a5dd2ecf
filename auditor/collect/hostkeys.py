"""SSH host keys: verified against a known_hosts file; a new key recorded only when asked.

Sessions always connect with a reject policy, so an unknown key is refused and a changed key
is refused always (paramiko's BadHostKeyException). ``--accept-new-host-keys`` is trust on
first use, like OpenSSH's ``StrictHostKeyChecking=accept-new``: before connecting, a host with
no entry at all gets the key it presents appended to the file; a host that has one is left
alone, so a changed key still fails the strict connection.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import paramiko

_WRITE = threading.Lock()  # sessions run in threads: one writer at a time


def entry_name(host: str, port: int) -> str:
    """The host's name as known_hosts writes it (``[host]:port`` off port 22)."""
    return host if port == 22 else f"[{host}]:{port}"


def is_known(known_hosts: Path, host: str, port: int) -> bool:
    """Whether the file has any key for this host and port."""
    if not known_hosts.is_file():
        return False
    keys = paramiko.HostKeys(str(known_hosts))
    return keys.lookup(entry_name(host, port)) is not None


def accept_new(known_hosts: Path, host: str, port: int, timeout: float) -> str | None:
    """Record the key a host presents when the file has none for it; return its fingerprint.

    Returns None when the host already has an entry (the strict connection checks it).
    """
    with _WRITE:
        if is_known(known_hosts, host, port):
            return None
    key = _server_key(host, port, timeout)
    with _WRITE:
        if is_known(known_hosts, host, port):
            return None
        known_hosts.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Append, never rewrite: the user's file keeps its comments, markers and order.
        fd = os.open(known_hosts, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as handle:
            handle.write(f"{entry_name(host, port)} {key.get_name()} {key.get_base64()}\n")
    return str(key.fingerprint)


def _server_key(host: str, port: int, timeout: float) -> paramiko.PKey:
    sock = socket.create_connection((host, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    finally:
        transport.close()
