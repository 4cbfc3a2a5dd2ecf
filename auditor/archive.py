"""The config archive: every collection of every device, redacted, with its history.

Sits between collect and parse: ``collect`` stores what it fetched, ``audit --from-archive``
audits the latest collection of each device offline, ``history`` lists and diffs them.

On disk, one folder per device (its name, percent-encoded)::

    ROOT/<device>/index.json              every collection, in order (schema_version 1)
    ROOT/<device>/configs/<sha256>.cfg    each distinct redacted config, once

A config is redacted (``auditor.redact``) before it is written; its sha256 is that of the
redacted text, so a config seen again is recorded in the index but not written again. Every
file is written to a temporary file in the same folder and renamed over the old one, the
config before the index: a crash at any point leaves the previous state (the index only
names complete files). A collection that failed or is incomplete writes no config; the index
records the failure and its reason, so the device is reported with it.
"""

from __future__ import annotations

import difflib
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from auditor.errors import ArchiveError

__all__ = ["CHANGED", "FAILED", "UNCHANGED", "Archive", "Entry"]

SCHEMA_VERSION = 1
CHANGED = "changed"  # a config unlike the one collected before (or the first)
UNCHANGED = "unchanged"  # the same redacted config as the collection before: not written again
FAILED = "failed"  # nothing usable was collected; ``error`` says why
_INDEX = "index.json"
_TEMP_PREFIX = ".tmp-"


@dataclass(frozen=True, slots=True)
class Entry:
    """One collection of one device, as the index records it."""

    device: str
    seq: int  # 1, 2, ... in collection order
    collected_at: str  # ISO 8601, UTC
    source: str  # where it came from (``ssh:host``, ``file:path``, ...)
    platform: str | None
    status: str  # CHANGED | UNCHANGED | FAILED
    sha256: str | None = None  # of the redacted text; None when the collection failed
    lines: int = 0
    redactions: int = 0
    redacted_kinds: tuple[str, ...] = ()
    error: str | None = None

    @property
    def has_config(self) -> bool:
        """Whether a config was stored for this collection."""
        return self.sha256 is not None


