"""Reports carry the trend since the last run when the document has a ``history`` key."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.errors import RenderError
from auditor.history import History
from auditor.reports.render import render
from tests.history_fleet import Fleet, build
from tests.test_reports import PAYLOAD

SECTION = "Trend since the last run"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    return build(tmp_path_factory.mktemp("fleet"))


def with_trend(fleet: Fleet, n: int, last: int = 10) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(fleet.documents[n]))
    with History.open(fleet.db) as history:
        document["history"] = history.report_trend(fleet.run_ids[n], last=last)
    return document


def md_section(text: str) -> str:
    return text.split(f"## {SECTION}\n", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under ``### heading``."""
    lines = text.split(f"### {heading}\n", 1)[1].lstrip("\n").splitlines()
    end = next((i for i, line in enumerate(lines) if not line.startswith("| ")), len(lines))
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in lines[2:end]]


def test_no_history_key_no_section(fleet: Fleet) -> None:
    document = fleet.documents[1]
    assert "history" not in document
    assert SECTION not in render(document, "md") and 'id="trend"' not in render(document, "html")


def test_markdown_trend_lists_what_changed_and_the_fleet_rows(fleet: Fleet) -> None:
    text = render(with_trend(fleet, 1), "md")
    section = md_section(text)
    assert section.splitlines()[1] == (
        f"Compared with run #{fleet.run_ids[0]} (started {fleet.documents[0]['run']['started_at']}): "
        "3 newly failing · 1 fixed · 5 still failing · 0 not re-checked"
    )
    assert [r[:4] for r in table_rows(section, "Newly failing")] == [
        ["br-rtr-01", "`dynamic-media-ports`", "pass (run #1)", "fail"],
        ["br-rtr-01", "`sip-alg`", "pass (run #1)", "fail"],
        ["lab-rtr-01", "device not audited", "—", "error"],
    ]
    fixed = table_rows(section, "Fixed")
    assert [r[:4] for r in fixed] == [["br-rtr-03", "`tcp-5223`", "fail (run #1)", "pass"]]
    assert len(table_rows(section, "Still failing")) == 5
    assert "### Not re-checked" not in section  # an empty list gets no table
    assert table_rows(section, "Fleet over the last runs") == [
        ["1", fleet.documents[0]["run"]["started_at"], "4", "2", "2", "0", "6"],
        ["2", fleet.documents[1]["run"]["started_at"], "4", "0", "3", "1", "7"],
    ]
    # the section sits between the fleet matrix and the first device
    assert text.index("## Fleet summary") < text.index(SECTION) < text.index("## br-rtr-01")


def test_markdown_trend_of_an_error_run_lists_what_was_not_re_checked(fleet: Fleet) -> None:
    section = md_section(render(with_trend(fleet, 2, last=2), "md"))
    unverified = table_rows(section, "Not re-checked (not counted as fixed)")
    assert {(r[0], r[2], r[3]) for r in unverified} == {
        ("br-rtr-02", "fail (run #2)", "—"), ("br-rtr-02", "partial (run #2)", "—"),
    }
    assert all(r[4].endswith("(device could not be audited)") for r in unverified)
    assert [r[0] for r in table_rows(section, "Fleet over the last runs")] == ["2", "3"]


def test_first_run_says_there_is_nothing_to_compare(fleet: Fleet) -> None:
    document = with_trend(fleet, 0)
    assert "First recorded run: nothing to compare with yet." in md_section(render(document, "md"))
    page = render(document, "html")
    assert "First recorded run" in page and 'id="change-counts"' not in page


def test_html_trend_counts_and_rows(fleet: Fleet) -> None:
    page = render(with_trend(fleet, 1), "html")
    trend = page.split('<section id="trend">', 1)[1].split("</section>", 1)[0]
    counts = dict(re.findall(r'data-change="(\w+)"><b>(\d+)</b>', trend))
    assert counts == {"newly_failing": "3", "fixed": "1", "still_failing": "5", "unverified": "0"}
    assert trend.count('<tr class="change">') == 3 + 1 + 5
    assert re.findall(r'<tr data-run="(\d+)">', trend) == ["1", "2"]
    assert '<details class="changes" data-change="still_failing">' in trend  # long list folded


def test_untrusted_text_in_the_trend_is_escaped(fleet: Fleet) -> None:
    document = with_trend(fleet, 1)
    document["history"]["newly_failing"][0]["device"] = PAYLOAD
    document["history"]["newly_failing"][0]["summary"] = f"| {PAYLOAD} |"
    page = render(document, "html")
    assert PAYLOAD not in page and html.escape(PAYLOAD, quote=False) in page.replace("&#39;", "'")
    text = render(document, "md")
    assert "<script" not in text
    row = next(r for r in table_rows(md_section(text), "Newly failing") if "script" in r[0])
    assert len(row) == 5  # the pipes in the summary did not split the row


def test_a_history_key_that_is_not_a_trend_is_a_render_error(fleet: Fleet) -> None:
    document: dict[str, Any] = json.loads(json.dumps(fleet.documents[1]))
    document["history"] = ["not", "a", "trend"]
    with pytest.raises(RenderError, match="history is not a trend"):
        render(document, "md")


def test_auditor_report_renders_the_trend_of_a_saved_document(fleet: Fleet, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(with_trend(fleet, 1)))
    result = CliRunner().invoke(app, ["report", str(path), "--format", "md"])
    assert result.exit_code == 0, result.output
    assert f"## {SECTION}" in result.stdout and "3 newly failing · 1 fixed" in result.stdout


def test_the_trend_page_in_chromium(fleet: Fleet, tmp_path: Path) -> None:
    from tests.test_reports_html_chromium import CHROMIUM, chromium

    if CHROMIUM is None:
        pytest.skip("Debian package chromium is not installed")
    document = with_trend(fleet, 1)
    document["history"]["fixed"][0]["summary"] = PAYLOAD
    page = tmp_path / "report.html"
    page.write_text(render(document, "html"), encoding="utf-8")
    result = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    assert [line for line in result.stderr.splitlines() if ":CONSOLE" in line] == []
    dom = result.stdout
    assert "<script" not in dom and html.escape(PAYLOAD, quote=False) in dom
    trend = dom.split('<section id="trend">', 1)[1].split("</section>", 1)[0]
    assert dict(re.findall(r'data-change="(\w+)"><b>(\d+)</b>', trend))["newly_failing"] == "3"
    assert trend.count('<tr class="change">') == 9


def test_json_report_carries_the_trend_only_when_given(fleet: Fleet) -> None:
    from datetime import UTC, datetime

    from auditor.reports import json_report

    trend = with_trend(fleet, 1)["history"]
    started = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    plain = json.loads(json_report.render([], ["apple-facetime-imessage"], started))
    assert "history" not in plain
    document = json.loads(json_report.render([], ["apple-facetime-imessage"], started, history=trend))
    assert document["history"] == trend and document["schema_version"] == 1
    assert "3 newly failing · 1 fixed" in render(document, "md")
