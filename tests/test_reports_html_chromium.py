"""The HTML report in a real headless Chromium (Debian's ``chromium``): it loads with no console
messages, shows the right counts, and config text holding ``<script>`` is shown, never run.

The page is served from a local ``http.server`` on 127.0.0.1. A screenshot is saved in the
test's tmp path (``report.png``) for a person to look at.
"""

from __future__ import annotations

import functools
import html
import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.reports.render import render
from tests.test_reports import PAYLOAD, fleet_json

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian package chromium is not installed (apt-get install -y chromium)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    site = tmp_path / "site"
    site.mkdir()
    document = fleet_json(tmp_path)
    (site / "report.html").write_text(render(document, "html"), encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/report.html", tmp_path, document
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_page_loads_shows_counts_and_never_runs_config_text(served: tuple[str, Path, dict[str, Any]]) -> None:
    url, tmp_path, document = served
    result = chromium(tmp_path, "--dump-dom", url)
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and "PWNED" not in title.group(1)
    assert title.group(1).startswith("auditor report")
    # The payload is in the DOM as text (escaped when serialized), never as an element.
    assert "<script" not in dom
    assert html.escape(PAYLOAD, quote=False) in dom
    # 5 devices (4 demo + the hostile one) x 9 checks; counts as the page shows them.
    matrix = dom.split('id="matrix"')[1].split("</table>")[0]
    assert matrix.count("<tr data-device=") == 5
    assert matrix.count('class="cell ') == 45
    statuses = [f["status"] for d in document["devices"] for f in d["findings"]]
    assert statuses.count("fail") >= 6
    for verdict in ("pass", "fail", "partial", "unknown"):
        assert f'data-verdict="{verdict}"><b>{statuses.count(verdict)}</b>' in dom
        assert matrix.count(f'data-verdict="{verdict}"') == statuses.count(verdict)
    assert 'data-status="noncompliant"><b>3</b>' in dom
    assert '<td class="unrecognized-count">1</td>' in dom


def test_screenshot(served: tuple[str, Path, dict[str, Any]]) -> None:
    url, tmp_path, _ = served
    shot = tmp_path / "report.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
