"""Reuse a device's result when nothing that produced it has changed.

A nightly run over an archive audits mostly configs it audited the night before. A
device's result is a pure function of its inputs: the config text, the device's settings
(name, platform, inside networks and interfaces), the work's options, the packs' text and
auditor itself (its code, templates and built-in packs). ``work_key`` hashes all of them;
the history keeps each device document under its key, and a run hands a worker only the
devices whose key it has not seen. Any change to any input is a new key, so a cached
result is exactly the result a fresh audit would give; ``auditor run --no-cache`` audits
everything anyway.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from auditor.policy import builtin_packs
from auditor.runner.work import DeviceWork

__all__ = ["code_fingerprint", "work_key"]

_PACKAGE = Path(__file__).resolve().parent.parent
_PROJECT = _PACKAGE.parent


@cache
def code_fingerprint() -> str:
    """Return a hash of auditor's code, templates and built-in packs (once per process)."""
    digest = hashlib.sha256()
    files = [p for p in _PACKAGE.rglob("*.py")]
    files += [p for p in (_PROJECT / "templates").rglob("*") if p.is_file()]
    files += [p for p in (_PROJECT / "policies").rglob("*") if p.is_file()]
    for path in sorted(files):
        digest.update(str(path.relative_to(_PROJECT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def work_key(work: DeviceWork, config_sha256: str, read: dict[str, str | None] | None = None) -> str | None:
    """Return the cache key of ``work`` on the config of hash ``config_sha256``.

    None when the key cannot be known (a pack file that cannot be read: the worker will
    report it, and such a result is never cached). ``read`` keeps the pack texts read so
    far, by spec: a run's works share it, so a fleet reads each pack once.
    """
    fields = work.as_dict()
    for volatile in ("text", "path", "error", "extra", "packs"):
        fields.pop(volatile)
    # An archived config's source names its collection (#seq@time): the same config collected
    # again is the same input. The reused result gets the new source.
    fields["source"] = (work.source or "").split("#", 1)[0]
    read = {} if read is None else read
    packs = []
    for spec in work.policies:
        text = work.packs.get(spec)
        if text is None:
            if spec not in read:
                read[spec] = _pack_text(spec)
            text = read[spec]
        if text is None:
            return None
        packs.append(text)
    blob = json.dumps([code_fingerprint(), config_sha256, fields, packs], sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _pack_text(spec: str) -> str | None:
    try:
        return Path(builtin_packs().get(spec, spec)).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
