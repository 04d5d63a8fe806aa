"""A command speaks to the person running it in the site's language (``LANGUAGE_CODE``, Vietnamese by
default): Django's BaseCommand leaves translation alone, so gettext answers in LANGUAGE_CODE when nothing
else is active. The engine tools without a database (recommend, allocate, evaluate) stay English."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from companies.models import Company
from matchmaking.models import Match
from matchmaking.services import matchmake
from students.models import Student
from tests.matchmaking.test_rounds import NOW, small_world

from .test_mail import ENGLISH_WORDS, VIETNAMESE_LETTERS

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def speaking(settings):
    """``speaking("en")``: run as the command line does, with only LANGUAGE_CODE to go by."""

    def choose(language: str) -> None:
        settings.LANGUAGE_CODE = language
        translation.deactivate()

    yield choose
    translation.deactivate()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "approved", "matched", "scheduled", "exported"),
    [
        ("vi", "đã phê duyệt 2 doanh nghiệp", "gợi ý cho", "tỷ lệ lấp đầy:", "gợi ý vào"),
        ("en", "2 companies approved", "recommendations for", "fill rate:", "recommendations written to"),
    ],
)
def test_the_operators_commands_speak_the_sites_language(
    speaking, tmp_path, language, approved, matched, scheduled, exported
) -> None:
    speaking(language)
    small_world()
    Company.objects.update(approved_at=None)  # both of the small world's companies wait for approval

    said = [run("approve_companies", "--all"), run("matchmake", "--k", "2"), run("schedule")]
    said.append(run("export_recommendations", str(tmp_path / "recs.jsonl")))
    said.append(run("send_outbox"))  # names its transport ("files in …") in the same language

    assert said[0].strip() == approved
    assert matched in said[1]
    assert scheduled in said[2]
    assert exported in said[3]
    assert any(words in said[4] for words in ("files in ", "SendGrid at ")) == (language == "en"), said[4]
    text = "".join(said)
    if language == "en":
        assert not VIETNAMESE_LETTERS.search(text.replace(str(tmp_path), "")), text
    else:
        lines = [line for line in text.splitlines() if not line.startswith("chế độ:")]  # the mode is a code too
        words = {w for line in lines for w in line.lower().replace("/", " ").split()}
        assert not words & ENGLISH_WORDS, words & ENGLISH_WORDS


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "refusal"), [("vi", "không có doanh nghiệp mang mã: X-1, X-2"),
                                                   ("en", "unknown company ids: X-1, X-2")])  # fmt: skip
def test_a_refusal_speaks_the_sites_language_too(speaking, language, refusal) -> None:
    speaking(language)
    with pytest.raises(CommandError, match=refusal):
        call_command("approve_companies", "X-2", "X-1")


@pytest.mark.django_db
def test_an_export_writes_each_participants_reasons_in_the_participants_language(speaking, tmp_path) -> None:
    speaking("en")  # the operator's language does not change what a participant reads
    small_world()
    Student.objects.filter(external_id="ST1").update(languages=["en"])
    matchmake(k=2, now=NOW)
    out = tmp_path / "recs.jsonl"
    run("export_recommendations", str(out))

    records = {(r["participant"], r["rank"]): r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    english, vietnamese = records[("ST1", 1)]["reasons"], records[("ST0", 1)]["reasons"]
    assert english and vietnamese
    assert not any(VIETNAMESE_LETTERS.search(r.replace("Hà Nội", "")) for r in english), english
    assert all(VIETNAMESE_LETTERS.search(r) for r in vietnamese), vietnamese
    assert Match.objects.filter(student__external_id="ST1").first().reasons[0]["factor"]  # stored as data


def test_the_command_line_speaks_vietnamese_by_default(tmp_path) -> None:
    """A real process, as an operator runs it: nothing activates a language but LANGUAGE_CODE."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    done = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--students", "3", "--csv", str(tmp_path)],
        cwd=ROOT,
        env={**env, "LANG": "en_US.UTF-8"},  # the shell's locale is not the site's language
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("Dữ liệu mẫu: 3 học sinh, seed 2026")
    assert "dòng" in done.stdout and " rows" not in done.stdout
