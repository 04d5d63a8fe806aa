"""Relevance first: kind, distance and freshness order relevant opportunities but never lift an
irrelevant one; below the relevance floor nothing is recommended."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from scipy import sparse
from tiny import GEOGRAPHY, NOW, opportunity, student

from matchmaking.engine import model
from matchmaking.engine.model import Weights
from matchmaking.engine.recommend import recommend
from matchmaking.engine.vectors import similarity_vectors

NLP = "Natural language processing workshop: build a chatbot that reads Vietnamese text"
FACTORY = "Mechanical factory visit: lathes, welding and the assembly line"


def test_an_irrelevant_opportunity_of_the_preferred_kind_never_outranks_a_relevant_one() -> None:
    me = student(text="NLP, natural language processing, chips", preferred_kinds=("visit",))
    factories = [
        opportunity(f"visit{n}", company=f"f{n}", kind="visit", title=FACTORY, created_at=NOW) for n in range(4)
    ]
    nlp = opportunity("nlp", company="ai", kind="workshop", title=NLP, created_at=NOW - timedelta(days=90))
    for floor in (None, 0.0):  # with the floor the visits are not listed at all; without it, after
        recs = recommend([me], [*factories, nlp], now=NOW, geography=GEOGRAPHY, k=5, floor=floor)
        ranked = [r.opportunity_id for r in recs.for_participants["s1"]]
        assert ranked[0] == "nlp"
    assert [r.opportunity_id for r in recommend([me], [*factories, nlp], now=NOW, geography=GEOGRAPHY,
                                                k=5).for_participants["s1"]] == ["nlp"]  # fmt: skip


def test_even_a_large_kind_weight_cannot_lift_an_opportunity_with_no_relevance() -> None:
    me = student(text="lập trình game", preferred_kinds=("visit",))
    weights = Weights(text=0.1, topic=0.1, kind=10.0, distance=1.0, freshness=1.0)
    off_topic = opportunity("visit", company="v", kind="visit", title="Tham quan nhà máy dệt may", created_at=NOW)
    game = opportunity("game", company="g", kind="contest", title="Cuộc thi lập trình game")
    recs = recommend([me], [off_topic, game], now=NOW, geography=GEOGRAPHY, weights=weights, floor=0.0)
    ranked = recs.for_participants["s1"]
    assert [r.opportunity_id for r in ranked] == ["game", "visit"]
    assert ranked[1].score == model.FLOOR  # relevance 0 × any context = 0


def test_between_equally_relevant_opportunities_the_preferred_kind_goes_first() -> None:
    me = student(text="robot", preferred_kinds=("contest",))
    a = opportunity("a", company="a", kind="workshop", title="Robot")
    b = opportunity("b", company="b", kind="contest", title="Robot")
    recs = recommend([me], [a, b], now=NOW, geography=GEOGRAPHY)
    assert [r.opportunity_id for r in recs.for_participants["s1"]] == ["b", "a"]


def test_nothing_below_the_floor_is_listed_and_a_participant_may_get_no_list() -> None:
    people = [student("s1", "robot"), student("s2", "nấu ăn, ẩm thực")]
    catalogue = [opportunity("o1", company="a", title="Robot"), opportunity("o2", company="b", title="Robot arm")]
    for floor in (0.05, 0.3, 0.9):
        recs = recommend(people, catalogue, now=NOW, geography=GEOGRAPHY, floor=floor)
        every = [r for rs in recs.for_participants.values() for r in rs]
        every += [r for rs in recs.for_opportunities.values() for r in rs]
        assert all(r.score >= model.score(floor) for r in every)
        assert recs.for_participants["s2"] == []  # "no good match yet"
    assert [r.opportunity_id for r in recommend(people, catalogue, now=NOW, geography=GEOGRAPHY,
                                                floor=0.05).for_participants["s1"]] == ["o1", "o2"]  # fmt: skip
    unfloored = recommend(people, catalogue, now=NOW, geography=GEOGRAPHY, floor=0.0)
    assert len(unfloored.for_participants["s2"]) == 2  # padding, only when asked for


def test_a_neighbouring_topic_of_the_same_field_counts_less_than_the_same_topic_and_more_than_another_field() -> None:
    # No word in common across the languages: only the vocabulary relates them. "học máy" is the same
    # topic (machine learning); "xử lý ngôn ngữ tự nhiên" (NLP) is another topic of the same field;
    # "làm gốm" (pottery) is in another field altogether.
    me = student(text="machine learning")
    same = opportunity("same", company="a", title="Nhập môn học máy")
    near = opportunity("near", company="b", title="Nhập môn xử lý ngôn ngữ tự nhiên")
    far = opportunity("far", company="c", title="Nhập môn làm gốm")
    recs = recommend([me], [far, near, same], now=NOW, geography=GEOGRAPHY, k=3, floor=0.0)
    ranked = recs.for_participants["s1"]
    assert [r.opportunity_id for r in ranked] == ["same", "near", "far"]
    assert ranked[1].score > model.FLOOR == ranked[2].score  # the field bridges; another field does not


def test_a_relevance_vector_is_never_longer_than_one_so_no_relevance_exceeds_one() -> None:
    # Entries are rounded to multiples of 2**-16 towards zero: rounded to nearest, about half of these
    # rows would have squared entries adding up to a little more than 1 (and a pair's score above 1).
    rng = np.random.default_rng(7)
    text = sparse.random(200, 300, density=0.05, random_state=rng, format="csr")
    topics = sparse.random(200, 20, density=0.1, random_state=rng, format="csr")
    rows, _ = similarity_vectors(text, topics, Weights().normalised())
    squares = np.asarray(rows.multiply(rows).sum(axis=1)).ravel()
    assert squares.max() <= 1.0 and squares.min() > 0.999


def test_words_of_a_request_or_of_a_kind_alone_make_no_match() -> None:
    # All these texts share is how a class asks, that a visit is a visit, that a talk is about careers.
    people = [
        student("s1", "Tham quan một doanh nghiệp về tổ chức sự kiện"),
        student("s2", "Em muốn tìm hiểu thêm về định hướng nghề nghiệp và nghề may"),
    ]
    catalogue = [
        opportunity("o1", company="a", kind="visit", title="Tham quan thực tế: học máy",
                    description="Học sinh tham quan phòng lab của doanh nghiệp về trí tuệ nhân tạo."),
        opportunity("o2", company="b", kind="career_talk", title="Nói chuyện hướng nghiệp: lập trình web",
                    description="Định hướng nghề nghiệp cho học sinh yêu thích lập trình.", topics=("hướng nghiệp",)),
    ]  # fmt: skip
    recs = recommend(people, catalogue, now=NOW, geography=GEOGRAPHY)
    assert recs.for_participants["s1"] == [] and recs.for_participants["s2"] == []
    talk = opportunity("o3", company="c", kind="career_talk", title="Nghề may mặc: nói chuyện hướng nghiệp")
    recs = recommend(people, [*catalogue, talk], now=NOW, geography=GEOGRAPHY)
    assert [r.opportunity_id for r in recs.for_participants["s2"]] == ["o3"]  # the subject still meets


def test_above_the_floor_a_pair_needs_a_topic_a_field_or_close_texts_to_be_listed() -> None:
    # "alpha" alone in a longer text, or common letters ("alphabet"), lift a pair above the floor but give a
    # person no reason; a topic's field in common does, even with no word in common.
    filler = "delta echo foxtrot golf hotel india juliett kilo lima mike"
    me = student(text="alpha bravo charlie machine learning")
    catalogue = [
        opportunity("close", company="a", title="Workshop", description=f"alpha bravo {filler} november oscar"),
        opportunity("one-word", company="b", title="Workshop", description=f"alpha {filler}"),
        opportunity("letters", company="c", title="Workshop", description="alphabet bravery"),
        opportunity("field", company="d", title="AI tạo sinh", description=filler),
    ]
    unfloored = recommend([me], catalogue, now=NOW, geography=GEOGRAPHY, floor=0.0).for_participants["s1"]
    text = {r.opportunity_id: r.features["text"] for r in unfloored}
    assert 0 < text["one-word"] < model.TEXT_EVIDENCE and 0 < text["letters"] < model.TEXT_EVIDENCE
    assert text["close"] >= model.TEXT_EVIDENCE and text["field"] < model.TEXT_EVIDENCE
    floor = 0.01
    assert all(r.score >= model.score(floor) for r in unfloored)  # every pair is above this floor
    recs = recommend([me], catalogue, now=NOW, geography=GEOGRAPHY, floor=floor)
    listed = recs.for_participants["s1"]
    assert sorted(r.opportunity_id for r in listed) == ["close", "field"]
    assert {r.opportunity_id: r.reasons[0]["factor"] for r in listed} == {"close": "text", "field": "field"}
    # the same rule the other way: an opportunity's list of participants
    assert {o: [r.participant_id for r in rs] for o, rs in recs.for_opportunities.items() if rs} == {
        "close": ["s1"],
        "field": ["s1"],
    }


def test_teamwork_or_presenting_in_common_alone_is_no_reason_to_recommend() -> None:
    # Skills every kind of work asks for relate two texts, but a network-security student who works well
    # in a team is not thereby interested in a tour guides' workshop that mentions teamwork.
    me = student(text="Em đam mê bảo mật thông tin, mơ ước trở thành kỹ sư an ninh mạng.\nToán, làm việc nhóm")
    guide = opportunity(
        "guide", company="a", title="Thực hành hướng dẫn viên du lịch",
        description="Ba buổi thực hành dẫn đoàn tham quan phố cổ, thuyết minh lịch sử điểm đến cho du khách, "
        "xử lý tình huống với khách, lập lịch trình tour và làm việc nhóm.",
    )  # fmt: skip
    security = opportunity("security", company="b", title="Workshop an ninh mạng cho học sinh")
    unfloored = recommend([me], [guide, security], now=NOW, geography=GEOGRAPHY, floor=0.0).for_participants["s1"]
    reasons = {r.opportunity_id: r.reasons[0] for r in unfloored}
    assert reasons["guide"] == {"factor": "topics", "topics": ["soft-skills"]}  # related, above the floor,
    assert next(r for r in unfloored if r.opportunity_id == "guide").features["text"] < model.TEXT_EVIDENCE
    assert all(r.score >= model.score(model.RELEVANCE_FLOOR) for r in unfloored)
    listed = recommend([me], [guide, security], now=NOW, geography=GEOGRAPHY).for_participants["s1"]
    assert [r.opportunity_id for r in listed] == ["security"]


def test_a_participant_who_names_only_a_whole_field_has_it_weighted_as_a_topic() -> None:
    from matchmaking.engine.topics import load_vocabulary
    from matchmaking.engine.vectors import topic_terms

    vocab = load_vocabulary()
    it, programming = vocab.index["information-technology"], vocab.index["programming"]
    sets = [frozenset({it}), frozenset({it, programming}), frozenset({it})]  # two participants, then a posting
    terms = topic_terms(sets, len(vocab.topics), np.array([3, 3, 3]), vocab.group_of, vocab.umbrellas, n_participants=2)
    software = len(vocab.topics) + vocab.field_ids.index("software")
    whole, narrower, posting = terms[:, software].toarray().ravel()
    assert whole == 2 * narrower  # a topic's weight, not model.GROUP_SCALE of it
    assert narrower == posting  # a narrower topic says what they want; a posting's field is never raised


def test_a_student_who_writes_only_it_or_cntt_is_offered_a_software_company_visit() -> None:
    # "Công nghệ thông tin" (CNTT, IT) names the whole software field; the visit's topics are narrower.
    me = student("me", "em muốn học IT, CNTT")
    visit = opportunity(
        "dev",
        kind="visit",
        title="Tham quan công ty phần mềm",
        description="Xem các kỹ sư viết code, kiểm thử ứng dụng di động và họp nhóm Scrum.",
    )
    bakery = opportunity("cake", company="c2", title="Học làm bánh kem cùng thợ bánh")
    listed = recommend([me], [visit, bakery], now=NOW, geography=GEOGRAPHY).for_participants["me"]
    assert [r.opportunity_id for r in listed] == ["dev"]
    assert listed[0].reasons[0] == {"factor": "field", "fields": ["software"]}
