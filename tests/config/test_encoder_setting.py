"""The optional encoder stage (matchmaking/engine/encoder.py) is off by default and refused clearly
when misnamed or when its packages are missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from matchmaking.engine.encoder import wordllama_available
from matchmaking.services import configured_reranker

from .test_queues import settings_of

DATA = Path(__file__).resolve().parents[1] / "data" / "eval"


def test_the_encoder_stage_is_off_by_default() -> None:
    assert configured_reranker() is None
    assert settings_of("print(repr(settings.MATCHMAKING_ENCODER))").stdout.strip() == "''"


def test_an_unknown_encoder_is_an_error_at_start_up() -> None:
    result = settings_of("", MATCHMAKING_ENCODER="bert")
    assert result.returncode != 0
    assert "MATCHMAKING_ENCODER='bert'" in result.stderr


@pytest.mark.skipif(wordllama_available(), reason="wordllama is installed here")
def test_the_encoder_without_its_packages_is_an_error_naming_them() -> None:
    result = settings_of("", MATCHMAKING_ENCODER="wordllama")
    assert result.returncode != 0
    assert "pip install wordllama" in result.stderr
    with pytest.raises(CommandError, match="--encoder wordllama: install wordllama"):
        call_command("evaluate", "--data", str(DATA), "--truth", str(DATA / "truth.csv"), "--encoder", "wordllama")
