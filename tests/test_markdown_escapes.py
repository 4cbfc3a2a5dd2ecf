"""The Markdown filters of the reports: the fast forms agree with the plain regex definitions.

``md_text`` escapes in one ``str.translate`` pass and ``md_code`` skips its regexes when the
text holds nothing they could match; the references below are the definitions they replaced.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.reports.templating import md_code, md_text

# Markdown's special characters, HTML's, entity-like runs and line breaks, among plain text.
_PIECES = st.sampled_from(list("\\`*_[]|#~<>&;x1 aZ\r\n\t") + ["&amp;", "&#38;", "&lt;", "```"])
_TEXT = st.lists(_PIECES, max_size=30).map("".join)


def _reference_md_text(value: object) -> str:
    text = " ".join(str(value).split())
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;")
    return re.sub(r"([\\`*_\[\]|#~])", r"\\\1", text)


def _reference_md_code(value: object) -> str:
    text = re.sub(r"[\r\n]+", " ", str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if longest or text.startswith(" ") or not text:
        return f"{fence} {text} {fence}"
    return f"{fence}{text}{fence}"


@settings(max_examples=300)
@given(_TEXT)
def test_md_text_is_the_regex_definition(text: str) -> None:
    assert md_text(text) == _reference_md_text(text)


@settings(max_examples=300)
@given(_TEXT)
def test_md_code_is_the_regex_definition(text: str) -> None:
    assert md_code(text) == _reference_md_code(text)


def test_md_text_escapes_what_markdown_would_read() -> None:
    assert md_text("ACL_IN|x <b>*y*</b> &amp; #1") == r"ACL\_IN\|x &lt;b>\*y\*&lt;/b> &amp;amp; \#1"