class Archive:
    """A folder of redacted, deduplicated config collections, one index per device."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def store(
        self,
        device: str,
        platform: str | None,
        source: str,
        text: str | None,
        collected_at: datetime | None = None,
        *,
        complete: bool = True,
        error: str | None = None,
    ) -> Entry:
        """Redact and store one collection; return its index entry.

        Args:
            device: the device's name (as the inventory has it).
            platform: its netmiko name; it picks the redaction rules (None: all of them).
            source: where the text came from, for the reader of the history.
            text: the config as collected; None when nothing was collected.
            collected_at: when; naive times are taken as UTC; default now.
            complete: False when the collection was cut short: nothing is stored as if
                complete, the failure is recorded.
            error: why the collection failed; recorded, and nothing is stored.

        Raises:
            ArchiveError: the device name cannot name a folder, or the index is damaged.
        """
        when = _utc(collected_at or datetime.now(UTC))
        folder = self._folder(device)
        (folder / "configs").mkdir(parents=True, exist_ok=True)
        with _locked(folder):
            _remove_temp_files(folder)
            entries = self._load(device, folder)
            seq = entries[-1].seq + 1 if entries else 1
            if error is not None or not complete or text is None:
                reason = error or ("collection incomplete" if not complete else "nothing collected")
                entry = Entry(device, seq, when, source, platform, FAILED, error=reason)
            else:
                from auditor.redact import redact  # netconan's tables load only to store

                redacted = redact(text, platform)
                data = redacted.text.encode("utf-8")
                digest = hashlib.sha256(data).hexdigest()
                previous = next((e for e in reversed(entries) if e.has_config), None)
                status = UNCHANGED if previous is not None and previous.sha256 == digest else CHANGED
                path = folder / "configs" / f"{digest}.cfg"
                if not path.exists():
                    _write_atomic(path, data)
                entry = Entry(
                    device,
                    seq,
                    when,
                    source,
                    platform,
                    status,
                    digest,
                    len(redacted.text.splitlines()),
                    redacted.count,
                    redacted.kinds,
                )
            self._save(device, folder, [*entries, entry])
        return entry

    def devices(self) -> list[str]:
        """Return the names of the archived devices, sorted.

        Raises:
            ArchiveError: the archive folder does not exist, or an index is damaged.
        """
        if not self.root.is_dir():
            raise ArchiveError(f"{self.root}: no such archive folder")
        names = [self._read_index(index)["device"] for index in self.root.glob(f"*/{_INDEX}")]
        return sorted(str(n) for n in names)

    def entries(self, device: str) -> list[Entry]:
        """Return every collection of ``device``, oldest first.

        Raises:
            ArchiveError: the device is not in the archive, or its index is damaged.
        """
        entries = self._load(device, self._folder(device))
        if not entries:
            raise ArchiveError(f"{self.root}: no collections of {device!r} in the archive")
        return entries

    def latest(self, device: str) -> Entry:
        """Return the device's last collection (which may have failed)."""
        return self.entries(device)[-1]

    def entry(self, device: str, seq: int) -> Entry:
        """Return collection number ``seq`` of ``device``.

        Raises:
            ArchiveError: there is no such collection.
        """
        for entry in self.entries(device):
            if entry.seq == seq:
                return entry
        raise ArchiveError(f"{self.root}: {device!r} has no collection #{seq}")

    def read(self, entry: Entry) -> str:
        """Return the redacted config of a collection, checked against its sha256.

        Raises:
            ArchiveError: the collection stored no config, or its file is missing or altered.
        """
        if entry.sha256 is None:
            raise ArchiveError(f"{entry.device} #{entry.seq}: collection failed, no config ({entry.error})")
        path = self._folder(entry.device) / "configs" / f"{entry.sha256}.cfg"
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot read archived config ({exc.strerror or exc})") from None
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise ArchiveError(f"{path}: content does not match its sha256 (the archive was altered)")
        return data.decode("utf-8")

    def config_path(self, entry: Entry) -> Path:
        """Return where a collection's redacted config is stored (unchecked: ``read`` checks it).

        Raises:
            ArchiveError: the collection stored no config.
        """
        if entry.sha256 is None:
            raise ArchiveError(f"{entry.device} #{entry.seq}: collection failed, no config ({entry.error})")
        return self._folder(entry.device) / "configs" / f"{entry.sha256}.cfg"

    def diff(self, device: str, a: int, b: int) -> str:
        """Return the unified diff of collection ``a`` to ``b``, every line with its numbers.

        Each hunk line reads ``<tag> <old line> <new line> | text``; the string is empty when
        the two configs are the same.

        Raises:
            ArchiveError: either collection does not exist or stored no config.
        """
        return self._diff(device, self.entry(device, a), self.entry(device, b))

    def diff_by_sha256(self, device: str, a: str, b: str) -> str:
        """Return the unified diff between the device's configs with sha256 ``a`` and ``b``.

        Each side is the latest collection that stored that config; the diff reads as
        ``diff`` does (empty when ``a == b``).

        Raises:
            ArchiveError: no collection of the device stored a config with that sha256.
        """
        return self._diff(device, self._entry_by_sha256(device, a), self._entry_by_sha256(device, b))

    def _entry_by_sha256(self, device: str, sha256: str) -> Entry:
        for entry in reversed(self.entries(device)):
            if entry.sha256 == sha256:
                return entry
        raise ArchiveError(f"{self.root}: no collection of {device!r} has the config sha256:{sha256}")

    def _diff(self, device: str, old: Entry, new: Entry) -> str:
        old_lines, new_lines = self.read(old).splitlines(), self.read(new).splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        out: list[str] = []
        for group in matcher.get_grouped_opcodes(3):
            if not out:
                out.append(f"--- {device} #{old.seq} {old.collected_at} sha256:{old.sha256}")
                out.append(f"+++ {device} #{new.seq} {new.collected_at} sha256:{new.sha256}")
            first, last = group[0], group[-1]
            out.append(f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@")
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    out.extend(_row(" ", i1 + k + 1, j1 + k + 1, old_lines[i1 + k]) for k in range(i2 - i1))
                    continue
                out.extend(_row("-", i + 1, None, old_lines[i]) for i in range(i1, i2))
                out.extend(_row("+", None, j + 1, new_lines[j]) for j in range(j1, j2))
        return "\n".join(out) + "\n" if out else ""

    def _folder(self, device: str) -> Path:
        if device in ("", ".", ".."):
            raise ArchiveError(f"device name {device!r} cannot name an archive folder")
        return self.root / quote(device, safe="-_.@+")

    def _load(self, device: str, folder: Path) -> list[Entry]:
        index = folder / _INDEX
        if not index.exists():
            return []
        data = self._read_index(index)
        try:
            return [_entry(item) for item in data["collections"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ArchiveError(f"{index}: not an archive index ({exc})") from None

    def _read_index(self, index: Path) -> dict[str, Any]:
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ArchiveError(f"{index}: cannot read ({exc.strerror or exc})") from None
        except json.JSONDecodeError as exc:
            raise ArchiveError(f"{index}:{exc.lineno}: not an archive index ({exc.msg})") from None
        if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION or "device" not in data:
            raise ArchiveError(f"{index}: not an archive index (schema_version {SCHEMA_VERSION})")
        return data

    def _save(self, device: str, folder: Path, entries: list[Entry]) -> None:
        document = {
            "schema_version": SCHEMA_VERSION,
            "device": device,
            "collections": [asdict(e) for e in entries],
        }
        _write_atomic(folder / _INDEX, (json.dumps(document, indent=2) + "\n").encode("utf-8"))


def _entry(item: dict[str, Any]) -> Entry:
    fields = dict(item)
    fields["redacted_kinds"] = tuple(fields.get("redacted_kinds", ()))
    return Entry(**fields)


def _row(tag: str, old: int | None, new: int | None, text: str) -> str:
    return f"{tag} {old if old is not None else '':>5} {new if new is not None else '':>5} | {text}"


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, rename it over."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=_TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def _remove_temp_files(folder: Path) -> None:
    """Remove what a writer killed mid-write left (only ever under the device's lock)."""
    for temp in [*folder.glob(f"{_TEMP_PREFIX}*"), *(folder / "configs").glob(f"{_TEMP_PREFIX}*")]:
        temp.unlink(missing_ok=True)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the device's lock: two collectors of one device never interleave their writes."""
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
