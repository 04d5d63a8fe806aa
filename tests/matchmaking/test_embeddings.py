"""The second stage's embeddings live in the database: a round encodes only texts nobody has encoded,
the embedding pass (Celery beat) encodes edited texts ahead of the next round and forgets the ones no
text uses any more, and a round's lists are the same whether its vectors were encoded or read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest

from matchmaking import services
from matchmaking.embeddings import DatabaseStore, english_texts, texts_embed
from matchmaking.engine.encoder import EmbeddingCache, text_key
from matchmaking.models import TextEmbedding
from matchmaking.services import matchmake
from tests import factories as f

from .test_rounds import NOW, lists, small_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Each test starts like a new worker process: no stage (and no vectors) in memory yet."""
    services._RERANKER = None
    yield
    services._RERANKER = None


class Counting:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.texts += texts
        return np.stack([np.array([1.0, len(t) % 7, 2.0]) for t in texts])


def english_world() -> None:
    """The small world with its two English postings marked English, and an English student."""
    small_world()
    f.OpportunityFactory._meta.model.objects.filter(external_id__in=["O-GAME", "O-WEB"]).update(language="en")
    school = f.SchoolFactory(external_id="SCH-EN")
    student = f.StudentFactory(
        external_id="EN1", school=school, interests="mobile games in Unity", languages=["en"],
        birth_date=dt.date(2008, 1, 1),
    )  # fmt: skip
    f.AvailabilityFactory(student=student)


def test_vectors_stored_by_one_cache_are_read_back_by_another_without_encoding() -> None:
    first, second = Counting(), Counting()
    stored = EmbeddingCache(first, DatabaseStore("use")).embed(["Audio mixing", "Pottery"])
    again = EmbeddingCache(second, DatabaseStore("use")).embed(["Pottery", "Audio mixing"])
    assert first.texts == ["Audio mixing", "Pottery"] and second.texts == []
    assert np.array_equal(again, stored[::-1])
    assert TextEmbedding.objects.filter(encoder="use").count() == 2
    EmbeddingCache(second, DatabaseStore("wordllama")).embed(["Pottery"])  # each encoder its own vectors
    assert second.texts == ["Pottery"]


def test_a_text_encoded_twice_at_once_keeps_one_row() -> None:
    a, b = DatabaseStore("use"), DatabaseStore("use")
    a.save({"k": np.array([1.0, 0.0], dtype=np.float32)})
    b.save({"k": np.array([1.0, 0.0], dtype=np.float32)})  # another worker, the same new text
    assert TextEmbedding.objects.count() == 1


def test_a_round_stores_its_english_vectors_and_the_next_process_encodes_none() -> None:
    english_world()
    matchmake(k=3, now=NOW)
    texts = english_texts()
    assert len(texts) == 3  # the English student, the two English postings
    assert set(TextEmbedding.objects.values_list("key", flat=True)) == {text_key(t) for t in texts}
    first = lists()

    services._RERANKER = None  # a new worker process
    matchmake(k=3, now=NOW)
    stage = services.configured_reranker()
    assert stage is not None and stage.cache.encoded == 0
    assert lists() == first


def test_the_embedding_pass_encodes_what_changed_and_forgets_what_no_text_uses() -> None:
    english_world()
    assert texts_embed() == {"texts": 3, "encoded": 3, "forgotten": 0}
    assert texts_embed() == {"texts": 3, "encoded": 0, "forgotten": 0}
    student = f.StudentFactory._meta.model.objects.get(external_id="EN1")
    old_key = text_key(next(t for t in english_texts() if "Unity" in t))
    student.interests = "mobile games in Unity and Godot"
    student.save()
    assert texts_embed() == {"texts": 3, "encoded": 1, "forgotten": 0}  # the old vector is kept a day
    assert texts_embed(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))["forgotten"] == 1
    assert not TextEmbedding.objects.filter(key=old_key).exists()
    assert TextEmbedding.objects.count() == 3


def test_with_the_stage_off_the_pass_does_nothing(settings: pytest.FixtureRequest) -> None:
    settings.MATCHMAKING_ENCODER = ""  # type: ignore[attr-defined]
    english_world()
    assert texts_embed() == {"texts": 0, "encoded": 0, "forgotten": 0}
    assert not TextEmbedding.objects.exists()


def test_erasing_a_student_forgets_the_vector_of_their_text_and_keeps_the_others() -> None:
    from privacy.services import student_erase

    english_world()
    texts_embed()
    student = f.StudentFactory._meta.model.objects.get(external_id="EN1")
    theirs = text_key(next(t for t in english_texts() if "Unity" in t))
    assert TextEmbedding.objects.filter(key=theirs).exists()

    student_erase(student_id=student.pk, requested_by="the student")

    assert not TextEmbedding.objects.filter(key=theirs).exists()
    assert TextEmbedding.objects.count() == 2  # the two English postings' vectors stay


def test_a_round_whose_encoder_fails_publishes_the_engines_lists_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    from django.test import override_settings

    from matchmaking.engine.encoder import Reranker
    from matchmaking.models import MatchRound

    def broken(texts: list[str]) -> np.ndarray:
        raise MemoryError("the encoder's weights could not be loaded")

    english_world()
    with override_settings(MATCHMAKING_ENCODER=""):
        matchmake(k=3, now=NOW)
    alone = lists()

    services._RERANKER = Reranker(EmbeddingCache(broken, DatabaseStore("use")), name="use")
    matchmake(k=3, now=NOW)

    assert lists() == alone  # the round is published, in the engine's order
    failed = MatchRound.objects.latest("pk")
    assert failed.status == MatchRound.Status.DONE
    assert failed.stats["second_stage_failed"] == "MemoryError: the encoder's weights could not be loaded"
    assert "the English second stage failed" in caplog.text
    services._RERANKER = None
    matchmake(k=3, now=NOW)  # the next round, with a working encoder, has no such note
    assert "second_stage_failed" not in MatchRound.objects.latest("pk").stats


def test_a_round_that_leaves_texts_to_the_embedding_pass_says_how_many_and_the_pass_encodes_them(
    settings: pytest.FixtureRequest,
) -> None:
    from matchmaking.engine.encoder import Reranker
    from matchmaking.models import MatchRound

    english_world()
    counting = Counting()
    # A round may encode the two English postings' texts; the English student's text waits.
    postings = [t for t in english_texts() if "mobile games in Unity" not in t]
    settings.MATCHMAKING_ROUND_ENCODE_CHARS = sum(map(len, postings))  # type: ignore[attr-defined]
    services._RERANKER = Reranker(EmbeddingCache(counting, DatabaseStore("use")), name="use")
    matchmake(k=3, now=NOW)

    done = MatchRound.objects.latest("pk")
    assert done.status == MatchRound.Status.DONE
    assert done.stats["second_stage_waiting"] == 1
    assert len(counting.texts) == 2 and not any("mobile games in Unity" in t for t in counting.texts)
    assert texts_embed()["encoded"] == 1  # the pass (unbounded) encodes what the round left
    matchmake(k=3, now=NOW)
    assert "second_stage_waiting" not in MatchRound.objects.latest("pk").stats
