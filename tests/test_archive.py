"""The config archive on disk: redacted before writing, deduplicated, atomic, with history."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditor import engine, policy
from auditor.archive import CHANGED, FAILED, UNCHANGED, Archive
from auditor.errors import ArchiveError
from auditor.model import Platform
from auditor.pipeline import audit_config
from auditor.redact import MARK

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "inventory" / "configs"
CORPUS = ROOT.parent / "shared" / "corpus"  # shared/ sits beside the repository
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
IOS = """hostname r1
enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0
snmp-server community PlantedC0mm RO
ip access-list extended WAN-OUT
 10 permit tcp any 17.0.0.0 0.255.255.255 eq 443
 20 deny   ip any any
"""


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_a_config_is_redacted_before_it_is_written(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    entry = archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0)
    for path in files(tmp_path):
        data = path.read_text()
        assert "PlantedC0mm" not in data and "$1$mERr$" not in data
    stored = archive.read(entry)
    assert stored.splitlines()[2] == f"snmp-server community {MARK} RO"
    assert stored.splitlines()[3:] == IOS.splitlines()[3:]
    assert (entry.redactions, entry.redacted_kinds) == (2, ("password", "snmp-community"))


def test_an_unchanged_config_is_recorded_but_not_stored_twice(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    first = archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0)
    again = archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0 + timedelta(hours=1))
    # a new secret alone redacts to the same text: nothing an audit reads has changed
    rotated = archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS.replace("PlantedC0mm", "N3w"), T0)
    changed = archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS.replace("eq 443", "eq 5223"), T0)
    back = archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0 + timedelta(hours=3))
    assert [e.status for e in archive.entries("r1")] == [CHANGED, UNCHANGED, UNCHANGED, CHANGED, CHANGED]
    assert again.sha256 == first.sha256 == rotated.sha256 == back.sha256 != changed.sha256
    assert len(list((tmp_path / "r1" / "configs").iterdir())) == 2
    assert [e.seq for e in archive.entries("r1")] == [1, 2, 3, 4, 5]


def test_the_index_says_device_time_source_platform_and_hash(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.store("core sw/1", "cisco_ios", "ssh:192.0.2.1", IOS, datetime(2026, 12, 1, 10, 0))
    [index] = tmp_path.glob("*/index.json")
    assert index.parent.name == "core%20sw%2F1"  # a name never escapes the archive folder
    document = json.loads(index.read_text())
    assert document["schema_version"] == 1 and document["device"] == "core sw/1"
    [item] = document["collections"]
    stored = index.parent / "configs" / f"{item['sha256']}.cfg"
    assert item["collected_at"] == "2026-12-01T10:00:00+00:00"  # naive times are UTC
    assert (item["source"], item["platform"], item["status"]) == ("ssh:192.0.2.1", "cisco_ios", CHANGED)
    assert item["lines"] == 6 and item["error"] is None
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == item["sha256"]
    assert Archive(tmp_path).devices() == ["core sw/1"]


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"complete": False}, "collection incomplete"),
    ({"error": "SSH timeout after 30 s"}, "SSH timeout after 30 s"),
])
def test_a_failed_collection_stores_nothing_and_records_why(
    tmp_path: Path, kwargs: dict[str, object], reason: str
) -> None:
    archive = Archive(tmp_path)
    archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0)
    before = {p: p.read_bytes() for p in (tmp_path / "r1" / "configs").iterdir()}
    failed = archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS[:40], T0 + timedelta(hours=1),
                           **kwargs)  # type: ignore[arg-type]
    assert (failed.status, failed.error, failed.sha256) == (FAILED, reason, None)
    assert archive.latest("r1") == failed
    assert {p: p.read_bytes() for p in (tmp_path / "r1" / "configs").iterdir()} == before
    with pytest.raises(ArchiveError, match="collection failed"):
        archive.read(failed)


def test_no_temp_files_are_left_and_a_failed_write_leaves_the_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(tmp_path)
    archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0)
    index_before = (tmp_path / "r1" / "index.json").read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", refuse)
    with pytest.raises(OSError):
        archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS.replace("443", "80"), T0)
    monkeypatch.undo()
    assert (tmp_path / "r1" / "index.json").read_bytes() == index_before
    assert [p.name for p in files(tmp_path) if p.name.startswith(".tmp-")] == []


@pytest.mark.parametrize("dies_on", ["index.json", ".cfg"])
def test_a_crash_between_write_and_rename_leaves_the_previous_state(tmp_path: Path, dies_on: str) -> None:
    archive = Archive(tmp_path)
    archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0)
    before = archive.entries("r1")
    # A real process, killed outright (no cleanup runs) after writing the temp file.
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from auditor.archive import Archive
        real = os.replace
        def die(src, dst):
            if str(dst).endswith({dies_on!r}):
                os._exit(9)
            real(src, dst)
        os.replace = die
        Archive(Path({str(tmp_path)!r})).store("r1", "cisco_ios", "ssh", {IOS.replace("443", "80")!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], check=False)
    assert result.returncode == 9
    assert [p for p in files(tmp_path) if p.name.startswith(".tmp-")]  # it died mid-write
    assert archive.entries("r1") == before
    assert "eq 443" in archive.read(archive.latest("r1"))
    archive.store("r1", "cisco_ios", "ssh:192.0.2.1", IOS, T0 + timedelta(hours=1))
    assert [p for p in files(tmp_path) if p.name.startswith(".tmp-")] == []  # swept under the lock


def _store_many(root: str, worker: int) -> None:
    archive = Archive(Path(root))
    for n in range(15):
        archive.store("r1", "cisco_ios", f"worker{worker}", IOS + f"! {worker}-{n}\n", T0)


def test_two_writers_of_one_device_never_lose_a_collection(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_store_many, args=(str(tmp_path), w)) for w in range(2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [p.exitcode for p in workers] == [0, 0]
    entries = Archive(tmp_path).entries("r1")
    assert [e.seq for e in entries] == list(range(1, 31))
    assert len(list((tmp_path / "r1" / "configs").iterdir())) == 30


def test_an_altered_archive_file_is_refused(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    entry = archive.store("r1", "cisco_ios", "ssh", IOS, T0)
    path = tmp_path / "r1" / "configs" / f"{entry.sha256}.cfg"
    path.write_text(path.read_text().replace("deny", "permit"))
    with pytest.raises(ArchiveError, match="does not match its sha256"):
        archive.read(entry)


def test_diff_gives_both_line_numbers(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    archive.store("r1", "cisco_ios", "ssh", IOS, T0)
    changed = IOS.replace(
        " 10 permit tcp any 17.0.0.0 0.255.255.255 eq 443\n",
        " 5 permit udp any any eq 3478\n 10 permit tcp any 17.0.0.0 0.255.255.255 eq 5223\n",
    )
    archive.store("r1", "cisco_ios", "ssh", changed, T0 + timedelta(days=1))
    diff = archive.diff("r1", 1, 2).splitlines()
    assert diff[0].startswith("--- r1 #1 2026-12-01T09:00:00+00:00 sha256:")
    assert diff[1].startswith("+++ r1 #2 2026-12-02T09:00:00+00:00 sha256:")
    assert diff[2] == "@@ -2,5 +2,6 @@"
    assert "-     5       |  10 permit tcp any 17.0.0.0 0.255.255.255 eq 443" in diff
    assert "+           5 |  5 permit udp any any eq 3478" in diff
    assert "+           6 |  10 permit tcp any 17.0.0.0 0.255.255.255 eq 5223" in diff
    assert "      6     7 |  20 deny   ip any any" in diff
    assert archive.diff("r1", 1, 1) == ""
    with pytest.raises(ArchiveError, match="no collection #9"):
        archive.diff("r1", 1, 9)


def test_an_unknown_device_or_archive_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="no such archive folder"):
        Archive(tmp_path / "missing").devices()
    with pytest.raises(ArchiveError, match="no collections of 'r9'"):
        Archive(tmp_path).entries("r9")
    with pytest.raises(ArchiveError):
        Archive(tmp_path).store("..", None, "ssh", IOS)


def _verdicts_agree(name: str, text: str, platform: Platform, archive: Archive) -> None:
    entry = archive.store(name, platform.value, f"file:{name}", text, T0)
    stored = archive.read(entry)
    pack = policy.resolve("apple-facetime-imessage")
    options = engine.AuditOptions(inside_networks=engine.RFC1918)
    original = audit_config(name, text, "file:x", platform, [pack], options, remediation=False)
    archived = audit_config(name, stored, "file:x", platform, [pack], options, remediation=False)
    assert archived.status == original.status
    assert [(f.check, f.status, f.summary, [e.line for e in f.evidence]) for f in archived.findings] == [
        (f.check, f.status, f.summary, [e.line for e in f.evidence]) for f in original.findings
    ]
    assert [(d.source.line, d.kind) for d in archived.diagnostics] == [
        (d.source.line, d.kind) for d in original.diagnostics
    ]
    assert archived.line_count == original.line_count


@pytest.mark.parametrize("config", sorted(CONFIGS.glob("*.cfg")), ids=lambda p: p.stem)
def test_the_example_configs_audit_the_same_from_the_archive(config: Path, tmp_path: Path) -> None:
    _verdicts_agree(config.stem, config.read_text(), Platform.CISCO_IOS, Archive(tmp_path))


CORPUS_FILES = [
    (path, platform)
    for folder, platform in [
        ("cisco_ios", Platform.CISCO_IOS),
        ("cisco_asa", Platform.CISCO_ASA),
        ("linux_iptables", Platform.LINUX),
        ("linux_nftables", Platform.LINUX),
    ]
    for path in sorted((CORPUS / folder).glob("*"))
]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
@pytest.mark.parametrize(("path", "platform"), CORPUS_FILES, ids=[p.name for p, _ in CORPUS_FILES])
def test_corpus_configs_audit_the_same_from_the_archive(
    path: Path, platform: Platform, tmp_path: Path
) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    _verdicts_agree(path.name, text, platform, Archive(tmp_path))
