"""Collection from real devices: netmiko for network OSes, SSH for Linux firewalls, all read-only.

``collect_fleet(devices, options, progress)`` returns one ``Collected`` per device that is
not a file. Nothing is written to disk here: the configs stay in memory for the caller.
"""

from auditor.collect.fleet import Progress, collect_fleet
from auditor.collect.result import Collected, CollectOptions

__all__ = ["CollectOptions", "Collected", "Progress", "collect_fleet"]
