"""Is this output a whole configuration? Refusals, empty output and cut-short text are not."""

from __future__ import annotations

import re

from auditor.collect.commands import LAST_LINE, REFUSALS
from auditor.collect.result import Incomplete, Permanent

_QUOTED = re.compile(r'"[^"]*"')


def refused(command: str, output: str) -> None:
    """Raise when the first lines of the output are the device refusing the command.

    Raises:
        Permanent: the device answered with an error instead of the output.
    """
    head = [line.strip() for line in output.splitlines() if line.strip()][:3]
    for line in head:
        lowered = line.lower()
        if any(lowered.startswith(r) or lowered.lstrip("^ ").startswith(r) for r in REFUSALS):
            raise Permanent(f"device refused {command!r}: {line[:120]}")


def whole_config(platform: str, command: str, output: str) -> None:
    """Raise unless the output looks like the whole config the platform prints.

    Raises:
        Permanent: a refusal. Incomplete: empty, or missing the platform's last line.
    """
    refused(command, output)
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        raise Incomplete(f"{command!r} returned no output")
    ends = LAST_LINE.get(platform)
    if ends and lines[-1] not in ends:
        raise Incomplete(f"{command!r} output ends without {ends[0]!r}: cut short, discarded")


def iptables_save(output: str) -> None:
    """Every table block ends with COMMIT (iptables-save's own framing).

    Raises:
        Incomplete: a table without COMMIT, or text after the last COMMIT that is not a comment.
    """
    open_table: str | None = None
    for line in output.splitlines():
        if line.startswith("*"):
            if open_table is not None:
                raise Incomplete(f"iptables-save: table {open_table} has no COMMIT")
            open_table = line[1:]
        elif line.strip() == "COMMIT":
            open_table = None
    if open_table is not None:
        raise Incomplete(f"iptables-save: table {open_table} has no COMMIT: cut short, discarded")


def nft_ruleset(output: str) -> None:
    """Braces balance in ``nft list ruleset`` text (a cut-short dump leaves blocks open).

    Raises:
        Incomplete: unbalanced braces.
    """
    depth = 0
    for line in output.splitlines():
        line = _QUOTED.sub("", line)  # a brace inside a comment string is not a block
        depth += line.count("{") - line.count("}")
        if depth < 0:
            break
    if depth != 0:
        raise Incomplete("nft list ruleset: unbalanced braces: cut short, discarded")
