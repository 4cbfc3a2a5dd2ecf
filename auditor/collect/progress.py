"""A rich progress bar on stderr with one status line per device as it finishes."""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from auditor.collect.result import Collected


class RichProgress:
    """``collect_fleet``'s progress: the bar counts devices; each result is printed above it."""

    def __init__(self, total: int, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._bar = Progress(
            TextColumn("collecting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=self.console,
            transient=True,
        )
        self._task = self._bar.add_task("", total=total)
        self._lock = threading.Lock()
        self._live = False

    def __enter__(self) -> RichProgress:
        return self  # the bar starts with the first device: credential prompts come before it

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._bar.stop()

    def started(self, device: str) -> None:
        """Show the device being collected."""
        with self._lock:
            if not self._live:
                self._bar.start()
                self._live = True
        self._bar.update(self._task, description=escape(device))

    def finished(self, result: Collected) -> None:
        """Print the device's outcome and advance the bar."""
        if result.text is not None:
            lines = len(result.text.splitlines())
            self._bar.console.print(f"[green]collected[/] {escape(result.device)}: {lines} lines")
        else:
            self._bar.console.print(f"[red]failed[/] {escape(result.device)}: {escape(str(result.error))}")
        self._bar.advance(self._task)
