"""`--platform auto`: every supported corpus file is placed on its own platform, and says why."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from auditor import parsers
from auditor.model import Platform

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
SUPPORTED = {
    "cisco_ios": Platform.CISCO_IOS,
    "cisco_asa": Platform.CISCO_ASA,
    "cisco_nxos": Platform.CISCO_NXOS,
    "linux_iptables": Platform.LINUX,
    "linux_nftables": Platform.LINUX,
    "fortinet": Platform.FORTINET,
    "juniper_junos": Platform.JUNIPER_JUNOS,
    "mikrotik_routeros": Platform.MIKROTIK_ROUTEROS,
    "paloalto_panos": Platform.PALOALTO_PANOS,
    "arista_eos": Platform.ARISTA_EOS,
    "vyos": Platform.VYOS,
}


def corpus_files() -> list[tuple[str, Platform]]:
    if not (CORPUS / "PROVENANCE.tsv").exists():
        return []
    with (CORPUS / "PROVENANCE.tsv").open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row["file"], SUPPORTED[row["platform"]]) for row in rows if row["platform"] in SUPPORTED]


@pytest.mark.skipif(not CORPUS.exists(), reason="shared corpus not beside the repository")
@pytest.mark.parametrize(("name", "platform"), corpus_files())
def test_corpus_file_is_detected_as_its_platform(name: str, platform: Platform) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8", errors="replace")
    detected = parsers.detect(text)
    assert detected is not None, name
    assert detected[0] is platform
    assert detected[1].startswith(f"auto-detected as {platform.value}: ")


def test_text_of_no_platform_is_not_placed() -> None:
    assert parsers.detect("hello\nthis is a shopping list\n") is None
