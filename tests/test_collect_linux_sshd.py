"""ssh-linux against a real OpenSSH server in front of a real firewall, in a namespace of the test's own.

The test makes one network namespace, loads a ruleset into its kernel (``iptables-restore`` or
``nft -f``), and starts Debian's ``sshd`` inside it on the namespace's loopback, with a host key
and a client key the test generates (key authentication only). ``auditor audit --inventory``
runs inside the same namespace, so every packet stays on that namespace's loopback. The
collected dump (through ``sudo -n``) must give the same verdicts as auditing the ruleset file;
an unknown host key must be refused.

Skips, with the reason, only where the machine cannot: not root / no CAP_NET_ADMIN for
namespaces, or sshd, ssh-keygen, sudo or a ruleset loader missing (``.ci/run`` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "tests" / "netns"
NS = f"aud-ssh-{os.getpid()}"
PORT = 2222
SSHD = "/usr/sbin/sshd"


def sh(
    *args: str, ns: str | None = None, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    cmd = ["ip", "netns", "exec", ns, *args] if ns else list(args)
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    return proc


def _need(tool: str, path: str | None = None) -> None:
    if (path and not Path(path).exists()) or (not path and shutil.which(tool) is None):
        pytest.skip(f"{tool} is not installed; .ci/run installs it")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    _need("ip")
    _need("sshd", SSHD)
    for tool in ("ssh-keygen", "sudo", "iptables-restore", "nft"):
        _need(tool)
    made = subprocess.run(["ip", "netns", "add", NS], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(
            f"cannot create network namespaces here (needs root / CAP_NET_ADMIN): {made.stderr.strip()}"
        )
    tmp = tmp_path_factory.mktemp("sshd")
    server = None
    try:
        sh("ip", "-n", NS, "link", "set", "lo", "up")
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "host_key"))
        sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "client_key"))
        (tmp / "authorized_keys").write_text((tmp / "client_key.pub").read_text())
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
        (tmp / "sshd_config").write_text(
            f"Port {PORT}\nListenAddress 127.0.0.1\nHostKey {tmp / 'host_key'}\nPidFile {tmp / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n"
        )
        server = subprocess.Popen(
            ["ip", "netns", "exec", NS, SSHD, "-D", "-e", "-f", str(tmp / "sshd_config")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        probe = f"import socket; socket.create_connection(('127.0.0.1', {PORT}), 1).close()"
        for _ in range(100):
            if sh(sys.executable, "-c", probe, ns=NS, check=False).returncode == 0:
                break
            if server.poll() is not None:
                raise RuntimeError(f"sshd exited: {server.stdout.read() if server.stdout else ''}")
            time.sleep(0.1)
        host_pub = (tmp / "host_key.pub").read_text().split()
        (tmp / "known_hosts").write_text(f"[127.0.0.1]:{PORT} {host_pub[0]} {host_pub[1]}\n")
        yield {"tmp": tmp, "key": tmp / "client_key", "known_hosts": tmp / "known_hosts"}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        sh("ip", "netns", "del", NS, check=False)


def load(ruleset: Path) -> None:
    sh("nft", "flush", "ruleset", ns=NS)
    if ruleset.suffix == ".nft":
        sh("nft", "-f", "-", ns=NS, stdin=ruleset.read_text())
    else:
        sh("iptables-restore", ns=NS, stdin=ruleset.read_text())


def audit(args: list[str]) -> tuple[int, dict[str, Any], str]:
    proc = sh(
        sys.executable,
        "-m",
        "auditor",
        "audit",
        *args,
        "--format",
        "json",
        "--no-remediation",
        ns=NS,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}, proc.stderr


def inventory(sshd: dict[str, Path], ruleset: str, known_hosts: Path) -> Path:
    path = sshd["tmp"] / f"inv-{ruleset}.yaml"
    host = {
        "method": "ssh-linux",
        "host": "127.0.0.1",
        "port": PORT,
        "username": "root",
        "key_file": str(sshd["key"]),
        "known_hosts": str(known_hosts),
        "sudo": True,
        "linux_ruleset": ruleset,
        "timeout": 10,
        "retries": 0,
    }
    path.write_text(yaml.safe_dump({"hosts": {"fw-1": host}}))
    return path


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    [device] = document["devices"]
    return {f["check"]: f["status"] for f in device["findings"]}


@pytest.mark.parametrize(
    ("ruleset", "kind"), [("ipt_policy_drop.rules", "iptables"), ("nft_sets.nft", "nft")]
)
def test_collected_ruleset_audits_like_the_file_it_was_loaded_from(
    sshd: dict[str, Path], ruleset: str, kind: str
) -> None:
    load(RULESETS / ruleset)
    code, collected, err = audit(["--inventory", str(inventory(sshd, kind, sshd["known_hosts"]))])
    [device] = collected["devices"]
    assert device["status"] != "error", err
    dump = "iptables-save" if kind == "iptables" else "nft list ruleset"
    assert device["source"] == f"ssh-linux@127.0.0.1:{PORT} 'sudo -n {dump}'"
    assert device["platform"] == "linux"
    _, from_file, _ = audit([str(RULESETS / ruleset), "--platform", "linux"])
    assert verdicts(collected) == verdicts(from_file)
    assert set(verdicts(collected).values()) != {"pass"}  # these rulesets deny part of the flows
    assert code == 1


def test_unknown_host_key_is_refused(sshd: dict[str, Path]) -> None:
    load(RULESETS / "ipt_policy_drop.rules")
    empty = sshd["tmp"] / "empty_known_hosts"
    empty.write_text("")
    code, document, err = audit(["--inventory", str(inventory(sshd, "iptables", empty))])
    assert code == 3
    [device] = document["devices"]
    assert device["status"] == "error"
    assert "host key of 127.0.0.1:2222 unknown" in device["error"]
    assert empty.read_text() == ""
