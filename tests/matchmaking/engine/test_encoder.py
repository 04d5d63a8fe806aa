"""The second stage (engine/encoder.py): an English encoder re-orders an English participant's English
candidates among their own places; everything else is the engine's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from tiny import GEOGRAPHY, NOW, opportunity, student

from matchmaking.engine import encoder, parallel
from matchmaking.engine.encoder import (
    EmbeddingCache,
    NpzStore,
    Reranker,
    text_key,
    use_encoder,
    wordllama_available,
    wordllama_encoder,
)
from matchmaking.engine.recommend import recommend
from matchmaking.engine.stages import Stages

# The stub encoder's meaning: texts about mixing go one way, everything else the other.
MIXING, OTHER = np.array([1.0, 0.0]), np.array([0.0, 1.0])


class Stub:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([MIXING if "mixing" in t.lower() else OTHER for t in texts])


def world() -> tuple[list, list]:
    me = student("me", "audio recording, microphones, mixing", language="en")
    them = student("them", "audio recording, microphones, mixing", language="vi")
    studio = opportunity("studio", company="a", title="Audio recording studio: microphones", language="en")
    mixing = opportunity("mixing", company="b", title="Audio mixing", language="en")
    vietnamese = opportunity("vi", company="c", title="Audio recording microphones studio", language="vi")
    return [me, them], [studio, mixing, vietnamese]


def lists(rerank: Reranker | None, k: int = 10) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    participants, opportunities = world()
    recs = recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, k=k, rerank=rerank)
    ids = {p: [r.opportunity_id for r in rs] for p, rs in recs.for_participants.items()}
    back = {o: [r.participant_id for r in rs] for o, rs in recs.for_opportunities.items()}
    return ids, back


def test_english_candidates_are_reordered_among_their_own_places_and_the_rest_keeps_its_place() -> None:
    before, back_before = lists(None)
    after, back_after = lists(Reranker(EmbeddingCache(Stub()), weight=1.0))
    assert before["me"].index("studio") < before["me"].index("mixing")  # the engine prefers the studio's words
    assert after["me"].index("mixing") < after["me"].index("studio")  # the encoder prefers mixing
    assert after["me"].index("vi") == before["me"].index("vi")  # the other language keeps its place
    assert after["them"] == before["them"]  # a Vietnamese participant: nothing to re-order
    assert back_after == back_before  # opportunities' lists are the engine's


def test_with_weight_zero_the_lists_are_the_engines() -> None:
    assert lists(Reranker(EmbeddingCache(Stub()), weight=0.0)) == lists(None)


def test_a_candidate_past_k_can_take_an_english_place_only() -> None:
    before, _ = lists(None, k=2)
    after, _ = lists(Reranker(EmbeddingCache(Stub()), weight=1.0), k=2)
    assert "mixing" not in before["me"]
    assert set(after["me"]) == ({*before["me"]} - {"studio"}) | {"mixing"}
    assert after["me"].index("vi") == before["me"].index("vi")


def test_the_deeper_search_does_not_let_a_companys_third_into_a_full_list() -> None:
    # The stage searches an English participant's list 30 deep, so a list of k = 3 is "short" at that
    # depth and the cap's skipped entry fills it; at k it is full, and the cap must hold there.
    me = student("me", "audio recording, microphones, mixing", language="en")
    titles = {"a1": "Audio recording studio: microphones", "a2": "Audio recording, microphones",
              "a3": "Audio mixing: recording with microphones", "b1": "Audio recording"}  # fmt: skip
    opportunities = [opportunity(i, company=i[0], title=t, language="en") for i, t in titles.items()]
    for rerank in (None, Reranker(EmbeddingCache(Stub()), weight=1.0)):
        recs = recommend([me], opportunities, now=NOW, geography=GEOGRAPHY, k=3, rerank=rerank)
        listed = [r.opportunity_id for r in recs.for_participants["me"]]
        assert len(listed) == 3 and "b1" in listed and sum(o.startswith("a") for o in listed) == 2
        wide = recommend([me], opportunities, now=NOW, geography=GEOGRAPHY, k=10, rerank=rerank)
        assert {r.opportunity_id for r in wide.for_participants["me"]} == set(titles)  # room for all four


def test_a_text_is_encoded_once_and_again_only_when_it_changes(tmp_path: Path) -> None:
    stub = Stub()
    cache = EmbeddingCache(stub, tmp_path / "cache.npz")
    first = cache.embed(["Audio mixing", "Audio studio"])
    assert cache.encoded == 2
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    cache.embed(["Audio studio", "Audio mixing"])
    assert cache.encoded == 2
    cache.embed(["Audio mixing", "Audio studio, new equipment"])
    assert stub.calls[-1] == ["Audio studio, new equipment"]
    reopened = EmbeddingCache(stub, tmp_path / "cache.npz")  # another process, the same file
    reopened.embed(["Audio mixing", "Audio studio", "Audio studio, new equipment"])
    assert reopened.encoded == 0


@pytest.mark.parametrize("weight, depth", [(-0.1, 30), (1.5, 30), (0.2, 0)])
def test_a_weight_outside_zero_to_one_or_no_depth_is_refused(weight: float, depth: int) -> None:
    with pytest.raises(ValueError, match="weight|depth"):
        Reranker(EmbeddingCache(Stub()), weight=weight, depth=depth)


@pytest.mark.skipif(not wordllama_available(), reason="the optional wordllama package is not installed")
def test_the_bundled_wordllama_table_relates_english_texts_without_downloading() -> None:
    encode = wordllama_encoder()
    v = encode(["audio mixing and sound recording", "sound engineering, microphones", "accounting and tax"])
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_the_default_use_encoder_relates_english_texts_with_the_weights_in_its_wheel() -> None:
    encode = use_encoder()
    v = encode(["audio mixing and sound recording", "sound engineering, microphones", "accounting and tax"])
    assert v.shape == (3, 512)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.1


def test_a_cache_over_its_memory_bound_keeps_what_its_last_call_used_and_stays_right() -> None:
    stub = Stub()
    cache = EmbeddingCache(stub, memory=2)
    cache.embed(["Audio mixing", "Audio studio", "Audio books"])
    assert len(cache.vectors) == 3  # what the last call used stays, even above the bound
    again = cache.embed(["Audio mixing"])
    assert set(cache.vectors) == {text_key("Audio mixing")}
    assert np.allclose(again[0], MIXING) and cache.encoded == 3
    cache.embed(["Audio studio"])  # forgotten from memory, so encoded again (no store here)
    assert cache.encoded == 4


def test_the_file_store_replaces_its_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "cache.npz"
    NpzStore(path).save({"a": np.array([1.0, 0.0], dtype=np.float32)})
    NpzStore(path).save({"b": np.array([0.0, 1.0], dtype=np.float32)})
    assert set(NpzStore(path).load(["a", "b", "c"])) == {"a", "b"}
    assert [p.name for p in tmp_path.iterdir()] == ["cache.npz"]  # no temporary file left behind


def test_an_encoder_whose_packages_are_missing_is_refused_with_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(encoder.ENCODERS, "use", (use_encoder, lambda: False, "pip install X==1"))
    with pytest.raises(RuntimeError, match=r"'use' encoder's packages are not installed \(pip install X==1\)"):
        encoder.reranker("use")


@pytest.mark.skipif(not encoder.can_fork(), reason="forking is Linux-only here")
def test_many_new_texts_are_encoded_by_forked_processes_side_by_side_with_the_same_vectors() -> None:
    texts = [f"text {n:05d} {'mixing' if n % 3 else 'studio'}" for n in range(2 * encoder.PARALLEL_TEXTS + 5)]
    here, forked = Stub(), Stub()
    alone = EmbeddingCache(here).embed(texts, processes=1)
    shared = EmbeddingCache(forked)
    together = shared.embed(texts, processes=2)
    assert np.array_equal(alone, together) and shared.encoded == len(texts)
    assert len(here.calls) == 1
    # This process encoded the first half; a forked child the second (its calls are not seen here).
    assert [len(call) for call in forked.calls] == [len(texts) // 2]


@pytest.mark.skipif(not encoder.can_fork(), reason="forking is Linux-only here")
def test_forked_processes_share_the_new_texts_by_their_cost_not_their_count() -> None:
    # A thousand postings of 600 characters, then three thousand short interests: by count the first
    # process would get all the postings and a third of the rest; by cost each gets about half.
    postings = [f"posting {n:04d} " + "audio mixing studio " * 30 for n in range(1000)]
    interests = [f"interest {n:04d} mixing" for n in range(3000)]
    stub = Stub()
    EmbeddingCache(stub).embed(postings + interests, processes=2)
    here = sum(len(t) + encoder.TEXT_COST for t in stub.calls[0])
    total = sum(len(t) + encoder.TEXT_COST for t in postings + interests)
    assert len(stub.calls[0]) < 1500 and abs(here - total / 2) < 700


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Sông Hồng Student Hackathon 2026: build a web app in a weekend with mentors", True),  # a name in it
        ("I love machine learning and artificial intelligence", True),
        ("Quan tâm: lập trình, ứng dụng di động, mạng máy tính", False),
        ("đan len", False),
        ("", False),
    ],
)
def test_a_text_reads_as_english_unless_many_of_its_words_carry_vietnamese_marks(text: str, english: bool) -> None:
    assert encoder.reads_as_english(text) is english


def test_a_profile_in_english_whose_interests_are_written_in_vietnamese_is_left_to_the_engine() -> None:
    # The profile's language is the mail's; the encoder has no Vietnamese and would re-order by noise.
    participants, opportunities = world()
    participants[0] = dataclasses.replace(participants[0], text="thu âm, micro, hòa âm phối khí")
    stub = Stub()
    before = recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, k=10)
    after = recommend(
        participants,
        opportunities,
        now=NOW,
        geography=GEOGRAPHY,
        k=10,
        rerank=Reranker(EmbeddingCache(stub), weight=1.0),
    )
    assert after.for_participants == before.for_participants
    assert all("hòa âm" not in text for call in stub.calls for text in call)  # never encoded


def test_a_cache_asked_to_encode_at_most_n_characters_encodes_the_missing_texts_that_fit_in_order() -> None:
    stub = Stub()
    cache = EmbeddingCache(stub)
    cache.embed(["Audio studio"])
    texts = ["Audio books", "Audio studio", "Audio mixing", "Pottery"]
    vectors, have = cache.embed_at_most(texts, chars=len("Audio books") + len("Audio mixing") - 1)
    assert have.tolist() == [True, True, False, False]  # the one stored, and the first missing one that fits
    assert stub.calls[-1] == ["Audio books"]
    assert not vectors[2:].any() and np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0)
    assert cache.embed_at_most(["Pottery"], chars=0)[1].tolist() == [False]
    assert cache.embed_at_most(texts, chars=len("Audio mixing") + len("Pottery"))[1].all()
    assert cache.encoded == 4


def crowd(texts: int = 1) -> tuple[list, list]:
    """Three English participants (of ``texts`` different texts) each with the same two English
    candidates, which the stub encoder orders the other way round from the engine."""
    words = "audio recording, microphones, mixing"
    participants = [student(f"p{n}", f"{words}, take {n}" if n < texts else words, language="en") for n in range(3)]
    studio = opportunity("studio", company="a", title="Audio recording studio: microphones", language="en")
    mixing = opportunity("mixing", company="b", title="Audio mixing", language="en")
    return participants, [studio, mixing]


def ranked(recs) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {p: [r.opportunity_id for r in rs] for p, rs in recs.for_participants.items()}


def test_a_round_encodes_at_most_its_characters_opportunities_first_and_leaves_the_rest_in_the_engines_order() -> None:
    participants, opportunities = crowd(texts=3)
    postings = sum(len(encoder.opportunity_text(o)) for o in opportunities)
    first_student = len(encoder.participant_text(participants[0]))
    engine = ranked(recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, k=10))
    assert all(ids == ["studio", "mixing"] for ids in engine.values())

    stub = Stub()
    stage = Reranker(EmbeddingCache(stub), weight=1.0, limit=postings + first_student)
    first = ranked(recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, k=10, rerank=stage))
    assert stub.calls == [[*map(encoder.opportunity_text, opportunities), encoder.participant_text(participants[0])]]
    assert stage.waiting == 2
    assert first["p0"] == ["mixing", "studio"]
    assert first["p1"] == first["p2"] == ["studio", "mixing"]  # the engine's order, this round
    second = ranked(recommend(participants, opportunities, now=NOW, geography=GEOGRAPHY, k=10, rerank=stage))
    assert stage.waiting == 0 and stage.cache.encoded == 5  # the next round encodes what was left
    assert all(ids == ["mixing", "studio"] for ids in second.values())


@pytest.mark.skipif(not encoder.can_fork(), reason="forking is Linux-only here")
def test_a_parallel_run_reads_the_vectors_once_and_keeps_no_model_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "LIST_COST_PAIRS", 0)  # so that this tiny world is split in two
    participants, opportunities = crowd(texts=3)
    provinces = ["ha-noi", "bac-ninh", "ha-noi"]  # two blocks (neighbours reach the postings): two processes
    participants = [dataclasses.replace(p, province=provinces[n]) for n, p in enumerate(participants)]
    texts = [*map(encoder.opportunity_text, opportunities), *map(encoder.participant_text, participants)]
    stub, stages = Stub(), Stages()
    stage = Reranker(EmbeddingCache(stub), weight=1.0, limit=sum(map(len, texts)) - 1)
    recs = recommend(
        participants, opportunities, now=NOW, geography=GEOGRAPHY, k=10, rerank=stage, workers=2, stages=stages
    )
    assert stages.counts["search_processes"] == 2
    # Each share's lists are cut in turn; the limit counts once for the run, not once a share.
    assert stage.cache.encoded == 4 and stage.waiting == 1
    assert sorted(ids[0] for ids in ranked(recs).values()) == ["mixing", "mixing", "studio"]
    assert stage._prepared is None
