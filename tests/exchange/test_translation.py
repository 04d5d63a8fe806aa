# ruff: noqa: E501  (the expected problems read best one a line)
"""Problems are translated: Vietnamese for a Vietnamese reader, with the same file:line: column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

import exchange
from exchange.loader import data_import

from .test_import import GOOD, TODAY, with_row, write

PO = Path(exchange.__file__).parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_a_vietnamese_reader_gets_the_reasons_in_vietnamese(tmp_path: Path) -> None:
    files = with_row("students.csv", "ST9,S1,An,not-an-email,2010-01-01,college")
    files["students.csv"].append(
        "ST10,S1,Bình,b@a.example.vn,2010-01-01,upper_secondary,,,,,,,2030-10-01..2031-12-01 07:00-09:00"
    )

    with translation.override("vi"):
        report = data_import(directory=write(tmp_path, files), today=TODAY)
        problems = [str(p) for p in report.problems]

    assert problems == [
        "students.csv:4: email: 'not-an-email' không phải là địa chỉ email hợp lệ",
        "students.csv:4: level: cấp học 'college' không hợp lệ (chọn một trong: THCS hoặc lower_secondary, THPT "
        "hoặc upper_secondary, trung cấp hoặc vocational, đại học hoặc university)",
        "students.csv:5: available: '2030-10-01..2031-12-01 07:00-09:00' kéo dài 427 ngày, tối đa 366",
    ]


@pytest.mark.django_db
def test_the_summary_line_is_translated_too(tmp_path: Path) -> None:
    files = {"schools.csv": GOOD["schools.csv"] + [f"S{i},T,college,Hà Nội,x@x.example.vn" for i in range(1005)]}

    with translation.override("vi"):
        report = data_import(directory=write(tmp_path, files), today=TODAY)
        last = str(report.problems[-1])

    assert report.problem_count == 1005
    assert last == "… và 5 lỗi khác"


def po_entries() -> list[dict[str, str]]:
    """The entries of the .po file after its header: keyword (msgid, msgid_plural, msgstr…) -> text."""
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n")[1:]:
        entry: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            found = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if found:
                key = found[1]
                entry[key] = found[2]
            else:
                entry[key] += line.strip()[1:-1]
        if entry:
            entries.append({k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in entry.items()})
    return entries


def test_every_message_of_exchange_has_a_vietnamese_translation_in_the_compiled_catalog() -> None:
    entries = po_entries()

    assert len(entries) > 50
    assert [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))] == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")
    with translation.override("vi"):  # the .mo says what the .po says
        assert [e["msgid"] for e in entries if "msgstr" in e and translation.gettext(e["msgid"]) != e["msgstr"]] == []
