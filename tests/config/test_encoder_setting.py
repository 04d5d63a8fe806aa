"""The English second stage (matchmaking/engine/encoder.py) is on by default with the "use" encoder,
can be switched off, and is refused clearly when misnamed or when its packages are missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from matchmaking.engine.encoder import wordllama_available
from matchmaking.services import configured_reranker

from .test_queues import settings_of

DATA = Path(__file__).resolve().parents[1] / "data" / "eval"


def test_the_english_stage_is_on_by_default_with_the_use_encoder() -> None:
    assert settings_of("print(repr(settings.MATCHMAKING_ENCODER))").stdout.strip() == "'use'"
    stage = configured_reranker()
    assert stage is not None and stage.name == "use"
    schedule = settings_of("print(settings.CELERY_BEAT_SCHEDULE['embed-texts']['task'])")
    assert schedule.stdout.strip() == "matchmaking.tasks.texts_embed"


@pytest.mark.parametrize("value", ["none", "off", "", "NONE"])
def test_none_turns_the_stage_and_its_embedding_pass_off(value: str) -> None:
    code = "print(repr(settings.MATCHMAKING_ENCODER), 'embed-texts' in settings.CELERY_BEAT_SCHEDULE)"
    assert settings_of(code, MATCHMAKING_ENCODER=value).stdout.strip() == "'' False"
    with override_settings(MATCHMAKING_ENCODER=""):
        assert configured_reranker() is None


def test_an_interval_of_zero_leaves_embedding_to_the_rounds() -> None:
    code = "print(settings.MATCHMAKING_ENCODER, 'embed-texts' in settings.CELERY_BEAT_SCHEDULE)"
    assert settings_of(code, MATCHMAKING_EMBED_INTERVAL="0").stdout.strip() == "use False"


def test_an_unknown_encoder_is_an_error_at_start_up_naming_the_choices() -> None:
    result = settings_of("", MATCHMAKING_ENCODER="bert")
    assert result.returncode != 0
    assert "MATCHMAKING_ENCODER='bert'" in result.stderr
    assert "use, wordllama or 'none'" in result.stderr


@pytest.mark.skipif(wordllama_available(), reason="wordllama is installed here")
def test_the_optional_encoder_without_its_packages_is_an_error_naming_them() -> None:
    result = settings_of("", MATCHMAKING_ENCODER="wordllama")
    assert result.returncode != 0
    assert "pip install wordllama" in result.stderr
    with pytest.raises(CommandError, match="--encoder wordllama: pip install wordllama"):
        call_command("evaluate", "--data", str(DATA), "--truth", str(DATA / "truth.csv"), "--encoder", "wordllama")
