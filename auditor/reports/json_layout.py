"""JSON text for fleet-sized documents: one list item per line.

``json.dump(..., indent=2)`` runs the pure-Python encoder, several times slower than the C
encoder behind compact output; at 10,000 devices that is seconds of a run. Writing each item
of the big lists compactly, one per line, keeps the C encoder and keeps the file readable
with grep and diff (a device per line), while the small parts stay indented. The text is
ordinary JSON: any reader loads the same document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

__all__ = ["write_document", "write_list"]


def write_document(
    document: Mapping[str, Any], handle: TextIO, *, per_line: Iterable[str] = (), ensure_ascii: bool = True
) -> None:
    """Write an object with its keys indented, the lists under ``per_line`` one item per line."""
    lists = set(per_line)
    handle.write("{")
    for n, (key, value) in enumerate(document.items()):
        handle.write(f"{',' if n else ''}\n  {json.dumps(key, ensure_ascii=ensure_ascii)}: ")
        if key in lists:
            _items(value, handle, "  ", ensure_ascii)
        else:
            # JSON strings hold no raw newline: every newline here is the layout's own.
            text = json.dumps(value, indent=2, ensure_ascii=ensure_ascii)
            handle.write(text.replace("\n", "\n  "))
    handle.write("\n}\n" if document else "}\n")


def write_list(items: Iterable[Any], handle: TextIO, *, ensure_ascii: bool = True) -> None:
    """Write a list, one compact item per line."""
    _items(items, handle, "", ensure_ascii)
    handle.write("\n")


def _items(items: Iterable[Any], handle: TextIO, indent: str, ensure_ascii: bool) -> None:
    handle.write("[")
    count = 0
    for item in items:
        handle.write(f"{',' if count else ''}\n{indent}  {json.dumps(item, ensure_ascii=ensure_ascii)}")
        count += 1
    handle.write(f"\n{indent}]" if count else "]")
