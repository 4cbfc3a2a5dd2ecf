"""The exception tree: bad input raises one of these; violations never do.

::

    AuditorError
    ├── UsageError      bad command-line values (a CIDR, a platform name, a format)
    ├── InputError      a file that cannot be read
    ├── ParseError      text that is not the platform's at all
    ├── PolicyError     a policy pack that fails validation (file:line: problem)
    ├── InventoryError  an inventory that fails validation
    ├── CollectError    a device that could not be collected
    ├── ArchiveError    a config archive that is missing, damaged, or lacks what was asked
    ├── HistoryError    a history database that is damaged, too new, or lacks the run asked for
    ├── BrokerError     a distributed run's broker cannot be reached, or no worker answers
    └── RenderError     a template that cannot be rendered

Partly understood input is not an error: parsers return diagnostics. Failing checks are
not errors either: the engine returns findings.
"""

from __future__ import annotations


class AuditorError(Exception):
    """Base of every error auditor raises on purpose; its message is one line for the user."""


class UsageError(AuditorError):
    """A command-line value is wrong."""


class InputError(AuditorError):
    """An input file is missing or unreadable."""


class ParseError(AuditorError):
    """The text is not a configuration of the platform it was given as."""


class PolicyError(AuditorError):
    """A policy pack is invalid."""


class InventoryError(AuditorError):
    """An inventory file is invalid."""


class CollectError(AuditorError):
    """A device's configuration could not be collected."""


class ArchiveError(AuditorError):
    """The config archive is missing or damaged, or holds no such device or collection."""


class HistoryError(AuditorError):
    """The history database is damaged or newer than this code, or holds no such run."""


class BrokerError(AuditorError):
    """A distributed run cannot use its broker: unreachable, or no worker serves it."""


class RenderError(AuditorError):
    """A template could not be rendered."""
