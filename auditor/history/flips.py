"""The config change behind a flipped verdict, read from the config archive.

The history keeps only each audited config's sha256; the archive (``auditor.archive``)
keeps the redacted configs by that hash, so together they show the lines that changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.archive import Archive
from auditor.errors import ArchiveError
from auditor.history.results import Flip

__all__ = ["config_diff", "flip_diffs"]


def config_diff(archive: Archive, device: str, before_sha256: str, after_sha256: str) -> str:
    """Return the unified diff of the device's config from one sha256 to another.

    Empty when the two hashes are the same (the verdict flipped without a config change).

    Raises:
        ArchiveError: the archive holds no config of the device with one of the hashes.
    """
    if before_sha256 == after_sha256:
        return ""
    return archive.diff_by_sha256(device, before_sha256, after_sha256)


def flip_diffs(archive: Archive, flips: Iterable[Flip]) -> dict[tuple[str, str, str], str]:
    """Return the config diff per (device, before sha256, after sha256) of the flips.

    A flip whose hashes are unknown or equal gets none; a hash the archive does not hold
    maps to a one-line note instead of a diff.
    """
    diffs: dict[tuple[str, str, str], str] = {}
    for flip in flips:
        if flip.before_sha256 is None or flip.after_sha256 is None or not flip.config_changed:
            continue
        key = (flip.device, flip.before_sha256, flip.after_sha256)
        if key in diffs:
            continue
        try:
            diffs[key] = config_diff(archive, *key)
        except ArchiveError as exc:
            diffs[key] = f"(config diff not available: {exc})\n"
    return diffs
