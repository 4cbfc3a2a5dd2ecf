"""The run history (SQLite): runs, devices, findings and config hashes, and views over time.

``auditor run`` records each run (``History.record_run``); ``compare`` and ``open_failures``
tell it what newly fails (to ticket) and what got fixed; ``report_trend`` is the ``history``
key of the report; ``auditor history --db`` shows timelines, the fleet trend and run diffs,
with ``flip_causes`` and ``config_diff`` naming the config change behind each flipped verdict.
"""

from auditor.history.flips import config_diff, flip_diffs
from auditor.history.migrations import SCHEMA_VERSION
from auditor.history.results import Change, Failure, Flip, RunDiff, RunInfo, TimelinePoint, TrendRow
from auditor.history.store import History

__all__ = [
    "SCHEMA_VERSION",
    "Change",
    "Failure",
    "Flip",
    "History",
    "RunDiff",
    "RunInfo",
    "TimelinePoint",
    "TrendRow",
    "config_diff",
    "flip_diffs",
]
