"""The second stage's embeddings in the database (``TextEmbedding``), and the pass that encodes edited
texts ahead of the next round.

A round asks the database for every English text's vector and encodes only those it lacks, storing
them for every other worker and machine (``DatabaseStore``). ``texts_embed`` (Celery beat, every
MATCHMAKING_EMBED_INTERVAL seconds) does the same for the texts as they are now, so a round after an
import or a day's edits finds every vector ready, and forgets the vectors of texts no longer used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
from django.utils import timezone

from matchmaking import inputs
from matchmaking.engine.encoder import (
    english_opportunity,
    english_participant,
    opportunity_text,
    participant_text,
    participant_text_of,
    text_key,
)
from matchmaking.models import TextEmbedding

CHUNK = 2000  # keys a query asks for; vectors a pass encodes before it stores them
KEEP_UNUSED = dt.timedelta(days=1)  # a vector no current text uses is forgotten after this


class DatabaseStore:
    """``engine.encoder.Store`` over ``TextEmbedding``, for one encoder."""

    def __init__(self, encoder: str) -> None:
        self.encoder = encoder

    def load(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), CHUNK):
            rows = TextEmbedding.objects.filter(encoder=self.encoder, key__in=keys[start : start + CHUNK])
            for key, vector in rows.values_list("key", "vector"):
                found[key] = np.frombuffer(bytes(vector), dtype="<f4").astype(np.float32)
        return found

    def save(self, vectors: Mapping[str, np.ndarray]) -> None:
        rows = [
            TextEmbedding(encoder=self.encoder, key=key, vector=np.asarray(v, dtype="<f4").tobytes())
            for key, v in vectors.items()
        ]
        # Two workers may encode the same new text at once: the first row stays, the vectors are equal.
        TextEmbedding.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def english_texts() -> list[str]:
    """The texts the second stage reads, as a round would build them now."""
    participants = inputs.participants_from_db()
    opportunities = inputs.opportunities_from_db()
    return [participant_text(p) for p in participants if english_participant(p)] + [
        opportunity_text(o) for o in opportunities if english_opportunity(o)
    ]


def texts_embed(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Encode every current English text the database has no vector for; forget vectors no current
    text has used for ``KEEP_UNUSED``. A no-op when the stage is off."""
    from matchmaking.services import configured_reranker

    stage = configured_reranker()
    if stage is None:
        return {"texts": 0, "encoded": 0, "forgotten": 0}
    texts = english_texts()
    before = stage.cache.encoded
    for start in range(0, len(texts), CHUNK):  # stored as it goes: an interrupted pass keeps its work
        stage.cache.embed(texts[start : start + CHUNK])
    encoded = stage.cache.encoded - before
    used = {text_key(t) for t in texts}
    cutoff = (now or timezone.now()) - KEEP_UNUSED
    old = TextEmbedding.objects.filter(encoder=stage.name, created_at__lt=cutoff)
    unused = [pk for pk, key in old.values_list("pk", "key").iterator(chunk_size=CHUNK) if key not in used]
    for start in range(0, len(unused), CHUNK):
        TextEmbedding.objects.filter(pk__in=unused[start : start + CHUNK]).delete()
    return {"texts": len(texts), "encoded": encoded, "forgotten": len(unused)}


def student_text_forget(*, interests: str, skills: str) -> int:
    """Forget the vectors of a student's text, for every encoder (their data erased on request). A
    vector is keyed by its text alone: a student who wrote the same words will have it encoded again."""
    key = text_key(participant_text_of(inputs.participant_text(interests, skills)))
    deleted, _ = TextEmbedding.objects.filter(key=key).delete()
    return deleted
