"""An opportunity's text names who offers it; the name's words are words of the text, but no topic of
the posting unless the rest of it agrees (engine/vectors.py, ``opportunity_document``, ``topic_sets``)."""

from __future__ import annotations

from dataclasses import replace

from tiny import GEOGRAPHY, NOW, opportunity, student

from matchmaking.engine.recommend import recommend
from matchmaking.engine.text import NAME_CLOSE, NAME_OPEN, tokenise
from matchmaking.engine.topics import load_vocabulary
from matchmaking.engine.types import Opportunity
from matchmaking.engine.vectors import opportunity_document, participant_document, topic_sets

OCEAN = "Công ty TNHH Đại Dương Xanh"  # "đại dương" is the ocean: a synonym of marine biology


def topics_of(o: Opportunity) -> set[str]:
    vocab = load_vocabulary()
    raw = [opportunity_document(o)]
    return {vocab.topics[t].id for t in topic_sets(vocab, tokenise(raw), raw, [o.topics], folding=True)[0]}


def accounting(organisation: str) -> Opportunity:
    return opportunity(
        "acc",
        company="ddx",
        title=f"Thực tập kế toán tại {OCEAN}",
        description="Đại Dương Xanh tuyển thực tập sinh kế toán: nhập chứng từ, đối chiếu công nợ, lập bảng lương.",
        organisation=organisation,
    )


def test_a_topic_only_the_organisations_name_gives_is_no_topic_of_the_posting() -> None:
    assert "marine-biology" in topics_of(accounting(""))  # as it was: the company's name read as a subject
    assert topics_of(accounting(OCEAN)) == {"accounting"}  # the name as written, and without its legal form


def test_a_topic_of_the_name_counts_when_the_rest_of_the_posting_has_its_field() -> None:
    visit = opportunity(
        "visit",
        kind="visit",
        title="Tham quan Công ty Phần mềm Sông Hồng",
        description="Học sinh gặp các lập trình viên và xem một ngày làm việc của đội phát triển.",
        organisation="Công ty Phần mềm Sông Hồng",
    )
    assert {"software-engineering", "programming"} <= topics_of(visit)  # "phần mềm" agrees with programming
    reef = opportunity(
        "reef",
        title=f"{OCEAN} giới thiệu nghề bảo tồn sinh vật biển",
        description="Các nhà sinh học biển kể về rạn san hô.",
        organisation=OCEAN,
    )
    assert "marine-biology" in topics_of(reef)


def test_the_names_words_are_marked_and_never_become_tokens_of_their_own() -> None:
    document = opportunity_document(accounting(OCEAN))
    assert document.count(NAME_OPEN) == document.count(NAME_CLOSE) == 2
    pasted = participant_document(student("me", f"pasted {NAME_OPEN}marks{NAME_CLOSE} mean nothing"))
    tok = tokenise([document, pasted])
    assert NAME_OPEN not in tok.vocab and NAME_CLOSE not in tok.vocab
    words = tok.doc_tokens(0, folded=False)
    assert tok.named is not None
    assert [w for w, named in zip(words, tok.named[: len(words)].tolist(), strict=True) if named] == [
        *"công ty tnhh đại dương xanh".split(),
        *"đại dương xanh".split(),
    ]
    assert not tok.named[len(words) :].any()  # marks someone pasted into a text are not a name
    assert tok.doc_tokens(1, folded=False) == ["pasted", "marks", "mean", "nothing"]


def test_a_student_of_the_ocean_is_offered_the_reef_talk_first_not_the_accounting_internship() -> None:
    me = student("me", "sinh vật biển, đại dương, lặn biển")
    reef = opportunity(
        "reef",
        company="of",
        kind="career_talk",
        title="Marine conservation talk: coral reefs of Nha Trang",
        description="Marine biologists show how coral reefs are surveyed and protected.",
        language="en",
        organisation="Ocean Friends Vietnam",
    )
    recs = recommend([me], [accounting(OCEAN), reef], now=NOW, geography=GEOGRAPHY, k=10)
    listed = recs.for_participants["me"]
    assert listed[0].opportunity_id == "reef"
    for rec in listed[1:]:  # the internship shares the words "đại dương", not a topic
        assert not any(reason.get("factor") == "topics" for reason in rec.reasons)


def test_a_name_is_marked_as_whole_words_in_any_case_with_or_without_its_legal_form() -> None:
    from matchmaking.engine.vectors import _name_marked

    text = "CÔNG TY TNHH ĐẠI DƯƠNG XANH tuyển; Đại Dương Xanhh không phải; Đại Dương Xanh, Hải Phòng"
    marked = _name_marked(text, "Công ty TNHH Đại Dương Xanh")
    assert marked == (
        f"{NAME_OPEN}CÔNG TY TNHH ĐẠI DƯƠNG XANH{NAME_CLOSE} tuyển; Đại Dương Xanhh không phải; "
        f"{NAME_OPEN}Đại Dương Xanh{NAME_CLOSE}, Hải Phòng"
    )
    assert _name_marked("Lotus Hotel Group invites", "Lotus Hotel Group Co., Ltd.") == (
        f"{NAME_OPEN}Lotus Hotel Group{NAME_CLOSE} invites"
    )


def test_the_lexicon_takes_no_concept_from_the_name_either() -> None:
    from matchmaking.engine.lexicon import load_lexicon

    lexicon = load_lexicon()
    visit = opportunity("v", title="Tham quan Công ty Phần mềm Sông Hồng", organisation="Công ty Phần mềm Sông Hồng")
    documents = [opportunity_document(visit), opportunity_document(replace(visit, organisation=""))]
    counts = lexicon.counts(tokenise(documents), 0)  # all on the right: opportunities
    n = len(lexicon.concepts)
    named, plain = ({lexicon.concepts[c % n] for c in row.indices} for row in counts)
    assert {"software", "company"} <= plain and not {"software", "company"} & named
    assert "visit" in named  # "tham quan", outside the name, is read as before
